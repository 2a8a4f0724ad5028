// The figures inside an area: any drawn polygon (POST /api/statistics/area, asked again ~300 ms
// after the drawing last changed, the stale request cancelled) or a saved zone
// (GET /api/zones/{id}/statistics).
import { useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import { areaStatistics, areaStatisticsXlsx, zoneStatistics, zoneStatisticsXlsxUrl, type AreaStatistics, type ZoneGeometry } from '../analysis-api.ts'
import { saveBlob } from '../download.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { AreaFigure, fmtNumber } from './PlanningDraw.tsx'

/** Wait this long after the last change of the drawing before asking the server. */
export const STATS_DEBOUNCE_MS = 300

type Source = { geometry: ZoneGeometry | null } | { zoneId: number; version: number }

export function PlanningStats(props: Source & { onSessionLost(): void }) {
  const { t } = useI18n()
  const [stats, setStats] = useState<AreaStatistics | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const geometry = 'geometry' in props ? props.geometry : null
  const zoneId = 'zoneId' in props ? props.zoneId : null
  const version = 'zoneId' in props ? props.version : null
  const { onSessionLost } = props
  // The geometry as text: a new object with the same shape asks nothing new.
  const key = zoneId !== null ? `zone:${zoneId}:${version}` : geometry ? JSON.stringify(geometry) : ''

  useEffect(() => {
    if (!key) {
      setStats(null)
      setError(null)
      setLoading(false)
      return
    }
    const abort = new AbortController()
    setLoading(true)
    const timer = setTimeout(
      () => {
        const asked = zoneId !== null ? zoneStatistics(zoneId, abort.signal) : areaStatistics(JSON.parse(key) as ZoneGeometry, abort.signal)
        asked
          .then((s) => {
            if (abort.signal.aborted) return
            setStats(s)
            setError(null)
            setLoading(false)
          })
          .catch((e: unknown) => {
            if (abort.signal.aborted) return
            setLoading(false)
            if (e instanceof ApiError && e.status === 401) onSessionLost()
            else setError(e instanceof Error ? e.message : String(e))
          })
      },
      zoneId !== null ? 0 : STATS_DEBOUNCE_MS,
    )
    return () => {
      clearTimeout(timer)
      abort.abort()
    }
  }, [key, zoneId, onSessionLost])

  if (!key) return <p className="empty" data-testid="area-stats" data-state="empty">{t('plan.stats.drawFirst')}</p>
  const state = error ? 'error' : loading ? 'loading' : stats ? 'ok' : 'loading'
  return (
    <section className="plan-stats" data-testid="area-stats" data-state={state} aria-busy={loading}>
      {error && (
        <p className="form-error" role="alert" data-testid="area-stats-error">
          {error}
        </p>
      )}
      {stats && (
        <>
          <dl className="plan-figures">
            <dt>{t('plan.stats.area')}</dt>
            <dd>
              <AreaFigure m2={stats.areaM2} testId="stats-area" />
            </dd>
            <dt>{t('plan.stats.cases')}</dt>
            <dd data-testid="stats-cases-count" data-value={stats.cases.count}>
              {fmtNumber(stats.cases.count, 0)}
            </dd>
            <dt>{t('plan.stats.landArea')}</dt>
            <dd data-testid="stats-cases-land" data-value={stats.cases.landArea}>
              {fmtNumber(stats.cases.landArea)} {t('plan.unit.m2')}
            </dd>
            <dt>{t('plan.stats.floorArea')}</dt>
            <dd>
              {fmtNumber(stats.cases.floorArea)} {t('plan.unit.m2')}
            </dd>
            <dt>{t('plan.stats.demolished')}</dt>
            <dd data-testid="stats-demolished" data-value={stats.cases.demolishedCount}>
              {fmtNumber(stats.cases.demolishedCount, 0)} · {fmtNumber(stats.cases.demolishedLandArea)} {t('plan.unit.m2')}
            </dd>
            <dt>{t('plan.stats.regreened')}</dt>
            <dd>
              {fmtNumber(stats.cases.regreenedArea)} {t('plan.unit.m2')}
            </dd>
            <dt>{t('plan.stats.closed')}</dt>
            <dd>{fmtNumber(stats.cases.closedCount, 0)}</dd>
            <dt>{t('plan.stats.buildings')}</dt>
            <dd data-testid="stats-buildings" data-value={stats.buildings.count}>
              {fmtNumber(stats.buildings.count, 0)} · {fmtNumber(stats.buildings.clippedFootprintM2)} {t('plan.unit.m2')}
            </dd>
            <dt>{t('plan.stats.detections')}</dt>
            <dd>{fmtNumber(stats.detections.count, 0)}</dd>
            <dt>{t('plan.stats.parcels')}</dt>
            <dd data-testid="stats-parcels" data-value={stats.parcels.count}>
              {fmtNumber(stats.parcels.count, 0)} · {fmtNumber(stats.parcels.clippedAreaM2)} {t('plan.unit.m2')}
            </dd>
          </dl>
          <p className="plan-export">
            {zoneId !== null ? (
              <a href={zoneStatisticsXlsxUrl(zoneId)} download data-testid="area-stats-xlsx">
                {t('plan.stats.xlsx')}
              </a>
            ) : (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  areaStatisticsXlsx(JSON.parse(key) as ZoneGeometry)
                    .then((blob) => saveBlob(blob, `${t('plan.stats.xlsxName')}.xlsx`))
                    .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
                }}
                data-testid="area-stats-xlsx"
              >
                {t('plan.stats.xlsx')}
              </button>
            )}
          </p>
          {stats.parcels.byLandClass.length > 0 && (
            <table className="plan-table" data-testid="stats-land-classes">
              <caption>{t('plan.stats.byLandClass')}</caption>
              <thead>
                <tr>
                  <th>{t('plan.stats.landClass')}</th>
                  <th className="num">{t('plan.stats.count')}</th>
                  <th className="num">{t('plan.stats.clippedArea')}</th>
                </tr>
              </thead>
              <tbody>
                {stats.parcels.byLandClass.map((r) => (
                  <tr key={r.landClass}>
                    <td>{r.label}</td>
                    <td className="num">{fmtNumber(r.count, 0)}</td>
                    <td className="num">{fmtNumber(r.clippedAreaM2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {stats.bufferZones.length > 0 && (
            <table className="plan-table" data-testid="stats-buffers">
              <caption>{t('plan.stats.buffers')}</caption>
              <tbody>
                {stats.bufferZones.map((b) => (
                  <tr key={b.id}>
                    <td>{b.name}</td>
                    <td className="num">
                      {fmtNumber(b.clippedAreaM2)} {t('plan.unit.m2')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  )
}
