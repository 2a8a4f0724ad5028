// 违法建设公示: the ledger as the office publishes it. Office, stages published, a village and a
// stage filter (kept in the URL), the table with paging, and a small map of the generalised points
// (grid-cell centres, never the sites). A chosen village's notice opens printable.
import { useEffect, useMemo, useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import { DISCLOSURE_STAGES, type DisclosureStage } from '../../../../server/src/domain/public-reports.ts'
import { getDisclosure, getReportRules, type Disclosure } from '../../public-api.ts'
import type { CountedPoint } from '../../map/public-map.ts'
import { DISCLOSURE_STAGE_KEYS, DisclosureTable } from './disclosure-parts.tsx'
import { errorMessage } from './errors.ts'
import { formatDateTime } from './format.ts'
import { navigate } from './nav.ts'
import { PublicMap } from './PublicMap.tsx'

const PAGE = 20
const MAP_LIMIT = 1000

type Bbox = readonly [number, number, number, number]

function readFilters(): { village: string; stage: DisclosureStage | ''; page: number } {
  const p = new URLSearchParams(window.location.search)
  const village = /^[0-9]{12}$/.test(p.get('village') ?? '') ? p.get('village')! : ''
  const s = p.get('stage') ?? ''
  const stage = (DISCLOSURE_STAGES as readonly string[]).includes(s) ? (s as DisclosureStage) : ''
  const page = Math.max(0, Number(p.get('page') ?? '1') - 1) || 0
  return { village, stage, page }
}

export function DisclosurePage() {
  const i18n = useI18n()
  const { t, lang } = i18n
  const [filters, setFilters] = useState(readFilters)
  const { village, stage, page } = filters
  const [data, setData] = useState<Disclosure | null>(null)
  const [mapData, setMapData] = useState<Disclosure | null>(null)
  const [district, setDistrict] = useState<Bbox | null>(null)
  const [error, setError] = useState<string | null>(null)

  const setFilter = (next: Partial<typeof filters>) => {
    const f = { ...filters, page: 0, ...next }
    setFilters(f)
    const q = new URLSearchParams()
    if (f.village) q.set('village', f.village)
    if (f.stage) q.set('stage', f.stage)
    if (f.page) q.set('page', String(f.page + 1))
    const qs = q.toString()
    navigate(`/public/disclosure${qs ? `?${qs}` : ''}`, true)
  }

  useEffect(() => {
    const ctl = new AbortController()
    getReportRules(ctl.signal).then((r) => setDistrict(r.bbox), () => undefined)
    return () => ctl.abort()
  }, [])

  useEffect(() => {
    const ctl = new AbortController()
    setError(null)
    const q = { ...(village ? { village } : {}), ...(stage ? { stage } : {}) }
    getDisclosure({ ...q, limit: PAGE, offset: page * PAGE }, ctl.signal).then(setData, (e: unknown) => {
      if (!ctl.signal.aborted) setError(errorMessage(e, i18n))
    })
    return () => ctl.abort()
    // i18n only words the error
  }, [village, stage, page])

  useEffect(() => {
    const ctl = new AbortController()
    const q = { ...(village ? { village } : {}), ...(stage ? { stage } : {}) }
    getDisclosure({ ...q, limit: MAP_LIMIT }, ctl.signal).then(setMapData, () => undefined)
    return () => ctl.abort()
  }, [village, stage])

  // one circle per grid cell, with how many published cases share it
  const points = useMemo<CountedPoint[]>(() => {
    const cells = new Map<string, CountedPoint>()
    for (const c of mapData?.items ?? []) {
      const k = `${c.lon.toFixed(6)},${c.lat.toFixed(6)}`
      const p = cells.get(k)
      if (p) p.count++
      else cells.set(k, { lon: c.lon, lat: c.lat, count: 1 })
    }
    return [...cells.values()]
  }, [mapData])
  const frame = useMemo<Bbox | null>(() => {
    if (!village || points.length === 0) return null
    const xs = points.map((p) => p.lon)
    const ys = points.map((p) => p.lat)
    const pad = 0.004
    return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad]
  }, [village, points])

  const villages = data?.villages ?? []
  const towns = useMemo(() => {
    const m = new Map<string, typeof villages>()
    for (const v of villages) m.set(v.townName, [...(m.get(v.townName) ?? []), v])
    return [...m.entries()]
  }, [villages])

  if (error)
    return (
      <p className="public-error" role="alert">
        {error}
      </p>
    )
  if (!data)
    return (
      <p className="public-loading" role="status">
        {t('app.loading')}
      </p>
    )

  const published = data.stages.length > 0
  const from = data.total === 0 ? 0 : page * PAGE + 1
  const to = Math.min(data.total, (page + 1) * PAGE)
  const pages = Math.max(1, Math.ceil(data.total / PAGE))

  return (
    <div className="public-disclosure">
      <h1>{t('public.disclosure.title')}</h1>
      <section className="public-card public-disclosure-head">
        {data.officeName && <p className="public-office">{data.officeName}</p>}
        <p>
          {published
            ? t('public.disclosure.stagesPublished', { stages: data.stages.map((s) => t(DISCLOSURE_STAGE_KEYS[s])).join(lang === 'zh-CN' ? '、' : ', ') })
            : t('public.disclosure.nothingPublished')}
        </p>
        <p className="public-hint">{t('public.disclosure.asOf', { at: formatDateTime(data.asOf, lang) })}</p>
      </section>

      {published && (
        <>
          <section className="public-card public-filters">
            <label className="public-field">
              {t('public.disclosure.villagePicker')}
              <select value={village} onChange={(e) => setFilter({ village: e.target.value })} data-testid="disclosure-village">
                <option value="">{t('public.disclosure.allVillages')}</option>
                {towns.map(([town, vs]) => (
                  <optgroup key={town} label={town}>
                    {vs.map((v) => (
                      <option key={v.code} value={v.code}>
                        {t('public.disclosure.villageOption', { name: v.name, count: v.count })}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </label>
            <label className="public-field">
              {t('public.disclosure.stageFilter')}
              <select value={stage} onChange={(e) => setFilter({ stage: e.target.value as DisclosureStage | '' })} data-testid="disclosure-stage">
                <option value="">{t('public.disclosure.allStages')}</option>
                {data.stages.map((s) => (
                  <option key={s} value={s}>
                    {t(DISCLOSURE_STAGE_KEYS[s])}
                  </option>
                ))}
              </select>
            </label>
            <div className="public-print-line">
              <a
                className={`public-button ${village ? 'primary' : 'disabled'}`}
                href={village ? `/public/disclosure/print?village=${village}` : undefined}
                target="_blank"
                rel="noopener"
                aria-disabled={!village}
                data-testid="disclosure-print"
              >
                {t('public.disclosure.print')}
              </a>
              {!village && <span className="public-hint">{t('public.disclosure.printHint')}</span>}
            </div>
          </section>

          <section className="public-card">
            {district && <PublicMap bbox={district} testId="disclosure-map" className="disclosure-map" points={points} frame={frame} cooperative />}
            <p className="public-legend">
              <span className="public-legend-dot" aria-hidden="true" />
              {t('public.disclosure.legend', { m: data.locationGridM })}
              {mapData && mapData.total > mapData.items.length && ` ${t('public.disclosure.mapCapped', { n: mapData.items.length })}`}
            </p>
          </section>

          <section className="public-card public-table-card">
            <p className="public-count" data-testid="disclosure-count">
              {t('public.disclosure.count', { from, to, total: data.total })}
            </p>
            {data.items.length > 0 ? (
              <div className="public-table-scroll">
                <DisclosureTable items={data.items} testId="disclosure-table" />
              </div>
            ) : (
              <p className="public-hint" data-testid="disclosure-table">
                {t('public.disclosure.none')}
              </p>
            )}
            {pages > 1 && (
              <div className="public-pager">
                <button type="button" className="public-button" disabled={page === 0} onClick={() => setFilter({ page: page - 1 })} data-testid="disclosure-prev">
                  {t('public.disclosure.prev')}
                </button>
                <span>{t('public.disclosure.page', { page: page + 1, pages })}</span>
                <button type="button" className="public-button" disabled={page + 1 >= pages} onClick={() => setFilter({ page: page + 1 })} data-testid="disclosure-next">
                  {t('public.disclosure.next')}
                </button>
              </div>
            )}
          </section>
        </>
      )}
    </div>
  )
}
