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

const WKB_TYPES: Record<string, number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7 }
const EWKB_SRID = 0x20000000

function wkbSize(g: Geometry, withSrid: boolean): number {
  const head = withSrid ? 9 : 5
  switch (g.type) {
    case 'Point': return head + 16
    case 'LineString': return head + 4 + g.coordinates.length * 16
    case 'Polygon': return head + 4 + g.coordinates.reduce((s, r) => s + 4 + r.length * 16, 0)
    case 'MultiPoint': return head + 4 + g.coordinates.length * 21
    case 'MultiLineString': return head + 4 + g.coordinates.reduce((s, l) => s + 9 + l.length * 16, 0)
    case 'MultiPolygon': return head + 4 + g.coordinates.reduce((s, p) => s + 9 + p.reduce((t, r) => t + 4 + r.length * 16, 0), 0)
    case 'GeometryCollection': return head + 4 + g.geometries.reduce((s, x) => s + wkbSize(x, false), 0)
  }
}

/**
 * The geometry as hex EWKB (little-endian, 2D, with the SRID on the outer geometry): what a
 * PostGIS geometry column reads as text, so COPY can stage it without ST_GeomFromGeoJSON.
 */
export function toHexEwkb(g: Geometry, srid: number): string {
  const buf = Buffer.allocUnsafe(wkbSize(g, true))
  let o = 0
  const u32 = (v: number) => { buf.writeUInt32LE(v, o); o += 4 }
  const pos = (p: Position) => { buf.writeDoubleLE(p[0]!, o); buf.writeDoubleLE(p[1]!, o + 8); o += 16 }
  const ring = (r: Position[]) => { u32(r.length); for (const p of r) pos(p) }
  const write = (x: Geometry, srid: number | null) => {
    buf[o++] = 1
    u32(WKB_TYPES[x.type]! | (srid === null ? 0 : EWKB_SRID))
    if (srid !== null) u32(srid)
    switch (x.type) {
      case 'Point': pos(x.coordinates); break
      case 'LineString': ring(x.coordinates); break
      case 'Polygon': u32(x.coordinates.length); for (const r of x.coordinates) ring(r); break
      case 'MultiPoint': u32(x.coordinates.length); for (const p of x.coordinates) write({ type: 'Point', coordinates: p }, null); break
      case 'MultiLineString': u32(x.coordinates.length); for (const l of x.coordinates) write({ type: 'LineString', coordinates: l }, null); break
      case 'MultiPolygon': u32(x.coordinates.length); for (const p of x.coordinates) write({ type: 'Polygon', coordinates: p }, null); break
      case 'GeometryCollection': u32(x.geometries.length); for (const y of x.geometries) write(y, null); break
    }
  }
  write(g, srid)
  return buf.toString('hex')
}
