// Annual targets per admin unit (年度目标): target, achieved, carried in from last year's surplus
// (超额完成计入下一年度), progress in %, and the dated milestones, met or not.
import { useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import { listTargets, TARGET_FIGURES, type TargetFigure, type TargetItem } from '../analysis-api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { fmtNumber } from './PlanningDraw.tsx'

export interface TargetsPanelProps {
  year: number
  onYear(year: number): void
  onSessionLost(): void
  /** Fly to / outline a unit on the map. */
  onUnit?(code: string): void
}

const fmtFigure = (f: TargetFigure, v: number | null | undefined) => (v === null || v === undefined ? '—' : fmtNumber(v, f === 'casesClosed' ? 0 : 2))

export function TargetsPanel({ year, onYear, onSessionLost, onUnit }: TargetsPanelProps) {
  const { t } = useI18n()
  const [items, setItems] = useState<TargetItem[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [none, setNone] = useState(false)

  useEffect(() => {
    const abort = new AbortController()
    setItems(null)
    setError(null)
    setNone(false)
    listTargets({ year }, abort.signal).then(
      (x) => !abort.signal.aborted && setItems(x),
      (e: unknown) => {
        if (abort.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else if (e instanceof ApiError && e.status === 404) setNone(true)
        else setError(e instanceof Error ? e.message : String(e))
      },
    )
    return () => abort.abort()
  }, [year, onSessionLost])

  const state = error ? 'error' : none ? 'empty' : items ? 'ok' : 'loading'
  return (
    <section className="plan-targets-panel" data-testid="targets" data-state={state}>
      <label className="plan-year">
        {t('plan.targets.year')}
        <input type="number" min="2000" max="2100" value={year} onChange={(e) => onYear(Number(e.target.value))} data-testid="targets-year" />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {none && <p className="empty">{t('plan.targets.none', { year })}</p>}
      {(items ?? []).map((it) => (
        <article key={it.adminCode} className="plan-target" data-testid="target-item" data-admin={it.adminCode}>
          <header>
            <button type="button" className="link-button" onClick={() => onUnit?.(it.adminCode)}>
              {it.name}
            </button>
            <span className="plan-badge">{t(`plan.level.${it.level}`)}</span>
          </header>
          <table className="plan-table">
            <thead>
              <tr>
                <th />
                <th className="num">{t('plan.targets.target')}</th>
                <th className="num">{t('plan.targets.achieved')}</th>
                <th className="num">{t('plan.targets.carriedIn')}</th>
                <th>{t('plan.targets.progress')}</th>
              </tr>
            </thead>
            <tbody>
              {TARGET_FIGURES.filter((f) => it.target[f] != null).map((f) => {
                const p = it.progress[f] ?? 0
                return (
                  <tr key={f} data-testid="target-figure" data-figure={f} data-progress={p}>
                    <th>{t(`plan.target.${f}`)}</th>
                    <td className="num">{fmtFigure(f, it.target[f])}</td>
                    <td className="num">{fmtFigure(f, it.achieved[f])}</td>
                    <td className="num">{fmtFigure(f, it.carriedIn[f])}</td>
                    <td>
                      <span className="plan-progress" title={`${p}%`}>
                        <span className={p >= 100 ? 'done' : undefined} style={{ width: `${Math.min(100, Math.max(0, p))}%` }} />
                      </span>
                      <span className="plan-progress-text">{fmtNumber(p)}%</span>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          {TARGET_FIGURES.some((f) => (it.carriedOut[f] ?? 0) > 0) && (
            <p className="plan-carry" data-testid="target-carry-out">
              {t('plan.targets.carriedOut')}:{' '}
              {TARGET_FIGURES.filter((f) => (it.carriedOut[f] ?? 0) > 0)
                .map((f) => `${t(`plan.target.${f}`)} ${fmtFigure(f, it.carriedOut[f])}`)
                .join('，')}
            </p>
          )}
          {it.milestones.length > 0 && (
            <ul className="plan-milestones">
              {it.milestones.map((m) => (
                <li key={m.date} data-testid="milestone" data-met={String(m.met)} className={m.met === true ? 'met' : m.met === false ? 'missed' : 'pending'}>
                  <span>{m.date}</span>
                  <span>{t('plan.targets.share', { share: Math.round(m.share * 100) })}</span>
                  <span>{m.met === true ? t('plan.targets.met') : m.met === false ? t('plan.targets.missed') : t('plan.targets.pending')}</span>
                </li>
              ))}
            </ul>
          )}
        </article>
      ))}
    </section>
  )
}
