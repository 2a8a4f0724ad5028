// One label point per administrative unit, from the pieces of it that the loaded tiles hold.
//
// A polygon label placed by MapLibre itself is repeated in every tile the polygon crosses; a town
// spans several tiles at the zooms where its name matters. So the adapter collects the tile pieces
// of each unit (querySourceFeatures) and places one point: the area-weighted centroid of all
// pieces when it falls inside one of them, else the centroid of the largest piece. Pure functions,
// no MapLibre, so they can be unit-tested.
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'

type Ring = readonly (readonly number[])[]
type PolygonCoords = readonly Ring[]

export interface UnitPiece {
  code: string
  name: string
  level: string
  geometry: { type: string; coordinates: unknown }
}

export interface LabelPoint {
  type: 'Feature'
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: { code: string; name: string; level: string; /** Summed piece area (deg²): how complete the unit was. */ area: number }
}

interface Moments {
  area: number
  cx: number
  cy: number
}

/** Signed area and centroid of a ring (shoelace), in degrees: good enough to place a label. */
function ringMoments(ring: Ring): Moments {
  let a = 0
  let cx = 0
  let cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[i]
    const q = ring[j]
    if (!p || !q) continue
    const [x0 = 0, y0 = 0] = q
    const [x1 = 0, y1 = 0] = p
    const f = x0 * y1 - x1 * y0
    a += f
    cx += (x0 + x1) * f
    cy += (y0 + y1) * f
  }
  a /= 2
  if (a === 0) return { area: 0, cx: 0, cy: 0 }
  return { area: a, cx: cx / (6 * a), cy: cy / (6 * a) }
}

function polygonMoments(polygon: PolygonCoords): Moments {
  let area = 0
  let sx = 0
  let sy = 0
  polygon.forEach((ring, i) => {
    const m = ringMoments(ring)
    // Outer ring counts positive, holes negative, whatever the winding.
    const w = (i === 0 ? 1 : -1) * Math.abs(m.area)
    area += w
    sx += m.cx * w
    sy += m.cy * w
  })
  return area > 0 ? { area, cx: sx / area, cy: sy / area } : { area: 0, cx: 0, cy: 0 }
}

function pointInPolygon(x: number, y: number, polygon: PolygonCoords): boolean {
  return booleanPointInPolygon([x, y], { type: 'Polygon', coordinates: polygon as number[][][] })
}

function polygonsOf(geometry: UnitPiece['geometry']): PolygonCoords[] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as PolygonCoords]
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as PolygonCoords[]
  return []
}

export function labelPoints(pieces: Iterable<UnitPiece>): LabelPoint[] {
  const units = new Map<string, { name: string; level: string; polygons: PolygonCoords[] }>()
  for (const piece of pieces) {
    let unit = units.get(piece.code)
    if (!unit) {
      unit = { name: piece.name, level: piece.level, polygons: [] }
      units.set(piece.code, unit)
    }
    unit.polygons.push(...polygonsOf(piece.geometry))
  }
  const out: LabelPoint[] = []
  for (const [code, unit] of units) {
    let area = 0
    let sx = 0
    let sy = 0
    let largest: { m: Moments; polygon: PolygonCoords } | null = null
    for (const polygon of unit.polygons) {
      const m = polygonMoments(polygon)
      if (m.area <= 0) continue
      area += m.area
      sx += m.cx * m.area
      sy += m.cy * m.area
      if (!largest || m.area > largest.m.area) largest = { m, polygon }
    }
    if (!largest || area <= 0) continue
    let x = sx / area
    let y = sy / area
    if (!unit.polygons.some((p) => pointInPolygon(x, y, p))) {
      x = largest.m.cx
      y = largest.m.cy
    }
    out.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [x, y] },
      properties: { code, name: unit.name, level: unit.level, area },
    })
  }
  return out
}
