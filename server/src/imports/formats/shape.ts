// A feature's shape checked before anything is staged: well-formed GeoJSON (geojson-check.ts: rings
// closed and long enough, lines of two points or more, positions of numbers), the geometry family
// a layer accepts (polygons, lines, or either), not empty, a vertex cap, then brought to lon/lat and
// checked to lie in China (with a hint when the axes look swapped). What PostGIS could not even
// build is refused here; validity (self-intersections …) is PostGIS's job over the staging table.
import type { Geometry } from 'geojson'
import { inChina, type PointTransform } from './crs.ts'
import { geometryFaults, stagedProblemCode } from './geojson-check.ts'
import { eachPosition, transformGeometry } from './geometry.ts'
import type { RawFeature } from './reader.ts'

export type GeometryFamily = 'polygon' | 'line' | 'line_or_polygon'

export interface ShapeRules {
  family: GeometryFamily
  verticesPerFeature: number
  /** the problem code for a geometry of another family ('not_polygon' for patches) */
  wrongTypeCode: string
  /** what the features are, for messages: 图斑, 宗地 … */
  noun: string
}

export interface ShapeCheck {
  problem: string | null
  message: string | null
  /** lon/lat geometry when stageable */
  geometry: Geometry | null
}

const FAMILY_TYPES: Record<GeometryFamily, readonly string[]> = {
  polygon: ['Polygon', 'MultiPolygon'],
  line: ['LineString', 'MultiLineString'],
  line_or_polygon: ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'],
}
const FAMILY_ZH: Record<GeometryFamily, string> = {
  polygon: '面（Polygon/MultiPolygon）',
  line: '线（LineString/MultiLineString）',
  line_or_polygon: '线或面（LineString/Polygon 及其多部件）',
}

export function familyAccepts(family: GeometryFamily, type: string): boolean {
  return FAMILY_TYPES[family].includes(type)
}

const round = (v: number) => Math.round(v * 1e6) / 1e6

export function checkFeatureShape(raw: RawFeature, toLonLatFn: PointTransform, rules: ShapeRules): ShapeCheck {
  if (raw.error) return { problem: raw.error.code, message: raw.error.message, geometry: null }
  const g = raw.geometry
  if (!g) return { problem: 'no_geometry', message: '要素没有几何', geometry: null }
  if (!raw.wellFormed) {
    const faults = geometryFaults(g)
    if (faults.length > 0) return { problem: stagedProblemCode(faults[0]!), message: faults[0]!.zh, geometry: null }
  }
  if (!familyAccepts(rules.family, g.type)) {
    return { problem: rules.wrongTypeCode, message: `几何类型为 ${g.type}，${rules.noun}须为${FAMILY_ZH[rules.family]}`, geometry: null }
  }
  let vertices = 0
  eachPosition(g, () => {
    vertices++
  })
  if (vertices === 0) return { problem: 'empty_geometry', message: '几何是空的（没有坐标）', geometry: null }
  if (vertices > rules.verticesPerFeature) {
    return { problem: 'too_many_vertices', message: `顶点超过 ${rules.verticesPerFeature} 个`, geometry: null }
  }
  const ll = transformGeometry(g, toLonLatFn)
  let outside = false
  let swappedInside = true
  const seen: { first?: [number, number] } = {}
  eachPosition(ll, (x, y) => {
    seen.first ??= [x, y]
    if (!inChina(x, y)) outside = true
    if (!inChina(y, x)) swappedInside = false
  })
  if (outside && seen.first) {
    const [x, y] = seen.first
    if (swappedInside) return { problem: 'axes_swapped', message: `坐标 (${x}, ${y}) 像是经纬度颠倒（纬度在前）`, geometry: null }
    return { problem: 'outside_china', message: `坐标 (${round(x)}, ${round(y)}) 不在中国境内，请检查坐标系`, geometry: null }
  }
  return { problem: null, message: null, geometry: ll }
}
