// 四道六边 and ring-band buffer zones: computed in PostGIS in metres (checked against geodesic
// distances), versioned rule sets, recomputation when reference data change, memberships; key villages.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import ExcelJS from 'exceljs'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
})
afterAll(() => t.close())

const get = async (url: string, cookie = planner) => {
  const res = await t.app.inject({ url, headers: { cookie } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}
const post = (url: string, payload: unknown, cookie = planner) => t.app.inject({ method: 'POST', url, payload: payload as object, headers: { cookie } })
const q = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T>(sql, params)).rows

test('the sample\'s active rule set: one zone per class, 六环外一公里 among them', async () => {
  const sets = (await get('/api/buffer-rule-sets')).items
  const active = sets.filter((s: { active: boolean }) => s.active)
  assert.equal(active.length, 1)
  assert.deepEqual(active[0].rules.ringBands, [{ ringNo: 6, widthM: 1000 }])
  const zones = (await get('/api/buffer-zones?geometry=false')).items
  assert.equal(zones.length, active[0].zoneCount)
  const ring = zones.find((z: { family: string }) => z.family === 'ring_band')
  assert.deepEqual([ring.class, ring.name, ring.widthM], ['ring6', '六环外1000米', 1000])
  assert.ok(zones.some((z: { class: string; name: string }) => z.class === 'national' && z.name === '国道两侧50米'))
  assert.ok(zones.every((z: { areaM2: number }) => z.areaM2 > 0))
})

test('a building is in the 50 m national-road zone exactly when its geodesic distance to a national road is within 50 m', async () => {
  // Buffers are built in Gauss-Krüger metres with arcs as chords (up to ~1 m short at a bend):
  // buildings within a metre of the edge are left out of the comparison.
  const rows = await q<{ id: number; d: number; member: boolean }>(
    `SELECT b.id, min(ST_Distance(r.geom::geography, b.geom::geography)) AS d,
            EXISTS (SELECT 1 FROM building_buffer_zones m JOIN buffer_zones z ON z.id = m.buffer_zone_id
                    JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active WHERE m.building_id = b.id AND z.class = 'national') AS member
     FROM buildings b JOIN roads r ON r.road_class = 'national' AND ST_DWithin(r.geom, b.geom, 0.003)
     GROUP BY b.id`,
  )
  const clear = rows.filter((r) => Math.abs(r.d - 50) > 1)
  assert.ok(clear.filter((r) => r.d < 50).length >= 3, `buildings near national roads: ${rows.length}`)
  assert.ok(clear.filter((r) => r.d > 50).length >= 3)
  for (const r of clear) assert.equal(r.member, r.d < 50, `building ${r.id} at ${r.d.toFixed(2)} m`)
})

test('the ring band lies on one side: outside the 6th Ring Road and within 1 km of it', async () => {
  const rows = await q<{ id: number; inside: boolean; d: number; member: boolean }>(
    `WITH ring AS (SELECT geom AS line, ST_MakePolygon(ST_GeometryN(geom, 1)) AS poly FROM roads WHERE ring_no = 6)
     SELECT c.id, ST_Intersects(ring.poly, c.geom) AS inside, ST_Distance(ring.line::geography, c.geom::geography) AS d,
            EXISTS (SELECT 1 FROM case_buffer_zones m JOIN buffer_zones z ON z.id = m.buffer_zone_id
                    JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active WHERE m.case_id = c.id AND z.family = 'ring_band') AS member
     FROM cases c, ring WHERE ST_DWithin(ring.line::geography, c.geom::geography, 3000)`,
  )
  const clear = rows.filter((r) => Math.abs(r.d - 1000) > 2 && r.d > 2)
  assert.ok(clear.some((r) => r.member), 'the sample has cases in the band')
  assert.ok(clear.some((r) => r.inside && r.d < 1000), 'and cases within 1 km inside the ring, which are not in the band')
  for (const r of clear) assert.equal(r.member, !r.inside && r.d < 1000, `case ${r.id}: inside ${r.inside}, ${r.d.toFixed(1)} m`)
})

test('a new rule set is a new version: computed at once, activated, the old one and its zones kept', async () => {
  const old = (await get('/api/buffer-rule-sets')).items.find((s: { active: boolean }) => s.active)
  const res = await post('/api/buffer-rule-sets', { name: '2027 加宽', rules: { roads: { national: 100 }, ringBands: [{ ringNo: 6, widthM: 500 }] }, activate: true })
  assert.equal(res.statusCode, 201, res.body)
  const created = res.json()
  assert.deepEqual([created.active, created.zoneCount], [true, 2])
  const zones = (await get('/api/buffer-zones?geometry=false')).items
  assert.equal(zones.length, 2)
  const oldZones = (await get(`/api/buffer-zones?ruleSet=${old.id}&geometry=false`)).items
  const wide = zones.find((z: { class: string }) => z.class === 'national')
  const narrow = oldZones.find((z: { class: string }) => z.class === 'national')
  assert.ok(wide.areaM2 > 1.9 * narrow.areaM2 && wide.areaM2 < 2.1 * narrow.areaM2, `${wide.areaM2} vs ${narrow.areaM2}`)
  const ringNew = zones.find((z: { class: string }) => z.class === 'ring6')
  const ringOld = oldZones.find((z: { class: string }) => z.class === 'ring6')
  assert.ok(ringNew.areaM2 < ringOld.areaM2)
  // past statistics can be reproduced with the old set's zones
  const byOld = await get(`/api/statistics?groupBy=bufferZone&ruleSet=${old.id}`)
  assert.equal(byOld.ruleSetId, old.id)
  assert.ok(byOld.rows.some((r: { key: { bufferZone: number } }) => r.key.bufferZone === ringOld.id))
  const byNew = await get('/api/statistics?groupBy=bufferZone')
  assert.equal(byNew.ruleSetId, created.id)
  assert.ok(byNew.rows.every((r: { key: { bufferZone: number | null } }) => r.key.bufferZone === null || zones.some((z: { id: number }) => z.id === r.key.bufferZone)))
  // cases in the 500 m band are a subset of those in the 1 km band
  const inNew = byNew.rows.find((r: { key: { bufferZone: number } }) => r.key.bufferZone === ringNew.id)?.count ?? 0
  const inOld = byOld.rows.find((r: { key: { bufferZone: number } }) => r.key.bufferZone === ringOld.id).count
  assert.ok(inNew <= inOld)
  // a rule set never changes once made
  await assert.rejects(t.db.query(`UPDATE buffer_rule_sets SET rules = '{}' WHERE id = $1`, [old.id]), /fixed version/)
  await assert.rejects(t.db.query(`DELETE FROM buffer_rule_sets WHERE id = $1`, [old.id]), /fixed version/)
  // switch back
  const back = await post(`/api/buffer-rule-sets/${old.id}/activate`, {})
  assert.equal(back.statusCode, 200, back.body)
  assert.equal(back.json().active, true)
  assert.equal((await get('/api/buffer-zones?geometry=false')).ruleSetId, old.id)
  assert.equal((await post('/api/buffer-rule-sets/99999/activate', {})).statusCode, 404)
})

test('when the roads change, the active set\'s zones follow', async () => {
  const village = (await q<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM admin_units WHERE level = 'village' ORDER BY code LIMIT 1 OFFSET 40`))[0]!
  const county = async () => (await q<{ a: number }>(
    `SELECT z.area_m2 AS a FROM buffer_zones z JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active WHERE z.class = 'county'`))[0]!.a
  const before = await county()
  await t.db.query(`INSERT INTO roads (name, road_class, geom) VALUES ('新县道', 'county', ST_GeomFromText($1, 4326))`, [
    `MULTILINESTRING((${village.lon - 0.01} ${village.lat}, ${village.lon + 0.01} ${village.lat}))`,
  ])
  const after = await county()
  // a 1.7 km road with 20 m on each side adds up to ~68,000 m² (less where it meets other county roads)
  assert.ok(after - before > 20_000 && after - before < 70_000, `${before} → ${after}`)
})

test('memberships of a case, a patch and a building; scope and bad parameters', async () => {
  const inBand = (await q<{ id: number; admin_code: string }>(
    `SELECT DISTINCT m.case_id AS id, c.admin_code FROM case_buffer_zones m JOIN buffer_zones z ON z.id = m.buffer_zone_id
     JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active JOIN cases c ON c.id = m.case_id WHERE z.family = 'ring_band' ORDER BY 1 LIMIT 1`))[0]!
  const m = await get(`/api/buffer-zones/memberships?case=${inBand.id}`)
  assert.ok(m.items.some((z: { family: string; name: string }) => z.family === 'ring_band' && z.name === '六环外1000米'))
  for (const [kind, table, view, col] of [['detection', 'detections', 'detection_buffer_zones', 'detection_id'], ['building', 'buildings', 'building_buffer_zones', 'building_id']]) {
    const one = (await q<{ id: number; n: number }>(
      `SELECT f.id, (SELECT count(*) FROM ${view} v JOIN buffer_rule_sets s ON s.id = v.rule_set_id AND s.active WHERE v.${col} = f.id) AS n
       FROM ${table} f ORDER BY 2 DESC, 1 LIMIT 1`))[0]!
    assert.ok(one.n > 0, `a ${kind} in some zone`)
    assert.equal((await get(`/api/buffer-zones/memberships?${kind}=${one.id}`)).items.length, one.n)
  }
  const otherVillage = (await q<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'village' AND code <> $1 ORDER BY code LIMIT 1`, [inBand.admin_code]))[0]!.code
  const viewer = await t.signIn('viewer', otherVillage)
  assert.equal((await t.app.inject({ url: `/api/buffer-zones/memberships?case=${inBand.id}`, headers: { cookie: viewer } })).statusCode, 404)
  assert.equal((await t.app.inject({ url: `/api/buffer-zones/memberships?case=${inBand.id}&ruleSet=99999`, headers: { cookie: planner } })).statusCode, 404)
  for (const qs of ['', `case=${inBand.id}&building=1`]) {
    const res = await t.app.inject({ url: `/api/buffer-zones/memberships?${qs}`, headers: { cookie: planner } })
    assert.equal(res.statusCode, 400, qs)
  }
})

test('bad rule sets are 400 naming the rule, and nothing is saved', async () => {
  const count = async () => (await q<{ n: number }>('SELECT count(*) AS n FROM buffer_rule_sets'))[0]!.n
  const before = await count()
  for (const [rules, field, detail] of [
    [{ roads: { national: 0 } }, 'rules.roads.national', /more than 0/],
    [{ roads: { county: -5 } }, 'rules.roads.county', /more than 0/],
    [{ sides: { river: 6000 } }, 'rules.sides.river', /at most 5000/],
    [{ roads: { highway: 30 } }, 'rules.roads.highway', /not one of expressway/],
    [{ sides: { lake: 30 } }, 'rules.sides.lake', /not one of river/],
    [{ ringBands: [{ ringNo: 5, widthM: 1000 }] }, 'rules.ringBands[0].ringNo', /no ring road number 5/],
    [{ ringBands: [{ ringNo: 6, widthM: 0 }] }, 'rules.ringBands[0].widthM', /more than 0/],
    [{}, 'rules', /no width at all/],
  ] as const) {
    const res = await post('/api/buffer-rule-sets', { name: '坏', rules })
    assert.equal(res.statusCode, 400, `${JSON.stringify(rules)}: ${res.body}`)
    assert.equal(res.json().field, field)
    assert.match(res.json().detail, detail)
  }
  const analyst = await t.signIn('analyst')
  assert.equal((await post('/api/buffer-rule-sets', { name: 'x', rules: { roads: { national: 10 } } }, analyst)).statusCode, 403)
  assert.equal(await count(), before)
})

test('key villages: each criterion with its reason, as the population and the ledger say', async () => {
  const res = await get('/api/key-villages?densityThreshold=2')
  const hand = await q<{ code: string; inv: boolean; many: boolean; dense: boolean }>(
    `SELECT v.code, floating_population > registered_population AS inv, floating_population > 1000 AS many,
            (SELECT count(*) FROM cases c WHERE c.admin_code = v.code) / (v.area_m2 / 1e6) > 2 AS dense
     FROM admin_units v WHERE v.level = 'village' ORDER BY v.code`,
  )
  const expected = hand.filter((h) => h.inv || h.many || h.dense)
  assert.deepEqual(res.items.map((v: { code: string }) => v.code), expected.map((h) => h.code))
  for (const [i, v] of (res.items as { reasons: { code: string }[] }[]).entries()) {
    const h = expected[i]!
    const codes = [h.inv && 'floating_gt_registered', h.many && 'floating_gt_1000', h.dense && 'case_density'].filter(Boolean)
    assert.deepEqual(v.reasons.map((r) => r.code), codes)
  }
  const inverted = res.items.find((v: { reasons: { code: string }[] }) => v.reasons[0]?.code === 'floating_gt_registered')
  assert.match(inverted.reasons[0].detail, /^流动人口\d+人超过户籍人口\d+人（倒挂）$/)
  assert.ok(expected.some((h) => h.dense && !h.inv && !h.many), 'some villages qualify by density alone')
  const strict = await get('/api/key-villages?densityThreshold=10000')
  assert.ok(strict.items.every((v: { reasons: { code: string }[] }) => v.reasons.every((r) => r.code !== 'case_density')))
  assert.equal((await t.app.inject({ url: '/api/key-villages?densityThreshold=0', headers: { cookie: planner } })).statusCode, 400)
  const xlsx = await t.app.inject({ url: '/api/key-villages?densityThreshold=2&format=xlsx', headers: { cookie: planner } })
  assert.equal(xlsx.statusCode, 200)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const ws = wb.getWorksheet('重点村')!
  assert.equal(ws.rowCount, res.items.length + 1)
  assert.equal(ws.getRow(2).getCell(1).value, res.items[0].code)
  assert.equal(ws.getRow(2).getCell(10).value, res.items[0].reasons.map((r: { detail: string }) => r.detail).join('；'))
  const town = res.items[0].townCode
  assert.ok((await get(`/api/key-villages?densityThreshold=2&town=${town}`)).items.every((v: { townCode: string }) => v.townCode === town))
})

test('buffer-zone tiles say which zones belong to the active rule set', async () => {
  const res = await t.app.inject({ url: '/ogc/collections/buffer-zones/tiles/WebMercatorQuad/8/97/210', headers: { cookie: planner } })
  assert.equal(res.statusCode, 200, res.body)
  const layer = new VectorTile(new PbfReader(res.rawPayload)).layers['buffer-zones']!
  const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties)
  const active = (await q<{ id: number }>('SELECT z.id FROM buffer_zones z JOIN buffer_rule_sets s ON s.id = z.rule_set_id AND s.active')).map((z) => z.id)
  assert.ok(features.length > 0)
  for (const f of features) assert.equal(f.active, active.includes(f.id as number), `zone ${f.id}`)
  assert.ok(features.some((f) => f.active === false), 'the earlier test made a second set: its zones are in the tile, marked inactive')
})

test('rule sets apply to the whole district: a town planner reads them but cannot add or activate one', async () => {
  const town = await t.signIn('planner', '110111001')
  const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM buffer_rule_sets')).rows[0]!.n
  const made = await post('/api/buffer-rule-sets', { name: '镇街自定', rules: { roads: { national: 30 } } }, town)
  assert.equal(made.statusCode, 403, made.body)
  assert.match(made.json().detail, /whole district/)
  const active = (await t.db.query<{ id: number }>('SELECT id FROM buffer_rule_sets WHERE active')).rows[0]!.id
  assert.equal((await post(`/api/buffer-rule-sets/${active}/activate`, {}, town)).statusCode, 403)
  assert.equal((await t.app.inject({ url: '/api/buffer-rule-sets', headers: { cookie: town } })).statusCode, 200)
  assert.equal((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM buffer_rule_sets')).rows[0]!.n, before, 'nothing saved')
})
