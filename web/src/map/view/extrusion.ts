// Extruded buildings: the map may tilt and turn only while they are on; turning them on tilts it,
// turning them off flattens it.
import type { Map as MapLibreMap } from 'maplibre-gl'

/** Pitch when buildings are extruded. */
const EXTRUDED_PITCH = 55

/** The Map constructor's options for the starting state. */
export function rotationOptions(extruded: boolean) {
  return { dragRotate: extruded, pitchWithRotate: extruded, touchPitch: extruded }
}

/** @param extrudedNow  whether the user has extruded buildings on now */
export function createExtrusion(map: MapLibreMap, extrudedNow: () => boolean): { apply(): void } {
  let extruded = extrudedNow()
  if (!extruded) map.touchZoomRotate.disableRotation()
  map.once('load', () => {
    // A shared link may carry a tilt without extruded buildings: flatten it.
    if (!extruded && (map.getPitch() !== 0 || map.getBearing() !== 0)) map.jumpTo({ pitch: 0, bearing: 0 })
  })
  return {
    apply() {
      const next = extrudedNow()
      if (next === extruded) return
      extruded = next
      if (extruded) {
        map.dragRotate.enable()
        map.touchZoomRotate.enableRotation()
        map.touchPitch.enable()
        if (map.getPitch() < 10) map.easeTo({ pitch: EXTRUDED_PITCH, duration: 600 })
      } else {
        map.dragRotate.disable()
        map.touchZoomRotate.disableRotation()
        map.touchPitch.disable()
        map.easeTo({ pitch: 0, bearing: 0, duration: 600 })
      }
    },
  }
}
