// One saved zone: its attributes, the figures inside it (area statistics), the ledger inside it by
// village with the same table as a workbook, and its history (every version, who and when).
import { useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import {
  deleteZone,
  getStatistics,
  statisticsXlsxUrl,
  zoneHistory,
  type StatQuery,
  type Statistics,
  type VersionedZone,
  type ZoneHistoryEntry,
} from '../analysis-api.ts'
import { fmtDate, fmtDateTime } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { AreaFigure, fmtNumber } from './PlanningDraw.tsx'
import { PlanningStats } from './PlanningStats.tsx'

export interface ZoneDetailProps {
  zone: VersionedZone
  canEdit: boolean
  onEdit(): void
  onDeleted(): void
  onZoomTo(): void
  onSessionLost(): void
}

/** The ledger figures of a zone, by village: on screen and in the workbook. */
export function zoneStatQuery(id: number): StatQuery {
  return { groupBy: ['village'], zone: id }
}

export function ZoneDetail({ zone, canEdit, onEdit, onDeleted, onZoomTo, onSessionLost }: ZoneDetailProps) {
  const { t, label, lookup } = useI18n()
  const z = zone.data
  const [table, setTable] = useState<Statistics | null>(null)
  const [history, setHistory] = useState<ZoneHistoryEntry[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const abort = new AbortController()
    const fail = (e: unknown) => {
      if (abort.signal.aborted) return
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else setError(e instanceof Error ? e.message : String(e))
    }
    getStatistics(zoneStatQuery(z.id), abort.signal).then((s) => !abort.signal.aborted && setTable(s), fail)
    zoneHistory(z.id, abort.signal).then((h) => !abort.signal.aborted && setHistory(h), fail)
    return () => abort.abort()
  }, [z.id, z.version, onSessionLost])

  const remove = async () => {
    if (!window.confirm(t('plan.zone.confirmDelete', { name: z.name }))) return
    try {
      await deleteZone(z.id, zone.etag)
      onDeleted()
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else setError(e instanceof ApiError && e.status === 412 ? t('plan.zone.stale') : e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <section className="plan-zone" data-testid="zone-detail" data-zone-id={z.id} data-version={z.version}>
      <div className="plan-zone-head">
        <h3>{z.name}</h3>
        <span className="plan-badge">{label('zoneType', z.zoneType)}</span>
        <span className="version">v{z.version}</span>
      </div>
      <dl className="plan-figures">
        <dt>{t('plan.zone.area')}</dt>
        <dd>
          <AreaFigure m2={z.areaM2} testId="zone-area" />
        </dd>
        <dt>{t('plan.zone.admin')}</dt>
        <dd>{z.adminName}</dd>
        <dt>{t('plan.zone.period')}</dt>
        <dd>
          {z.periodStart || z.periodEnd ? `${fmtDate(z.periodStart)} — ${fmtDate(z.periodEnd)}` : '—'}
        </dd>
        <dt>{t('plan.zone.responsibleUnit')}</dt>
        <dd>{z.responsibleUnit || '—'}</dd>
        <dt>{t('plan.zone.targets')}</dt>
        <dd>
          {t('plan.target.demolishedArea')} {z.targets.demolishedArea != null ? fmtNumber(z.targets.demolishedArea) : '—'} · {t('plan.target.casesClosed')}{' '}
          {z.targets.casesClosed ?? '—'} · {t('plan.target.regreenedArea')} {z.targets.regreenedArea != null ? fmtNumber(z.targets.regreenedArea) : '—'}
        </dd>
      </dl>
      <div className="action-buttons">
        <button type="button" onClick={onZoomTo} data-testid="zone-zoom">
          {t('plan.zone.zoomTo')}
        </button>
        {canEdit && (
          <>
            <button type="button" onClick={onEdit} data-testid="zone-edit">
              {t('plan.zone.edit')}
            </button>
            <button type="button" onClick={() => void remove()} data-testid="zone-delete">
              {t('plan.zone.delete')}
            </button>
          </>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <h4>{t('plan.stats.title')}</h4>
      <PlanningStats zoneId={z.id} version={z.version} onSessionLost={onSessionLost} />
      <h4>
        {t('plan.zone.ledgerByVillage')}
        <a className="plan-export" href={statisticsXlsxUrl(zoneStatQuery(z.id))} download data-testid="zone-stats-xlsx">
          {t('plan.exportXlsx')}
        </a>
      </h4>
      {table && <StatTable stats={table} testId="zone-stats-table" />}
      <h4>{t('plan.zone.history')}</h4>
      <ol className="timeline" data-testid="zone-history">
        {(history ?? []).map((h) => (
          <li key={h.id} data-testid="zone-history-entry" data-action={h.action}>
            <span className="tl-head">
              {t(HISTORY_LABELS[h.action] ?? 'plan.history.edit')}
              {h.after?.version !== undefined ? ` v${h.after.version}` : ''}
            </span>
            <span className="tl-meta">
              {fmtDateTime(h.at)} · {h.user ?? '—'}
            </span>
            {h.action !== 'create' && h.before && h.after && <span className="tl-reason">{changedKeys(h).map((k) => lookup(`plan.field.${k}`) ?? k).join('、')}</span>}
          </li>
        ))}
      </ol>
    </section>
  )
}

const HISTORY_LABELS: Record<string, MessageKey> = {
  create: 'plan.history.create', edit: 'plan.history.edit', delete: 'plan.history.delete', 'refused:stale_version': 'history.refused',
}

/** The fields a history entry names when they changed: the label key, and the snapshot's column. */
const SHOWN_FIELDS = {
  name: 'name', zoneType: 'zone_type', periodStart: 'period_start', periodEnd: 'period_end',
  responsibleUnit: 'responsible_unit', targets: 'targets', geometry: 'geometry', areaM2: 'area_m2',
} as const

function changedKeys(h: ZoneHistoryEntry): string[] {
  const b = h.before ?? {}
  const a = h.after ?? {}
  return Object.entries(SHOWN_FIELDS)
    .filter(([, column]) => column in a && JSON.stringify(a[column]) !== JSON.stringify(b[column]))
    .map(([key]) => key)
}

/** A statistics table: one row per group, the totals last (as the workbook has them). */
export function StatTable({ stats, testId }: { stats: Statistics; testId: string }) {
  const { t, lookup } = useI18n()
  const keys = stats.groupBy
  return (
    <div className="plan-table-wrap">
      <table className="plan-table" data-testid={testId}>
        <thead>
          <tr>
            {keys.map((k) => (
              <th key={k}>{lookup(`plan.group.${k}`) ?? k}</th>
            ))}
            <th className="num">{t('plan.stats.count')}</th>
            <th className="num">{t('plan.stats.landArea')}</th>
            <th className="num">{t('plan.stats.floorArea')}</th>
            <th className="num">{t('plan.stats.demolishedCount')}</th>
            <th className="num">{t('plan.stats.demolishedLand')}</th>
            <th className="num">{t('plan.stats.regreened')}</th>
            <th className="num">{t('plan.stats.closed')}</th>
          </tr>
        </thead>
        <tbody>
          {stats.rows.map((r, i) => (
            <tr key={i} data-testid="stat-row" data-key={keys.map((k) => r.key[k] ?? '').join('|')} data-count={r.count} data-land={r.landArea}>
              {keys.map((k) => (
                <td key={k}>{r.label[k] ?? r.key[k] ?? '—'}</td>
              ))}
              <td className="num">{fmtNumber(r.count, 0)}</td>
              <td className="num">{fmtNumber(r.landArea)}</td>
              <td className="num">{fmtNumber(r.floorArea)}</td>
              <td className="num">{fmtNumber(r.demolishedCount, 0)}</td>
              <td className="num">{fmtNumber(r.demolishedLandArea)}</td>
              <td className="num">{fmtNumber(r.regreenedArea)}</td>
              <td className="num">{fmtNumber(r.closedCount, 0)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="stat-totals" data-count={stats.totals.count} data-land={stats.totals.landArea}>
            <th colSpan={Math.max(1, keys.length)}>{t('plan.stats.total')}</th>
            <td className="num">{fmtNumber(stats.totals.count, 0)}</td>
            <td className="num">{fmtNumber(stats.totals.landArea)}</td>
            <td className="num">{fmtNumber(stats.totals.floorArea)}</td>
            <td className="num">{fmtNumber(stats.totals.demolishedCount, 0)}</td>
            <td className="num">{fmtNumber(stats.totals.demolishedLandArea)}</td>
            <td className="num">{fmtNumber(stats.totals.regreenedArea)}</td>
            <td className="num">{fmtNumber(stats.totals.closedCount, 0)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  )
}
