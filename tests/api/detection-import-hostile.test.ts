// Bad input to the patch import: each refused or reported clearly, nothing half-imported, nothing
// written outside the temporary folder, and no CRS ever assumed.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Feature } from 'geojson'
import { unzipSync, zipSync } from 'fflate'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import { fromLonLat, parseCrs } from '../../server/src/imports/formats/crs.ts'
import { transformGeometry } from '../../server/src/imports/formats/geometry.ts'
import { writeGeoJson, writeShapefileZip } from '../../server/src/imports/formats/writers.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { canonicalPatches, multipartBody } from '../fixtures/patches/canonical.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/patches')
let t: TestApp
let cookie: string
let patches: Feature[]

beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('planner')
  patches = await canonicalPatches(t.db, 60)
})
afterAll(() => t.close())

async function upload(name: string, bytes: Buffer, fields: Record<string, string> = {}, who = cookie) {
  const { payload, headers } = multipartBody(fields, { name, bytes })
  return t.app.inject({ method: 'POST', url: '/api/detection-imports', payload, headers: { ...headers, cookie: who } })
}

const geojson = (features: unknown[]) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }))
const feature = (no: string, geometry: unknown) => ({ type: 'Feature', properties: { 图斑编号: no, 变化类型: '新增建筑' }, geometry })
const square = (x: number, y: number, d = 0.0005) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] })
const batch = (name: string) => ({ name, issuer: 'district', beforeDate: '2026-03-01', afterDate: '2026-09-01' })

async function counts() {
  const r = await t.db.query<{ b: number; d: number }>('SELECT (SELECT count(*) FROM detection_batches)::int AS b, (SELECT count(*) FROM detections)::int AS d')
  return r.rows[0]!
}

function problemsOf(body: { problems: { feature: number; code: string }[] }) {
  return Object.fromEntries(body.problems.map((p) => [p.feature, p.code]))
}

describe('archives', () => {
  test('a zip-slip archive is refused and nothing lands outside the temp folder', async () => {
    const before = await counts()
    const res = await upload('patches.zip', readFileSync(join(FIXTURES, 'zip-slip.zip')))
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'zip_unsafe_path')
    assert.match(res.json().detailZh, /路径/)
    assert.equal(existsSync('/tmp/chaiwei-zip-slip-proof.shp'), false)
    assert.equal(existsSync(join(tmpdir(), '..', 'chaiwei-zip-slip-proof.shp')), false)
    assert.deepEqual(await counts(), before)
  })

  test('an absolute path inside a zip is refused', async () => {
    const bytes = Buffer.from(zipSync({ '/etc/cron.d/patches.shp': new Uint8Array(10), 'a.dbf': new Uint8Array(10) }))
    const res = await upload('abs.zip', bytes)
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'zip_unsafe_path')
  })

  test('a zip bomb (64 MB of zeros in a few kB) is refused before it is inflated', async () => {
    const bytes = Buffer.from(zipSync({ 'patches.shp': new Uint8Array(64 * 1024 * 1024), 'patches.dbf': new Uint8Array(10) }, { level: 9 }))
    assert.ok(bytes.length < 200 * 1024)
    const res = await upload('bomb.zip', bytes)
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'zip_bomb')
  })

  test('a zip with too many entries is refused', async () => {
    const files: Record<string, Uint8Array> = {}
    for (let i = 0; i < 250; i++) files[`f${i}.txt`] = new Uint8Array(1)
    const res = await upload('many.zip', Buffer.from(zipSync(files)))
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'zip_too_many_entries')
  })

  test('a corrupt zip is refused as unreadable', async () => {
    const good = await writeShapefileZip(patches.slice(0, 3), { layerName: 'p' })
    const res = await upload('cut.zip', good.subarray(0, Math.floor(good.length / 2)))
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'bad_zip')
  })
})

test('a file over the size cap answers 413 and keeps nothing', async () => {
  const db = t.db
  const config = { ...loadConfig({}), cookieSecure: true, logLevel: 'silent' as const, importMaxBytes: 4096 }
  const small = await buildApp({ config, db, logger: false })
  try {
    await createUser(db, { username: 'cap-planner', password: 'correct horse battery', role: 'planner', scopeCode: '110111' })
    const login = await small.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'cap-planner', password: 'correct horse battery' } })
    const c = `chaiwei_session=${login.cookies.find((x) => x.name === 'chaiwei_session')!.value}`
    const { payload, headers } = multipartBody({}, { name: 'big.geojson', bytes: await writeGeoJson(patches, { layerName: 'x' }) })
    const res = await small.inject({ method: 'POST', url: '/api/detection-imports', payload, headers: { ...headers, cookie: c } })
    assert.equal(res.statusCode, 413, res.body)
    assert.equal(res.json().code, 'file_too_large')
    assert.equal(res.json().field, 'file')
    const left = await db.query('SELECT count(*)::int AS n FROM detection_imports d JOIN users u ON u.id = d.user_id WHERE u.username = $1', ['cap-planner'])
    assert.equal(left.rows[0]!.n, 0)
  } finally {
    await small.close()
  }
})

test('a .shp without .prj is never given a CRS: the import asks, and reads once the user picks one', async () => {
  const files = unzipSync(await writeShapefileZip(patches.slice(0, 20), { layerName: 'noprj', crs: 'EPSG:4548' }))
  delete files['noprj.prj']
  const res = await upload('noprj.zip', Buffer.from(zipSync(files)))
  assert.equal(res.statusCode, 201, res.body)
  const imp = res.json()
  assert.equal(imp.state, 'needs_crs')
  assert.equal(imp.crs, null)
  assert.equal(imp.bounds, null)
  assert.equal(imp.featureCount, 20)
  const commit = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie }, payload: { batch: batch('无 prj') } })
  assert.equal(commit.statusCode, 409)
  const preview = await t.app.inject({ method: 'GET', url: `/api/detection-imports/${imp.id}/preview`, headers: { cookie } })
  assert.equal(preview.statusCode, 409)

  const bad = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { crs: 'EPSG:2436' } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'crs')
  const fixed = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { crs: 'EPSG:4548' } })
  assert.equal(fixed.statusCode, 200, fixed.body)
  assert.equal(fixed.json().state, 'staged')
  assert.deepEqual(fixed.json().crs, { code: 'EPSG:4548', name: 'CGCS2000 / 3-degree Gauss-Kruger CM 117E', source: 'user' })
  assert.equal(fixed.json().problemCount, 0)
})

test('a .shp read in the wrong Gauss-Krüger zone lands outside China and is reported, not imported', async () => {
  const files = unzipSync(await writeShapefileZip(patches.slice(0, 5), { layerName: 'p', crs: 'EPSG:4548' }))
  delete files['p.prj']
  const res = await upload('noprj.zip', Buffer.from(zipSync(files)), { crs: 'EPSG:4527' }) // prefixed zone read as unprefixed eastings
  const imp = res.json()
  assert.equal(imp.state, 'staged')
  assert.deepEqual(Object.values(problemsOf(imp)), ['outside_china', 'outside_china', 'outside_china', 'outside_china', 'outside_china'])
})

test('swapped lat/lon and coordinates outside China are reported per feature', async () => {
  const swapped = { type: 'Polygon', coordinates: [[[39.7, 116.1], [39.7, 116.101], [39.701, 116.101], [39.7, 116.1]]] }
  const res = await upload('bad-coords.geojson', geojson([feature('A1', swapped), feature('A2', square(2.35, 48.85)), feature('A3', patches[0]!.geometry)]))
  const imp = res.json()
  assert.equal(imp.state, 'staged', res.body)
  assert.deepEqual(problemsOf(imp), { 1: 'axes_swapped', 2: 'outside_china' })
  assert.match(imp.problems[0].message, /颠倒/)
  assert.equal(imp.validCount, 1)
})

test('GCJ-02 labelled as WGS84 is flagged by the control check, and reads right once the user says GCJ-02', async () => {
  const gcj = fromLonLat(parseCrs('GCJ-02')!)
  const shifted = patches.map((f) => ({ ...f, geometry: transformGeometry(f.geometry!, gcj) }))
  const res = await upload('from-amap.geojson', await writeGeoJson(shifted, { layerName: 'amap' }))
  const imp = res.json()
  assert.equal(imp.state, 'staged')
  const warning = imp.warnings.find((w: { code: string }) => w.code === 'gcj02_suspected')
  assert.ok(warning, JSON.stringify(imp.warnings))
  const metres = Number(/约 (\d+) 米/.exec(warning.message)![1])
  assert.ok(metres >= 300 && metres <= 600, warning.message)

  const fixed = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { crs: 'GCJ-02' } })
  assert.equal(fixed.json().state, 'staged')
  assert.equal(fixed.json().crs.code, 'GCJ-02')
  assert.deepEqual(fixed.json().warnings, [])

  // the true WGS84 file raises no warning
  const honest = await upload('wgs.geojson', await writeGeoJson(patches, { layerName: 'wgs' }))
  assert.deepEqual(honest.json().warnings, [])
})

test('self-intersecting, unclosed and empty polygons are reported with the reason; repair needs consent and shows the area change', async () => {
  const before = await counts()
  const bowtie = { type: 'Polygon', coordinates: [[[116.1, 39.7], [116.101, 39.701], [116.101, 39.7], [116.1, 39.701], [116.1, 39.7]]] }
  const unclosed = { type: 'Polygon', coordinates: [[[116.1, 39.7], [116.101, 39.7], [116.101, 39.701], [116.1, 39.701]]] }
  const empty = { type: 'Polygon', coordinates: [] }
  const res = await upload('broken.geojson', geojson([feature('B1', bowtie), feature('B2', unclosed), feature('B3', empty), feature('B4', patches[1]!.geometry)]))
  const imp = res.json()
  assert.equal(imp.state, 'staged', res.body)
  assert.deepEqual(problemsOf(imp), { 1: 'self_intersection', 2: 'unclosed_ring', 3: 'empty_geometry' })
  const [b1, b2] = imp.problems
  assert.equal(b1.repairable, true)
  assert.match(b1.message, /Self-intersection/)
  assert.equal(typeof b1.areaChangeM2, 'number')
  assert.equal(b1.patchNo, 'B1')
  assert.equal(b2.repairable, false)
  assert.match(b2.message, /未闭合/)

  // all-or-nothing: refused whole, nothing written
  const refused = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie }, payload: { batch: batch('坏图斑') } })
  assert.equal(refused.statusCode, 422)
  assert.equal(refused.json().code, 'import_has_problems')
  assert.equal(refused.json().problemCount, 3)
  assert.deepEqual(await counts(), before)

  // consent to repair: the bow-tie becomes valid, the others stay problems
  const repaired = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { repair: true } })
  assert.equal(repaired.json().problemCount, 2)
  assert.equal(repaired.json().validCount, 2)
  const listed = repaired.json().problems.find((p: { feature: number }) => p.feature === 1)
  assert.equal(listed.code, 'repaired')
  assert.equal(listed.areaChangeM2, b1.areaChangeM2)

  const partial = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie }, payload: { batch: batch('坏图斑'), onlyValid: true } })
  assert.equal(partial.statusCode, 201, partial.body)
  assert.deepEqual({ imported: partial.json().imported, skipped: partial.json().skipped, screened: partial.json().screened }, { imported: 2, skipped: 2, screened: 2 })
  const screened = await t.db.query("SELECT count(*)::int AS n FROM detections WHERE batch_id = $1 AND screening ? 'screenedAt'", [partial.json().batchId])
  assert.equal(screened.rows[0]!.n, 2)
  const stored = await t.db.query<{ patch_no: string; valid: boolean; type: string; area: number }>(
    'SELECT patch_no, ST_IsValid(geom) AS valid, GeometryType(geom) AS type, area_m2 AS area FROM detections WHERE batch_id = $1 ORDER BY patch_no',
    [partial.json().batchId],
  )
  assert.deepEqual(stored.rows.map((r) => [r.patch_no, r.valid, r.type]), [['B1', true, 'MULTIPOLYGON'], ['B4', true, 'MULTIPOLYGON']])
  assert.ok(stored.rows[0]!.area > 0)
  const b = await t.db.query<{ import: { onlyValid: boolean; skipped: number; repaired: boolean } }>('SELECT import FROM detection_batches WHERE id = $1', [partial.json().batchId])
  assert.deepEqual([b.rows[0]!.import.onlyValid, b.rows[0]!.import.skipped, b.rows[0]!.import.repaired], [true, 2, true])
})

test('mixed geometry types: points and lines are reported, the file is flagged', async () => {
  const res = await upload('mixed.geojson', geojson([
    feature('M1', { type: 'Point', coordinates: [116.1, 39.7] }),
    feature('M2', { type: 'LineString', coordinates: [[116.1, 39.7], [116.2, 39.71]] }),
    feature('M3', patches[2]!.geometry),
  ]))
  const imp = res.json()
  assert.deepEqual(problemsOf(imp), { 1: 'not_polygon', 2: 'not_polygon' })
  assert.ok(imp.warnings.some((w: { code: string }) => w.code === 'mixed_geometry_types'))
})

test('XML entities in KML are refused before parsing (billion laughs, external entity)', async () => {
  for (const name of ['billion-laughs.kml', 'external-entity.kml']) {
    const res = await upload(name, readFileSync(join(FIXTURES, name)))
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'kml_entities')
    assert.equal(res.json().field, 'file')
  }
})

test('files that are not what they claim are refused with a reason', async () => {
  const cases: [string, Buffer, string][] = [
    ['x.geojson', Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature",'), 'bad_json'],
    ['x.geojson', Buffer.from('{"type":"Feature","geometry":null,"properties":{}}'), 'bad_json'],
    ['x.geojson', Buffer.from(JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, features: [] })), 'crs_unsupported'],
    ['x.bin', Buffer.from([0, 1, 2, 3, 4, 5]), 'unknown_format'],
    ['x.gpkg', Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(200, 7)]), 'bad_gpkg'],
    ['x.csv', Buffer.from('名称,面积\n甲,12\n'), 'bad_csv'],
    ['x.kml', Buffer.from('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol;</name></Placemark></Document></kml>'), 'bad_kml'],
    ['x.kml', Buffer.from('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark></Document></kml>'), 'bad_kml'],
    ['x.xml', Buffer.from('<gpx><trk/></gpx>'), 'bad_kml'],
  ]
  for (const [name, bytes, code] of cases) {
    const res = await upload(name, bytes)
    assert.equal(res.statusCode, 400, `${code}: ${res.body}`)
    assert.equal(res.json().code, code)
  }
  const crs = await upload('x.geojson', geojson([]), { crs: 'EPSG:3857' })
  assert.equal(crs.statusCode, 400)
  assert.equal(crs.json().field, 'crs')
})

test('a CSV without a CRS is never assumed to be WGS84', async () => {
  const res = await upload('p.csv', Buffer.from('wkt,图斑编号\n"POLYGON((116.1 39.7,116.101 39.7,116.101 39.701,116.1 39.7))",C1\n'))
  assert.equal(res.json().state, 'needs_crs')
  assert.equal(res.json().crs, null)
})

test('attribute problems: duplicate and missing patch numbers, bad area and confidence', async () => {
  const f = (no: string | null, props: Record<string, unknown>, g: unknown) => ({ type: 'Feature', properties: { 图斑编号: no, ...props }, geometry: g })
  const res = await upload('attrs.geojson', geojson([
    f('D1', { 面积: '12.5', 置信度: '85%' }, patches[3]!.geometry),
    f('D1', {}, patches[4]!.geometry),
    f(null, {}, patches[5]!.geometry),
    f('D4', { 面积: '-3' }, patches[6]!.geometry),
    f('D5', { 置信度: '1.7' }, patches[7]!.geometry),
    f('D6', { 置信度: '170' }, patches[8]!.geometry),
  ]))
  const imp = res.json()
  assert.deepEqual(problemsOf(imp), { 2: 'duplicate_patch_no', 3: 'missing_patch_no', 4: 'bad_area', 6: 'bad_confidence' })
  // 1.7 is read as 1.7 %: percentages without a sign are accepted between 1 and 100
  const row = await t.db.query<{ confidence: number; area: number }>('SELECT confidence, recorded_area_m2 AS area FROM detection_import_features WHERE import_id = $1 AND feature_no = 1', [imp.id])
  assert.deepEqual(row.rows[0], { confidence: 0.85, area: 12.5 })
})

test('the mapping can be changed; a field that does not exist is refused', async () => {
  const res = await upload('m.geojson', geojson([{ type: 'Feature', properties: { 编码: 'E1', 类型: '扩建' }, geometry: patches[9]!.geometry }]))
  const imp = res.json()
  assert.equal(imp.mapping.changeType, null)
  const bad = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { mapping: { changeType: '没有' } } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'mapping')
  const ok = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${imp.id}`, headers: { cookie }, payload: { mapping: { patchNo: '编码', changeType: '类型' } } })
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(ok.json().warnings, [])
  const staged = await t.db.query('SELECT patch_no, change_type FROM detection_import_features WHERE import_id = $1', [imp.id])
  assert.deepEqual(staged.rows, [{ patch_no: 'E1', change_type: 'extension' }])
})

test('staging belongs to the uploader; viewers cannot import; patches outside the scope are refused', async () => {
  const res = await upload('s.geojson', await writeGeoJson(patches.slice(0, 4), { layerName: 's' }))
  const id = res.json().id
  const other = await t.signIn('planner')
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/detection-imports/${id}`, headers: { cookie: other } })).statusCode, 404)
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/detection-imports/${id}`, headers: { cookie: other } })).statusCode, 404)
  const viewer = await t.signIn('viewer')
  assert.equal((await upload('s.geojson', geojson([]), {}, viewer)).statusCode, 403)

  const village = await t.db.query<{ code: string }>("SELECT admin_code AS code FROM buildings ORDER BY id LIMIT 1")
  const local = await t.signIn('planner', village.rows[0]!.code)
  const scoped = await upload('s.geojson', await writeGeoJson(patches.slice(0, 30), { layerName: 's' }), {}, local)
  const codes = new Set(scoped.json().problems.map((p: { code: string }) => p.code))
  assert.deepEqual([...codes], ['outside_scope'])
  assert.ok(scoped.json().validCount >= 1)

  const del = await t.app.inject({ method: 'DELETE', url: `/api/detection-imports/${id}`, headers: { cookie } })
  assert.equal(del.statusCode, 204)
  assert.equal((await t.db.query('SELECT 1 FROM detection_import_features WHERE import_id = $1', [id])).rowCount, 0)
})

test('the preview is GeoJSON in lon/lat with the problem of each feature, problems first', async () => {
  const res = await upload('p.geojson', geojson([feature('P1', patches[10]!.geometry), feature('P2', square(2.35, 48.85))]))
  const preview = await t.app.inject({ method: 'GET', url: `/api/detection-imports/${res.json().id}/preview`, headers: { cookie } })
  assert.equal(preview.statusCode, 200)
  assert.match(preview.headers['content-type'] as string, /geo\+json/)
  const fc = preview.json()
  assert.equal(fc.type, 'FeatureCollection')
  assert.deepEqual(fc.features.map((f: { properties: unknown }) => f.properties), [{ feature: 1, patchNo: 'P1', problem: null }])
})

test('a batch name already taken answers 409 and writes nothing', async () => {
  const a = await upload('a.geojson', await writeGeoJson(patches.slice(20, 22), { layerName: 'a' }))
  const ok = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${a.json().id}/commit`, headers: { cookie }, payload: { batch: batch('同名批次') } })
  assert.equal(ok.statusCode, 201, ok.body)
  const before = await counts()
  const b = await upload('b.geojson', await writeGeoJson(patches.slice(30, 32), { layerName: 'b' }))
  const dup = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${b.json().id}/commit`, headers: { cookie }, payload: { batch: batch('同名批次') } })
  assert.equal(dup.statusCode, 409)
  assert.equal(dup.json().code, 'batch_name_taken')
  assert.deepEqual(await counts(), before)
  const badDates = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${b.json().id}/commit`, headers: { cookie }, payload: { batch: { ...batch('日期'), afterDate: '2026-01-01' } } })
  assert.equal(badDates.statusCode, 400)
  assert.equal(badDates.json().field, 'batch')
})

test('a re-read after the upload is gone (server restart) answers 409 and changes nothing', async () => {
  const res = await upload('g.geojson', await writeGeoJson(patches.slice(40, 42), { layerName: 'g' }))
  const id = res.json().id
  const row = await t.db.query<{ file_path: string }>('SELECT file_path FROM detection_imports WHERE id = $1', [id])
  rmSync(row.rows[0]!.file_path)
  const again = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${id}`, headers: { cookie }, payload: { crs: 'EPSG:4490' } })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().code, 'upload_gone')
  const after = await t.app.inject({ method: 'GET', url: `/api/detection-imports/${id}`, headers: { cookie } })
  assert.deepEqual([after.json().state, after.json().crs.code], ['staged', 'EPSG:4326'])
  const commit = await t.app.inject({ method: 'POST', url: `/api/detection-imports/${id}/commit`, headers: { cookie }, payload: { batch: batch('文件已删') } })
  assert.equal(commit.statusCode, 201, commit.body)
})
