// Batches: counts and dashboards per town and village (verification rate, overdue against the
// deadline, false-change rate), edits with If-Match, exports in the format the batch came in and as
// XLSX, and the sample's synthetic before/after imagery.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import ExcelJS from 'exceljs'
import initSqlJs from 'sql.js'
import { unzipSync } from 'fflate'
import * as shapefile from 'shapefile'
import { decode } from 'fast-png'
import { testApp, type TestApp } from '../helpers/app.ts'
import { beijingToday } from '../../server/src/domain/beijing-clock.ts'

let t: TestApp
let planner: string
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
})
afterAll(() => t.close())

const get = (url: string, cookie = planner) => t.app.inject({ url, headers: { cookie } })
const one = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T>(sql, params)).rows[0]!

test('the dashboard counts by result, verification and false-change rates, and overdue against the deadline', async () => {
  const d = (await get('/api/detection-batches/1/dashboard')).json()
  const today = beijingToday(new Date())
  const db = await one<{ total: number; verified: number; fc: number; violation: number; overdue: number }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE d.status = 'verified') AS verified, count(*) FILTER (WHERE result = 'false_change') AS fc,
            count(*) FILTER (WHERE result = 'violation') AS violation,
            count(*) FILTER (WHERE d.status <> 'verified' AND b.deadline < $1::date) AS overdue
     FROM detections d JOIN detection_batches b ON b.id = d.batch_id WHERE batch_id = 1`, [today])
  assert.equal(d.today, today)
  assert.deepEqual([d.totals.total, d.totals.verified, d.totals.falseChange, d.totals.violation, d.totals.overdue], [db.total, db.verified, db.fc, db.violation, db.overdue])
  assert.ok(db.overdue > 0, 'batch 1 is past its deadline with patches open')
  assert.ok(Math.abs(d.totals.verificationRate - db.verified / db.total) < 1e-12)
  assert.ok(Math.abs(d.totals.falseChangeRate - db.fc / db.verified) < 1e-12)
  // Towns and villages add up to the batch.
  for (const level of ['towns', 'villages'] as const) {
    const sum = (k: string) => d[level].reduce((s: number, r: Record<string, number>) => s + r[k]!, 0)
    assert.deepEqual(['total', 'verified', 'violation', 'legal', 'falseChange', 'overdue'].map(sum), ['total', 'verified', 'violation', 'legal', 'falseChange', 'overdue'].map((k) => d.totals[k]))
  }
  assert.ok(d.villages.every((v: { code: string; townCode: string }) => v.code.startsWith(v.townCode)))
  // A town user sees the town's share only.
  const town = d.towns[0].code
  const local = (await get('/api/detection-batches/1/dashboard', await t.signIn('analyst', town))).json()
  assert.equal(local.totals.total, d.towns[0].total)
  assert.deepEqual(local.towns.map((r: { code: string }) => r.code), [town])
  const list = (await get('/api/detection-batches')).json().batches
  assert.deepEqual(list.map((b: { id: number }) => b.id), [2, 1])
  assert.equal(list[1].counts.total, db.total)
})

test('batch edits need If-Match; a deadline before the after image or a template without tile placeholders is refused', async () => {
  const res = await get('/api/detection-batches/2')
  const etag = res.headers.etag as string
  const patch = (body: object, h: Record<string, string> = { 'if-match': etag }) =>
    t.app.inject({ method: 'PATCH', url: '/api/detection-batches/2', payload: body, headers: { cookie: planner, ...h } })
  assert.equal((await patch({ deadline: '2026-12-15' }, {})).statusCode, 428)
  assert.equal((await patch({ deadline: '2026-12-15' }, { 'if-match': '"v9"' })).statusCode, 412)
  const early = await patch({ deadline: '2026-09-01' })
  assert.deepEqual([early.statusCode, early.json().field], [400, 'deadline'])
  const bad = await patch({ imagery: { after: { type: 'xyz', url: 'https://example.org/tiles.png' } } })
  assert.deepEqual([bad.statusCode, bad.json().field], [400, 'imagery'])
  const ok = await patch({ deadline: '2026-12-15', imagery: { before: { type: 'cog', url: 'https://example.org/before.tif' }, after: { type: 'wmts', url: 'https://example.org/wmts/{TileMatrix}/{TileRow}/{TileCol}.jpg' } } })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.deepEqual([ok.json().deadline, ok.json().version, ok.json().imagery.before.type], ['2026-12-15', 2, 'cog'])
  assert.equal(ok.headers.etag, '"v2"')
  const h = await one<{ action: string }>(`SELECT action FROM detection_history WHERE batch_id = 2 ORDER BY id DESC LIMIT 1`)
  assert.equal(h.action, 'edit')
  const field = await t.signIn('field')
  assert.equal((await patch({ deadline: '2026-12-20' }, { 'if-match': '"v2"', cookie: field })).statusCode, 403)
})

const exportOf = (batch: number, format?: string) => get(`/api/detection-batches/${batch}/export${format ? `?format=${format}` : ''}`)

async function verifiedCount(batch: number) {
  return (await one<{ n: number }>(`SELECT count(*) AS n FROM detections WHERE batch_id = $1 AND status = 'verified'`, [batch])).n
}

test('results go back in the format the batch came in: a shapefile batch as a zipped shapefile with the verification fields', async () => {
  const res = await exportOf(1)
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.headers['content-type'], 'application/zip')
  const files = unzipSync(new Uint8Array(res.rawPayload))
  const names = Object.keys(files)
  const base = names.find((n) => n.endsWith('.shp'))!.slice(0, -4)
  assert.ok(names.includes(`${base}.dbf`) && names.includes(`${base}.prj`))
  const source = await shapefile.open(Buffer.from(files[`${base}.shp`]!), Buffer.from(files[`${base}.dbf`]!), { encoding: 'utf-8' })
  const rows: Record<string, unknown>[] = []
  for (let r = await source.read(); !r.done; r = await source.read()) rows.push(r.value.properties as Record<string, unknown>)
  assert.equal(rows.length, 60)
  assert.equal(rows.filter((r) => r.HCZT === '已核查').length, await verifiedCount(1))
  const fc = await one<{ patch_no: string; n: number }>(`SELECT patch_no FROM detections WHERE batch_id = 1 AND result = 'false_change' ORDER BY patch_no LIMIT 1`)
  const row = rows.find((r) => r.TBBH === fc.patch_no)!
  assert.equal(row.HCJG, '伪变化')
  assert.equal(row.XZQMC !== undefined, true, 'the issuer attributes are kept')
})

test('a GeoJSON batch in Gauss-Krüger comes back in its CRS; GeoPackage, KML, CSV and XLSX on request', async () => {
  const gj = await exportOf(2)
  assert.equal(gj.headers['content-type'], 'application/geo+json')
  const fc = gj.json()
  assert.equal(fc.features.length, 40)
  assert.match(JSON.stringify(fc.crs), /4548/)
  const [x, y] = fc.features[0].geometry.coordinates[0][0][0]
  assert.ok(x > 300_000 && x < 700_000 && y > 4_300_000 && y < 4_500_000, `${x} ${y} are CGCS2000 / 117°E metres`)
  assert.equal(fc.features.filter((f: { properties: { HCZT: string } }) => f.properties.HCZT === '已核查').length, await verifiedCount(2))

  const gpkg = await exportOf(2, 'gpkg')
  const SQL = await initSqlJs()
  const g = new SQL.Database(new Uint8Array(gpkg.rawPayload))
  const table = g.exec(`SELECT table_name FROM gpkg_contents`)[0]!.values[0]![0] as string
  assert.equal(g.exec(`SELECT count(*) FROM "${table}"`)[0]!.values[0]![0], 40)
  g.close()

  const kml = (await exportOf(2, 'kml')).body
  assert.equal(kml.match(/<Placemark/g)?.length, 40)
  const csv = (await exportOf(2, 'csv')).body.trim().split(/\r?\n/)
  assert.equal(csv.length, 41)

  const xlsx = await exportOf(2, 'xlsx')
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const sheet = wb.getWorksheet('核查结果')!
  assert.equal(sheet.rowCount, 41)
  assert.equal(sheet.getRow(1).getCell(7).value, '核查结果')
  const stats = wb.getWorksheet('统计')!
  const total = stats.getRow(stats.rowCount)
  assert.deepEqual([total.getCell(1).value, total.getCell(2).value], ['合计', 40])
  assert.equal((await exportOf(2, 'docx')).statusCode, 400)
})

test('the sample imagery shows a new building after and not before', async () => {
  const p = await one<{ lon: number; lat: number }>(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Centroid(geom) AS c FROM detections WHERE batch_id = 1 AND change_type = 'new_building'
       AND EXISTS (SELECT 1 FROM buildings b WHERE ST_Intersects(b.geom, detections.geom)) ORDER BY id LIMIT 1) q`)
  const z = 18
  const n = 2 ** z
  const x = Math.floor(((p.lon + 180) / 360) * n)
  const s = Math.sin((p.lat * Math.PI) / 180)
  const y = Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n)
  const px = Math.floor((((p.lon + 180) / 360) * n - x) * 256)
  const py = Math.floor(((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n - y) * 256)
  const tile = async (side: string) => {
    const res = await get(`/api/imagery/sample/1/${side}/${z}/${x}/${y}.png`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'image/png')
    return decode(new Uint8Array(res.rawPayload))
  }
  const [b, a] = [await tile('before'), await tile('after')]
  const at = (img: ReturnType<typeof decode>) => Array.from(img.data.slice((py * 256 + px) * img.channels, (py * 256 + px) * img.channels + 3))
  // The roof is grey-ish or red, the ground before is a land-class colour: they differ clearly there.
  const diff = at(a).reduce((sum, v, i) => sum + Math.abs(v - at(b)[i]!), 0)
  assert.ok(diff > 40, `after ${at(a)} vs before ${at(b)}`)
  assert.equal((await get(`/api/imagery/sample/1/after/9/421/193.png`)).statusCode, 204)
})

test('a batch is screened again on request: 202, every patch gets a fresh screening; viewers may not', async () => {
  await t.db.query(`UPDATE detections SET screening = '{}' WHERE batch_id = 1`)
  const total = (await one<{ n: number }>('SELECT count(*)::int AS n FROM detections WHERE batch_id = 1')).n
  const res = await t.app.inject({ method: 'POST', url: '/api/detection-batches/1/screen', headers: { cookie: planner } })
  assert.equal(res.statusCode, 202, res.body)
  assert.deepEqual(res.json(), { batchId: 1, screening: 'running' })
  let screened = 0
  for (let i = 0; i < 100 && screened < total; i++) {
    await new Promise((r) => setTimeout(r, 200))
    screened = (await one<{ n: number }>("SELECT count(*)::int AS n FROM detections WHERE batch_id = 1 AND screening ? 'screenedAt'")).n
  }
  assert.equal(screened, total, 'every patch of the batch screened')
  const viewer = await t.signIn('viewer')
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/detection-batches/1/screen', headers: { cookie: viewer } })).statusCode, 403)
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/detection-batches/999/screen', headers: { cookie: planner } })).statusCode, 404)
})

test('a batch with patches beyond a planner\'s area is not theirs to edit: 403, nothing changes', async () => {
  const village = (await one<{ code: string }>('SELECT admin_code AS code FROM detections WHERE batch_id = 1 ORDER BY id LIMIT 1')).code
  const local = await t.signIn('planner', village)
  const b = await get('/api/detection-batches/1', local)
  assert.equal(b.statusCode, 200, 'they see the batch, for their patches')
  const res = await t.app.inject({ method: 'PATCH', url: '/api/detection-batches/1', headers: { cookie: local, 'if-match': b.headers.etag as string }, payload: { deadline: '2027-06-30' } })
  assert.equal(res.statusCode, 403, res.body)
  assert.equal((await get('/api/detection-batches/1')).json().deadline, b.json().deadline)
})
