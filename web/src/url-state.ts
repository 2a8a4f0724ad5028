// The visible layers in the URL hash, next to MapLibre's own `map=zoom/lat/lon[/bearing/pitch]`:
//   #map=14/39.71/115.99&layers=basemap,roads,admin,buildings,cases
// so that a link or a reload opens the same view with the same layers. MapLibre rewrites only its
// `map` parameter and keeps the others; this module rewrites only `layers` and keeps the others.
import { SWITCH_IDS, type SwitchId, type Visibility } from './map/groups.ts'

const PARAM = 'layers'

function hashParams(hash: string): URLSearchParams {
  return new URLSearchParams(hash.replace(/^#/, ''))
}

/** The visibility a hash asks for, or null when it names no layer list. Unknown ids are ignored. */
export function visibilityFromHash(hash: string): Record<SwitchId, boolean> | null {
  const raw = hashParams(hash).get(PARAM)
  if (raw === null) return null
  const listed = new Set(raw.split(',').map((s) => s.trim()))
  return Object.fromEntries(SWITCH_IDS.map((id) => [id, listed.has(id)])) as Record<SwitchId, boolean>
}

export function layersParam(v: Visibility): string {
  return SWITCH_IDS.filter((id) => v[id]).join(',')
}

/** The hash with `layers=` set from `v`, every other parameter kept (commas left readable, as MapLibre does). */
export function hashWithLayers(hash: string, v: Visibility): string {
  const params = hashParams(hash)
  params.set(PARAM, layersParam(v))
  return `#${decodeURIComponent(params.toString())}`
}

/** Writes the layer list into the address bar without a history entry or a hashchange event. */
export function writeLayersToUrl(v: Visibility): void {
  const next = hashWithLayers(window.location.hash, v)
  if (next === window.location.hash) return
  const url = window.location.href.replace(/(#.*)?$/, next)
  window.history.replaceState(window.history.state, '', url)
}
