// The cases drawn in the current viewport, counted once each (a case can be split across tiles).
import type { Map as MapLibreMap, MapGeoJSONFeature } from 'maplibre-gl'
import type { CaseStats } from '../groups.ts'
import { CASE_LAYERS } from '../style.ts'

export function caseStatsOf(map: MapLibreMap): CaseStats {
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
