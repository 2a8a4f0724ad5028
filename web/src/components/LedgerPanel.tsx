// The ledger (台账): filters, a sortable paged table (cards on a phone), the totals of the whole
// selection. Selecting a row tells the map screen, which highlights the case on the map; a case
// clicked on the map comes back as `selectedId`.
import { useEffect, useRef, useState, type ReactNode } from 'react'
import { ApiError } from '../api.ts'
import { CASE_SOURCES, CASE_STATUSES, CASE_USES, isOneOf } from '../codes.ts'
import { fmtArea, fmtDate } from '../format.ts'
import { useAdminUnitSearch } from '../hooks/use-admin-unit-search.ts'
import { useNarrow } from '../hooks/use-narrow.ts'
import { useI18n } from '../i18n/i18n.tsx'
import {
  CASE_FLAGS, ledgerViewString, listCases, OVERDUE_KINDS, parseLedgerView,
  type CaseFilter, type CaseList, type CaseRow, type OverdueKind,
} from '../ledger-api.ts'
import { ledgerQueryFromHash, writeLedgerQueryToUrl } from '../url-state.ts'
import { LedgerExportMenu, LedgerImportDialog } from './LedgerIo.tsx'
import { caseStatusColors, caseStatusFallback, overdueColor } from '../theme/colors.ts'

export const PAGE_SIZE = 50

export interface LedgerPanelProps {
  selectedId: number | null
  /** Bumped by the screen after a case changed: the table is read again. */
  refreshKey: number
  onSelect(row: CaseRow): void
  onOpen(id: number): void
  /** Admins and planners load ledgers in bulk. */
  canImport: boolean
  /** Cases were imported: the map shows them too. */
  onImported(): void
  onSessionLost(): void
}

export function StatusPill({ status }: { status: string }) {
  const { label } = useI18n()
  const color = isOneOf(CASE_STATUSES, status) ? caseStatusColors[status] : caseStatusFallback
  return (
    <span className="status-pill" style={{ background: color }} data-status={status}>
      {label('caseStatus', status)}
    </span>
  )
}

export function OverdueBadges({ overdue }: { overdue: CaseRow['overdue'] }) {
  const { t } = useI18n()
  const kinds = (['deadline', 'reach', 'removal'] as const).filter((k) => overdue[k])
  if (kinds.length === 0) return null
  return (
    <>
      {kinds.map((k) => (
        <span key={k} className="overdue-badge" style={{ borderColor: overdueColor, color: overdueColor }} data-testid="overdue-badge" data-kind={k}>
          {t(`overdue.${k}`)}
        </span>
      ))}
    </>
  )
}

const SORTABLE: Record<string, string> = { caseNo: 'case_no', village: 'admin_code', status: 'status', found: 'found_at', deadline: 'deadline' }

/** 待定位: placed at its village, not yet on the map. */
function PendingBadge() {
  const { t } = useI18n()
  return (
    <span className="pending-badge" data-testid="pending-badge">
      {t('ledger.pendingBadge')}
    </span>
  )
}

const ADMIN_KINDS = ['district', 'town', 'village'] as const

/** The admin-unit filter: a code, or a name looked up with /api/search (district, towns and villages). */
function AdminFilter({ value, onChange }: { value: string; onChange(code: string): void }) {
  const { t } = useI18n()
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  // a code typed in is taken as it is; names are looked up
  const hits = useAdminUnitSearch(/^\d+$/.test(text.trim()) ? '' : text, ADMIN_KINDS) ?? []
  const commit = (raw: string) => {
    const v = raw.trim()
    if (v === '') return onChange('')
    const hit = hits.find((h) => h.label === v || h.id === v)
    if (hit) return onChange(hit.id)
    if (/^\d{6}(\d{3}(\d{3})?)?$/.test(v)) onChange(v)
  }
  return (
    <label className="filter">
      <span>{t('ledger.admin')}</span>
      <input
        list="ledger-admin-hits"
        value={text}
        placeholder={t('ledger.adminPlaceholder')}
        onChange={(e) => {
          setText(e.target.value)
          if (hits.some((h) => h.id === e.target.value) || e.target.value === '') commit(e.target.value)
        }}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && commit((e.target as HTMLInputElement).value)}
        data-testid="filter-admin"
      />
      <datalist id="ledger-admin-hits">
        {hits.map((h) => (
          <option key={h.id} value={h.id}>
            {h.label}
          </option>
        ))}
      </datalist>
    </label>
  )
}

function MultiFilter({ name, title, codes, value, labelOf, onChange }: {
  name: string
  title: string
  codes: readonly string[]
  value: readonly string[]
  labelOf(code: string): string
  onChange(v: string[]): void
}) {
  const { t } = useI18n()
  return (
    <details className="filter multi" data-testid={`filter-${name}`}>
      <summary>
        <span>{title}</span> <b>{value.length ? value.map(labelOf).join('、') : t('ledger.all')}</b>
      </summary>
      <div className="multi-options">
        {codes.map((c) => (
          <label key={c}>
            <input
              type="checkbox"
              checked={value.includes(c)}
              onChange={(e) => onChange(e.target.checked ? [...value, c] : value.filter((x) => x !== c))}
              data-testid={`filter-${name}-${c}`}
            />
            {labelOf(c)}
          </label>
        ))}
      </div>
    </details>
  )
}

/** How many filters narrow the table (shown on the folded filters of a phone). */
function activeFilters(f: CaseFilter): number {
  return Object.values(f).filter((v) => (Array.isArray(v) ? v.length > 0 : Boolean(v))).length
}

/** The filters; on a phone folded under one line, so the cards keep the screen. */
function FiltersFold({ folded, active, children }: { folded: boolean; active: number; children: ReactNode }) {
  const { t } = useI18n()
  const filters = (
    <div className="ledger-filters" role="search">
      {children}
    </div>
  )
  if (!folded) return filters
  return (
    <details className="filters-fold" data-testid="filters-fold">
      <summary>
        {t('ledger.filters')}
        {active > 0 && <b> ({active})</b>}
      </summary>
      {filters}
    </details>
  )
}

export function LedgerPanel({ selectedId, refreshKey, onSelect, onOpen, canImport, onImported, onSessionLost }: LedgerPanelProps) {
  const { t, label } = useI18n()
  const narrow = useNarrow()
  // Filter, sort and page live in the URL, so a reload or a shared link shows the same rows.
  const [initial] = useState(() => parseLedgerView(ledgerQueryFromHash(window.location.hash)))
  const [filter, setFilter] = useState<CaseFilter>(initial.filter)
  const [sort, setSort] = useState(initial.sort)
  // The page asked for; with `locate` the server picks the page that holds that case.
  const [page, setPage] = useState<{ offset: number; locate?: number }>({ offset: initial.offset })
  const [data, setData] = useState<CaseList | null>(null)
  /** A case selected on the map that the current filters leave out. */
  const [outside, setOutside] = useState<number | null>(null)
  const [importing, setImporting] = useState(false)
  const [state, setState] = useState<'loading' | 'ok' | 'error'>('loading')
  const [error, setError] = useState<string | null>(null)
  const cb = useRef({ onSessionLost })
  useEffect(() => {
    cb.current = { onSessionLost }
  })

  useEffect(() => {
    const ctl = new AbortController()
    setState('loading')
    listCases({ ...filter, sort, limit: PAGE_SIZE, offset: page.offset, ...(page.locate ? { locate: page.locate } : {}) }, ctl.signal)
      .then((d) => {
        setData(d)
        setOutside(d.located === false ? page.locate! : null)
        setState('ok')
        setError(null)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) return cb.current.onSessionLost()
        setState('error')
        setError(e instanceof Error ? e.message : String(e))
      })
    return () => ctl.abort()
  }, [filter, sort, page, refreshKey])
  const offset = data?.offset ?? page.offset
  useEffect(() => writeLedgerQueryToUrl(ledgerViewString({ filter, sort, offset })), [filter, sort, offset])

  // A case selected elsewhere (on the map) that is not on this page: ask for the page that holds it.
  const located = useRef<number | null>(null)
  useEffect(() => {
    if (selectedId === null || !data || located.current === selectedId) return
    if (data.items.some((r) => r.id === selectedId)) return
    located.current = selectedId
    setPage({ offset: data.offset, locate: selectedId })
  }, [selectedId, data])

  // The selected row (from the table or the map) scrolled into view.
  const body = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (selectedId === null) return
    body.current?.querySelector(`[data-case-id="${selectedId}"]`)?.scrollIntoView({ block: 'nearest' })
  }, [selectedId, data])

  const setOffset = (o: number) => setPage({ offset: o })
  const update = (patch: Partial<CaseFilter>) => {
    setFilter((f) => ({ ...f, ...patch }))
    setOffset(0)
  }
  const sortBy = (key: string) => {
    setSort((s) => (s === key ? `-${key}` : s === `-${key}` ? key : key === 'found_at' || key === 'deadline' ? `-${key}` : key))
    setOffset(0)
  }
  const sortMark = (key: string) => (sort === key ? ' ▲' : sort === `-${key}` ? ' ▼' : '')
  const header = (col: string, text: string, numeric = false): ReactNode => {
    const key = SORTABLE[col]
    return (
      <th key={col} className={numeric ? 'num' : undefined} aria-sort={key && sort.replace('-', '') === key ? (sort.startsWith('-') ? 'descending' : 'ascending') : undefined}>
        {key ? (
          <button type="button" className="sort" onClick={() => sortBy(key)} title={t('ledger.sortBy')} data-testid={`sort-${key}`}>
            {text}
            {sortMark(key)}
          </button>
        ) : (
          text
        )}
      </th>
    )
  }

  const items = data?.items ?? []
  const total = data?.total ?? 0
  const rowProps = (r: CaseRow) => ({
    'data-case-id': r.id,
    'data-status': r.status,
    'data-testid': 'ledger-row',
    'aria-selected': r.id === selectedId,
    className: r.id === selectedId ? 'selected' : undefined,
    onClick: () => onSelect(r),
    onDoubleClick: () => onOpen(r.id),
  })

  return (
    <section className="ledger" aria-label={t('ledger.title')} data-testid="ledger" data-state={state} data-total={total}>
      <FiltersFold folded={narrow} active={activeFilters(filter)}>
        <AdminFilter value={filter.admin ?? ''} onChange={(admin) => update({ admin })} />
        <MultiFilter name="status" title={t('ledger.status')} codes={CASE_STATUSES} value={filter.status ?? []} labelOf={(c) => label('caseStatus', c)} onChange={(status) => update({ status })} />
        <MultiFilter name="use" title={t('ledger.use')} codes={CASE_USES} value={filter.use ?? []} labelOf={(c) => label('caseUse', c)} onChange={(use) => update({ use })} />
        <MultiFilter name="source" title={t('ledger.source')} codes={CASE_SOURCES} value={filter.source ?? []} labelOf={(c) => label('caseSource', c)} onChange={(source) => update({ source })} />
        <MultiFilter name="flags" title={t('ledger.flags')} codes={CASE_FLAGS} value={filter.flags ?? []} labelOf={(c) => label('caseFlag', c)} onChange={(flags) => update({ flags })} />
        <label className="filter">
          <span>{t('ledger.overdue')}</span>
          <select
            value={filter.overdue ?? ''}
            onChange={(e) => update({ overdue: isOneOf(OVERDUE_KINDS, e.target.value) ? (e.target.value as OverdueKind) : '' })}
            data-testid="filter-overdue"
          >
            <option value="">{t('ledger.all')}</option>
            {OVERDUE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`ledger.overdue.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span>{t('ledger.foundFrom')}</span>
          <input type="date" value={filter.foundFrom ?? ''} onChange={(e) => update({ foundFrom: e.target.value })} data-testid="filter-found-from" />
        </label>
        <label className="filter">
          <span>{t('ledger.foundTo')}</span>
          <input type="date" value={filter.foundTo ?? ''} onChange={(e) => update({ foundTo: e.target.value })} data-testid="filter-found-to" />
        </label>
        {(filter.locationPending || (data?.totals.locationPending ?? 0) > 0) && (
          <button
            type="button"
            className={`chip${filter.locationPending ? ' on' : ''}`}
            aria-pressed={Boolean(filter.locationPending)}
            title={t('ledger.pendingChipTitle')}
            onClick={() => update({ locationPending: filter.locationPending ? undefined : true })}
            data-testid="filter-pending"
            data-count={data?.totals.locationPending ?? 0}
          >
            {t('ledger.pendingChip', { n: data?.totals.locationPending ?? 0 })}
          </button>
        )}
        <button type="button" className="link-button" onClick={() => update({ admin: undefined, status: undefined, use: undefined, source: undefined, flags: undefined, overdue: undefined, foundFrom: undefined, foundTo: undefined, locationPending: undefined })} data-testid="filter-reset">
          {t('ledger.reset')}
        </button>
      </FiltersFold>

      {outside !== null && outside === selectedId && (
        <div className="notice-inline" role="status" data-testid="ledger-outside">
          {t('ledger.outsideSelection')}{' '}
          <button type="button" className="link-button" onClick={() => onOpen(outside)} data-testid="ledger-outside-open">
            {t('ledger.open')}
          </button>
        </div>
      )}
      {error && (
        <div className="form-error" role="alert">
          {t('ledger.error')}: {error}
        </div>
      )}

      <div className="ledger-body" ref={body}>
        {narrow ? (
          <ul className="case-cards" data-testid="ledger-cards">
            {items.map((r) => (
              <li key={r.id} {...rowProps(r)}>
                <div className="card-head">
                  <b>{r.caseNo}</b>
                  {r.locationPending && <PendingBadge />}
                  <StatusPill status={r.status} />
                </div>
                <div className="card-line">
                  {r.adminName} · {label('caseUse', r.use)} · {label('caseSource', r.source)}
                </div>
                <div className="card-line">
                  {t('ledger.col.found')} {fmtDate(r.foundAt)} · {t('ledger.col.deadline')} {fmtDate(r.deadline)}
                </div>
                <div className="card-line">
                  {fmtArea(r.landAreaM2)} / {fmtArea(r.floorAreaM2)} ㎡ <OverdueBadges overdue={r.overdue} />
                </div>
                <button type="button" className="open-case" onClick={(e) => (e.stopPropagation(), onOpen(r.id))} data-testid="open-case">
                  {t('ledger.open')}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <table className="ledger-table" data-testid="ledger-table">
            <thead>
              <tr>
                {header('caseNo', t('ledger.col.caseNo'))}
                {header('village', t('ledger.col.village'))}
                {header('status', t('ledger.col.status'))}
                {header('overdue', t('ledger.col.overdue'))}
                {header('use', t('ledger.col.use'))}
                {header('source', t('ledger.col.source'))}
                {header('found', t('ledger.col.found'))}
                {header('deadline', t('ledger.col.deadline'))}
                {header('landArea', t('ledger.col.landArea'), true)}
                {header('floorArea', t('ledger.col.floorArea'), true)}
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} {...rowProps(r)}>
                  <td className="case-no">
                    {r.caseNo}
                    {r.locationPending && <PendingBadge />}
                  </td>
                  <td>{r.adminName}</td>
                  <td>
                    <StatusPill status={r.status} />
                  </td>
                  <td>
                    <OverdueBadges overdue={r.overdue} />
                  </td>
                  <td>{label('caseUse', r.use)}</td>
                  <td>{label('caseSource', r.source)}</td>
                  <td>{fmtDate(r.foundAt)}</td>
                  <td>{fmtDate(r.deadline)}</td>
                  <td className="num">{fmtArea(r.landAreaM2)}</td>
                  <td className="num">{fmtArea(r.floorAreaM2)}</td>
                  <td>
                    <button type="button" className="open-case" onClick={(e) => (e.stopPropagation(), onOpen(r.id))} data-testid="open-case">
                      {t('ledger.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
            {data && (
              <tfoot>
                <tr data-testid="ledger-totals">
                  <td colSpan={8}>{t('ledger.totals', { n: total })}</td>
                  <td className="num" data-testid="total-land">
                    {fmtArea(data.totals.landAreaM2)}
                  </td>
                  <td className="num" data-testid="total-floor">
                    {fmtArea(data.totals.floorAreaM2)}
                  </td>
                  <td />
                </tr>
              </tfoot>
            )}
          </table>
        )}
        {state === 'ok' && items.length === 0 && <p className="empty">{t('ledger.empty')}</p>}
        {state === 'loading' && !data && <p className="empty">{t('ledger.loading')}</p>}
      </div>

      <div className="ledger-foot">
        <span className="io-bar">
          <LedgerExportMenu filter={filter} total={total} />
          {canImport && (
            <button type="button" className="link-button" onClick={() => setImporting(true)} data-testid="ledger-import-open">
              {t('ledgerIo.import')}
            </button>
          )}
        </span>
        {importing && (
          <LedgerImportDialog
            onClose={() => setImporting(false)}
            onImported={() => {
              setPage({ offset: 0 })
              onImported()
            }}
          />
        )}
        {data && (
          <span className="totals-line" data-testid="ledger-totals-line">
            {narrow && `${t('ledger.totals', { n: total })}：${fmtArea(data.totals.landAreaM2)} / ${fmtArea(data.totals.floorAreaM2)} ㎡；`}
            {t('ledger.totalsDone', {
              land: fmtArea(data.totals.demolishedLandAreaM2),
              floor: fmtArea(data.totals.demolishedFloorAreaM2),
              green: fmtArea(data.totals.regreenedAreaM2),
            })}
          </span>
        )}
        <span className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} data-testid="page-prev">
            {t('ledger.prev')}
          </button>
          <span data-testid="ledger-count">
            {t('ledger.page', { from: total === 0 ? 0 : offset + 1, to: Math.min(offset + PAGE_SIZE, total), total })}
          </span>
          <button type="button" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)} data-testid="page-next">
            {t('ledger.next')}
          </button>
        </span>
      </div>
    </section>
  )
}
