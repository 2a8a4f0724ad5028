// A feature's shape checked before anything is staged: the geometry family a layer accepts
// (polygons, lines, or either), rings closed and long enough, lines of two points or more, finite
// coordinates, a vertex cap, then brought to lon/lat and checked to lie in China (with a hint when
// the axes look swapped). What PostGIS could not even build is refused here; validity
// (self-intersections …) is PostGIS's job over the staging table.
import type { Geometry, Position } from 'geojson'
import { inChina, type PointTransform } from './crs.ts'
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

function badPosition(p: unknown): boolean {
  return !Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])
}

function ringProblem(ring: Position[]): { code: string; message: string } | null {
  if (!Array.isArray(ring) || ring.length === 0) return { code: 'empty_geometry', message: '面的边界是空的' }
  if (ring.some(badPosition)) return { code: 'invalid_geometry', message: '坐标不是有效数字' }
  const first = ring[0]!
  const last = ring[ring.length - 1]!
  if (ring.length < 4) return { code: 'too_few_points', message: `边界只有 ${ring.length} 个点，面至少需要 4 个（首尾相同）` }
  if (first[0] !== last[0] || first[1] !== last[1]) return { code: 'unclosed_ring', message: `边界未闭合：起点 (${first[0]}, ${first[1]}) 与终点 (${last[0]}, ${last[1]}) 不同` }
  return null
}

function lineProblem(line: Position[]): { code: string; message: string } | null {
  if (!Array.isArray(line) || line.length === 0) return { code: 'empty_geometry', message: '线是空的（没有坐标）' }
  if (line.some(badPosition)) return { code: 'invalid_geometry', message: '坐标不是有效数字' }
  if (line.length < 2) return { code: 'too_few_points', message: '线只有 1 个点，至少需要 2 个' }
  return null
}

function partsProblem(g: Geometry): { code: string; message: string } | null {
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
    if (!Array.isArray(polygons) || polygons.length === 0 || polygons.every((p) => !Array.isArray(p) || p.length === 0)) {
      return { code: 'empty_geometry', message: '面是空的（没有坐标）' }
    }
    for (const rings of polygons) {
      if (!Array.isArray(rings) || rings.length === 0) return { code: 'empty_geometry', message: '多面中有空的部分' }
      for (const ring of rings) {
        const p = ringProblem(ring)
        if (p) return p
      }
    }
    return null
  }
  if (g.type === 'LineString' || g.type === 'MultiLineString') {
    const lines = g.type === 'LineString' ? [g.coordinates] : g.coordinates
    if (!Array.isArray(lines) || lines.length === 0) return { code: 'empty_geometry', message: '线是空的（没有坐标）' }
    for (const line of lines) {
      const p = lineProblem(line)
      if (p) return p
    }
    return null
  }
  return null
}

const round = (v: number) => Math.round(v * 1e6) / 1e6

export function checkFeatureShape(raw: RawFeature, toLonLatFn: PointTransform, rules: ShapeRules): ShapeCheck {
  if (raw.error) return { problem: raw.error.code, message: raw.error.message, geometry: null }
  const g = raw.geometry
  if (!g) return { problem: 'no_geometry', message: '要素没有几何', geometry: null }
  if (!familyAccepts(rules.family, g.type)) {
    return { problem: rules.wrongTypeCode, message: `几何类型为 ${g.type}，${rules.noun}须为${FAMILY_ZH[rules.family]}`, geometry: null }
  }
  const parts = partsProblem(g)
  if (parts) return { problem: parts.code, message: parts.message, geometry: null }
  let vertices = 0
  eachPosition(g, () => {
    vertices++
  })
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
