// Files and requests a reference-layer import must refuse, each with a clear 4xx and nothing
// changed: not a GIS file, a zipped FileGDB, a zip-slip archive, a CRS that puts the layer outside
// China, lines for a polygon layer, a required field left unmapped, the wrong role, another user's
// import, a village admin loading the district's roads; and a CSV without a CRS waits for one.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, test } from 'vitest'
import { zipSync } from 'fflate'
import { writeCsvWkt, writeGeoJson } from '../../server/src/imports/formats/writers.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { DISTRICT_FEATURE, feature, geojson, LayerClient, problemsOf, rect, UNIT_FEATURES } from '../helpers/layer-import.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/patches')

let t: TestApp
let c: LayerClient

beforeAll(async () => {
  t = await testApp('schema')
  c = new LayerClient(t, await t.signIn('admin', '110111'))
  await c.load('admin_units', 'units.geojson', geojson([DISTRICT_FEATURE, ...UNIT_FEATURES]))
})
afterAll(() => t?.close())

const count = async (sql: string) => (await t.db.query<{ n: number }>(sql)).rows[0]!.n
const nothingStaged = async () => assert.equal(await count('SELECT count(*)::int AS n FROM layer_import_features'), 0)
const building = (floors: unknown, x = 116.05, y = 39.72) => feature({ 层数: floors }, rect(x, y, x + 0.0003, y + 0.0002))

test('a file that is not a GIS file is refused with the formats that are read', async () => {
  const res = await c.upload('buildings', 'notes.docx', Buffer.from('PK\u0003\u0004 this is not really a zip at all, only looks like one'))
  assert.equal(res.statusCode, 400, res.body)
  const text = await c.upload('buildings', 'notes.txt', Buffer.from('hello world, nothing geographic here\n'))
  assert.equal(text.statusCode, 400, text.body)
  const pdf = await c.upload('buildings', 'scan.pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'))
  assert.equal(pdf.statusCode, 400, pdf.body)
  assert.equal(pdf.json().code, 'unknown_format')
  assert.match(pdf.json().detailZh, /GeoJSON.*Shapefile.*GeoPackage/)
  await nothingStaged()
})

test('a zipped FileGDB is refused with how to convert it', async () => {
  const gdb = zipSync({
    'DLTB.gdb/a00000001.gdbtable': new Uint8Array([3, 0, 0, 0, 1, 2, 3]),
    'DLTB.gdb/a00000001.gdbtablx': new Uint8Array([3, 0, 0, 0]),
    'DLTB.gdb/gdb': new Uint8Array([5, 0, 0, 0]),
    'DLTB.gdb/timestamps': new Uint8Array(8),
  })
  const res = await c.upload('parcels', 'DLTB.gdb.zip', Buffer.from(gdb))
  assert.equal(res.statusCode, 400, res.body)
  const body = res.json()
  assert.equal(body.code, 'filegdb_unsupported')
  assert.match(body.detail, /ogr2ogr -f GPKG out\.gpkg in\.gdb/)
  assert.match(body.detailZh, /ogr2ogr -f GPKG out\.gpkg in\.gdb/)
  assert.match(body.detailZh, /ArcGIS\/QGIS/)
  await nothingStaged()
})

test('a zip-slip archive is refused and nothing lands outside the temp folder', async () => {
  const res = await c.upload('parcels', 'parcels.zip', readFileSync(join(FIXTURES, 'zip-slip.zip')))
  assert.equal(res.statusCode, 400, res.body)
  assert.equal(res.json().code, 'zip_unsafe_path')
  assert.equal(existsSync('/tmp/chaiwei-zip-slip-proof.shp'), false)
  assert.equal(existsSync(join(tmpdir(), '..', 'chaiwei-zip-slip-proof.shp')), false)
  await nothingStaged()
})

test('Gauss-Krüger metres declared as WGS84 land outside China: every feature is a problem and the commit is refused', async () => {
  const gk = await writeGeoJson([building(2), building(3, 116.06)], { layerName: 'b', crs: 'EPSG:4548' })
  // drop the file's own CRS member, then say the wrong one
  const text = JSON.parse(gk.toString('utf8')) as { crs?: unknown }
  delete text.crs
  const staged = await c.stage('buildings', 'b.geojson', Buffer.from(JSON.stringify(text)), { crs: 'EPSG:4326' })
  assert.equal(staged.state, 'staged')
  assert.deepEqual(problemsOf(staged), { 1: 'outside_china', 2: 'outside_china' })
  assert.match(staged.problems[0]!.message, /不在中国境内/)
  const res = await c.commit(staged.id, { mode: 'append', onlyValid: true })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'nothing_to_import')
  // the right CRS re-reads the file and places both
  const fixed = await c.patch(staged.id, { crs: 'EPSG:4548' })
  assert.equal(fixed.statusCode, 202, fixed.body)
  const again = await c.settle(staged.id)
  assert.equal(again.problemCount, 0, JSON.stringify(again.problems))
  assert.equal(again.crs?.code, 'EPSG:4548')
  assert.equal((await c.cancel(staged.id)).statusCode, 204)
  assert.equal(await count('SELECT count(*)::int AS n FROM buildings'), 0)
})

test('axes swapped (lat, lon) are named as such', async () => {
  const swapped = feature({ 层数: 1 }, { type: 'Polygon', coordinates: [[[39.72, 116.05], [39.72, 116.051], [39.721, 116.051], [39.72, 116.05]]] })
  const staged = await c.stage('buildings', 'swap.geojson', geojson([swapped]))
  assert.deepEqual(problemsOf(staged), { 1: 'axes_swapped' })
  await c.cancel(staged.id)
})

test('lines for a polygon layer are problems, named with the geometry the layer needs', async () => {
  const staged = await c.stage('parcels', 'lines.geojson', geojson([
    feature({ BSM: 'L1', DLBM: '0101' }, { type: 'LineString', coordinates: [[116.01, 39.71], [116.02, 39.71]] }),
    feature({ BSM: 'L2', DLBM: '0101' }, { type: 'MultiLineString', coordinates: [[[116.01, 39.72], [116.02, 39.72]]] }),
  ]))
  assert.deepEqual(problemsOf(staged), { 1: 'wrong_geometry_type', 2: 'wrong_geometry_type' })
  assert.match(staged.problems[0]!.message, /须为面/)
  const commit = await c.commit(staged.id, { mode: 'append' })
  assert.equal(commit.statusCode, 400)
  await c.cancel(staged.id)
  // polygons for a line layer likewise
  const roads = await c.stage('roads', 'roads.geojson', geojson([feature({ LXBM: 'G107' }, rect(116.01, 39.71, 116.02, 39.72))]))
  assert.deepEqual(problemsOf(roads), { 1: 'wrong_geometry_type' })
  await c.cancel(roads.id)
  assert.equal(await count('SELECT count(*)::int AS n FROM parcels') + await count('SELECT count(*)::int AS n FROM roads'), 0)
})

test('a required field left unmapped: a warning, a problem per feature, and the commit refused until it is mapped', async () => {
  const staged = await c.stage('buildings', 'nofloors.geojson', geojson([feature({ 高度: 9 }, rect(116.05, 39.72, 116.0503, 39.7202))]))
  assert.equal(staged.mapping.floors, null)
  assert.ok(staged.warnings.some((w) => w.code === 'mapping_incomplete' && /层数/.test(w.message)), JSON.stringify(staged.warnings))
  assert.deepEqual(problemsOf(staged), { 1: 'required' })
  assert.equal((await c.commit(staged.id, { mode: 'append' })).statusCode, 400)
  // a mapping naming a field the file lacks is refused; a constant is accepted
  const bad = await c.patch(staged.id, { mapping: { floors: 'CS' } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'mapping')
  const unknownTarget = await c.patch(staged.id, { mapping: { height: '高度' } })
  assert.equal(unknownTarget.statusCode, 400)
  const constant = await c.patch(staged.id, { mapping: { floors: { value: 1 } } })
  assert.equal(constant.statusCode, 200, constant.body)
  assert.equal(constant.json().problemCount, 0)
  await c.cancel(staged.id)
  assert.equal(await count('SELECT count(*)::int AS n FROM buildings'), 0)
})

test('a CSV without a CRS waits for one, and refuses one the importer does not place', async () => {
  const csv = await writeCsvWkt([building(2)], { layerName: 'b' })
  const res = await c.upload('buildings', 'b.csv', csv)
  assert.equal(res.statusCode, 202)
  const waiting = await c.settle(res.json().id)
  assert.equal(waiting.state, 'needs_crs')
  const bad = await c.patch(waiting.id, { crs: 'EPSG:3857' })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().code, 'crs_unsupported')
  assert.equal((await c.patch(waiting.id, { crs: 'EPSG:4490' })).statusCode, 202)
  const staged = await c.settle(waiting.id)
  assert.equal(staged.state, 'staged')
  assert.equal(staged.problemCount, 0)
  await c.cancel(staged.id)
})

test('an unknown layer, a missing layer field and a bad encoding are refused before anything is read', async () => {
  const gj = geojson([building(1)])
  const unknown = await c.upload('houses', 'b.geojson', gj)
  assert.equal(unknown.statusCode, 400)
  assert.equal(unknown.json().code, 'unknown_layer')
  const { multipartBody } = await import('../fixtures/patches/canonical.ts')
  const m = multipartBody({}, { name: 'b.geojson', bytes: gj })
  const none = await t.app.inject({ method: 'POST', url: '/api/layer-imports', payload: m.payload, headers: { ...m.headers, cookie: c.cookie } })
  assert.equal(none.statusCode, 400)
  assert.equal(none.json().code, 'layer_required')
  const enc = await c.upload('buildings', 'b.geojson', gj, { encoding: 'EBCDIC' })
  assert.equal(enc.statusCode, 400)
  assert.equal(await count('SELECT count(*)::int AS n FROM layer_imports WHERE state NOT IN (\'cancelled\', \'failed\', \'committed\')'), 0)
})

test('only administrators load layers; another admin gets 404 for my import; a village admin may not load the district roads', async () => {
  const planner = await t.signIn('planner', '110111')
  const refused = await c.upload('buildings', 'b.geojson', geojson([building(1)]), {}, planner)
  assert.equal(refused.statusCode, 403)
  assert.equal((await t.app.inject({ url: '/api/layer-loads', headers: { cookie: planner } })).statusCode, 403)

  const mine = await c.stage('buildings', 'b.geojson', geojson([building(1)]))
  const other = await t.signIn('admin', '110111')
  for (const [method, url, payload] of [
    ['GET', `/api/layer-imports/${mine.id}`, undefined],
    ['GET', `/api/layer-imports/${mine.id}/features`, undefined],
    ['PATCH', `/api/layer-imports/${mine.id}`, { mapping: { floors: '层数' } }],
    ['POST', `/api/layer-imports/${mine.id}/commit`, { mode: 'append' }],
    ['DELETE', `/api/layer-imports/${mine.id}`, undefined],
  ] as const) {
    const res = await t.app.inject({ method, url, headers: { cookie: other }, ...(payload ? { payload } : {}) })
    assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`)
  }
  assert.equal((await c.get(mine.id)).json().state, 'staged', 'untouched by the other admin')
  await c.cancel(mine.id)

  const village = await t.signIn('admin', '110111001001')
  const roads = await c.upload('roads', 'r.geojson', geojson([feature({ LXBM: 'G107' }, { type: 'LineString', coordinates: [[116.0, 39.72], [116.2, 39.72]] })]), {}, village)
  assert.equal(roads.statusCode, 403)
  assert.equal(roads.json().code, 'district_scope_required')
  // a village admin's buildings elsewhere are outside their scope
  const vc = new LayerClient(t, village)
  const far = await vc.stage('buildings', 'far.geojson', geojson([building(1, 116.15, 39.77), building(2, 116.01, 39.71)]))
  assert.deepEqual(problemsOf(far), { 1: 'outside_scope' })
  await vc.cancel(far.id)
  assert.equal(await count('SELECT count(*)::int AS n FROM buildings') + await count('SELECT count(*)::int AS n FROM roads'), 0)
})

test('an admin-unit file with a code outside the loader\'s scope or without its parent', async () => {
  const town = new LayerClient(t, await t.signIn('admin', '110111001'))
  const staged = await town.stage('admin_units', 'units.geojson', geojson([
    feature({ XZQDM: '110111001003', XZQMC: '新村' }, rect(116.0, 39.7, 116.01, 39.71)),
    feature({ XZQDM: '110111002003', XZQMC: '别镇的村' }, rect(116.1, 39.7, 116.11, 39.71)),
    feature({ XZQDM: '110111009001', XZQMC: '孤村' }, rect(116.02, 39.7, 116.03, 39.71)),
  ]))
  assert.deepEqual(problemsOf(staged), { 2: 'outside_scope', 3: 'outside_scope' })
  const district = await c.stage('admin_units', 'orphan.geojson', geojson([feature({ XZQDM: '110111009001', XZQMC: '孤村' }, rect(116.02, 39.7, 116.03, 39.71))]))
  assert.deepEqual(problemsOf(district), { 1: 'unknown_code' })
  assert.match(district.problems[0]!.message, /110111009/)
  await town.cancel(staged.id)
  await c.cancel(district.id)
  assert.equal(await count('SELECT count(*)::int AS n FROM admin_units'), 7)
})
