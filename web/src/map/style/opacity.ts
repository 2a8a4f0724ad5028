// Layer opacities: which paint properties make a layer see-through, and scaling them by a slider.

/** The paint properties that make a layer of each type see-through, for the opacity sliders. */
const OPACITY_PROPS: Readonly<Record<string, readonly string[]>> = {
  fill: ['fill-opacity'],
  line: ['line-opacity'],
  circle: ['circle-opacity', 'circle-stroke-opacity'],
  symbol: ['text-opacity'],
  'fill-extrusion': ['fill-extrusion-opacity'],
  raster: ['raster-opacity'],
}

export function opacityPropsOf(type: string): readonly string[] {
  return OPACITY_PROPS[type] ?? []
}

const isZoomInput = (v: unknown) => Array.isArray(v) && v[0] === 'zoom'

/**
 * A paint opacity scaled by k. A zoom curve must stay the top-level expression (style spec:
 * "zoom" only as the input of a top-level step/interpolate), so its stop outputs are scaled
 * instead of wrapping it in a product.
 */
export function scaleOpacity(base: unknown, k: number): unknown {
  if (k === 1) return base
  if (typeof base === 'number') return base * k
  if (Array.isArray(base)) {
    if (base[0] === 'interpolate' && isZoomInput(base[2])) {
      const out: unknown[] = base.slice(0, 3)
      for (let i = 3; i < base.length; i += 2) out.push(base[i], scaleOpacity(base[i + 1], k))
      return out
    }
    if (base[0] === 'step' && isZoomInput(base[1])) {
      const out: unknown[] = [base[0], base[1], scaleOpacity(base[2], k)]
      for (let i = 3; i < base.length; i += 2) out.push(base[i], scaleOpacity(base[i + 1], k))
      return out
    }
    return ['*', base, k]
  }
  return base
}
