// 外业 field work: planners form teams and give cases and patches to a person or a team; field
// users see their tasks by deadline or distance and close them; every change is in history; a
// replayed offline write (Idempotency-Key) is done once.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, test } from 'vitest'
import { DISTRICT, testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
let home: { village: string; other: string }
const people: Record<string, { cookie: string; id: number }> = {}

const q = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T & Record<string, unknown>>(sql, params)).rows
const count = async (sql: string, params: unknown[] = []) => (await q<{ n: number }>(sql, params))[0]!.n

async function person(name: string, role: 'field' | 'planner' | 'viewer', scope: string) {
  const cookie = await t.signIn(role, scope)
  const [u] = await q<{ id: number }>(`SELECT id FROM users ORDER BY id DESC LIMIT 1`)
  people[name] = { cookie, id: u!.id }
  return people[name]!
}

const call = (cookie: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { cookie, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) })

beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  // the village with the most open cases that also has identified cases and pending patches, and a village of another town
  const [v] = await q<{ code: string }>(
    `SELECT admin_code AS code FROM cases c WHERE status IN ('identified', 'notified', 'order_issued')
       AND EXISTS (SELECT 1 FROM detections d WHERE d.admin_code = c.admin_code AND d.status = 'pending')
       AND EXISTS (SELECT 1 FROM cases i WHERE i.admin_code = c.admin_code AND i.status = 'identified')
     GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
  )
  const [o] = await q<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'village' AND left(code, 9) <> left($1, 9) ORDER BY code LIMIT 1`, [v!.code])
  home = { village: v!.code, other: o!.code }
  await person('wang', 'field', home.village)
  await person('li', 'field', home.village)
  await person('zhao', 'field', home.other)
  await person('viewer', 'viewer', home.village)
})
afterAll(() => t.close())

test('a team is formed of field workers whose scope covers its area; others are refused by name', async () => {
  const bad = await call(planner, 'POST', '/api/teams', { name: '一组', kind: 'village_team', adminCode: home.village, memberIds: [people.zhao!.id] })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'memberIds')
  assert.equal(bad.json().code, 'outside_area')
  const viewer = await call(planner, 'POST', '/api/teams', { name: '一组', kind: 'village_team', adminCode: home.village, memberIds: [people.viewer!.id] })
  assert.equal(viewer.json().code, 'not_field_worker')
  assert.equal((await q(`SELECT 1 FROM teams`)).length, 0, 'refused teams leave nothing behind')

  const res = await call(planner, 'POST', '/api/teams', { name: '驻村工作组一组', kind: 'village_team', adminCode: home.village, leaderId: people.wang!.id, memberIds: [people.li!.id] })
  assert.equal(res.statusCode, 201, res.body)
  const team = res.json()
  assert.equal(res.headers.etag, '"v1"')
  assert.deepEqual(team.members.map((m: { id: number }) => m.id).sort(), [people.wang!.id, people.li!.id].sort(), 'the leader is a member')
  assert.deepEqual(team.load, { open: 0, overdue: 0, doneThisWeek: 0 })
  const again = await call(planner, 'POST', '/api/teams', { name: '驻村工作组一组', kind: 'grid', adminCode: home.village, memberIds: [] })
  assert.equal(again.json().code, 'team_exists')
  // a field user cannot form teams; a field user of another town does not see this one
  assert.equal((await call(people.wang!.cookie, 'POST', '/api/teams', { name: 'x', kind: 'grid', adminCode: home.village, memberIds: [] })).statusCode, 403)
  assert.equal((await call(people.zhao!.cookie, 'GET', `/api/teams/${team.id}`)).statusCode, 404)
  assert.deepEqual((await call(people.zhao!.cookie, 'GET', '/api/teams')).json().items, [])
})

test('cases of a village go to a team; things already given are skipped unless reassigned', async () => {
  const [team] = (await call(planner, 'GET', '/api/teams')).json().items
  const open = await q<{ id: number }>(`SELECT id FROM cases WHERE admin_code = $1 AND status IN ('identified', 'notified', 'order_issued') ORDER BY id`, [home.village])
  const res = await call(planner, 'POST', '/api/assignments', { village: home.village, kinds: ['case'], teamId: team.id, dueAt: '2026-12-10T10:00:00+08:00', note: '先核实' })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json()
  assert.equal(body.created, open.length)
  assert.deepEqual(body.skipped, [])
  assert.deepEqual(body.items.map((a: { target: { id: number } }) => a.target.id).sort((a: number, b: number) => a - b), open.map((c) => c.id))
  assert.equal(body.items[0].team.name, '驻村工作组一组')
  assert.equal(body.items[0].dueAt, '2026-12-10T02:00:00.000Z')

  const first = open[0]!.id
  const again = (await call(planner, 'POST', '/api/assignments', { cases: [first], assigneeId: people.wang!.id })).json()
  assert.equal(again.created + again.reassigned, 0)
  assert.match(again.skipped[0].reason, /reassign: true/)
  const moved = (await call(planner, 'POST', '/api/assignments', { cases: [first], assigneeId: people.wang!.id, reassign: true })).json()
  assert.equal(moved.reassigned, 1)
  assert.equal(moved.items[0].assignee.id, people.wang!.id)
  const n = await count(`SELECT count(*)::int AS n FROM assignments WHERE case_id = $1 AND status = 'open'`, [first])
  assert.equal(n, 1, 'one open assignment per case')
  const teamNow = (await call(planner, 'GET', `/api/teams/${team.id}`)).json()
  assert.equal(teamNow.load.open, open.length - 1)
})

test('a person of another town cannot be given this village\'s cases, and a foreign case is skipped as not found', async () => {
  const [c] = await q<{ id: number }>(`SELECT id FROM cases WHERE admin_code = $1 ORDER BY id LIMIT 1`, [home.village])
  const res = (await call(planner, 'POST', '/api/assignments', { cases: [c!.id], assigneeId: people.zhao!.id, reassign: true })).json()
  assert.equal(res.created + res.reassigned, 0)
  assert.match(res.skipped[0].reason, /does not cover/)
  const villagePlanner = await t.signIn('planner', home.village)
  const [foreign] = await q<{ id: number }>(`SELECT id FROM cases WHERE admin_code <> $1 ORDER BY id LIMIT 1`, [home.village])
  const refused = (await call(villagePlanner, 'POST', '/api/assignments', { cases: [foreign!.id], assigneeId: people.wang!.id })).json()
  assert.deepEqual(refused.skipped.map((s: { id: number }) => s.id), [foreign!.id])
  assert.match(refused.skipped[0].reason, /not .*in your area|no case/)
})

test('my tasks: mine and my team\'s, soonest deadline first, or nearest first from where I stand', async () => {
  const mine = (await call(people.wang!.cookie, 'GET', '/api/my/tasks')).json().items as { id: number; nextDeadline: string | null; distanceM: number | null; target: { point: [number, number] } }[]
  const n = await count(`SELECT count(*)::int AS n FROM assignments WHERE status = 'open'`)
  assert.equal(mine.length, n, 'wang sees his own task and all of his team\'s')
  const deadlines = mine.map((x) => (x.nextDeadline ? Date.parse(x.nextDeadline) : Infinity))
  assert.deepEqual(deadlines, [...deadlines].sort((a, b) => a - b))
  const [lon, lat] = mine.at(-1)!.target.point
  const near = (await call(people.wang!.cookie, 'GET', `/api/my/tasks?lon=${lon}&lat=${lat}&sort=distance`)).json().items as typeof mine
  assert.equal(near[0]!.distanceM, 0)
  const distances = near.map((x) => x.distanceM!)
  assert.deepEqual(distances, [...distances].sort((a, b) => a - b))
  // li is in the team but not given wang's own task; zhao has nothing
  assert.equal((await call(people.li!.cookie, 'GET', '/api/my/tasks')).json().items.length, n - 1)
  assert.deepEqual((await call(people.zhao!.cookie, 'GET', '/api/my/tasks')).json().items, [])
})

test('the assignee closes a task as done; nobody else may, and a stale write is refused and kept in history', async () => {
  const [task] = (await call(people.wang!.cookie, 'GET', '/api/my/tasks')).json().items
  const url = `/api/assignments/${task.id}`
  assert.equal((await call(people.zhao!.cookie, 'PATCH', url, { status: 'done' }, { 'if-match': `"v${task.version}"` })).statusCode, 404)
  assert.equal((await call(people.wang!.cookie, 'PATCH', url, { dueAt: null }, { 'if-match': `"v${task.version}"` })).statusCode, 404, 'a field user only marks done')
  assert.equal((await call(people.wang!.cookie, 'PATCH', url, { status: 'done' })).statusCode, 428)
  const stale = await call(people.wang!.cookie, 'PATCH', url, { status: 'done' }, { 'if-match': `"v${task.version + 1}"` })
  assert.equal(stale.statusCode, 412)
  const [refused] = await q<{ action: string }>(`SELECT action FROM field_history WHERE assignment_id = $1 ORDER BY id DESC LIMIT 1`, [task.id])
  assert.equal(refused!.action, 'refused:stale_version')
  const done = await call(people.wang!.cookie, 'PATCH', url, { status: 'done' }, { 'if-match': `"v${task.version}"` })
  assert.equal(done.statusCode, 200, done.body)
  assert.equal(done.json().status, 'done')
  assert.ok(done.json().closedAt)
  const ids = (await call(people.wang!.cookie, 'GET', '/api/my/tasks')).json().items.map((x: { id: number }) => x.id)
  assert.ok(!ids.includes(task.id))
})

test('a patch given to a field user moves to assigned with its own history', async () => {
  const [d] = await q<{ id: number; admin_code: string }>(`SELECT id, admin_code FROM detections WHERE status = 'pending' AND admin_code = $1 ORDER BY id LIMIT 1`, [home.village])
  if (!d) return assert.fail('the tiny sample has a pending patch in the home village')
  const res = (await call(planner, 'POST', '/api/assignments', { detections: [d.id], assigneeId: people.li!.id, dueAt: '2026-12-05T18:00:00+08:00' })).json()
  assert.equal(res.created, 1)
  const patch = (await call(people.li!.cookie, 'GET', `/api/detections/${d.id}`)).json()
  assert.equal(patch.status, 'assigned')
  const history = (await call(people.li!.cookie, 'GET', `/api/detections/${d.id}/history`)).json()
  assert.equal(history.history.at(-1).action, 'assign')
})

test('a zone picks the open cases and unverified patches inside it, nothing else', async () => {
  const [z] = await q<{ id: number }>(`SELECT id FROM zones ORDER BY id LIMIT 1`)
  const expected = await q<{ k: string }>(
    `SELECT 'case/' || c.id AS k FROM cases c JOIN zones z ON z.id = $1 AND ST_Intersects(z.geom, c.geom) WHERE c.status IN ('identified', 'notified', 'order_issued')
     UNION ALL
     SELECT 'detection/' || d.id FROM detections d JOIN zones z ON z.id = $1 AND ST_Intersects(z.geom, d.geom) WHERE d.status IN ('pending', 'assigned')`,
    [z!.id],
  )
  assert.ok(expected.length > 0, 'the zone holds open work')
  const [pl] = await q<{ id: number }>(`SELECT id FROM users WHERE role = 'planner' AND scope_code = $1 ORDER BY id LIMIT 1`, [DISTRICT])
  const res = (await call(planner, 'POST', '/api/assignments', { zoneId: z!.id, kinds: ['case', 'detection'], assigneeId: pl!.id, reassign: true })).json()
  const touched = [...res.items.map((a: { target: { kind: string; id: number } }) => `${a.target.kind}/${a.target.id}`), ...res.skipped.map((x: { kind: string; id: number }) => `${x.kind}/${x.id}`)]
  assert.deepEqual(touched.sort(), expected.map((e) => e.k).sort())
  assert.equal(res.created + res.reassigned, res.items.length)
  // kinds goes with a zone or a village only, and one way of picking at a time
  assert.equal((await call(planner, 'POST', '/api/assignments', { cases: [1], kinds: ['case'], assigneeId: pl!.id })).json().code, 'kinds_with_area')
  assert.equal((await call(planner, 'POST', '/api/assignments', { cases: [1], detections: [1], assigneeId: pl!.id })).json().code, 'pick_one_way')
})

test('parcels are given out too, and show in the assignee\'s tasks with their number and place', async () => {
  const [p] = await q<{ id: number; parcel_no: string }>(`SELECT id, parcel_no FROM parcels WHERE admin_code = $1 ORDER BY id LIMIT 1`, [home.village])
  const res = (await call(planner, 'POST', '/api/assignments', { parcels: [p!.id], assigneeId: people.li!.id, note: '核实地类' })).json()
  assert.equal(res.created, 1)
  const task = (await call(people.li!.cookie, 'GET', '/api/my/tasks')).json().items.find((x: { target: { kind: string } }) => x.target.kind === 'parcel')
  assert.equal(task.target.label, p!.parcel_no)
  assert.equal(task.target.status, 'parcel')
  assert.equal(task.note, '核实地类')
  assert.equal(task.target.point.length, 2)
})

test('a write replayed with the same Idempotency-Key is done once and answered the same', async () => {
  const [c] = await q<{ id: number; version: number }>(`SELECT id, version FROM cases WHERE admin_code = $1 AND status = 'identified' ORDER BY id LIMIT 1`, [home.village])
  const key = randomUUID()
  const send = () => call(people.wang!.cookie, 'POST', `/api/cases/${c!.id}/transitions`, { action: 'notify', at: '2026-12-03T09:00:00Z' }, { 'if-match': `"v${c!.version}"`, 'idempotency-key': key })
  const first = await send()
  assert.equal(first.statusCode, 200, first.body)
  const replay = await send()
  assert.equal(replay.statusCode, 200, 'not a 412: the replay is answered, not redone')
  assert.equal(replay.headers['idempotent-replayed'], 'true')
  assert.equal(replay.headers.etag, first.headers.etag)
  assert.deepEqual(replay.json(), first.json())
  const n = await count(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1 AND action = 'transition:notify'`, [c!.id])
  assert.equal(n, 1)
  // the same key for another operation, and a key that is not a UUID
  const reused = await call(people.wang!.cookie, 'PATCH', `/api/cases/${c!.id}`, { locationText: 'x' }, { 'if-match': first.headers.etag as string, 'idempotency-key': key })
  assert.equal(reused.statusCode, 422)
  assert.equal(reused.json().code, 'idempotency_key_reused')
  const bad = await call(people.wang!.cookie, 'PATCH', `/api/cases/${c!.id}`, { locationText: 'x' }, { 'if-match': first.headers.etag as string, 'idempotency-key': 'nope' })
  assert.equal(bad.statusCode, 400)
  // keys are per user: another user's identical key is a different operation
  const other = await call(people.li!.cookie, 'PATCH', `/api/cases/${c!.id}`, { locationText: '李的修改' }, { 'if-match': first.headers.etag as string, 'idempotency-key': key })
  assert.equal(other.statusCode, 200, other.body)
})

test('a refused write is answered the same on replay and changes nothing', async () => {
  const [c] = await q<{ id: number; version: number }>(`SELECT id, version FROM cases WHERE admin_code = $1 ORDER BY id DESC LIMIT 1`, [home.village])
  const key = randomUUID()
  const send = () => call(people.wang!.cookie, 'PATCH', `/api/cases/${c!.id}`, { locationText: '过期' }, { 'if-match': `"v${c!.version + 7}"`, 'idempotency-key': key })
  const first = await send()
  assert.equal(first.statusCode, 412)
  const replay = await send()
  assert.equal(replay.statusCode, 412)
  assert.equal(replay.headers['idempotent-replayed'], 'true')
  const n = await count(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1 AND action = 'refused:stale_version'`, [c!.id])
  assert.equal(n, 1, 'the refusal is recorded once')
})

test('planners list assignments by team and overdue; a foreign user sees none of them', async () => {
  const [team] = (await call(planner, 'GET', '/api/teams')).json().items
  const byTeam = (await call(planner, 'GET', `/api/assignments?teamId=${team.id}&status=open`)).json()
  assert.equal(byTeam.total, team.load.open)
  const overdue = (await call(planner, 'GET', '/api/assignments?overdue=true')).json()
  assert.ok(overdue.items.every((a: { overdue: boolean }) => a.overdue))
  assert.equal((await call(people.zhao!.cookie, 'GET', '/api/assignments')).json().total, 0)
  const workers = (await call(planner, 'GET', `/api/field-workers?admin=${home.village}`)).json().items.map((p: { id: number }) => p.id)
  assert.ok(workers.includes(people.wang!.id) && !workers.includes(people.zhao!.id) && !workers.includes(people.viewer!.id))
})
