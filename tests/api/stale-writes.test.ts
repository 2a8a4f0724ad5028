// Every record edited with If-Match records a refused stale write in its own history (全程留痕),
// with the version the writer had and the one it found, and the record itself does not change:
// case edits and transitions, zone edits and deletions, targets, patch actions and batch edits.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
})
afterAll(() => t.close())

const call = (method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, ifMatch?: string) =>
  t.app.inject({ method, url, headers: { cookie: planner, ...(ifMatch ? { 'if-match': ifMatch } : {}) }, ...(payload !== undefined ? { payload: payload as object } : {}) })

async function lastEntry(url: string, key: string) {
  const res = await call('GET', url)
  assert.equal(res.statusCode, 200, res.body)
  const list = res.json()[key] as { action: string; reason?: string | null; after?: unknown }[]
  return list.at(-1)!
}

const one = async <T>(sql: string) => (await t.db.query<T & Record<string, unknown>>(sql)).rows[0]!

test('a stale edit of a case is refused, recorded in its history, and changes nothing', async () => {
  const c = await one<{ id: number; version: number; location_text: string | null }>(`SELECT id, version, location_text FROM cases ORDER BY id LIMIT 1`)
  const res = await call('PATCH', `/api/cases/${c.id}`, { locationText: '迟到的修改' }, `"v${c.version + 5}"`)
  assert.equal(res.statusCode, 412)
  const entry = await lastEntry(`/api/cases/${c.id}/history`, 'history')
  assert.equal(entry.action, 'refused:stale_version')
  assert.equal(entry.reason, `expected version ${c.version + 5}, found ${c.version}`)
  const now = await one<{ version: number; location_text: string | null }>(`SELECT version, location_text FROM cases WHERE id = ${c.id}`)
  assert.deepEqual(now, { version: c.version, location_text: c.location_text })
})

test('a stale edit and a stale delete of a zone are refused and recorded; the zone stays as it was', async () => {
  const z = await one<{ id: number; version: number; name: string }>(`SELECT id, version, name FROM zones ORDER BY id LIMIT 1`)
  assert.equal((await call('PATCH', `/api/zones/${z.id}`, { name: '迟到的名字' }, `"v${z.version + 1}"`)).statusCode, 412)
  assert.equal((await call('DELETE', `/api/zones/${z.id}`, undefined, `"v${z.version + 2}"`)).statusCode, 412)
  const res = await call('GET', `/api/zones/${z.id}/history`)
  const refused = (res.json().history as { action: string; after: { expectedVersion: number; foundVersion: number; attempted: unknown } }[])
    .filter((h) => h.action === 'refused:stale_version')
  assert.deepEqual(refused.map((h) => [h.after.expectedVersion, h.after.foundVersion]), [[z.version + 1, z.version], [z.version + 2, z.version]])
  assert.deepEqual(refused[0]!.after.attempted, { name: '迟到的名字' })
  assert.deepEqual(await one(`SELECT version, name FROM zones WHERE id = ${z.id}`), { version: z.version, name: z.name })
})

test('a stale replacement of a target, and creating one that exists (428), are refused and recorded', async () => {
  const g = await one<{ admin_code: string; year: number; version: number; demolished_area_m2: number | null }>(
    `SELECT admin_code, year, version, demolished_area_m2 FROM targets ORDER BY admin_code, year LIMIT 1`,
  )
  const url = `/api/targets/${g.admin_code}/${g.year}`
  assert.equal((await call('PUT', url, { demolishedArea: 123 }, `"v${g.version + 3}"`)).statusCode, 412)
  // without If-Match it would create one: it exists, so the writer is told to read it first
  assert.equal((await call('PUT', url, { demolishedArea: 456 })).statusCode, 428)
  const h = (await call('GET', `${url}/history`)).json().history as { action: string; after: { expectedVersion: number; foundVersion: number } }[]
  const refused = h.filter((e) => e.action === 'refused:stale_version')
  assert.deepEqual(refused.map((e) => [e.after.expectedVersion, e.after.foundVersion]), [[g.version + 3, g.version], [0, g.version]])
  assert.deepEqual(await one(`SELECT version, demolished_area_m2 FROM targets WHERE admin_code = '${g.admin_code}' AND year = ${g.year}`), {
    version: g.version, demolished_area_m2: g.demolished_area_m2,
  })
})

test('a stale case transition and a stale batch edit are recorded the same way', async () => {
  const c = await one<{ id: number; version: number }>(`SELECT id, version FROM cases WHERE status = 'identified' ORDER BY id LIMIT 1`)
  assert.equal((await call('POST', `/api/cases/${c.id}/transitions`, { action: 'notify', at: '2026-06-01T08:00:00+08:00' }, `"v${c.version + 1}"`)).statusCode, 412)
  assert.equal((await lastEntry(`/api/cases/${c.id}/history`, 'history')).action, 'refused:stale_version')
  const b = await one<{ id: number; version: number; name: string }>(`SELECT id, version, name FROM detection_batches ORDER BY id LIMIT 1`)
  assert.equal((await call('PATCH', `/api/detection-batches/${b.id}`, { name: '迟到的批次名' }, `"v${b.version + 1}"`)).statusCode, 412)
  const h = await one<{ action: string; reason: string }>(`SELECT action, reason FROM detection_history WHERE batch_id = ${b.id} ORDER BY id DESC LIMIT 1`)
  assert.deepEqual(h, { action: 'refused:stale_version', reason: `expected version ${b.version + 1}, found ${b.version}` })
  assert.equal((await one<{ name: string }>(`SELECT name FROM detection_batches WHERE id = ${b.id}`)).name, b.name)
})
