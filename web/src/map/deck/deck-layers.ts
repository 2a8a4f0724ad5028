// deck.gl layers through its MapLibre overlay, interleaved: drawn into MapLibre's own WebGL context
// between the style's layers (each layer names the style layer it goes under), so labels and the
// selection stay on top. Three views the user switches on in the layer panel (decision 81):
//   - the whole ledger aggregated in hexagons on the GPU below HEX_BELOW_ZOOM, weighed by count,
//     demolished area or one status, handing over to the style's case layers from that zoom;
//   - patches coloured by verification result, with the batch's before/after image dates;
//   - buildings extruded by floors, self-built houses coloured by safety grade.
// Clicks on a deck feature open the same inspector as the style's layers (map-view's onFeatureClick).
import type { Layer, PickingInfo } from '@deck.gl/core'
import { HexagonLayer } from '@deck.gl/aggregation-layers'
import { MVTLayer } from '@deck.gl/geo-layers'
import { MapboxOverlay } from '@deck.gl/mapbox'
// deck.gl's own MVT parser (a dependency of @deck.gl/geo-layers), run in the page (worker: false):
// the worker it uses by default would be fetched from a CDN, and nothing may leave the server.
import { MVTLoader } from '@loaders.gl/mvt'
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Feature as GeoFeature, Geometry } from 'geojson'
import type { CasePoints } from '../../../../server/src/domain/case-points.ts'
import type { Meta } from '../../api.ts'
import type { DetectionResult, DetectionStatus } from '../../codes.ts'
import { codeLabel, translate } from '../../i18n/i18n.tsx'
import { LANGS, type Lang, type MessageKey } from '../../i18n/messages.ts'
import { listBatches } from '../../patches-api.ts'
import {
  caseHexRamp,
  detectionFallback,
  detectionResultColors,
  detectionStatusColors,
  hoverColor,
  safetyGradeColors,
  ungradedBuildingColor,
} from '../../theme/colors.ts'
import { EXTRUSION_MINZOOM, FLOOR_HEIGHT_M, type CaseStats, type FeatureRef } from '../groups.ts'
import { countInBox, fetchCasePoints, hexRadiusM, weighPoints, type HexWeight, type WeightedPoints } from './case-points.ts'
import { HEX_BELOW_ZOOM, hexWeight } from './hex-weight.ts'
import { gradesBox, type Grade } from './grades.ts'

/** What the deck views show: the layer panel's switches and the hexagons' weighting. */
export interface DeckState {
  hex: boolean
  patches: boolean
  grades: boolean
}

export interface DeckLayers {
  update(state: DeckState): void
  /** A click at a map pixel: true when a deck feature took it (inspected, or zoomed into a hexagon). */
  handleClick(point: { x: number; y: number }): boolean
  /** Whether a deck feature is under the pixel (the pointer cursor). */
  hits(point: { x: number; y: number }): boolean
  /** Read the ledger's points again (after a case changed); the ETag makes an unchanged one cheap. */
  refreshCases(): void
  /** The cases in view while the hexagons stand for the case layers; null when the style draws them. */
  caseStats(): CaseStats | null
  destroy(): void
}

export interface DeckOptions {
  meta: Meta
  onFeatureClick(ref: FeatureRef): void
  onError?(message: string): void
}

/** What tests and the bench read off the map element: deck's own picking of the drawn objects. */
export interface DeckProbe {
  pickObjects(rect: { x: number; y: number; width: number; height: number }): { layer: string; object: unknown }[]
  state(): DeckState & { weight: HexWeight; points: number | null; hexRadiusM: number }
  /** Where lon/lat is drawn, in pixels of the map element (tilted views too). */
  project(lon: number, lat: number): [number, number]
}

const HIT_RADIUS = 4
/** The tooltip in the app's look (deck's default is a dark box). */
const TOOLTIP_STYLE: Partial<CSSStyleDeclaration> = {
  background: '#ffffff',
  color: '#2b2b33',
  border: '1px solid #c9c5d6',
  borderRadius: '4px',
  boxShadow: '0 1px 4px rgba(0,0,0,0.2)',
  padding: '6px 8px',
  fontSize: '12px',
  lineHeight: '1.5',
  whiteSpace: 'pre-line',
}
type Rgba = [number, number, number, number]
const rgb = (hex: string, alpha = 255): Rgba => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), alpha]
const HEX_COLORS = caseHexRamp.map((c) => rgb(c))
// blended over the feature's own colour: the result stays readable under the mouse
const HOVER: Rgba = rgb(hoverColor, 110)
/** The style layers each view goes under: the first that exists (labels and the selection stay above). */
const UNDER: Readonly<Record<'hex' | 'patches' | 'buildings', readonly string[]>> = {
  hex: ['cases-overdue-halo', 'cases-fill', 'selection-fill'],
  patches: ['detections-hover', 'cases-overdue-halo', 'selection-fill'],
  buildings: ['buffer-zones-fill', 'zones-fill', 'detections-fill', 'selection-fill'],
}

type TileFeature = GeoFeature<Geometry, Record<string, unknown>>
interface HexObject { count: number; colorValue: number; position: [number, number] }

const lang = (): Lang => (LANGS as readonly string[]).includes(document.documentElement.lang) ? (document.documentElement.lang as Lang) : 'zh-CN'
const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(lang(), key, vars)
const fmt = (n: number) => Math.round(n).toLocaleString(lang())

/**
 * deck's binary data for the hexagons. Positions exactly as the layer declares its attribute (float64,
 * three per point): given as float32 pairs they were read with the wrong stride and every point fell
 * in one bin.
 */
function binaryData(w: WeightedPoints) {
  const positions = new Float64Array(w.length * 3)
  for (let i = 0; i < w.length; i++) {
    positions[3 * i] = w.positions[2 * i]!
    positions[3 * i + 1] = w.positions[2 * i + 1]!
  }
  return { length: w.length, attributes: { getPosition: { value: positions, size: 3 }, getColorWeight: { value: w.weights, size: 1 } } }
}

function tileUrl(meta: Meta, collection: string): string | null {
  const template = meta.layers.find((l) => l.id === collection)?.tiles
  if (!template) return null
  return /^[a-z][a-z0-9+.-]*:/i.test(template) ? template : window.location.origin + template
}

/**
 * @deck.gl/mapbox 9.4 reads the map's private `transform` (its height for the clipping planes, the
 * terrain's elevation), which MapLibre 6 removed (visgl/deck.gl#10501; the fix is the separate
 * @deck.gl/maplibre package, not installed here). The same values from MapLibre's public API; the
 * near and far planes come with each custom-layer render call.
 */
function shimTransform(map: MapLibreMap): void {
  const m = map as MapLibreMap & { transform?: unknown }
  if (m.transform !== undefined) return
  Object.defineProperty(m, 'transform', {
    configurable: true,
    value: {
      get height() {
        return map.getCanvas().clientHeight
      },
      get elevation() {
        return map.getCenterElevation?.() ?? 0
      },
    },
  })
}

/** A tile deck could not read: said in the console once per message (the map goes on without it). */
const tileErrors = new Set<string>()
function tileError(err: unknown) {
  const message = err instanceof Error ? err.message : String(err)
  if (tileErrors.has(message)) return
  tileErrors.add(message)
  console.warn('[deck] tile:', message)
}

export function createDeckLayers(map: MapLibreMap, opts: DeckOptions): DeckLayers {
  let state: DeckState = { hex: false, patches: false, grades: false }
  let points: CasePoints | null = null
  /** The points of the current weighting as deck's binary data: one object per weighting, so deck re-bins only when it changes. */
  let weighted: { weight: HexWeight; data: ReturnType<typeof binaryData> } | null = null
  let loadingPoints: AbortController | null = null
  let batches: Map<number, { beforeDate: string; afterDate: string }> | null = null
  let grades: { box: string; byId: Map<number, Grade>; version: number } = { box: '', byId: new Map(), version: 0 }
  let gradesAbort: AbortController | null = null
  let destroyed = false

  shimTransform(map)
  const overlay = new MapboxOverlay({
    interleaved: true,
    layers: [],
    getTooltip: (info) => {
      const text = tooltip(info)
      return text ? { text, style: TOOLTIP_STYLE } : null
    },
  })
  map.addControl(overlay)

  // --- handing the style's layers over to deck: zoom ranges, restored when a view goes off -------
  const saved = new Map<string, [number, number]>()
  const styleLayersOf = (source: string) => (map.getStyle()?.layers ?? []).filter((l) => 'source' in l && l.source === source)
  const setRange = (source: string, range: ((orig: [number, number]) => [number, number]) | null, only?: (id: string) => boolean) => {
    for (const l of styleLayersOf(source)) {
      if (only && !only(l.id)) continue
      if (!saved.has(l.id)) saved.set(l.id, [l.minzoom ?? 0, l.maxzoom ?? 24])
      const orig = saved.get(l.id)!
      const [min, max] = range ? range(orig) : orig
      map.setLayerZoomRange(l.id, min, max)
    }
  }
  const handOver = () => {
    // the style's case layers take over from the hexagons' last zoom
    setRange('cases', state.hex ? ([, max]) => [HEX_BELOW_ZOOM, max] : null)
    // the deck patches replace the style's (drawn twice they would mix colours)
    setRange('detections', state.patches ? () => [24, 24] : null)
    setRange('buildings', state.grades ? () => [24, 24] : null, (id) => id === 'buildings-3d')
  }

  /** Where a view goes in the style (the overlay's `beforeId`, which deck's layer types do not declare). */
  const placed = (view: keyof typeof UNDER): { beforeId?: string } => {
    const id = UNDER[view].find((l) => map.getLayer(l))
    return id ? { beforeId: id } : {}
  }

  // --- the layers -----------------------------------------------------------------------------------
  const hexLayer = (): Layer | null => {
    if (!state.hex || !points || map.getZoom() >= HEX_BELOW_ZOOM) return null
    const weight = hexWeight.get()
    if (!weighted || weighted.weight !== weight) weighted = { weight, data: binaryData(weighPoints(points, weight)) }
    return new HexagonLayer({
      id: 'cases-hex',
      ...placed('hex'),
      data: weighted.data,
      gpuAggregation: true,
      radius: hexRadiusM(map.getZoom(), map.getCenter().lat),
      colorAggregation: 'SUM',
      colorRange: HEX_COLORS,
      colorScaleType: 'quantize',
      coverage: 0.92,
      opacity: 0.75,
      extruded: false,
      pickable: true,
      autoHighlight: true,
      highlightColor: HOVER,
    })
  }

  const detectionColor = (p: Record<string, unknown>): Rgba => {
    const key = String(p['outcome'] ?? (p['status'] === 'verified' ? p['result'] : p['status']) ?? '')
    const hex = detectionResultColors[key as DetectionResult] ?? detectionStatusColors[key as DetectionStatus] ?? detectionFallback
    return rgb(hex)
  }
  /** What both tile views share: the collection's tiles as features by id, picked and highlighted. */
  const tileView = (collection: string, url: string) => ({
    data: url,
    binary: false,
    uniqueIdProperty: 'id',
    maxZoom: opts.meta.layers.find((l) => l.id === collection)?.maxzoom ?? 16,
    pickable: true,
    autoHighlight: true,
    highlightColor: HOVER,
    loaders: [MVTLoader],
    loadOptions: { worker: false },
    onTileError: tileError,
  })
  const patchesLayer = (): Layer | null => {
    const url = state.patches ? tileUrl(opts.meta, 'detections') : null
    if (!url) return null
    return new MVTLayer<Record<string, unknown>>({
      id: 'detections-results',
      ...placed('patches'),
      ...tileView('detections', url),
      stroked: true,
      filled: true,
      pointType: 'circle',
      getFillColor: (f: TileFeature) => { const c = detectionColor(f.properties); return f.geometry.type === 'Point' ? [c[0], c[1], c[2], 220] : [c[0], c[1], c[2], 90] },
      getLineColor: (f: TileFeature) => detectionColor(f.properties),
      getLineWidth: 2,
      lineWidthUnits: 'pixels',
      lineWidthMinPixels: 1.5,
      getPointRadius: (f: TileFeature) => 3 + 2 * Math.sqrt(Number(f.properties['count'] ?? 1)),
      pointRadiusUnits: 'pixels',
    })
  }

  const buildingColor = (f: TileFeature): Rgba => {
    const g = grades.byId.get(Number(f.properties['id']))
    return rgb(g ? safetyGradeColors[g] : ungradedBuildingColor, 235)
  }
  const buildingsLayer = (): Layer | null => {
    const url = state.grades ? tileUrl(opts.meta, 'buildings') : null
    if (!url || map.getZoom() < EXTRUSION_MINZOOM) return null
    return new MVTLayer<Record<string, unknown>>({
      id: 'buildings-grade',
      ...placed('buildings'),
      ...tileView('buildings', url),
      minZoom: EXTRUSION_MINZOOM,
      extruded: true,
      filled: true,
      stroked: false,
      material: { ambient: 0.45, diffuse: 0.6, shininess: 16, specularColor: [40, 40, 40] },
      getElevation: (f: TileFeature) => Math.max(1, Number(f.properties['floors'] ?? 1)) * FLOOR_HEIGHT_M,
      getFillColor: buildingColor,
      updateTriggers: { getFillColor: grades.version },
    })
  }

  const render = () => {
    if (destroyed) return
    overlay.setProps({ layers: [buildingsLayer(), patchesLayer(), hexLayer()].filter((l): l is Layer => l !== null) })
  }

  // --- data --------------------------------------------------------------------------------------
  const loadPoints = () => {
    loadingPoints?.abort()
    const ctl = (loadingPoints = new AbortController())
    fetchCasePoints(ctl.signal)
      .then((p) => {
        if (ctl.signal.aborted) return
        points = p
        weighted = null
        render()
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) opts.onError?.(`case points: ${e instanceof Error ? e.message : String(e)}`)
      })
  }
  const loadBatches = () => {
    batches = new Map()
    listBatches()
      .then((list) => {
        batches = new Map(list.map((b) => [b.id, { beforeDate: b.beforeDate, afterDate: b.afterDate }]))
      })
      .catch(() => {})
  }
  const loadGrades = () => {
    if (!state.grades || map.getZoom() < EXTRUSION_MINZOOM) return
    const b = map.getBounds()
    const box = gradesBox([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], [map.getCenter().lng, map.getCenter().lat])
    if (box === grades.box) return
    gradesAbort?.abort()
    const ctl = (gradesAbort = new AbortController())
    fetch(`/api/buildings/grades?bbox=${box}`, { credentials: 'same-origin', signal: ctl.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`grades: ${res.status}`)
        const body = (await res.json()) as { ids: number[]; grades: Grade[] }
        const byId = new Map(grades.byId)
        body.ids.forEach((id, i) => byId.set(id, body.grades[i]!))
        grades = { box, byId, version: grades.version + 1 }
        render()
      })
      .catch(() => {})
  }

  // Re-bin when the zoom step changes, hand over at HEX_BELOW_ZOOM, extrude from EXTRUSION_MINZOOM.
  let lastStep = Math.floor(map.getZoom())
  const onZoom = () => {
    const step = Math.floor(map.getZoom())
    if (step !== lastStep) {
      lastStep = step
      render()
    }
  }
  const onMoveEnd = () => loadGrades()
  map.on('zoom', onZoom)
  map.on('moveend', onMoveEnd)
  const unsubscribe = hexWeight.subscribe(() => render())

  // --- picking -------------------------------------------------------------------------------------
  const pickAt = (p: { x: number; y: number }) => {
    try {
      return overlay.pickObject({ x: p.x, y: p.y, radius: HIT_RADIUS })
    } catch {
      return null
    }
  }
  function tooltip(info: PickingInfo): string | null {
    const o = info.object as unknown
    if (!o || !info.layer) return null
    const id = info.layer.id
    if (id === 'cases-hex') {
      const h = o as HexObject
      const w = hexWeight.get()
      const lines = [t('deck.tip.cases', { n: fmt(h.count) })]
      if (w === 'demolished') lines.push(t('deck.tip.demolished', { a: fmt(h.colorValue) }))
      if (w.startsWith('status:')) lines[0] = `${codeLabel(lang(), 'caseStatus', w.slice(7))} ${lines[0]}`
      lines.push(t('deck.tip.zoomIn'))
      return lines.join('\n')
    }
    const f = o as TileFeature
    const p = f.properties
    if (id.startsWith('detections-results')) {
      if (p['count'] !== undefined) return t('deck.tip.patchCells', { n: fmt(Number(p['count'])) })
      const verified = p['status'] === 'verified'
      const dates = batches?.get(Number(p['batch_id']))
      return [
        t('deck.tip.patch', { no: String(p['patch_no'] ?? p['id']) }),
        verified ? codeLabel(lang(), 'detectionResult', String(p['result'])) : codeLabel(lang(), 'detectionStatus', String(p['status'])),
        dates ? t('deck.tip.dates', { before: dates.beforeDate, after: dates.afterDate }) : '',
      ].filter(Boolean).join('\n')
    }
    if (id.startsWith('buildings-grade')) {
      const g = grades.byId.get(Number(p['id']))
      return [t('deck.tip.building', { floors: Number(p['floors'] ?? 1) }), g ? t('deck.tip.grade', { grade: g }) : t('deck.tip.ungraded')].join('\n')
    }
    return null
  }

  const probe: DeckProbe = {
    pickObjects(rect) {
      try {
        return overlay.pickObjects(rect).map((i) => ({ layer: i.layer?.id ?? '', object: i.object as unknown }))
      } catch {
        return [] // deck starts with the map's next frame: nothing drawn yet
      }
    },
    project: (lon, lat) => {
      const p = map.project([lon, lat])
      return [p.x, p.y]
    },
    state: () => ({ ...state, weight: hexWeight.get(), points: points?.count ?? null, hexRadiusM: hexRadiusM(map.getZoom(), map.getCenter().lat) }),
  }
  ;(map.getContainer() as HTMLElement & { chaiweiDeck?: DeckProbe }).chaiweiDeck = probe

  return {
    update(next) {
      const was = state
      state = next
      if (next.hex && !points && !loadingPoints) loadPoints()
      if (next.patches && !batches) loadBatches()
      if (next.grades && !was.grades) {
        grades = { ...grades, box: '' }
        loadGrades()
      }
      handOver()
      render()
    },
    handleClick(point) {
      const info = pickAt(point)
      if (!info?.object || !info.layer) return false
      const id = info.layer.id
      if (id === 'cases-hex') {
        const h = info.object as HexObject
        map.easeTo({ center: h.position, zoom: Math.max(HEX_BELOW_ZOOM + 0.5, map.getZoom() + 2) })
        return true
      }
      const p = (info.object as TileFeature).properties
      if (id.startsWith('detections-results')) {
        // a grid point: zoom in to its patches, as the style's grid points do
        if (p['count'] !== undefined) {
          map.easeTo({ center: info.coordinate as [number, number], zoom: Math.max(12.5, map.getZoom() + 2) })
          return true
        }
        opts.onFeatureClick({ collection: 'detections', id: String(p['id']) })
        return true
      }
      if (id.startsWith('buildings-grade')) {
        opts.onFeatureClick({ collection: 'buildings', id: String(p['id']) })
        return true
      }
      return false
    },
    hits(point) {
      return Boolean(pickAt(point)?.object)
    },
    refreshCases() {
      if (points || loadingPoints) loadPoints()
    },
    caseStats() {
      if (!state.hex || !points || map.getZoom() >= HEX_BELOW_ZOOM) return null
      const b = map.getBounds()
      return countInBox(points, [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()])
    },
    destroy() {
      destroyed = true
      loadingPoints?.abort()
      gradesAbort?.abort()
      map.off('zoom', onZoom)
      map.off('moveend', onMoveEnd)
      unsubscribe()
      delete (map.getContainer() as HTMLElement & { chaiweiDeck?: DeckProbe }).chaiweiDeck
      try {
        map.removeControl(overlay)
      } catch {
        // the map is being removed with its controls
      }
    },
  }
}

