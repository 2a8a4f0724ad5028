// Picking: the most specific feature under the mouse (style.ts PICK_RANK), whatever the drawing
// order; lines and points are thin, so they are hit within a few pixels, areas only under the mouse.
import type { LayerSpecification, Map as MapLibreMap, MapGeoJSONFeature, PointLike } from 'maplibre-gl'
import type { FeatureRef } from '../groups.ts'
import { AGGREGATE_LAYERS, PICK_RANK } from '../style.ts'

/** Pixels around the mouse within which thin lines and points count as hit. */
const HIT_TOLERANCE = 4

export type PickFeature = (point: { x: number; y: number }) => MapGeoJSONFeature | null

/**
 * @param inspectable  the style layers that can be picked
 * @param isVisible    whether a style layer is switched on now
 */
export function createPicker(map: MapLibreMap, styleLayers: readonly LayerSpecification[], inspectable: readonly string[], isVisible: (id: string) => boolean): PickFeature {
  const typeOf = new Map(styleLayers.map((l) => [l.id, l.type]))
  const thin = new Set(inspectable.filter((id) => ['line', 'circle'].includes(typeOf.get(id) ?? '')))
  return (point) => {
    const present = inspectable.filter((id) => map.getLayer(id) && isVisible(id))
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
}

/** What a picked feature points at; none for grid-cell points (they aggregate many). */
export function refOf(f: MapGeoJSONFeature | null): FeatureRef | null {
  if (!f || f.layer.id in AGGREGATE_LAYERS || f.id === undefined || f.id === null) return null
  return { collection: f.source, id: String(f.id) }
}
