// The MapLibre adapter: the only module of the app that talks to maplibre-gl. It creates the map
// from /api/meta, owns the style, switches layers and their opacity, adds an online basemap when
// the user chose one, extrudes buildings, highlights the feature under the mouse (feature-state),
// draws the selected feature, places the place-name labels, and reports what it drew (cases in
// view), what was clicked and where the mouse is. Panels and React state use the MapView interface
// below and never see a MapLibre type.
import {
  AttributionControl,
  Map as MapLibreMap,
  NavigationControl,
  ScaleControl,
  setWorkerUrl,
  type GeoJSONSource,
  type LayerSpecification,
  type MapGeoJSONFeature,
  type PointLike,
  type RasterSourceSpecification,
  type VectorTileSource,
} from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
// The worker ships as its own self-contained module; without this MapLibre would look for it next
// to the bundled chunk, where Vite does not put it.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import type { Geometry } from 'geojson'
import type { Bbox, Feature, Meta } from '../api.ts'
import { expandBbox } from '../geo/expand-bbox.ts'
import type { RasterLayer } from './basemaps.ts'
import { groupOf, isShown, type CaseStats, type FeatureRef, type GroupId, type Opacity, type ViewState, type Visibility } from './groups.ts'
import { labelPoints, type LabelPoint, type UnitPiece } from './labels.ts'
import {
  CHOROPLETH_BEFORE,
  CHOROPLETH_FILL,
  CHOROPLETH_LAYERS,
  choroplethLayers,
  choroplethPaint,
  highlightLayers,
  KEY_VILLAGE_BEFORE,
  type ChoroplethSpec,
  type Highlight,
} from './choropleth.ts'
import type { DrawController, DrawOptions, DrawTool } from './draw.ts'
import { createReportPoints, type ReportPoints, type ReportPointsInternal } from './report-points.ts'
import { createSurveyPoints, type SurveyPoints, type SurveyPointsInternal } from './survey-points.ts'
import {
  AGGREGATE_LAYERS,
  BASEMAP_BEFORE,
  buildStyle,
  CASE_LAYERS,
  LABEL_SOURCE,
  PICK_RANK,
  scaleOpacity,
  SELECTION_SOURCE,
  type StyleLayerInfo,
} from './style.ts'

setWorkerUrl(workerUrl)

export interface Padding {
  top: number
  right: number
  bottom: number
  left: number
}

export interface MapViewOptions {
  container: HTMLElement
  meta: Meta
  visibility: Visibility
  opacity: Opacity
  /** Online basemap layers (empty: none, the default). */
  basemap: readonly RasterLayer[]
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
  /** A click on a feature (null: on nothing inspectable). Aggregated building points zoom in instead. */
  onFeatureClick?(ref: FeatureRef | null): void
  /** The feature under the mouse changed (null: none). */
  onHover?(ref: FeatureRef | null): void
  /** The mouse position in lon/lat, null when the mouse left the map. */
  onPointer?(lngLat: [number, number] | null): void
  /** Room to keep free when fitting the district, e.g. for a panel over the map's left side. */
  fitPadding?: Padding
  /** Keep the view in the URL hash (`map=`); false for a secondary map (a case's site map). */
  hash?: boolean
  /** A site map: no navigation controls or scale; a fixed view from the caller. */
  compact?: boolean
}

export interface MapView {
  setVisibility(visibility: Visibility): void
  setOpacity(opacity: Opacity): void
  setBasemap(layers: readonly RasterLayer[]): void
  /** The feature to outline as selected (its full geometry), or null. */
  setSelection(feature: Feature | null): void
  /** Whether the selection is drawn in the viewport now (after it loaded). */
  selectionDrawn(): boolean
  /** Fetch the case tiles again (after a case changed: status, overdue). */
  refreshCases(): void
  /** Back to the whole district (`padding`: other than the map's own, e.g. for a narrower map). */
  fitDistrict(animate?: boolean, padding?: Padding): void
  /** Fly to a box; a box of zero size (a point) is shown at maxZoom. */
  fitBounds(bbox: Bbox, options?: { maxZoom?: number; padding?: Padding }): void
  jumpTo(view: { center: [number, number]; zoom: number }): void
  /** Distinct cases (by id) drawn in the current viewport, by status. */
  caseStats(): CaseStats
  view(): ViewState
  resize(): void
  destroy(): void
  // --- planning and dashboard (draw.ts, choropleth.ts) ---
  /** terra-draw on this map, loaded on first use (planning view). */
  startDrawing(options: DrawOptions): Promise<DrawController>
  /** Colours the admin units of a level by a figure; null takes the colours off. */
  setChoropleth(spec: ChoroplethSpec | null): void
  /** Outlines admin units or parcels by id (key villages, a picked selection); empty ids: none. */
  setHighlight(highlight: Highlight): void
  /** Fetch a collection's tiles again (after an edit: a saved zone). */
  refreshCollection(id: string): void
  /** Narrows a collection's tiles by its tile parameters (e.g. {batch: 2}); null shows it whole. */
  setTileFilter(id: string, params: Readonly<Record<string, number>> | null): void
  /** The map as drawn now, as a PNG data URL (the printable report). */
  snapshot(): Promise<string>
  /**
   * The next click on the map as lon/lat (a crosshair cursor until then), for placing a point such
   * as a 待定位 case; null when cancelled (Escape, cancelPick, or another pick started).
   */
  pickPoint(): Promise<[number, number] | null>
  cancelPick(): void
  /** The public reports' points (report-points.ts), made on first use; their clicks come before inspecting. */
  reportPoints(): ReportPoints
  /** The house survey's files (survey-points.ts), made on first use; their clicks come next. */
  surveyPoints(): SurveyPoints
}

const ADMIN_SOURCE = 'admin-units'
const DEFAULT_PADDING: Padding = { top: 24, right: 24, bottom: 24, left: 24 }
/** Pixels around the mouse within which thin lines and points count as hit. */
const HIT_TOLERANCE = 4
/** Picks ranked at or below this are the ground (admin units): no pointer cursor there. */
const GROUND_RANK = 20
/** Pitch when buildings are extruded. */
const EXTRUDED_PITCH = 55

const rasterSourceId = (l: RasterLayer) => `basemap-${l.id}`

function rasterSource(l: RasterLayer): RasterSourceSpecification {
  return {
    type: 'raster',
    tiles: l.tiles,
    tileSize: l.tileSize,
    minzoom: l.minzoom,
    maxzoom: l.maxzoom,
    scheme: l.scheme,
    ...(l.attribution ? { attribution: l.attribution } : {}),
  }
}

function rasterLayer(l: RasterLayer): LayerSpecification {
  return { id: rasterSourceId(l), type: 'raster', source: rasterSourceId(l), paint: { 'raster-opacity': 1 } }
}

const RASTER_INFO: StyleLayerInfo = { switchId: 'basemap', opacity: { 'raster-opacity': 1 } }

export function createMapView(opts: MapViewOptions): MapView {
  const { meta } = opts
  const built = buildStyle(meta, window.location.origin)
  const { style } = built
  const info: Record<string, StyleLayerInfo> = { ...built.layers }
  let visibility = opts.visibility
  let opacity = opts.opacity
  let basemap: readonly RasterLayer[] = opts.basemap

  // --- layer state as style values ---------------------------------------------------------
  const layerVisible = (id: string): boolean => {
    const switchId = info[id]?.switchId
    return switchId ? isShown(visibility, switchId) : true
  }
  const layerOpacity = (id: string): Record<string, unknown> => {
    const li = info[id]
    if (!li) return {}
    const group: GroupId | null = li.switchId ? groupOf(li.switchId) : null
    // The ground tint is see-through over an online basemap, else the basemap would be hidden.
    const k = (group ? opacity[group] : 1) * (li.ground && basemap.length > 0 ? 0 : 1)
    return Object.fromEntries(Object.entries(li.opacity).map(([prop, base]) => [prop, scaleOpacity(base, k)]))
  }

  // The online basemap (if any) goes right above the background, below the ground tint.
  if (basemap.length > 0) {
    const at = Math.max(1, style.layers.findIndex((l) => l.id === BASEMAP_BEFORE))
    for (const l of basemap) {
      style.sources[rasterSourceId(l)] = rasterSource(l)
      info[rasterSourceId(l)] = RASTER_INFO
    }
    style.layers.splice(at, 0, ...basemap.map(rasterLayer))
  }
  // Start with the user's layer choice and opacities already in the style, so nothing hidden is
  // ever fetched.
  for (const layer of style.layers) {
    if (!info[layer.id]) continue
    layer.layout = { ...(layer.layout ?? {}), visibility: layerVisible(layer.id) ? 'visible' : 'none' } as typeof layer.layout
    if (layer.type !== 'background') {
      layer.paint = { ...(layer.paint ?? {}), ...layerOpacity(layer.id) } as typeof layer.paint
    }
  }

  const extrudedNow = () => isShown(visibility, 'buildings-3d')
  let extruded = extrudedNow()

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
          maxBounds: expandBbox(bbox, 1),
        }
      : { center: [116.4, 39.9] as [number, number], zoom: 8 }),
    minZoom: 6,
    maxZoom: 19,
    // The view is kept in the URL (#map=zoom/lat/lon[/bearing/pitch]): links and reloads open where
    // one was. A hash present at start wins over fitting the district. (url-state.ts adds layers=.)
    ...(opts.hash === false ? {} : { hash: 'map' }),
    // Attributions of an online basemap, when one is on; compact, as an (i) button.
    attributionControl: false,
    // Tilting and turning only with extruded buildings.
    dragRotate: extruded,
    pitchWithRotate: extruded,
    touchPitch: extruded,
    // The sample's district is the only thing on the map; keep the world from wrapping around it.
    renderWorldCopies: false,
  })
  if (!extruded) map.touchZoomRotate.disableRotation()
  if (!opts.compact) {
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right')
    map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right')
  }
  map.addControl(new AttributionControl({ compact: true }), 'bottom-right')

  let destroyed = false
  // Style changes wait until the style is in place (it is parsed after the constructor returns).
  let styleReady = false
  const queued: (() => void)[] = []
  const whenReady = (fn: () => void) => {
    if (styleReady) fn()
    else queued.push(fn)
  }
  map.once('style.load', () => {
    styleReady = true
    for (const fn of queued.splice(0)) fn()
  })
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

  // --- picking: the most specific feature under the mouse (style.ts PICK_RANK) ----------------
  const inspectable = built.inspectable
  const typeOf = new Map(style.layers.map((l) => [l.id, l.type]))
  // Lines and points are thin: they are hit within a few pixels; areas only under the mouse.
  const thin = new Set(inspectable.filter((id) => ['line', 'circle'].includes(typeOf.get(id) ?? '')))
  const pick = (point: { x: number; y: number }): MapGeoJSONFeature | null => {
    const present = inspectable.filter((id) => map.getLayer(id) && layerVisible(id))
    if (present.length === 0) return null
    const presentThin = present.filter((id) => thin.has(id))
    let best: MapGeoJSONFeature | null = null
    let bestRank = -Infinity
    try {
      const box: [PointLike, PointLike] = [
        [point.x - HIT_TOLERANCE, point.y - HIT_TOLERANCE],
        [point.x + HIT_TOLERANCE, point.y + HIT_TOLERANCE],
      ]
      const hits = [
        ...map.queryRenderedFeatures([point.x, point.y] as PointLike, { layers: present }),
        ...(presentThin.length ? map.queryRenderedFeatures(box, { layers: presentThin }) : []),
      ]
      // Hits come top first; a later one wins only with a higher rank.
      for (const f of hits) {
        const rank = PICK_RANK[f.layer.id] ?? 0
        if (rank > bestRank) {
          best = f
          bestRank = rank
        }
      }
    } catch {
      return null
    }
    return best
  }
  const refOf = (f: MapGeoJSONFeature | null): FeatureRef | null => {
    if (!f || f.layer.id in AGGREGATE_LAYERS || f.id === undefined || f.id === null) return null
    return { collection: f.source, id: String(f.id) }
  }

  /** The drawing tool on (draw.ts through startDrawing), 'none' when not drawing. */
  let drawingTool: DrawTool = 'none'
  /** The reports' points (report-points.ts), once asked for. */
  let reports: ReportPointsInternal | null = null
  let surveys: SurveyPointsInternal | null = null
  /** A point being picked (pickPoint): the next click is its. */
  let picking: ((p: [number, number] | null) => void) | null = null
  const endPick = (p: [number, number] | null) => {
    const done = picking
    picking = null
    map.getCanvas().style.cursor = ''
    window.removeEventListener('keydown', onPickKey)
    done?.(p)
  }
  const onPickKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') endPick(null)
  }

  // --- hover: feature-state on the feature under the mouse ----------------------------------
  let hovered: { source: string; id: string | number } | null = null
  const setHover = (f: MapGeoJSONFeature | null) => {
    const next = f && f.id !== undefined && f.id !== null && !(f.layer.id in AGGREGATE_LAYERS) ? { source: f.source, id: f.id } : null
    if (hovered && next && hovered.source === next.source && hovered.id === next.id) return
    if (hovered && map.getSource(hovered.source)) {
      map.setFeatureState({ source: hovered.source, sourceLayer: hovered.source, id: hovered.id }, { hover: false })
    }
    hovered = next
    if (next) map.setFeatureState({ source: next.source, sourceLayer: next.source, id: next.id }, { hover: true })
    opts.onHover?.(refOf(f))
  }
  let pending: { x: number; y: number; lng: number; lat: number } | null = null
  let frame = 0
  const onFrame = () => {
    frame = 0
    if (destroyed || !pending) return
    if (drawingTool !== 'none' || picking) {
      // terra-draw (or a point being picked) owns the cursor; still report where the mouse is.
      opts.onPointer?.([pending.lng, pending.lat])
      pending = null
      return
    }
    const p = pending
    pending = null
    opts.onPointer?.([p.lng, p.lat])
    const f = pick(p)
    // The pointer over things to inspect; not over the bare ground (an admin unit), where the map
    // keeps its grab cursor for panning.
    map.getCanvas().style.cursor = (f && (PICK_RANK[f.layer.id] ?? 0) > GROUND_RANK) || reports?.hits(p) || surveys?.hits(p) ? 'pointer' : ''
    setHover(f)
  }
  map.on('mousemove', (e) => {
    pending = { x: e.point.x, y: e.point.y, lng: e.lngLat.lng, lat: e.lngLat.lat }
    if (!frame) frame = requestAnimationFrame(onFrame)
  })
  map.on('mouseout', () => {
    pending = null
    opts.onPointer?.(null)
    map.getCanvas().style.cursor = ''
    setHover(null)
  })

  // --- click: inspect, or zoom into an aggregated cell -----------------------------------------
  map.on('click', (e) => {
    if (picking) return endPick([e.lngLat.lng, e.lngLat.lat])
    // While a drawing tool is on, clicks are the drawing's (no inspecting, no zooming into cells).
    if (drawingTool !== 'none') return
    if (reports?.handleClick(e.point) || surveys?.handleClick(e.point)) return
    const f = pick(e.point)
    const aggregated = f ? AGGREGATE_LAYERS[f.layer.id] : undefined
    if (f && aggregated) {
      const g = f.geometry
      const center = g.type === 'Point' ? (g.coordinates as [number, number]) : ([e.lngLat.lng, e.lngLat.lat] as [number, number])
      const below = meta.layers.find((l) => l.id === aggregated)?.aggregateBelowZoom ?? 13
      map.easeTo({ center, zoom: Math.max(below + 0.5, map.getZoom() + 2) })
      return
    }
    opts.onFeatureClick?.(refOf(f))
  })

  // --- extrusion: tilt with it, flat without ----------------------------------------------------
  const applyExtrusion = () => {
    const next = extrudedNow()
    if (next === extruded) return
    extruded = next
    if (extruded) {
      map.dragRotate.enable()
      map.touchZoomRotate.enableRotation()
      map.touchPitch.enable()
      if (map.getPitch() < 10) map.easeTo({ pitch: EXTRUDED_PITCH, duration: 600 })
    } else {
      map.dragRotate.disable()
      map.touchZoomRotate.disableRotation()
      map.touchPitch.disable()
      map.easeTo({ pitch: 0, bearing: 0, duration: 600 })
    }
  }
  map.once('load', () => {
    // A shared link may carry a tilt without extruded buildings: flatten it.
    if (!extruded && (map.getPitch() !== 0 || map.getBearing() !== 0)) map.jumpTo({ pitch: 0, bearing: 0 })
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
    // A failing online basemap (no network, wrong key) must not look like a broken map.
    const url = typeof (err as { url?: unknown })?.url === 'string' ? (err as { url: string }).url : ''
    if (url && !url.startsWith(window.location.origin)) {
      console.warn('[map] online basemap:', message)
      return
    }
    if (reported.has(message)) return
    reported.add(message)
    console.error('[map]', message)
    opts.onError?.(message, status)
  })

  const applyPaint = (id: string) => {
    if (!map.getLayer(id)) return
    for (const [prop, value] of Object.entries(layerOpacity(id))) {
      map.setPaintProperty(id, prop as Parameters<typeof map.setPaintProperty>[1], value as never)
    }
  }

  const applyVisibility = () => {
    for (const id of Object.keys(info)) {
      if (!map.getLayer(id)) continue
      const want = layerVisible(id) ? 'visible' : 'none'
      if (map.getLayoutProperty(id, 'visibility') !== want) map.setLayoutProperty(id, 'visibility', want)
    }
    applyExtrusion()
  }
  const replaceBasemap = (old: readonly RasterLayer[], next: readonly RasterLayer[]) => {
    for (const l of old) {
      const id = rasterSourceId(l)
      if (map.getLayer(id)) map.removeLayer(id)
      if (map.getSource(id)) map.removeSource(id)
      delete info[id]
    }
    const before = map.getLayer(BASEMAP_BEFORE) ? BASEMAP_BEFORE : map.getStyle().layers[1]?.id
    for (const l of next) {
      const id = rasterSourceId(l)
      map.addSource(id, rasterSource(l))
      info[id] = RASTER_INFO
      const layer = rasterLayer(l)
      layer.layout = { visibility: layerVisible(id) ? 'visible' : 'none' }
      map.addLayer(layer, before)
      applyPaint(id)
    }
    // The ground tint turns see-through (or back).
    for (const [id, li] of Object.entries(info)) if (li.ground) applyPaint(id)
  }

  let choroplethLevel: string | null = null

  // --- tile URLs: a collection's narrowing parameters, and a cache-buster after an edit ---------
  const tileFilters = new Map<string, string>()
  const reloadTiles = (id: string, bust: boolean) =>
    whenReady(() => {
      const source = map.getSource<VectorTileSource>(id)
      const layer = meta.layers.find((l) => l.id === id)
      if (!source || !layer) return
      const base = /^[a-z][a-z0-9+.-]*:/i.test(layer.tiles) ? layer.tiles : window.location.origin + layer.tiles
      const query = [tileFilters.get(id) ?? '', bust ? `r=${Date.now()}` : ''].filter(Boolean).join('&')
      source.setTiles([query ? `${base}${base.includes('?') ? '&' : '?'}${query}` : base])
    })

  return {
    setVisibility(next) {
      visibility = next
      whenReady(applyVisibility)
    },
    setOpacity(next) {
      const changed = (Object.keys(next) as GroupId[]).filter((g) => next[g] !== opacity[g])
      opacity = next
      whenReady(() => {
        for (const id of Object.keys(info)) {
          const switchId = info[id]?.switchId
          if (switchId && changed.includes(groupOf(switchId))) applyPaint(id)
        }
      })
    },
    setBasemap(next) {
      const old = basemap
      basemap = next
      whenReady(() => replaceBasemap(old, next))
    },
    setSelection(feature) {
      whenReady(() => {
        const source = map.getSource<GeoJSONSource>(SELECTION_SOURCE)
        const features = feature?.geometry
          ? [{ type: 'Feature' as const, properties: {}, geometry: feature.geometry as Geometry }]
          : []
        source?.setData({ type: 'FeatureCollection', features })
      })
    },
    selectionDrawn() {
      if (!styleReady) return false
      const layers = ['selection-line', 'selection-point'].filter((id) => map.getLayer(id))
      try {
        return map.queryRenderedFeatures({ layers }).length > 0
      } catch {
        return false
      }
    },
    refreshCases() {
      reloadTiles('cases', true)
    },
    fitDistrict(animate = true, pad = padding) {
      if (!bbox) return
      map.fitBounds(
        [
          [bbox[0], bbox[1]],
          [bbox[2], bbox[3]],
        ],
        { padding: pad, animate, pitch: map.getPitch() },
      )
    },
    fitBounds(b, options = {}) {
      const maxZoom = options.maxZoom ?? 17
      const pad = options.padding ?? padding
      // A point (a box of no size) is widened a little; maxZoom then decides the zoom.
      const e = b[0] === b[2] && b[1] === b[3] ? 1e-6 : 0
      map.fitBounds(
        [
          [b[0] - e, b[1] - e],
          [b[2] + e, b[3] + e],
        ],
        { padding: pad, maxZoom, pitch: map.getPitch() },
      )
    },
    jumpTo(v) {
      map.jumpTo({ center: v.center, zoom: v.zoom })
    },
    caseStats,
    view,
    resize() {
      map.resize()
    },
    async startDrawing(options) {
      const { createDrawing } = await import('./draw.ts')
      await new Promise<void>((resolve) => whenReady(resolve))
      const drawing = createDrawing(map, options)
      return {
        ...drawing,
        setTool(tool) {
          drawingTool = tool
          if (tool !== 'none') setHover(null)
          drawing.setTool(tool)
        },
        destroy() {
          drawingTool = 'none'
          drawing.destroy()
        },
      }
    },
    setChoropleth(spec) {
      whenReady(() => {
        const layers = spec ? choroplethLayers(spec) : []
        // Same level: only the colours change. Otherwise the layers are made anew.
        if (spec && map.getLayer(CHOROPLETH_FILL) && choroplethLevel === spec.level) {
          map.setPaintProperty(CHOROPLETH_FILL, 'fill-color', choroplethPaint(spec) as never)
          return
        }
        for (const id of CHOROPLETH_LAYERS) if (map.getLayer(id)) map.removeLayer(id)
        choroplethLevel = spec?.level ?? null
        const before = map.getLayer(CHOROPLETH_BEFORE) ? CHOROPLETH_BEFORE : undefined
        for (const l of layers) map.addLayer(l, before)
      })
    },
    setHighlight(h) {
      whenReady(() => {
        const layers = highlightLayers(h)
        for (const l of layers) if (map.getLayer(l.id)) map.removeLayer(l.id)
        if (h.ids.length === 0) return
        const before = map.getLayer(KEY_VILLAGE_BEFORE) ? KEY_VILLAGE_BEFORE : undefined
        for (const l of layers) map.addLayer(l, before)
      })
    },
    refreshCollection(id) {
      reloadTiles(id, true)
    },
    setTileFilter(id, params) {
      const query = params ? new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString() : ''
      if ((tileFilters.get(id) ?? '') === query) return
      if (query) tileFilters.set(id, query)
      else tileFilters.delete(id)
      reloadTiles(id, false)
    },
    snapshot() {
      // The drawing buffer is only intact within the frame that drew it: read it in 'render'.
      return new Promise<string>((resolve) => {
        map.once('render', () => resolve(map.getCanvas().toDataURL('image/png')))
        map.triggerRepaint()
      })
    },
    pickPoint() {
      endPick(null)
      return new Promise<[number, number] | null>((resolve) => {
        picking = resolve
        map.getCanvas().style.cursor = 'crosshair'
        window.addEventListener('keydown', onPickKey)
      })
    },
    cancelPick() {
      endPick(null)
    },
    reportPoints() {
      reports ??= createReportPoints(map, whenReady)
      return reports
    },
    surveyPoints() {
      return (surveys ??= createSurveyPoints(map, whenReady))
    },
    destroy() {
      endPick(null)
      destroyed = true
      if (labelTimer !== undefined) clearTimeout(labelTimer)
      if (frame) cancelAnimationFrame(frame)
      map.remove()
    },
  }
}
