// Annual targets over the synthetic ledger: achievement from the ledger (same as hand-written SQL),
// carry-over of a surplus into the next year, milestones, burn-down, ETag/If-Match, history, scope.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import ExcelJS from 'exceljs'
import { testApp, type TestApp } from '../helpers/app.ts'
import { loadPlanningLedger } from '../helpers/planning-ledger.ts'

let t: TestApp
let planner: string
beforeAll(async () => {
  t = await testApp('schema')
  await loadPlanningLedger(t.db)
  planner = await t.signIn('planner')
})
afterAll(() => t.close())

const put = (url: string, payload: unknown, headers: Record<string, string> = {}, cookie = planner) =>
  t.app.inject({ method: 'PUT', url, payload: payload as object, headers: { cookie, ...headers } })
const get = async (url: string, cookie = planner) => {
  const res = await t.app.inject({ url, headers: { cookie } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}
const count = async (sql: string) => (await t.db.query<{ n: number }>(sql)).rows[0]!.n

test('targets with carry-over: the 2025 surplus counts toward 2026', async () => {
  const t25 = await put('/api/targets/110111/2025', {
    demolishedArea: 300, casesClosed: 1, regreenedArea: 30,
    milestones: [{ date: '2025-12-31', share: 1 }, { date: '2025-03-31', share: 0.6 }],
  })
  assert.equal(t25.statusCode, 201, t25.body)
  assert.equal(t25.headers.etag, '"v1"')
  const t26 = await put('/api/targets/110111/2026', { demolishedArea: 1200, casesClosed: 2, regreenedArea: 600, milestones: [{ date: '2026-01-31', share: 0.5 }] })
  assert.equal(t26.statusCode, 201, t26.body)

  const y25 = (await get('/api/targets?year=2025')).items[0]
  assert.equal(y25.name, '房山区')
  // C1 (100 m², closed, 40 m² green) and C2 (250.5 m², demolished 1 April Beijing time)
  assert.deepEqual(y25.achieved, { demolishedArea: 350.5, casesClosed: 1, regreenedArea: 40 })
  assert.deepEqual(y25.carriedIn, { demolishedArea: 0, casesClosed: 0, regreenedArea: 0 })
  assert.deepEqual(y25.carriedOut, { demolishedArea: 50.5, casesClosed: 0, regreenedArea: 10 })
  assert.deepEqual(y25.progress, { demolishedArea: 116.83, casesClosed: 100, regreenedArea: 133.33 })
  // milestones come back in date order; by 31 March only C1 was demolished (100 m² < 60 % of 300)
  assert.deepEqual(y25.milestones.map((m: { date: string }) => m.date), ['2025-03-31', '2025-12-31'])
  assert.deepEqual(y25.milestones[0].achievedByDate, { demolishedArea: 100, casesClosed: 1, regreenedArea: 40 })
  assert.deepEqual(y25.milestones[0].required, { demolishedArea: 180, casesClosed: 1, regreenedArea: 18 })
  assert.equal(y25.milestones[0].due, true)
  assert.equal(y25.milestones[0].met, false)
  assert.equal(y25.milestones[1].met, true)

  const y26 = (await get('/api/targets?year=2026')).items[0]
  assert.deepEqual(y26.achieved, { demolishedArea: 1000, casesClosed: 1, regreenedArea: 500 })
  assert.deepEqual(y26.carriedIn, { demolishedArea: 50.5, casesClosed: 0, regreenedArea: 10 })
  assert.deepEqual(y26.progress, { demolishedArea: 87.54, casesClosed: 50, regreenedArea: 85 })
  // by 31 January nothing was done in 2026, but the carried 50.5 m² counts
  assert.deepEqual(y26.milestones[0].achievedByDate, { demolishedArea: 0, casesClosed: 0, regreenedArea: 0 })
  assert.equal(y26.milestones[0].met, false)

  // the same achievement from hand-written SQL, by Beijing calendar year
  const hand = await t.db.query<{ y: number; dl: number; rg: number; closed: number }>(
    `SELECT y, (SELECT coalesce(sum(demolished_land_area_m2), 0) FROM cases WHERE disposal IN ('self_demolition', 'assisted_demolition', 'enforced_demolition')
                 AND extract(year FROM disposed_at AT TIME ZONE 'Asia/Shanghai') = y) AS dl,
            (SELECT coalesce(sum(regreened_area_m2), 0) FROM cases WHERE extract(year FROM disposed_at AT TIME ZONE 'Asia/Shanghai') = y) AS rg,
            (SELECT count(*) FROM cases WHERE extract(year FROM closed_at AT TIME ZONE 'Asia/Shanghai') = y) AS closed
     FROM (VALUES (2025), (2026)) v(y) ORDER BY y`,
  )
  assert.deepEqual(hand.rows.map((r) => [r.dl, r.closed, r.rg]), [
    [y25.achieved.demolishedArea, y25.achieved.casesClosed, y25.achieved.regreenedArea],
    [y26.achieved.demolishedArea, y26.achieved.casesClosed, y26.achieved.regreenedArea],
  ])
})

test('the year\'s targets as XLSX: target, carried in, achieved and progress per figure', async () => {
  const json = (await get('/api/targets?year=2026')).items
  const res = await t.app.inject({ url: '/api/targets?year=2026&format=xlsx', headers: { cookie: planner } })
  assert.equal(res.statusCode, 200, res.body)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
  const ws = wb.getWorksheet('2026年度目标')!
  const header = (ws.getRow(1).values as unknown[]).slice(1)
  assert.deepEqual(header.slice(0, 6), ['区划代码', '名称', '拆除面积（㎡）目标', '拆除面积（㎡）上年结转', '拆除面积（㎡）完成', '拆除面积（㎡）完成率（%）'])
  assert.equal(ws.rowCount, json.length + 1)
  const row = (ws.getRow(2).values as unknown[]).slice(1)
  assert.deepEqual(row.slice(0, 6), [json[0].adminCode, json[0].name, 1200, 50.5, 1000, 87.54])
})

test('a town target counts only its own cases; a village user sees only targets under the village', async () => {
  assert.equal((await put('/api/targets/110111002/2026', { demolishedArea: 500 })).statusCode, 201)
  assert.equal((await put('/api/targets/110111001/2026', { casesClosed: 3 })).statusCode, 201)
  const items = (await get('/api/targets?year=2026&admin=110111002')).items
  assert.deepEqual(items.map((x: { adminCode: string }) => x.adminCode), ['110111002'])
  assert.deepEqual(items[0].achieved, { demolishedArea: 1000, casesClosed: 1, regreenedArea: 500 })
  assert.deepEqual(items[0].target, { demolishedArea: 500, casesClosed: null, regreenedArea: null })
  assert.deepEqual(items[0].progress, { demolishedArea: 200, casesClosed: null, regreenedArea: null })
  const west = (await get('/api/targets/110111001/2026'))
  assert.deepEqual(west.achieved, { demolishedArea: 0, casesClosed: 0, regreenedArea: 0 })
  const villager = await t.signIn('viewer', '110111001001')
  const res = await t.app.inject({ url: '/api/targets?year=2026', headers: { cookie: villager } })
  assert.equal(res.statusCode, 404)
  assert.equal((await t.app.inject({ url: '/api/targets/110111002/2026', headers: { cookie: villager } })).statusCode, 404)
})

test('replacing a target needs If-Match; each change is in its history', async () => {
  const url = '/api/targets/110111002/2027'
  assert.equal((await put(url, { demolishedArea: 100 })).statusCode, 201)
  const again = await put(url, { demolishedArea: 200 })
  assert.equal(again.statusCode, 428)
  assert.equal(again.json().currentVersion, 1)
  assert.equal((await put(url, { demolishedArea: 200 }, { 'if-match': '"v7"' })).statusCode, 412)
  assert.equal((await put('/api/targets/110111002/2030', { demolishedArea: 1 }, { 'if-match': '"v1"' })).statusCode, 412)
  const ok = await put(url, { demolishedArea: 200 }, { 'if-match': '"v1"' })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.equal(ok.headers.etag, '"v2"')
  assert.equal(ok.json().target.demolishedArea, 200)
  const h = (await get(`${url}/history`)).history
  // the two refused writes (no If-Match over an existing target, a stale one) are in the trace too
  assert.deepEqual(h.map((e: { action: string }) => e.action), ['create', 'refused:stale_version', 'refused:stale_version', 'edit'])
  assert.equal(h[3].before.demolished_area_m2, 100)
  assert.equal(h[3].after.demolished_area_m2, 200)
  assert.match(h[3].user, /^t-planner-/)
})

test('burn-down: remaining work day by day, carried surplus taken off at the start', async () => {
  const b = await get('/api/targets/burndown?admin=110111&year=2025&step=day')
  assert.equal(b.series.length, 365)
  const on = (d: string) => b.series.find((p: { date: string }) => p.date === d)
  assert.deepEqual(on('2025-01-31').remaining, { demolishedArea: 300, casesClosed: 1, regreenedArea: 30 })
  assert.deepEqual(on('2025-02-01').remaining, { demolishedArea: 200, casesClosed: 1, regreenedArea: 0 })
  assert.deepEqual(on('2025-04-01').remaining, { demolishedArea: 0, casesClosed: 0, regreenedArea: 0 })
  assert.equal(on('2025-12-31').ideal.demolishedArea, 0)
  const weeks = await get('/api/targets/burndown?admin=110111&year=2026')
  assert.equal(weeks.step, 'week')
  assert.deepEqual(weeks.carriedIn, { demolishedArea: 50.5, casesClosed: 0, regreenedArea: 10 })
  assert.equal(weeks.series[0].remaining.demolishedArea, 1149.5)
})

test('bad targets are 4xx and change nothing', async () => {
  const before = await count('SELECT count(*) AS n FROM targets')
  const historyBefore = await count('SELECT count(*) AS n FROM target_history')
  for (const [url, body, status, field] of [
    ['/api/targets/110111/1999', { demolishedArea: 1 }, 400, undefined],
    ['/api/targets/110111/2028', { demolishedArea: -5 }, 400, 'demolishedArea'],
    ['/api/targets/110111/2028', { casesClosed: 1.5 }, 400, 'casesClosed'],
    ['/api/targets/110111/2028', { milestones: [{ date: '2029-06-30', share: 0.6 }] }, 400, 'milestones[0].date'],
    ['/api/targets/110111/2028', { milestones: [{ date: '2028-06-30', share: 1.6 }] }, 400, 'milestones[0].share'],
    ['/api/targets/110111/2028', { colour: 'red' }, 400, undefined],
    ['/api/targets/110111009/2028', { demolishedArea: 1 }, 404, undefined],
  ] as const) {
    const res = await put(url, body)
    assert.equal(res.statusCode, status, `${url} ${JSON.stringify(body)}: ${res.body}`)
    if (field) assert.equal(res.json().field, field)
  }
  const analyst = await t.signIn('analyst')
  assert.equal((await put('/api/targets/110111/2028', { demolishedArea: 1 }, {}, analyst)).statusCode, 403)
  const townPlanner = await t.signIn('planner', '110111001')
  assert.equal((await put('/api/targets/110111002/2028', { demolishedArea: 1 }, {}, townPlanner)).statusCode, 404)
  assert.equal(await count('SELECT count(*) AS n FROM targets'), before)
  assert.equal(await count('SELECT count(*) AS n FROM target_history'), historyBefore)
  // a year without targets
  for (const url of ['/api/targets?year=2031', '/api/targets/burndown?year=2031', '/api/targets/110111/2031']) {
    assert.equal((await t.app.inject({ url, headers: { cookie: planner } })).statusCode, 404, url)
  }
  assert.equal((await t.app.inject({ url: '/api/targets?year=1800', headers: { cookie: planner } })).statusCode, 400)
})
