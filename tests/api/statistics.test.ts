// Statistics of a known synthetic ledger: exact sums and shares by every kind of key, the dates each
// figure counts by, the same figures from hand-written PostGIS queries, XLSX, any-area statistics,
// scope and bad input.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import ExcelJS from 'exceljs'
import { testApp, type TestApp } from '../helpers/app.ts'
import { CASES, computedAreas, loadPlanningLedger } from '../helpers/planning-ledger.ts'

let t: TestApp
let analyst: string
let L6: number, F6: number, L7: number, F7: number
beforeAll(async () => {
  t = await testApp('schema')
  await loadPlanningLedger(t.db)
  analyst = await t.signIn('analyst')
  const areas = await computedAreas(t.db)
  L6 = areas.C6!.land!
  F6 = areas.C6!.floor!
  L7 = areas.C7!.land!
  F7 = areas.C7!.floor!
})
afterAll(() => t.close())

/** Sums in cents, as the server does: what a person adding up the ledger by hand gets. */
const m2 = (...xs: number[]) => Math.round(xs.reduce((s, x) => s + Math.round(x * 100), 0)) / 100

const get = async (url: string, cookie = analyst) => {
  const res = await t.app.inject({ url, headers: { cookie } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}
type Row = Record<string, number> & { key: Record<string, string | number | null>; label: Record<string, string>; shares: Record<string, number> }
const rowOf = (rows: Row[], key: Record<string, unknown>) => {
  const r = rows.find((x) => Object.entries(key).every(([k, v]) => x.key[k] === v))
  assert.ok(r, `no row ${JSON.stringify(key)} in ${JSON.stringify(rows.map((x) => x.key))}`)
  return r
}

test('totals of the ledger: recorded areas win, computed ones fill in, the gap is shown', async () => {
  assert.ok(L6 > 300 && L6 < 500, `a 0.0002° square near 39.65° N is ~17 m × 22 m, got ${L6}`)
  assert.ok(Math.abs(F6 - L6 * 2) <= 0.01, 'two floors: footprint × 2, rounded once')
  const s = await get('/api/statistics')
  assert.deepEqual(s.rows, [])
  const tot = s.totals
  assert.equal(tot.count, 7)
  assert.equal(tot.landArea, m2(100, 250.5, 80.25, 1000, 60, L6, 150))
  assert.equal(tot.landAreaRecorded, 1640.75)
  assert.equal(tot.landAreaComputed, m2(L6, L7))
  assert.equal(tot.landAreaGap, m2(150, -L7))
  assert.equal(tot.floorArea, m2(3921.5, F6, F7))
  assert.equal(tot.floorAreaRecorded, 3921.5)
  assert.equal(tot.floorAreaComputed, m2(F6, F7))
  assert.equal(tot.floorAreaGap, 0)
  assert.equal(tot.demolishedCount, 3) // the deferral is disposed, not demolished
  assert.equal(tot.demolishedLandArea, 1350.5)
  assert.equal(tot.demolishedFloorArea, 3701)
  assert.equal(tot.regreenedArea, 540)
  assert.equal(tot.closedCount, 2)
  assert.equal(tot.shares.count, 100)
})

test('by year: found by found_at, demolished by disposed_at, closed by closed_at, in Beijing time; shares add up', async () => {
  const s = await get('/api/statistics?groupBy=year')
  assert.equal(s.overlapping, false)
  assert.deepEqual(s.rows.map((r: Row) => r.key.year), ['2025', '2026'])
  const [y25, y26] = s.rows as Row[]
  assert.deepEqual(y25!.label, { year: '2025年' })
  assert.equal(y25!.count, 3) // C4 was found at 00:30 on 1 January 2026 in Beijing (still 2025 in UTC)
  assert.equal(y25!.landArea, 430.75)
  assert.equal(y25!.demolishedCount, 2)
  assert.equal(y25!.demolishedLandArea, 350.5)
  assert.equal(y25!.demolishedFloorArea, 701)
  assert.equal(y25!.regreenedArea, 40)
  assert.equal(y25!.closedCount, 1)
  assert.equal(y26!.count, 4)
  assert.equal(y26!.landArea, m2(1000, 60, L6, 150))
  assert.equal(y26!.demolishedLandArea, 1000)
  assert.equal(y26!.regreenedArea, 500)
  assert.deepEqual([y25!.shares.count, y26!.shares.count], [42.86, 57.14])
  assert.deepEqual([y25!.shares.demolishedLandArea, y26!.shares.demolishedLandArea], [25.95, 74.05])
  for (const f of ['count', 'landArea', 'floorArea', 'demolishedCount', 'demolishedLandArea', 'demolishedFloorArea', 'regreenedArea', 'closedCount']) {
    assert.equal(m2(...s.rows.map((r: Row) => r.shares[f]!)), 100, f)
    assert.equal(m2(...s.rows.map((r: Row) => r[f]!)), s.totals[f], f)
  }
})

test('by month within a period: each figure by its own date, Beijing days inclusive', async () => {
  const s = await get('/api/statistics?groupBy=month&from=2025-03-01&to=2025-04-30')
  assert.deepEqual(s.rows.map((r: Row) => r.key.month), ['2025-03', '2025-04'])
  const [mar, apr] = s.rows as Row[]
  assert.equal(mar!.label.month, '2025年03月')
  assert.deepEqual([mar!.count, mar!.landArea, mar!.demolishedCount, mar!.closedCount], [1, 250.5, 0, 1]) // C2 found 31 March 23:30; C1 closed 1 March
  assert.deepEqual([apr!.count, apr!.demolishedCount, apr!.demolishedLandArea, apr!.demolishedFloorArea], [0, 1, 250.5, 501]) // C2 demolished 1 April 00:10
  assert.deepEqual([s.totals.count, s.totals.demolishedCount, s.totals.closedCount], [1, 1, 1])
  const q = await get('/api/statistics?groupBy=quarter&from=2025-01-01&to=2025-12-31')
  assert.deepEqual(q.rows.map((r: Row) => [r.key.quarter, r.count, r.demolishedCount]), [['2025-Q1', 2, 1], ['2025-Q2', 1, 1]])
})

test('by town and by two keys, with labels; missing values fall in a 未填写 row last', async () => {
  const s = await get('/api/statistics?groupBy=town')
  const west = rowOf(s.rows, { town: '110111001' })
  const east = rowOf(s.rows, { town: '110111002' })
  assert.equal(west.label.town, '城关街道')
  assert.deepEqual([west.count, east.count], [5, 2])
  assert.equal(west.landArea, m2(100, 250.5, 80.25, L6, 150))
  assert.equal(east.landArea, 1060)
  assert.deepEqual([west.shares.count, east.shares.count], [71.43, 28.57])
  const two = await get('/api/statistics?groupBy=use,disposal')
  const residential = (two.rows as Row[]).filter((r) => r.key.use === 'residential')
  assert.deepEqual(residential.map((r) => r.key.disposal), ['assisted_demolition', 'self_demolition', null])
  assert.deepEqual(residential.map((r) => r.label.disposal), ['助拆', '自拆', '未填写'])
  assert.equal(residential[2]!.count, 2)
  assert.equal(residential[2]!.label.use, '居住')
  assert.equal(m2(...two.rows.map((r: Row) => r.shares.count!)), 100)
  const own = await get('/api/statistics?groupBy=ownership')
  assert.deepEqual(own.rows.map((r: Row) => [r.key.ownership, r.label.ownership, r.count]), [
    ['collective', '集体经济', 3], ['government_social', '政府部门和社会单位', 1], ['individual', '个人', 1], ['state', '国有', 1], [null, '未填写', 1],
  ])
})

test('filters: status, use, admin unit; a village-scoped analyst sees only the village', async () => {
  const closed = await get('/api/statistics?status=closed')
  assert.deepEqual([closed.totals.count, closed.totals.landArea], [2, 1100])
  const storage = await get('/api/statistics?use=storage,office')
  assert.equal(storage.totals.count, 2)
  const east = await get('/api/statistics?admin=110111002')
  assert.equal(east.totals.count, 2)
  const villager = await t.signIn('analyst', '110111001001')
  const mine = await get('/api/statistics?groupBy=village', villager)
  assert.deepEqual(mine.rows.map((r: Row) => [r.key.village, r.count]), [['110111001001', 3]])
  const res = await t.app.inject({ url: '/api/statistics?admin=110111002', headers: { cookie: villager } })
  assert.equal(res.statusCode, 404)
})

test('the same figures come out of hand-written PostGIS queries', async () => {
  const s = await get('/api/statistics?groupBy=town,quarter')
  const found = await t.db.query<{ town: string; q: string; n: number; land: number; floor: number }>(
    `SELECT substr(admin_code, 1, 9) AS town, to_char(found_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-"Q"Q') AS q, count(*) AS n,
            sum(CASE WHEN land_area_recorded_m2 IS NOT NULL THEN land_area_recorded_m2 ELSE round(ST_Area(geom::geography)::numeric, 2) END) AS land,
            sum(CASE WHEN floor_area_recorded_m2 IS NOT NULL THEN floor_area_recorded_m2 ELSE round((ST_Area(geom::geography) * floors)::numeric, 2) END) AS floor
     FROM cases GROUP BY 1, 2`,
  )
  const demolished = await t.db.query<{ town: string; q: string; n: number; dl: number; df: number; rg: number }>(
    `SELECT substr(admin_code, 1, 9) AS town, to_char(disposed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-"Q"Q') AS q, count(*) AS n,
            sum(demolished_land_area_m2) AS dl, sum(demolished_floor_area_m2) AS df, coalesce(sum(regreened_area_m2), 0) AS rg
     FROM cases WHERE disposal IN ('self_demolition', 'assisted_demolition', 'enforced_demolition') GROUP BY 1, 2`,
  )
  assert.equal(found.rows.reduce((n, r) => n + r.n, 0), CASES.length)
  for (const f of found.rows) {
    const r = rowOf(s.rows, { town: f.town, quarter: f.q })
    assert.deepEqual([r.count, r.landArea, r.floorArea], [f.n, f.land, f.floor], `${f.town} ${f.q}`)
  }
  for (const d of demolished.rows) {
    const r = rowOf(s.rows, { town: d.town, quarter: d.q })
    assert.deepEqual([r.demolishedCount, r.demolishedLandArea, r.demolishedFloorArea, r.regreenedArea], [d.n, d.dl, d.df, d.rg], `${d.town} ${d.q}`)
  }
  assert.equal(s.rows.length, new Set([...found.rows, ...demolished.rows].map((r) => `${r.town} ${r.q}`)).size)
})

test('format=xlsx: the same table with Chinese headers and a 合计 row', async () => {
  const json = await get('/api/statistics?groupBy=town')
  const res = await t.app.inject({ url: '/api/statistics?groupBy=town&format=xlsx', headers: { cookie: analyst } })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /spreadsheetml/)
  assert.match(String(res.headers['content-disposition']), /filename\*=UTF-8''/)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
  const ws = wb.getWorksheet('统计')!
  const header = (ws.getRow(1).values as unknown[]).slice(1)
  assert.deepEqual(header.slice(0, 3), ['镇街', '违建数（处）', '占地面积（㎡）'])
  const landCol = header.indexOf('占地面积（㎡）') + 1
  const shareCol = header.indexOf('违建数占比（%）') + 1
  assert.ok(shareCol > 0, JSON.stringify(header))
  assert.equal(ws.getRow(2).getCell(1).value, '城关街道')
  assert.equal(ws.getRow(2).getCell(landCol).value, json.rows[0].landArea)
  assert.equal(ws.getRow(3).getCell(shareCol).value, json.rows[1].shares.count)
  assert.equal(ws.getRow(4).getCell(1).value, '合计')
  assert.equal(ws.getRow(4).getCell(landCol).value, json.totals.landArea)
})

test('bad statistics requests are 4xx naming the parameter', async () => {
  for (const [q, status, field] of [
    ['groupBy=colour', 400, 'groupBy'], ['groupBy=town,use,year', 400, 'groupBy'], ['groupBy=town,town', 400, 'groupBy'],
    ['from=2025-05-01&to=2025-04-01', 400, 'to'], ['from=2025-13-01', 400, 'from'], ['status=lost', 400, 'status'],
    ['zone=999', 404, undefined], ['ruleSet=999', 404, undefined], ['groupBy=bufferZone', 409, 'ruleSet'],
  ] as const) {
    const res = await t.app.inject({ url: `/api/statistics?${q}`, headers: { cookie: analyst } })
    assert.equal(res.statusCode, status, `${q}: ${res.body}`)
    assert.match(String(res.headers['content-type']), /problem\+json/)
    if (field) assert.equal(res.json().field, field, q)
  }
  assert.equal((await t.app.inject({ url: '/api/statistics' })).statusCode, 401)
})

// ---- any-area statistics ----

const rect = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] })
const wkt = (w: number, s: number, e: number, n: number) => `MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`

test('any area: whole cases that touch it, parcels, buildings and buffer zones clipped to it, as PostGIS computes them', async () => {
  const P = [
    { no: 'P1', cls: 'farmland', g: wkt(116.02, 39.64, 116.021, 39.641) }, // inside
    { no: 'P2', cls: 'homestead', g: wkt(116.055, 39.62, 116.065, 39.63) }, // half inside
    { no: 'P3', cls: 'farmland', g: wkt(116.08, 39.68, 116.081, 39.681) }, // outside
  ]
  for (const p of P) {
    await t.db.query(`INSERT INTO parcels (parcel_no, admin_code, land_class, geom) VALUES ($1, '110111001001', $2, ST_GeomFromText($3, 4326))`, [p.no, p.cls, p.g])
  }
  for (const g of [wkt(116.0205, 39.6405, 116.0207, 39.6407), wkt(116.0599, 39.625, 116.0601, 39.6252)]) {
    await t.db.query(`INSERT INTO buildings (admin_code, floors, geom) VALUES ('110111001001', 1, ST_GeomFromText($1, 4326))`, [g])
  }
  const area = rect(116.01, 39.61, 116.06, 39.66)
  const res = await t.app.inject({ method: 'POST', url: '/api/statistics/area', headers: { cookie: analyst }, payload: { geometry: area } })
  assert.equal(res.statusCode, 200, res.body)
  const a = res.json()
  assert.equal(a.cases.count, 3) // C1, C2 and C6
  assert.equal(a.cases.landArea, m2(100, 250.5, L6))
  assert.equal(a.cases.demolishedLandArea, 350.5)
  const hand = await t.db.query<{ area: number; p1: number; p2: number; pclip: number; b: number; bclip: number }>(
    `WITH a AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g)
     SELECT ST_Area(a.g::geography) AS area,
            (SELECT ST_Area(geom::geography) FROM parcels WHERE parcel_no = 'P1') AS p1,
            (SELECT ST_Area(geom::geography) FROM parcels WHERE parcel_no = 'P2') AS p2,
            (SELECT sum(ST_Area(ST_Intersection(p.geom, a.g)::geography)) FROM parcels p WHERE ST_Intersects(p.geom, a.g)) AS pclip,
            (SELECT sum(ST_Area(geom::geography)) FROM buildings b WHERE ST_Intersects(b.geom, a.g)) AS b,
            (SELECT sum(ST_Area(ST_Intersection(b.geom, a.g)::geography)) FROM buildings b WHERE ST_Intersects(b.geom, a.g)) AS bclip
     FROM a`,
    [JSON.stringify(area)],
  )
  const h = hand.rows[0]!
  assert.ok(Math.abs(a.areaM2 - h.area) < 0.01)
  assert.equal(a.parcels.count, 2)
  assert.ok(Math.abs(a.parcels.clippedAreaM2 - h.pclip) < 0.01, `${a.parcels.clippedAreaM2} vs ${h.pclip}`)
  const farmland = a.parcels.byLandClass.find((p: { landClass: string }) => p.landClass === 'farmland')
  assert.equal(farmland.label, '耕地')
  assert.ok(Math.abs(farmland.clippedAreaM2 - h.p1) < 0.01, 'P1 lies wholly inside')
  const homestead = a.parcels.byLandClass.find((p: { landClass: string }) => p.landClass === 'homestead')
  assert.ok(Math.abs(homestead.clippedAreaM2 - h.p2 / 2) < 1, `half of P2: ${homestead.clippedAreaM2} vs ${h.p2 / 2}`)
  assert.equal(a.buildings.count, 2)
  assert.ok(Math.abs(a.buildings.footprintM2 - h.b) < 0.02)
  assert.ok(Math.abs(a.buildings.clippedFootprintM2 - h.bclip) < 0.01)
  assert.ok(a.buildings.clippedFootprintM2 < a.buildings.footprintM2)
  assert.deepEqual(a.bufferZones, []) // no rule set in this database

  // the same figures as a workbook, for the report
  const xlsx = await t.app.inject({ method: 'POST', url: '/api/statistics/area?format=xlsx', headers: { cookie: analyst }, payload: { geometry: area } })
  assert.equal(xlsx.statusCode, 200)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx.rawPayload as unknown as ExcelJS.Buffer)
  const cells = new Map<string, unknown[]>()
  wb.worksheets[0]!.eachRow((row) => {
    const v = (row.values as unknown[]).slice(1)
    if (typeof v[0] === 'string') cells.set(v[0], v.slice(1))
  })
  assert.equal(cells.get('范围面积（㎡）')![0], a.areaM2)
  assert.equal(cells.get('违建数（处）')![0], 3)
  assert.equal(cells.get('拆除占地面积（㎡）')![0], 350.5)
  assert.deepEqual(cells.get('耕地'), [1, farmland.clippedAreaM2])
  assert.deepEqual(cells.get('合计'), [2, a.parcels.clippedAreaM2])
})

test('any area: self-intersecting, empty, not a polygon, too large or too detailed is refused', async () => {
  const many = Array.from({ length: 5001 }, (_, i) => [116.02 + 0.01 * Math.cos((2 * Math.PI * i) / 5000), 39.65 + 0.01 * Math.sin((2 * Math.PI * i) / 5000)])
  many[5000] = many[0]!
  for (const [geometry, status, detail] of [
    [{ type: 'Polygon', coordinates: [[[116.01, 39.61], [116.02, 39.62], [116.02, 39.61], [116.01, 39.62], [116.01, 39.61]]] }, 422, /Self-intersection/],
    [{ type: 'Polygon', coordinates: [] }, 422, /empty/],
    [{ type: 'LineString', coordinates: [[116.01, 39.61], [116.02, 39.62]] }, 422, /Polygon or MultiPolygon/],
    [{ type: 'Polygon', coordinates: [[[116.01, 39.61], [116.02]]] }, 422, /readable GeoJSON/],
    [rect(116.0, 39.6, 116.1, 39.7), 422, /at most 50 km²/],
    [{ type: 'Polygon', coordinates: [many] }, 413, /5001 vertices; at most 5000/],
  ] as const) {
    const res = await t.app.inject({ method: 'POST', url: '/api/statistics/area', headers: { cookie: analyst }, payload: { geometry } })
    assert.equal(res.statusCode, status, res.body)
    assert.match(res.json().detail, detail)
    assert.equal(res.json().field, 'geometry')
  }
})
