// Collects the style's layers in drawing order, with what the adapter needs to know of each: its
// switch, its base opacities, whether it is ground, whether it can be picked. The layer-group
// modules (basemap.ts, cases.ts, ...) add their layers through it.
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl'
import { mapBackground, hoverColor } from '../../theme/colors.ts'
import type { SwitchId } from '../groups.ts'
import { opacityPropsOf } from './opacity.ts'
import { PICK_RANK } from './pick-rank.ts'

export interface StyleLayerInfo {
  /** The switch that shows and hides it (a group or a sub-layer), or null for always-on layers. */
  switchId: SwitchId | null
  /** The layer's own opacities, per paint property, before any slider. */
  opacity: Readonly<Record<string, unknown>>
  /** Part of the ground: made transparent while an online basemap is shown. */
  ground?: boolean
}

export const isPoint: ExpressionSpecification = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false]
/** True for the feature under the mouse (the adapter sets this feature-state). */
export const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false]

export interface HoverLineOptions {
  minzoom: number
  filter: ExpressionSpecification
  width: number
}

export interface StyleBuilder {
  /** Adds a layer under a switch; skipped when its collection is not published. */
  add(switchId: SwitchId | null, collection: string | null, layer: LayerSpecification, opts?: { ground?: boolean }): void
  /** A line over a collection's features, drawn only for the one under the mouse. */
  hoverLine(switchId: SwitchId, collection: string, extra?: Partial<HoverLineOptions>): void
  readonly layers: LayerSpecification[]
  readonly info: Record<string, StyleLayerInfo>
  readonly inspectable: string[]
}

/** @param published  the collections the server publishes (/api/meta layers) */
export function createStyleBuilder(published: ReadonlySet<string>): StyleBuilder {
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': mapBackground } }]
  const info: Record<string, StyleLayerInfo> = {}
  const inspectable: string[] = []
  const add: StyleBuilder['add'] = (switchId, collection, layer, opts = {}) => {
    if (collection && !published.has(collection)) return
    layers.push(layer)
    const paint = (layer as { paint?: Record<string, unknown> }).paint ?? {}
    const opacity: Record<string, unknown> = {}
    for (const prop of opacityPropsOf(layer.type)) opacity[prop] = paint[prop] ?? 1
    info[layer.id] = { switchId, opacity, ...(opts.ground ? { ground: true } : {}) }
    if (layer.id in PICK_RANK) inspectable.push(layer.id)
  }
  const hoverLine: StyleBuilder['hoverLine'] = (switchId, collection, extra = {}) =>
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
  return { add, hoverLine, layers, info, inspectable }
}
