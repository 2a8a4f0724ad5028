// The map screen: header, the synthetic-data notice, the map and the legend.
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, getMeta, type Meta, type User } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { defaultVisibility, type CaseStats, type LayerGroupId, type ViewState } from '../map/groups.ts'
import type { MapView } from '../map/map-view.ts'
import { Header } from './Header.tsx'
import { Legend } from './Legend.tsx'
import { MapPanel } from './MapPanel.tsx'

export interface MapScreenProps {
  user: User
  onLogout(): void
  /** The server said 401: the session expired. */
  onSessionLost(): void
}

export default function MapScreen({ user, onLogout, onSessionLost }: MapScreenProps) {
  const { t } = useI18n()
  const [meta, setMeta] = useState<Meta | null>(null)
  const [metaError, setMetaError] = useState<string | null>(null)
  const [stats, setStats] = useState<CaseStats | null>(null)
  const [zoom, setZoom] = useState<number | null>(null)
  const [visibility, setVisibility] = useState(defaultVisibility)
  const mapView = useRef<MapView | null>(null)

  useEffect(() => {
    let live = true
    getMeta()
      .then((m) => live && setMeta(m))
      .catch((e: unknown) => {
        if (!live) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setMetaError(e instanceof Error ? e.message : String(e))
      })
    return () => {
      live = false
    }
  }, [onSessionLost])

  const onIdle = useCallback((s: CaseStats, v: ViewState) => {
    setStats(s)
    setZoom(v.zoom)
  }, [])
  const onView = useCallback((v: ViewState) => setZoom(v.zoom), [])
  const onReady = useCallback((v: MapView | null) => {
    mapView.current = v
  }, [])
  const onToggle = useCallback((group: LayerGroupId, on: boolean) => {
    setVisibility((vis) => ({ ...vis, [group]: on }))
  }, [])

  return (
    <div className="app">
      <Header user={user} districtName={meta?.district?.name} onLogout={onLogout} />
      {meta?.sample?.synthetic && (
        <div className="notice" role="note" data-testid="synthetic-notice">
          {t('notice.synthetic')}
        </div>
      )}
      <main className="map-area">
        {metaError && (
          <div className="map-error" role="alert">
            {t('meta.error')}: {metaError}
          </div>
        )}
        {!meta && !metaError && (
          <div className="map-status" role="status">
            {t('map.loading')}
          </div>
        )}
        {meta && (
          <>
            <MapPanel
              meta={meta}
              visibility={visibility}
              onIdle={onIdle}
              onView={onView}
              onReady={onReady}
              onSessionLost={onSessionLost}
            />
            <Legend meta={meta} stats={stats} zoom={zoom} visibility={visibility} onToggle={onToggle} />
            <button type="button" className="reset-view" onClick={() => mapView.current?.fitDistrict()} data-testid="reset-view">
              {t('map.resetView')}
            </button>
          </>
        )}
      </main>
    </div>
  )
}
