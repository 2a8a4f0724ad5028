// The ledger table: filters, sort, totals, overdue lists; edits and re-inspections.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
})
afterAll(() => t.close())

const get = async (url: string, cookie = planner) => {
  const res = await t.app.inject({ url, headers: { cookie } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}
const one = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T>(sql, params)).rows[0]!

test('totals cover the whole selection, recorded areas winning over computed ones', async () => {
  const list = await get('/api/cases?limit=5&status=closed,accepted')
  const sql = await one<{ n: number; land: number; dl: number; rg: number }>(
    `SELECT count(*) AS n, sum(coalesce(land_area_recorded_m2, land_area_computed_m2)) AS land,
            sum(demolished_land_area_m2) AS dl, coalesce(sum(regreened_area_m2), 0) AS rg
     FROM cases WHERE status IN ('closed', 'accepted')`,
  )
  assert.equal(list.total, sql.n)
  assert.equal(list.items.length, 5)
  assert.ok(Math.abs(list.totals.landAreaM2 - sql.land) < 0.01)
  assert.ok(Math.abs(list.totals.demolishedLandAreaM2 - sql.dl) < 0.01)
  assert.ok(Math.abs(list.totals.regreenedAreaM2 - sql.rg) < 0.01)
})

test('filters by unit, use, source and flags, sorted and paged', async () => {
  const town = '110111008'
  const list = await get(`/api/cases?admin=${town}&use=storage,commercial&sort=case_no&limit=1000`)
  const sql = await one<{ n: number }>(`SELECT count(*) AS n FROM cases WHERE admin_code LIKE $1 || '%' AND use IN ('storage', 'commercial')`, [town])
  assert.equal(list.total, sql.n)
  const nos = list.items.map((c: { caseNo: string }) => c.caseNo)
  assert.deepEqual(nos, [...nos].sort())
  const flagged = await get('/api/cases?flags=farmland&limit=1000')
  assert.equal(flagged.total, (await one<{ n: number }>(`SELECT count(*) AS n FROM cases WHERE 'farmland' = ANY(flags)`)).n)
  const page2 = await get('/api/cases?sort=case_no&limit=10&offset=10')
  const all = await get('/api/cases?sort=case_no&limit=20')
  assert.deepEqual(page2.items.map((c: { id: number }) => c.id), all.items.slice(10).map((c: { id: number }) => c.id))
})

test('locate returns the page that holds a case, so a click on the map finds its row', async () => {
  const all = (await get('/api/cases?sort=case_no&limit=1000&status=identified,notified')).items as { id: number }[]
  assert.ok(all.length > 25, 'enough rows for several pages')
  const target = all[23]!
  const page = await get(`/api/cases?sort=case_no&limit=10&status=identified,notified&locate=${target.id}`)
  assert.equal(page.offset, 20)
  assert.equal(page.located, true)
  assert.deepEqual(page.items.map((c: { id: number }) => c.id), all.slice(20, 30).map((c) => c.id))
  // a case outside the selection keeps the requested page and says so
  const closed = await one<{ id: number }>("SELECT id FROM cases WHERE status = 'closed' LIMIT 1")
  const kept = await get(`/api/cases?sort=case_no&limit=10&offset=10&status=identified,notified&locate=${closed.id}`)
  assert.equal(kept.located, false)
  assert.equal(kept.offset, 10)
  assert.deepEqual(kept.items.map((c: { id: number }) => c.id), all.slice(10, 20).map((c) => c.id))
})

test('date filters take whole days in Beijing time, as the table\'s date pickers send them', async () => {
  const range = await get('/api/cases?foundFrom=2026-03-01&foundTo=2026-03-31&limit=1')
  const sql = await one<{ n: number }>(
    `SELECT count(*) AS n FROM cases WHERE found_at >= '2026-03-01T00:00:00+08:00' AND found_at < '2026-04-01T00:00:00+08:00'`,
  )
  assert.equal(range.total, sql.n)
  assert.ok(sql.n > 0, 'the sample has cases found in March 2026')
  const bad = await t.app.inject({ url: '/api/cases?foundFrom=March', headers: { cookie: planner } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'foundFrom')
})

test('the overdue filter (SQL) and each row\'s clocks (domain code) agree', async () => {
  // a new construction found two hours ago, not yet reached: the 1-hour clock has run out
  const v = await one<{ code: string; lon: number; lat: number }>(
    "SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM admin_units WHERE level = 'village' ORDER BY code LIMIT 1 OFFSET 9",
  )
  const created = await t.app.inject({
    method: 'POST', url: '/api/cases', headers: { cookie: planner },
    payload: { geometry: { type: 'Point', coordinates: [v.lon, v.lat] }, use: 'residential', source: 'patrol', newConstruction: true, foundAt: new Date(Date.now() - 2 * 3600_000).toISOString() },
  })
  assert.equal(created.statusCode, 201, created.body)
  const all = (await get('/api/cases?limit=1000')).items as { id: number; overdue: Record<string, boolean> }[]
  for (const kind of ['deadline', 'reach', 'removal'] as const) {
    const filtered = (await get(`/api/cases?overdue=${kind}&limit=1000`)).items.map((c: { id: number }) => c.id).sort()
    assert.deepEqual(filtered, all.filter((c) => c.overdue[kind]).map((c) => c.id).sort(), kind)
  }
  const reach = (await get('/api/cases?overdue=reach&limit=1000')).items.map((c: { id: number }) => c.id)
  assert.ok(reach.includes(created.json().id))
  assert.ok((await get('/api/cases?overdue=deadline&limit=1')).total > 0, 'the sample has overdue orders')
  // reaching the site stops the 1-hour clock
  const edited = await t.app.inject({
    method: 'PATCH', url: `/api/cases/${created.json().id}`, headers: { cookie: planner, 'if-match': '"v1"' },
    payload: { reachedAt: new Date(Date.now() - 3600_000).toISOString() },
  })
  assert.equal(edited.statusCode, 200, edited.body)
  assert.equal(edited.json().overdue.reach, false)
})

test('bad list parameters are 400', async () => {
  for (const [q, message] of [
    ['sort=colour', /sort: colour is not one of/],
    ['status=lost', /status: lost is not one of identified/],
    ['limit=5000', /limit must be <= 1000/],
    ['overdue=soon', /overdue must be equal to one of the allowed values/],
  ] as const) {
    const res = await t.app.inject({ url: `/api/cases?${q}`, headers: { cookie: planner } })
    assert.equal(res.statusCode, 400, q)
    assert.match(res.json().detail, message)
  }
})

test('an edit needs If-Match and is traced with before and after', async () => {
  const c = await one<{ id: number; version: number; floors: number | null }>('SELECT id, version, floors FROM cases ORDER BY id LIMIT 1')
  const url = `/api/cases/${c.id}`
  const none = await t.app.inject({ method: 'PATCH', url, headers: { cookie: planner }, payload: { floors: 3 } })
  assert.equal(none.statusCode, 428)
  const ok = await t.app.inject({ method: 'PATCH', url, headers: { cookie: planner, 'if-match': `"v${c.version}"` }, payload: { floors: 3, reason: '复核层数' } })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.equal(ok.headers.etag, `"v${c.version + 1}"`)
  assert.equal(ok.json().floors, 3)
  const history = (await get(`${url}/history`)).history
  const last = history.at(-1)
  assert.deepEqual([last.action, last.reason, last.before.floors, last.after.floors], ['edit', '复核层数', c.floors, 3])
  const stale = await t.app.inject({ method: 'PATCH', url, headers: { cookie: planner, 'if-match': `"v${c.version}"` }, payload: { floors: 4 } })
  assert.equal(stale.statusCode, 412)
})

test('re-inspection: clean leaves the case closed; a rebound reopens as a new linked case', async () => {
  const closed = (await t.db.query<{ id: number; closed_at: Date }>("SELECT id, closed_at FROM cases WHERE status = 'closed' ORDER BY id LIMIT 2")).rows
  const at = new Date().toISOString()
  const clean = await t.app.inject({ method: 'POST', url: `/api/cases/${closed[0]!.id}/inspections`, headers: { cookie: planner }, payload: { at, result: 'clean' } })
  assert.equal(clean.statusCode, 201, clean.body)
  assert.equal(clean.json().reboundCaseId, null)
  const rebound = await t.app.inject({ method: 'POST', url: `/api/cases/${closed[1]!.id}/inspections`, headers: { cookie: planner }, payload: { at, result: 'rebound', note: '原址重建' } })
  assert.equal(rebound.statusCode, 201, rebound.body)
  const reopened = await get(`/api/cases/${rebound.json().reboundCaseId}`)
  assert.equal(reopened.reopenedFrom, closed[1]!.id)
  assert.equal(reopened.status, 'identified')
  assert.equal(reopened.newConstruction, true)
  const open = await t.db.query<{ id: number }>("SELECT id FROM cases WHERE status = 'order_issued' ORDER BY id LIMIT 1")
  const refused = await t.app.inject({ method: 'POST', url: `/api/cases/${open.rows[0]!.id}/inspections`, headers: { cookie: planner }, payload: { at, result: 'clean' } })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.json().detail, /only closed cases are re-inspected; this one is order_issued/)
})
