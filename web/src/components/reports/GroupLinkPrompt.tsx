// After a report was accepted as a new case: the other open reports of the same place linked to
// that case in one click, one POST each with the duplicate's own version as If-Match. A duplicate
// changed meanwhile (412) is read again and linked if it is still open; one another officer has
// already handled is left as it is and counted.
import { useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { etagOf, getReport, isOpen, triageReport, type StaffReportDetail } from '../../reports-api.ts'
import { defaultPublicNote, isSessionLost, isStale } from './report-util.ts'

export interface GroupLinkPromptProps {
  caseId: number
  caseNo: string
  others: StaffReportDetail['duplicates']
  /** The links were sent: how many were made. */
  onLinked(linked: number): void
  /** The prompt (or its result) put away. */
  onClose(): void
  onSessionLost(): void
}

export function GroupLinkPrompt({ caseId, caseNo, others, onLinked, onClose, onSessionLost }: GroupLinkPromptProps) {
  const { t, lang } = useI18n()
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ linked: number; skipped: number; errors: string[] } | null>(null)

  const linkAll = async () => {
    setBusy(true)
    const publicNote = defaultPublicNote('link', { caseNo })
    let linked = 0
    let skipped = 0
    const errors: string[] = []
    for (const d of others) {
      const body = { action: 'link' as const, caseId, publicNote }
      try {
        try {
          await triageReport(d.id, etagOf(d.version), body)
        } catch (e) {
          if (!isStale(e)) throw e
          const now = await getReport(d.id)
          if (!isOpen(now.data.status)) {
            skipped++
            continue
          }
          await triageReport(d.id, now.etag, body)
        }
        linked++
      } catch (e) {
        if (isSessionLost(e)) {
          onSessionLost()
          break
        }
        errors.push(`#${d.id}：${problemMessage(e, lang)}`)
      }
    }
    setBusy(false)
    setResult({ linked, skipped, errors })
    onLinked(linked)
  }

  if (result)
    return (
      <div className="report-prompt done" role="status" data-testid="group-link-result" data-linked={result.linked}>
        <p>{t('reports.group.linked', { n: result.linked, caseNo })}</p>
        {result.skipped > 0 && <p>{t('reports.group.skipped', { n: result.skipped })}</p>}
        {result.errors.map((e) => (
          <p key={e} className="form-error">
            {e}
          </p>
        ))}
        <button type="button" className="open-case" onClick={onClose} data-testid="group-link-close">
          {t('reports.close')}
        </button>
      </div>
    )
  return (
    <div className="report-prompt" data-testid="group-link-prompt" data-count={others.length}>
      <p>
        {t('reports.group.prompt', { n: others.length, caseNo })} <span className="muted">{others.map((d) => `#${d.id}`).join('、')}</span>
      </p>
      <div className="dispatch-actions">
        <button type="button" className="primary-button" disabled={busy} onClick={() => void linkAll()} data-testid="group-link-all">
          {busy ? t('reports.saving') : t('reports.group.linkAll', { n: others.length })}
        </button>
        <button type="button" className="open-case" disabled={busy} onClick={onClose} data-testid="group-link-dismiss">
          {t('reports.group.dismiss')}
        </button>
      </div>
    </div>
  )
}
