// One report as the staff handle it: what was written (as text), the photos, the contact when the
// role may see it (personal data), the ledger's cases nearby, the other reports of the place, the
// history, and the actions (admin, planner) with If-Match from the report's ETag. A 412 reloads
// the report and says so. After accepting, the group's other open reports can be linked to the
// new case in one click.
import { useCallback, useEffect, useRef, useState } from 'react'
import { fmtDateTime } from '../../format.ts'
import { useFirstCall, useLoad } from '../../hooks/use-load.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { getReport, isOpen, TRIAGE_ACTIONS, type StaffReportDetail, type TriageAction, type Versioned } from '../../reports-api.ts'
import { DetailLoadError, DetailSection, StatusTag } from '../record-parts.tsx'
import { GroupLinkPrompt } from './GroupLinkPrompt.tsx'
import { metres, serviceName } from './report-util.ts'
import { TriageForm } from './TriageForm.tsx'

export interface ReportDetailProps {
  id: number
  canWrite: boolean
  onBack(): void
  /** Another report (a duplicate) opened instead. */
  onOpenReport(id: number): void
  /** The report's place shown on the map (once, when it is read). */
  onFly(r: { id: number; lon: number; lat: number }): void
  /** The report as read (kept on the map while open, even when the queue's filter leaves it out). */
  onLoaded(r: StaffReportDetail): void
  onShowCase(caseId: number): void
  onOpenCase(caseId: number): void
  /** The report changed: the queue is read again (and the map's cases, when one was made or linked). */
  onChanged(withCases: boolean): void
  onSessionLost(): void
}

type Notice = { kind: 'ok' | 'stale' | 'error'; text: string } | null

export function ReportDetail({ id, canWrite, onBack, onOpenReport, onFly, onLoaded, onShowCase, onOpenCase, onChanged, onSessionLost }: ReportDetailProps) {
  const { t, lang, lookup } = useI18n()
  const [rec, setRec] = useState<Versioned<StaffReportDetail> | null>(null)
  const [notice, setNotice] = useState<Notice>(null)
  const [action, setAction] = useState<TriageAction | null>(null)
  const [prompt, setPrompt] = useState<{ caseId: number; caseNo: string; others: StaffReportDetail['duplicates'] } | null>(null)
  const [reload, setReload] = useState(0)
  const loaded = useRef(onLoaded)
  useEffect(() => {
    loaded.current = onLoaded
  })
  useEffect(() => {
    if (rec) loaded.current(rec.data)
  }, [rec])

  const flyFirst = useFirstCall(onFly)
  const load = useCallback((signal: AbortSignal) => getReport(id, signal), [id])
  const error = useLoad(
    load,
    (r) => {
      setRec(r)
      flyFirst(r.data)
    },
    onSessionLost,
    reload,
  )

  const stale = useCallback(() => {
    setAction(null)
    setNotice({ kind: 'stale', text: t('reports.stale') })
    setReload((k) => k + 1)
    onChanged(false)
  }, [onChanged, t])

  const done = (next: Versioned<StaffReportDetail>, a: TriageAction) => {
    setRec(next)
    setAction(null)
    const caseNo = next.data.caseNo ?? ''
    setNotice({ kind: 'ok', text: t(`reports.done.${a}`, { caseNo }) })
    onChanged(a === 'accept' || a === 'link')
    const others = next.data.duplicates.filter((d) => isOpen(d.status))
    if (a === 'accept' && next.data.caseId !== null && others.length > 0) setPrompt({ caseId: next.data.caseId, caseNo, others })
  }

  if (error)
    return (
      <DetailLoadError className="report-detail" testId="report-detail" back={t('reports.back')} backTestId="report-back" label={t('reports.loadError')} error={error} onBack={onBack} />
    )
  if (!rec) return <p className="empty">{t('reports.loading')}</p>
  const r = rec.data
  const writable = canWrite && isOpen(r.status)
  return (
    <DetailSection className="report-detail" testId="report-detail" record={r} back={t('reports.back')} backTestId="report-back" onBack={onBack}>
      <header className="report-detail-head">
        <h3>
          <StatusTag className={`report-status s-${r.status}`} testId="report-detail-status" text={t(`reports.status.${r.status}`)} />{' '}
          {serviceName(r.serviceCode, lang)} <span className="report-no">#{r.id}</span>
        </h3>
        <p className="muted">
          {r.townName} {r.villageName} · {t('reports.submittedAt', { at: fmtDateTime(r.submittedAt) })} · {t(`reports.locationSource.${r.locationSource}`)}
          {r.via === 'open311' && ` · ${t('reports.via.open311')}`}
        </p>
        <p className="muted">
          {r.lon.toFixed(6)}, {r.lat.toFixed(6)}{' '}
          <button type="button" className="link-button" onClick={() => onFly(r)} data-testid="report-show-on-map">
            {t('reports.showOnMap')}
          </button>
        </p>
      </header>

      {notice && (
        <p className={notice.kind === 'ok' ? 'dispatch-notice done' : 'form-error stale'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="report-notice" data-kind={notice.kind}>
          {notice.text}
        </p>
      )}
      {prompt && (
        <GroupLinkPrompt
          caseId={prompt.caseId}
          caseNo={prompt.caseNo}
          others={prompt.others}
          onLinked={(linked) => {
            if (linked === 0) return
            setReload((k) => k + 1)
            onChanged(true)
          }}
          onClose={() => setPrompt(null)}
          onSessionLost={onSessionLost}
        />
      )}

      <h4>{t('reports.description')}</h4>
      <p className="report-description" data-testid="report-description">
        {r.description}
      </p>

      <h4>{t('reports.photos.title', { n: r.photos.length })}</h4>
      {r.photos.length === 0 ? (
        <p className="muted">{t('reports.photos.none')}</p>
      ) : (
        <div className="report-photos" data-testid="report-photos">
          {r.photos.map((p) => (
            <a key={p.id} href={p.url} target="_blank" rel="noopener" title={t('reports.photos.open')}>
              <img src={p.url} width={p.width} height={p.height} alt={t('reports.photos.alt', { id: p.id })} loading="lazy" />
            </a>
          ))}
        </div>
      )}

      {r.contact && (
        <div className="report-contact" data-testid="report-contact">
          <h4>{t('reports.contact.title')}</h4>
          {r.contact.name || r.contact.phone ? (
            <p>
              {r.contact.name && <span>{r.contact.name}</span>} {r.contact.phone && <span className="report-phone">{r.contact.phone}</span>}
            </p>
          ) : (
            <p className="muted">{t('reports.contact.none')}</p>
          )}
          <p className="report-personal">{t('reports.contact.personal')}</p>
        </div>
      )}

      {r.caseId !== null && r.caseNo && (
        <p className="report-case" data-testid="report-case" data-case-id={r.caseId}>
          {t('reports.case.linked')}{' '}
          <button type="button" className="link-button case-no" onClick={() => onOpenCase(r.caseId!)} data-testid="report-case-open">
            {r.caseNo}
          </button>{' '}
          <button type="button" className="link-button" onClick={() => onShowCase(r.caseId!)}>
            {t('reports.showOnMap')}
          </button>
        </p>
      )}
      {r.reward && (
        <p className="report-reward" data-testid="report-reward" data-reward={r.reward}>
          <span className={`report-chip reward ${r.reward}`}>{t(`reports.reward.${r.reward}`)}</span> {r.rewardReason ?? ''}
        </p>
      )}

      <h4>{t('reports.nearby.title')}</h4>
      {r.nearbyCases.length === 0 ? (
        <p className="muted" data-testid="report-nearby-none">
          {t('reports.nearby.none')}
        </p>
      ) : (
        <ul className="report-nearby" data-testid="report-nearby">
          {r.nearbyCases.map((c) => (
            <li key={c.id}>
              <button type="button" className="report-chip near" onClick={() => onShowCase(c.id)} title={t('reports.chip.nearTitle')}>
                {t('reports.chip.near', { caseNo: c.caseNo, distance: metres(c.distanceM) })}
              </button>{' '}
              <span className="muted">{lookup(`caseStatus.${c.status}`) ?? c.status}</span>{' '}
              <button type="button" className="link-button" onClick={() => onOpenCase(c.id)}>
                {t('reports.case.open')}
              </button>
            </li>
          ))}
        </ul>
      )}

      {r.duplicates.length > 0 && (
        <>
          <h4>{t('reports.duplicates.title', { n: r.duplicates.length })}</h4>
          <ul className="report-duplicates" data-testid="report-duplicates">
            {r.duplicates.map((d) => (
              <li key={d.id} data-id={d.id} data-status={d.status}>
                <button type="button" className="link-button" onClick={() => onOpenReport(d.id)} data-testid="report-duplicate">
                  #{d.id}
                </button>{' '}
                <span className={`report-status s-${d.status}`}>{t(`reports.status.${d.status}`)}</span> <span className="muted">{metres(d.distanceM)}</span>
              </li>
            ))}
          </ul>
        </>
      )}

      {writable && (
        <div className="report-actions" data-testid="report-actions">
          <h4>{t('reports.actions.title')}</h4>
          <div className="report-action-buttons" role="group">
            {TRIAGE_ACTIONS.filter((a) => a !== 'ask_more' || r.status !== 'more_info').map((a) => (
              <button
                key={a}
                type="button"
                className={action === a ? `report-action active a-${a}` : `report-action a-${a}`}
                aria-pressed={action === a}
                onClick={() => {
                  setAction(action === a ? null : a)
                  setNotice(null)
                }}
                data-testid={`triage-${a}`}
              >
                {t(`reports.action.${a}`)}
              </button>
            ))}
          </div>
          {action && <TriageForm key={action} report={rec} action={action} onDone={done} onStale={stale} onCancel={() => setAction(null)} onSessionLost={onSessionLost} />}
        </div>
      )}
      {canWrite && !isOpen(r.status) && <p className="muted">{t('reports.actions.closed')}</p>}

      <h4>{t('reports.history.title')}</h4>
      <ol className="report-history" data-testid="report-history">
        {r.history.map((h) => (
          <li key={h.id} data-action={h.action}>
            <div>
              <b>{lookup(`reports.action.${h.action}`) ?? h.action}</b>{' '}
              {h.toStatus && h.fromStatus !== h.toStatus && <span className="muted">→ {lookup(`reports.status.${h.toStatus}`) ?? h.toStatus}</span>}
              <span className="muted report-history-meta">
                {fmtDateTime(h.at)} · {h.user ?? t('reports.history.reporter')}
              </span>
            </div>
            {h.publicNote && (
              <div className="report-note public">
                <span className="muted">{t('reports.history.public')}</span> {h.publicNote}
              </div>
            )}
            {h.internalNote && (
              <div className="report-note internal">
                <span className="muted">{t('reports.history.internal')}</span> {h.internalNote}
              </div>
            )}
          </li>
        ))}
      </ol>
    </DetailSection>
  )
}
