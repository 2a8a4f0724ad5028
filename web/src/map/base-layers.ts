// The base map's layers that both maps draw, defined once: the staff map (style.ts, which adds its
// switches, hover lines and the layers only it has around them) and the public pages' map
// (public-map.ts, from the public tiles). Each layer reads the source named as its collection
// (`admin-units`, `waters`, `roads`), which both styles define. Where the two maps draw a layer
// differently (road widths, the village names' size) the caller passes what differs. No MapLibre
// runtime here: plain style JSON.
import type { DataDrivenPropertyValueSpecification, ExpressionSpecification, LayerSpecification } from 'maplibre-gl'
import {
  adminColors,
  labelColor,
  labelHalo,
  ringRoadColor,
  roadCasingColor,
  roadClassColors,
  waterColors,
  waterOutlineColor,
} from '../theme/colors.ts'

/** The GeoJSON source the map fills with one label point per town/village (labels.ts). */
export const LABEL_SOURCE = 'place-labels'

/** Local fonts for labels, first match wins: Linux (Noto CJK), Windows, macOS, then the generic. */
export const LABEL_FONTS = ['Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'sans-serif']

export const isPolygon: ExpressionSpecification = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false]
export const isLine: ExpressionSpecification = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false]
/** The 6th ring road, drawn on top of the other roads in its own colour. */
export const isRing: ExpressionSpecification = ['==', ['get', 'ring_no'], 6]

export function level(l: string): ExpressionSpecification {
  return ['==', ['get', 'level'], l]
}

/** Line width growing with zoom: `pairs` are [zoom, width] stops. */
export function widthByZoom(...pairs: [number, number][]): ExpressionSpecification {
  return ['interpolate', ['exponential', 1.5], ['zoom'], ...pairs.flat()] as unknown as ExpressionSpecification
}

/** A colour looked up from a property's value, `fallback` for any other value. */
export function matchColor(prop: string, table: Readonly<Record<string, string>>, fallback: string): ExpressionSpecification {
  const pairs = Object.entries(table).flat()
  return ['match', ['get', prop], ...pairs, fallback] as unknown as ExpressionSpecification
}

export const ADMIN_LEVELS = ['district', 'town', 'village'] as const
export type AdminLevel = (typeof ADMIN_LEVELS)[number]

/** One level of administrative units filled: very light, the district lightest. The ground the
 *  rest is drawn on, villages only from z10. */
export function adminFill(l: AdminLevel): LayerSpecification {
  return {
    id: `admin-fill-${l}`,
    type: 'fill',
    source: 'admin-units',
    'source-layer': 'admin-units',
    filter: level(l),
    ...(l === 'village' ? { minzoom: 10 } : {}),
    paint: { 'fill-color': adminColors[l].fill, 'fill-opacity': l === 'district' ? 1 : 0.6 },
  }
}

/** The administrative boundaries, bottom to top: villages (dashed, close in), towns, heaviest the
 *  district. */
export function adminLines(): LayerSpecification[] {
  return [
    {
      id: 'admin-line-village',
      type: 'line',
      source: 'admin-units',
      'source-layer': 'admin-units',
      filter: level('village'),
      minzoom: 11,
      paint: { 'line-color': adminColors.village.line, 'line-width': widthByZoom([11, 0.5], [16, 1.2]), 'line-dasharray': [4, 2] },
    },
    {
      id: 'admin-line-town',
      type: 'line',
      source: 'admin-units',
      'source-layer': 'admin-units',
      filter: level('town'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': adminColors.town.line, 'line-width': widthByZoom([8, 0.8], [12, 1.6], [16, 2.5]), 'line-opacity': 0.85 },
    },
    {
      id: 'admin-line-district',
      type: 'line',
      source: 'admin-units',
      'source-layer': 'admin-units',
      filter: level('district'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': adminColors.district.line, 'line-width': widthByZoom([8, 2], [12, 3], [16, 4.5]) },
    },
  ]
}

/** The reservoir (the waters' polygons) as a fill. */
export function waterFill(): LayerSpecification {
  return {
    id: 'waters-fill',
    type: 'fill',
    source: 'waters',
    'source-layer': 'waters',
    filter: isPolygon,
    paint: { 'fill-color': waterColors.reservoir, 'fill-outline-color': waterOutlineColor },
  }
}

/** The casing of the roads other than the ring road, from z11 where they are wide enough. */
export function roadCasing(width: DataDrivenPropertyValueSpecification<number>): LayerSpecification {
  return {
    id: 'roads-casing',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    minzoom: 11,
    filter: ['all', isLine, ['!', isRing]],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': roadCasingColor, 'line-width': width },
  }
}

/** The roads other than the ring road, coloured by class; `sortKey`: which are drawn last. */
export function roadLine(width: DataDrivenPropertyValueSpecification<number>, sortKey?: ExpressionSpecification): LayerSpecification {
  const roadColor = matchColor('road_class', roadClassColors, roadClassColors.village)
  return {
    id: 'roads-line',
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['all', isLine, ['!', isRing]],
    layout: { 'line-cap': 'round', 'line-join': 'round', ...(sortKey ? { 'line-sort-key': sortKey } : {}) },
    paint: {
      // Below the casing zoom the white minor roads would vanish on the light ground: grey them.
      'line-color': ['step', ['zoom'], ['match', ['get', 'road_class'], ['county', 'village'], '#c9c1ae', roadColor], 11, roadColor],
      'line-width': width,
    },
  }
}

function ringLine(id: string, color: string, width: ExpressionSpecification): LayerSpecification {
  return {
    id,
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['all', isLine, isRing],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': color, 'line-width': width },
  }
}

/** A white band under the 6th ring road (the staff map's). */
export function ringRoadCasing(): LayerSpecification {
  return ringLine('roads-ring-casing', '#ffffff', widthByZoom([8, 3.5], [12, 6], [16, 13]))
}

/** The 6th ring road, in its own colour. */
export function ringRoad(): LayerSpecification {
  return ringLine('roads-ring', ringRoadColor, widthByZoom([8, 2], [12, 4], [16, 10]))
}

/** Dark text with a light halo, from local fonts. */
export const labelText = { 'text-color': labelColor, 'text-halo-color': labelHalo, 'text-halo-width': 1.5 }

/** Village names close in (at `villageSize`), town names zoomed out: one point per unit in
 *  LABEL_SOURCE. */
export function placeLabels(villageSize: DataDrivenPropertyValueSpecification<number>): LayerSpecification[] {
  return [
    {
      id: 'label-village',
      type: 'symbol',
      source: LABEL_SOURCE,
      minzoom: 12.5,
      filter: level('village'),
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONTS, 'text-size': villageSize, 'text-padding': 4 },
      paint: { ...labelText, 'text-color': '#5b5670' },
    },
    {
      id: 'label-town',
      type: 'symbol',
      source: LABEL_SOURCE,
      maxzoom: 13,
      filter: level('town'),
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONTS, 'text-size': ['interpolate', ['linear'], ['zoom'], 9, 12, 12, 15], 'text-padding': 6 },
      paint: { ...labelText, 'text-halo-width': 2 },
    },
  ]
}
