// 举报受理, the staff's triage of what residents report without an account (docs/public.md): the
// queue (by status, default the open ones, and by village) in blocks of reports of one place, the
// reports as points on the map (a click opens one), one report with its photos, history and the
// actions (admin, planner), and the disclosure (公示) settings. Loaded as its own chunk.
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Bbox, User } from '../../api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { useLoad, useReloadKey } from '../../hooks/use-load.ts'
import { useMapPoints } from '../../hooks/use-map-points.ts'
import type { MapView } from '../../map/map-view.ts'
import type { ReportPoint } from '../../map/report-points.ts'
import { groupReports, listReports, REPORT_FILTERS, type ReportFilter, type StaffReport, type StaffReportList } from '../../reports-api.ts'
import { reportFromHash, writeReportToUrl } from '../../url-state.ts'
import { AdminUnitPicker, type AdminUnit } from '../dispatch/AdminUnitPicker.tsx'
import { DisclosurePanel } from './DisclosurePanel.tsx'
import { ReportDetail } from './ReportDetail.tsx'
import { ReportList } from './ReportList.tsx'
import { LoadError } from '../record-parts.tsx'
import { TabBar } from '../TabBar.tsx'
import '../patches.css'
import '../dispatch/dispatch.css'
import './reports.css'

const LIMIT = 500
const TABS = ['queue', 'disclosure'] as const
type Tab = (typeof TABS)[number]
const reportLayer = (v: MapView) => v.reportPoints()

export interface ReportsViewProps {
  user: User
  /** The map adapter, once there (the points are drawn through it). */
  mapView: MapView | null
  onFly(bbox: Bbox): void
  /** A case of the ledger shown on the map (the inspector). */
  onShowCase(caseId: number): void
  /** A case opened in the ledger view. */
  onOpenCase(caseId: number): void
  /** A case was made or a report linked: the map's cases are fetched again. */
  onCasesChanged(): void
  onSessionLost(): void
}

export function ReportsView({ user, mapView, onFly, onShowCase, onOpenCase, onCasesChanged, onSessionLost }: ReportsViewProps) {
  const { t } = useI18n()
  const canWrite = user.role === 'admin' || user.role === 'planner'
  const [tab, setTab] = useState<Tab>('queue')
  const [status, setStatus] = useState<ReportFilter>('open')
  const [area, setArea] = useState<AdminUnit | null>(null)
  const [list, setList] = useState<StaffReportList | null>(null)
  const { key: listKey, reload, changed } = useReloadKey(onCasesChanged)
  const [openId, setOpenId] = useState<number | null>(() => reportFromHash(window.location.hash))
  /** The open report as last read: drawn even when the filter leaves it out of the queue. */
  const [shown, setShown] = useState<StaffReport | null>(null)

  useEffect(() => writeReportToUrl(openId), [openId])
  useEffect(() => () => writeReportToUrl(null), [])

  const load = useCallback((signal: AbortSignal) => listReports({ status, ...(area ? { adminCode: area.code } : {}), limit: LIMIT }, signal), [status, area])
  const error = useLoad(load, setList, onSessionLost, listKey)

  const groups = useMemo(() => groupReports(list?.items ?? []), [list])

  // The queue on the map; a click on a point opens its report. Taken off when the view closes.
  // (the detail flies the map to the report once it has read it)
  const open = useCallback((id: number) => {
    setOpenId(id)
    setTab('queue')
  }, [])
  const fly = useCallback((r: Pick<StaffReport, 'lon' | 'lat'>) => onFly([r.lon, r.lat, r.lon, r.lat]), [onFly])
  const points = useMemo((): ReportPoint[] => {
    const items = list?.items ?? []
    const extra = shown && shown.id === openId && !items.some((r) => r.id === shown.id) ? [shown] : []
    return [...items, ...extra].map((r) => ({ id: r.id, lon: r.lon, lat: r.lat, status: r.status, groupId: r.groupId, groupSize: r.groupSize }))
  }, [list, shown, openId])
  useMapPoints(mapView, reportLayer, points, openId, open)

  return (
    <div className="reports-view dispatch-panel" data-testid="reports" data-state={error ? 'error' : list ? 'ok' : 'loading'}>
      <div className="dispatch-head">
        <h2>{t('reports.title')}</h2>
        <p className="muted">{t('reports.intro')}</p>
        <p className="reports-public-links">
          <a href="/public/report" target="_blank" rel="noopener" data-testid="public-report-link">
            {t('reports.public.report')}
          </a>
          <a href="/public/disclosure" target="_blank" rel="noopener" data-testid="public-disclosure-link">
            {t('reports.public.disclosure')}
          </a>
        </p>
      </div>
      {canWrite && <TabBar<Tab> tabs={TABS} value={tab} onChange={setTab} label={(x) => t(`reports.tab.${x}`)} testIdPrefix="reports-tab-" />}
      <div className="dispatch-body">
        {tab === 'disclosure' && canWrite && <DisclosurePanel canEdit={user.scopeCode.length === 6} onSessionLost={onSessionLost} />}
        {tab === 'queue' && openId !== null && (
          <ReportDetail
            key={openId}
            id={openId}
            canWrite={canWrite}
            onBack={() => setOpenId(null)}
            onOpenReport={open}
            onFly={fly}
            onLoaded={setShown}
            onShowCase={onShowCase}
            onOpenCase={onOpenCase}
            onChanged={changed}
            onSessionLost={onSessionLost}
          />
        )}
        {tab === 'queue' && openId === null && (
          <>
            <div className="ledger-filters dispatch-filters reports-filters">
              <label className="filter">
                <span>{t('reports.filter.status')}</span>
                <select value={status} onChange={(e) => setStatus(e.target.value as ReportFilter)} data-testid="reports-status">
                  {REPORT_FILTERS.map((s) => (
                    <option key={s} value={s}>
                      {t(`reports.filter.${s}`)}
                    </option>
                  ))}
                </select>
              </label>
              <div className="filter reports-area">
                <span>{t('reports.filter.area')}</span>
                <AdminUnitPicker value={area} onChange={setArea} levels={['town', 'village']} testId="reports-area" />
              </div>
              <button type="button" className="open-case" onClick={reload} data-testid="reports-refresh">
                {t('reports.refresh')}
              </button>
            </div>
            {error && <LoadError label={t('reports.loadError')} error={error} />}
            {!list && !error && <p className="empty">{t('reports.loading')}</p>}
            {list && list.items.length === 0 && (
              <p className="empty" data-testid="reports-empty">
                {t(status === 'open' ? 'reports.emptyOpen' : 'reports.empty')}
              </p>
            )}
            {list && list.items.length > 0 && (
              <>
                <p className="reports-total muted" data-testid="reports-total" data-total={list.total}>
                  {t('reports.total', { n: list.total, groups: groups.length })}
                  {list.total > list.items.length && ` ${t('reports.truncated', { n: list.items.length })}`}
                </p>
                <ReportList groups={groups} selectedId={openId} onOpen={(r) => open(r.id)} onShowCase={onShowCase} />
              </>
            )}
            <p className="reports-legend muted">
              {(['submitted', 'more_info', 'accepted', 'rejected'] as const).map((s) => (
                <span key={s}>
                  <i className={`report-dot s-${s}`} aria-hidden="true" />
                  {t(`reports.status.${s}`)}
                </span>
              ))}
            </p>
          </>
        )}
      </div>
    </div>
  )
}

export default ReportsView
