// A batch's dashboard: counts by result, verification rate, overdue against the deadline and the
// false-change rate, for the batch and per town (a town opens to its villages); exports of the
// results in the format the batch came in, any other, or XLSX.
import { Fragment, useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import { fmtArea } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { EXPORT_FORMATS, exportUrl, getDashboard, rescreenBatch, type BatchDashboard as Dashboard, type DetectionCounts } from '../patches-api.ts'
import { BatchSettings } from './BatchSettings.tsx'
import { detectionResultColors, detectionStatusColors, overdueColor } from '../theme/colors.ts'

export interface BatchDashboardProps {
  batchId: number
  refreshKey: number
  /** admin / planner: the batch's deadline and imagery can be edited here. */
  canEdit?: boolean
  /** The batch was edited (imagery, deadline). */
  onBatchChanged?(): void
  onBack(): void
  /** Show this admin unit's patches in the list. */
  onFilterAdmin?(code: string): void
  onSessionLost(): void
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`)

function Bar({ c }: { c: DetectionCounts }) {
  const seg = (n: number, color: string, key: string) => (n > 0 ? <span key={key} style={{ flexGrow: n, background: color }} /> : null)
  return (
    <span className="result-bar" aria-hidden="true">
      {seg(c.violation, detectionResultColors.violation, 'v')}
      {seg(c.legal, detectionResultColors.legal, 'l')}
      {seg(c.falseChange, detectionResultColors.false_change, 'f')}
      {seg(c.assigned, detectionStatusColors.assigned, 'a')}
      {seg(c.pending, detectionStatusColors.pending, 'p')}
    </span>
  )
}

function Cells({ c }: { c: DetectionCounts }) {
  return (
    <>
      <td className="num">{c.total}</td>
      <td className="num">{c.violation}</td>
      <td className="num">{c.legal}</td>
      <td className="num">{c.falseChange}</td>
      <td className="num">{c.pending + c.assigned}</td>
      <td className="num">{pct(c.verificationRate)}</td>
      <td className="num" style={c.overdue > 0 ? { color: overdueColor, fontWeight: 600 } : undefined}>
        {c.overdue}
      </td>
      <td className="num">{pct(c.falseChangeRate)}</td>
      <td>
        <Bar c={c} />
      </td>
    </>
  )
}

const COLS: MessageKey[] = ['pdash.total', 'pdash.violation', 'pdash.legal', 'pdash.falseChange', 'pdash.open', 'pdash.verificationRate', 'pdash.overdue', 'pdash.falseChangeRate', 'pdash.bar']

/** 重新筛查: the screening is a snapshot of what was known; after new cases or parcels, run it again. */
function RescreenButton({ batchId, onSessionLost }: { batchId: number; onSessionLost(): void }) {
  const { t } = useI18n()
  const [state, setState] = useState<'idle' | 'sent' | 'error'>('idle')
  return (
    <button
      type="button"
      className="button"
      disabled={state === 'sent'}
      title={t('pdash.rescreenHint')}
      onClick={() => {
        rescreenBatch(batchId)
          .then(() => setState('sent'))
          .catch((e: unknown) => (e instanceof ApiError && e.status === 401 ? onSessionLost() : setState('error')))
      }}
      data-testid="rescreen"
      data-state={state}
    >
      {state === 'sent' ? t('pdash.rescreenSent') : state === 'error' ? t('pdash.rescreenFailed') : t('pdash.rescreen')}
    </button>
  )
}

export function BatchDashboard({ batchId, refreshKey, canEdit, onBatchChanged, onBack, onFilterAdmin, onSessionLost }: BatchDashboardProps) {
  const { t } = useI18n()
  const [d, setD] = useState<Dashboard | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<Set<string>>(new Set())
  const [reload, setReload] = useState(0)
  useEffect(() => {
    const ctl = new AbortController()
    getDashboard(batchId, ctl.signal)
      .then(setD)
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setError(e instanceof Error ? e.message : String(e))
      })
    return () => ctl.abort()
  }, [batchId, refreshKey, reload, onSessionLost])
  if (error) return <div className="form-error" role="alert">{error}</div>
  if (!d) return <p className="empty">{t('patch.loading')}</p>
  const b = d.batch
  const tot = d.totals
  const toggle = (code: string) => setOpen((s) => (s.has(code) ? new Set([...s].filter((c) => c !== code)) : new Set([...s, code])))
  return (
    <section className="batch-dashboard" data-testid="batch-dashboard">
      <div className="case-head">
        <button type="button" className="link-button" onClick={onBack} data-testid="dashboard-back">
          ‹ {t('patch.back')}
        </button>
        <h3>{b.name}</h3>
      </div>
      <p className="muted">
        {t(`issuer.${b.issuer}` as MessageKey)} · {t('patch.before')} {b.beforeDate} · {t('patch.after')} {b.afterDate} · {t('patch.deadline')} {b.deadline ?? '—'}
        {b.sourceFormat && ` · ${t('pdash.source')} ${b.sourceFormat.toUpperCase()} ${b.sourceCrs ?? ''}`}
      </p>
      <div className="kpis">
        {(
          [
            ['pdash.total', String(tot.total)],
            ['pdash.verificationRate', pct(tot.verificationRate)],
            ['pdash.violation', String(tot.violation)],
            ['pdash.falseChangeRate', pct(tot.falseChangeRate)],
            ['pdash.overdue', String(tot.overdue)],
            ['pdash.area', `${fmtArea(tot.areaM2)} ㎡`],
          ] as const
        ).map(([k, v]) => (
          <div key={k} className="kpi" data-testid={`kpi-${k.slice(6)}`}>
            <b>{v}</b>
            <span>{t(k)}</span>
          </div>
        ))}
      </div>
      {canEdit && (
        <BatchSettings
          key={b.version}
          batch={b}
          onSaved={() => {
            setReload((r) => r + 1)
            onBatchChanged?.()
          }}
          onReload={() => setReload((r) => r + 1)}
        />
      )}
      <div className="exports">
        {canEdit && <RescreenButton batchId={b.id} onSessionLost={onSessionLost} />}
        <a className="button primary" href={exportUrl(b.id)} download data-testid="export-source">
          {t('pdash.exportSource', { format: (b.sourceFormat ?? 'geojson').toUpperCase() })}
        </a>
        <a className="button" href={exportUrl(b.id, 'xlsx')} download data-testid="export-xlsx">
          {t('pdash.exportXlsx')}
        </a>
        <details className="filter multi">
          <summary>{t('pdash.exportOther')}</summary>
          <div className="multi-options">
            {EXPORT_FORMATS.filter((f) => f !== 'xlsx').map((f) => (
              <a key={f} href={exportUrl(b.id, f)} download data-testid={`export-${f}`}>
                {f.toUpperCase()}
              </a>
            ))}
          </div>
        </details>
      </div>
      <div className="ledger-body">
        <table className="ledger-table dash-table" data-testid="dash-table">
          <thead>
            <tr>
              <th>{t('pdash.unit')}</th>
              {COLS.map((c) => (
                <th key={c} className={c === 'pdash.bar' ? undefined : 'num'}>
                  {t(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {d.towns.map((town) => (
              <Fragment key={town.code}>
                <tr className="town-row" data-testid="dash-town" data-code={town.code}>
                  <td>
                    <button type="button" className="link-button" onClick={() => toggle(town.code)} aria-expanded={open.has(town.code)}>
                      {open.has(town.code) ? '▾' : '▸'} {town.name}
                    </button>
                    {onFilterAdmin && (
                      <button type="button" className="link-button small" onClick={() => onFilterAdmin(town.code)}>
                        {t('pdash.showOnMap')}
                      </button>
                    )}
                  </td>
                  <Cells c={town} />
                </tr>
                {open.has(town.code) &&
                  d.villages
                    .filter((v) => v.townCode === town.code)
                    .map((v) => (
                      <tr key={v.code} className="village-row" data-testid="dash-village">
                        <td className="indent">{v.name}</td>
                        <Cells c={v} />
                      </tr>
                    ))}
              </Fragment>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td>{t('pdash.totalRow')}</td>
              <Cells c={tot} />
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  )
}
