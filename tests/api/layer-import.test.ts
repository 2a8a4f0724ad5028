// A district office with an empty database loads its own reference layers (docs/api-onboarding.md):
// boundary, towns and villages, 三调 parcels (GBK Shapefile in Gauss-Krüger), buildings (GeoPackage
// CGCS2000), roads, waters, reference areas, a ring road and permits; then replaces and appends,
// keeps a history, remembers mappings, and a cancel leaves nothing behind. Runs on both backends.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import type { Feature } from 'geojson'
import { writeGeoJson, writeGeoPackage } from '../../server/src/imports/formats/writers.ts'
import { Cancelled, commitLayerImport } from '../../server/src/imports/layer-import.ts'
import { getLayerImport } from '../../server/src/repos/layer-imports.repo.ts'
import { gbkShapefileZip, multipartBody } from '../fixtures/patches/canonical.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { DISTRICT_FEATURE, feature, geojson, LayerClient, problemsOf, rect, UNIT_FEATURES } from '../helpers/layer-import.ts'

let t: TestApp
let c: LayerClient
let userId: number

const VILLAGES = ['110111001001', '110111001002', '110111002001', '110111002002']
// the south-west corner of each village
const CORNER: Record<string, [number, number]> = {
  '110111001001': [116.0, 39.7], '110111001002': [116.0, 39.75], '110111002001': [116.1, 39.7], '110111002002': [116.1, 39.75],
}
const DLBM = ['0101', '0103', '0702', '0601', '1001', '1101', '0301', '0201']
const EXPECTED_CLASS: Record<string, string> = {
  '0101': 'farmland', '0103': 'farmland', '0702': 'homestead', '0601': 'collective_construction', '1001': 'road', '1101': 'water', '0301': 'forest', '0201': 'garden',
}

/** 10 parcels per village, 0.004° × 0.003° each, with 三调 attributes. */
function parcelFeatures(): Feature[] {
  const out: Feature[] = []
  for (const [v, code] of VILLAGES.entries()) {
    const [x0, y0] = CORNER[code]!
    for (let i = 0; i < 10; i++) {
      const x = x0 + 0.005 + (i % 5) * 0.006
      const y = y0 + 0.005 + Math.floor(i / 5) * 0.005
      const n = v * 10 + i
      out.push(feature({
        BSM: `1101112026${String(n).padStart(4, '0')}`, TBBH: String(n + 1), DLBM: DLBM[n % DLBM.length], DLMC: '地类',
        QSXZ: '30', QSDWDM: `${code}0000000`, QSDWMC: `${['南', '北', '东南', '东北'][v]}村农民集体`, ZLDWDM: `${code}0000000`, TBMJ: 1000 + n,
      }, rect(x, y, x + 0.004, y + 0.003)))
    }
  }
  return out
}

beforeAll(async () => {
  t = await testApp('schema')
  const cookie = await t.signIn('admin', '110111')
  c = new LayerClient(t, cookie)
  userId = (await t.db.query<{ id: number }>('SELECT max(id)::int AS id FROM users')).rows[0]!.id
})
afterAll(() => t?.close())

const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params)).rows[0]!.n
const status = async () => (await t.app.inject({ url: '/api/onboarding/status', headers: { cookie: c.cookie } })).json()

test('an empty district lacks every layer; its boundary creates it, then towns and villages are added by code', async () => {
  const empty = await status()
  assert.equal(empty.district, null)
  assert.deepEqual(empty.missing, ['admin_units', 'parcels', 'buildings', 'roads', 'ring_roads', 'waters', 'reference_areas', 'permits'])
  assert.equal(empty.casesPendingLocation, 0)

  const boundary = await c.load('admin_units', '区界.geojson', geojson([DISTRICT_FEATURE]))
  assert.deepEqual([boundary.result!.inserted, boundary.result!.updated], [1, 0])
  assert.deepEqual(boundary.mapping.code, 'XZQDM')
  const units = await c.load('admin_units', '镇村.geojson', geojson(UNIT_FEATURES), 'append')
  assert.deepEqual([units.result!.inserted, units.result!.updated, units.result!.deleted], [6, 0, 0])
  assert.ok(units.result!.derived.some((d) => d.what === 'admin_codes'), 'says case and patch codes are kept')
  const rows = (await t.db.query<{ code: string; level: string; parent_code: string | null; name: string; kind: string | null }>(
    'SELECT code, level, parent_code, name, kind FROM admin_units ORDER BY code')).rows
  assert.deepEqual(rows.map((r) => [r.code, r.level, r.parent_code]), [
    ['110111', 'district', null], ['110111001', 'town', '110111'], ['110111001001', 'village', '110111001'], ['110111001002', 'village', '110111001'],
    ['110111002', 'town', '110111'], ['110111002001', 'village', '110111002'], ['110111002002', 'village', '110111002'],
  ])
  assert.equal(rows.find((r) => r.code === '110111002')!.kind, '街道')
  const s = await status()
  assert.deepEqual(s.district, { code: '110111', name: '房山区' })
  assert.equal(s.layers.find((l: { layer: string }) => l.layer === 'admin_units').count, 7)
  assert.ok(!s.missing.includes('admin_units'))
})

test('三调 parcels from a GBK Shapefile in EPSG:4527: land classes from DLBM, Chinese owners, areas as drawn', async () => {
  const staged = await c.stage('parcels', 'DLTB.zip', await gbkShapefileZip(parcelFeatures(), 'EPSG:4527'))
  assert.equal(staged.state, 'staged', JSON.stringify(staged.error))
  assert.equal(staged.format, 'shapefile')
  assert.equal(staged.encoding, 'GBK')
  assert.deepEqual(staged.crs && { code: staged.crs.code, source: staged.crs.source }, { code: 'EPSG:4527', source: 'prj' })
  assert.equal(staged.featureCount, 40)
  assert.equal(staged.problemCount, 0, JSON.stringify(staged.problems.slice(0, 3)))
  assert.deepEqual(
    { parcelNo: staged.mapping.parcelNo, landCode: staged.mapping.landCode, ownership: staged.mapping.ownership, ownerName: staged.mapping.ownerName, villageCode: staged.mapping.villageCode, recordedArea: staged.mapping.recordedArea },
    { parcelNo: 'BSM', landCode: 'DLBM', ownership: 'QSXZ', ownerName: 'QSDWMC', villageCode: 'ZLDWDM', recordedArea: 'TBMJ' },
  )
  assert.ok(staged.fields.find((f) => f.name === 'QSDWMC')!.samples.includes('南村农民集体'), 'GBK samples decoded')
  const [w, s, e, n] = staged.bounds!
  assert.ok(Math.abs(w! - 116.005) < 1e-6 && Math.abs(s! - 39.705) < 1e-6 && e! < 116.2 && n! < 39.8, `bounds ${staged.bounds}`)
  assert.ok(staged.targets.find((x) => x.key === 'landCode')!.required)

  const done = await c.commitDone(staged.id, { mode: 'replace', presetName: '三调地类图斑' })
  assert.equal(done.state, 'committed', JSON.stringify(done.error))
  assert.deepEqual([done.result!.inserted, done.result!.deleted, done.result!.skipped], [40, 0, 0])
  const rows = (await t.db.query<{ parcel_no: string; land_code: string; land_class: string; owner_name: string; owner_type: string; admin_code: string; recorded: number; gap: number }>(
    `SELECT parcel_no, land_code, land_class, owner_name, owner_type, admin_code, recorded_area_m2 AS recorded,
       abs(area_m2 - ST_Area(ST_MakeEnvelope(ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), 4326)::geography)) AS gap
     FROM parcels ORDER BY parcel_no`)).rows
  assert.equal(rows.length, 40)
  for (const [i, r] of rows.entries()) {
    assert.equal(r.land_code, DLBM[i % DLBM.length])
    assert.equal(r.land_class, EXPECTED_CLASS[r.land_code], r.parcel_no)
    assert.equal(r.admin_code, VILLAGES[Math.floor(i / 10)])
    assert.equal(r.owner_type, 'collective')
    assert.equal(r.recorded, 1000 + i)
    assert.ok(r.gap < 0.5, `${r.parcel_no}: area off by ${r.gap} m²`)
  }
  assert.equal(rows[10]!.owner_name, '北村农民集体')
  // about 0.004° × 0.003° at 39.7°N: 342 m × 333 m
  const area = await count('SELECT round(avg(area_m2))::int AS n FROM parcels')
  assert.ok(area > 112_000 && area < 116_000, `${area} m²`)
})

test('buildings from a GeoPackage in EPSG:4490: floors, structure and use from Chinese headers, each linked to its parcel', async () => {
  const parcels = (await t.db.query<{ id: number; x: number; y: number }>(
    'SELECT id, ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y FROM parcels ORDER BY id LIMIT 12')).rows
  const buildings = parcels.map((p, i) => feature({ 层数: (i % 4) + 1, 结构: ['砖混', '砖木结构', '框架', '彩钢板'][i % 4], 用途: ['住宅', '仓库', '商铺', '办公'][i % 4], 是否出租: i % 2 ? '是' : '否' },
    rect(p.x - 0.0002, p.y - 0.0002, p.x + 0.0002, p.y + 0.0002)))
  buildings.push(feature({ 层数: 2, 结构: '砖混', 用途: '住宅', 是否出租: '否' }, rect(116.19, 39.79, 116.1904, 39.7904))) // on no parcel
  const done = await c.load('buildings', '房屋.gpkg', await writeGeoPackage(buildings, { layerName: '房屋', crs: 'EPSG:4490' }))
  assert.equal(done.crs?.code, 'EPSG:4490')
  assert.equal(done.result!.inserted, 13)
  const links = done.result!.derived.find((d) => d.what === 'building_parcel_links')
  assert.equal(links?.count, 12)
  const rows = (await t.db.query<{ floors: number; structure: string; use: string; rented: boolean; parcel_id: number | null }>(
    'SELECT floors, structure, use, rented, parcel_id FROM buildings ORDER BY id')).rows
  assert.deepEqual(rows.slice(0, 4).map((r) => [r.floors, r.structure, r.use, r.rented]), [
    [1, 'brick_concrete', 'residential', false], [2, 'brick_wood', 'storage', true], [3, 'frame', 'commercial', false], [4, 'simple', 'office', true],
  ])
  assert.deepEqual(rows.slice(0, 12).map((r) => r.parcel_id), parcels.map((p) => p.id))
  assert.equal(rows[12]!.parcel_id, null)
})

test('roads, waters, reference areas and a ring road: classes from route codes, kinds from names, buffer zones recomputed', async () => {
  // the 6th ring: a closed ring whose south-west stretch crosses the district's north-east corner
  const ring = await c.load('ring_roads', '六环.geojson', geojson([feature({ MC: '六环路' }, {
    type: 'LineString', coordinates: [[116.15, 39.78], [116.35, 39.78], [116.35, 39.95], [116.15, 39.95], [116.15, 39.78]],
  })]))
  assert.deepEqual(ring.mapping.ringNo, { value: 6 })
  assert.deepEqual(ring.result!.derived.find((d) => d.what === 'buffer_zones')!.count, 0, 'no rule set is active yet')
  const ruleSet = await t.app.inject({
    method: 'POST', url: '/api/buffer-rule-sets', headers: { cookie: c.cookie },
    payload: { name: '四道六边', rules: { roads: { national: 50, county: 30 }, sides: { river: 30, reservoir: 100, residential: 20 }, ringBands: [{ ringNo: 6, widthM: 1000 }] }, activate: true },
  })
  assert.equal(ruleSet.statusCode, 201, ruleSet.body)

  const roads = await c.load('roads', '道路.geojson', geojson([
    feature({ MC: '京周公路', LXBM: 'G107' }, { type: 'LineString', coordinates: [[116.0, 39.72], [116.2, 39.72]] }),
    feature({ MC: '琉璃河县道', LXBM: 'X012' }, { type: 'MultiLineString', coordinates: [[[116.05, 39.7], [116.05, 39.8]]] }),
  ]))
  assert.equal(roads.mapping.roadCode, 'LXBM')
  assert.deepEqual((await t.db.query<{ c: string }>('SELECT road_class AS c FROM roads WHERE ring_no IS NULL ORDER BY id')).rows.map((r) => r.c), ['national', 'county'])
  assert.equal(roads.result!.derived.find((d) => d.what === 'buffer_zones')!.count, 3, 'national, county and the ring band')

  const waters = await c.load('waters', '水系.geojson', geojson([
    feature({ MC: '拒马河' }, { type: 'LineString', coordinates: [[116.0, 39.78], [116.2, 39.76]] }),
    feature({ MC: '崇青水库' }, rect(116.15, 39.71, 116.17, 39.73)),
  ]))
  assert.deepEqual((await t.db.query<{ k: string; t: string }>('SELECT kind AS k, GeometryType(geom) AS t FROM waters ORDER BY id')).rows.map((r) => [r.k, r.t]), [
    ['river', 'MULTILINESTRING'], ['reservoir', 'MULTIPOLYGON'],
  ])
  assert.equal(waters.result!.inserted, 2)
  assert.ok(waters.result!.derived.some((d) => d.what === 'buffer_zones'), 'a water layer recomputes the buffer zones')
  const areas = await c.load('reference_areas', '居民区.geojson', geojson([feature({ MC: '长阳小区', LX: '居民区' }, rect(116.12, 39.77, 116.13, 39.78))]))
  assert.equal(areas.result!.inserted, 1)
  const zones = areas.result!.derived.find((d) => d.what === 'buffer_zones')!
  const stored = await count(`SELECT count(*)::int AS n FROM buffer_zones z JOIN buffer_rule_sets r ON r.id = z.rule_set_id AND r.active`)
  assert.equal(zones.count, stored)
  assert.deepEqual((await t.db.query<{ c: string }>(`SELECT class AS c FROM buffer_zones z JOIN buffer_rule_sets r ON r.id = z.rule_set_id AND r.active ORDER BY 1`)).rows.map((r) => r.c),
    ['county', 'national', 'reservoir', 'residential', 'ring6', 'river'])
  // the national road's zone: 50 m each side of a 0.2° line at 39.72°N, clipped to the district (~17.1 km × 100 m)
  const national = await count(`SELECT round(area_m2)::int AS n FROM buffer_zones z JOIN buffer_rule_sets r ON r.id = z.rule_set_id AND r.active WHERE class = 'national'`)
  assert.ok(Math.abs(national - 1_713_000) < 20_000, `${national} m²`)
  // roads and ring roads replace each other's rows never
  assert.equal(await count('SELECT count(*)::int AS n FROM roads WHERE ring_no IS NULL'), 2)
  assert.equal(await count('SELECT count(*)::int AS n FROM roads WHERE ring_no = 6'), 1)
})

test('permits: a patch on a permit polygon is screened again as possibly legal', async () => {
  // a patch batch first, imported as an office does, over the permit area and beside it
  const patches = geojson([
    feature({ 图斑编号: 'P1', 变化类型: '新增建筑' }, rect(116.181, 39.701, 116.182, 39.702)),
    feature({ 图斑编号: 'P2', 变化类型: '新增建筑' }, rect(116.191, 39.701, 116.192, 39.702)),
  ])
  const up = multipartBody({}, { name: 'p.geojson', bytes: patches })
  const imp = await t.app.inject({ method: 'POST', url: '/api/detection-imports', payload: up.payload, headers: { ...up.headers, cookie: c.cookie } })
  assert.equal(imp.statusCode, 201, imp.body)
  const batch = await t.app.inject({
    method: 'POST', url: `/api/detection-imports/${imp.json().id}/commit`, headers: { cookie: c.cookie },
    payload: { batch: { name: '2026年第4季度', issuer: 'district', beforeDate: '2026-06-01', afterDate: '2026-10-01' } },
  })
  assert.equal(batch.statusCode, 201, batch.body)
  const flags = async (no: string) => (await t.db.query<{ s: { flags: string[]; permits?: { permitNo: string }[] } }>('SELECT screening AS s FROM detections WHERE patch_no = $1', [no])).rows[0]!.s
  assert.ok(!(await flags('P1')).flags.includes('permitted'))

  const done = await c.load('permits', '规划许可.geojson', await writeGeoJson([
    feature({ 许可证号: '建字第110111202600012号', 许可类型: '乡村建设规划许可证', 建设单位: '张三', 发证日期: '2026年3月1日' }, rect(116.18, 39.70, 116.185, 39.705)),
  ], { layerName: '规划许可', crs: 'EPSG:4548' }))
  assert.equal(done.crs?.code, 'EPSG:4548')
  const screened = done.result!.derived.find((d) => d.what === 'screening')!
  assert.equal(screened.count, 2)
  const p1 = await flags('P1')
  assert.ok(p1.flags.includes('permitted'), JSON.stringify(p1))
  assert.deepEqual(p1.permits?.map((p) => p.permitNo), ['建字第110111202600012号'])
  assert.ok(!(await flags('P2')).flags.includes('permitted'))
  const row = (await t.db.query<{ kind: string; holder: string; issued_on: string; admin_code: string }>('SELECT kind, holder, issued_on, admin_code FROM permits')).rows[0]!
  assert.deepEqual(row, { kind: 'rural_planning', holder: '张三', issued_on: '2026-03-01', admin_code: '110111002001' })
})

test('replace and append: an append that repeats parcel numbers is refused, a replace swaps the parcels, history keeps both', async () => {
  const file = await gbkShapefileZip(parcelFeatures().slice(0, 20), 'EPSG:4527')
  const again = await c.stage('parcels', 'DLTB2.zip', file)
  assert.equal(again.problemCount, 0)
  assert.ok(again.warnings.some((w) => w.code === 'existing_keys'), JSON.stringify(again.warnings))
  const append = await c.commit(again.id, { mode: 'append' })
  assert.equal(append.statusCode, 400)
  assert.equal(append.json().code, 'import_has_problems')
  assert.deepEqual(new Set(append.json().problems.map((p: { code: string }) => p.code)), new Set(['duplicate']))
  assert.equal(append.json().problemCount, 20)
  assert.equal(await count('SELECT count(*)::int AS n FROM parcels'), 40)

  const replaced = await c.commitDone(again.id, { mode: 'replace' })
  assert.equal(replaced.state, 'committed', JSON.stringify(replaced.error))
  assert.deepEqual([replaced.result!.inserted, replaced.result!.deleted], [20, 40])
  assert.equal(await count('SELECT count(*)::int AS n FROM parcels'), 20)
  // buildings re-linked to the new parcels: the first ten villages' parcels survive, their buildings still lie on them
  assert.equal(replaced.result!.derived.find((d) => d.what === 'building_parcel_links')!.count, 12)
  assert.equal(await count('SELECT count(*)::int AS n FROM buildings b JOIN parcels p ON p.id = b.parcel_id'), 12)

  const history = (await t.app.inject({ url: '/api/layer-loads?layer=parcels', headers: { cookie: c.cookie } })).json().loads
  assert.deepEqual(history.map((h: { mode: string; inserted: number; deleted: number; fileName: string }) => [h.mode, h.inserted, h.deleted, h.fileName]), [
    ['replace', 20, 40, 'DLTB2.zip'], ['replace', 40, 0, 'DLTB.zip'],
  ])
  assert.equal(history[0].format, 'shapefile')
  assert.equal(history[0].crs, 'EPSG:4527')
  assert.equal(history[0].encoding, 'GBK')
  assert.ok(history[0].derived.some((d: { what: string }) => d.what === 'tiles'))
  // append-only
  await assert.rejects(t.db.query('DELETE FROM layer_loads'), /append-only/)
  await assert.rejects(t.db.query("UPDATE layer_loads SET file_name = 'x'"), /append-only/)
})

test('presets are saved and listed, and the mapping last committed for a layer is offered for the next file', async () => {
  const presets = (await t.app.inject({ url: '/api/layer-mapping-presets?layer=parcels', headers: { cookie: c.cookie } })).json().presets
  assert.deepEqual(presets.map((p: { name: string }) => p.name), ['三调地类图斑'])
  assert.equal(presets[0].mapping.landCode, 'DLBM')
  const saved = await t.app.inject({ method: 'POST', url: '/api/layer-mapping-presets', headers: { cookie: c.cookie }, payload: { layer: 'buildings', name: '房地一体', mapping: { floors: 'FWCS' } } })
  assert.equal(saved.statusCode, 201, saved.body)
  const bad = await t.app.inject({ method: 'POST', url: '/api/layer-mapping-presets', headers: { cookie: c.cookie }, payload: { layer: 'buildings', name: 'x', mapping: { height: 'H' } } })
  assert.equal(bad.statusCode, 400)

  // a field no guess knows, mapped by hand once …
  const odd = (n: number) => geojson([feature({ GAO: n, KIND: '砖混' }, rect(116.195, 39.795, 116.1955, 39.7955))])
  const first = await c.stage('buildings', 'odd.geojson', odd(3))
  assert.equal(first.mapping.floors, null)
  assert.ok(first.warnings.some((w) => w.code === 'mapping_incomplete'))
  assert.equal(first.problems[0]?.code, 'required')
  const patched = await c.patch(first.id, { mapping: { floors: 'GAO', structure: 'KIND' } })
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal(patched.json().problemCount, 0)
  assert.ok(!patched.json().warnings.some((w: { code: string }) => w.code === 'mapping_incomplete'))
  assert.ok(patched.json().presets.some((p: { name: string }) => p.name === '房地一体'))
  const done = await c.commitDone(first.id, { mode: 'append' })
  assert.equal(done.state, 'committed')
  // … is offered again for the next file with that field
  const second = await c.stage('buildings', 'odd2.geojson', odd(5))
  assert.equal(second.mapping.floors, 'GAO')
  assert.equal(second.mapping.structure, 'KIND')
  assert.equal(second.problemCount, 0)
  assert.ok((await c.cancel(second.id)).statusCode === 204)
})

test('problems are listed by feature number before anything is written; onlyValid writes the rest', async () => {
  const before = await count('SELECT count(*)::int AS n FROM parcels')
  const loads = await count('SELECT count(*)::int AS n FROM layer_loads')
  const ok = (no: string, x: number) => feature({ BSM: no, DLBM: '0103' }, rect(x, 39.78, x + 0.001, 39.781))
  const file = geojson([
    ok('Q1', 116.01), ok('Q2', 116.02),
    feature({ BSM: 'Q3', DLBM: '0A03' }, rect(116.03, 39.78, 116.031, 39.781)),
    feature({ BSM: 'Q4', DLBM: '' }, rect(116.04, 39.78, 116.041, 39.781)),
    ok('Q1', 116.05),
    feature({ BSM: 'Q6', DLBM: '0101' }, { type: 'Polygon', coordinates: [[[116.06, 39.78], [116.061, 39.781], [116.061, 39.78], [116.06, 39.781], [116.06, 39.78]]] }),
    ok('Q7', 117.5),
    feature({ BSM: 'Q8', DLBM: '0101' }, { type: 'LineString', coordinates: [[116.07, 39.78], [116.08, 39.78]] }),
  ])
  const staged = await c.stage('parcels', 'bad.geojson', file)
  assert.equal(staged.state, 'staged')
  assert.deepEqual(problemsOf(staged), { 3: 'unknown_code', 4: 'required', 5: 'duplicate', 6: 'invalid_geometry', 7: 'outside_district', 8: 'wrong_geometry_type' })
  assert.equal(staged.problems.find((p) => p.featureNo === 3)!.field, 'landCode')
  assert.match(staged.problems.find((p) => p.featureNo === 3)!.message, /0A03.*GB\/T 21010/)
  assert.match(staged.problems.find((p) => p.featureNo === 6)!.message, /Self-intersection/)
  assert.equal(staged.validCount, 2)
  assert.deepEqual(staged.problemCounts, { unknown_code: 1, required: 1, duplicate: 1, invalid_geometry: 1, outside_district: 1, wrong_geometry_type: 1 })

  const refused = await c.commit(staged.id, { mode: 'append' })
  assert.equal(refused.statusCode, 400)
  assert.equal(refused.json().problemCount, 6)
  assert.ok(refused.json().detailZh)
  assert.equal(await count('SELECT count(*)::int AS n FROM parcels'), before)
  assert.equal(await count('SELECT count(*)::int AS n FROM layer_loads'), loads)

  const preview = await t.app.inject({ url: `/api/layer-imports/${staged.id}/features?limit=10`, headers: { cookie: c.cookie } })
  assert.equal(preview.statusCode, 200)
  const fc = preview.json()
  assert.equal(fc.features[0].properties.problem !== null, true, 'problem features first')
  assert.equal(fc.features.length, 7, 'features with a geometry (the line was refused before staging its shape)')

  const partial = await c.commitDone(staged.id, { mode: 'append', onlyValid: true })
  assert.equal(partial.state, 'committed', JSON.stringify(partial.error))
  assert.deepEqual([partial.result!.inserted, partial.result!.skipped], [2, 6])
  assert.equal(await count('SELECT count(*)::int AS n FROM parcels'), before + 2)
})

test('a cancelled read leaves no staged rows; a cancelled commit rolls back with no layer rows and no history', async () => {
  const loads = await count('SELECT count(*)::int AS n FROM layer_loads')
  const buildings = await count('SELECT count(*)::int AS n FROM buildings')
  const many: Feature[] = []
  for (let i = 0; i < 30_000; i++) {
    const x = 116.001 + (i % 150) * 0.0006
    const y = 39.751 + Math.floor(i / 150) * 0.00024
    many.push(feature({ 层数: 1 + (i % 3) }, rect(x, y, x + 0.0002, y + 0.0001)))
  }
  const bytes = geojson(many)

  const reading = await c.upload('buildings', 'many.geojson', bytes)
  assert.equal(reading.statusCode, 202)
  const id = reading.json().id
  assert.equal((await c.cancel(id)).statusCode, 204)
  const gone = (await c.get(id)).json()
  assert.equal(gone.state, 'cancelled')
  assert.equal(await count('SELECT count(*)::int AS n FROM layer_import_features WHERE import_id = $1', [id]), 0)

  // committing 30,000 buildings in slices of 20,000: stopped after the first slice
  const staged = await c.stage('buildings', 'many.geojson', bytes)
  assert.equal(staged.problemCount, 0)
  const imp = (await getLayerImport(t.db, staged.id, userId))!
  const controller = new AbortController()
  const phases: string[] = []
  await assert.rejects(
    commitLayerImport(t.db, imp, { mode: 'append', onlyValid: false }, {
      signal: controller.signal,
      progress: (p) => {
        phases.push(`${p.phase}:${p.done}`)
        if (p.phase === 'writing' && p.done > 0) controller.abort()
      },
    }),
    (err) => err instanceof Cancelled,
  )
  assert.ok(phases.includes('writing:20000'), phases.join(' '))
  assert.equal(await count('SELECT count(*)::int AS n FROM buildings'), buildings)
  assert.equal(await count('SELECT count(*)::int AS n FROM layer_loads'), loads)
  assert.equal((await getLayerImport(t.db, staged.id, userId))!.state, 'staged', 'the rolled-back commit left the import as it was')
  // cancelling it through the API removes the staging
  assert.equal((await c.cancel(staged.id)).statusCode, 204)
  assert.equal(await count('SELECT count(*)::int AS n FROM layer_import_features WHERE import_id = $1', [staged.id]), 0)
  assert.equal((await c.get(staged.id)).json().state, 'cancelled')
})

test('replacing admin units refuses (409, listing them) to remove units that rows still reference', async () => {
  // the file lacks the village 110111001001, which holds parcels
  const staged = await c.stage('admin_units', '区划.geojson', geojson([DISTRICT_FEATURE, ...UNIT_FEATURES.filter((f) => f.properties!.XZQDM !== '110111001001')]))
  assert.equal(staged.problemCount, 0)
  const res = await c.commit(staged.id, { mode: 'replace' })
  assert.equal(res.statusCode, 409, res.body)
  assert.equal(res.json().code, 'admin_units_referenced')
  assert.deepEqual(res.json().units, ['110111001001'])
  assert.equal(await count("SELECT count(*)::int AS n FROM admin_units WHERE code = '110111001001'"), 1)
  // the same file appended updates the names and geometry it carries
  const renamed = UNIT_FEATURES.map((f) => f.properties!.XZQDM === '110111002' ? { ...f, properties: { ...f.properties, XZQMC: '东城街道' } } : f)
  const upsert = await c.load('admin_units', '改名.geojson', geojson(renamed), 'append')
  assert.deepEqual([upsert.result!.inserted, upsert.result!.updated], [0, 6])
  assert.equal((await t.db.query<{ name: string }>("SELECT name FROM admin_units WHERE code = '110111002'")).rows[0]!.name, '东城街道')
})

test('the onboarding status counts every layer, its last load, and what is still missing', async () => {
  const s = await status()
  const byLayer = Object.fromEntries(s.layers.map((l: { layer: string; count: number; lastLoad: { fileName: string } | null }) => [l.layer, l]))
  assert.equal(byLayer.parcels.count, await count('SELECT count(*)::int AS n FROM parcels'))
  assert.equal(byLayer.ring_roads.count, 1)
  assert.equal(byLayer.roads.count, 2)
  assert.equal(byLayer.permits.lastLoad.fileName, '规划许可.geojson')
  assert.deepEqual(s.missing, [])
  assert.equal(s.cases, 0)
  // any signed-in user may read it
  const viewer = await t.signIn('viewer', '110111001001')
  assert.equal((await t.app.inject({ url: '/api/onboarding/status', headers: { cookie: viewer } })).statusCode, 200)
})
