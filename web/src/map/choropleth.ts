// The admin units coloured by a figure (dashboard) and key villages outlined (planning). Both are
// extra layers over the admin-units vector tiles: the figures are joined on the client with a
// `match` on the unit code, so no tile changes and a new figure is one paint update. map-view.ts
// adds and updates these layers; nothing else here touches the map.
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl'
import { CHOROPLETH_NONE, colorOf, KEY_VILLAGE_COLOR, PICKED_COLOR, type Classes } from '../charts/palette.ts'

export interface ChoroplethSpec {
  level: 'town' | 'village'
  /** Figure per admin code. Units absent here are left uncoloured. */
  values: Readonly<Record<string, number>>
  classes: Classes
}

const SOURCE = 'admin-units'
export const CHOROPLETH_FILL = 'choropleth-fill'
export const CHOROPLETH_LINE = 'choropleth-line'
export const CHOROPLETH_LAYERS = [CHOROPLETH_FILL, CHOROPLETH_LINE] as const
/** Below the admin boundaries, so town and village lines stay readable over the colours. */
export const CHOROPLETH_BEFORE = 'admin-line-village'
/** Highlights (key villages, a picked selection) over everything but the labels. */
export const KEY_VILLAGE_BEFORE = 'label-village'

function fillColor(spec: ChoroplethSpec): ExpressionSpecification | string {
  const pairs: string[] = []
  for (const [code, value] of Object.entries(spec.values)) pairs.push(code, colorOf(value, spec.classes))
  if (pairs.length === 0) return CHOROPLETH_NONE
  return ['match', ['to-string', ['get', 'code']], ...pairs, CHOROPLETH_NONE] as unknown as ExpressionSpecification
}

export function choroplethLayers(spec: ChoroplethSpec): LayerSpecification[] {
  const filter: ExpressionSpecification = ['==', ['get', 'level'], spec.level]
  return [
    {
      id: CHOROPLETH_FILL,
      type: 'fill',
      source: SOURCE,
      'source-layer': SOURCE,
      filter,
      paint: { 'fill-color': fillColor(spec), 'fill-opacity': 0.8 },
    },
    {
      id: CHOROPLETH_LINE,
      type: 'line',
      source: SOURCE,
      'source-layer': SOURCE,
      filter,
      paint: { 'line-color': '#7f2704', 'line-width': spec.level === 'town' ? 1.2 : 0.5, 'line-opacity': 0.6 },
    },
  ]
}

/** Paint for an existing choropleth layer (a new figure on the same level). */
export function choroplethPaint(spec: ChoroplethSpec): ExpressionSpecification | string {
  return fillColor(spec)
}

/**
 * Outlined features: `keyVillages` (the 重点村 list), `picked` (villages or parcels picked to make a
 * zone from). Each kind has its own layers, so both can be on at once.
 */
export interface Highlight {
  kind: 'keyVillages' | 'picked'
  collection: 'admin-units' | 'parcels'
  ids: readonly (string | number)[]
}

const HIGHLIGHT_COLORS: Record<Highlight['kind'], string> = { keyVillages: KEY_VILLAGE_COLOR, picked: PICKED_COLOR }

export function highlightLayers(h: Highlight): LayerSpecification[] {
  const idProp = h.collection === 'admin-units' ? 'code' : 'id'
  const filter = ['in', ['to-string', ['get', idProp]], ['literal', h.ids.map(String)]] as unknown as ExpressionSpecification
  const color = HIGHLIGHT_COLORS[h.kind]
  return [
    {
      id: `highlight-${h.kind}-fill`,
      type: 'fill',
      source: h.collection,
      'source-layer': h.collection,
      filter,
      paint: { 'fill-color': color, 'fill-opacity': 0.18 },
    },
    {
      id: `highlight-${h.kind}-line`,
      type: 'line',
      source: h.collection,
      'source-layer': h.collection,
      filter,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': color, 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.5, 14, 3.5] },
    },
  ]
}
