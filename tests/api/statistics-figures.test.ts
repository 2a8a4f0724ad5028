// Grouped statistics read each case's narrow copy in case_figures (migration 018), kept by
// triggers: the tables must follow every edit of a case at once, as an analyst sees them. Each
// check compares the API's rows with a hand-written query over `cases` itself.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'
import { DEMOLITION_DISPOSALS } from '../../server/src/domain/statistics.ts'

let t: TestApp
let admin: string
beforeAll(async () => {
  t = await testApp('tiny')
  admin = await t.signIn('admin')
})
afterAll(() => t.close())

type Figures = { count: number; landArea: number; floorArea: number; demolishedCount: number; demolishedLandArea: number; demolishedFloorArea: number; regreenedArea: number; closedCount: number }
const FIGURES = ['count', 'landArea', 'floorArea', 'demolishedCount', 'demolishedLandArea', 'demolishedFloorArea', 'regreenedArea', 'closedCount'] as const

async function q<T>(sql: string, params: unknown[] = []) {
  return (await t.db.query<T>(sql, params)).rows
}
const get = async (url: string) => {
  const res = await t.app.inject({ url, headers: { cookie: admin } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { rows: ({ key: Record<string, string | null> } & Figures)[]; totals: Figures }
}

/**
 * The figures by a key straight from `cases`: each fact (found, demolished, closed) grouped by its
 * own Beijing month or by the case's village; recorded areas win over computed ones.
 */
async function hand(key: 'village' | 'month'): Promise<Map<string, Figures>> {
  const group = (at: string) => (key === 'village' ? 'admin_code' : `to_char(${at} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`)
  const rows = await q<{ g: string } & Figures>(
    `SELECT g, sum(count)::int AS count, sum(land)::float8 AS "landArea", sum(floor)::float8 AS "floorArea",
            sum(dn)::int AS "demolishedCount", sum(dl)::float8 AS "demolishedLandArea", sum(df)::float8 AS "demolishedFloorArea",
            sum(rg)::float8 AS "regreenedArea", sum(cn)::int AS "closedCount"
     FROM (
       SELECT ${group('found_at')} AS g, 1 AS count, coalesce(land_area_recorded_m2, land_area_computed_m2, 0) AS land,
              coalesce(floor_area_recorded_m2, floor_area_computed_m2, 0) AS floor, 0 AS dn, 0 AS dl, 0 AS df, 0 AS rg, 0 AS cn FROM cases
       UNION ALL
       SELECT ${group('disposed_at')}, 0, 0, 0, 1, coalesce(demolished_land_area_m2, 0), coalesce(demolished_floor_area_m2, 0), coalesce(regreened_area_m2, 0), 0
       FROM cases WHERE disposal IN ('self_demolition', 'assisted_demolition', 'enforced_demolition') AND disposed_at IS NOT NULL
       UNION ALL
       SELECT ${group('closed_at')}, 0, 0, 0, 0, 0, 0, 0, 1 FROM cases WHERE closed_at IS NOT NULL) f
     GROUP BY g`,
  )
  return new Map(rows.map((r) => [r.g, r]))
}

/** The API's table by the key equals the hand-written one, row for row and in total. */
async function assertFollows(what: string) {
  for (const key of ['village', 'month'] as const) {
    const api = await get(`/api/statistics?groupBy=${key}`)
    const expected = await hand(key)
    assert.equal(api.rows.length, expected.size, `${what}: ${key} rows`)
    for (const row of api.rows) {
      const e = expected.get(row.key[key]!)
      assert.ok(e, `${what}: ${key} ${row.key[key]} is not in the ledger`)
      for (const f of FIGURES) assert.equal(row[f], Number(e[f]), `${what}: ${key} ${row.key[key]} ${f}`)
    }
    for (const f of FIGURES) {
      const sum = [...expected.values()].reduce((s, r) => s + Math.round(Number(r[f]) * 100), 0) / 100
      assert.equal(api.totals[f], sum, `${what}: ${key} totals ${f}`)
    }
  }
}

/** A case in another village than `not`, found in a month other cases are found in. */
async function someCase(not = ''): Promise<{ id: number; version: number; admin_code: string }> {
  return (await q<{ id: number; version: number; admin_code: string }>(
    `SELECT id, version, admin_code FROM cases WHERE admin_code <> $1 AND disposal IS NULL AND closed_at IS NULL ORDER BY id LIMIT 1`, [not],
  ))[0]!
}

test('the grouped tables follow every edit of a case at once', async () => {
  await assertFollows('as loaded')

  // an analyst's colleague enters the surveyed area (the PATCH the ledger's form sends)
  const a = await someCase()
  const patched = await t.app.inject({
    method: 'PATCH', url: `/api/cases/${a.id}`, headers: { cookie: admin, 'if-match': `"v${a.version}"` },
    payload: { landAreaRecordedM2: 1234.56, floorAreaRecordedM2: 2469.12 },
  })
  assert.equal(patched.statusCode, 200, patched.body)
  await assertFollows('a surveyed area entered')
  const totals = (await get('/api/statistics')).totals
  assert.ok(totals.landArea > 1234.56)

  // demolished late on a Beijing evening (the next day in Beijing, the same in UTC), then closed
  await q(
    `UPDATE cases SET status = 'demolished', disposal = 'self_demolition', disposed_at = '2025-03-31T17:30:00Z',
            demolished_land_area_m2 = 300.25, demolished_floor_area_m2 = 600.5, regreened_area_m2 = 120 WHERE id = $1`, [a.id],
  )
  await assertFollows('demolished')
  const april = (await get('/api/statistics?groupBy=month&from=2025-04-01&to=2025-04-01')).rows
  assert.deepEqual(april.map((r) => [r.key.month, r.demolishedCount, r.demolishedLandArea, r.regreenedArea]), [['2025-04', 1, 300.25, 120]])
  await q(`UPDATE cases SET status = 'closed', closed_at = '2025-05-02T01:00:00Z' WHERE id = $1`, [a.id])
  await assertFollows('closed')

  // a disposal that does not demolish takes the case out of the demolished figures
  await q(`UPDATE cases SET disposal = 'confiscation' WHERE id = $1`, [a.id])
  await assertFollows('disposal changed to one that does not demolish')

  // moved to another village
  const b = await someCase(a.admin_code)
  await q(`UPDATE cases SET admin_code = $2 WHERE id = $1`, [a.id, b.admin_code])
  await assertFollows('moved to another village')

  // a case entered and removed again
  const [added] = await q<{ id: number }>(
    `INSERT INTO cases (case_no, admin_code, use, source, found_at, geom, land_area_recorded_m2)
     SELECT 'T-FIGURES-1', admin_code, 'storage', 'patrol', '2026-02-01T03:00:00Z', geom, 77.7 FROM cases WHERE id = $1 RETURNING id`, [b.id],
  )
  await assertFollows('a case entered')
  await q(`DELETE FROM cases WHERE id = $1`, [added!.id])
  await assertFollows('a case removed')

  // many cases in one statement (an import): one pass of the statement trigger
  await q(`UPDATE cases SET floor_area_recorded_m2 = 99.5 WHERE admin_code = $1`, [b.admin_code])
  await assertFollows('a whole village updated at once')
})

test('the disposals that count as demolished in the stored figures are the domain\'s list', async () => {
  const c = await someCase()
  const disposals = ['self_demolition', 'assisted_demolition', 'enforced_demolition', 'confiscation', 'regularisation', 'deferral']
  const demolishing: string[] = []
  for (const d of disposals) {
    await q(`UPDATE cases SET disposal = $2, disposed_at = '2025-06-01T02:00:00Z', demolished_land_area_m2 = 10 WHERE id = $1`, [c.id, d])
    const [r] = await q<{ on: string | null }>(`SELECT demolished_on::text AS on FROM case_figures WHERE case_id = $1`, [c.id])
    if (r!.on !== null) demolishing.push(d)
  }
  assert.deepEqual(demolishing, [...DEMOLITION_DISPOSALS])
})
