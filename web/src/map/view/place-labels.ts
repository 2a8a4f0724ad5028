// Place-name labels: one point per town / village (labels.ts) from the loaded admin-unit tiles,
// into LABEL_SOURCE. Positions are kept per unit and only replaced by one computed from more of
// the unit (a larger summed area), so names don't jump while panning or zooming in. The staff map
// and the public pages' map (public-map.ts) both use it.
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import { labelPoints, type LabelPoint, type UnitPiece } from '../labels.ts'
import { LABEL_SOURCE } from '../base-layers.ts'

const ADMIN_SOURCE = 'admin-units'

export function createPlaceLabels(map: MapLibreMap, destroyed: () => boolean): { destroy(): void } {
  const labels = new Map<string, LabelPoint>()
  let timer: ReturnType<typeof setTimeout> | undefined
  const update = () => {
    timer = undefined
    if (destroyed() || !map.getSource(ADMIN_SOURCE) || !map.getSource(LABEL_SOURCE)) return
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
  map.on('sourcedata', (e) => {
    if (e.sourceId === ADMIN_SOURCE && e.isSourceLoaded && timer === undefined) timer = setTimeout(update, 150)
  })
  return {
    destroy() {
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
