// What the hexagons weigh: one choice shared by the layer panel's selector and the deck layers, kept
// here (no deck.gl import) so the panel does not load deck.gl to show it.
import { CASE_STATUSES } from '../../codes.ts'
import { DEFAULT_HEX_WEIGHT, type HexWeight } from './case-points.ts'

/** Below this zoom the ledger is hexagons; from it, the style's case points and polygons. */
export const HEX_BELOW_ZOOM = 13

export const HEX_WEIGHTS: readonly HexWeight[] = ['count', 'demolished', ...CASE_STATUSES.map((s) => `status:${s}` as const)]

let current: HexWeight = DEFAULT_HEX_WEIGHT
const listeners = new Set<() => void>()

export const hexWeight = {
  get: (): HexWeight => current,
  set(next: HexWeight) {
    if (next === current) return
    current = next
    for (const l of listeners) l()
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}
