// The ledger's figures straight out of PostGIS: grouped tables and any-area statistics. Every
// figure is an exact SQL sum of stored cents; domain/statistics.ts does shares and labels.
import type { Db, Queryable } from '../db/db.ts'
import { DEMOLITION_DISPOSALS, type GroupKey } from '../domain/statistics.ts'
import type { Figures, GroupKeyValues, MeasuredArea } from '../schemas/planning.schema.ts'
import { caseFloorAreaSql, caseLandAreaSql } from './case-areas.sql.ts'
import { checkPolygon, type PolygonLimits } from './zones.repo.ts'
import { inScope, inUnit } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import { beijingTimeSql } from './beijing.sql.ts'

export interface StatisticsFilter {
  scope: Scope
  /** Admin-code prefix inside the scope. */
  admin?: string
  zone?: number
  bufferZone?: number
  /** The rule set whose zones a bufferZone grouping uses. */
  ruleSetId?: number
  status?: string[]
  use?: string[]
  source?: string[]
  ownership?: string[]
  disposal?: string[]
  /** YYYY-MM-DD, Beijing dates, inclusive. */
  from?: string
  to?: string
}

export interface StatisticsRow {
  key: GroupKeyValues
  figures: Figures
}


const PERIOD_FORMATS: Partial<Record<GroupKey, string>> = { month: 'YYYY-MM', quarter: 'YYYY-"Q"Q', year: 'YYYY' }

/** Non-period keys, computed per case (`c`), with the zone joins they need. */
const CASE_KEYS: Partial<Record<GroupKey, string>> = {
  district: 'left(c.admin_code, 6)',
  town: 'CASE WHEN length(c.admin_code) >= 9 THEN left(c.admin_code, 9) END',
  village: 'CASE WHEN length(c.admin_code) = 12 THEN c.admin_code END',
  zone: 'zm.zone_id',
  bufferZone: 'bm.buffer_zone_id',
  use: 'c.use',
  ownership: 'c.ownership',
  source: 'c.source',
  disposal: 'c.disposal',
  status: 'c.status',
}

const FIGURE_SQL = `
  count(*) FILTER (WHERE kind = 'found') AS count,
  coalesce(sum(land) FILTER (WHERE kind = 'found'), 0) AS land_area,
  coalesce(sum(land_recorded) FILTER (WHERE kind = 'found'), 0) AS land_area_recorded,
  coalesce(sum(land_computed) FILTER (WHERE kind = 'found'), 0) AS land_area_computed,
  coalesce(sum(land_recorded - land_computed) FILTER (WHERE kind = 'found'), 0) AS land_area_gap,
  coalesce(sum(floor) FILTER (WHERE kind = 'found'), 0) AS floor_area,
  coalesce(sum(floor_recorded) FILTER (WHERE kind = 'found'), 0) AS floor_area_recorded,
  coalesce(sum(floor_computed) FILTER (WHERE kind = 'found'), 0) AS floor_area_computed,
  coalesce(sum(floor_recorded - floor_computed) FILTER (WHERE kind = 'found'), 0) AS floor_area_gap,
  count(*) FILTER (WHERE kind = 'demolished') AS demolished_count,
  coalesce(sum(demolished_land) FILTER (WHERE kind = 'demolished'), 0) AS demolished_land_area,
  coalesce(sum(demolished_floor) FILTER (WHERE kind = 'demolished'), 0) AS demolished_floor_area,
  coalesce(sum(regreened) FILTER (WHERE kind = 'demolished'), 0) AS regreened_area,
  count(*) FILTER (WHERE kind = 'closed') AS closed_count`

type Row = Record<string, unknown>

export function toFigures(r: Row): Figures {
  const n = (k: string) => Number(r[k] ?? 0)
  return {
    count: n('count'), landArea: n('land_area'), landAreaRecorded: n('land_area_recorded'), landAreaComputed: n('land_area_computed'),
    landAreaGap: n('land_area_gap'), floorArea: n('floor_area'), floorAreaRecorded: n('floor_area_recorded'),
    floorAreaComputed: n('floor_area_computed'), floorAreaGap: n('floor_area_gap'), demolishedCount: n('demolished_count'),
    demolishedLandArea: n('demolished_land_area'), demolishedFloorArea: n('demolished_floor_area'), regreenedArea: n('regreened_area'),
    closedCount: n('closed_count'),
  }
}

/**
 * One statement: the cases in scope and filter (`base`, one row per case and zone it lies in when
 * grouped by zone), three kinds of dated facts per case (found; demolished, by disposed_at;
 * closed, by closed_at), each kept when its own Beijing date is in [from, to], summed per group.
 */
function buildQuery(keys: readonly GroupKey[], f: StatisticsFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [f.scope]
  const add = (v: unknown) => `$${params.push(v)}`
  const where = [inScope('c.admin_code', '$1')]
  if (f.admin) where.push(inUnit('c.admin_code', add(f.admin)))
  for (const [col, values] of [['status', f.status], ['use', f.use], ['source', f.source], ['ownership', f.ownership], ['disposal', f.disposal]] as const) {
    if (values?.length) where.push(`c.${col} = ANY(${add(values)}::text[])`)
  }
  // Zones and buffer zones are spatial: a case placed at its village until located (待定位) is in none.
  if (f.zone !== undefined) where.push(`NOT c.location_pending AND EXISTS (SELECT 1 FROM zones z WHERE z.id = ${add(f.zone)} AND ST_Intersects(z.geom, c.geom))`)
  if (f.bufferZone !== undefined) {
    where.push(`NOT c.location_pending AND EXISTS (SELECT 1 FROM buffer_zone_parts p WHERE p.buffer_zone_id = ${add(f.bufferZone)} AND ST_Intersects(p.geom, c.geom))`)
  }
  const joins: string[] = []
  if (keys.includes('zone')) {
    joins.push(`LEFT JOIN LATERAL (SELECT z.id AS zone_id FROM zones z WHERE ${inScope('z.admin_code', '$1')} AND NOT c.location_pending AND ST_Intersects(z.geom, c.geom)) zm ON true`)
  }
  if (keys.includes('bufferZone')) {
    joins.push(`LEFT JOIN LATERAL (SELECT DISTINCT p.buffer_zone_id FROM buffer_zone_parts p
                                   WHERE p.rule_set_id = ${add(f.ruleSetId ?? null)} AND NOT c.location_pending AND ST_Intersects(p.geom, c.geom)) bm ON true`)
  }
  const caseKeys = keys.map((k, i) => (CASE_KEYS[k] ? `, ${CASE_KEYS[k]} AS k${i}` : '')).join('')
  const groupKeys = keys.map((k, i) => (PERIOD_FORMATS[k] ? `to_char(${beijingTimeSql('at')}, '${PERIOD_FORMATS[k]}')` : `k${i}`))
  const dateWhere: string[] = ['at IS NOT NULL']
  if (f.from) dateWhere.push(`${beijingTimeSql('at')} >= ${add(f.from)}::date`)
  if (f.to) dateWhere.push(`${beijingTimeSql('at')} < ${add(f.to)}::date + 1`)
  const demolitions = add([...DEMOLITION_DISPOSALS])
  const sql = `
    WITH base AS (
      SELECT c.id, c.found_at, c.disposed_at, c.closed_at, c.disposal,
             ${caseLandAreaSql('c.')} AS land, c.land_area_recorded_m2 AS land_recorded, c.land_area_computed_m2 AS land_computed,
             ${caseFloorAreaSql('c.')} AS floor, c.floor_area_recorded_m2 AS floor_recorded, c.floor_area_computed_m2 AS floor_computed,
             c.demolished_land_area_m2 AS demolished_land, c.demolished_floor_area_m2 AS demolished_floor, c.regreened_area_m2 AS regreened
             ${caseKeys}
      FROM cases c ${joins.join(' ')}
      WHERE ${where.join(' AND ')}
    ), facts AS (
      SELECT b.*, 'found' AS kind, b.found_at AS at FROM base b
      UNION ALL
      SELECT b.*, 'demolished', b.disposed_at FROM base b WHERE b.disposal = ANY(${demolitions}::text[])
      UNION ALL
      SELECT b.*, 'closed', b.closed_at FROM base b
    )
    SELECT ${groupKeys.map((g, i) => `${g} AS g${i}, `).join('')}${FIGURE_SQL}
    FROM facts WHERE ${dateWhere.join(' AND ')}
    ${groupKeys.length ? `GROUP BY ${groupKeys.map((_, i) => `g${i}`).join(', ')}` : ''}`
  return { sql, params }
}

/**
 * PostgreSQL's JIT spends half a second compiling these plans (set-returning ST_Subdivide and the
 * spatial joins inflate their cost estimates past jit_above_cost) to save a few milliseconds of
 * running them: off for these statements, in a transaction of their own.
 */
function withoutJit<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL jit = off')
    return fn(tx)
  })
}

/** Rows per group (unsorted, unlabelled) and the totals of the whole selection, each case once. */
export async function ledgerStatistics(db: Db, keys: readonly GroupKey[], f: StatisticsFilter): Promise<{ rows: StatisticsRow[]; totals: Figures }> {
  const grouped = buildQuery(keys, f)
  const total = buildQuery([], f)
  const [rows, totalRows] = await withoutJit(db, async (q) => [
    keys.length ? (await q.query<Row>(grouped.sql, grouped.params)).rows : [],
    (await q.query<Row>(total.sql, total.params)).rows,
  ])
  const totals = toFigures(totalRows[0]!)
  return {
    rows: rows.map((r) => ({ key: Object.fromEntries(keys.map((k, i) => [k, (r[`g${i}`] ?? null) as string | number | null])), figures: toFigures(r) })),
    totals,
  }
}

/** Names for the codes and ids in the rows' keys. */
export async function keyNames(db: Queryable, kind: 'admin' | 'zone' | 'bufferZone', ids: readonly (string | number)[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const sql = {
    admin: `SELECT code AS id, name FROM admin_units WHERE code = ANY($1::text[])`,
    zone: `SELECT id::text AS id, name FROM zones WHERE id = ANY($1::bigint[])`,
    bufferZone: `SELECT id::text AS id, name FROM buffer_zones WHERE id = ANY($1::bigint[])`,
  }[kind]
  const r = await db.query<{ id: string; name: string }>(sql, [ids.map(String)])
  return new Map(r.rows.map((x) => [x.id, x.name]))
}

// ---- any-area statistics ----

export const AREA_LIMITS: PolygonLimits = { maxAreaM2: 50e6, maxVertices: 5_000 }

/**
 * Area of `g` inside the drawn area `a.g`, m² on the ellipsoid. A feature wholly inside needs no
 * overlay (the covers test runs on a prepared geometry, cheap even for a detailed drawing); the
 * others are clipped against the pieces of the drawing (`ap`, at most 64 vertices each, not
 * overlapping) they meet, with a grid (decision 10): overlaying a 4,000-vertex drawing whole costs
 * the snap-rounding noder most of a second per feature.
 */
const clipped = (g: string) =>
  `CASE WHEN ST_CoveredBy(${g}, a.g) THEN ST_Area(${g}::geography)
        ELSE (SELECT coalesce(sum(ST_Area(ST_Intersection(${g}, ap.g, 1e-9)::geography)), 0) FROM ap WHERE ST_Intersects(${g}, ap.g)) END`


/**
 * Figures inside a drawn polygon: cases and patches as whole features that intersect it; parcels,
 * building footprints and buffer zones (the active rule set's) clipped to it. Clipped sums are
 * rounded to the cent once, at the end. Scoped rows only.
 */
export async function areaStatistics(db: Db, geometry: unknown, scope: Scope, limits: PolygonLimits = AREA_LIMITS): Promise<MeasuredArea> {
  const { ewkb } = await checkPolygon(db, geometry, limits)
  // One statement, so a detailed drawing is read and cut into pieces once.
  const r = await withoutJit(db, (q) => q.query<{ area: number; cases: string; parcels: string; buildings: string; detections: number; zones: string }>(
    `WITH a AS MATERIALIZED (SELECT $1::geometry AS g),
          ap AS MATERIALIZED (SELECT (ST_Dump(ST_Subdivide(g, 64))).geom AS g FROM a)
     SELECT
       (SELECT round(ST_Area(g::geography)::numeric, 2) FROM a) AS area,
       (SELECT row_to_json(x)::text FROM (
          SELECT count(*) AS count, coalesce(sum(${caseLandAreaSql('c.')}), 0) AS land_area, coalesce(sum(${caseFloorAreaSql('c.')}), 0) AS floor_area,
                 count(*) FILTER (WHERE c.disposal = ANY($3::text[])) AS demolished_count,
                 coalesce(sum(c.demolished_land_area_m2) FILTER (WHERE c.disposal = ANY($3::text[])), 0) AS demolished_land_area,
                 coalesce(sum(c.demolished_floor_area_m2) FILTER (WHERE c.disposal = ANY($3::text[])), 0) AS demolished_floor_area,
                 coalesce(sum(c.regreened_area_m2) FILTER (WHERE c.disposal = ANY($3::text[])), 0) AS regreened_area,
                 count(*) FILTER (WHERE c.closed_at IS NOT NULL) AS closed_count
          FROM cases c, a WHERE ${inScope('c.admin_code', '$2')} AND NOT c.location_pending AND ST_Intersects(c.geom, a.g)) x) AS cases,
       (SELECT coalesce(json_agg(x ORDER BY x.land_class), '[]')::text FROM (
          SELECT p.land_class, count(*) AS count, round(sum(${clipped('p.geom')})::numeric, 2) AS m2
          FROM parcels p, a WHERE ${inScope('p.admin_code', '$2')} AND ST_Intersects(p.geom, a.g) GROUP BY p.land_class) x) AS parcels,
       (SELECT row_to_json(x)::text FROM (
          SELECT count(*) AS count, coalesce(sum(b.footprint_area_m2), 0) AS whole, coalesce(round(sum(${clipped('b.geom')})::numeric, 2), 0) AS m2
          FROM buildings b, a WHERE ${inScope('b.admin_code', '$2')} AND ST_Intersects(b.geom, a.g)) x) AS buildings,
       (SELECT count(*) FROM detections d, a WHERE ${inScope('d.admin_code', '$2')} AND ST_Intersects(d.geom, a.g)) AS detections,
       -- summed over the zone's pieces, which do not overlap (migration 007)
       (SELECT coalesce(json_agg(x ORDER BY x.id), '[]')::text FROM (
          SELECT z.id, z.name, z.family, z.class, round(sum(${clipped('p.geom')})::numeric, 2) AS m2
          FROM buffer_zone_parts p JOIN buffer_zones z ON z.id = p.buffer_zone_id JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active, a
          WHERE ST_Intersects(p.geom, a.g) GROUP BY z.id, z.name, z.family, z.class) x) AS zones`,
    [ewkb, scope, [...DEMOLITION_DISPOSALS]],
  ))
  const row = r.rows[0]!
  const parcels = JSON.parse(row.parcels) as { land_class: string; count: number; m2: number }[]
  const byLandClass = parcels.map((p) => ({ landClass: p.land_class, count: p.count, clippedAreaM2: p.m2 }))
  const f = toFigures(JSON.parse(row.cases) as Row)
  const b = JSON.parse(row.buildings) as { count: number; whole: number; m2: number }
  const zones = JSON.parse(row.zones) as { id: number; name: string; family: string; class: string; m2: number }[]
  return {
    areaM2: row.area,
    cases: {
      count: f.count, landArea: f.landArea, floorArea: f.floorArea, demolishedCount: f.demolishedCount, demolishedLandArea: f.demolishedLandArea,
      demolishedFloorArea: f.demolishedFloorArea, regreenedArea: f.regreenedArea, closedCount: f.closedCount,
    },
    parcels: {
      count: byLandClass.reduce((s, p) => s + p.count, 0),
      clippedAreaM2: byLandClass.reduce((s, p) => s + Math.round(p.clippedAreaM2 * 100), 0) / 100,
      byLandClass,
    },
    buildings: { count: b.count, footprintM2: b.whole, clippedFootprintM2: b.m2 },
    detections: { count: row.detections },
    bufferZones: zones.map((z) => ({ id: z.id, name: z.name, family: z.family, class: z.class, clippedAreaM2: z.m2 })),
  }
}
