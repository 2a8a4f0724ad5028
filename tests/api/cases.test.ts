// The ledger over HTTP: recording a case, walking it through its lifecycle with If-Match, and the
// trace every step leaves.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let field: string
let village: { code: string; lon: number; lat: number }
beforeAll(async () => {
  t = await testApp('tiny')
  const r = await t.db.query<{ code: string; lon: number; lat: number }>(
    `SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
     FROM admin_units WHERE level = 'village' ORDER BY code LIMIT 1 OFFSET 5`,
  )
  village = r.rows[0]!
  field = await t.signIn('field', village.code)
})
afterAll(() => t.close())

const square = (lon: number, lat: number, d = 0.0001) => ({
  type: 'Polygon',
  coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
})

const post = (url: string, payload: unknown, headers: Record<string, string> = {}, cookie = field) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers: { cookie, ...headers } })

async function newCase(extra: Record<string, unknown> = {}) {
  const res = await post('/api/cases', {
    geometry: square(village.lon, village.lat),
    use: 'storage',
    source: 'patrol',
    foundAt: '2026-06-01T08:00:00Z',
    floors: 2,
    ...extra,
  })
  assert.equal(res.statusCode, 201, res.body)
  return res
}

test('recording a case: village from the geometry, readable number, computed areas, ETag v1', async () => {
  const res = await newCase({ landAreaRecordedM2: 130 })
  const c = res.json()
  assert.equal(c.adminCode, village.code)
  assert.match(c.caseNo, new RegExp(`^${village.code}-2026-\\d{4}$`))
  assert.equal(c.status, 'identified')
  assert.equal(res.headers.etag, '"v1"')
  assert.equal(res.headers.location, `/api/cases/${c.id}`)
  const expected = (await t.db.query<{ a: number }>('SELECT round(ST_Area($1::geometry::geography)::numeric, 2) AS a', [
    `SRID=4326;POLYGON((${village.lon} ${village.lat},${village.lon + 0.0001} ${village.lat},${village.lon + 0.0001} ${village.lat + 0.0001},${village.lon} ${village.lat + 0.0001},${village.lon} ${village.lat}))`,
  ])).rows[0]!.a
  assert.equal(c.landAreaComputedM2, expected)
  assert.equal(c.floorAreaComputedM2, Math.round(expected * 2 * 100) / 100)
  assert.equal(c.landAreaRecordedM2, 130)
  assert.deepEqual(c.allowedActions, ['notify', 'issue_order', 'demolish', 'regularise', 'defer'])
  const second = (await newCase()).json()
  const n = (no: string) => Number(no.slice(-4))
  assert.equal(n(second.caseNo), n(c.caseNo) + 1)
})

test('a case walks identified → notified → order → demolished → accepted → closed, each step traced', async () => {
  const c = (await newCase()).json()
  let etag = '"v1"'
  const steps = [
    { action: 'notify', at: '2026-06-02T09:00:00Z' },
    { action: 'issue_order', at: '2026-06-03T09:00:00Z', deadline: '2026-06-10' },
    { action: 'demolish', at: '2026-06-09T09:00:00Z', disposal: 'enforced_demolition', demolishedLandAreaM2: 95.5, demolishedFloorAreaM2: 191, reuse: 'greening', regreenedAreaM2: 80 },
    { action: 'accept', at: '2026-06-10T09:00:00Z' },
    { action: 'close', at: '2026-06-11T09:00:00Z' },
  ]
  for (const step of steps) {
    const res = await post(`/api/cases/${c.id}/transitions`, step, { 'if-match': etag })
    assert.equal(res.statusCode, 200, `${step.action}: ${res.body}`)
    etag = res.headers.etag as string
  }
  assert.equal(etag, '"v6"')
  const final = (await t.app.inject({ url: `/api/cases/${c.id}`, headers: { cookie: field } })).json()
  assert.equal(final.status, 'closed')
  assert.equal(final.disposal, 'enforced_demolition')
  assert.equal(final.demolishedLandAreaM2, 95.5)
  assert.equal(final.regreenedAreaM2, 80)
  assert.equal(final.deadline, '2026-06-10')
  const history = (await t.app.inject({ url: `/api/cases/${c.id}/history`, headers: { cookie: field } })).json().history
  assert.deepEqual(history.map((h: { action: string }) => h.action), ['create', ...steps.map((s) => `transition:${s.action}`)])
  const order = history[2]
  assert.equal(order.fromStatus, 'notified')
  assert.equal(order.toStatus, 'order_issued')
  assert.equal(order.before.deadline, null)
  assert.equal(order.after.deadline, '2026-06-10')
  assert.match(order.user, /^t-field-/)
})

test('deferral needs a reason and resumes to an order; regularisation closes without demolition', async () => {
  const a = (await newCase()).json()
  const noReason = await post(`/api/cases/${a.id}/transitions`, { action: 'defer', at: '2026-06-02T09:00:00Z' }, { 'if-match': '"v1"' })
  assert.equal(noReason.statusCode, 400)
  assert.deepEqual([noReason.json().detail, noReason.json().field], ['defer needs reason', 'reason'])
  const deferred = await post(`/api/cases/${a.id}/transitions`, { action: 'defer', at: '2026-06-02T09:00:00Z', reason: '公共利益：临时安置' }, { 'if-match': '"v1"' })
  assert.equal(deferred.json().status, 'deferred')
  const resumed = await post(`/api/cases/${a.id}/transitions`, { action: 'resume', at: '2026-06-05T09:00:00Z', deadline: '2026-06-30' }, { 'if-match': '"v2"' })
  assert.equal(resumed.json().status, 'order_issued')
  const b = (await newCase()).json()
  const reg = await post(`/api/cases/${b.id}/transitions`, { action: 'regularise', at: '2026-06-02T09:00:00Z', permitRef: '房规建字2026第7号' }, { 'if-match': '"v1"' })
  assert.equal(reg.json().status, 'regularised')
  const closed = await post(`/api/cases/${b.id}/transitions`, { action: 'close', at: '2026-06-03T09:00:00Z' }, { 'if-match': '"v2"' })
  assert.equal(closed.json().status, 'closed')
})

test('an illegal transition is refused naming the allowed ones, and changes nothing', async () => {
  const c = (await newCase()).json()
  const res = await post(`/api/cases/${c.id}/transitions`, { action: 'accept', at: '2026-06-02T09:00:00Z' }, { 'if-match': '"v1"' })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().detail, 'a case that is identified cannot accept; allowed: notify, issue_order, demolish, regularise, defer')
  const again = await t.app.inject({ url: `/api/cases/${c.id}`, headers: { cookie: field } })
  assert.equal(again.headers.etag, '"v1"')
})

test('writes need If-Match: 428 without, 412 when stale', async () => {
  const c = (await newCase()).json()
  const step = { action: 'notify', at: '2026-06-02T09:00:00Z' }
  const none = await post(`/api/cases/${c.id}/transitions`, step)
  assert.equal(none.statusCode, 428)
  assert.match(none.json().detail, /send If-Match/)
  const stale = await post(`/api/cases/${c.id}/transitions`, step, { 'if-match': '"v7"' })
  assert.equal(stale.statusCode, 412)
  assert.equal(stale.json().currentVersion, 1)
})

test('two concurrent edits of one case: one succeeds, one gets 412, both in the history', async () => {
  const c = (await newCase()).json()
  const [a, b] = await Promise.all([
    post(`/api/cases/${c.id}/transitions`, { action: 'notify', at: '2026-06-02T09:00:00Z' }, { 'if-match': '"v1"' }),
    post(`/api/cases/${c.id}/transitions`, { action: 'issue_order', at: '2026-06-02T10:00:00Z', deadline: '2026-06-20' }, { 'if-match': '"v1"' }),
  ])
  assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 412])
  const history = (await t.app.inject({ url: `/api/cases/${c.id}/history`, headers: { cookie: field } })).json().history
  const actions = history.map((h: { action: string }) => h.action)
  assert.equal(actions.filter((x: string) => x.startsWith('transition:')).length, 1)
  assert.equal(actions.filter((x: string) => x === 'refused:stale_version').length, 1)
})

test('bad input is refused naming the field, and nothing is written', async () => {
  const count = async () => (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM cases')).rows[0]!.n
  const before = await count()
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ geometry: square(100, 30) }, /the geometry lies outside the district/],
    [{ foundAt: '2099-01-01T00:00:00Z' }, /foundAt 2099-01-01T00:00:00Z is in the future/],
    [{ geometry: { type: 'Polygon', coordinates: [[[116, 39.7], [116.001, 39.701], [116.001, 39.7], [116, 39.701], [116, 39.7]]] } }, /geometry is invalid: Self-intersection/],
    [{ geometry: square(village.lon, village.lat, 0.02) }, /more than 1 km² is not one structure/],
    [{ geometry: { type: 'LineString', coordinates: [[116, 39.7], [116.1, 39.8]] } }, /must be a Point, Polygon or MultiPolygon/],
    [{ floors: 0 }, /floors must be >= 1/],
    [{ landAreaRecordedM2: -5 }, /landAreaRecordedM2 must be > 0/],
    [{ use: 'castle' }, /use must be equal to one of the allowed values/],
    [{ adminCode: '110111001001' }, /to file the case under 110111001001 give adminOverrideReason/],
  ]
  for (const [extra, message] of bad) {
    const res = await post('/api/cases', { geometry: square(village.lon, village.lat), use: 'storage', source: 'patrol', foundAt: '2026-06-01T08:00:00Z', ...extra })
    assert.equal(res.statusCode, 400, JSON.stringify(extra))
    assert.match(res.json().detail, message)
    const named = Object.keys(extra)[0]!
    assert.equal(res.json().field, named === 'adminCode' ? 'adminOverrideReason' : named, `field for ${JSON.stringify(extra)}`)
  }
  assert.equal(await count(), before)
})

test('roles and scope: a viewer cannot record; a field team cannot touch another village', async () => {
  const viewer = await t.signIn('viewer')
  const res = await post('/api/cases', { geometry: square(village.lon, village.lat), use: 'storage', source: 'patrol', foundAt: '2026-06-01T08:00:00Z' }, {}, viewer)
  assert.equal(res.statusCode, 403)
  const other = (await t.db.query<{ id: number; version: number }>('SELECT id, version FROM cases WHERE admin_code <> $1 ORDER BY id LIMIT 1', [village.code])).rows[0]!
  const read = await t.app.inject({ url: `/api/cases/${other.id}`, headers: { cookie: field } })
  assert.equal(read.statusCode, 404)
  const write = await post(`/api/cases/${other.id}/transitions`, { action: 'notify', at: '2026-06-02T09:00:00Z' }, { 'if-match': `"v${other.version}"` })
  assert.equal(write.statusCode, 404)
})

test('parties are personal data: recorded by field teams, hidden from analysts and viewers, also in the history', async () => {
  const parties = [{ name: '张某某', idNumber: '11011119800101123X', phone: '139 0000 0000' }]
  const c = (await newCase({ parties })).json()
  assert.deepEqual(c.parties, parties)
  const edited = await t.app.inject({
    method: 'PATCH', url: `/api/cases/${c.id}`, headers: { cookie: field, 'if-match': '"v1"' },
    payload: { parties: [...parties, { name: '李某' }], reason: '补充当事人' },
  })
  assert.equal(edited.statusCode, 200, edited.body)
  assert.equal(edited.json().parties.length, 2)
  for (const role of ['analyst', 'viewer'] as const) {
    const cookie = await t.signIn(role)
    const seen = (await t.app.inject({ url: `/api/cases/${c.id}`, headers: { cookie } })).json()
    assert.equal('parties' in seen, false, `${role} sees no parties`)
    const history = (await t.app.inject({ url: `/api/cases/${c.id}/history`, headers: { cookie } })).json().history
    const edit = history.find((h: { action: string }) => h.action === 'edit')
    assert.deepEqual([edit.before.parties, edit.after.parties], ['hidden', 'hidden'])
    assert.doesNotMatch(JSON.stringify(history), /张某某|11011119800101123X/)
  }
  const planner = await t.signIn('planner')
  const full = (await t.app.inject({ url: `/api/cases/${c.id}/history`, headers: { cookie: planner } })).json().history
  assert.equal(full.find((h: { action: string }) => h.action === 'edit').after.parties.length, 2)
  const items = (await t.app.inject({ url: `/ogc/collections/cases/items/${c.id}`, headers: { cookie: planner } })).json()
  assert.equal('parties' in items.properties, false, 'never published through OGC')
  const bad = await post('/api/cases', { geometry: square(village.lon, village.lat), use: 'storage', source: 'patrol', foundAt: '2026-06-01T08:00:00Z', parties: [{ name: '王某', idNumber: '1234' }] })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().detail, /idNumber must match pattern/)
})
