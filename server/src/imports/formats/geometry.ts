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
  if (geometry.type === 'GeometryCollection') for (const g of geometry.geometries) eachPosition(g, visit)
  else walkPositions(geometry.coordinates, visit)
}

function walkPositions(coords: unknown, visit: (x: number, y: number) => void): void {
  if (!Array.isArray(coords)) return
  if (typeof coords[0] === 'number') visit(coords[0] as number, coords[1] as number)
  else for (const c of coords) walkPositions(c, visit)
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
  const w = new EwkbWriter(Buffer.allocUnsafe(wkbSize(g, true)))
  w.geometry(g, srid)
  return w.buf.toString('hex')
}

// A class, not closures made per call: tsx keeps function names, and each closure cost a
// defineProperty per feature (0.2 s of a 100,000-patch import's CPU).
class EwkbWriter {
  o = 0
  constructor(readonly buf: Buffer) {}

  u32(v: number) {
    this.buf.writeUInt32LE(v, this.o)
    this.o += 4
  }

  pos(p: Position) {
    this.buf.writeDoubleLE(p[0]!, this.o)
    this.buf.writeDoubleLE(p[1]!, this.o + 8)
    this.o += 16
  }

  ring(r: Position[]) {
    this.u32(r.length)
    for (const p of r) this.pos(p)
  }

  geometry(x: Geometry, srid: number | null) {
    this.buf[this.o++] = 1
    this.u32(WKB_TYPES[x.type]! | (srid === null ? 0 : EWKB_SRID))
    if (srid !== null) this.u32(srid)
    switch (x.type) {
      case 'Point': this.pos(x.coordinates); break
      case 'LineString': this.ring(x.coordinates); break
      case 'Polygon': this.u32(x.coordinates.length); for (const r of x.coordinates) this.ring(r); break
      case 'MultiPoint': this.u32(x.coordinates.length); for (const p of x.coordinates) this.geometry({ type: 'Point', coordinates: p }, null); break
      case 'MultiLineString': this.u32(x.coordinates.length); for (const l of x.coordinates) this.geometry({ type: 'LineString', coordinates: l }, null); break
      case 'MultiPolygon': this.u32(x.coordinates.length); for (const p of x.coordinates) this.geometry({ type: 'Polygon', coordinates: p }, null); break
      case 'GeometryCollection': this.u32(x.geometries.length); for (const y of x.geometries) this.geometry(y, null); break
    }
  }
}
