// One house file (一户一档): every field, the owner for the roles that handle personal data, the
// measures with their deadlines (overdue in red) and 完成, 新增措施, 销号, 发现违建 → 立案 (the
// case's number then links to its page), photos and the appraisal report, and the history. Every
// write goes with If-Match from the file's ETag; a 412 reads the file again and says so.
import { useCallback, useState, type FormEvent } from 'react'
import { ApiError } from '../../api.ts'
import { fmtDate, fmtDateTime, localDate } from '../../format.ts'
import { useFirstCall, useLoad } from '../../hooks/use-load.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import {
  addMeasure, attachmentUrl, changedValues, editSurvey, finishMeasure, getSurvey, MEASURE_KINDS, needsMeasures, openSurveyCase, resolveSurvey, SURVEY_CASE_USES,
  surveyAttachments, surveyHistory, uploadSurveyAttachment, valuesOf,
  type Attachment, type MeasureKind, type Survey, type SurveyCaseUse, type SurveyHistoryEntry, type SurveyValues, type Versioned,
} from '../../survey-api.ts'
import { DetailLoadError, DetailSection, StatusTag } from '../record-parts.tsx'
import { GradeDot } from './SurveyFileList.tsx'
import { SurveyForm } from './SurveyForm.tsx'

export interface SurveyDetailProps {
  id: number
  canWrite: boolean
  onBack(): void
  onFly(s: { lon: number; lat: number }): void
  onOpenCase(caseId: number): void
  /** The file changed: the list is read again (and the map's cases, when one was opened). */
  onChanged(withCases: boolean): void
  onSessionLost(): void
}

type Notice = { kind: 'ok' | 'stale' | 'error'; text: string } | null

export function SurveyDetail({ id, canWrite, onBack, onFly, onOpenCase, onChanged, onSessionLost }: SurveyDetailProps) {
  const { t, lang, lookup } = useI18n()
  const [rec, setRec] = useState<Versioned<Survey> | null>(null)
  const [notice, setNotice] = useState<Notice>(null)
  const [history, setHistory] = useState<SurveyHistoryEntry[]>([])
  const [files, setFiles] = useState<Attachment[]>([])
  const [reload, setReload] = useState(0)
  const [busy, setBusy] = useState(false)
  const [editing, setEditing] = useState(false)
  const [measureOpen, setMeasureOpen] = useState(false)
  const [measure, setMeasure] = useState<{ kind: MeasureKind; deadline: string; note: string }>({ kind: 'stop_use', deadline: localDate(7), note: '' })
  const [caseOpen, setCaseOpen] = useState(false)
  const [caseForm, setCaseForm] = useState<{ use: SurveyCaseUse; note: string }>({ use: 'residential', note: '' })
  const [upload, setUpload] = useState<number | null>(null)
  const flyFirst = useFirstCall(onFly)
  const load = useCallback((signal: AbortSignal) => Promise.all([getSurvey(id, signal), surveyHistory(id, signal), surveyAttachments(id, signal)]), [id])
  const error = useLoad(
    load,
    ([r, h, a]) => {
      setRec(r)
      setHistory(h)
      setFiles(a)
      flyFirst(r.data)
    },
    onSessionLost,
    reload,
  )

  /** Runs a write on the file; the answer is the file as it now is. */
  const act = useCallback(
    async (write: (etag: string) => Promise<Versioned<Survey>>, opts: { withCases?: boolean; ok?: string } = {}) => {
      if (!rec) return false
      setBusy(true)
      setNotice(null)
      try {
        const next = await write(rec.etag)
        setRec(next)
        setNotice({ kind: 'ok', text: opts.ok ?? t('survey.detail.done') })
        onChanged(opts.withCases ?? false)
        setHistory(await surveyHistory(id))
        return true
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        if (e instanceof ApiError && e.status === 412) {
          setNotice({ kind: 'stale', text: t('survey.detail.stale') })
          setReload((k) => k + 1)
        } else setNotice({ kind: 'error', text: problemMessage(e, lang) })
        return false
      } finally {
        setBusy(false)
      }
    },
    [rec, id, lang, t, onChanged, onSessionLost],
  )

  if (error)
    return (
      <DetailLoadError className="survey-detail" testId="survey-detail" back={t('survey.back')} backTestId="survey-back" label={t('survey.loadError')} error={error} onBack={onBack} />
    )
  if (!rec) return <p className="empty">{t('survey.loading')}</p>
  const s = rec.data
  const open = s.measures.filter((m) => !m.doneAt)
  const resolvable = s.status !== 'resolved' && needsMeasures(s) && s.measures.length > 0 && open.length === 0
  const report = files.find((f) => f.id === s.appraisalReportId)
  const yesNo = (b: boolean) => t(b ? 'survey.yes' : 'survey.no')

  const saveEdit = async (values: SurveyValues) => {
    const patch = changedValues(valuesOf(s), values, s.owner !== undefined)
    if (Object.keys(patch).length === 0) return setEditing(false)
    if (await act((etag) => editSurvey(s.id, etag, patch))) setEditing(false)
  }
  const submitMeasure = async (e: FormEvent) => {
    e.preventDefault()
    const ok = await act((etag) => addMeasure(s.id, etag, { kind: measure.kind, deadline: measure.deadline, ...(measure.note.trim() ? { note: measure.note.trim() } : {}) }))
    if (ok) {
      setMeasureOpen(false)
      setMeasure({ kind: 'stop_use', deadline: localDate(7), note: '' })
    }
  }
  const submitCase = async (e: FormEvent) => {
    e.preventDefault()
    if (await act((etag) => openSurveyCase(s.id, etag, { use: caseForm.use, ...(caseForm.note.trim() ? { note: caseForm.note.trim() } : {}) }), { withCases: true })) setCaseOpen(false)
  }
  const sendFile = async (file: File) => {
    setUpload(0)
    setNotice(null)
    try {
      const a = await uploadSurveyAttachment(s.id, file, (f) => setUpload(Math.round(f * 100)))
      setFiles(await surveyAttachments(s.id))
      // a PDF is the appraisal report
      if (a.mimeType === 'application/pdf') await act((etag) => editSurvey(s.id, etag, { appraisalReportId: a.id }), { ok: t('survey.detail.reportSet') })
      else setNotice({ kind: 'ok', text: t('survey.detail.done') })
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      setNotice({ kind: 'error', text: problemMessage(e, lang) })
    } finally {
      setUpload(null)
    }
  }

  if (editing)
    return (
      <section className="survey-detail" data-testid="survey-detail" data-id={s.id}>
        <SurveyForm initial={valuesOf(s)} withOwner={s.owner !== undefined} title={t('survey.form.edit')} busy={busy} onSubmit={saveEdit} onCancel={() => setEditing(false)}
          error={notice && notice.kind !== 'ok' ? <p className="form-error stale" role="alert">{notice.text}</p> : null} />
      </section>
    )

  return (
    <DetailSection className="survey-detail" testId="survey-detail" record={s} back={t('survey.back')} backTestId="survey-back" onBack={onBack}>
      <header className="survey-detail-head">
        <h3>
          <StatusTag className={`survey-status st-${s.status}`} testId="survey-detail-status" text={t(`survey.status.${s.status}`)} />{' '}
          <GradeDot s={s} /> {s.addressText || (s.buildingId !== null ? `${t('survey.field.building')} #${s.buildingId}` : '')} <span className="muted">#{s.id}</span>
        </h3>
        <p className="muted">
          {s.townName} {s.villageName} · {t('survey.field.surveyedAt')} {fmtDateTime(s.surveyedAt)}
          {s.resolvedAt && ` · ${t('survey.field.resolvedAt')} ${fmtDateTime(s.resolvedAt)}`}{' '}
          <button type="button" className="link-button" onClick={() => onFly(s)}>
            {t('survey.detail.showOnMap')}
          </button>
          {canWrite && (
            <button type="button" className="link-button" onClick={() => setEditing(true)} data-testid="survey-edit">
              {t('survey.form.edit')}
            </button>
          )}
        </p>
      </header>

      {notice && (
        <p className={notice.kind === 'ok' ? 'dispatch-notice done' : 'form-error stale'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="survey-notice" data-kind={notice.kind}>
          {notice.text}
        </p>
      )}

      <h4>{t('survey.detail.facts')}</h4>
      <dl className="survey-facts" data-testid="survey-facts">
        <dt>{t('survey.field.building')}</dt>
        <dd>{s.buildingId ?? '—'}</dd>
        <dt>{t('survey.field.addressText')}</dt>
        <dd>{s.addressText ?? '—'}</dd>
        <dt>{t('survey.field.ownerType')}</dt>
        <dd>{t(`survey.ownerType.${s.ownerType}`)}</dd>
        {s.owner && (
          <>
            <dt>{t('survey.field.ownerName')}</dt>
            <dd data-testid="survey-owner">{s.owner.name ?? '—'}</dd>
            <dt>{t('survey.field.ownerPhone')}</dt>
            <dd>{s.owner.phone ?? '—'}</dd>
          </>
        )}
        <dt>{t('survey.field.floors')}</dt>
        <dd data-testid="survey-floors">{s.floors}</dd>
        <dt>{t('survey.field.structure')}</dt>
        <dd>{t(`survey.structure.${s.structure}`)}</dd>
        <dt>{t('survey.field.builtYear')}</dt>
        <dd>{s.builtYear ?? '—'}</dd>
        <dt>{t('survey.field.use')}</dt>
        <dd>
          {t(`survey.use.${s.use}`)}
          {s.businessKind && ` · ${t(`survey.businessKind.${s.businessKind}`)}`}
        </dd>
        {s.businessLicence !== null && (
          <>
            <dt>{t('survey.field.businessLicence')}</dt>
            <dd className={s.businessLicence ? undefined : 'survey-warn'}>{t(s.businessLicence ? 'survey.licence.yes' : 'survey.licence.no')}</dd>
          </>
        )}
        <dt>{t('survey.field.rented')}</dt>
        <dd>{yesNo(s.rented)}</dd>
        <dt>{t('survey.field.residents')}</dt>
        <dd>{s.residents}</dd>
        <dt>{t('survey.field.workers')}</dt>
        <dd>{s.workers}</dd>
        <dt>{t('survey.field.appraisal')}</dt>
        <dd>
          {t(`survey.appraisal.${s.appraisal}`)}
          {s.appraisalGrade && ` · ${t('survey.gradeLabel', { grade: s.appraisalGrade })}`}
        </dd>
        <dt>{t('survey.field.hazard')}</dt>
        <dd className={s.hazard === 'none' ? undefined : `survey-hazard hz-${s.hazard}`}>{t(`survey.hazard.${s.hazard}`)}</dd>
        <dt>{t('survey.field.appraisalReport')}</dt>
        <dd>
          {report ? (
            <a href={attachmentUrl(report.id)} target="_blank" rel="noopener">
              {report.fileName}
            </a>
          ) : (
            '—'
          )}
        </dd>
      </dl>
      {s.owner && <p className="survey-personal muted">{t('survey.personal')}</p>}

      <h4>{t('survey.detail.measures')}</h4>
      {s.measures.length === 0 ? (
        <p className="muted">{needsMeasures(s) ? t('survey.detail.noMeasures') : t('survey.detail.nothingToResolve')}</p>
      ) : (
        <ul className="survey-measures" data-testid="survey-measures">
          {s.measures.map((m) => (
            <li key={m.id} className={m.overdue ? 'overdue' : m.doneAt ? 'done' : undefined} data-testid="survey-measure" data-id={m.id} data-overdue={m.overdue} data-done={m.doneAt !== null}>
              <b>{t(`survey.measure.${m.kind}`)}</b>
              <span className={m.overdue ? 'survey-overdue-text' : 'muted'}>{t('survey.detail.deadline', { date: fmtDate(m.deadline) })}</span>
              {m.overdue && <span className="survey-overdue">{t('survey.detail.overdue')}</span>}
              {m.doneAt && <span className="survey-done">✓ {t('survey.detail.doneAt', { date: fmtDate(m.doneAt) })}</span>}
              {m.note && <span className="muted survey-measure-note">{m.note}</span>}
              {canWrite && !m.doneAt && (
                <button type="button" className="open-case" disabled={busy} onClick={() => void act((etag) => finishMeasure(s.id, m.id, etag))} data-testid="survey-measure-done">
                  {t('survey.detail.markDone')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <div className="survey-actions">
          {!measureOpen && (
            <button type="button" className="open-case" onClick={() => setMeasureOpen(true)} data-testid="survey-add-measure">
              + {t('survey.detail.addMeasure')}
            </button>
          )}
          {s.status !== 'resolved' && needsMeasures(s) && (
            <button
              type="button"
              className="open-case survey-resolve"
              disabled={busy || !resolvable}
              title={resolvable ? undefined : t('survey.detail.resolveHint')}
              onClick={() => window.confirm(t('survey.detail.resolveConfirm')) && void act((etag) => resolveSurvey(s.id, etag))}
              data-testid="survey-resolve"
            >
              {t('survey.detail.resolve')}
            </button>
          )}
          {s.status === 'resolved' && <span className="survey-status st-resolved">{t('survey.detail.resolved')}</span>}
        </div>
      )}
      {canWrite && s.status !== 'resolved' && needsMeasures(s) && !resolvable && <p className="muted survey-hint">{t('survey.detail.resolveHint')}</p>}
      {measureOpen && (
        <form className="survey-inline-form" onSubmit={(e) => void submitMeasure(e)} data-testid="survey-measure-form">
          <label className="filter">
            <span>{t('survey.detail.measureKind')}</span>
            <select name="kind" value={measure.kind} onChange={(e) => setMeasure((m) => ({ ...m, kind: e.target.value as MeasureKind }))}>
              {MEASURE_KINDS.map((k) => <option key={k} value={k}>{t(`survey.measure.${k}`)}</option>)}
            </select>
          </label>
          <label className="filter">
            <span>{t('survey.detail.measureDeadline')}</span>
            <input name="deadline" type="date" required value={measure.deadline} onChange={(e) => setMeasure((m) => ({ ...m, deadline: e.target.value }))} />
          </label>
          <label className="filter survey-grow">
            <span>{t('survey.detail.measureNote')}</span>
            <input name="note" maxLength={500} value={measure.note} onChange={(e) => setMeasure((m) => ({ ...m, note: e.target.value }))} />
          </label>
          <div className="survey-form-buttons">
            <button type="button" onClick={() => setMeasureOpen(false)}>{t('survey.form.cancel')}</button>
            <button type="submit" className="primary" disabled={busy} data-testid="survey-measure-save">{t('survey.detail.addMeasureSave')}</button>
          </div>
        </form>
      )}

      {s.caseId !== null && s.caseNo ? (
        <p className="survey-case" data-testid="survey-case" data-case-id={s.caseId}>
          {t('survey.detail.caseLinked')}{' '}
          <button type="button" className="link-button case-no" onClick={() => onOpenCase(s.caseId!)} data-testid="survey-case-open">
            {s.caseNo}
          </button>
        </p>
      ) : (
        canWrite && (
          <>
            {!caseOpen && (
              <p>
                <button type="button" className="open-case survey-case-button" onClick={() => setCaseOpen(true)} data-testid="survey-open-case">
                  {t('survey.detail.case')}
                </button>
              </p>
            )}
            {caseOpen && (
              <form className="survey-inline-form" onSubmit={(e) => void submitCase(e)} data-testid="survey-case-form">
                <label className="filter">
                  <span>{t('survey.detail.caseUse')}</span>
                  <select name="use" value={caseForm.use} onChange={(e) => setCaseForm((c) => ({ ...c, use: e.target.value as SurveyCaseUse }))}>
                    {SURVEY_CASE_USES.map((u) => <option key={u} value={u}>{t(`survey.caseUse.${u}`)}</option>)}
                  </select>
                </label>
                <label className="filter survey-grow">
                  <span>{t('survey.detail.caseNote')}</span>
                  <input name="note" maxLength={500} value={caseForm.note} onChange={(e) => setCaseForm((c) => ({ ...c, note: e.target.value }))} />
                </label>
                <div className="survey-form-buttons">
                  <button type="button" onClick={() => setCaseOpen(false)}>{t('survey.form.cancel')}</button>
                  <button type="submit" className="primary" disabled={busy} data-testid="survey-case-save">{t('survey.detail.caseSave')}</button>
                </div>
              </form>
            )}
          </>
        )
      )}

      <h4>{t('survey.detail.attachments', { n: files.length })}</h4>
      {files.length === 0 ? (
        <p className="muted">{t('survey.detail.noAttachments')}</p>
      ) : (
        <div className="survey-photos" data-testid="survey-attachments">
          {files.map((f) =>
            f.kind === 'photo' ? (
              <a key={f.id} href={attachmentUrl(f.id)} target="_blank" rel="noopener" title={f.fileName}>
                <img src={attachmentUrl(f.id)} alt={f.fileName} loading="lazy" />
              </a>
            ) : (
              <a key={f.id} className="survey-doc" href={attachmentUrl(f.id)} target="_blank" rel="noopener">
                📄 {f.fileName}
              </a>
            ),
          )}
        </div>
      )}
      {canWrite && (
        <label className="survey-upload">
          <span>{upload !== null ? t('survey.detail.uploading', { pct: upload }) : t('survey.detail.upload')}</span>
          <input
            type="file"
            accept="image/jpeg,image/png,image/webp,application/pdf"
            disabled={upload !== null}
            onChange={(e) => {
              const f = e.target.files?.[0]
              e.target.value = ''
              if (f) void sendFile(f)
            }}
            data-testid="survey-upload"
          />
        </label>
      )}

      <h4>{t('survey.detail.history')}</h4>
      <ol className="report-history survey-history" data-testid="survey-history">
        {history.map((h) => (
          <li key={h.id} data-action={h.action}>
            <b>{lookup(`survey.history.${h.action}`) ?? h.action}</b>{' '}
            {h.toStatus && h.fromStatus !== h.toStatus && <span className="muted">→ {lookup(`survey.status.${h.toStatus}`) ?? h.toStatus}</span>}{' '}
            <span className="muted">
              {fmtDateTime(h.at)} · {h.user ?? '—'}
            </span>
          </li>
        ))}
      </ol>
    </DetailSection>
  )
}
