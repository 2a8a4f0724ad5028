// The coordinate readout under the map: the mouse position (or the map centre when the mouse is
// elsewhere) in CGCS2000 longitude/latitude and in the district's Gauss-Krüger zone (EPSG:4548),
// X northing and Y easting as Chinese surveying writes them, and the zoom.
import { useEffect, useState, useSyncExternalStore } from 'react'
import { useI18n } from '../i18n/i18n.tsx'

// proj4 (~150 kB) comes in its own chunk, fetched alongside MapLibre rather than inside it.
type Gk = typeof import('../geo/gk.ts')
let gkModule: Promise<Gk> | null = null
function useGk(): Gk | null {
  const [gk, setGk] = useState<Gk | null>(null)
  useEffect(() => {
    let live = true
    gkModule ??= import('../geo/gk.ts')
    void gkModule.then((m) => live && setGk(m))
    return () => {
      live = false
    }
  }, [])
  return gk
}

/** The mouse position, outside React state: it changes on every mouse move. */
export interface PointerStore {
  set(lngLat: [number, number] | null): void
  get(): [number, number] | null
  subscribe(listener: () => void): () => void
}

export function createPointerStore(): PointerStore {
  let value: [number, number] | null = null
  const listeners = new Set<() => void>()
  return {
    set(v) {
      value = v
      for (const l of listeners) l()
    },
    get: () => value,
    subscribe(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  }
}

export function CoordinateReadout({ store, center, zoom }: { store: PointerStore; center: [number, number] | null; zoom: number | null }) {
  const { t } = useI18n()
  const pointer = useSyncExternalStore(store.subscribe, store.get)
  const geo = useGk()
  const at = pointer ?? center
  if (!at || !geo) return null
  const { formatDegrees, formatMetres, GK_EPSG, toGaussKruger } = geo
  const [lon, lat] = at
  const gk = toGaussKruger(lon, lat)
  return (
    <div className="coords" data-testid="coords" data-source={pointer ? 'pointer' : 'center'}>
      {zoom !== null && (
        <span className="coords-zoom" data-testid="zoom">
          {t('map.zoom')} {zoom.toFixed(1)}
        </span>
      )}
      <span className="coords-group" title={t('coords.lonlat')}>
        <abbr title={t('coords.lonlat')}>CGCS2000</abbr>
        {t('coords.lon')} <b data-testid="coord-lon">{formatDegrees(lon)}</b>° {t('coords.lat')} <b data-testid="coord-lat">{formatDegrees(lat)}</b>°
      </span>
      <span className="coords-group" title={t('coords.gk')}>
        <abbr title={t('coords.gk')}>EPSG:{GK_EPSG}</abbr>
        {t('coords.x')} <b data-testid="coord-x">{formatMetres(gk.x)}</b> {t('coords.y')} <b data-testid="coord-y">{formatMetres(gk.y)}</b> m
      </span>
      {!pointer && <span className="coords-note">({t('coords.center')})</span>}
    </div>
  )
}
