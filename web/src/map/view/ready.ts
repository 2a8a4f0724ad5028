// Style changes wait until the style is in place (it is parsed after the Map constructor returns).
import type { Map as MapLibreMap } from 'maplibre-gl'

export type WhenReady = (fn: () => void) => void

export interface Readiness {
  whenReady: WhenReady
  isReady(): boolean
}

export function createReadiness(map: MapLibreMap): Readiness {
  let ready = false
  const queued: (() => void)[] = []
  map.once('style.load', () => {
    ready = true
    for (const fn of queued.splice(0)) fn()
  })
  return {
    whenReady(fn) {
      if (ready) fn()
      else queued.push(fn)
    },
    isReady: () => ready,
  }
}
