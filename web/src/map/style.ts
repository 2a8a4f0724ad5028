// The map style, built from /api/meta. Everything comes from the project's own server: the
// "basemap" is drawn from our vector tiles; there is no online basemap unless the user turns one
// on (basemaps.ts; the adapter inserts it), no sprite and no `glyphs` URL. Labels are drawn by
// MapLibre from local fonts: since MapLibre GL JS 5.11 a style without `glyphs` renders all text
// with TinySDF from the browser's fonts, `text-font` being read as a CSS font-family list (style
// spec, root `glyphs`: "omit to use local fonts").
//
// Drawing order, bottom to top, follows the layer panel: basemap (online raster, then the
// district's ground tint, reference areas, waters, roads), administrative boundaries, parcels,
// buildings, buffer zones, zones, satellite-change patches, cases; then the selection and the
// place names. (The admin units' fills are the ground the basemap is drawn on, so they sit under
// it; their boundaries sit above it.)
import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl'
import type { Meta } from '../api.ts'
import {
  bufferFallback,
  bufferFamilyColors,
  buildingDensityStops,
  buildingDensityStroke,
  buildingLineColor,
  buildingUseColors,
  caseStatusColors,
  caseStatusFallback,
  overdueColor,
  detectionFallback,
  detectionResultColors,
  detectionStatusColors,
  hoverColor,
  landClassColors,
  mapBackground,
  parcelLineColor,
  referenceAreaColors,
  selectedCasing,
  selectedColor,
  waterColors,
  zoneFallback,
  zoneTypeColors,
} from '../theme/colors.ts'
import {
  ADMIN_LEVELS,
  adminFill,
  adminLines,
  isLine,
  isPolygon,
  LABEL_FONTS,
  LABEL_SOURCE,
  labelText,
  matchColor,
  placeLabels,
  ringRoad,
  ringRoadCasing,
  roadCasing,
  roadLine,
  waterFill,
  widthByZoom,
} from './base-layers.ts'
import { EXTRUSION_MINZOOM, FLOOR_HEIGHT_M, type SwitchId } from './groups.ts'

// The layers the public map draws too are defined in base-layers.ts; these two stay exported here.
export { LABEL_FONTS, LABEL_SOURCE }
/** The GeoJSON source holding the feature open in the inspector (its full geometry from the API). */
export const SELECTION_SOURCE = 'selection'
/** Online raster basemap layers are inserted before this layer (right above the background). */
export const BASEMAP_BEFORE = 'admin-fill-district'

/** Style layers that draw cases: used to count the cases in view. */
export const CASE_LAYERS = ['cases-fill', 'cases-outline', 'cases-point'] as const
/** The grid-cell points of buildings below the aggregation zoom: a click there zooms in. */
export const AGGREGATE_LAYER = 'buildings-agg'
/** Every style layer of grid-cell points, with the collection it aggregates: a click zooms in. */
export const AGGREGATE_LAYERS: Readonly<Record<string, string>> = { [AGGREGATE_LAYER]: 'buildings', 'detections-agg': 'detections' }

/** The property tile features carry their feature id in, per collection (MapLibre `promoteId`). */
export function idPropertyOf(collection: string): string {
  return collection === 'admin-units' ? 'code' : 'id'
}

type Color = DataDrivenPropertyValueSpecification<string>

const isPoint: ExpressionSpecification = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false]
const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false]

/** Makes a root-relative URL template absolute without `new URL`, which would escape the braces. */
function absoluteTemplate(template: string, origin: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(template)) return template
  return origin.replace(/\/$/, '') + (template.startsWith('/') ? template : `/${template}`)
}

/** The paint properties that make a layer of each type see-through, for the opacity sliders. */
const OPACITY_PROPS: Readonly<Record<string, readonly string[]>> = {
  fill: ['fill-opacity'],
  line: ['line-opacity'],
  circle: ['circle-opacity', 'circle-stroke-opacity'],
  symbol: ['text-opacity'],
  'fill-extrusion': ['fill-extrusion-opacity'],
  raster: ['raster-opacity'],
}

export function opacityPropsOf(type: string): readonly string[] {
  return OPACITY_PROPS[type] ?? []
}

const isZoomInput = (v: unknown) => Array.isArray(v) && v[0] === 'zoom'

/**
 * A paint opacity scaled by k. A zoom curve must stay the top-level expression (style spec:
 * "zoom" only as the input of a top-level step/interpolate), so its stop outputs are scaled
 * instead of wrapping it in a product.
 */
export function scaleOpacity(base: unknown, k: number): unknown {
  if (k === 1) return base
  if (typeof base === 'number') return base * k
  if (Array.isArray(base)) {
    if (base[0] === 'interpolate' && isZoomInput(base[2])) {
      const out: unknown[] = base.slice(0, 3)
      for (let i = 3; i < base.length; i += 2) out.push(base[i], scaleOpacity(base[i + 1], k))
      return out
    }
    if (base[0] === 'step' && isZoomInput(base[1])) {
      const out: unknown[] = [base[0], base[1], scaleOpacity(base[2], k)]
      for (let i = 3; i < base.length; i += 2) out.push(base[i], scaleOpacity(base[i + 1], k))
      return out
    }
    return ['*', base, k]
  }
  return base
}

/**
 * The style layers a click or the mouse can pick, and which wins where several are under the
 * mouse: the specific object (a case, a patch, a building) over the area around it (a zone, a
 * buffer band, a village), whatever the drawing order. A zone or a buffer band is picked by its
 * outline, or inside where nothing more specific lies.
 */
export const PICK_RANK: Readonly<Record<string, number>> = {
  'cases-point': 100,
  'cases-outline': 99,
  'cases-fill': 98,
  'detections-line': 91,
  'detections-fill': 90,
  'detections-agg': 89,
  'zones-line': 85,
  'buffer-zones-line': 84,
  'buildings-3d': 72,
  'buildings-fill': 71,
  [AGGREGATE_LAYER]: 70,
  'parcels-fill': 60,
  'roads-ring': 52,
  'roads-line': 51,
  'waters-river': 50,
  'waters-stream': 50,
  'waters-fill': 45,
  'zones-fill': 40,
  'buffer-zones-fill': 35,
  'reference-areas-fill': 30,
  'admin-fill-village': 12,
  'admin-fill-town': 11,
  'admin-fill-district': 10,
}

export interface StyleLayerInfo {
  /** The switch that shows and hides it (a group or a sub-layer), or null for always-on layers. */
  switchId: SwitchId | null
  /** The layer's own opacities, per paint property, before any slider. */
  opacity: Readonly<Record<string, unknown>>
  /** Part of the ground: made transparent while an online basemap is shown. */
  ground?: boolean
}

export interface BuiltStyle {
  style: StyleSpecification
  /** Per style layer: its switch and base opacities. */
  layers: Record<string, StyleLayerInfo>
  /** Style layers whose features can be inspected (click) and highlighted (hover). */
  inspectable: string[]
}

/**
 * @param meta    the server's /api/meta
 * @param origin  the page origin; tile URLs are made absolute (they are fetched from a worker)
 */
export function buildStyle(meta: Meta, origin: string): BuiltStyle {
  const sources: Record<string, SourceSpecification> = {}
  const has = new Set<string>()
  for (const layer of meta.layers) {
    has.add(layer.id)
    sources[layer.id] = {
      type: 'vector',
      // OGC API Tiles order: {z}/{y}/{x} (row, then column). MapLibre fills the tokens by name.
      tiles: [absoluteTemplate(layer.tiles, origin)],
      minzoom: layer.minzoom,
      // Tiles hold full detail at maxzoom (16); MapLibre overzooms them beyond.
      maxzoom: layer.maxzoom,
      // Feature ids for feature-state (hover) and the inspector: admin units by code, the rest by id.
      promoteId: idPropertyOf(layer.id),
      ...(meta.district ? { bounds: meta.district.bbox } : {}),
    }
  }
  sources[LABEL_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }
  sources[SELECTION_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }

  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': mapBackground } }]
  const info: Record<string, StyleLayerInfo> = {}
  const inspectable: string[] = []
  const add = (switchId: SwitchId | null, collection: string | null, layer: LayerSpecification, opts: { ground?: boolean } = {}) => {
    if (collection && !has.has(collection)) return
    layers.push(layer)
    const paint = (layer as { paint?: Record<string, unknown> }).paint ?? {}
    const opacity: Record<string, unknown> = {}
    for (const prop of opacityPropsOf(layer.type)) opacity[prop] = paint[prop] ?? 1
    info[layer.id] = { switchId, opacity, ...(opts.ground ? { ground: true } : {}) }
    if (layer.id in PICK_RANK) inspectable.push(layer.id)
  }
  /** A line over a collection's features, drawn only for the one under the mouse. */
  const hoverLine = (switchId: SwitchId, collection: string, extra: Partial<{ minzoom: number; filter: ExpressionSpecification; width: number }> = {}) =>
    add(switchId, collection, {
      id: `${collection}-hover`,
      type: 'line',
      source: collection,
      'source-layer': collection,
      ...(extra.minzoom !== undefined ? { minzoom: extra.minzoom } : {}),
      ...(extra.filter ? { filter: extra.filter } : {}),
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': hoverColor, 'line-width': extra.width ?? 2.5, 'line-opacity': ['case', hovered, 1, 0] },
    })

  // --- basemap: the district's ground, then reference areas, waters, roads --------------------
  // Administrative units' fills: very light, the district lightest. They are the ground (switched
  // with the admin units, made transparent over an online basemap, which goes below them).
  for (const l of ADMIN_LEVELS) add('admin', 'admin-units', adminFill(l), { ground: true })

  // The "四道六边" surroundings: residential, scenic and enterprise areas.
  add(
    'reference-areas',
    'reference-areas',
    {
      id: 'reference-areas-fill',
      type: 'fill',
      source: 'reference-areas',
      'source-layer': 'reference-areas',
      filter: isPolygon,
      paint: { 'fill-color': matchColor('kind', referenceAreaColors, '#999999'), 'fill-opacity': 0.12 },
    },
  )
  add('reference-areas', 'reference-areas', {
    id: 'reference-areas-line',
    type: 'line',
    source: 'reference-areas',
    'source-layer': 'reference-areas',
    filter: isPolygon,
    paint: {
      'line-color': matchColor('kind', referenceAreaColors, '#999999'),
      'line-width': 1,
      'line-dasharray': [3, 2],
      'line-opacity': 0.8,
    },
  })
  hoverLine('reference-areas', 'reference-areas', { filter: isPolygon })

  // Waters: the reservoir as a fill, rivers and streams as lines.
  add('waters', 'waters', waterFill())
  add(
    'waters',
    'waters',
    {
      id: 'waters-stream',
      type: 'line',
      source: 'waters',
      'source-layer': 'waters',
      filter: ['all', isLine, ['!=', ['get', 'kind'], 'river']],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': waterColors.stream, 'line-width': widthByZoom([9, 0.6], [14, 1.5], [18, 4]) },
    },
  )
  add(
    'waters',
    'waters',
    {
      id: 'waters-river',
      type: 'line',
      source: 'waters',
      'source-layer': 'waters',
      filter: ['all', isLine, ['==', ['get', 'kind'], 'river']],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': waterColors.river, 'line-width': widthByZoom([9, 1.2], [14, 3.5], [18, 10]) },
    },
  )
  hoverLine('waters', 'waters')

  // Roads: minor roads get a casing once they are wide enough; major roads by class; the 6th ring
  // road on top in its own colour.
  // Width per class at three zooms; `extra` widens it for the casing. (A zoom expression must be the
  // top-level interpolate, so the casing cannot just add to the line's expression.)
  const roadWidth = (extra: number): ExpressionSpecification => {
    const at = (w: Record<'expressway' | 'national' | 'provincial' | 'county' | 'village', number>) =>
      ['match', ['get', 'road_class'], 'expressway', w.expressway + extra, 'national', w.national + extra,
        'provincial', w.provincial + extra, 'county', w.county + extra, w.village + extra]
    return [
      'interpolate', ['exponential', 1.5], ['zoom'],
      8, at({ expressway: 1.6, national: 1.2, provincial: 1, county: 0.6, village: 0.3 }),
      12, at({ expressway: 3.5, national: 2.8, provincial: 2.2, county: 1.6, village: 1 }),
      16, at({ expressway: 10, national: 8, provincial: 7, county: 5, village: 3.5 }),
    ] as unknown as ExpressionSpecification
  }
  add('roads', 'roads', roadCasing(roadWidth(1.5)))
  // Bigger roads drawn last.
  add('roads', 'roads', roadLine(roadWidth(0), ['match', ['get', 'road_class'], 'expressway', 5, 'national', 4, 'provincial', 3, 'county', 2, 1]))
  add('roads', 'roads', ringRoadCasing())
  add('roads', 'roads', ringRoad())
  hoverLine('roads', 'roads', { filter: isLine, width: 3 })

  // --- administrative boundaries, heavier for towns, heaviest for the district ----------------
  for (const layer of adminLines()) add('admin', 'admin-units', layer)
  // The unit under the mouse: lighter than the others' hover, it is under the mouse most of the time.
  add('admin', 'admin-units', {
    id: 'admin-units-hover',
    type: 'line',
    source: 'admin-units',
    'source-layer': 'admin-units',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': hoverColor, 'line-width': 1.5, 'line-opacity': ['case', hovered, 0.55, 0] },
  })

  // --- parcels: faint, only close in ------------------------------------------------------------
  add(
    'parcels',
    'parcels',
    {
      id: 'parcels-fill',
      type: 'fill',
      source: 'parcels',
      'source-layer': 'parcels',
      minzoom: 14,
      paint: {
        'fill-color': matchColor('land_class', landClassColors, landClassColors.other),
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.2, 17, 0.35],
      },
    },
  )
  add('parcels', 'parcels', {
    id: 'parcels-line',
    type: 'line',
    source: 'parcels',
    'source-layer': 'parcels',
    minzoom: 15,
    paint: { 'line-color': parcelLineColor, 'line-width': 0.5, 'line-opacity': 0.6 },
  })
  hoverLine('parcels', 'parcels', { minzoom: 14 })

  // --- buildings: density points below the aggregation zoom, footprints by use above, extruded
  // by floors on request -------------------------------------------------------------------------
  const buildingsMeta = meta.layers.find((l) => l.id === 'buildings')
  const aggregateBelow = buildingsMeta?.aggregateBelowZoom ?? null
  const footprintsFrom = aggregateBelow ?? Math.max(13, buildingsMeta?.minzoom ?? 13)
  if (aggregateBelow !== null) {
    const densityColor = ['step', ['get', 'count'], buildingDensityStops[0]!.color,
      ...buildingDensityStops.slice(1).flatMap((s) => [s.count, s.color])] as unknown as ExpressionSpecification
    // Radius by the square root of the count (area ∝ count), a little larger as cells grow on screen.
    const radius = (k: number): ExpressionSpecification =>
      ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 2 * k, 5, 3.5 * k, 15, 6 * k, 25, 8.5 * k]
    add(
      'buildings',
      'buildings',
      {
        id: AGGREGATE_LAYER,
        type: 'circle',
        source: 'buildings',
        'source-layer': 'buildings',
        maxzoom: aggregateBelow,
        filter: isPoint,
        layout: { 'circle-sort-key': ['get', 'count'] },
        paint: {
          'circle-color': densityColor,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, radius(0.8), aggregateBelow, radius(1.1)],
          'circle-opacity': 0.8,
          'circle-stroke-color': buildingDensityStroke,
          'circle-stroke-width': 0.6,
          'circle-stroke-opacity': 0.6,
        },
      },
    )
  }
  const useColor: Color = matchColor('use', buildingUseColors, buildingUseColors.other)
  add(
    'buildings',
    'buildings',
    {
      id: 'buildings-fill',
      type: 'fill',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: footprintsFrom,
      filter: isPolygon,
      paint: {
        'fill-color': useColor,
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], footprintsFrom, 0.6, 16, 0.9],
      },
    },
  )
  add('buildings', 'buildings', {
    id: 'buildings-line',
    type: 'line',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: 15,
    filter: isPolygon,
    paint: { 'line-color': buildingLineColor, 'line-width': 0.6 },
  })
  hoverLine('buildings', 'buildings', { minzoom: footprintsFrom, filter: isPolygon, width: 2 })
  add(
    'buildings-3d',
    'buildings',
    {
      id: 'buildings-3d',
      type: 'fill-extrusion',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: EXTRUSION_MINZOOM,
      filter: isPolygon,
      layout: { visibility: 'none' },
      paint: {
        'fill-extrusion-color': ['case', hovered, hoverColor, useColor] as unknown as ExpressionSpecification,
        'fill-extrusion-height': ['*', ['max', ['coalesce', ['get', 'floors'], 1], 1], FLOOR_HEIGHT_M],
        'fill-extrusion-base': 0,
        'fill-extrusion-opacity': 0.92,
      },
    },
  )

  // --- buffer zones (四道六边, ring bands): translucent bands by family ------------------------
  const bufferColor = matchColor('family', bufferFamilyColors, bufferFallback)
  // Zones of past rule-set versions stay in the table (old statistics reproduce with them); the map
  // shows the active version's.
  const activeBuffer: ExpressionSpecification = ['all', isPolygon, ['==', ['get', 'active'], true]]
  add(
    'buffer-zones',
    'buffer-zones',
    {
      id: 'buffer-zones-fill',
      type: 'fill',
      source: 'buffer-zones',
      'source-layer': 'buffer-zones',
      filter: activeBuffer,
      paint: { 'fill-color': bufferColor, 'fill-opacity': 0.22 },
    },
  )
  add('buffer-zones', 'buffer-zones', {
    id: 'buffer-zones-line',
    type: 'line',
    source: 'buffer-zones',
    'source-layer': 'buffer-zones',
    filter: activeBuffer,
    paint: { 'line-color': bufferColor, 'line-width': 0.8, 'line-opacity': 0.8 },
  })
  hoverLine('buffer-zones', 'buffer-zones', { filter: activeBuffer })

  // --- zones: heavy dashed outlines by type --------------------------------------------------------
  const zoneColor = matchColor('zone_type', zoneTypeColors, zoneFallback)
  add(
    'zones',
    'zones',
    {
      id: 'zones-fill',
      type: 'fill',
      source: 'zones',
      'source-layer': 'zones',
      filter: isPolygon,
      paint: { 'fill-color': zoneColor, 'fill-opacity': 0.08 },
    },
  )
  add('zones', 'zones', {
    id: 'zones-line',
    type: 'line',
    source: 'zones',
    'source-layer': 'zones',
    filter: isPolygon,
    layout: { 'line-join': 'round' },
    paint: { 'line-color': zoneColor, 'line-width': widthByZoom([8, 1.5], [14, 2.5], [17, 3.5]), 'line-dasharray': [4, 2] },
  })
  hoverLine('zones', 'zones', { filter: isPolygon, width: 3 })

  // --- satellite-change patches: outline and a faint fill, by status then result -----------------
  const detectionColor = [
    'case', ['==', ['get', 'status'], 'verified'],
    matchColor('result', detectionResultColors, detectionFallback),
    matchColor('status', detectionStatusColors, detectionFallback),
  ] as unknown as ExpressionSpecification
  add(
    'detections',
    'detections',
    {
      id: 'detections-fill',
      type: 'fill',
      source: 'detections',
      'source-layer': 'detections',
      filter: isPolygon,
      paint: { 'fill-color': detectionColor, 'fill-opacity': 0.18 },
    },
  )
  add(
    'detections',
    'detections',
    {
      id: 'detections-line',
      type: 'line',
      source: 'detections',
      'source-layer': 'detections',
      filter: isPolygon,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      // Zoomed out a patch is a dot of this width, like the cases.
      paint: { 'line-color': detectionColor, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2.5, 13, 2, 17, 2.5] },
    },
  )
  hoverLine('detections', 'detections', { filter: isPolygon, width: 3 })
  // Zoomed out: grid points per outcome (tiles carry `outcome` and `count`), sized by the count.
  const outcomeColor = matchColor('outcome', { ...detectionStatusColors, ...detectionResultColors }, detectionFallback)
  add('detections', 'detections', {
    id: 'detections-agg',
    type: 'circle',
    source: 'detections',
    'source-layer': 'detections',
    filter: isPoint,
    layout: { 'circle-sort-key': ['get', 'count'] },
    paint: {
      'circle-color': outcomeColor,
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'count'], 1]], 1, 3, 4, 6, 10, 10],
      'circle-opacity': 0.85,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
  })

  // --- cases on top, coloured by status, at every zoom. A polygon case gets a fill and an outline
  // whose minimum width keeps tiny sites visible as a dot when zoomed out ---------------------------
  const statusColor: Color = matchColor('status', caseStatusColors, caseStatusFallback)
  // Open work on top of finished work: the ledger is mostly closed cases, which would bury the rest.
  const statusRank: ExpressionSpecification = [
    'match', ['get', 'status'],
    'identified', 9, 'order_issued', 8, 'notified', 7, 'deferred', 6,
    'demolished', 5, 'confiscated', 5, 'regularised', 5, 'accepted', 4, 'closed', 1,
    3,
  ]
  const isFinished: ExpressionSpecification = ['match', ['get', 'status'], ['accepted', 'closed'], true, false]
  // Overdue cases (tiles carry `overdue`): a halo under the status colour, polygons and points.
  const isOverdue: ExpressionSpecification = ['==', ['get', 'overdue'], true]
  add('cases', 'cases', {
    id: 'cases-overdue-halo',
    type: 'line',
    source: 'cases',
    'source-layer': 'cases',
    filter: ['all', isPolygon, isOverdue],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': overdueColor, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 7, 13, 6, 16, 7], 'line-opacity': 0.85 },
  })
  add('cases', 'cases', {
    id: 'cases-overdue-ring',
    type: 'circle',
    source: 'cases',
    'source-layer': 'cases',
    filter: ['all', isPoint, isOverdue],
    paint: {
      'circle-color': 'rgba(0,0,0,0)',
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 5, 12, 7.5, 16, 11],
      'circle-stroke-color': overdueColor,
      'circle-stroke-width': 2.5,
      'circle-stroke-opacity': 0.9,
    },
  })
  add(
    'cases',
    'cases',
    {
      id: 'cases-fill',
      type: 'fill',
      source: 'cases',
      'source-layer': 'cases',
      filter: isPolygon,
      paint: { 'fill-color': statusColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.75, 16, 0.5] },
    },
  )
  add(
    'cases',
    'cases',
    {
      id: 'cases-outline',
      type: 'line',
      source: 'cases',
      'source-layer': 'cases',
      filter: isPolygon,
      layout: { 'line-join': 'round', 'line-cap': 'round', 'line-sort-key': statusRank },
      paint: {
        'line-color': statusColor,
        // Zoomed out a site is a dot of this width; finished ones smaller.
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, ['case', isFinished, 2, 3.5], 13, ['case', isFinished, 1.5, 2.5], 16, 2.5],
      },
    },
  )
  add(
    'cases',
    'cases',
    {
      id: 'cases-point',
      type: 'circle',
      source: 'cases',
      'source-layer': 'cases',
      filter: isPoint,
      layout: { 'circle-sort-key': statusRank },
      paint: {
        'circle-color': statusColor,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, ['case', isFinished, 1.8, 3], 12, ['case', isFinished, 3, 4.5], 16, 7],
        'circle-stroke-color': ['case', hovered, hoverColor, '#ffffff'] as unknown as ExpressionSpecification,
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 8, ['case', hovered, 2, 0.5], 14, ['case', hovered, 3, 1.5]],
      },
    },
  )
  hoverLine('cases', 'cases', { filter: isPolygon, width: 3 })

  // --- the feature open in the inspector: its exact geometry from the API, over everything -------
  add(null, null, {
    id: 'selection-fill',
    type: 'fill',
    source: SELECTION_SOURCE,
    filter: isPolygon,
    // Faint: a selected zone or village can cover the whole view.
    paint: { 'fill-color': selectedColor, 'fill-opacity': 0.07 },
  })
  add(null, null, {
    id: 'selection-casing',
    type: 'line',
    source: SELECTION_SOURCE,
    filter: ['!', isPoint],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': selectedCasing, 'line-width': 6, 'line-opacity': 0.9 },
  })
  add(null, null, {
    id: 'selection-line',
    type: 'line',
    source: SELECTION_SOURCE,
    filter: ['!', isPoint],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': selectedColor, 'line-width': 3 },
  })
  add(null, null, {
    id: 'selection-point',
    type: 'circle',
    source: SELECTION_SOURCE,
    filter: isPoint,
    paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 10, 'circle-stroke-color': selectedColor, 'circle-stroke-width': 3 },
  })

  // --- labels, drawn from local fonts (no glyphs URL). Line labels for rivers and major roads; one
  // point per town / village computed by the adapter from the loaded admin-unit tiles -------------
  add('labels', 'waters', {
    id: 'label-waters',
    type: 'symbol',
    source: 'waters',
    'source-layer': 'waters',
    minzoom: 11,
    filter: ['all', isLine, ['has', 'name']],
    layout: {
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': 12,
      'symbol-spacing': 400,
    },
    paint: { ...labelText, 'text-color': '#2f6f9f' },
  })
  add('labels', 'roads', {
    id: 'label-roads',
    type: 'symbol',
    source: 'roads',
    'source-layer': 'roads',
    minzoom: 12,
    filter: ['all', isLine, ['has', 'name'], ['match', ['get', 'road_class'], ['expressway', 'national', 'provincial', 'county'], true, false]],
    layout: {
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': 11,
      'symbol-spacing': 500,
    },
    paint: labelText,
  })
  // The label points come from the admin units' tiles.
  for (const layer of placeLabels(['interpolate', ['linear'], ['zoom'], 12.5, 11, 16, 13])) add('labels', 'admin-units', layer)

  const style: StyleSpecification = {
    version: 8,
    name: 'chaiwei',
    // No `glyphs` and no `sprite` on purpose: nothing may be fetched from outside the server.
    sources,
    layers,
  }
  return { style, layers: info, inspectable }
}
