// What the map reports to the app: each settled render (with the cases in view), each camera
// stop, and errors once per distinct message.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { CaseStats, ViewState } from '../groups.ts'
import type { MapViewOptions } from './types.ts'

export function reportMapEvents(
  map: MapLibreMap,
  view: () => ViewState,
  caseStats: () => CaseStats,
  destroyed: () => boolean,
  opts: Pick<MapViewOptions, 'onIdle' | 'onView' | 'onError'>,
): void {
  map.on('idle', () => {
    if (destroyed()) return
    opts.onIdle?.(caseStats(), view())
  })
  map.on('moveend', () => {
    if (!destroyed()) opts.onView?.(view())
  })
  const reported = new Set<string>()
  map.on('error', (e) => {
    const err: unknown = e.error
    const message = err instanceof Error ? err.message : String(err ?? 'map error')
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined
    // A failing online basemap (no network, wrong key) must not look like a broken map.
    const url = typeof (err as { url?: unknown })?.url === 'string' ? (err as { url: string }).url : ''
    if (url && !url.startsWith(window.location.origin)) {
      console.warn('[map] online basemap:', message)
      return
    }
    if (reported.has(message)) return
    reported.add(message)
    console.error('[map]', message)
    opts.onError?.(message, status)
  })
}
