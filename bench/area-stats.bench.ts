// Any-area statistics while a planner draws, and grouped ledger statistics: median time per
// request over a fixed set of polygons around the district's busiest village, each beside the
// simplest hand-written PostGIS query for the same figures (timed the same way, its figures
// checked against the project's). Usage:
//   npx tsx bench/area-stats.bench.ts [tiny|demo|city] [repeats]      embedded database (in memory)
//   DATABASE_URL=postgres://… npx tsx bench/area-stats.bench.ts demo   real server (fresh database)
//   BENCH_DB=postgres://…/chaiwei_city npx tsx bench/area-stats.bench.ts - 7
//                                                      a database already migrated and loaded, used as is
//                                                      (read only: nothing is created, loaded or dropped)
// BENCH_ONLY=area|grouped runs one half; BENCH_AREAS=25,50,5x4000 (km²) and BENCH_GROUPBY='village;zone'
// pick rows. Prints a Markdown table for bench/README.md.
import { parseGroupBy } from '../server/src/domain/statistics.ts'
import { activeRuleSetId } from '../server/src/repos/buffer-zones.repo.ts'
import { areaStatistics } from '../server/src/repos/statistics.repo.ts'
import { statisticsTable } from '../server/src/routes/statistics.route.ts'
import type { SampleSize } from '../data/sample/load-sample.ts'
import { openPgDb } from '../server/src/db/pg.db.ts'
import type { Db, Queryable } from '../server/src/db/db.ts'
import { migrateAndLoad, openBenchDb, tableHeader, tableRow, timedSideBySide } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const size = (process.argv[2] ?? 'demo') as SampleSize
const repeats = Math.max(5, Number(process.argv[3] ?? 7))
const only = process.env.BENCH_ONLY

/** A wobbly closed ring of `n` vertices and about `km2` square kilometres around a point (a hand drawing). */
function drawing(lon: number, lat: number, km2: number, n: number) {
  const r = Math.sqrt((km2 * 1e6) / Math.PI)
  const ring: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n
    const k = 1 + 0.06 * Math.sin(5 * a) + 0.03 * Math.sin(13 * a)
    ring.push([lon + (r * k * Math.cos(a)) / (111_320 * Math.cos((lat * Math.PI) / 180)), lat + (r * k * Math.sin(a)) / 110_574])
  }
  ring.push(ring[0]!)
  return { type: 'Polygon', coordinates: [ring] }
}


/** The hand-written query runs as the project's do: in a transaction with JIT off (see statistics.repo.ts). */
const hand = <R>(db: Db, sql: string, params: unknown[]) =>
  db.transaction(async (q: Queryable) => {
    await q.query('SET LOCAL jit = off')
    return (await q.query<R>(sql, params)).rows
  })

const DEMOLISHING = `('self_demolition', 'assisted_demolition', 'enforced_demolition')`

// ---- the hand-written queries: what a PostGIS person writes for the same question ----

/** Every figure of the ledger, over rows carrying a `kind` (found, demolished, closed) and the case's areas. */
const HAND_FIGURES = (found: string, demolished: string, closed: string) => `
  count(*) FILTER (WHERE ${found}) AS count,
  coalesce(sum(coalesce(land_area_recorded_m2, land_area_computed_m2)) FILTER (WHERE ${found}), 0) AS "landArea",
  coalesce(sum(land_area_recorded_m2) FILTER (WHERE ${found}), 0) AS "landAreaRecorded",
  coalesce(sum(land_area_computed_m2) FILTER (WHERE ${found}), 0) AS "landAreaComputed",
  coalesce(sum(land_area_recorded_m2 - land_area_computed_m2) FILTER (WHERE ${found}), 0) AS "landAreaGap",
  coalesce(sum(coalesce(floor_area_recorded_m2, floor_area_computed_m2)) FILTER (WHERE ${found}), 0) AS "floorArea",
  coalesce(sum(floor_area_recorded_m2) FILTER (WHERE ${found}), 0) AS "floorAreaRecorded",
  coalesce(sum(floor_area_computed_m2) FILTER (WHERE ${found}), 0) AS "floorAreaComputed",
  coalesce(sum(floor_area_recorded_m2 - floor_area_computed_m2) FILTER (WHERE ${found}), 0) AS "floorAreaGap",
  count(*) FILTER (WHERE ${demolished}) AS "demolishedCount",
  coalesce(sum(demolished_land_area_m2) FILTER (WHERE ${demolished}), 0) AS "demolishedLandArea",
  coalesce(sum(demolished_floor_area_m2) FILTER (WHERE ${demolished}), 0) AS "demolishedFloorArea",
  coalesce(sum(regreened_area_m2) FILTER (WHERE ${demolished}), 0) AS "regreenedArea",
  count(*) FILTER (WHERE ${closed}) AS "closedCount"`

/** Per case a key column, for the non-period keys; `c` is the case. */
const HAND_KEYS: Record<string, { col: string; join?: string }> = {
  district: { col: 'left(c.admin_code, 6)' },
  town: { col: 'CASE WHEN length(c.admin_code) >= 9 THEN left(c.admin_code, 9) END' },
  village: { col: 'CASE WHEN length(c.admin_code) = 12 THEN c.admin_code END' },
  use: { col: 'c.use' }, ownership: { col: 'c.ownership' }, source: { col: 'c.source' }, disposal: { col: 'c.disposal' }, status: { col: 'c.status' },
  // the zones a case lies in, straight from the geometry
  zone: { col: 'z.id', join: `LEFT JOIN zones z ON z.admin_code LIKE $1 || '%' AND NOT c.location_pending AND ST_Intersects(z.geom, c.geom)` },
  // the buffer zones, from migration 007's view (case × zone piece, ST_Intersects)
  bufferZone: { col: 'm.buffer_zone_id', join: 'LEFT JOIN case_buffer_zones m ON m.case_id = c.id AND m.rule_set_id = $2::bigint' },
}
const PERIODS: Record<string, string> = { month: 'YYYY-MM', quarter: 'YYYY-"Q"Q', year: 'YYYY' }

/**
 * The statistic as one would write it by hand. Without a period key: one GROUP BY over the cases,
 * the demolished and closed figures as FILTERs. With one: each case's three facts (found,
 * demolished, closed) as a UNION ALL of narrow rows with their own date, grouped by its period.
 */
function handGroupedSql(keys: readonly string[]): string {
  const demolished = `disposal IN ${DEMOLISHING} AND disposed_at IS NOT NULL`
  const joins = keys.map((k) => (PERIODS[k] ? '' : (HAND_KEYS[k]!.join ?? ''))).join(' ')
  const groupBy = keys.length ? `GROUP BY ${keys.map((_, i) => `g${i}`).join(', ')}` : ''
  if (!keys.some((k) => PERIODS[k])) {
    return `SELECT ${keys.map((k, i) => `${HAND_KEYS[k]!.col} AS g${i}, `).join('')}${HAND_FIGURES('true', demolished, 'closed_at IS NOT NULL')}
            FROM cases c ${joins} WHERE c.admin_code LIKE $1 || '%' ${groupBy}`
  }
  const caseKeys = keys.map((k, i) => (PERIODS[k] ? '' : `${HAND_KEYS[k]!.col} AS k${i}, `)).join('')
  const areas = `land_area_recorded_m2, land_area_computed_m2, floor_area_recorded_m2, floor_area_computed_m2,
                 demolished_land_area_m2, demolished_floor_area_m2, regreened_area_m2`
  const facts = (kind: string, at: string, where: string) =>
    `SELECT '${kind}' AS kind, ${at} AS at, ${caseKeys}${areas} FROM cases c ${joins} WHERE c.admin_code LIKE $1 || '%' AND ${where}`
  const cols = keys.map((k, i) => `${PERIODS[k] ? `to_char(at AT TIME ZONE 'Asia/Shanghai', '${PERIODS[k]}')` : `k${i}`} AS g${i}, `).join('')
  return `
    SELECT ${cols}${HAND_FIGURES(`kind = 'found'`, `kind = 'demolished'`, `kind = 'closed'`)}
    FROM (${facts('found', 'found_at', 'true')}
          UNION ALL ${facts('demolished', 'disposed_at', demolished)}
          UNION ALL ${facts('closed', 'closed_at', 'closed_at IS NOT NULL')}) facts
    ${groupBy}`
}

/** The figures inside a drawing, by hand: ST_Intersects to select, ST_Intersection to clip, ST_Area on the ellipsoid. */
const HAND_AREA_SQL = `
  WITH a AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g)
  SELECT
    (SELECT round(ST_Area(g::geography)::numeric, 2) FROM a) AS area,
    (SELECT row_to_json(x)::text FROM (
       SELECT count(*) AS count, coalesce(sum(coalesce(land_area_recorded_m2, land_area_computed_m2)), 0) AS "landArea",
              coalesce(sum(coalesce(floor_area_recorded_m2, floor_area_computed_m2)), 0) AS "floorArea",
              count(*) FILTER (WHERE disposal IN ${DEMOLISHING}) AS "demolishedCount",
              coalesce(sum(demolished_land_area_m2) FILTER (WHERE disposal IN ${DEMOLISHING}), 0) AS "demolishedLandArea",
              coalesce(sum(demolished_floor_area_m2) FILTER (WHERE disposal IN ${DEMOLISHING}), 0) AS "demolishedFloorArea",
              coalesce(sum(regreened_area_m2) FILTER (WHERE disposal IN ${DEMOLISHING}), 0) AS "regreenedArea",
              count(*) FILTER (WHERE closed_at IS NOT NULL) AS "closedCount"
       FROM cases c, a WHERE c.admin_code LIKE $2 || '%' AND NOT c.location_pending AND ST_Intersects(c.geom, a.g)) x) AS cases,
    (SELECT coalesce(json_agg(x ORDER BY x."landClass"), '[]')::text FROM (
       SELECT land_class AS "landClass", count(*) AS count, round(sum(ST_Area(ST_Intersection(p.geom, a.g)::geography))::numeric, 2) AS "clippedAreaM2"
       FROM parcels p, a WHERE p.admin_code LIKE $2 || '%' AND ST_Intersects(p.geom, a.g) GROUP BY land_class) x) AS parcels,
    (SELECT row_to_json(x)::text FROM (
       SELECT count(*) AS count, coalesce(sum(footprint_area_m2), 0) AS "footprintM2",
              coalesce(round(sum(ST_Area(ST_Intersection(b.geom, a.g)::geography))::numeric, 2), 0) AS "clippedFootprintM2"
       FROM buildings b, a WHERE b.admin_code LIKE $2 || '%' AND ST_Intersects(b.geom, a.g)) x) AS buildings,
    (SELECT count(*) FROM detections d, a WHERE d.admin_code LIKE $2 || '%' AND ST_Intersects(d.geom, a.g)) AS detections,
    (SELECT coalesce(json_agg(x ORDER BY x.id), '[]')::text FROM (
       SELECT z.id, round(ST_Area(ST_Intersection(z.geom, a.g)::geography)::numeric, 2) AS "clippedAreaM2"
       FROM buffer_zones z JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active, a WHERE ST_Intersects(z.geom, a.g)) x) AS zones`

// ---- comparing the two answers ----

/** Clipped areas: the project clips on a 1e-9° grid (decision 10) and by pieces, the hand-written query without: allow a tenth of a m² or 1e-5. */
const near = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.1, 1e-5 * Math.abs(b))
const differences: string[] = []
function same(what: string, ok: boolean, detail: () => string) {
  if (!ok) differences.push(`${what}: ${detail()}`)
  return ok
}

type HandArea = { area: number; cases: string; parcels: string; buildings: string; detections: number; zones: string }
function compareArea(what: string, p: Awaited<ReturnType<typeof areaStatistics>>, h: HandArea): boolean {
  const cases = JSON.parse(h.cases) as Record<string, number>
  const parcels = JSON.parse(h.parcels) as { landClass: string; count: number; clippedAreaM2: number }[]
  const b = JSON.parse(h.buildings) as { count: number; footprintM2: number; clippedFootprintM2: number }
  const zones = (JSON.parse(h.zones) as { id: number; clippedAreaM2: number }[]).filter((z) => z.clippedAreaM2 > 0)
  const pz = p.bufferZones.filter((z) => z.clippedAreaM2 > 0)
  return [
    same(`${what} area`, Math.abs(p.areaM2 - h.area) <= 0.01, () => `${p.areaM2} vs ${h.area}`),
    same(`${what} cases`, Object.entries(cases).every(([k, v]) => Number((p.cases as Record<string, number>)[k]) === Number(v)), () => `${JSON.stringify(p.cases)} vs ${h.cases}`),
    same(`${what} parcels`, parcels.length === p.parcels.byLandClass.length && parcels.every((x, i) => {
      const y = p.parcels.byLandClass[i]!
      return y.landClass === x.landClass && y.count === x.count && near(y.clippedAreaM2, x.clippedAreaM2)
    }), () => `${JSON.stringify(p.parcels.byLandClass)} vs ${h.parcels}`),
    same(`${what} buildings`, b.count === p.buildings.count && b.footprintM2 === p.buildings.footprintM2 && near(p.buildings.clippedFootprintM2, b.clippedFootprintM2),
      () => `${JSON.stringify(p.buildings)} vs ${h.buildings}`),
    same(`${what} patches`, Number(h.detections) === p.detections.count, () => `${p.detections.count} vs ${h.detections}`),
    same(`${what} buffer zones`, zones.length === pz.length && zones.every((z, i) => pz[i]!.id === z.id && near(pz[i]!.clippedAreaM2, z.clippedAreaM2)),
      () => `${JSON.stringify(pz.map((z) => [z.id, z.clippedAreaM2]))} vs ${JSON.stringify(zones.map((z) => [z.id, z.clippedAreaM2]))}`),
  ].every(Boolean)
}

type Figs = Record<string, unknown>
function compareGrouped(what: string, keys: readonly string[], p: Figs[], h: Figs[]): boolean {
  const id = (get: (i: number) => unknown) => keys.map((_, i) => String(get(i) ?? null)).join('|')
  const mine = new Map(p.map((r) => [id((i) => (r.key as Figs)[keys[i]!]), r]))
  if (!same(`${what} rows`, mine.size === h.length, () => `${mine.size} rows vs ${h.length}`)) return false
  for (const r of h) {
    const k = id((i) => r[`g${i}`])
    const m = mine.get(k)
    if (!same(`${what} row ${k}`, !!m, () => 'missing')) return false
    for (const [f, v] of Object.entries(r)) {
      if (f.startsWith('g')) continue
      if (!same(`${what} row ${k} ${f}`, Number(m![f]) === Number(v), () => `${String(m![f])} vs ${String(v)}`)) return false
    }
  }
  return true
}

// ---- the run ----

const existing = process.env.BENCH_DB
const { db, drop } = existing
  ? { db: await openPgDb(existing, { statementTimeoutMs: 600_000 }), drop: async () => {} }
  : await openBenchDb(`chaiwei_bench_area_${size}`)
const dbClose = existing ? () => db.close() : () => Promise.resolve()
try {
  let setup = `existing database ${new URL(existing ?? 'x://x/').pathname.slice(1)}`
  if (!existing) {
    const { migrateS, loadS } = await migrateAndLoad(db, size)
    setup = `sample ${size}, migrate ${migrateS.toFixed(1)} s, sample load ${loadS.toFixed(1)} s`
  }
  const district = (await db.query<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1`)).rows[0]!.code
  const scope = scopeOf(district)
  const counts = (await db.query<{ cases: number; buildings: number; parcels: number; detections: number }>(
    `SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM buildings) AS buildings,
            (SELECT count(*) FROM parcels) AS parcels, (SELECT count(*) FROM detections) AS detections`)).rows[0]!
  const server = (await db.query<{ v: string }>(`SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version() AS v`)).rows[0]!.v
  console.log(`\`\`\`\nbackend ${db.kind} (${server}), ${setup}: ${counts.cases} cases, ${counts.buildings} buildings, ${counts.parcels} parcels, ` +
    `${counts.detections} patches; scope ${district}; p50 and max of ${repeats} runs after one warm-up, each side, the two alternating\n\`\`\``)
  console.log(tableHeader(['request', 'project p50 ms', 'max ms', 'hand-written p50 ms', 'max ms', 'ratio', 'result']))
  // p: the project's call, h: the hand-written one, timed alternately (timedSideBySide)
  type Timing = { median: number; max: number }
  const line = (what: string, p: Timing, h: Timing, result: string, ok: boolean) =>
    console.log(tableRow([what, p.median.toFixed(1), p.max.toFixed(1), h.median.toFixed(1), h.max.toFixed(1), (p.median / h.median).toFixed(2), `${result}; ${ok ? 'same figures' : '**figures differ**'}`]))

  if (only !== 'grouped') {
    const centre = (await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat
       FROM admin_units a WHERE a.level = 'village' ORDER BY (SELECT count(*) FROM buildings b WHERE b.admin_code = a.code) DESC, a.code LIMIT 1`)).rows[0]!
    const areas = ([[1, 40], [5, 80], [25, 200], [50, 400], [5, 4000]] as const)
      .filter(([km2, n]) => !process.env.BENCH_AREAS || process.env.BENCH_AREAS.split(',').includes(n === 4000 ? `${km2}x4000` : String(km2)))
    for (const [km2, n] of areas) {
      const g = drawing(centre.lon, centre.lat, km2 * 0.98, n)
      let last: Awaited<ReturnType<typeof areaStatistics>> | undefined
      let mine: HandArea | undefined
      const [p, h] = await timedSideBySide([
        async () => (last = await areaStatistics(db, g, scope)),
        async () => (mine = (await hand<HandArea>(db, HAND_AREA_SQL, [JSON.stringify(g), district]))[0]),
      ], repeats)
      const ok = compareArea(`area ${km2} km²`, last!, mine!)
      line(`area ${km2} km², ${n} vertices`, p!, h!, `${last!.cases.count} cases, ${last!.parcels.count} parcels, ${last!.buildings.count} buildings, ${last!.bufferZones.length} buffer zones`, ok)
    }
  }
  if (only !== 'area') {
    const all = ['', 'district', 'town', 'village', 'town,use', 'use', 'ownership', 'source', 'disposal', 'status', 'year', 'quarter,disposal', 'month', 'bufferZone', 'zone']
    for (const groupBy of process.env.BENCH_GROUPBY !== undefined ? process.env.BENCH_GROUPBY.split(';') : all) {
      const keys = parseGroupBy(groupBy)
      let table: Awaited<ReturnType<typeof statisticsTable>> | undefined
      let rows: Figs[] = []
      const params = keys.includes('bufferZone') ? [district, (await activeRuleSetId(db))] : [district]
      const [p, h] = await timedSideBySide([
        async () => (table = await statisticsTable(db, scope, groupBy ? { groupBy } : {})),
        async () => (rows = await hand<Figs>(db, handGroupedSql(keys), params)),
      ], repeats)
      const projectRows = keys.length ? (table!.rows as unknown as Figs[]) : [{ key: {}, ...table!.totals }]
      const ok = compareGrouped(`groupBy=${groupBy}`, keys, projectRows, rows)
      line(`statistics groupBy=${groupBy || '(none)'}`, p!, h!, `${table!.rows.length} rows`, ok)
    }
  }
  if (differences.length) console.log(`\nDifferences:\n${differences.map((d) => `- ${d}`).join('\n')}`)
} finally {
  await dbClose()
  await drop()
}
