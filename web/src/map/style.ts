// The map style, built from /api/meta. Everything comes from the project's own server: the
// "basemap" is drawn from our vector tiles; there is no online basemap, no sprite and no `glyphs`
// URL. Labels are drawn by MapLibre from local fonts: since MapLibre GL JS 5.11 a style without
// `glyphs` renders all text with TinySDF from the browser's fonts, `text-font` being read as a CSS
// font-family list (style spec, root `glyphs`: "omit to use local fonts").
import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl'
import type { Meta } from '../api.ts'
import {
  adminColors,
  buildingUseColors,
  caseStatusColors,
  caseStatusFallback,
  labelColor,
  labelHalo,
  landClassColors,
  mapBackground,
  referenceAreaColors,
  ringRoadColor,
  roadCasingColor,
  roadClassColors,
  waterColors,
  waterOutlineColor,
} from '../theme/colors.ts'
import type { LayerGroupId } from './groups.ts'

/** The GeoJSON source the adapter fills with one label point per town/village. */
export const LABEL_SOURCE = 'place-labels'

/** Local fonts for labels, first match wins: Linux (Noto CJK), Windows, macOS, then the generic. */
export const LABEL_FONTS = ['Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'sans-serif']

/** Style layers that draw cases: used to count the cases in view. */
export const CASE_LAYERS = ['cases-fill', 'cases-outline', 'cases-point'] as const

type Color = DataDrivenPropertyValueSpecification<string>

function matchColor(prop: string, table: Readonly<Record<string, string>>, fallback: string): ExpressionSpecification {
  const pairs = Object.entries(table).flat()
  return ['match', ['get', prop], ...pairs, fallback] as unknown as ExpressionSpecification
}

const isPolygon: ExpressionSpecification = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false]
const isLine: ExpressionSpecification = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false]
const isPoint: ExpressionSpecification = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false]

function level(l: string): ExpressionSpecification {
  return ['==', ['get', 'level'], l]
}

/** Line width growing with zoom: `pairs` are [zoom, width] stops. */
function widthByZoom(...pairs: [number, number][]): ExpressionSpecification {
  return ['interpolate', ['exponential', 1.5], ['zoom'], ...pairs.flat()] as unknown as ExpressionSpecification
}

/** Makes a root-relative URL template absolute without `new URL`, which would escape the braces. */
function absoluteTemplate(template: string, origin: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(template)) return template
  return origin.replace(/\/$/, '') + (template.startsWith('/') ? template : `/${template}`)
}

export interface BuiltStyle {
  style: StyleSpecification
  /** The style layer ids of each group, for visibility switches. */
  groups: Record<LayerGroupId, string[]>
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
      maxzoom: layer.maxzoom,
      ...(meta.district ? { bounds: meta.district.bbox } : {}),
    }
  }
  sources[LABEL_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }

  const groups: Record<LayerGroupId, string[]> = {
    admin: [],
    parcels: [],
    'reference-areas': [],
    waters: [],
    roads: [],
    buildings: [],
    cases: [],
    labels: [],
  }
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': mapBackground } }]
  const add = (group: LayerGroupId, collection: string, layer: LayerSpecification) => {
    if (collection !== LABEL_SOURCE && !has.has(collection)) return
    layers.push(layer)
    groups[group].push(layer.id)
  }

  // Administrative units: very light fills, the district lightest, then the boundaries (below).
  for (const l of ['district', 'town', 'village'] as const) {
    add('admin', 'admin-units', {
      id: `admin-fill-${l}`,
      type: 'fill',
      source: 'admin-units',
      'source-layer': 'admin-units',
      filter: level(l),
      ...(l === 'village' ? { minzoom: 10 } : {}),
      paint: { 'fill-color': adminColors[l].fill, 'fill-opacity': l === 'district' ? 1 : 0.6 },
    })
  }

  // Parcels: faint, only close in.
  add('parcels', 'parcels', {
    id: 'parcels-fill',
    type: 'fill',
    source: 'parcels',
    'source-layer': 'parcels',
    minzoom: 14,
    paint: {
      'fill-color': matchColor('land_class', landClassColors, landClassColors.other),
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.2, 17, 0.35],
    },
  })
  add('parcels', 'parcels', {
    id: 'parcels-line',
    type: 'line',
    source: 'parcels',
    'source-layer': 'parcels',
    minzoom: 15,
    paint: { 'line-color': '#a39c88', 'line-width': 0.5, 'line-opacity': 0.6 },
  })

  // The "四道六边" surroundings: residential, scenic and enterprise areas.
  add('reference-areas', 'reference-areas', {
    id: 'reference-areas-fill',
    type: 'fill',
    source: 'reference-areas',
    'source-layer': 'reference-areas',
    filter: isPolygon,
    paint: { 'fill-color': matchColor('kind', referenceAreaColors, '#999999'), 'fill-opacity': 0.12 },
  })
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

  // Waters: the reservoir as a fill, rivers and streams as lines.
  add('waters', 'waters', {
    id: 'waters-fill',
    type: 'fill',
    source: 'waters',
    'source-layer': 'waters',
    filter: isPolygon,
    paint: { 'fill-color': waterColors.reservoir, 'fill-outline-color': waterOutlineColor },
  })
  add('waters', 'waters', {
    id: 'waters-stream',
    type: 'line',
    source: 'waters',
    'source-layer': 'waters',
    filter: ['all', isLine, ['!=', ['get', 'kind'], 'river']],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': waterColors.stream, 'line-width': widthByZoom([9, 0.6], [14, 1.5], [18, 4]) },
  })
  add('waters', 'waters', {
    id: 'waters-river',
    type: 'line',
    source: 'waters',
    'source-layer': 'waters',
    filter: ['all', isLine, ['==', ['get', 'kind'], 'river']],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': waterColors.river, 'line-width': widthByZoom([9, 1.2], [14, 3.5], [18, 10]) },
  })

  // Boundaries above the waters, heavier for towns, heaviest for the district.
  add('admin', 'admin-units', {
    id: 'admin-line-village',
    type: 'line',
    source: 'admin-units',
    'source-layer': 'admin-units',
    filter: level('village'),
    minzoom: 11,
    paint: { 'line-color': adminColors.village.line, 'line-width': widthByZoom([11, 0.5], [16, 1.2]), 'line-dasharray': [4, 2] },
  })
  add('admin', 'admin-units', {
    id: 'admin-line-town',
    type: 'line',
    source: 'admin-units',
    'source-layer': 'admin-units',
    filter: level('town'),
    layout: { 'line-join': 'round' },
    paint: { 'line-color': adminColors.town.line, 'line-width': widthByZoom([8, 0.8], [12, 1.6], [16, 2.5]), 'line-opacity': 0.85 },
  })
  add('admin', 'admin-units', {
    id: 'admin-line-district',
    type: 'line',
    source: 'admin-units',
    'source-layer': 'admin-units',
    filter: level('district'),
    layout: { 'line-join': 'round' },
    paint: { 'line-color': adminColors.district.line, 'line-width': widthByZoom([8, 2], [12, 3], [16, 4.5]) },
  })

  // Roads: minor roads get a casing once they are wide enough; major roads by class; the 6th ring
  // road on top in its own colour.
  const roadColor = matchColor('road_class', roadClassColors, roadClassColors.village)
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
  const isRing: ExpressionSpecification = ['==', ['get', 'ring_no'], 6]
  add('roads', 'roads', {
    id: 'roads-casing',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    minzoom: 11,
    filter: ['all', isLine, ['!', isRing]],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': roadCasingColor, 'line-width': roadWidth(1.5) },
  })
  add('roads', 'roads', {
    id: 'roads-line',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['all', isLine, ['!', isRing]],
    layout: {
      'line-cap': 'round',
      'line-join': 'round',
      // Bigger roads drawn last.
      'line-sort-key': ['match', ['get', 'road_class'], 'expressway', 5, 'national', 4, 'provincial', 3, 'county', 2, 1],
    },
    paint: {
      // Below the casing zoom the white minor roads would vanish on the light ground: grey them.
      'line-color': ['step', ['zoom'], ['match', ['get', 'road_class'], ['county', 'village'], '#c9c1ae', roadColor], 11, roadColor],
      'line-width': roadWidth(0),
    },
  })
  add('roads', 'roads', {
    id: 'roads-ring-casing',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['all', isLine, isRing],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#ffffff', 'line-width': widthByZoom([8, 3.5], [12, 6], [16, 13]) },
  })
  add('roads', 'roads', {
    id: 'roads-ring',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['all', isLine, isRing],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': ringRoadColor, 'line-width': widthByZoom([8, 2], [12, 4], [16, 10]) },
  })

  // Buildings by use, from zoom 13.
  add('buildings', 'buildings', {
    id: 'buildings-fill',
    type: 'fill',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: 13,
    // Below zoom 13 the server sends grid-aggregate points (count, area_m2) instead; not drawn yet.
    filter: isPolygon,
    paint: {
      'fill-color': matchColor('use', buildingUseColors, buildingUseColors.other),
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.6, 16, 0.9],
    },
  })
  add('buildings', 'buildings', {
    id: 'buildings-line',
    type: 'line',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: 15,
    filter: isPolygon,
    paint: { 'line-color': '#9b8f7a', 'line-width': 0.6 },
  })

  // Cases on top, coloured by status, at every zoom. A polygon case gets a fill and an outline
  // whose minimum width keeps tiny sites visible as a dot when zoomed out.
  const statusColor: Color = matchColor('status', caseStatusColors, caseStatusFallback)
  // Open work on top of finished work: the ledger is mostly closed cases, which would bury the rest.
  const statusRank: ExpressionSpecification = [
    'match', ['get', 'status'],
    'identified', 9, 'order_issued', 8, 'notified', 7, 'deferred', 6,
    'demolished', 5, 'confiscated', 5, 'regularised', 5, 'accepted', 4, 'closed', 1,
    3,
  ]
  const isFinished: ExpressionSpecification = ['match', ['get', 'status'], ['accepted', 'closed'], true, false]
  add('cases', 'cases', {
    id: 'cases-fill',
    type: 'fill',
    source: 'cases',
    'source-layer': 'cases',
    filter: isPolygon,
    paint: { 'fill-color': statusColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.75, 16, 0.5] },
  })
  add('cases', 'cases', {
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
  })
  add('cases', 'cases', {
    id: 'cases-point',
    type: 'circle',
    source: 'cases',
    'source-layer': 'cases',
    filter: isPoint,
    layout: { 'circle-sort-key': statusRank },
    paint: {
      'circle-color': statusColor,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, ['case', isFinished, 1.8, 3], 12, ['case', isFinished, 3, 4.5], 16, 7],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 8, 0.5, 14, 1.5],
    },
  })

  // Labels, drawn from local fonts (no glyphs URL). Line labels for rivers and major roads; one
  // point per town / village computed by the adapter from the loaded admin-unit tiles.
  const textPaint = { 'text-color': labelColor, 'text-halo-color': labelHalo, 'text-halo-width': 1.5 }
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
    paint: { ...textPaint, 'text-color': '#2f6f9f' },
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
    paint: textPaint,
  })
  add('labels', LABEL_SOURCE, {
    id: 'label-village',
    type: 'symbol',
    source: LABEL_SOURCE,
    minzoom: 12.5,
    filter: level('village'),
    layout: {
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': ['interpolate', ['linear'], ['zoom'], 12.5, 11, 16, 13],
      'text-padding': 4,
    },
    paint: { ...textPaint, 'text-color': '#5b5670' },
  })
  add('labels', LABEL_SOURCE, {
    id: 'label-town',
    type: 'symbol',
    source: LABEL_SOURCE,
    maxzoom: 13,
    filter: level('town'),
    layout: {
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': ['interpolate', ['linear'], ['zoom'], 9, 12, 12, 15],
      'text-padding': 6,
    },
    paint: { ...textPaint, 'text-halo-width': 2 },
  })

  const style: StyleSpecification = {
    version: 8,
    name: 'chaiwei',
    // No `glyphs` and no `sprite` on purpose: nothing may be fetched from outside the server.
    sources,
    layers,
  }
  return { style, groups }
}
