// The MapLibre adapter: the only module of the app that talks to maplibre-gl. It creates the map
// from /api/meta, owns the style, switches layer groups, places the place-name labels, and
// reports what it drew (cases in view) when a render settles. Panels and React state use the
// MapView interface below and never see a MapLibre type.
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl, type GeoJSONSource, type MapGeoJSONFeature } from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
// The worker ships as its own self-contained module; without this MapLibre would look for it next
// to the bundled chunk, where Vite does not put it.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import type { Bbox, Meta } from '../api.ts'
import { LAYER_GROUPS, type CaseStats, type GroupVisibility, type LayerGroupId, type ViewState } from './groups.ts'
import { labelPoints, type LabelPoint, type UnitPiece } from './labels.ts'
import { buildStyle, CASE_LAYERS, LABEL_SOURCE } from './style.ts'

setWorkerUrl(workerUrl)

export interface MapViewOptions {
  container: HTMLElement
  meta: Meta
  visibility: GroupVisibility
  /** After every render that settled (all tiles loaded, no animation). */
  onIdle?(stats: CaseStats, view: ViewState): void
  /** When the camera stops moving. */
  onView?(view: ViewState): void
  /**
   * A source or style error (e.g. a tile request failed), once per distinct message; `status` is
   * the HTTP status when a request failed (401: the session has ended). A 404 tile is not an
   * error to MapLibre (it draws nothing there).
   */
  onError?(message: string, status?: number): void
  /** Room to keep free when fitting the district, e.g. for a legend over the map's left side. */
  fitPadding?: { top: number; right: number; bottom: number; left: number }
}

export interface MapView {
  setGroupVisible(group: LayerGroupId, visible: boolean): void
  /** Back to the whole district. */
  fitDistrict(animate?: boolean): void
  jumpTo(view: { center: [number, number]; zoom: number }): void
  /** Distinct cases (by id) drawn in the current viewport, by status. */
  caseStats(): CaseStats
  resize(): void
  destroy(): void
}

const ADMIN_SOURCE = 'admin-units'
const DEFAULT_PADDING = { top: 24, right: 24, bottom: 24, left: 24 }

function expand(b: Bbox, f: number): [[number, number], [number, number]] {
  const dx = (b[2] - b[0]) * f
  const dy = (b[3] - b[1]) * f
  return [
    [b[0] - dx, b[1] - dy],
    [b[2] + dx, b[3] + dy],
  ]
}

export function createMapView(opts: MapViewOptions): MapView {
  const { meta } = opts
  const { style, groups } = buildStyle(meta, window.location.origin)

  // Start with the user's layer choice already in the style, so nothing hidden is ever fetched.
  for (const layer of style.layers) {
    const group = LAYER_GROUPS.find((g) => groups[g.id].includes(layer.id))
    if (group && !opts.visibility[group.id]) {
      layer.layout = { ...(layer.layout ?? {}), visibility: 'none' } as typeof layer.layout
    }
  }

  // Without a district (an empty database) the map opens on Beijing and does nothing clever.
  const bbox: Bbox | null = meta.district?.bbox ?? null
  const padding = opts.fitPadding ?? DEFAULT_PADDING
  const map = new MapLibreMap({
    container: opts.container,
    style,
    ...(bbox
      ? {
          bounds: [
            [bbox[0], bbox[1]],
            [bbox[2], bbox[3]],
          ] as [[number, number], [number, number]],
          fitBoundsOptions: { padding },
          maxBounds: expand(bbox, 1),
        }
      : { center: [116.4, 39.9] as [number, number], zoom: 8 }),
    minZoom: 6,
    maxZoom: 19,
    // The view is kept in the URL (#map=zoom/lat/lon): links and reloads open where one was.
    // A hash present at start wins over fitting the district.
    hash: 'map',
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    // The sample's district is the only thing on the map; keep the world from wrapping around it.
    renderWorldCopies: false,
  })
  map.touchZoomRotate.disableRotation()
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right')
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right')

  let destroyed = false
  const view = (): ViewState => {
    const c = map.getCenter()
    return { zoom: map.getZoom(), center: [c.lng, c.lat] }
  }

  // --- cases in view -------------------------------------------------------------------------
  const caseStats = (): CaseStats => {
    const present = CASE_LAYERS.filter((id) => map.getLayer(id))
    const byStatus: Record<string, number> = {}
    if (present.length === 0) return { total: 0, byStatus }
    const seen = new Set<string>()
    let features: MapGeoJSONFeature[] = []
    try {
      features = map.queryRenderedFeatures({ layers: [...present] })
    } catch {
      return { total: 0, byStatus }
    }
    for (const f of features) {
      const p = f.properties as Record<string, unknown>
      const key = String(p['id'] ?? p['case_no'] ?? f.id ?? JSON.stringify(p))
      if (seen.has(key)) continue
      seen.add(key)
      const status = String(p['status'] ?? '')
      byStatus[status] = (byStatus[status] ?? 0) + 1
    }
    return { total: seen.size, byStatus }
  }

  // --- place-name labels ---------------------------------------------------------------------
  // Label positions are kept per unit and only replaced by one computed from more of the unit
  // (a larger summed area), so names don't jump while panning or zooming in.
  const labels = new Map<string, LabelPoint>()
  let labelTimer: ReturnType<typeof setTimeout> | undefined
  const updateLabels = () => {
    labelTimer = undefined
    if (destroyed || !map.getSource(ADMIN_SOURCE) || !map.getSource(LABEL_SOURCE)) return
    const pieces: UnitPiece[] = []
    for (const f of map.querySourceFeatures(ADMIN_SOURCE, {
      sourceLayer: ADMIN_SOURCE,
      filter: ['match', ['get', 'level'], ['town', 'village'], true, false],
    })) {
      const p = f.properties as Record<string, unknown>
      if (typeof p['code'] !== 'string' && typeof p['code'] !== 'number') continue
      pieces.push({
        code: String(p['code']),
        name: String(p['name'] ?? ''),
        level: String(p['level']),
        geometry: f.geometry as UnitPiece['geometry'],
      })
    }
    let changed = false
    for (const point of labelPoints(pieces)) {
      const old = labels.get(point.properties.code)
      if (!old || point.properties.area > old.properties.area * 1.01) {
        labels.set(point.properties.code, point)
        changed = true
      }
    }
    if (changed) {
      const source = map.getSource<GeoJSONSource>(LABEL_SOURCE)
      source?.setData({ type: 'FeatureCollection', features: [...labels.values()] })
    }
  }
  const scheduleLabels = () => {
    if (labelTimer === undefined) labelTimer = setTimeout(updateLabels, 150)
  }
  map.on('sourcedata', (e) => {
    if (e.sourceId === ADMIN_SOURCE && e.isSourceLoaded) scheduleLabels()
  })

  // --- events --------------------------------------------------------------------------------
  map.on('idle', () => {
    if (destroyed) return
    opts.onIdle?.(caseStats(), view())
  })
  map.on('moveend', () => {
    if (!destroyed) opts.onView?.(view())
  })
  const reported = new Set<string>()
  map.on('error', (e) => {
    const err: unknown = e.error
    const message = err instanceof Error ? err.message : String(err ?? 'map error')
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined
    if (reported.has(message)) return
    reported.add(message)
    console.error('[map]', message)
    opts.onError?.(message, status)
  })

  return {
    setGroupVisible(group, visible) {
      for (const id of groups[group]) {
        if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none')
      }
    },
    fitDistrict(animate = true) {
      if (!bbox) return
      map.fitBounds(
        [
          [bbox[0], bbox[1]],
          [bbox[2], bbox[3]],
        ],
        { padding, animate },
      )
    },
    jumpTo(v) {
      map.jumpTo({ center: v.center, zoom: v.zoom })
    },
    caseStats,
    resize() {
      map.resize()
    },
    destroy() {
      destroyed = true
      if (labelTimer !== undefined) clearTimeout(labelTimer)
      map.remove()
    },
  }
}
