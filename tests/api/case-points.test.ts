// The map's compact reads for deck.gl: the ledger as binary points (values equal to the cases
// table, confined to the user's scope, revalidated by ETag) and the grades of self-built houses.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { CASE_POINTS_TYPE, decodeCasePoints } from '../../server/src/domain/case-points.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let district: string
let town: { code: string; cookie: string }

beforeAll(async () => {
  t = await testApp('tiny')
  district = await t.signIn('admin')
  const r = await t.db.query<{ code: string }>(
    `SELECT left(admin_code, 9) AS code FROM cases GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
  )
  const code = r.rows[0]!.code
  town = { code, cookie: await t.signIn('viewer', code) }
})
afterAll(() => t?.close())

const points = async (cookie: string, headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ url: '/api/cases/points', headers: { cookie, ...headers } })
  return { res, decoded: res.statusCode === 200 ? decodeCasePoints(new Uint8Array(res.rawPayload).slice().buffer) : null }
}

/** The published cases under a code, straight from the table. */
async function expected(prefix: string) {
  const r = await t.db.query<{ id: number; status: string; lon: number; lat: number; demolished: number }>(
    `SELECT id, status, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat,
            coalesce(demolished_land_area_m2, 0)::float8 AS demolished
       FROM cases WHERE starts_with(admin_code, $1) AND NOT location_pending ORDER BY id`,
    [prefix],
  )
  return r.rows
}

test('the district user gets every published case as a point, values equal to the cases table', async () => {
  const { res, decoded } = await points(district)
  assert.equal(res.statusCode, 200, res.body.slice(0, 300))
  assert.equal(res.headers['content-type'], CASE_POINTS_TYPE)
  const want = await expected('110111')
  const pending = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE location_pending`)
  assert.ok(want.length > 50, `${want.length} cases in the sample`)
  assert.equal(decoded!.count, want.length, `${pending.rows[0]!.n} waiting for a location are left out`)
  assert.deepEqual([...decoded!.ids], want.map((w) => w.id))
  want.forEach((w, i) => {
    assert.equal(decoded!.statuses[decoded!.statusCodes[i]!], w.status, `case ${w.id} status`)
    assert.ok(Math.abs(decoded!.positions[2 * i]! - w.lon) < 1e-5 && Math.abs(decoded!.positions[2 * i + 1]! - w.lat) < 1e-5, `case ${w.id} position`)
    assert.ok(Math.abs(decoded!.demolishedM2[i]! - w.demolished) <= Math.max(0.01, w.demolished * 1e-6), `case ${w.id} demolished ${decoded!.demolishedM2[i]} vs ${w.demolished}`)
  })
  assert.ok(want.some((w) => w.demolished > 0), 'the sample has demolished areas to weigh by')
})

test('a town user gets only the cases of the town', async () => {
  const { res, decoded } = await points(town.cookie)
  assert.equal(res.statusCode, 200)
  const want = await expected(town.code)
  const all = await expected('110111')
  assert.ok(want.length > 0 && want.length < all.length, `${want.length} of ${all.length}`)
  assert.deepEqual([...decoded!.ids], want.map((w) => w.id))
})

test('the ETag answers 304 until a case in scope changes, then the new status is sent', async () => {
  const first = await points(town.cookie)
  const etag = String(first.res.headers.etag)
  assert.match(etag, /^"cp-/)
  assert.equal((await points(town.cookie, { 'if-none-match': etag })).res.statusCode, 304)
  // the district's ETag differs from the town's: bodies never cross scopes
  assert.notEqual((await points(district)).res.headers.etag, etag)

  const c = (await t.db.query<{ id: number; version: number }>(
    `SELECT id, version FROM cases WHERE starts_with(admin_code, $1) AND status = 'identified' AND NOT location_pending ORDER BY id LIMIT 1`, [town.code],
  )).rows[0]!
  const moved = await t.app.inject({
    method: 'POST', url: `/api/cases/${c.id}/transitions`, headers: { cookie: district, 'if-match': `"v${c.version}"` },
    payload: { action: 'notify', at: new Date().toISOString() },
  })
  assert.equal(moved.statusCode, 200, moved.body.slice(0, 300))
  const again = await points(town.cookie, { 'if-none-match': etag })
  assert.equal(again.res.statusCode, 200)
  assert.notEqual(again.res.headers.etag, etag)
  const i = [...again.decoded!.ids].indexOf(c.id)
  assert.equal(again.decoded!.statuses[again.decoded!.statusCodes[i]!], 'notified')
})

test('the points need a signed-in user', async () => {
  const res = await t.app.inject({ url: '/api/cases/points' })
  assert.equal(res.statusCode, 401)
})

// --- grades of self-built houses -------------------------------------------------------------------

async function selfBuiltIn(prefix: string) {
  return (await t.db.query<{ id: number; grade: string; lon: number; lat: number; admin_code: string }>(
    `SELECT id, safety_grade::text AS grade, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat, admin_code
       FROM buildings WHERE starts_with(admin_code, $1) AND self_built AND safety_grade IS NOT NULL ORDER BY id LIMIT 1`, [prefix],
  )).rows[0]!
}
const grades = (cookie: string, bbox: number[] | string) =>
  t.app.inject({ url: `/api/buildings/grades?bbox=${Array.isArray(bbox) ? bbox.join(',') : bbox}`, headers: { cookie } })
const around = (b: { lon: number; lat: number }, d = 0.002) => [b.lon - d, b.lat - d, b.lon + d, b.lat + d]

test('grades: self-built houses in the box with their grade, the survey\'s appraisal over the footprint\'s', async () => {
  const house = await selfBuiltIn(town.code)
  const res = await grades(district, around(house))
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json() as { ids: number[]; grades: string[]; truncated: boolean }
  const want = (await t.db.query<{ id: number; grade: string }>(
    `SELECT id, safety_grade::text AS grade FROM buildings WHERE self_built AND safety_grade IS NOT NULL AND geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY id`, around(house),
  )).rows
  assert.deepEqual(body.ids, want.map((w) => w.id))
  assert.deepEqual(body.grades, want.map((w) => w.grade))
  assert.equal(body.truncated, false)

  const appraised = house.grade === 'D' ? 'A' : 'D'
  const survey = await t.app.inject({ method: 'POST', url: '/api/surveys', headers: { cookie: district }, payload: {
    buildingId: house.id, addressText: null, ownerType: 'individual', floors: 2, structure: 'brick_concrete', builtYear: null, use: 'residential', businessKind: null,
    rented: false, residents: 3, workers: 0, businessLicence: null, appraisal: 'done', appraisalGrade: appraised, hazard: 'none',
  } })
  assert.equal(survey.statusCode, 201, survey.body.slice(0, 300))
  const after = (await grades(district, around(house))).json() as { ids: number[]; grades: string[] }
  assert.equal(after.grades[after.ids.indexOf(house.id)], appraised)
})

test('grades: only houses in the user\'s scope', async () => {
  const far = (await t.db.query<{ code: string }>(`SELECT DISTINCT left(admin_code, 9) AS code FROM buildings WHERE self_built AND left(admin_code, 9) <> $1 LIMIT 1`, [town.code])).rows[0]!
  const house = await selfBuiltIn(far.code)
  const byDistrict = (await grades(district, around(house))).json() as { ids: number[] }
  assert.ok(byDistrict.ids.includes(house.id))
  const byTown = (await grades(town.cookie, around(house))).json() as { ids: number[] }
  assert.equal(byTown.ids.includes(house.id), false)
  const inTown = (await t.db.query<{ id: number }>(`SELECT id FROM buildings WHERE starts_with(admin_code, $1)`, [town.code])).rows.map((r) => r.id)
  const own = new Set(inTown)
  assert.ok(byTown.ids.every((id) => own.has(id)))
})

test('grades: a bad or too large box is refused with a message in Chinese first', async () => {
  for (const bbox of ['1,2,3', 'a,b,c,d', '116.3,39.9,116.2,40.0', '116,39,117,40']) {
    const res = await grades(district, bbox)
    assert.equal(res.statusCode, 400, `${bbox}: ${res.body}`)
    const p = res.json() as { detailZh?: string; field?: string }
    assert.match(p.detailZh ?? '', /范围/, bbox)
  }
  assert.equal((await grades(district, '')).statusCode, 400)
})
