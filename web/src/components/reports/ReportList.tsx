// The triage queue as blocks: reports of one place (a group: within 50 m of each other) shown
// together, the earliest first; each with its service, village, time, an excerpt of what was
// written, its photos, and the ledger's cases nearby as suggestions.
import { fmtDateTime } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { ReportGroup, StaffReport } from '../../reports-api.ts'
import { excerpt, metres, serviceName } from './report-util.ts'

export interface ReportListProps {
  groups: readonly ReportGroup[]
  selectedId: number | null
  onOpen(r: StaffReport): void
  /** A suggested case shown on the map (the inspector). */
  onShowCase(caseId: number): void
}

export function ReportList({ groups, selectedId, onOpen, onShowCase }: ReportListProps) {
  const { t } = useI18n()
  return (
    <ol className="report-groups" data-testid="report-list">
      {groups.map((g) => {
        const size = Math.max(g.items.length, g.items[0]?.groupSize ?? 1)
        return (
          <li key={g.groupId} className={size > 1 ? 'report-group multi' : 'report-group'} data-testid="report-group" data-group-id={g.groupId} data-size={g.items.length}>
            {size > 1 && (
              <div className="report-group-head">
                <b>{t('reports.group.title', { n: size })}</b>
                <span className="muted">{t('reports.group.hint')}</span>
              </div>
            )}
            <ul className="report-items">
              {g.items.map((r) => (
                <ReportItem key={r.id} r={r} selected={r.id === selectedId} onOpen={onOpen} onShowCase={onShowCase} />
              ))}
            </ul>
          </li>
        )
      })}
    </ol>
  )
}

function ReportItem({ r, selected, onOpen, onShowCase }: { r: StaffReport; selected: boolean; onOpen(r: StaffReport): void; onShowCase(id: number): void }) {
  const { t, lang } = useI18n()
  const near = r.nearbyCases[0]
  return (
    <li className={selected ? 'report-item selected' : 'report-item'} data-testid="report-item" data-id={r.id} data-status={r.status} data-group-id={r.groupId}>
      <button type="button" className="report-open" onClick={() => onOpen(r)} data-testid="report-open">
        <span className="report-line">
          <span className={`report-status s-${r.status}`}>{t(`reports.status.${r.status}`)}</span>
          <b className="report-service">{serviceName(r.serviceCode, lang)}</b>
          <span className="report-no">#{r.id}</span>
        </span>
        <span className="report-line muted">
          {r.townName} {r.villageName} · {fmtDateTime(r.submittedAt)}
          {r.via === 'open311' && ` · ${t('reports.via.open311')}`}
        </span>
        <span className="report-excerpt">{excerpt(r.description)}</span>
      </button>
      <span className="report-chips">
        <span className="report-chip plain">{r.photoCount > 0 ? t('reports.photos.count', { n: r.photoCount }) : t('reports.photos.none')}</span>
        {r.caseNo && r.caseId !== null ? (
          <button type="button" className="report-chip case" onClick={() => onShowCase(r.caseId!)} data-testid="report-case-chip">
            {t('reports.chip.case', { caseNo: r.caseNo })}
          </button>
        ) : (
          near && (
            <button type="button" className="report-chip near" onClick={() => onShowCase(near.id)} title={t('reports.chip.nearTitle')} data-testid="report-near-chip">
              {t('reports.chip.near', { caseNo: near.caseNo, distance: metres(near.distanceM) })}
            </button>
          )
        )}
        {r.reward && <span className={`report-chip reward ${r.reward}`}>{t(`reports.reward.${r.reward}`)}</span>}
      </span>
    </li>
  )
}
