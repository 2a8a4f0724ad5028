// Malformed GeoJSON, wherever the API takes it (drawn zones, area statistics, case sites, zone
// files, patch and reference-layer imports, ledger WKT): refused or reported with a Chinese
// message naming the feature and the fault, nothing written; the well-formed input still works.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.ts'
import { multipartBody } from '../fixtures/patches/canonical.ts'

let t: TestApp
let planner: string
let admin: string
let field: string
let village: { code: string; lon: number; lat: number }

beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  admin = await t.signIn('admin')
  // a village with room for a 600 m square around a point on its surface
  const r = await t.db.query<{ code: string; lon: number; lat: number }>(
    `SELECT code, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
       SELECT code, ST_PointOnSurface(geom) AS p, geom FROM admin_units WHERE level = 'village') v
     WHERE ST_Contains(v.geom, ST_Expand(v.p, 0.003)) ORDER BY code LIMIT 1`,
  )
  village = r.rows[0]!
  field = await t.signIn('field', village.code)
})
afterAll(() => t.close())

const count = async (table: string) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
const square = (d = 0.0005, x = village.lon, y = village.lat) => ({
  type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
})
const unclosed = () => ({ type: 'Polygon', coordinates: [[[village.lon, village.lat], [village.lon + 0.0005, village.lat], [village.lon + 0.0005, village.lat + 0.0005], [village.lon, village.lat + 0.0005]]] })
const threePositions = () => ({ type: 'Polygon', coordinates: [[[village.lon, village.lat], [village.lon + 0.0005, village.lat], [village.lon, village.lat]]] })
const oneNumber = () => ({ type: 'Polygon', coordinates: [[[village.lon, village.lat], [village.lon + 0.0005], [village.lon + 0.0005, village.lat + 0.0005], [village.lon, village.lat]]] })
const send = (method: 'POST' | 'PATCH', url: string, payload: unknown, cookie: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, payload: payload as object, headers: { cookie, ...headers } })
const upload = (url: string, name: string, bytes: Buffer, fields: Record<string, string>, cookie: string) => {
  const { payload, headers } = multipartBody(fields, { name, bytes })
  return t.app.inject({ method: 'POST', url, payload, headers: { ...headers, cookie } })
}
const collection = (features: unknown[]) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }))

interface Refused {
  code: string
  field: string
  detail: string
  detailZh: string
  problems: { feature?: number; featureId?: string; path: string; code: string; message: string; messageEn: string }[]
  problemCount: number
}

/** The problem+json every malformed-GeoJSON refusal answers. */
function assertRefused(res: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, status: number, zh: RegExp): Refused {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()))
  assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  const body = res.json() as Refused
  assert.equal(body.code, 'invalid_geojson')
  assert.match(body.detailZh, zh)
  assert.ok(body.problems.length >= 1 && body.problemCount >= body.problems.length)
  return body
}

test('a case site with an unclosed ring or a one-number position is refused naming the ring and position; nothing is written', async () => {
  const before = await count('cases')
  const base = { use: 'storage', source: 'patrol', foundAt: '2026-06-01T08:00:00Z' }
  const open = assertRefused(await send('POST', '/api/cases', { ...base, geometry: unclosed() }, field), 400, /第 1 个环未闭合（首尾坐标不同/)
  assert.equal(open.field, 'geometry')
  assert.deepEqual(open.problems.map((p) => [p.code, p.path]), [['unclosed_ring', 'coordinates[0]']])
  assert.match(open.problems[0]!.message, /^几何（geometry）：第 1 个环未闭合/)
  assert.match(open.detail, /not readable GeoJSON/)
  assert.equal(await count('cases'), before)

  const created = await send('POST', '/api/cases', { ...base, geometry: square() }, field)
  assert.equal(created.statusCode, 201, created.body)
  const moved = assertRefused(await send('PATCH', `/api/cases/${created.json().id}`, { geometry: oneNumber() }, field, { 'if-match': '"v1"' }), 400, /第 1 个环的第 2 个坐标只有 1 个数/)
  assert.equal(moved.problems[0]!.path, 'coordinates[0][1]')
  const still = await t.app.inject({ url: `/api/cases/${created.json().id}`, headers: { cookie: field } })
  assert.equal(still.headers.etag, '"v1"')
  assert.deepEqual(still.json().geometry, created.json().geometry)
})

test('a drawn zone with too few positions or a wrong type name is refused (422 like its other geometry refusals); nothing is written', async () => {
  const before = await count('zones')
  const zone = { name: '坏片区', zoneType: 'rectification_area' }
  const few = assertRefused(await send('POST', '/api/zones', { ...zone, geometry: threePositions() }, planner), 422, /第 1 个环只有 3 个坐标，环至少需要 4 个/)
  assert.equal(few.problems[0]!.code, 'too_few_points')
  const named = assertRefused(await send('POST', '/api/zones', { ...zone, geometry: { ...square(), type: 'polygon' } }, planner), 422, /类型 "polygon" 不是 GeoJSON 几何类型/)
  assert.equal(named.problems[0]!.path, 'type')
  const nested = { type: 'MultiPolygon', coordinates: [square(0.0005).coordinates, [[[village.lon, village.lat], [village.lon + 0.001, village.lat], 'x', [village.lon, village.lat]]]] }
  const deep = assertRefused(await send('POST', '/api/zones', { ...zone, geometry: nested }, planner), 422, /第 2 个多边形的第 1 个环的第 3 个坐标是 "x"/)
  assert.equal(deep.problems[0]!.path, 'coordinates[1][0][2]')
  assert.equal(await count('zones'), before)
  const ok = await send('POST', '/api/zones', { ...zone, geometry: square() }, planner)
  assert.equal(ok.statusCode, 201, ok.body)
  assert.equal(await count('zones'), before + 1)
})

test('area statistics of a malformed drawing answer 422 naming the fault', async () => {
  const analyst = await t.signIn('analyst')
  const res = await send('POST', '/api/statistics/area', { geometry: oneNumber() }, analyst)
  const body = assertRefused(res, 422, /第 1 个环的第 2 个坐标只有 1 个数/)
  assert.equal(body.field, 'geometry')
  const ok = await send('POST', '/api/statistics/area', { geometry: square() }, analyst)
  assert.equal(ok.statusCode, 200, ok.body)
})

test('a zone file names every malformed feature by number and id or name; nothing is written', async () => {
  const before = await count('zones')
  const file = collection([
    { type: 'Feature', properties: { name: '甲' }, geometry: square(0.0005) },
    { type: 'Feature', properties: { name: '乙' } },
    { type: 'Feature', id: 'Z-3', properties: { name: '丙' }, geometry: unclosed() },
    { type: 'Featur', properties: {}, geometry: null },
  ])
  const res = await upload('/api/zones/import', '片区.geojson', file, { zoneType: 'rectification_area' }, planner)
  const body = assertRefused(res, 400, /第 2 个要素（名称 乙）：缺少 "geometry" 成员/)
  assert.equal(body.field, 'file')
  assert.deepEqual(
    body.problems.map((p) => [p.feature, p.featureId ?? null, p.code]),
    [[2, '乙', 'missing_member'], [3, 'Z-3', 'unclosed_ring'], [4, null, 'unknown_type']],
  )
  assert.match(body.problems[1]!.message, /^第 3 个要素（编号 Z-3）：第 1 个环未闭合/)
  assert.match(body.problems[2]!.message, /^第 4 个要素：类型 "Featur" 不是 "Feature"/)
  assert.equal(body.problemCount, 3)
  assert.equal(await count('zones'), before)

  const notArray = await upload('/api/zones/import', '片区.geojson', Buffer.from('{"type":"FeatureCollection","features":{"type":"Feature"}}'), {}, planner)
  assert.equal(notArray.statusCode, 400, notArray.body)
  assert.equal(notArray.json().code, 'bad_json')
  assert.match(notArray.json().detailZh, /"features" 是 \{"type":"Feature"\}，须为数组/)
  assert.equal(await count('zones'), before)
})

test('a patch file: each malformed feature is a problem naming its fault, the commit is refused, nothing is written; features not an array is refused', async () => {
  const before = await count('detections')
  const file = collection([
    { type: 'Feature', properties: { 图斑编号: 'G1' }, geometry: oneNumber() },
    { type: 'Feature', properties: { 图斑编号: 'G2' } },
    { type: 'Feature', properties: { 图斑编号: 'G3' }, geometry: { ...square(), type: 'polygon' } },
    { type: 'Feature', properties: { 图斑编号: 'G4' }, geometry: threePositions() },
    { type: 'Feature', properties: { 图斑编号: 'G5' }, geometry: square(0.0004, village.lon + 0.001) },
  ])
  const res = await upload('/api/detection-imports', 'bad.geojson', file, {}, planner)
  assert.equal(res.statusCode, 201, res.body)
  const imp = res.json()
  assert.equal(imp.state, 'staged')
  const byFeature = Object.fromEntries(imp.problems.map((p: { feature: number; code: string; message: string }) => [p.feature, [p.code, p.message]]))
  assert.deepEqual(Object.keys(byFeature).map(Number), [1, 2, 3, 4])
  assert.equal(byFeature[1][0], 'invalid_geometry')
  assert.match(byFeature[1][1], /第 1 个环的第 2 个坐标只有 1 个数/)
  assert.equal(byFeature[2][0], 'no_geometry')
  assert.match(byFeature[2][1], /缺少 "geometry" 成员/)
  assert.match(byFeature[3][1], /类型 "polygon" 不是 GeoJSON 几何类型/)
  assert.equal(byFeature[4][0], 'too_few_points')
  assert.equal(imp.validCount, 1)
  const commit = await t.app.inject({
    method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie: planner },
    payload: { batch: { name: '结构错误', issuer: 'district', beforeDate: '2026-03-01', afterDate: '2026-09-01' } },
  })
  assert.equal(commit.statusCode, 422)
  assert.equal(await count('detections'), before)

  const notArray = await upload('/api/detection-imports', 'x.geojson', Buffer.from('{"type":"FeatureCollection","features":5}'), {}, planner)
  assert.equal(notArray.statusCode, 400, notArray.body)
  assert.equal(notArray.json().code, 'bad_json')
  assert.match(notArray.json().detailZh, /"features" 是 5，须为数组/)
  assert.equal(await count('detections'), before)
})

test('a reference-layer file: an unclosed ring is a problem with the ring named; features not an array is refused', async () => {
  const before = await count('buildings')
  const file = collection([
    { type: 'Feature', properties: { 层数: 2 }, geometry: unclosed() },
    { type: 'Feature', properties: { 层数: 2 }, geometry: square(0.0002, village.lon + 0.001) },
  ])
  const res = await upload('/api/layer-imports', 'buildings.geojson', file, { layer: 'buildings' }, admin)
  assert.equal(res.statusCode, 202, res.body)
  let view = res.json()
  for (let i = 0; i < 3000 && (view.state === 'reading' || view.state === 'committing'); i++) {
    await new Promise((r) => setTimeout(r, 20))
    view = (await t.app.inject({ url: `/api/layer-imports/${view.id}`, headers: { cookie: admin } })).json()
  }
  assert.equal(view.state, 'staged', JSON.stringify(view.error))
  const first = view.problems.find((p: { featureNo: number }) => p.featureNo === 1)
  assert.equal(first.code, 'unclosed_ring')
  assert.match(first.message, /第 1 个环未闭合（首尾坐标不同/)

  const notArray = await upload('/api/layer-imports', 'buildings.geojson', Buffer.from('{"type":"FeatureCollection","features":"none"}'), { layer: 'buildings' }, admin)
  assert.equal(notArray.statusCode, 400, notArray.body)
  assert.match(notArray.json().detailZh, /"features" 是 "none"，须为数组/)
  assert.equal(await count('buildings'), before)
})

test('a ledger row whose WKT polygon is not closed is refused naming the ring; nothing is written', async () => {
  const before = await count('cases')
  const { lon, lat } = village
  const csv = ['用途,发现来源,发现时间,经度,纬度,WKT', `居住,巡查,2026-01-05,,,"POLYGON((${lon} ${lat},${lon + 0.0005} ${lat},${lon + 0.0005} ${lat + 0.0005},${lon} ${lat + 0.0005}))"`].join('\n')
  const res = await upload('/api/ledger/import', 'ledger.csv', Buffer.from(csv), {}, planner)
  assert.equal(res.statusCode, 400, res.body)
  const problem = res.json().problems[0]
  assert.equal(problem.row, 2)
  assert.match(problem.message, /WKT 的第 1 个环未闭合（首尾坐标不同/)
  assert.equal(await count('cases'), before)
})
