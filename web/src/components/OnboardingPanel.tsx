// The reference-data view (administrators): what the district has loaded and what it still lacks
// (GET /api/onboarding/status), an 导入 button per layer that opens the import wizard, and the
// history of loads, newest first. See docs/onboarding.md for the order a new district follows.
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../api.ts'
import { fmtDateTime } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import {
  getOnboardingStatus, listLayerLoads, problemMessage, type LayerKey, type LayerLoad, type OnboardingStatus,
} from '../onboarding-api.ts'
import { LayerImportWizard } from './LayerImportWizard.tsx'
import './patches.css'
import './onboarding.css'

export interface OnboardingPanelProps {
  /** The admin-unit tiles for the wizard's preview map (null before a district exists). */
  adminTiles: string | null
  /** A layer was written: the map's tiles for it (and the district, after admin units) change. */
  onLoaded(layer: LayerKey): void
  onOpenLedger(): void
  onSessionLost(): void
}

export function OnboardingPanel({ adminTiles, onLoaded, onOpenLedger, onSessionLost }: OnboardingPanelProps) {
  const { t, lang } = useI18n()
  const [status, setStatus] = useState<OnboardingStatus | null>(null)
  const [loads, setLoads] = useState<LayerLoad[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [importing, setImporting] = useState<LayerKey | null>(null)
  const [refreshKey, setRefreshKey] = useState(0)

  useEffect(() => {
    const ctl = new AbortController()
    Promise.all([getOnboardingStatus(ctl.signal), listLayerLoads(50, ctl.signal)])
      .then(([s, l]) => {
        setStatus(s)
        setLoads(l)
        setError(null)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        setError(problemMessage(e, lang))
      })
    return () => ctl.abort()
  }, [refreshKey, lang, onSessionLost])

  const onCommitted = useCallback(
    (layer: LayerKey) => {
      setRefreshKey((k) => k + 1)
      onLoaded(layer)
    },
    [onLoaded],
  )

  const who = (l: LayerLoad) => l.user.username ?? '—'
  const mode = (l: LayerLoad) => t(`ob.mode.${l.mode}`)

  if (importing) {
    return (
      <div className="onboarding" data-testid="onboarding" data-state="importing">
        <LayerImportWizard
          key={importing}
          layer={importing}
          adminTiles={adminTiles}
          onClose={() => {
            setImporting(null)
            setRefreshKey((k) => k + 1)
          }}
          onCommitted={onCommitted}
          onSessionLost={onSessionLost}
        />
      </div>
    )
  }

  return (
    <div className="onboarding" data-testid="onboarding" data-state={error ? 'error' : status ? 'ok' : 'loading'}>
      <h2>{t('ob.title')}</h2>
      <p className="muted">{t('ob.intro')}</p>
      {error && (
        <div className="form-error stale" role="alert">
          {t('ob.loadError')}：{error}
        </div>
      )}
      {status && (
        <>
          <p className="district-line" data-testid="onboarding-district" data-code={status.district?.code ?? ''}>
            {status.district ? (
              <>
                {t('ob.district')}：<b>{status.district.name}</b>（{status.district.code}）
              </>
            ) : (
              <span className="missing-note">{t('ob.noDistrict')}</span>
            )}
          </p>
          <h3>{t('ob.status')}</h3>
          <table className="ledger-table onboarding-status" data-testid="onboarding-status">
            <thead>
              <tr>
                <th>{t('ob.col.layer')}</th>
                <th className="num">{t('ob.col.count')}</th>
                <th>{t('ob.col.lastLoad')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {status.layers.map((l) => {
                const missing = status.missing.includes(l.layer)
                return (
                  <tr key={l.layer} data-testid={`status-${l.layer}`} data-count={l.count} data-missing={missing} className={missing ? 'missing' : undefined}>
                    <td>
                      {t(`ob.layer.${l.layer}`)}
                      {missing && <span className="missing-badge">{t('ob.missing')}</span>}
                    </td>
                    <td className="num">{l.count.toLocaleString()}</td>
                    <td className="last-load">
                      {l.lastLoad ? (
                        t('ob.lastLoad', { user: who(l.lastLoad), at: fmtDateTime(l.lastLoad.at), mode: mode(l.lastLoad), file: l.lastLoad.fileName })
                      ) : (
                        <span className="muted">{t('ob.never')}</span>
                      )}
                    </td>
                    <td>
                      <button type="button" className={missing ? 'primary' : undefined} onClick={() => setImporting(l.layer)} data-testid={`import-${l.layer}`}>
                        {t('ob.import')}
                      </button>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          <div className="cases-line" data-testid="onboarding-cases" data-cases={status.cases} data-pending={status.casesPendingLocation}>
            <p>
              {t('ob.cases', { n: status.cases.toLocaleString(), pending: status.casesPendingLocation.toLocaleString() })}{' '}
              <button type="button" className="link-button" onClick={onOpenLedger} data-testid="onboarding-open-ledger">
                {t('ob.openLedger')}
              </button>
            </p>
            <p className="muted">{t('ob.casesHint')}</p>
          </div>
        </>
      )}
      {loads && (
        <>
          <h3>{t('ob.history')}</h3>
          {loads.length === 0 ? (
            <p className="muted">{t('ob.noHistory')}</p>
          ) : (
            <table className="ledger-table onboarding-history" data-testid="onboarding-history">
              <thead>
                <tr>
                  <th>{t('ob.col.at')}</th>
                  <th>{t('ob.col.layer')}</th>
                  <th>{t('ob.col.file')}</th>
                  <th>{t('ob.col.mode')}</th>
                  <th>{t('ob.col.user')}</th>
                  <th className="num">{t('ob.col.counts')}</th>
                </tr>
              </thead>
              <tbody>
                {loads.map((l) => (
                  <tr key={l.id} data-testid="history-row" data-layer={l.layer} data-inserted={l.inserted}>
                    <td>{fmtDateTime(l.at)}</td>
                    <td>{t(`ob.layer.${l.layer}`)}</td>
                    <td className="file" title={[l.format, l.crs, l.encoding].filter(Boolean).join(' · ')}>
                      {l.fileName}
                    </td>
                    <td>{mode(l)}</td>
                    <td>{who(l)}</td>
                    <td className="num">
                      {l.inserted} / {l.updated} / {l.deleted} / {l.skipped}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  )
}
