// 排查统计 of the self-built-house safety survey (自建房安全排查): the figures the seeds report per
// town, village, safety grade, hazard or use (one row per group and a 合计 row), the files with a
// measure past its deadline (each a link to the file), and the survey workbook out (template, the
// area's files) and in (with upload progress; the problem list when the server refused the book).
// The area picker narrows all three to a town or village of the user's scope.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react'
import { ApiError } from '../../api.ts'
import { useAdminUnitSearch } from '../../hooks/use-admin-unit-search.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import {
  beijingToday, daysOverdue, getSurveyStatistics, GROUPINGS, importSurveyWorkbook, isAdminGrouping, listOverdueSurveys, SURVEY_TEMPLATE_URL, surveyExportUrl,
  type Survey, type SurveyFigures, type SurveyGrouping, type SurveyImportProblem, type SurveyImportResult, type SurveyStatistics,
} from '../../survey-stats-api.ts'
import './survey-stats.css'

const SurveyHazardChart = lazy(() => import('./SurveyHazardChart.tsx'))

type Section = 'figures' | 'overdue' | 'workbook'
const SECTIONS: readonly Section[] = ['figures', 'overdue', 'workbook']

interface Area {
  code: string
  name: string
}

/** The figure columns in the order of the seeds' tables; `admin` ones only for town/village groups. */
const COLUMNS: readonly { key: keyof SurveyFigures | 'rate'; admin?: true; warn?: true }[] = [
  { key: 'selfBuilt', admin: true },
  { key: 'surveyed' },
  { key: 'rate', admin: true },
  { key: 'floors3plus' },
  { key: 'business' },
  { key: 'businessWithoutLicence', warn: true },
  { key: 'rented' },
  { key: 'withoutAppraisal' },
  { key: 'gradeC', warn: true },
  { key: 'gradeD', warn: true },
  { key: 'hazards', warn: true },
  { key: 'rectifying' },
  { key: 'resolved' },
  { key: 'overdueMeasures', warn: true },
]

/** The order of the coded groups (the server orders by key, which puts 未鉴定 '-' first). */
const CODE_ORDER: Partial<Record<SurveyGrouping, readonly string[]>> = {
  grade: ['A', 'B', 'C', 'D', '-'],
  hazard: ['none', 'general', 'major', 'severe'],
  use: ['residential', 'business', 'mixed'],
}

const rate = (f: SurveyFigures) => (f.selfBuilt > 0 ? `${((100 * f.surveyed) / f.selfBuilt).toFixed(1)}%` : '—')

/** The hash that opens a file in the survey view, the other parameters (map view, layers) kept. */
function surveyHash(id: number): string {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''))
  params.delete('case')
  params.set('view', 'survey')
  params.set('survey', String(id))
  return `#${params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')}`
}

export interface SurveyStatsPanelProps {
  /** Opens a house file (the survey view's own opener). Without it, a file is opened through the URL
   *  hash (`#view=survey&survey=<id>`), which the survey view reads when it mounts. */
  onOpenSurvey?(id: number): void
}

export function SurveyStatsPanel({ onOpenSurvey }: SurveyStatsPanelProps = {}) {
  const { t } = useI18n()
  const [section, setSection] = useState<Section>('figures')
  const [area, setArea] = useState<Area | null>(null)
  const [by, setBy] = useState<SurveyGrouping>('village')
  /** Bumped after an import wrote something, so the figures and the overdue list are read again. */
  const [generation, setGeneration] = useState(0)
  const overdue = useOverdue(area?.code ?? null, generation)
  const overdueMeasures = overdue.files?.reduce((n, s) => n + s.measures.filter((m) => m.overdue).length, 0) ?? 0

  return (
    <section className="survey-stats" data-testid="survey-stats" data-area={area?.code ?? ''}>
      <div className="survey-stats-bar">
        <h3>{t('surveyStats.title')}</h3>
        <AreaPicker value={area} onChange={setArea} />
      </div>
      <div className="survey-stats-seg" role="group" aria-label={t('surveyStats.title')}>
        {SECTIONS.map((s) => (
          <button key={s} type="button" aria-pressed={section === s} onClick={() => setSection(s)} data-testid={`survey-stats-section-${s}`}>
            {t(`surveyStats.section.${s}`)}
            {s === 'overdue' && overdueMeasures > 0 && <span className="survey-stats-badge">{overdueMeasures}</span>}
          </button>
        ))}
      </div>
      {section === 'figures' && <FiguresTable area={area} by={by} onBy={setBy} generation={generation} />}
      {section === 'overdue' && <OverdueList state={overdue} onOpen={onOpenSurvey} />}
      {section === 'workbook' && <Workbook area={area} onImported={() => setGeneration((g) => g + 1)} />}
    </section>
  )
}

// --- the area picker ---------------------------------------------------------------------------

function AreaPicker({ value, onChange }: { value: Area | null; onChange(a: Area | null): void }) {
  const { t } = useI18n()
  const [text, setText] = useState('')
  const [open, setOpen] = useState(false)
  const hits = useAdminUnitSearch(text, ['town', 'village'], 12)
  if (value) {
    return (
      <div className="survey-stats-area" data-testid="survey-stats-area" data-code={value.code}>
        <span>{t('surveyStats.area')}：</span>
        <b>{value.name}</b>
        <button type="button" className="link-button" onClick={() => onChange(null)} data-testid="survey-stats-area-clear">
          {t('surveyStats.area.clear')}
        </button>
      </div>
    )
  }
  return (
    <label className="survey-stats-area" data-testid="survey-stats-area" data-code="">
      <span>{t('surveyStats.area')}：</span>
      <input
        type="search"
        value={text}
        placeholder={`${t('surveyStats.area.all')} · ${t('surveyStats.area.placeholder')}`}
        onChange={(e) => {
          setText(e.target.value)
          setOpen(true)
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false)
          if (e.key === 'Enter' && hits?.[0]) {
            e.preventDefault()
            onChange({ code: hits[0].id, name: hits[0].label })
            setText('')
            setOpen(false)
          }
        }}
        data-testid="survey-stats-area-input"
      />
      {open && hits !== null && (
        <ul className="survey-stats-hits" role="listbox">
          {hits.length === 0 && <li className="muted">{t('surveyStats.area.noHit')}</li>}
          {hits.map((h) => (
            <li
              key={h.id}
              role="option"
              aria-selected={false}
              tabIndex={-1}
              onMouseDown={(e) => {
                e.preventDefault()
                onChange({ code: h.id, name: h.label })
                setText('')
                setOpen(false)
              }}
              data-testid="survey-stats-area-hit"
              data-code={h.id}
            >
              {h.label} <span className="muted">{h.id}</span>
            </li>
          ))}
        </ul>
      )}
    </label>
  )
}

// --- the figures -------------------------------------------------------------------------------

type Load<T> = { data: T | null; error: string | null; loading: boolean }

function FiguresTable({ area, by, onBy, generation }: { area: Area | null; by: SurveyGrouping; onBy(b: SurveyGrouping): void; generation: number }) {
  const { t, lang, lookup } = useI18n()
  const [state, setState] = useState<Load<SurveyStatistics>>({ data: null, error: null, loading: true })
  const code = area?.code ?? null
  useEffect(() => {
    const ctl = new AbortController()
    setState((s) => ({ ...s, loading: true, error: null }))
    getSurveyStatistics(by, code, ctl.signal)
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setState({ data: null, error: problemMessage(e, lang), loading: false })
      })
    return () => ctl.abort()
  }, [by, code, generation, lang])

  const stats = state.data && state.data.by === by ? state.data : null
  const admin = isAdminGrouping(by)
  const columns = COLUMNS.filter((c) => admin || !c.admin)
  const groupLabel = (key: string, label: string) => (admin ? label : (lookup(`surveyStats.${by}.${key}`) ?? label))
  const groups = useMemo(() => {
    if (!stats) return []
    const order = CODE_ORDER[stats.by]
    return order ? [...stats.groups].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key)) : stats.groups
  }, [stats])
  const cell = (f: SurveyFigures, key: (typeof COLUMNS)[number]['key']) => (key === 'rate' ? rate(f) : f[key].toLocaleString('zh-CN'))
  const chart = useMemo(
    () => ({
      labels: groups.map((g) => (admin ? g.label : (lookup(`surveyStats.${by}.${g.key}`) ?? g.label))),
      surveyed: groups.map((g) => g.figures.surveyed),
      hazards: groups.map((g) => g.figures.hazards),
      names: { surveyed: t('surveyStats.col.surveyed'), hazards: t('surveyStats.col.hazards') },
    }),
    [groups, admin, by, lookup, t],
  )

  return (
    <div className="survey-stats-figures" data-testid="survey-stats-figures" data-by={by} data-state={state.error ? 'error' : stats && !state.loading ? 'ok' : 'loading'}>
      <div className="survey-stats-bar">
        <span>{t('surveyStats.by')}：</span>
        <div className="survey-stats-seg" role="group" aria-label={t('surveyStats.by')}>
          {GROUPINGS.map((g) => (
            <button key={g} type="button" aria-pressed={by === g} onClick={() => onBy(g)} data-testid={`survey-stats-by-${g}`}>
              {t(`surveyStats.by.${g}`)}
            </button>
          ))}
        </div>
        {state.loading && <span className="muted">{t('surveyStats.loading')}</span>}
      </div>
      {state.error && (
        <p className="survey-stats-error" role="alert">
          {t('surveyStats.loadError')}：{state.error}
        </p>
      )}
      {stats && (
        <>
          <div className="survey-stats-table-wrap">
            <table className="survey-stats-table" data-testid="survey-stats-table">
              <thead>
                <tr>
                  <th scope="col">{t(`surveyStats.by.${by}`)}</th>
                  {columns.map((c) => (
                    <th key={c.key} scope="col" className="num">
                      {t(`surveyStats.col.${c.key}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.length === 0 && (
                  <tr>
                    <td colSpan={columns.length + 1} className="muted">
                      {t('surveyStats.empty')}
                    </td>
                  </tr>
                )}
                {groups.map((g) => (
                  <tr key={g.key} data-testid="survey-stats-row" data-key={g.key}>
                    <th scope="row">{groupLabel(g.key, g.label)}</th>
                    {columns.map((c) => (
                      <td key={c.key} className={c.warn && c.key !== 'rate' && g.figures[c.key] > 0 ? 'num warn' : 'num'} data-col={c.key}>
                        {cell(g.figures, c.key)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="survey-stats-total">
                  <th scope="row">{t('surveyStats.total')}</th>
                  {columns.map((c) => (
                    <td key={c.key} className="num" data-col={c.key}>
                      {cell(stats.total, c.key)}
                    </td>
                  ))}
                </tr>
              </tfoot>
            </table>
          </div>
          {admin && <p className="survey-stats-note">{t('surveyStats.selfBuiltNote')}</p>}
          {groups.length > 0 && (
            <figure className="survey-stats-chart">
              <figcaption className="survey-stats-note">{t('surveyStats.chart', { by: t(`surveyStats.by.${by}`) })}</figcaption>
              <Suspense fallback={null}>
                <SurveyHazardChart {...chart} />
              </Suspense>
            </figure>
          )}
        </>
      )}
    </div>
  )
}

// --- the overdue measures ----------------------------------------------------------------------

type OverdueState = { files: Survey[] | null; total: number; error: string | null }

function useOverdue(code: string | null, generation: number): OverdueState {
  const { lang } = useI18n()
  const [state, setState] = useState<OverdueState>({ files: null, total: 0, error: null })
  useEffect(() => {
    const ctl = new AbortController()
    listOverdueSurveys(code, ctl.signal)
      .then((r) => setState({ files: r.items, total: r.total, error: null }))
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setState({ files: null, total: 0, error: problemMessage(e, lang) })
      })
    return () => ctl.abort()
  }, [code, generation, lang])
  return state
}

function OverdueList({ state, onOpen }: { state: OverdueState; onOpen: ((id: number) => void) | undefined }) {
  const { t } = useI18n()
  const today = beijingToday()
  const rows = useMemo(
    () =>
      (state.files ?? [])
        .flatMap((s) => s.measures.filter((m) => m.overdue).map((m) => ({ s, m })))
        .sort((a, b) => a.m.deadline.localeCompare(b.m.deadline) || a.s.id - b.s.id),
    [state.files],
  )
  const files = state.files?.length ?? 0
  const open = (id: number) => {
    if (onOpen) onOpen(id)
    else window.location.hash = surveyHash(id)
  }
  return (
    <div className="survey-stats-overdue" data-testid="survey-stats-overdue" data-state={state.error ? 'error' : state.files ? 'ok' : 'loading'} data-files={files}>
      <p className="survey-stats-note">{t('surveyStats.overdue.intro')}</p>
      {state.error && (
        <p className="survey-stats-error" role="alert">
          {t('surveyStats.loadError')}：{state.error}
        </p>
      )}
      {state.files && rows.length === 0 && <p className="muted">{t('surveyStats.overdue.none')}</p>}
      {rows.length > 0 && (
        <>
          <p>
            <b>{t('surveyStats.overdue.count', { files, measures: rows.length })}</b>
            {state.total > files && <span className="muted"> {t('surveyStats.overdue.more', { shown: files, total: state.total })}</span>}
          </p>
          <div className="survey-stats-table-wrap">
            <table className="survey-stats-table" data-testid="survey-stats-overdue-table">
              <thead>
                <tr>
                  <th scope="col">{t('surveyStats.overdue.village')}</th>
                  <th scope="col">{t('surveyStats.overdue.file')}</th>
                  <th scope="col">{t('surveyStats.overdue.address')}</th>
                  <th scope="col">{t('surveyStats.overdue.measure')}</th>
                  <th scope="col">{t('surveyStats.overdue.deadline')}</th>
                  <th scope="col" className="num">
                    {t('surveyStats.overdue.days')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ s, m }) => (
                  <tr key={m.id} data-testid="survey-stats-overdue-row" data-survey={s.id} data-measure={m.id}>
                    <td>{s.villageName}</td>
                    <td>
                      <a
                        href={surveyHash(s.id)}
                        onClick={(e) => {
                          e.preventDefault()
                          open(s.id)
                        }}
                        data-testid="survey-stats-open"
                      >
                        {s.id}
                      </a>
                    </td>
                    <td>{s.addressText ?? '—'}</td>
                    <td>{t(`surveyStats.measure.${m.kind}`)}</td>
                    <td>{m.deadline}</td>
                    <td className="num warn">{t('surveyStats.overdue.daysValue', { n: daysOverdue(m.deadline, today) })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  )
}

// --- the workbook ------------------------------------------------------------------------------

type ImportState =
  | { kind: 'idle' }
  | { kind: 'uploading'; fraction: number }
  | { kind: 'done'; result: SurveyImportResult }
  | { kind: 'refused'; problems: SurveyImportProblem[] }
  | { kind: 'error'; message: string }

function Workbook({ area, onImported }: { area: Area | null; onImported(): void }) {
  const { t, lang, lookup } = useI18n()
  const [file, setFile] = useState<File | null>(null)
  const [inputKey, setInputKey] = useState(0)
  const [state, setState] = useState<ImportState>({ kind: 'idle' })

  const submit = async () => {
    if (!file) return
    setState({ kind: 'uploading', fraction: 0 })
    try {
      const result = await importSurveyWorkbook(file, (fraction) => setState({ kind: 'uploading', fraction }))
      if (result.problems.length > 0) setState({ kind: 'refused', problems: result.problems })
      else {
        setState({ kind: 'done', result })
        if (result.created + result.updated > 0) onImported()
        setFile(null)
        setInputKey((k) => k + 1)
      }
    } catch (e) {
      const p = e instanceof ApiError ? (e.problem as (Record<string, unknown> & { problems?: SurveyImportProblem[] }) | null) : null
      if (p?.problems?.length) setState({ kind: 'refused', problems: p.problems })
      else setState({ kind: 'error', message: problemMessage(e, lang) })
    }
  }
  const fieldLabel = (field: string) =>
    field
      .split(',')
      .map((f) => lookup(`surveyStats.field.${f}`) ?? f)
      .join('、')
  const busy = state.kind === 'uploading'
  const pct = state.kind === 'uploading' ? Math.round(state.fraction * 100) : 0

  return (
    <div className="survey-stats-workbook" data-testid="survey-stats-workbook" data-state={state.kind}>
      <p className="survey-stats-note">{t('surveyStats.workbook.intro')}</p>
      <div className="survey-stats-links">
        <a href={SURVEY_TEMPLATE_URL} download data-testid="survey-stats-template">
          {t('surveyStats.workbook.template')}
        </a>
        <a href={surveyExportUrl(area?.code ?? null)} download data-testid="survey-stats-export">
          {area ? t('surveyStats.workbook.exportArea', { area: area.name }) : t('surveyStats.workbook.export')}
        </a>
      </div>
      <h4>{t('surveyStats.workbook.import')}</h4>
      <label className="field">
        <span>{t('surveyStats.workbook.file')} </span>
        <input
          key={inputKey}
          type="file"
          accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          disabled={busy}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            setState({ kind: 'idle' })
          }}
          data-testid="survey-stats-import-file"
        />
      </label>
      <button type="button" className="primary" disabled={!file || busy} onClick={() => void submit()} data-testid="survey-stats-import-submit">
        {t('surveyStats.workbook.submit')}
      </button>
      {state.kind === 'uploading' && (
        <div className="survey-stats-progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} data-testid="survey-stats-import-progress" style={{ width: '100%' }}>
          <span style={{ width: `${pct}%` }} />
          <small>{state.fraction < 1 ? t('surveyStats.workbook.uploading', { pct }) : t('surveyStats.workbook.checking')}</small>
        </div>
      )}
      {state.kind === 'done' && (
        <p
          className="survey-stats-ok"
          role="status"
          data-testid="survey-stats-import-result"
          data-created={state.result.created}
          data-updated={state.result.updated}
          data-unchanged={state.result.unchanged}
        >
          {t('surveyStats.workbook.done', { created: state.result.created, updated: state.result.updated, unchanged: state.result.unchanged })}
        </p>
      )}
      {state.kind === 'error' && (
        <p className="survey-stats-error" role="alert" data-testid="survey-stats-import-error">
          {t('surveyStats.workbook.failed')}：{state.message}
        </p>
      )}
      {state.kind === 'refused' && (
        <>
          <p className="survey-stats-error" role="alert" data-testid="survey-stats-import-refused" data-problems={state.problems.length}>
            {t('surveyStats.workbook.refused', { n: state.problems.length })}
          </p>
          <div className="survey-stats-problems">
            <table className="survey-stats-table" data-testid="survey-stats-import-problems">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('surveyStats.workbook.row')}
                  </th>
                  <th scope="col">{t('surveyStats.workbook.field')}</th>
                  <th scope="col">{t('surveyStats.workbook.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {state.problems.map((p, i) => (
                  <tr key={i} data-testid="survey-stats-import-problem" data-row={p.row} data-field={p.field}>
                    <td className="num">{p.row}</td>
                    <td>{fieldLabel(p.field)}</td>
                    <td>{lang === 'en' ? p.message : p.messageZh}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  )
}

