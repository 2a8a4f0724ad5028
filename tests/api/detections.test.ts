// Satellite-change patches: screening on import, the verification rules (a photo near the patch or
// a reason, the permit of a legal result, the cause of a false change), a violation opening a case
// in the same transaction, refused steps naming the allowed ones, ETag / If-Match, scope.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'

let t: TestApp
let planner: string
let field: string

beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  field = await t.signIn('field')
})
afterAll(() => t.close())

const get = (url: string, cookie = planner) => t.app.inject({ url, headers: { cookie } })
const act = (id: number, body: object, etag: string | undefined, cookie = field) =>
  t.app.inject({ method: 'POST', url: `/api/detections/${id}/actions`, payload: body, headers: { cookie, ...(etag ? { 'if-match': etag } : {}) } })

function multipart(file: Buffer) {
  const boundary = `----chaiwei${randomUUID()}`
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="stage"\r\n\r\nverification\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="site.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
const uploadPhoto = async (id: number, lon: number, lat: number, cookie = field) => {
  const m = multipart(phonePhoto(lon, lat, '2026:11:02 10:30:00'))
  const res = await t.app.inject({ method: 'POST', url: `/api/detections/${id}/attachments`, payload: m.payload, headers: { ...m.headers, cookie } })
  assert.equal(res.statusCode, 201, res.body)
  return res.json()
}

/** An unverified patch of batch 2 (after image 2026-09-15) not used by another test yet. */
const taken = new Set<number>()
async function openPatch(): Promise<{ id: number; etag: string; center: [number, number]; adminCode: string }> {
  const r = await t.db.query<{ id: number }>(
    `SELECT id FROM detections WHERE batch_id = 2 AND status <> 'verified' AND NOT (id = ANY($1::bigint[])) ORDER BY id LIMIT 1`,
    [[...taken]],
  )
  const id = r.rows[0]!.id
  taken.add(id)
  const res = await get(`/api/detections/${id}`, field)
  const d = res.json()
  return { id, etag: res.headers.etag as string, center: [(d.bbox[0] + d.bbox[2]) / 2, (d.bbox[1] + d.bbox[3]) / 2], adminCode: d.adminCode }
}

const casesCount = async () => (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM cases')).rows[0]!.n

test('screening is stored on import and the list filters on it', async () => {
  const farmland = (await get('/api/detections?flags=farmland&limit=1000')).json()
  const inDb = (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM detections WHERE screening->'flags' @> '["farmland"]'`)).rows[0]!.n
  assert.ok(inDb > 0, 'the sample has patches on farmland')
  assert.equal(farmland.total, inDb)
  assert.ok(farmland.items.every((d: { flags: string[] }) => d.flags.includes('farmland')))
  // The farmland overlap is the ellipsoidal area of patch ∩ farmland parcels.
  const one = farmland.items[0]
  const detail = (await get(`/api/detections/${one.id}`)).json()
  const direct = (await t.db.query<{ m2: number }>(
    `SELECT sum(ST_Area(ST_Intersection(p.geom, d.geom, 1e-7)::geography)) AS m2 FROM detections d JOIN parcels p ON ST_Intersects(p.geom, d.geom)
     WHERE d.id = $1 AND p.land_class = 'farmland'`, [one.id])).rows[0]!.m2
  assert.ok(Math.abs(detail.screening.farmlandM2 - direct) < 0.05, `${detail.screening.farmlandM2} vs ${direct}`)
  assert.equal(detail.screening.areaM2, detail.areaM2)
  // Two flags together narrow the list.
  const both = (await get('/api/detections?flags=farmland,key_village&limit=1000')).json()
  assert.ok(both.total <= farmland.total && both.items.every((d: { flags: string[] }) => d.flags.includes('key_village')))
  const bad = await get('/api/detections?flags=nonsense')
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'flags')
})

test('a new case over a patch makes it a possible duplicate when screened again; a closed one a possible rebound', async () => {
  const p = await openPatch()
  const detail = (await get(`/api/detections/${p.id}`)).json()
  const created = await t.app.inject({
    method: 'POST', url: '/api/cases', headers: { cookie: planner },
    payload: { geometry: detail.geometry, use: 'storage', source: 'patrol', foundAt: '2026-10-01T02:00:00Z' },
  })
  assert.equal(created.statusCode, 201, created.body)
  const screened = await t.app.inject({ method: 'POST', url: `/api/detections/${p.id}/screen`, headers: { cookie: field } })
  assert.equal(screened.statusCode, 200, screened.body)
  const s = screened.json()
  assert.ok(s.flags.includes('duplicate'))
  const dup = s.openCases.find((c: { id: number }) => c.id === created.json().id)
  assert.ok(dup, JSON.stringify(s.openCases))
  assert.ok(Math.abs(dup.overlapM2 - detail.areaM2) < 0.05, 'the case has the patch geometry: full overlap')
  const listed = (await get(`/api/detections?flags=duplicate&batch=2&limit=1000`)).json()
  assert.ok(listed.items.some((d: { id: number }) => d.id === p.id))
  // Rebounds: every patch flagged so overlaps a case that is accepted or closed.
  const rebound = (await get('/api/detections?flags=rebound&limit=1000')).json()
  for (const d of rebound.items) {
    const sc = (await get(`/api/detections/${d.id}`)).json().screening
    for (const c of sc.closedCases) assert.ok(['accepted', 'closed'].includes((await get(`/api/cases/${c.id}`)).json().status))
  }
})

test('verifying a real violation with a photo taken at the patch opens a satellite case with the patch geometry', async () => {
  const p = await openPatch()
  const before = await casesCount()
  const photo = await uploadPhoto(p.id, p.center[0], p.center[1])
  assert.equal(photo.detectionId, p.id)
  const res = await act(p.id, { action: 'verify', result: 'violation', at: '2026-11-02T02:30:00Z', newCase: { use: 'residential', floors: 2 } }, p.etag)
  assert.equal(res.statusCode, 200, res.body)
  const d = res.json()
  assert.deepEqual([d.status, d.result, d.version, d.noPhotoReason], ['verified', 'violation', 2, null])
  assert.equal(res.headers.etag, '"v2"')
  assert.equal(await casesCount(), before + 1)
  const c = (await get(`/api/cases/${d.caseId}`)).json()
  assert.deepEqual([c.source, c.use, c.floors, c.status, c.foundAt, c.reachedAt], ['satellite', 'residential', 2, 'identified', '2026-11-02T02:30:00Z', '2026-11-02T02:30:00Z'])
  assert.ok(Math.abs(c.landAreaComputedM2 - d.areaM2) < 0.01)
  assert.equal(d.caseNo, c.caseNo)
  const linked = (await t.db.query<{ detection_id: number }>('SELECT detection_id FROM cases WHERE id = $1', [d.caseId])).rows[0]!
  assert.equal(linked.detection_id, p.id)
  const h = (await get(`/api/detections/${p.id}/history`)).json().history
  assert.deepEqual(h.map((e: { action: string }) => e.action), ['attach', 'verify'])
  assert.equal(h[1].after.case_id, d.caseId)
  assert.equal(h[1].after.photos.near, 1)
  // The new case shows in the ledger's satellite cases.
  const ledger = (await get('/api/cases?source=satellite&limit=1000')).json()
  assert.ok(ledger.items.some((r: { id: number }) => r.id === d.caseId))
})

test('a photo taken too far from the patch does not count; nothing changes until there is a near photo or a reason', async () => {
  const p = await openPatch()
  await uploadPhoto(p.id, p.center[0], p.center[1] + 500 / 111_000) // ~500 m north
  const before = await casesCount()
  const far = await act(p.id, { action: 'verify', result: 'violation', newCase: { use: 'storage' } }, p.etag)
  assert.equal(far.statusCode, 400)
  assert.equal(far.json().field, 'photo')
  assert.match(far.json().detail, /within 100 m/)
  assert.match(far.json().detail, /nearest photo was taken (4\d\d|50\d) m away/)
  assert.equal(await casesCount(), before, 'no case opened')
  assert.equal((await get(`/api/detections/${p.id}`)).json().version, 1)
  const reasoned = await act(p.id, { action: 'verify', result: 'violation', newCase: { use: 'storage' }, noPhotoReason: '院门紧锁，无法进入，在路口拍摄' }, p.etag)
  assert.equal(reasoned.statusCode, 200, reasoned.body)
  assert.equal(reasoned.json().noPhotoReason, '院门紧锁，无法进入，在路口拍摄')
})

test('a legal result needs the permit reference; a false change needs its cause (and a note for other)', async () => {
  const legal = await openPatch()
  const noPhoto = { noPhotoReason: '补录' }
  const missing = await act(legal.id, { action: 'verify', result: 'legal', ...noPhoto }, legal.etag)
  assert.equal(missing.statusCode, 400)
  assert.equal(missing.json().field, 'permitRef')
  const wrong = await act(legal.id, { action: 'verify', result: 'legal', permitRef: 'x', cause: 'shadow', ...noPhoto }, legal.etag)
  assert.equal(wrong.json().field, 'cause')
  const ok = await act(legal.id, { action: 'verify', result: 'legal', permitRef: '房规乡建字〔2026〕第0042号', ...noPhoto }, legal.etag)
  assert.equal(ok.statusCode, 200, ok.body)
  assert.deepEqual([ok.json().result, ok.json().permitRef, ok.json().caseId], ['legal', '房规乡建字〔2026〕第0042号', null])

  const fc = await openPatch()
  const noCause = await act(fc.id, { action: 'verify', result: 'false_change', ...noPhoto }, fc.etag)
  assert.deepEqual([noCause.statusCode, noCause.json().field], [400, 'cause'])
  const other = await act(fc.id, { action: 'verify', result: 'false_change', cause: 'other', ...noPhoto }, fc.etag)
  assert.deepEqual([other.statusCode, other.json().field], [400, 'note'])
  const shadow = await act(fc.id, { action: 'verify', result: 'false_change', cause: 'shadow', ...noPhoto }, fc.etag)
  assert.equal(shadow.statusCode, 200, shadow.body)
  assert.deepEqual([shadow.json().result, shadow.json().resultReason], ['false_change', 'shadow'])
  const early = await openPatch()
  const before = await act(early.id, { action: 'verify', result: 'false_change', cause: 'cloud', at: '2026-09-01T00:00:00Z', ...noPhoto }, early.etag)
  assert.deepEqual([before.statusCode, before.json().field], [400, 'at'])
})

test('a step the status does not allow is refused naming the allowed ones', async () => {
  const verified = (await t.db.query<{ id: number; version: number }>(`SELECT id, version FROM detections WHERE status = 'verified' ORDER BY id LIMIT 1`)).rows[0]!
  const res = await act(verified.id, { action: 'verify', result: 'false_change', cause: 'shadow', noPhotoReason: 'x' }, `"v${verified.version}"`)
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().field, 'action')
  assert.match(res.json().detail, /a patch that is verified cannot verify; allowed: reopen/)
  const assign = await act(verified.id, { action: 'assign', assigneeId: 1 }, `"v${verified.version}"`, planner)
  assert.match(assign.json().detail, /allowed: reopen/)
  // Reopening is the office's call.
  const byField = await act(verified.id, { action: 'reopen', reason: '误判' }, `"v${verified.version}"`)
  assert.equal(byField.statusCode, 403)
  const reopened = await act(verified.id, { action: 'reopen', reason: '复核：影像配准误差' }, `"v${verified.version}"`, planner)
  assert.equal(reopened.statusCode, 200, reopened.body)
  assert.deepEqual([reopened.json().status, reopened.json().result, reopened.json().allowedActions], ['pending', null, ['assign', 'verify']])
})

test('writes need If-Match: 428 without, 412 on a stale version (recorded), and nothing changes', async () => {
  const p = await openPatch()
  const body = { action: 'verify', result: 'false_change', cause: 'vegetation', noPhotoReason: '远程核查' }
  const none = await act(p.id, body, undefined)
  assert.equal(none.statusCode, 428)
  const stale = await act(p.id, body, '"v7"')
  assert.equal(stale.statusCode, 412)
  assert.equal(stale.json().currentVersion, 1)
  const d = (await get(`/api/detections/${p.id}`)).json()
  assert.deepEqual([d.status === 'verified', d.version], [false, 1])
  const h = (await get(`/api/detections/${p.id}/history`)).json().history
  assert.equal(h.at(-1).action, 'refused:stale_version')
})

test('assigning sends the patch to a verifier whose area covers it; a user elsewhere is refused', async () => {
  const p = await openPatch()
  const town = p.adminCode.slice(0, 9)
  const local = await t.signIn('field', town)
  const localId = (await get('/api/auth/me', local)).json().user.id
  const users = (await get(`/api/detections/${p.id}/assignees`)).json().users
  assert.ok(users.some((u: { id: number }) => u.id === localId))
  const otherTown = (await t.db.query<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'town' AND code <> $1 ORDER BY code LIMIT 1`, [town])).rows[0]!.code
  const stranger = await t.signIn('field', otherTown)
  const strangerId = (await get('/api/auth/me', stranger)).json().user.id
  const refused = await act(p.id, { action: 'assign', assigneeId: strangerId }, p.etag, planner)
  assert.deepEqual([refused.statusCode, refused.json().field], [400, 'assigneeId'])
  const ok = await act(p.id, { action: 'assign', assigneeId: localId, note: '请三日内核查' }, p.etag, planner)
  assert.equal(ok.statusCode, 200, ok.body)
  assert.equal(ok.json().status, 'assigned')
  assert.equal(ok.json().assignment.assigneeId, localId)
  const mine = (await get('/api/detections?assignee=me', local)).json()
  assert.ok(mine.items.some((d: { id: number }) => d.id === p.id))
})

test('a village user sees only the village: other patches are 404, lists and counts are confined', async () => {
  const p = await openPatch()
  const villager = await t.signIn('field', p.adminCode)
  const list = (await get('/api/detections?limit=1000', villager)).json()
  assert.ok(list.total > 0 && list.items.every((d: { adminCode: string }) => d.adminCode === p.adminCode))
  const elsewhere = (await t.db.query<{ id: number }>(`SELECT id FROM detections WHERE admin_code <> $1 ORDER BY id LIMIT 1`, [p.adminCode])).rows[0]!.id
  assert.equal((await get(`/api/detections/${elsewhere}`, villager)).statusCode, 404)
  assert.equal((await get(`/api/detections/${elsewhere}/attachments`, villager)).statusCode, 404)
  assert.equal((await get(`/api/detections/${elsewhere}/history`, villager)).statusCode, 404)
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/detections/${elsewhere}/screen`, headers: { cookie: villager } })).statusCode, 404)
  assert.equal((await act(elsewhere, { action: 'verify', result: 'legal', permitRef: 'x', noPhotoReason: 'x' }, '"v1"', villager)).statusCode, 404)
  const viewer = await t.signIn('viewer')
  assert.equal((await act(p.id, { action: 'verify', result: 'legal', permitRef: 'x' }, p.etag, viewer)).statusCode, 403)
})

test('the photo distance comes from CHAIWEI_VERIFY_PHOTO_MAX_M', async () => {
  const { loadConfig, ConfigError } = await import('../../server/src/config.ts')
  assert.equal(loadConfig({}).verifyPhotoMaxM, 100)
  assert.equal(loadConfig({ CHAIWEI_VERIFY_PHOTO_MAX_M: '250' }).verifyPhotoMaxM, 250)
  assert.throws(() => loadConfig({ CHAIWEI_VERIFY_PHOTO_MAX_M: 'far' }), ConfigError)
  const p = await openPatch()
  assert.equal((await get(`/api/detections/${p.id}`)).json().photoMaxM, 100)
})
