// Nothing personal reaches the public. A published case is given parties (names, ID numbers,
// phones) and an address text; a reporter leaves a name and phone and their report becomes a
// published case. Then every route that answers without an account (found from the OpenAPI
// document: each GET is called without a cookie, and one that does not answer 401 must have a
// probe here) is called, and no answer holds any of those values, nor the exact position of the
// site. The public pages are searched the same way in tests/e2e/public.test.ts.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'
import { quietPlace, sendReport } from '../helpers/public-report.ts'

let t: TestApp
/** Every personal value seeded: none may appear in a public answer. */
const PERSONAL = {
  partyName: '王秘密',
  partyIdNumber: '110111198001011234',
  partyPhone: '13911112222',
  addressText: '王秘密家东侧第三间',
  reporterName: '李举报人',
  reporterPhone: '13800138000',
}
let receiptCode = ''
let reportId = 0
let photoId = 0
/** Exact positions of the seeded sites, to 5 decimals (about a metre). */
let exact: string[] = []

beforeAll(async () => {
  t = await testApp('tiny', { open311Keys: ['privacy-test-key-000000'] })
  const planner = await t.signIn('planner')
  // a published case with parties and an address text
  const [c] = (await t.db.query<{ id: number; lon: number; lat: number }>(
    `SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM cases
     WHERE status = 'order_issued' ORDER BY id LIMIT 1`,
  )).rows
  await t.db.query(`UPDATE cases SET parties = $2, location_text = $3 WHERE id = $1`, [
    c!.id, JSON.stringify([{ name: PERSONAL.partyName, idNumber: PERSONAL.partyIdNumber, phone: PERSONAL.partyPhone }]), PERSONAL.addressText,
  ])
  // a reporter with a name and phone whose report becomes a published case
  const place = await quietPlace(t.db)
  const sent = await sendReport(t.app, '198.51.100.7', { ...place, contactName: PERSONAL.reporterName, contactPhone: PERSONAL.reporterPhone }, [{ name: 'a.jpg', bytes: phonePhoto(place.lon, place.lat) }])
  assert.equal(sent.statusCode, 201, sent.body)
  receiptCode = sent.json().receiptCode
  reportId = sent.json().id
  const accepted = await t.app.inject({ method: 'POST', url: `/api/reports/${reportId}/triage`, headers: { cookie: planner, 'if-match': '"v1"' }, payload: { action: 'accept', use: 'commercial' } })
  assert.equal(accepted.statusCode, 200, accepted.body)
  photoId = accepted.json().photos[0].id
  let etag = '"v1"'
  for (const step of [{ action: 'notify', at: new Date().toISOString() }, { action: 'issue_order', at: new Date().toISOString(), deadline: '2027-03-01' }]) {
    const res = await t.app.inject({ method: 'POST', url: `/api/cases/${accepted.json().caseId}/transitions`, headers: { cookie: planner, 'if-match': etag }, payload: step })
    assert.equal(res.statusCode, 200, res.body)
    etag = res.headers.etag as string
  }
  exact = [c!, place].flatMap((p) => [p.lon.toFixed(5), p.lat.toFixed(5)])
})
afterAll(() => t.close())

/** The public GET routes and how to call them; a public route missing here fails the walk. */
const PROBES: Record<string, () => string[]> = {
  'GET /health': () => ['/health'],
  'GET /api/public/report-rules': () => ['/api/public/report-rules'],
  'GET /api/public/captcha': () => ['/api/public/captcha'],
  'GET /api/public/reports/{code}': () => [`/api/public/reports/${receiptCode}`],
  'GET /api/public/reports/{code}/photos/{photoId}': () => [`/api/public/reports/${receiptCode}/photos/${photoId}`],
  'GET /api/public/disclosure': () => ['/api/public/disclosure?limit=1000', '/api/public/disclosure?stage=order_issued'],
  'GET /api/public/tiles/{layer}/{z}/{x}/{y}': () => ['admin-units', 'roads', 'waters'].flatMap((l) => [`/api/public/tiles/${l}/10/843/388`, `/api/public/tiles/${l}/12/3372/1553`]),
  'GET /api/open311/v2/services.json': () => ['/api/open311/v2/services.json'],
  'GET /api/open311/v2/requests.json': () => ['/api/open311/v2/requests.json', `/api/open311/v2/requests.json?service_request_id=${reportId}`],
  'GET /api/open311/v2/requests/{id}.json': () => [`/api/open311/v2/requests/${reportId}.json`],
}

/** Text of an answer: JSON and text as they are; vector tiles as their decoded properties. */
function textOf(res: { headers: Record<string, unknown>; rawPayload: Buffer; body: string }): string {
  if (String(res.headers['content-type']).includes('vector-tile') && res.rawPayload.length > 0) {
    const tile = new VectorTile(new PbfReader(res.rawPayload))
    return JSON.stringify(Object.values(tile.layers).flatMap((l) => Array.from({ length: l.length }, (_, i) => l.feature(i).properties)))
  }
  return res.rawPayload.toString('utf8')
}

test('every public answer is free of every personal field of a seeded case and reporter, and of exact positions', async () => {
  const doc = (await t.app.inject('/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> }
  const publicRoutes: string[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!('get' in ops)) continue
    const probeUrl = path.replace(/\{[^}]+\}/g, '1')
    const res = await t.app.inject({ url: probeUrl })
    if (res.statusCode !== 401) publicRoutes.push(`GET ${path}`)
  }
  assert.deepEqual(Object.keys(PROBES).filter((r) => !publicRoutes.includes(r)), [], 'a probe names a route that is not public (or gone)')
  const unprobed = publicRoutes.filter((r) => !PROBES[r])
  assert.deepEqual(unprobed, [], 'a route answers without an account but has no probe here')
  assert.ok(publicRoutes.length >= 10, `found ${publicRoutes.length} public routes`)

  let answers = 0
  for (const route of publicRoutes) {
    for (const url of PROBES[route]!()) {
      const res = await t.app.inject({ url })
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`)
      const text = textOf(res)
      for (const [field, value] of Object.entries(PERSONAL)) assert.ok(!text.includes(value), `${url} holds ${field}`)
      for (const coordinate of exact) assert.ok(!text.includes(coordinate), `${url} holds the exact coordinate ${coordinate}`)
      answers++
    }
  }
  assert.equal(answers, Object.values(PROBES).reduce((n, urls) => n + urls().length, 0))

  // the seeded sites are published (so the walk above read them), only not their personal data
  const disclosure = (await t.app.inject('/api/public/disclosure?limit=1000')).json()
  assert.ok(disclosure.items.some((i: { use: string; stage: string }) => i.use === 'commercial' && i.stage === 'order_issued'))
  assert.equal((await t.app.inject(`/api/public/reports/${receiptCode}`)).json().caseStage, 'order_issued')
})

test('a published position lies on the grid, within half a cell diagonal of the site', async () => {
  const disclosure = (await t.app.inject('/api/public/disclosure?limit=1000')).json()
  const [c] = (await t.db.query<{ case_no: string; lon: number; lat: number }>(
    `SELECT case_no, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM cases WHERE status = 'closed' ORDER BY id LIMIT 1`,
  )).rows
  const item = disclosure.items.find((i: { caseNo: string }) => i.caseNo === c!.case_no)
  assert.ok(item, 'a closed case is published')
  const dy = (item.lat - c!.lat) * 111320
  const dx = (item.lon - c!.lon) * 111320 * Math.cos((c!.lat * Math.PI) / 180)
  const d = Math.hypot(dx, dy)
  assert.ok(d <= (disclosure.locationGridM / 2) * Math.SQRT2 + 1, `moved ${d.toFixed(0)} m`)
  // every published case of the same cell shares one position
  const step = disclosure.locationGridM / 111320
  assert.ok(Math.abs(item.lat / step - Math.round(item.lat / step)) < 1e-6, 'the latitude is a grid node')
})
