// 公示设置 (admin, planner): which stages of the ledger the public pages publish, the grid the
// published positions are snapped to, the office's name and the note under each village notice.
// Saved with If-Match; a 412 reloads the settings and says so.
import { useEffect, useState, type FormEvent } from 'react'
import { fmtDateTime } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { DISCLOSURE_STAGES, getDisclosureSettings, saveDisclosureSettings, type DisclosureSettings, type DisclosureStage, type Versioned } from '../../reports-api.ts'
import { isSessionLost, isStale } from './report-util.ts'

export interface DisclosurePanelProps {
  /** What the district publishes is decided district-wide: users of a town or village only read it. */
  canEdit: boolean
  onSessionLost(): void
}

type Notice = { kind: 'ok' | 'stale' | 'error'; text: string } | null

export function DisclosurePanel({ canEdit, onSessionLost }: DisclosurePanelProps) {
  const { t, lang } = useI18n()
  const [rec, setRec] = useState<Versioned<DisclosureSettings> | null>(null)
  const [stages, setStages] = useState<DisclosureStage[]>([])
  const [grid, setGrid] = useState('200')
  const [office, setOffice] = useState('')
  const [noticeNote, setNoticeNote] = useState('')
  const [notice, setNotice] = useState<Notice>(null)
  const [busy, setBusy] = useState(false)
  const [reload, setReload] = useState(0)

  useEffect(() => {
    const ctl = new AbortController()
    getDisclosureSettings(ctl.signal)
      .then((r) => {
        setRec(r)
        setStages([...r.data.stages])
        setGrid(String(r.data.locationGridM))
        setOffice(r.data.officeName)
        setNoticeNote(r.data.noticeNote)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (isSessionLost(e)) onSessionLost()
        setNotice({ kind: 'error', text: `${t('reports.loadError')}：${problemMessage(e, lang)}` })
      })
    return () => ctl.abort()
  }, [reload, lang, t, onSessionLost])

  const gridM = Number(grid)
  const gridOk = Number.isInteger(gridM) && gridM >= 100 && gridM <= 2000
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!rec || !gridOk) return
    setBusy(true)
    setNotice(null)
    try {
      const next = await saveDisclosureSettings(rec.etag, {
        stages: DISCLOSURE_STAGES.filter((s) => stages.includes(s)),
        locationGridM: gridM,
        officeName: office.trim(),
        noticeNote: noticeNote.trim(),
      })
      setRec(next)
      setNotice({ kind: 'ok', text: t('reports.disclosure.saved') })
    } catch (err) {
      if (isSessionLost(err)) onSessionLost()
      if (isStale(err)) {
        setNotice({ kind: 'stale', text: t('reports.disclosure.stale') })
        setReload((k) => k + 1)
      } else setNotice({ kind: 'error', text: problemMessage(err, lang) })
    } finally {
      setBusy(false)
    }
  }

  const toggle = (s: DisclosureStage, on: boolean) => setStages((old) => (on ? [...old.filter((x) => x !== s), s] : old.filter((x) => x !== s)))
  return (
    <form className="disclosure-panel dispatch-assign" onSubmit={(e) => void submit(e)} data-testid="disclosure-settings" data-state={rec ? 'ok' : 'loading'} data-version={rec?.data.version ?? ''}>
      <p className="muted">{t('reports.disclosure.intro')}</p>
      {notice && (
        <p className={notice.kind === 'ok' ? 'dispatch-notice done' : 'form-error stale'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="disclosure-notice" data-kind={notice.kind}>
          {notice.text}
        </p>
      )}
      {rec && !canEdit && <p className="form-error stale">{t('reports.disclosure.districtOnly')}</p>}
      {rec && (
        <>
          <fieldset className="dispatch-what" disabled={!canEdit}>
            <legend>{t('reports.disclosure.stages')}</legend>
            {DISCLOSURE_STAGES.map((s) => (
              <label key={s} className="dispatch-member">
                <input type="checkbox" checked={stages.includes(s)} onChange={(e) => toggle(s, e.target.checked)} data-testid={`disclosure-stage-${s}`} />
                {t(`reports.stage.${s}`)}
              </label>
            ))}
            {stages.length === 0 && <p className="muted">{t('reports.disclosure.none')}</p>}
          </fieldset>
          <label className={gridOk ? 'form-row' : 'form-row invalid'}>
            <span>{t('reports.disclosure.grid')}</span>
            <span className="with-unit">
              <input type="number" disabled={!canEdit} min={100} max={2000} step={50} value={grid} onChange={(e) => setGrid(e.target.value)} data-testid="disclosure-grid" />
              <span>m</span>
            </span>
            <span className="muted triage-hint">{t('reports.disclosure.gridHint')}</span>
            {!gridOk && <span className="field-error">{t('reports.disclosure.gridRange')}</span>}
          </label>
          <label className="form-row">
            <span>{t('reports.disclosure.office')}</span>
            <input type="text" disabled={!canEdit} maxLength={100} value={office} onChange={(e) => setOffice(e.target.value)} placeholder={t('reports.disclosure.officePlaceholder')} data-testid="disclosure-office" />
          </label>
          <label className="form-row">
            <span>{t('reports.disclosure.note')}</span>
            <textarea rows={3} disabled={!canEdit} maxLength={1000} value={noticeNote} onChange={(e) => setNoticeNote(e.target.value)} placeholder={t('reports.disclosure.notePlaceholder')} data-testid="disclosure-note" />
          </label>
          <p className="muted">{t('reports.disclosure.updated', { at: fmtDateTime(rec.data.updatedAt), v: rec.data.version })}</p>
          <div className="dialog-buttons">
            <a href="/public/disclosure" target="_blank" rel="noopener" className="open-case">
              {t('reports.public.disclosure')}
            </a>
            <button type="submit" className="primary" disabled={busy || !gridOk || !canEdit} data-testid="disclosure-save">
              {busy ? t('reports.saving') : t('reports.save')}
            </button>
          </div>
        </>
      )}
    </form>
  )
}
