// The one structural check of GeoJSON (RFC 7946) the API accepts: request bodies with a geometry
// and every feature of an uploaded GeoJSON file. geojson-validation finds the faults; this module
// places each at its ring or position and says it in Chinese first, naming the feature. What is
// not structure stays with the caller: validity (PostGIS ST_IsValid), coordinate ranges and CRS
// guesses, vertex and area caps, the district.
import { isFeature, isFeatureCollection, isGeometryObject } from 'geojson-validation'
import { Refusal, type RefusalKind } from '../../domain/errors.ts'

export type GeoJsonFaultCode =
  | 'not_object'
  | 'unknown_type'
  | 'missing_member'
  | 'not_array'
  | 'bad_position'
  | 'too_few_points'
  | 'unclosed_ring'
  | 'empty_ring'
  | 'bad_bbox'

export interface GeoJsonFault {
  code: GeoJsonFaultCode
  /** Where, from the object checked, 0-based: 'coordinates[0][3]', 'geometry.type', 'features'. */
  path: string
  /** The fault with its place in the geometry (第 1 个环 …), Chinese. */
  zh: string
  en: string
}

/** Faults listed in a refusal; the rest are counted. */
export const FAULTS_LISTED = 20

// ---- where a fault is: the nesting of each geometry type, for paths and words ----

/** Per coordinates level: the Chinese unit (with its measure word) and the English noun. */
const LEVELS: Record<string, readonly (readonly [string, string])[]> = {
  Point: [],
  MultiPoint: [['个点', 'point']],
  LineString: [['个坐标', 'position']],
  MultiLineString: [['条线', 'line'], ['个坐标', 'position']],
  Polygon: [['个环', 'ring'], ['个坐标', 'position']],
  MultiPolygon: [['个多边形', 'polygon'], ['个环', 'ring'], ['个坐标', 'position']],
}

function placeZh(type: string, at: readonly number[]): string {
  const levels = LEVELS[type] ?? []
  return at.map((n, i) => `第 ${n + 1} ${levels[i]?.[0] ?? '项'}`).join('的')
}

function placeEn(type: string, at: readonly number[]): string {
  const levels = LEVELS[type] ?? []
  return at.map((n, i) => `${levels[i]?.[1] ?? 'item'} ${n + 1}`).join(', ')
}

const coordinatesPath = (at: readonly number[]) => `coordinates${at.map((n) => `[${n}]`).join('')}`

function valueAt(coordinates: unknown, at: readonly number[]): unknown {
  let v = coordinates
  for (const n of at) v = Array.isArray(v) ? v[n] : undefined
  return v
}

const showPosition = (p: unknown) => (Array.isArray(p) ? `(${p.join(', ')})` : JSON.stringify(p) ?? 'null')
const showValue = (v: unknown) => (typeof v === 'string' ? `"${v.slice(0, 40)}"` : String(JSON.stringify(v) ?? v).slice(0, 40))

// ---- the library's trace messages, read ----

type Kind = 'position' | 'part' | 'array' | 'object'

interface Reading {
  kind: Kind
  /** the fault, given the value it is about */
  say(value: unknown, type: string): { code: GeoJsonFaultCode; zh: string; en: string; member?: string }
}

const GEOMETRY_TYPES = 'Point、LineString、Polygon、MultiPoint、MultiLineString、MultiPolygon 或 GeometryCollection'

/** The messages of geojson-validation 1.0.2, each with the level it is about and what it means. */
const READINGS: readonly (readonly [RegExp, (m: RegExpExecArray) => Reading])[] = [
  [/^Position must be at least two elements$/, () => ({
    kind: 'position',
    say: (v) => ({ code: 'bad_position', zh: `只有 ${Array.isArray(v) ? v.length : 0} 个数，坐标须为 [经度, 纬度]`, en: 'has fewer than two numbers; a position is [lon, lat]' }),
  })],
  [/^Position must only contain numbers\. Item (.*) at index (\d+) is invalid\.$/s, (m) => ({
    kind: 'position',
    say: (v) => {
      const item = Array.isArray(v) ? showValue(v[Number(m[2])]) : m[1]
      return { code: 'bad_position', zh: `的第 ${Number(m[2]) + 1} 个值 ${item} 不是数字`, en: `has a value that is not a number: ${item} (value ${Number(m[2]) + 1})` }
    },
  })],
  [/^Position must be an array$/, () => ({
    kind: 'position',
    say: (v) => ({ code: 'bad_position', zh: `是 ${showValue(v)}，坐标须为数组 [经度, 纬度]`, en: `is ${showValue(v)}; a position is an array [lon, lat]` }),
  })],
  [/^The first and last positions must be equivalent$/, () => ({
    kind: 'part',
    say: (v) => {
      const ring = v as unknown[]
      const ends = `起点 ${showPosition(ring[0])}，终点 ${showPosition(ring[ring.length - 1])}`
      return { code: 'unclosed_ring', zh: `未闭合（首尾坐标不同：${ends}）`, en: `is not closed (first ${showPosition(ring[0])} and last ${showPosition(ring[ring.length - 1])} differ)` }
    },
  })],
  [/^coordinates must have at least four positions$/, () => ({
    kind: 'part',
    say: (v) => ({ code: 'too_few_points', zh: `只有 ${(v as unknown[]).length} 个坐标，环至少需要 4 个（首尾相同）`, en: `has ${(v as unknown[]).length} positions; a ring needs at least 4 (first = last)` }),
  })],
  [/^coordinates must have at least two elements$/, () => ({
    kind: 'part',
    say: (v) => ({ code: 'too_few_points', zh: `只有 ${Array.isArray(v) ? v.length : 0} 个坐标，线至少需要 2 个`, en: 'has fewer than 2 positions; a line needs at least 2' }),
  })],
  [/^coordinates must be an array$/, () => ({
    kind: 'array',
    say: (v) => ({ code: 'not_array', zh: `是 ${showValue(v)}，须为坐标数组`, en: `is ${showValue(v)}; it must be an array of coordinates` }),
  })],
  [/^must be a JSON Object$/, () => ({
    kind: 'object',
    say: (v) => ({ code: 'not_object', zh: `是 ${showValue(v)}，须为 JSON 对象`, en: `is ${showValue(v)}; it must be a JSON object` }),
  })],
  [/^type must be (one of: .*|"\w+")$/, () => ({
    kind: 'object',
    say: (v) => {
      const t = showValue((v as { type?: unknown }).type)
      return { code: 'unknown_type', zh: `类型 ${t} 不是 GeoJSON 几何类型（应为 ${GEOMETRY_TYPES}，区分大小写）`, en: `type ${t} is not a GeoJSON geometry type (case matters)`, member: 'type' }
    },
  })],
  [/^must have a member with the name "(\w+)"$/, (m) => ({
    kind: 'object',
    say: () => {
      const member = m[1] === 'Features' ? 'features' : m[1]!
      const hint = member === 'geometry' ? '（没有几何时写 "geometry": null）' : member === 'properties' ? '（没有属性时写 "properties": null）' : ''
      return { code: 'missing_member', zh: `缺少 "${member}" 成员${hint}`, en: `has no "${member}" member`, member }
    },
  })],
  [/^"(geometries|Features)" must be an array$/, (m) => ({
    kind: 'object',
    say: (v) => {
      const member = m[1] === 'Features' ? 'features' : m[1]!
      const got = showValue((v as Record<string, unknown>)[member])
      return { code: 'not_array', zh: `"${member}" 是 ${got}，须为数组`, en: `"${member}" is ${got}; it must be an array`, member }
    },
  })],
  [/^bbox(,)? must be (a 2\*n array|an array)$/, () => ({
    kind: 'object',
    say: () => ({ code: 'bad_bbox', zh: 'bbox 须为 2×n 个数的数组', en: 'bbox must be an array of 2×n numbers', member: 'bbox' }),
  })],
]

function read(message: string): Reading {
  for (const [re, make] of READINGS) {
    const m = re.exec(message)
    if (m) return make(m)
  }
  // a message this version does not know: shown as it is rather than dropped
  return { kind: 'object', say: () => ({ code: 'not_object', zh: `结构错误：${message}`, en: message }) }
}

/** The leading "at 3: at 0: " of a trace message, as indexes. */
function splitPrefix(message: string): { at: number[]; rest: string } {
  const at: number[] = []
  let rest = message
  for (let m = /^at (\d+): /.exec(rest); m; m = /^at (\d+): /.exec(rest)) {
    at.push(Number(m[1]))
    rest = rest.slice(m[0].length)
  }
  return { at, rest }
}

/**
 * The library prefixes only the first message of each nested list with its index ("at 0: at 2:
 * …"); a later message of the same list carries the inner indexes only. Its full place is the
 * previous one's outer indexes plus its own, at the depth its kind lives at (positions at the
 * deepest level, rings and lines one above; a non-array at the first level where the value
 * really is not an array).
 */
function place(kind: Kind, own: number[], previous: number[], type: string, coordinates: unknown): number[] {
  const deepest = (LEVELS[type] ?? []).length
  const at = (depth: number) => [...previous.slice(0, Math.max(0, depth - own.length)), ...own]
  if (kind === 'position') return at(deepest)
  if (kind === 'part') return at(deepest - 1)
  if (kind === 'array') {
    for (let d = own.length; d < deepest; d++) if (!Array.isArray(valueAt(coordinates, at(d)))) return at(d)
    return own
  }
  return []
}

/** A ring the library cannot read (it throws on an empty ring, or a null first or last position). */
function brokenRing(type: string, coordinates: unknown): number[] | null {
  const polygons = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' && Array.isArray(coordinates) ? coordinates : []
  for (const [k, rings] of polygons.entries()) {
    if (!Array.isArray(rings)) continue
    for (const [r, ring] of rings.entries()) {
      if (Array.isArray(ring) && (ring.length === 0 || ring[0] == null || ring[ring.length - 1] == null)) return type === 'Polygon' ? [r] : [k, r]
    }
  }
  return null
}

function withPath(prefix: string, faults: GeoJsonFault[]): GeoJsonFault[] {
  if (!prefix) return faults
  return faults.map((f) => ({ ...f, path: f.path ? `${prefix}.${f.path}` : prefix }))
}

/** The structural faults of a GeoJSON geometry object (none: it is well-formed RFC 7946). */
export function geometryFaults(geometry: unknown): GeoJsonFault[] {
  const g = geometry as { type?: unknown; coordinates?: unknown; geometries?: unknown } | null
  const type = g && typeof g === 'object' && typeof g.type === 'string' ? g.type : ''
  if (type === 'GeometryCollection' && Array.isArray(g!.geometries)) {
    // each member on its own, so its faults are placed within it
    const own = translate(isGeometryObject({ ...g, geometries: [] }, true), '', geometry)
    return [...own, ...g!.geometries.flatMap((m, i) => withPath(`geometries[${i}]`, geometryFaults(m)))]
  }
  const broken = brokenRing(type, g?.coordinates)
  if (broken) {
    const zh = `${placeZh(type, broken)}是空的或首尾坐标为 null`
    return [{ code: 'empty_ring', path: coordinatesPath(broken), zh, en: `${placeEn(type, broken)} is empty or starts or ends with null` }]
  }
  return translate(isGeometryObject(geometry, true), type, geometry)
}

function translate(messages: string[], type: string, geometry: unknown): GeoJsonFault[] {
  const coordinates = (geometry as { coordinates?: unknown } | null)?.coordinates
  let previous: number[] = []
  return messages.map((message) => {
    const { at: own, rest } = splitPrefix(message)
    const reading = read(rest)
    if (reading.kind === 'object') {
      const { code, zh, en, member } = reading.say(geometry, type)
      return { code, path: member ?? '', zh, en }
    }
    const at = place(reading.kind, own, previous, type, coordinates)
    previous = at
    const { code, zh, en } = reading.say(valueAt(coordinates, at), type)
    // a fault of the coordinates as a whole has no place to name but the member itself
    const [whereZh, whereEn] = at.length > 0 ? [placeZh(type, at), placeEn(type, at)] : reading.kind === 'position' ? ['坐标', 'the position'] : ['coordinates ', 'coordinates']
    return { code, path: coordinatesPath(at), zh: `${whereZh}${zh}`, en: `${whereEn} ${en}` }
  })
}

/**
 * The structural faults of a Feature: its own members, then its geometry's (paths under 'geometry').
 * A missing "properties" member is let through: it says no less than "properties": null, and
 * refusing a feature for it would help nobody.
 */
export function featureFaults(feature: unknown): GeoJsonFault[] {
  if (!feature || typeof feature !== 'object' || Array.isArray(feature)) return translate(isFeature(feature, true), '', feature)
  const f = feature as { type?: unknown; geometry?: unknown }
  // the envelope alone: the geometry is checked apart, so its faults are placed within it
  const own = translate(isFeature('geometry' in f ? { ...f, geometry: null } : f, true), '', feature).flatMap((x) =>
    x.path === 'properties' ? [] : x.code === 'unknown_type' ? [{ ...x, zh: `类型 ${showValue(f.type)} 不是 "Feature"`, en: `type ${showValue(f.type)} is not "Feature"` }] : [x],
  )
  return f.geometry === null || f.geometry === undefined ? own : [...own, ...withPath('geometry', geometryFaults(f.geometry))]
}

/**
 * The problem code a staged feature gets for its first fault: the import's documented codes
 * (docs/api-patches.md), which the web app translates.
 */
export function stagedProblemCode(fault: GeoJsonFault): string {
  if (fault.code === 'unclosed_ring' || fault.code === 'too_few_points') return fault.code
  if (fault.code === 'empty_ring') return 'empty_geometry'
  if (fault.path === 'geometry' || fault.path === 'type' || fault.code === 'not_object') return 'no_geometry'
  return 'invalid_geometry'
}

/**
 * The faults of a FeatureCollection's own members (type, bbox, features), its features not
 * included: a streamed file checks each feature as it reads it.
 */
export function collectionFaults(head: Record<string, unknown>, featuresIsArray: boolean): GeoJsonFault[] {
  const faults = translate(isFeatureCollection(featuresIsArray ? { ...head, features: [] } : head, true), '', head)
  return faults.map((x) => (x.code === 'unknown_type' ? { ...x, zh: `类型 ${showValue(head.type)} 不是 "FeatureCollection"（要素集合）`, en: `type ${showValue(head.type)} is not "FeatureCollection"` } : x))
}

// ---- naming the feature, and refusing ----

const ID_PROPERTIES = ['id', 'ID', 'Id', '编号', '图斑编号', 'TBBH', 'BSM', 'code']
const NAME_PROPERTIES = ['name', 'NAME', 'Name', '名称']

/** "第 12 个要素（编号 A-0012）": its number in the file (1-based) and its id or name when it has one. */
export function featureLabel(featureNo: number, feature: unknown): { zh: string; en: string; id: string | null } {
  const f = (feature && typeof feature === 'object' ? feature : {}) as { id?: unknown; properties?: unknown }
  const props = (f.properties && typeof f.properties === 'object' ? f.properties : {}) as Record<string, unknown>
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 40) : typeof v === 'number' ? String(v) : null)
  const id = text(f.id) ?? ID_PROPERTIES.map((k) => text(props[k])).find((v) => v !== null) ?? null
  const name = id === null ? (NAME_PROPERTIES.map((k) => text(props[k])).find((v) => v !== null) ?? null) : null
  const zh = `第 ${featureNo} 个要素${id !== null ? `（编号 ${id}）` : name !== null ? `（名称 ${name}）` : ''}`
  const en = `feature ${featureNo}${id !== null ? ` (id ${id})` : name !== null ? ` (name ${name})` : ''}`
  return { zh, en, id: id ?? name }
}

/** One listed problem of a refusal. */
export interface GeoJsonProblem {
  /** 1-based number of the feature in the file; absent for a lone geometry */
  feature?: number
  featureId?: string
  path: string
  code: GeoJsonFaultCode
  message: string
  messageEn: string
}

/** The faults of one thing refused: a feature (numbered, named) or a lone geometry (the field). */
export interface FaultedItem {
  label: { zh: string; en: string; id?: string | null }
  featureNo?: number
  faults: GeoJsonFault[]
}

/** The faults of some features or a geometry, said once: sentences naming the first few, the list capped. */
export function faultReport(items: FaultedItem[], field: string): { zh: string; en: string; problems: GeoJsonProblem[]; problemCount: number } {
  const all = items.flatMap((item) => item.faults.map((fault) => ({ item, fault })))
  const problems: GeoJsonProblem[] = all.slice(0, FAULTS_LISTED).map(({ item, fault }) => ({
    ...(item.featureNo !== undefined ? { feature: item.featureNo } : {}),
    ...(item.label.id ? { featureId: item.label.id } : {}),
    path: fault.path,
    code: fault.code,
    message: `${item.label.zh}：${fault.zh}`,
    messageEn: `${item.label.en}: ${fault.en}`,
  }))
  const shown = problems.slice(0, 3)
  const more = all.length - shown.length
  return {
    zh: `GeoJSON 结构有误（${all.length} 处）：${shown.map((p) => p.message).join('；')}${more > 0 ? `；另有 ${more} 处` : ''}`,
    en: `${field} is not readable GeoJSON (${all.length} fault${all.length === 1 ? '' : 's'}): ${shown.map((p) => p.messageEn).join('; ')}${more > 0 ? `; ${more} more` : ''}`,
    problems,
    problemCount: all.length,
  }
}

/**
 * Malformed GeoJSON: problem+json with detailZh and detail naming the first faults, and every fault
 * up to FAULTS_LISTED in `problems` (each naming its feature and place), `problemCount` all of them.
 * `kind` follows the route's other geometry refusals (400, or 422 where all of them are 422).
 */
export class GeoJsonRefused extends Refusal {
  constructor(items: FaultedItem[], field: string, kind: Extract<RefusalKind, 'invalid' | 'unprocessable'> = 'invalid') {
    const r = faultReport(items, field)
    super(kind, r.en, { code: 'invalid_geojson', zh: r.zh, field, extra: { problems: r.problems, problemCount: r.problemCount } })
  }
}

/** Throws GeoJsonRefused when a request's geometry (field `field`) is not well-formed GeoJSON. */
export function requireGeometry(geometry: unknown, field: string, kind: Extract<RefusalKind, 'invalid' | 'unprocessable'> = 'invalid'): void {
  const faults = geometryFaults(geometry)
  if (faults.length > 0) throw new GeoJsonRefused([{ label: { zh: `几何（${field}）`, en: field }, faults }], field, kind)
}
