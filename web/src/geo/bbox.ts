// The bounding box of a GeoJSON geometry, for "zoom to" buttons. No MapLibre.
import type { Bbox } from '../api.ts'

export function geometryBbox(geometry: { type: string; coordinates?: unknown; geometries?: unknown } | null): Bbox | null {
  if (!geometry) return null
  let w = Infinity
  let s = Infinity
  let e = -Infinity
  let n = -Infinity
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      const [x, y] = c as [number, number]
      if (x < w) w = x
      if (x > e) e = x
      if (y < s) s = y
      if (y > n) n = y
      return
    }
    for (const item of c) visit(item)
  }
  if (geometry.type === 'GeometryCollection' && Array.isArray(geometry.geometries)) {
    for (const g of geometry.geometries as { coordinates?: unknown }[]) visit(g.coordinates)
  } else {
    visit(geometry.coordinates)
  }
  return Number.isFinite(w) ? [w, s, e, n] : null
}
