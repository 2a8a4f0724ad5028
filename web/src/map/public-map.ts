// The public pages' map (举报 and 公示): the only public module that talks to maplibre-gl.
// A base map from the public tiles (public-style.ts: /api/public/tiles/{layer}/{z}/{x}/{y}: admin units, roads,
// waters; the signed-in /ogc tiles answer 401 to a visitor), drawn with the staff map's layers
// (base-layers.ts), town and village names placed once per unit (labels.ts), plus two overlays:
// the reporter's chosen point, and the published cases' generalised points with their counts.
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl, type GeoJSONSource } from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import { createPlaceLabels } from './view/place-labels.ts'
import { createReadiness } from './view/ready.ts'
import { EMPTY, PICK_SOURCE, POINTS_SOURCE, publicStyle, type Bbox } from './public-style.ts'
import { expandBbox } from '../geo/expand-bbox.ts'

setWorkerUrl(workerUrl)

/** A generalised point of the published ledger: how many cases share the grid cell. */
export interface CountedPoint {
  lon: number
  lat: number
  count: number
}

export interface PublicMap {
  /** The reporter's point (null: none). */
  setMarker(point: readonly [number, number] | null): void
  setPoints(points: readonly CountedPoint[]): void
  /** Ease to the point, zoomed in to at least `zoom`; `gentle`: only when zoomed out further than 12.5
   *  (a tap at the district's scale is refined close up; a tap close up leaves the map where it is). */
  flyTo(point: readonly [number, number], zoom?: number, gentle?: boolean): void
  fitBounds(bbox: Bbox, maxZoom?: number): void
  resize(): void
  destroy(): void
}

export interface PublicMapOptions {
  container: HTMLElement
  /** The district's bbox: the map opens on it and stays near it. */
  bbox: Bbox
  /** A tap or click on the map. */
  onPick?(lon: number, lat: number): void
  /** Every time rendering settles. */
  onIdle?(): void
  /** After every move: the view, for the page to expose to tests. */
  onView?(view: { zoom: number; lon: number; lat: number }): void
  /** Texts MapLibre shows itself (the "two fingers" hint), in the page's language. */
  locale?: Record<string, string>
  /** The phone gesture rule: one finger scrolls the page, two move the map. */
  cooperative?: boolean
}

export function createPublicMap(opts: PublicMapOptions): PublicMap {
  const { bbox } = opts
  const map = new MapLibreMap({
    container: opts.container,
    style: publicStyle(window.location.origin, bbox),
    bounds: [
      [bbox[0], bbox[1]],
      [bbox[2], bbox[3]],
    ],
    fitBoundsOptions: { padding: 16 },
    maxBounds: expandBbox(bbox, 0.6),
    minZoom: 7,
    maxZoom: 18,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    renderWorldCopies: false,
    cooperativeGestures: opts.cooperative ?? false,
    ...(opts.locale ? { locale: opts.locale } : {}),
  })
  map.touchZoomRotate.disableRotation()
  map.keyboard.disableRotation()
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right')
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left')

  let destroyed = false
  const { whenReady } = createReadiness(map)
  // place names: one point per town and village from the tile pieces loaded so far (as the staff map)
  const labels = createPlaceLabels(map, () => destroyed)

  map.on('click', (e) => opts.onPick?.(e.lngLat.lng, e.lngLat.lat))
  map.on('idle', () => opts.onIdle?.())
  const reportView = () => {
    const c = map.getCenter()
    opts.onView?.({ zoom: map.getZoom(), lon: c.lng, lat: c.lat })
  }
  map.on('moveend', reportView)
  map.once('load', reportView)

  return {
    setMarker(point) {
      whenReady(() =>
        map.getSource<GeoJSONSource>(PICK_SOURCE)?.setData(
          point ? { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [point[0], point[1]] } }] } : EMPTY,
        ),
      )
    },
    setPoints(points) {
      whenReady(() =>
        map.getSource<GeoJSONSource>(POINTS_SOURCE)?.setData({
          type: 'FeatureCollection',
          features: points.map((p) => ({ type: 'Feature', properties: { count: p.count }, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } })),
        }),
      )
    },
    flyTo(point, zoom, gentle) {
      if (gentle && map.getZoom() >= 12.5) return
      map.easeTo({ center: [point[0], point[1]], zoom: Math.max(map.getZoom(), zoom ?? 15), duration: 600 })
    },
    fitBounds(b, maxZoom = 15) {
      map.fitBounds(
        [
          [b[0], b[1]],
          [b[2], b[3]],
        ],
        { padding: 30, maxZoom, duration: 0 },
      )
    },
    resize() {
      map.resize()
    },
    destroy() {
      destroyed = true
      labels.destroy()
      map.remove()
    },
  }
}
