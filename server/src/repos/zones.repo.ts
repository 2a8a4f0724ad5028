// 整治区域: planners' zones, drawn, made from villages or parcels, or read from a file. Every write
// bumps `version` (the ETag) and appends to zone_history in the same transaction.
import type { Db, Queryable } from '../db/db.ts'
import type { ZoneType } from '../domain/planning-types.ts'
import type { ChangeEntry, Snapshot, Zone, ZoneFields, ZoneTargets } from '../schemas/planning.schema.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { inScope, inUnit } from './scope.sql.ts'
import { holds, type Scope } from '../domain/scope.ts'
import { InputError, Refusal } from '../domain/errors.ts'
import { requireGeometry } from '../imports/formats/geojson-check.ts'

/** A drawn polygon the app refuses to store or measure; `status` is the HTTP status to answer with. */
export class GeometryInputError extends Refusal {
  constructor(
    message: string,
    readonly status: 400 | 413 | 422,
    field = 'geometry',
    extra: Record<string, unknown> = {},
  ) {
    super(status === 413 ? 'too_large' : status === 422 ? 'unprocessable' : 'invalid', message, { field, extra })
  }
}

export class ZoneInputError extends InputError {}

export class ZoneInUseError extends Refusal {
  constructor(message: string) {
    super('conflict', message, { code: 'zone_in_use' })
  }
}

/** Positions in a GeoJSON coordinates array, counted before any SQL runs (the vertex cap). */
export function countPositions(coords: unknown): number {
  if (!Array.isArray(coords)) return 0
  if (coords.length > 0 && typeof coords[0] === 'number') return 1
  let n = 0
  for (const c of coords) n += countPositions(c)
  return n
}

export interface PolygonLimits {
  maxAreaM2: number
  maxVertices: number
}

export interface CheckedPolygon {
  geojson: string
  /** The parsed geometry as hex EWKB, so the next statement need not parse the GeoJSON again. */
  ewkb: string
  areaM2: number
}

/**
 * A GeoJSON Polygon or MultiPolygon in lon/lat, well-formed (geojson-check.ts), valid and not
 * empty, within the caps. Too many vertices → 413 (checked before the database parses it), anything
 * else wrong → 422 naming the field; a self-intersection says where (ST_IsValidReason).
 */
export async function checkPolygon(db: Queryable, geometry: unknown, limits: PolygonLimits, field = 'geometry'): Promise<CheckedPolygon> {
  requireGeometry(geometry, field, 'unprocessable')
  const g = geometry as { type?: unknown; coordinates?: unknown } | null
  if (!g || typeof g !== 'object' || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
    throw new GeometryInputError(`${field} must be a GeoJSON Polygon or MultiPolygon, not ${String(g?.type ?? typeof g)}`, 422, field)
  }
  const vertices = countPositions(g.coordinates)
  if (vertices > limits.maxVertices) {
    throw new GeometryInputError(`${field} has ${vertices} vertices; at most ${limits.maxVertices}`, 413, field, { limit: limits.maxVertices })
  }
  const geojson = JSON.stringify({ type: g.type, coordinates: g.coordinates })
  let r
  try {
    r = await db.query<{ empty: boolean; valid: boolean; reason: string; area: number | null; inrange: boolean; ewkb: string }>(
      `SELECT empty, reason = 'Valid Geometry' AS valid, reason, inrange, ST_AsHEXEWKB(g) AS ewkb,
              CASE WHEN reason = 'Valid Geometry' AND NOT empty THEN ST_Area(g::geography) END AS area
       FROM (SELECT g, ST_IsEmpty(g) AS empty, ST_IsValidReason(g) AS reason,
                    ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90 AS inrange
             FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) q) v`,
      [geojson],
    )
  } catch {
    throw new GeometryInputError(`${field} is not a readable GeoJSON geometry`, 422, field)
  }
  const c = r.rows[0]!
  if (c.empty) throw new GeometryInputError(`${field} is empty`, 422, field)
  if (!c.inrange) throw new GeometryInputError(`${field} has coordinates outside lon/lat range; send WGS84/CGCS2000 longitude, latitude`, 422, field)
  if (!c.valid) throw new GeometryInputError(`${field} is not a valid polygon: ${c.reason}`, 422, field, { reason: c.reason })
  if (c.area! > limits.maxAreaM2) {
    throw new GeometryInputError(`${field} covers ${(c.area! / 1e6).toFixed(2)} km²; at most ${limits.maxAreaM2 / 1e6} km²`, 422, field, { limit: limits.maxAreaM2 })
  }
  return { geojson, ewkb: c.ewkb, areaM2: c.area! }
}

export const ZONE_LIMITS: PolygonLimits = { maxAreaM2: 500e6, maxVertices: 20_000 }
/** A zone may stick out of the district by this share of its area (a border drawn by hand), no more. */
export const MAX_OUTSIDE_SHARE = 0.01

export interface ZoneShape {
  geometry?: unknown
  fromVillages?: string[]
  fromParcels?: number[]
}

export interface ZoneInput extends ZoneShape, ZoneFields {}

type Row = Record<string, unknown>

const SELECT_ZONE = (withGeometry: boolean) => `
  SELECT z.id, z.name, z.zone_type, z.admin_code, a.name AS admin_name, z.period_start, z.period_end, z.responsible_unit,
         z.targets, z.area_m2, z.version, to_char(z.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at
         ${withGeometry ? ', ST_AsGeoJSON(z.geom, 8) AS geometry' : ''}
  FROM zones z JOIN admin_units a ON a.code = z.admin_code`

function toZone(r: Row): Zone {
  return {
    id: r.id as number,
    name: r.name as string,
    zoneType: r.zone_type as ZoneType,
    adminCode: r.admin_code as string,
    adminName: r.admin_name as string,
    periodStart: r.period_start as string | null,
    periodEnd: r.period_end as string | null,
    responsibleUnit: r.responsible_unit as string | null,
    targets: r.targets as ZoneTargets,
    areaM2: r.area_m2 as number,
    version: r.version as number,
    updatedAt: r.updated_at as string,
    ...(r.geometry !== undefined ? { geometry: JSON.parse(r.geometry as string) } : {}),
  }
}

export async function listZones(db: Queryable, scope: Scope, f: { type?: ZoneType; admin?: string; withGeometry: boolean }): Promise<Zone[]> {
  const params: unknown[] = [scope]
  const where = [inScope('z.admin_code', '$1')]
  if (f.type) where.push(`z.zone_type = $${params.push(f.type)}`)
  if (f.admin) where.push(inUnit('z.admin_code', `$${params.push(f.admin)}`))
  const r = await db.query<Row>(`${SELECT_ZONE(f.withGeometry)} WHERE ${where.join(' AND ')} ORDER BY z.id DESC`, params)
  return r.rows.map(toZone)
}

export async function getZone(db: Queryable, id: number, scope: Scope, withGeometry = true): Promise<Zone | null> {
  const r = await db.query<Row>(`${SELECT_ZONE(withGeometry)} WHERE z.id = $1 AND ${inScope('z.admin_code', '$2')}`, [id, scope])
  return r.rows[0] ? toZone(r.rows[0]) : null
}

/** The zone's outline as GeoJSON text, from a drawing, villages or parcels (all inside the scope). */
async function resolveShape(db: Queryable, shape: ZoneShape, scope: Scope): Promise<string> {
  const given = [shape.geometry !== undefined, shape.fromVillages !== undefined, shape.fromParcels !== undefined].filter(Boolean).length
  if (given !== 1) throw new ZoneInputError('give exactly one of geometry, fromVillages, fromParcels', 'geometry')
  if (shape.geometry !== undefined) return (await checkPolygon(db, shape.geometry, ZONE_LIMITS)).geojson
  if (shape.fromVillages !== undefined) {
    const codes = [...new Set(shape.fromVillages)]
    if (codes.length === 0) throw new ZoneInputError('fromVillages is empty', 'fromVillages')
    const r = await db.query<{ code: string }>(
      `SELECT code FROM admin_units WHERE level = 'village' AND code = ANY($1::text[]) AND ${inScope('code', '$2')}`, [codes, scope])
    const found = new Set(r.rows.map((x) => x.code))
    const missing = codes.filter((c) => !found.has(c))
    if (missing.length) throw new ZoneInputError(`fromVillages: no village ${missing.join(', ')} in your area`, 'fromVillages')
    // Village borders lie on the 1e-7° grid (decision 10), so the union dissolves them exactly.
    const u = await db.query<{ g: string }>(
      `SELECT ST_AsGeoJSON(ST_Multi(ST_Union(geom, 1e-7))) AS g FROM admin_units WHERE code = ANY($1::text[])`, [codes])
    return u.rows[0]!.g
  }
  const ids = [...new Set(shape.fromParcels!)]
  if (ids.length === 0) throw new ZoneInputError('fromParcels is empty', 'fromParcels')
  const r = await db.query<{ id: number }>(`SELECT id FROM parcels WHERE id = ANY($1::bigint[]) AND ${inScope('admin_code', '$2')}`, [ids, scope])
  const found = new Set(r.rows.map((x) => x.id))
  const missing = ids.filter((i) => !found.has(i))
  if (missing.length) throw new ZoneInputError(`fromParcels: no parcel ${missing.join(', ')} in your area`, 'fromParcels')
  const u = await db.query<{ g: string }>(
    `SELECT ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_Union(geom, 1e-9), 3))) AS g FROM parcels WHERE id = ANY($1::bigint[])`, [ids])
  return u.rows[0]!.g
}

/**
 * Where a zone lies: refused when more than MAX_OUTSIDE_SHARE of it is outside the district;
 * its admin unit is the smallest one holding at least 99 % of it (so a hand-drawn border that
 * grazes a neighbour does not lift a village's zone to the town).
 */
async function placeZone(db: Queryable, geojson: string, scope: Scope): Promise<string> {
  const r = await db.query<{ area: number; outside: number | null }>(
    `WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
          d AS (SELECT ST_Union(geom, 1e-7) AS d FROM admin_units WHERE level = 'district')
     SELECT ST_Area(g.g::geography) AS area, ST_Area(ST_Difference(g.g, d.d, 1e-9)::geography) AS outside FROM g, d`,
    [geojson],
  )
  const { area, outside } = r.rows[0]!
  if (outside === null || outside > area * MAX_OUTSIDE_SHARE) {
    throw new GeometryInputError(
      `the zone lies ${outside === null ? '' : `${((100 * outside) / area).toFixed(1)} % `}outside the district; draw it inside`, 422, 'geometry')
  }
  const u = await db.query<{ code: string }>(
    `WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g)
     SELECT a.code FROM admin_units a, g
     WHERE ST_Intersects(a.geom, g.g)
       AND (a.level = 'district' OR ST_Area(ST_Intersection(a.geom, g.g, 1e-9)::geography) >= 0.99 * $2::float8)
     ORDER BY length(a.code) DESC, a.code LIMIT 1`,
    [geojson, area],
  )
  const code = u.rows[0]?.code
  if (!code) throw new GeometryInputError('the zone lies outside the district', 422, 'geometry')
  if (!holds(scope, code)) throw new GeometryInputError(`the zone lies in ${code}, outside your area ${scope}`, 422, 'geometry')
  return code
}

function checkPeriod(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw new ZoneInputError(`periodEnd ${end} is before periodStart ${start}`, 'periodEnd')
}

const snapshot = async (tx: Queryable, id: number) =>
  (await tx.query<Row>(
    `SELECT name, zone_type, admin_code, period_start, period_end, responsible_unit, targets, version, area_m2, ST_AsGeoJSON(geom, 8)::jsonb AS geometry
     FROM zones WHERE id = $1`, [id])).rows[0]!

export async function createZone(db: Db, input: ZoneInput, userId: number, scope: Scope): Promise<Zone> {
  checkPeriod(input.periodStart, input.periodEnd)
  const geojson = await resolveShape(db, input, scope)
  const adminCode = await placeZone(db, geojson, scope)
  const id = await db.transaction(async (tx) => {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO zones (name, zone_type, admin_code, period_start, period_end, responsible_unit, targets, created_by, geom)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($9), 4326))) RETURNING id`,
      [input.name, input.zoneType, adminCode, input.periodStart ?? null, input.periodEnd ?? null, input.responsibleUnit ?? null,
        JSON.stringify(input.targets ?? {}), userId, geojson],
    )
    const newId = r.rows[0]!.id
    const how = input.fromVillages ? { fromVillages: input.fromVillages } : input.fromParcels ? { fromParcels: input.fromParcels } : {}
    await tx.query(`INSERT INTO zone_history (zone_id, user_id, action, after) VALUES ($1, $2, 'create', $3)`, [
      newId, userId, JSON.stringify({ ...(await snapshot(tx, newId)), ...how }),
    ])
    return newId
  })
  return (await getZone(db, id, scope))!
}

/** Several zones at once (an uploaded file): all are checked first, then all are stored, or none. */
export async function createZones(db: Db, inputs: ZoneInput[], userId: number, scope: Scope): Promise<Zone[]> {
  const placed: { input: ZoneInput; geojson: string; adminCode: string }[] = []
  for (const [i, input] of inputs.entries()) {
    try {
      checkPeriod(input.periodStart, input.periodEnd)
      const geojson = await resolveShape(db, input, scope)
      placed.push({ input, geojson, adminCode: await placeZone(db, geojson, scope) })
    } catch (err) {
      if (err instanceof GeometryInputError) throw new GeometryInputError(`features[${i}]: ${err.message}`, err.status, `features[${i}]`, err.extra)
      if (err instanceof ZoneInputError) throw new ZoneInputError(`features[${i}]: ${err.message}`, `features[${i}]`)
      throw err
    }
  }
  const ids = await db.transaction(async (tx) => {
    const out: number[] = []
    for (const { input, geojson, adminCode } of placed) {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO zones (name, zone_type, admin_code, period_start, period_end, responsible_unit, targets, created_by, geom)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($9), 4326))) RETURNING id`,
        [input.name, input.zoneType, adminCode, input.periodStart ?? null, input.periodEnd ?? null, input.responsibleUnit ?? null,
          JSON.stringify(input.targets ?? {}), userId, geojson],
      )
      const id = r.rows[0]!.id
      await tx.query(`INSERT INTO zone_history (zone_id, user_id, action, after) VALUES ($1, $2, 'create', $3)`, [
        id, userId, JSON.stringify({ ...(await snapshot(tx, id)), fromFile: true }),
      ])
      out.push(id)
    }
    return out
  })
  return Promise.all(ids.map(async (id) => (await getZone(db, id, scope))!))
}

export type ZonePatch = Partial<ZoneInput>

const PATCH_COLUMNS = {
  name: 'name', zoneType: 'zone_type', periodStart: 'period_start', periodEnd: 'period_end', responsibleUnit: 'responsible_unit', targets: 'targets',
} as const

export async function editZone(db: Db, id: number, scope: Scope, expectedVersion: number, patch: ZonePatch, userId: number): Promise<Zone | null> {
  const reshaped = patch.geometry !== undefined || patch.fromVillages !== undefined || patch.fromParcels !== undefined
  const geojson = reshaped ? await resolveShape(db, patch, scope) : null
  const adminCode = geojson ? await placeZone(db, geojson, scope) : null
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<Row>(
      `SELECT version, period_start, period_end FROM zones WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`, [id, scope])
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { stale: row.version as number }
    checkPeriod(
      patch.periodStart !== undefined ? patch.periodStart : (row.period_start as string | null),
      patch.periodEnd !== undefined ? patch.periodEnd : (row.period_end as string | null),
    )
    const before = await snapshot(tx, id)
    const sets: string[] = []
    const params: unknown[] = [id]
    for (const [k, col] of Object.entries(PATCH_COLUMNS) as [keyof typeof PATCH_COLUMNS, string][]) {
      if (patch[k] === undefined) continue
      sets.push(`${col} = $${params.push(k === 'targets' ? JSON.stringify(patch.targets) : patch[k])}`)
    }
    if (geojson) {
      sets.push(`geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($${params.push(geojson)}), 4326))`, `admin_code = $${params.push(adminCode)}`)
    }
    if (sets.length === 0) throw new ZoneInputError('nothing to change', 'body')
    await tx.query(`UPDATE zones SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`, params)
    const after = await snapshot(tx, id)
    const changed = Object.keys(after).filter((k) => k !== 'version' && JSON.stringify(after[k]) !== JSON.stringify(before[k]))
    await tx.query(`INSERT INTO zone_history (zone_id, user_id, action, before, after) VALUES ($1, $2, 'edit', $3, $4)`, [
      id, userId,
      // the changed fields, and which version each side was
      JSON.stringify({ ...Object.fromEntries(changed.map((k) => [k, before[k]])), version: before.version }),
      JSON.stringify({ ...Object.fromEntries(changed.map((k) => [k, after[k]])), version: after.version }),
    ])
    return { done: true }
  })
  if (outcome === null) return null
  if ('stale' in outcome) await refuseStaleWrite(db, 'zone', { table: 'zone_history', key: { zone_id: id } }, userId, expectedVersion, outcome.stale!, patch)
  return getZone(db, id, scope)
}

export async function deleteZone(db: Db, id: number, scope: Scope, expectedVersion: number, userId: number): Promise<boolean> {
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<Row>(`SELECT version FROM zones WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`, [id, scope])
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { stale: row.version as number }
    const used = await tx.query(`SELECT 1 FROM assignments WHERE zone_id = $1 LIMIT 1`, [id])
    if (used.rowCount > 0) throw new ZoneInUseError(`zone ${id} is assigned to a field team; cancel or reassign that work first`)
    await tx.query(`INSERT INTO zone_history (zone_id, user_id, action, before) VALUES ($1, $2, 'delete', $3)`, [
      id, userId, JSON.stringify(await snapshot(tx, id)),
    ])
    await tx.query(`DELETE FROM zones WHERE id = $1`, [id])
    return { done: true }
  })
  if (outcome === null) return false
  if ('stale' in outcome) await refuseStaleWrite(db, 'zone', { table: 'zone_history', key: { zone_id: id } }, userId, expectedVersion, outcome.stale!, { delete: true })
  return true
}

/**
 * The trace of a zone, also after it was deleted: scope is checked against the admin unit the
 * zone last had (kept in its history), so a deleted zone's trace stays where it was visible.
 */
export async function zoneHistory(db: Queryable, id: number, scope: Scope): Promise<ChangeEntry[] | null> {
  const r = await db.query<Row>(
    `SELECT h.id, to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, u.username, h.action, h.before, h.after
     FROM zone_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.zone_id = $1 ORDER BY h.at, h.id`,
    [id],
  )
  if (r.rows.length === 0) return null
  const current = await db.query<{ admin_code: string }>(`SELECT admin_code FROM zones WHERE id = $1`, [id])
  let adminCode = current.rows[0]?.admin_code
  if (!adminCode) {
    for (const h of r.rows) {
      const code = ((h.after ?? {}) as Row).admin_code ?? ((h.before ?? {}) as Row).admin_code
      if (typeof code === 'string') adminCode = code
    }
  }
  if (!holds(scope, adminCode)) return null
  return r.rows.map((h) => ({
    id: h.id as number, at: h.at as string, user: h.username as string | null, action: h.action as string,
    before: h.before as Snapshot | null, after: h.after as Snapshot | null,
  }))
}
