// Key villages (重点村): the villages meeting a criterion of the action plan, each with the reason
// in words, outlined on the map while the list is open.
import { useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import { listKeyVillages, type KeyVillage } from '../analysis-api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MapView } from '../map/map-view.ts'
import { fmtNumber } from './PlanningDraw.tsx'

export interface KeyVillagesPanelProps {
  mapView: MapView | null
  onUnit(code: string): void
  onSessionLost(): void
}

export function KeyVillagesPanel({ mapView, onUnit, onSessionLost }: KeyVillagesPanelProps) {
  const { t } = useI18n()
  const [threshold, setThreshold] = useState(5)
  const [items, setItems] = useState<KeyVillage[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (!(threshold > 0)) return
    const abort = new AbortController()
    listKeyVillages({ densityThreshold: threshold }, abort.signal).then(
      (r) => {
        if (abort.signal.aborted) return
        setItems(r.items)
        setError(null)
      },
      (e: unknown) => {
        if (abort.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setError(e instanceof Error ? e.message : String(e))
      },
    )
    return () => abort.abort()
  }, [threshold, onSessionLost])

  useEffect(() => {
    mapView?.setHighlight({ kind: 'keyVillages', collection: 'admin-units', ids: (items ?? []).map((v) => v.code) })
  }, [mapView, items])
  useEffect(() => () => mapView?.setHighlight({ kind: 'keyVillages', collection: 'admin-units', ids: [] }), [mapView])

  return (
    <section className="plan-key-villages" data-testid="key-villages" data-state={error ? 'error' : items ? 'ok' : 'loading'} data-count={items?.length ?? 0}>
      <label className="plan-year">
        {t('plan.kv.threshold')}
        <input type="number" min="0.1" step="0.5" value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="kv-threshold" />
      </label>
      <p className="plan-hint">{t('plan.kv.hint')}</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {items && <p className="totals-line">{t('plan.kv.count', { n: items.length })}</p>}
      <ul className="plan-kv-items">
        {(items ?? []).map((v) => (
          <li key={v.code} data-testid="key-village" data-code={v.code}>
            <div className="plan-kv-head">
              <button type="button" className="link-button" onClick={() => onUnit(v.code)}>
                {v.name}
              </button>
              <span className="plan-zone-meta">{v.townName}</span>
              {v.designated && <span className="plan-badge">{t('plan.kv.designated')}</span>}
            </div>
            <div className="plan-zone-meta">
              {t('plan.kv.figures', {
                cases: v.caseCount,
                density: fmtNumber(v.caseDensityPerKm2),
                reg: v.registeredPopulation ?? '—',
                flo: v.floatingPopulation ?? '—',
              })}
            </div>
            <ul className="plan-kv-reasons">
              {v.reasons.map((r) => (
                <li key={r.code} data-reason={r.code}>
                  {r.detail}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  )
}
