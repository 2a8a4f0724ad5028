// The patch list (卫片图斑): a batch chooser with its progress, filters (status, result, screening
// flags, overdue, mine), a sortable paged table (cards on a phone) in sync with the map, and the
// way to the batch dashboard and the import wizard.
import { useEffect, useRef, useState } from 'react'
import { ApiError } from '../api.ts'
import { fmtArea } from '../format.ts'
import { useNarrow } from '../hooks/use-narrow.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { listPatches, SCREENING_FLAGS, type BatchSummary, type DetectionList, type DetectionListRow, type PatchFilter } from '../patches-api.ts'
import { detectionFallback, detectionResultColors, detectionStatusColors, overdueColor } from '../theme/colors.ts'
import { DETECTION_RESULTS, DETECTION_STATUSES, isOneOf } from '../codes.ts'
import './patches.css'

export const PATCH_PAGE = 50

export function PatchPill({ status, result }: { status: string; result: string | null }) {
  const { label } = useI18n()
  const color = result && isOneOf(DETECTION_RESULTS, result) ? detectionResultColors[result] : isOneOf(DETECTION_STATUSES, status) ? detectionStatusColors[status] : detectionFallback
  return (
    <span className="status-pill" style={{ background: color }} data-status={status} data-result={result ?? ''}>
      {result ? label('detectionResult', result) : label('detectionStatus', status)}
    </span>
  )
}

export function FlagChips({ flags }: { flags: readonly string[] }) {
  const { t } = useI18n()
  return (
    <>
      {flags.map((f) => (
        <span key={f} className={`flag-chip flag-${f}`} data-flag={f}>
          {t(`patch.flag.${f}` as MessageKey)}
        </span>
      ))}
    </>
  )
}

export interface PatchesPanelProps {
  batches: BatchSummary[]
  batchId: number | null
  onBatch(id: number): void
  selectedId: number | null
  refreshKey: number
  canImport: boolean
  onSelect(row: DetectionListRow): void
  onOpen(id: number): void
  onDashboard(): void
  onImport(): void
  onItems?(items: readonly DetectionListRow[]): void
  onSessionLost(): void
}

export function PatchesPanel({ batches, batchId, onBatch, selectedId, refreshKey, canImport, onSelect, onOpen, onDashboard, onImport, onItems, onSessionLost }: PatchesPanelProps) {
  const { t, label } = useI18n()
  const narrow = useNarrow()
  const [filter, setFilter] = useState<PatchFilter>({})
  const [sort, setSort] = useState('patch_no')
  const [offset, setOffset] = useState(0)
  const [data, setData] = useState<DetectionList | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const body = useRef<HTMLDivElement>(null)
  const batch = batches.find((b) => b.id === batchId) ?? null

  useEffect(() => {
    if (batchId === null) return
    const ctl = new AbortController()
    setLoading(true)
    listPatches({ ...filter, batch: batchId, sort, limit: PATCH_PAGE, offset }, ctl.signal)
      .then((d) => {
        setData(d)
        setError(null)
        onItems?.(d.items)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setError(e instanceof Error ? e.message : String(e))
      })
      .finally(() => !ctl.signal.aborted && setLoading(false))
    return () => ctl.abort()
  }, [batchId, filter, sort, offset, refreshKey, onItems, onSessionLost])

  // The row chosen on the map scrolls into view.
  useEffect(() => {
    if (selectedId === null) return
    body.current?.querySelector(`[data-id="${selectedId}"]`)?.scrollIntoView({ block: 'nearest' })
  }, [selectedId, data])

  const update = (next: Partial<PatchFilter>) => {
    setFilter((f) => ({ ...f, ...next }))
    setOffset(0)
  }
  const toggle = (key: 'status' | 'result' | 'flags', v: string) => {
    const cur = filter[key] ?? []
    update({ [key]: cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v] })
  }
  const sortBy = (key: string) => setSort((s) => (s === key ? `-${key}` : key))
  const items = data?.items ?? []
  const c = batch?.counts
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`)

  return (
    <section className="ledger patches" aria-label={t('patch.title')} data-testid="patches" data-total={data?.total ?? ''} data-loading={loading}>
      <div className="patch-batch">
        <label className="filter">
          <span>{t('patch.batch')}</span>
          <select value={batchId ?? ''} onChange={(e) => onBatch(Number(e.target.value))} data-testid="batch-select">
            {batches.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <div className="patch-actions">
          <button type="button" onClick={onDashboard} disabled={!batch} data-testid="open-dashboard">
            {t('patch.dashboard')}
          </button>
          {canImport && (
            <button type="button" className="primary" onClick={onImport} data-testid="open-import">
              {t('patch.import')}
            </button>
          )}
        </div>
        {batch && c && (
          <div className="batch-progress" data-testid="batch-progress">
            <div className="bar" aria-hidden="true">
              <span style={{ width: `${(c.verificationRate ?? 0) * 100}%` }} />
            </div>
            <small>
              {t('patch.progress', { verified: c.verified, total: c.total, rate: pct(c.verificationRate) })}
              {batch.deadline && ` · ${t('patch.deadline')} ${batch.deadline}`}
              {c.overdue > 0 && (
                <b style={{ color: overdueColor }}> · {t('patch.overdueCount', { n: c.overdue })}</b>
              )}
            </small>
          </div>
        )}
      </div>
      <div className="ledger-filters" role="search">
        {(
          [
            ['status', DETECTION_STATUSES, 'detectionStatus'],
            ['result', DETECTION_RESULTS, 'detectionResult'],
          ] as const
        ).map(([key, values, domain]) => (
          <details key={key} className="filter multi" data-testid={`filter-${key}`}>
            <summary>
              <span>{t(`patch.filter.${key}` as MessageKey)}</span> <b>{filter[key]?.length ? filter[key]!.map((v) => label(domain, v)).join('、') : t('patch.all')}</b>
            </summary>
            <div className="multi-options">
              {values.map((v) => (
                <label key={v}>
                  <input type="checkbox" checked={filter[key]?.includes(v) ?? false} onChange={() => toggle(key, v)} data-testid={`filter-${key}-${v}`} /> {label(domain, v)}
                </label>
              ))}
            </div>
          </details>
        ))}
        <details className="filter multi" data-testid="filter-flags">
          <summary>
            <span>{t('patch.filter.flags')}</span> <b>{filter.flags?.length ? filter.flags.map((f) => t(`patch.flag.${f}` as MessageKey)).join('、') : t('patch.all')}</b>
          </summary>
          <div className="multi-options">
            {SCREENING_FLAGS.map((f) => (
              <label key={f}>
                <input type="checkbox" checked={filter.flags?.includes(f) ?? false} onChange={() => toggle('flags', f)} data-testid={`filter-flags-${f}`} /> {t(`patch.flag.${f}` as MessageKey)}
              </label>
            ))}
          </div>
        </details>
        <label className="filter check">
          <input type="checkbox" checked={filter.overdue ?? false} onChange={(e) => update({ overdue: e.target.checked || undefined })} data-testid="filter-overdue" /> {t('patch.filter.overdue')}
        </label>
        <label className="filter check">
          <input type="checkbox" checked={filter.mine ?? false} onChange={(e) => update({ mine: e.target.checked || undefined })} data-testid="filter-mine" /> {t('patch.filter.mine')}
        </label>
      </div>
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
      <div className="ledger-body" ref={body}>
        {narrow ? (
          <ul className="case-cards" data-testid="patch-cards">
            {items.map((r) => (
              <li key={r.id} data-id={r.id} className={r.id === selectedId ? 'selected' : undefined} onClick={() => onSelect(r)} data-testid="patch-row">
                <div className="card-head">
                  <b>{r.patchNo}</b> <PatchPill status={r.status} result={r.result} />
                </div>
                <div className="card-line">
                  {r.adminName} · {label('changeType', r.changeType)} · {fmtArea(r.areaM2)} ㎡
                </div>
                <div className="card-line">
                  <FlagChips flags={r.flags} />
                  {r.overdue && <span className="overdue-badge" style={{ borderColor: overdueColor, color: overdueColor }}>{t('patch.overdue')}</span>}
                </div>
                <button type="button" className="open-case" onClick={(e) => (e.stopPropagation(), onOpen(r.id))} data-testid="open-patch">
                  {t('patch.open')}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <table className="ledger-table" data-testid="patch-table">
            <thead>
              <tr>
                {(
                  [
                    ['patch_no', 'patch.col.no'],
                    ['admin_code', 'patch.col.village'],
                    [null, 'patch.col.change'],
                    ['area_m2', 'patch.col.area'],
                    ['status', 'patch.col.status'],
                    [null, 'patch.col.flags'],
                    [null, ''],
                  ] as const
                ).map(([key, text], i) => (
                  <th key={i} className={key === 'area_m2' ? 'num' : undefined}>
                    {key ? (
                      <button type="button" className="sort" onClick={() => sortBy(key)} data-testid={`sort-${key}`}>
                        {t(text as MessageKey)} {sort === key ? '▲' : sort === `-${key}` ? '▼' : ''}
                      </button>
                    ) : text ? (
                      t(text as MessageKey)
                    ) : null}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-id={r.id} className={r.id === selectedId ? 'selected' : undefined} onClick={() => onSelect(r)} onDoubleClick={() => onOpen(r.id)} data-testid="patch-row">
                  <td className="case-no">{r.patchNo}</td>
                  <td>{r.adminName}</td>
                  <td>{label('changeType', r.changeType)}</td>
                  <td className="num">{fmtArea(r.areaM2)}</td>
                  <td>
                    <PatchPill status={r.status} result={r.result} />
                    {r.overdue && <span className="overdue-badge" style={{ borderColor: overdueColor, color: overdueColor }}>{t('patch.overdue')}</span>}
                  </td>
                  <td>
                    <FlagChips flags={r.flags} />
                  </td>
                  <td>
                    <button type="button" className="open-case" onClick={(e) => (e.stopPropagation(), onOpen(r.id))} data-testid="open-patch">
                      {t('patch.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {data && items.length === 0 && <p className="empty">{t('patch.empty')}</p>}
      </div>
      {data && (
        <div className="ledger-foot">
          <span data-testid="patch-total">{t('patch.total', { n: data.total, verified: data.counts.verified })}</span>
          <span className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PATCH_PAGE))}>
              ‹
            </button>
            {data.total === 0 ? 0 : offset + 1}–{Math.min(offset + PATCH_PAGE, data.total)} / {data.total}
            <button type="button" disabled={offset + PATCH_PAGE >= data.total} onClick={() => setOffset(offset + PATCH_PAGE)}>
              ›
            </button>
          </span>
        </div>
      )}
    </section>
  )
}
