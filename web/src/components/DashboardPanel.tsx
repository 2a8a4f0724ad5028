// The dashboard (统计看板), loaded lazily with ECharts: figures of the year by town (or village),
// by use and by month, progress against the annual targets and a burn-down, the admin units on
// the map coloured by a chosen figure (choropleth), a table of any grouping with its XLSX, and the
// whole as a printable report (PNG, PDF) that includes the map.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError, type User } from '../api.ts'
import {
  getBurndown,
  getStatistics,
  listTargets,
  STAT_FIGURES,
  statisticsXlsxUrl,
  TARGET_FIGURES,
  type Burndown,
  type StatFigure,
  type StatGroupKey,
  type Statistics,
  type TargetItem,
} from '../analysis-api.ts'
import { Chart } from '../charts/Chart.tsx'
import type { ChartInstance, ChartOption } from '../charts/echarts.ts'
import { CATEGORICAL, CHOROPLETH_NONE, classify, SERIES, type Classes } from '../charts/palette.ts'
import { reportPdf, reportPng, type ReportSpec } from '../charts/report.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MapView } from '../map/map-view.ts'
import { fmtNumber } from './PlanningDraw.tsx'
import { StatTable } from './ZoneDetail.tsx'

export interface DashboardPanelProps {
  user: User
  mapView: MapView | null
  onSessionLost(): void
}

type Level = 'town' | 'village'
const TABLE_KEYS: readonly StatGroupKey[] = ['town', 'village', 'use', 'status', 'ownership', 'disposal', 'month', 'quarter']

function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], onSessionLost: () => void) {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [missing, setMissing] = useState(false)
  useEffect(() => {
    const abort = new AbortController()
    setError(null)
    setMissing(false)
    load(abort.signal).then(
      (d) => !abort.signal.aborted && setData(d),
      (e: unknown) => {
        if (abort.signal.aborted) return
        setData(null)
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else if (e instanceof ApiError && e.status === 404) setMissing(true)
        else setError(e instanceof Error ? e.message : String(e))
      },
    )
    return () => abort.abort()
    // The loader is rebuilt each render; `deps` says when it asks something new.
  }, deps)
  return { data, error, missing }
}

function legendOf(classes: Classes, t: (k: 'dash.map.noData') => string): { color: string; label: string }[] {
  const out = classes.colors.map((color, i) => {
    const lo = classes.breaks[i - 1]
    const hi = classes.breaks[i]
    const label = lo === undefined && hi === undefined ? '' : lo === undefined ? (hi === 0 ? '0' : `≤ ${fmtNumber(hi!)}`) : hi === undefined ? `> ${fmtNumber(lo)}` : `${fmtNumber(lo)} – ${fmtNumber(hi)}`
    return { color, label }
  })
  return [...out, { color: CHOROPLETH_NONE, label: t('dash.map.noData') }]
}

export default function DashboardPanel({ user, mapView, onSessionLost }: DashboardPanelProps) {
  const { t, lang } = useI18n()
  const [year, setYear] = useState(() => new Date().getFullYear())
  const [level, setLevel] = useState<Level>('town')
  const [figure, setFigure] = useState<StatFigure>('demolishedLandArea')
  const [tableKey, setTableKey] = useState<StatGroupKey>('town')
  const [exporting, setExporting] = useState<'png' | 'pdf' | null>(null)
  const [exportError, setExportError] = useState<string | null>(null)
  const charts = useRef<Record<string, ChartInstance | null>>({})
  const from = `${year}-01-01`
  const to = `${year}-12-31`

  const byUnit = useLoad((s) => getStatistics({ groupBy: [level], from, to }, s), [level, year], onSessionLost)
  const byUse = useLoad((s) => getStatistics({ groupBy: ['use'], from, to }, s), [year], onSessionLost)
  const byMonth = useLoad((s) => getStatistics({ groupBy: ['month'], from, to }, s), [year], onSessionLost)
  const table = useLoad((s) => getStatistics({ groupBy: [tableKey], from, to }, s), [tableKey, year], onSessionLost)
  const targets = useLoad<TargetItem[]>((s) => listTargets({ year }, s), [year], onSessionLost)
  const burndown = useLoad<Burndown>((s) => getBurndown({ admin: user.scopeCode, year }, s), [year, user.scopeCode], onSessionLost)

  // --- the choropleth: one figure per unit of the level, quantile classes --------------------------
  const choropleth = useMemo(() => {
    const stats = byUnit.data
    if (!stats) return null
    const values: Record<string, number> = {}
    for (const r of stats.rows) {
      const code = r.key[level]
      if (code) values[code] = r[figure]
    }
    return { level, values, classes: classify(Object.values(values)) }
  }, [byUnit.data, level, figure])
  useEffect(() => {
    if (choropleth) mapView?.setChoropleth(choropleth)
  }, [mapView, choropleth])
  useEffect(() => () => mapView?.setChoropleth(null), [mapView])
  // The map is narrower beside the dashboard: show the whole district in it, as the report will.
  useEffect(() => {
    if (!mapView) return
    mapView.resize()
    mapView.fitDistrict(false, { top: 30, right: 30, bottom: 30, left: 30 })
  }, [mapView])
  const legend = choropleth ? legendOf(choropleth.classes, t) : []

  // --- chart options ------------------------------------------------------------------------------
  const figureName = t(`stat.${figure}`)
  const unitOption = useMemo<ChartOption | null>(() => {
    const s = byUnit.data
    if (!s) return null
    const rows = s.rows.filter((r) => r.key[level]).sort((a, b) => b[figure] - a[figure]).slice(0, 30)
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 16, top: 24, bottom: 90 },
      xAxis: { type: 'category', data: rows.map((r) => r.label[level] ?? r.key[level] ?? ''), axisLabel: { rotate: 50, fontSize: 10 } },
      yAxis: { type: 'value', name: figureName, nameTextStyle: { align: 'left' } },
      series: [{ type: 'bar', name: figureName, data: rows.map((r) => r[figure]), itemStyle: { color: SERIES.actual } }],
    }
  }, [byUnit.data, level, figure, figureName])

  const useOption = useMemo<ChartOption | null>(() => {
    const s = byUse.data
    if (!s) return null
    return {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ㎡ ({d}%)' },
      legend: { type: 'scroll', bottom: 0 },
      color: [...CATEGORICAL],
      series: [
        {
          type: 'pie',
          radius: ['30%', '55%'],
          center: ['50%', '45%'],
          label: { formatter: '{b}\n{d}%', overflow: 'none' },
          data: s.rows.map((r) => ({ name: r.label.use ?? r.key.use ?? '—', value: r.landArea })),
        },
      ],
    }
  }, [byUse.data])

  const monthOption = useMemo<ChartOption | null>(() => {
    const s = byMonth.data
    if (!s) return null
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`)
    const row = (m: string) => s.rows.find((r) => r.key.month === m)
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 50, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: months.map((m) => m.slice(5)) },
      yAxis: [
        { type: 'value', name: '㎡' },
        { type: 'value', name: t('stat.demolishedCount'), splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: t('stat.demolishedLandArea'), data: months.map((m) => row(m)?.demolishedLandArea ?? 0), itemStyle: { color: SERIES.land } },
        { type: 'line', name: t('stat.demolishedCount'), yAxisIndex: 1, data: months.map((m) => row(m)?.demolishedCount ?? 0), itemStyle: { color: SERIES.count } },
      ],
    }
  }, [byMonth.data, year, t])

  const progressOption = useMemo<ChartOption | null>(() => {
    const items = targets.data
    if (!items || items.length === 0) return null
    const shown = items.slice(0, 20)
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v) => `${v as number}%` },
      legend: { top: 0 },
      grid: { left: 100, right: 30, top: 36, bottom: 24 },
      yAxis: { type: 'category', data: shown.map((i) => i.name), inverse: true, axisLabel: { interval: 0, fontSize: 10 } },
      xAxis: { type: 'value', name: '%' },
      series: TARGET_FIGURES.filter((f) => shown.some((i) => i.target[f] != null)).map((f, k) => ({
        type: 'bar' as const,
        name: t(`plan.target.${f}`),
        data: shown.map((i) => i.progress[f] ?? null),
        itemStyle: { color: [SERIES.actual, SERIES.count, SERIES.regreened][k] },
        ...(k === 0 ? { markLine: { symbol: 'none', data: [{ xAxis: 100 }], lineStyle: { color: SERIES.plan } } } : {}),
      })),
    }
  }, [targets.data, t])

  const burndownOption = useMemo<ChartOption | null>(() => {
    const b = burndown.data
    if (!b || b.series.length === 0) return null
    const f = TARGET_FIGURES.find((x) => b.target[x] != null) ?? 'demolishedArea'
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 70, right: 16, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: b.series.map((p) => p.date.slice(5)) },
      yAxis: { type: 'value', name: t(`plan.target.${f}`) },
      series: [
        { type: 'line', name: t('dash.series.remaining'), data: b.series.map((p) => p.remaining[f] ?? null), itemStyle: { color: SERIES.actual }, areaStyle: { opacity: 0.15 } },
        { type: 'line', name: t('dash.series.ideal'), data: b.series.map((p) => p.ideal[f] ?? null), itemStyle: { color: SERIES.plan }, lineStyle: { type: 'dashed' }, symbol: 'none' },
      ],
    }
  }, [burndown.data, t])

  const hold = useCallback((id: string) => (c: ChartInstance | null) => {
    charts.current[id] = c
  }, [])

  // --- the report ---------------------------------------------------------------------------------
  const chartList: { id: string; title: string; option: ChartOption | null }[] = [
    { id: 'unit', title: `${t(level === 'town' ? 'plan.group.town' : 'plan.group.village')} · ${figureName}`, option: unitOption },
    { id: 'use', title: t('dash.chart.byUse'), option: useOption },
    { id: 'month', title: t('dash.chart.byMonth'), option: monthOption },
    { id: 'progress', title: t('dash.chart.progress'), option: progressOption },
    { id: 'burndown', title: t('dash.chart.burndown'), option: burndownOption },
  ]
  const exportReport = async (kind: 'png' | 'pdf') => {
    if (!mapView) return
    setExporting(kind)
    setExportError(null)
    try {
      const spec: ReportSpec = {
        title: `${t('dash.report.title')}（${year}）`,
        subtitle: t('dash.report.generated', { time: new Date().toLocaleString(lang, { hour12: false }) }),
        map: {
          title: t('dash.report.map', { figure: figureName, level: t(level === 'town' ? 'plan.group.town' : 'plan.group.village') }),
          image: await mapView.snapshot(),
          legend,
        },
        charts: chartList
          .filter((c) => c.option && charts.current[c.id])
          .map((c) => ({ title: c.title, image: charts.current[c.id]!.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }) })),
      }
      const name = `chaiwei-report-${year}.${kind}`
      if (kind === 'png') await reportPng(spec, name)
      else await reportPdf(spec, name)
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e))
    } finally {
      setExporting(null)
    }
  }

  const totals = byUnit.data?.totals
  const loadError = byUnit.error ?? byUse.error ?? byMonth.error ?? table.error
  return (
    <div className="dashboard" data-testid="dashboard" data-state={loadError ? 'error' : byUnit.data ? 'ok' : 'loading'}>
      <div className="dash-bar">
        <h2>{t('dash.title')}</h2>
        <label>
          {t('dash.year')}
          <input type="number" min="2000" max="2100" value={year} onChange={(e) => setYear(Number(e.target.value))} data-testid="dash-year" />
        </label>
        <span className="dash-spacer" />
        <button type="button" disabled={!!exporting || !mapView} onClick={() => void exportReport('png')} data-testid="export-png">
          {t('dash.export.png')}
        </button>
        <button type="button" disabled={!!exporting || !mapView} onClick={() => void exportReport('pdf')} data-testid="export-pdf">
          {t('dash.export.pdf')}
        </button>
      </div>
      {exporting && <p role="status">{t('dash.export.running')}</p>}
      {(exportError || loadError) && (
        <p className="form-error" role="alert">
          {exportError ?? loadError}
        </p>
      )}
      {totals && (
        <dl className="dash-kpis" data-testid="dash-kpis">
          {(['count', 'landArea', 'demolishedCount', 'demolishedLandArea', 'regreenedArea', 'closedCount'] as const).map((f) => (
            <div key={f} data-figure={f} data-value={totals[f]}>
              <dt>{t(`stat.${f}`)}</dt>
              <dd>{fmtNumber(totals[f], 0)}</dd>
            </div>
          ))}
        </dl>
      )}
      <section className="dash-choropleth" data-testid="dash-choropleth">
        <h3>{t('dash.map.title')}</h3>
        <label>
          {t('dash.map.level')}
          <select value={level} onChange={(e) => setLevel(e.target.value as Level)} data-testid="choropleth-level">
            <option value="town">{t('plan.group.town')}</option>
            <option value="village">{t('plan.group.village')}</option>
          </select>
        </label>
        <label>
          {t('dash.map.figure')}
          <select value={figure} onChange={(e) => setFigure(e.target.value as StatFigure)} data-testid="choropleth-figure">
            {STAT_FIGURES.map((f) => (
              <option key={f} value={f}>
                {t(`stat.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <ul className="dash-legend" data-testid="choropleth-legend" data-units={choropleth ? Object.keys(choropleth.values).length : 0}>
          {legend.map((l) => (
            <li key={l.color + l.label}>
              <span className="dash-swatch" style={{ background: l.color }} />
              {l.label}
            </li>
          ))}
        </ul>
      </section>
      <div className="dash-charts">
        {chartList.map((c) => (
          <figure key={c.id} className="dash-chart" data-chart={c.id}>
            <figcaption>{c.title}</figcaption>
            {c.option ? (
              <Chart option={c.option} testId={`chart-${c.id}`} onInstance={hold(c.id)} />
            ) : (
              <p className="empty">{(c.id === 'progress' && targets.missing) || (c.id === 'burndown' && burndown.missing) ? t('dash.noTargets') : t('dash.loading')}</p>
            )}
          </figure>
        ))}
      </div>
      <section className="dash-table">
        <h3>
          {t('dash.table.title')}
          <label>
            {t('dash.table.groupBy')}
            <select value={tableKey} onChange={(e) => setTableKey(e.target.value as StatGroupKey)} data-testid="dash-table-key">
              {TABLE_KEYS.map((k) => (
                <option key={k} value={k}>
                  {t(`plan.group.${k}` as 'plan.group.town')}
                </option>
              ))}
            </select>
          </label>
          <a className="plan-export" href={statisticsXlsxUrl({ groupBy: [tableKey], from, to })} download data-testid="dash-table-xlsx">
            {t('plan.exportXlsx')}
          </a>
        </h3>
        {table.data && <StatTable stats={table.data as Statistics} testId="dash-table" />}
      </section>
    </div>
  )
}
