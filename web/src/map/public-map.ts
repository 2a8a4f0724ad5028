// The public pages' map (举报 and 公示): the only public module that talks to maplibre-gl.
// A base map from the public tiles (/api/public/tiles/{layer}/{z}/{x}/{y}: admin units, roads,
// waters; the signed-in /ogc tiles answer 401 to a visitor), drawn with the staff map's layers
// (base-layers.ts), town and village names placed once per unit (labels.ts), plus two overlays:
// the reporter's chosen point, and the published cases' generalised points with their counts.
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl, type GeoJSONSource, type LayerSpecification, type StyleSpecification } from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import { createPlaceLabels } from './view/place-labels.ts'
import { createReadiness } from './view/ready.ts'
import { ADMIN_LEVELS, adminFill, adminLines, isLine, LABEL_FONTS, LABEL_SOURCE, placeLabels, ringRoad, roadCasing, roadLine, waterFill, widthByZoom } from './base-layers.ts'
import { expandBbox } from '../geo/expand-bbox.ts'
import { mapBackground, waterColors } from '../theme/colors.ts'

setWorkerUrl(workerUrl)

type Bbox = readonly [number, number, number, number]

export const PUBLIC_TILE_LAYERS = ['admin-units', 'waters', 'roads'] as const

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

const PICK_SOURCE = 'pick'
const POINTS_SOURCE = 'disclosed'
const EMPTY = { type: 'FeatureCollection' as const, features: [] }

/** The public base map style: tile URLs made absolute (they are fetched from a worker). */
export function publicStyle(origin: string, bbox: Bbox): StyleSpecification {
  const base = origin.replace(/\/$/, '')
  const vector = (layer: string) => ({
    type: 'vector' as const,
    tiles: [`${base}/api/public/tiles/${layer}/{z}/{x}/{y}`],
    maxzoom: 16,
    bounds: [...bbox] as [number, number, number, number],
    ...(layer === 'admin-units' ? { promoteId: 'code' } : {}),
  })
  // The staff map's ground, waters, roads, boundaries and place names, simpler where a visitor
  // needs less: one width for every road class, rivers and streams in one layer.
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': mapBackground } },
    ...ADMIN_LEVELS.map((l) => adminFill(l)),
    waterFill(),
    {
      id: 'waters-line',
      type: 'line',
      source: 'waters',
      'source-layer': 'waters',
      filter: isLine,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'kind'], 'river', waterColors.river, waterColors.stream],
        'line-width': ['interpolate', ['exponential', 1.5], ['zoom'], 9, ['match', ['get', 'kind'], 'river', 1.2, 0.6], 14, ['match', ['get', 'kind'], 'river', 3.5, 1.5]],
      },
    },
    roadCasing(widthByZoom([11, 2.5], [16, 8])),
    roadLine(widthByZoom([8, 0.6], [12, 1.8], [16, 6])),
    ringRoad(),
    ...adminLines(),
    ...placeLabels(12),
    // the published cases: one circle per grid cell, sized by how many share it
    {
      id: 'disclosed-circle',
      type: 'circle',
      source: POINTS_SOURCE,
      paint: {
        'circle-color': '#b02a30',
        'circle-opacity': 0.8,
        'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 6, 10, 12, 50, 18],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'disclosed-count',
      type: 'symbol',
      source: POINTS_SOURCE,
      filter: ['>', ['get', 'count'], 1],
      layout: { 'text-field': ['to-string', ['get', 'count']], 'text-font': LABEL_FONTS, 'text-size': 11, 'text-allow-overlap': true },
      paint: { 'text-color': '#ffffff' },
    },
    // the reporter's point: a red dot with a white ring, over everything
    {
      id: 'pick-halo',
      type: 'circle',
      source: PICK_SOURCE,
      paint: { 'circle-color': '#b02a30', 'circle-opacity': 0.18, 'circle-radius': 22 },
    },
    {
      id: 'pick-dot',
      type: 'circle',
      source: PICK_SOURCE,
      paint: { 'circle-color': '#b02a30', 'circle-radius': 9, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
    },
  ]
  return {
    version: 8,
    name: 'chaiwei-public',
    // no glyphs, no sprite: labels in the browser's own fonts, nothing fetched from elsewhere
    sources: {
      'admin-units': vector('admin-units'),
      waters: vector('waters'),
      roads: vector('roads'),
      [LABEL_SOURCE]: { type: 'geojson', data: EMPTY },
      [POINTS_SOURCE]: { type: 'geojson', data: EMPTY },
      [PICK_SOURCE]: { type: 'geojson', data: EMPTY },
    },
    layers,
  }
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
