// The ledger's figures straight out of PostGIS: grouped tables and any-area statistics. Every
// figure is an exact SQL sum of stored cents; domain/statistics.ts does shares and labels.
import type { Db, Queryable } from '../db/db.ts'
import { DEMOLITION_DISPOSALS, OVERLAPPING_KEYS, sumFigures, type GroupKey } from '../domain/statistics.ts'
import type { Figures, GroupKeyValues, MeasuredArea } from '../schemas/planning.schema.ts'
import { caseFloorAreaSql, caseLandAreaSql } from './case-areas.sql.ts'
import { checkPolygon, type PolygonLimits } from './zones.repo.ts'
import { inScope, inUnit } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'

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


/** Period keys: from a fact's month index (year * 12 + month - 1, migration 018) to the group, and the group's label. */
const PERIODS: Partial<Record<GroupKey, { group: (month: string) => string; label: (g: string) => string }>> = {
  month: { group: (m) => m, label: (g) => `to_char(make_date(${g} / 12, ${g} % 12 + 1, 1), 'YYYY-MM')` },
  quarter: { group: (m) => `${m} / 3`, label: (g) => `(${g} / 4)::text || '-Q' || (${g} % 4 + 1)` },
  year: { group: (m) => `${m} / 12`, label: (g) => `(${g})::text` },
}

/** Non-period keys, computed per case (`c`, its case_figures row), with the zone joins they need. */
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

/** A case's three dated facts: found; demolished (a demolishing disposal, by its date); closed. */
type Fact = 'found' | 'demolished' | 'closed'
const FACTS: readonly Fact[] = ['found', 'demolished', 'closed']
const FACT_DATE: Record<Fact, string> = { found: 'c.found_on', demolished: 'c.demolished_on', closed: 'c.closed_on' }
const FACT_MONTH: Record<Fact, string> = { found: 'c.found_month', demolished: 'c.demolished_month', closed: 'c.closed_month' }

/** The figures, each an aggregate over case_figures counted where its own fact holds; areas are cents. */
const FIGURES: readonly { column: string; fact: Fact; aggregate: string; cents: boolean }[] = [
  { column: 'count', fact: 'found', aggregate: 'count(*)', cents: false },
  { column: 'land_area', fact: 'found', aggregate: 'sum(c.land_cents)', cents: true },
  { column: 'land_area_recorded', fact: 'found', aggregate: 'sum(c.land_recorded_cents)', cents: true },
  { column: 'land_area_computed', fact: 'found', aggregate: 'sum(c.land_computed_cents)', cents: true },
  { column: 'land_area_gap', fact: 'found', aggregate: 'sum(c.land_recorded_cents - c.land_computed_cents)', cents: true },
  { column: 'floor_area', fact: 'found', aggregate: 'sum(c.floor_cents)', cents: true },
  { column: 'floor_area_recorded', fact: 'found', aggregate: 'sum(c.floor_recorded_cents)', cents: true },
  { column: 'floor_area_computed', fact: 'found', aggregate: 'sum(c.floor_computed_cents)', cents: true },
  { column: 'floor_area_gap', fact: 'found', aggregate: 'sum(c.floor_recorded_cents - c.floor_computed_cents)', cents: true },
  { column: 'demolished_count', fact: 'demolished', aggregate: 'count(*)', cents: false },
  { column: 'demolished_land_area', fact: 'demolished', aggregate: 'sum(c.demolished_land_cents)', cents: true },
  { column: 'demolished_floor_area', fact: 'demolished', aggregate: 'sum(c.demolished_floor_cents)', cents: true },
  { column: 'regreened_area', fact: 'demolished', aggregate: 'sum(c.regreened_cents)', cents: true },
  { column: 'closed_count', fact: 'closed', aggregate: 'count(*)', cents: false },
]
/** A figure's final value from its aggregate: m² from cents (exact numeric), 0 for an empty sum. */
const figureValue = (aggregate: string, cents: boolean) => (cents ? `coalesce(${aggregate}, 0) / 100` : aggregate)

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
 * One statement over case_figures (migration 018: each case's keys, fact dates and areas in
 * cents, narrow) for the cases in scope and filter. Each fact counts when its own Beijing date is
 * in [from, to]. Without a period key one pass, the facts as FILTER clauses; with one, a pass per
 * fact grouped by that fact's period, and the three added up per group. Zone and buffer-zone keys
 * and filters read the stored memberships (migration 015): one row per case and zone it lies in.
 */
function buildQuery(keys: readonly GroupKey[], f: StatisticsFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [f.scope]
  const add = (v: unknown) => `$${params.push(v)}`
  const where = [inScope('c.admin_code', '$1')]
  if (f.admin) where.push(inUnit('c.admin_code', add(f.admin)))
  for (const [col, values] of [['status', f.status], ['use', f.use], ['source', f.source], ['ownership', f.ownership], ['disposal', f.disposal]] as const) {
    if (values?.length) where.push(`c.${col} = ANY(${add(values)}::text[])`)
  }
  // Zones and buffer zones are spatial: a case placed at its village until located (待定位) is in
  // none, and has no membership rows.
  if (f.zone !== undefined) where.push(`EXISTS (SELECT 1 FROM case_zone_members m WHERE m.zone_id = ${add(f.zone)} AND m.case_id = c.case_id)`)
  if (f.bufferZone !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM case_buffer_zone_members m WHERE m.buffer_zone_id = ${add(f.bufferZone)} AND m.case_id = c.case_id)`)
  }
  const joins: string[] = []
  if (keys.includes('zone')) {
    joins.push(`LEFT JOIN (case_zone_members zm JOIN zones z ON z.id = zm.zone_id AND ${inScope('z.admin_code', '$1')}) ON zm.case_id = c.case_id`)
  }
  if (keys.includes('bufferZone')) {
    joins.push(`LEFT JOIN case_buffer_zone_members bm ON bm.case_id = c.case_id AND bm.rule_set_id = ${add(f.ruleSetId ?? null)}`)
  }
  const from = f.from ? add(f.from) : null
  const to = f.to ? add(f.to) : null
  const holds = (fact: Fact) => {
    const w = fact === 'found' ? [] : [`${FACT_DATE[fact]} IS NOT NULL`]
    if (from) w.push(`${FACT_DATE[fact]} >= ${from}::date`)
    if (to) w.push(`${FACT_DATE[fact]} <= ${to}::date`)
    return w
  }
  const table = `case_figures c ${joins.join(' ')}`

  if (keys.some((k) => PERIODS[k])) {
    const branch = (fact: Fact) => `
      SELECT ${keys.map((k, i) => `${PERIODS[k]?.group(FACT_MONTH[fact]) ?? CASE_KEYS[k]} AS g${i}, `).join('')}
             ${FIGURES.map((x) => `${x.fact === fact ? x.aggregate : '0'} AS ${x.column}`).join(', ')}
      FROM ${table} WHERE ${[...where, ...holds(fact)].join(' AND ')}
      GROUP BY ${keys.map((_, i) => `g${i}`).join(', ')}`
    const sql = `
      SELECT ${keys.map((k, i) => `${PERIODS[k]?.label(`x.g${i}`) ?? `x.g${i}`} AS g${i}, `).join('')}
             ${FIGURES.map((x) => `${figureValue(`sum(x.${x.column})`, x.cents)} AS ${x.column}`).join(', ')}
      FROM (${FACTS.map(branch).join(' UNION ALL ')}) x
      GROUP BY ${keys.map((_, i) => `x.g${i}`).join(', ')}`
    return { sql, params }
  }
  const condition = (fact: Fact) => holds(fact).join(' AND ') || 'true'
  // a case none of whose facts falls in the period makes no row
  if (from || to) where.push(`(${FACTS.map((fact) => `(${condition(fact)})`).join(' OR ')})`)
  const sql = `
    SELECT ${keys.map((k, i) => `${CASE_KEYS[k]} AS g${i}, `).join('')}
           ${FIGURES.map((x) => `${figureValue(`${x.aggregate} FILTER (WHERE ${condition(x.fact)})`, x.cents)} AS ${x.column}`).join(', ')}
    FROM ${table}
    WHERE ${where.join(' AND ')}
    ${keys.length ? `GROUP BY ${keys.map((_, i) => `g${i}`).join(', ')}` : ''}`
  return { sql, params }
}

/**
 * Rows per group (unsorted, unlabelled) and the totals of the whole selection, each case once.
 * When the rows partition the facts (no zone or buffer-zone key) the totals are the rows' sum in
 * cents, exactly what the SQL sum gives; otherwise a second statement counts each case once.
 */
export async function ledgerStatistics(db: Db, keys: readonly GroupKey[], f: StatisticsFilter): Promise<{ rows: StatisticsRow[]; totals: Figures }> {
  const overlapping = keys.some((k) => OVERLAPPING_KEYS.includes(k))
  const grouped = buildQuery(keys, f)
  const total = buildQuery([], f)
  // With a zone key the grouped statement and the totals' run at once (two connections on PostgreSQL).
  const [rawRows, totalRows] = await Promise.all([
    keys.length ? db.query<Row>(grouped.sql, grouped.params).then((r) => r.rows) : [],
    keys.length && !overlapping ? null : db.query<Row>(total.sql, total.params).then((r) => r.rows),
  ])
  const rows = rawRows.map((r) => ({ key: Object.fromEntries(keys.map((k, i) => [k, (r[`g${i}`] ?? null) as string | number | null])), figures: toFigures(r) }))
  const totals = totalRows ? toFigures(totalRows[0]!) : sumFigures(rows.map((r) => r.figures))
  return { rows, totals }
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
 * Area of a feature inside the drawn area `a.g`, m² on the ellipsoid. A feature wholly inside
 * needs no overlay: its own area is stored, unrounded (`exact`, migration 015), and the covers
 * test runs on the drawing prepared once (ST_Covers(a.g, …) prepares its first argument;
 * ST_CoveredBy(…, a.g) prepared nothing and cost 30 µs per feature). The others are clipped
 * against the pieces of the drawing (`ap`, at most 64 vertices each, not overlapping) they meet,
 * with a grid (decision 10): overlaying a 4,000-vertex drawing whole costs the snap-rounding noder
 * most of a second per feature.
 */
const clip = (g: string) =>
  `(SELECT coalesce(sum(ST_Area(ST_Intersection(${g}, ap.g, 1e-9)::geography)), 0) FROM ap WHERE ST_Intersects(${g}, ap.g))`
const clipped = (g: string, exact: string) => `CASE WHEN ST_Covers(a.g, ${g}) THEN ${exact} ELSE ${clip(g)} END`

/**
 * The features of `table` (alias t) in scope that meet the drawing, with `column` as `v` and `m2`, the
 * part inside. Covered or not is asked first (ST_Covers, computed once: OFFSET 0 keeps the
 * planner from pulling the subquery up and evaluating it again), and only the features not
 * covered are asked whether they intersect at all.
 */
const featuresInside = (table: string, column: string, exact: string) => `
  SELECT f.v, CASE WHEN f.inside THEN f.exact ELSE ${clip('f.geom')} END AS m2
  FROM (SELECT ${column} AS v, t.geom, ${exact} AS exact, ST_Covers(a.g, t.geom) AS inside
        FROM ${table} t, a WHERE ${inScope('t.admin_code', '$2')} AND t.geom && a.g OFFSET 0) f, a
  WHERE f.inside OR ST_Intersects(f.geom, a.g)`

/**
 * Figures inside a drawn polygon: cases and patches as whole features that intersect it; parcels,
 * building footprints and buffer zones (the active rule set's) clipped to it. Clipped sums are
 * rounded to the cent once, at the end. Scoped rows only.
 */
export async function areaStatistics(db: Db, geometry: unknown, scope: Scope, limits: PolygonLimits = AREA_LIMITS): Promise<MeasuredArea> {
  const { ewkb } = await checkPolygon(db, geometry, limits)
  // Three statements at once (on PostgreSQL each on a connection of its own, so the clipping of
  // parcels and of buildings, most of the work, runs on two cores); each reads the drawing and cuts
  // it into pieces (well under a millisecond) for itself.
  const one = <R>(select: string, params: unknown[]) =>
    db.query<R>(
      `WITH a AS MATERIALIZED (SELECT $1::geometry AS g),
            ap AS MATERIALIZED (SELECT (ST_Dump(ST_Subdivide(g, 64))).geom AS g FROM a)
       ${select}`, params).then((r) => r.rows[0]!)
  const [row, parcelRow, buildingRow] = await Promise.all([
    one<{ area: number; cases: string; detections: number; zones: string }>(`
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
       (SELECT count(*) FROM detections d, a WHERE ${inScope('d.admin_code', '$2')} AND ST_Intersects(d.geom, a.g)) AS detections,
       -- summed over the zone's pieces, which do not overlap (migration 007)
       (SELECT coalesce(json_agg(x ORDER BY x.id), '[]')::text FROM (
          SELECT z.id, z.name, z.family, z.class, round(sum(${clipped('p.geom', 'ST_Area(p.geom::geography)')})::numeric, 2) AS m2
          FROM buffer_zone_parts p JOIN buffer_zones z ON z.id = p.buffer_zone_id JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active, a
          WHERE ST_Intersects(p.geom, a.g) GROUP BY z.id, z.name, z.family, z.class) x) AS zones`,
    [ewkb, scope, [...DEMOLITION_DISPOSALS]]),
    one<{ parcels: string }>(`
     SELECT coalesce(json_agg(x ORDER BY x.land_class), '[]')::text AS parcels FROM (
       SELECT v AS land_class, count(*) AS count, round(sum(m2)::numeric, 2) AS m2
       FROM (${featuresInside('parcels', 't.land_class', 't.area_exact_m2')}) f GROUP BY v) x`, [ewkb, scope]),
    one<{ buildings: string }>(`
     SELECT row_to_json(x)::text AS buildings FROM (
       SELECT count(*) AS count, coalesce(sum(v), 0) AS whole, coalesce(round(sum(m2)::numeric, 2), 0) AS m2
       FROM (${featuresInside('buildings', 't.footprint_area_m2', 't.footprint_area_exact_m2')}) f) x`, [ewkb, scope]),
  ])
  const parcels = JSON.parse(parcelRow.parcels) as { land_class: string; count: number; m2: number }[]
  const byLandClass = parcels.map((p) => ({ landClass: p.land_class, count: p.count, clippedAreaM2: p.m2 }))
  const f = toFigures(JSON.parse(row.cases) as Row)
  const b = JSON.parse(buildingRow.buildings) as { count: number; whole: number; m2: number }
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
