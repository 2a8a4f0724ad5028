// Small coordinate walks shared by readers and writers: apply a point transform to a GeoJSON
// geometry, grow a bounding box. Validity, repair and areas are PostGIS's job, not this file's.
import type { Geometry, Position } from 'geojson'
import type { PointTransform } from './crs.ts'

export type Bounds = [number, number, number, number]

function mapPositions(coords: unknown, fn: (p: Position) => Position): unknown {
  if (!Array.isArray(coords)) return coords
  if (typeof coords[0] === 'number') return fn(coords as Position)
  return coords.map((c) => mapPositions(c, fn))
}

/** The geometry with every position transformed (z/m dropped); a new object, the input is kept. */
export function transformGeometry<G extends Geometry>(geometry: G, transform: PointTransform): G {
  if (geometry.type === 'GeometryCollection') {
    return { ...geometry, geometries: geometry.geometries.map((g) => transformGeometry(g, transform)) }
  }
  return { ...geometry, coordinates: mapPositions(geometry.coordinates, (p) => transform(p[0]!, p[1]!)) } as G
}

/** Visits each position of a geometry. */
export function eachPosition(geometry: Geometry, visit: (x: number, y: number) => void): void {
  const walk = (coords: unknown) => {
    if (!Array.isArray(coords)) return
    if (typeof coords[0] === 'number') visit(coords[0] as number, coords[1] as number)
    else for (const c of coords) walk(c)
  }
  if (geometry.type === 'GeometryCollection') for (const g of geometry.geometries) eachPosition(g, visit)
  else walk(geometry.coordinates)
}

export function emptyBounds(): Bounds {
  return [Infinity, Infinity, -Infinity, -Infinity]
}

export function extendBounds(b: Bounds, geometry: Geometry): Bounds {
  eachPosition(geometry, (x, y) => {
    if (x < b[0]) b[0] = x
    if (y < b[1]) b[1] = y
    if (x > b[2]) b[2] = x
    if (y > b[3]) b[3] = y
  })
  return b
}

export function isEmptyBounds(b: Bounds): boolean {
  return !(b[0] <= b[2] && b[1] <= b[3])
}

/** Twice the signed area of a ring (positive = counter-clockwise in x-right/y-up axes). */
export function ringSignedArea2(ring: Position[]): number {
  let s = 0
  for (let i = 0, n = ring.length; i < n - 1; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!
  return s
}
