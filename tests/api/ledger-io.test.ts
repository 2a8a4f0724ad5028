// The ledger in the staff's own template: importing XLSX/CSV ledgers row by row with a report,
// exporting one ledger per village (一村一台账) and CSV selections, the round trip between them,
// and files that try to hurt.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createDeflateRaw } from 'node:zlib'
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import ExcelJS from 'exceljs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openGeoPackage } from '../../server/src/imports/formats/gpkg.reader.ts'
import type { Db } from '../../server/src/db/db.ts'
import { parseCsv } from '../../server/src/imports/ledger-import.ts'
import { IMPORT_LIMITS, neutralise, unneutralise } from '../../server/src/imports/ledger-template.ts'
import { BACKEND } from '../helpers/db.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
let villages: { code: string; name: string; town: string; lon: number; lat: number }[]
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  villages = (
    await t.db.query<{ code: string; name: string; town: string; lon: number; lat: number }>(
      `SELECT code, name, parent_code AS town, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
       FROM admin_units WHERE level = 'village' ORDER BY code`,
    )
  ).rows
})
afterAll(() => t.close())

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const one = async <T>(db: Db, sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0]!
const caseCount = async (db: Db = t.db) => (await one<{ n: number }>(db, 'SELECT count(*) AS n FROM cases')).n

function multipart(file: { name: string; content: Buffer; type?: string }, fields: Record<string, string> = {}) {
  const boundary = `----chaiwei${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  chunks.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  )
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function upload(app: TestApp, cookie: string, name: string, content: Buffer, fields: Record<string, string> = {}) {
  const body = multipart({ name, content }, fields)
  return app.app.inject({ method: 'POST', url: '/api/ledger/import', payload: body.payload, headers: { ...body.headers, cookie } })
}

async function xlsxOf(rows: unknown[][], sheet = '台账'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet(sheet)
  for (const r of rows) ws.addRow(r)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(buf as unknown as ExcelJS.Buffer)
  return wb
}

const HEADERS = ['序号', '台账编号', '所在村', '位置', '用途', '权属类别', '建筑形式', '层数', '占地面积（㎡）', '建筑面积（㎡）', '发现来源', '发现时间',
  '高墙大院', '开墙打洞', '三层及以上出租', '占用耕地', '党员公职人员参与', '经度', '纬度', 'WKT']
const USE_LABELS = ['居住', '仓储', '商业', '办公', '其他', 'storage']
const OWN_LABELS = ['集体经济', '国有', '企业', '政府部门和社会单位', '个人', '']
const SRC_LABELS = ['卫片', '巡查', '举报', '自查', '上级交办', 'patrol']
const d = 0.00001

/** Row i of the generated ledger: valid, in village i mod n, a point or (every 10th) a small square. */
function ledgerRow(i: number): unknown[] {
  const v = villages[i % villages.length]!
  const polygon = i % 10 === 3
  const found = i % 2 === 0 ? new Date(Date.UTC(2025, i % 12, 1 + (i % 28), 9, 30)) : `2024-${String(1 + (i % 12)).padStart(2, '0')}-15 08:00`
  return [
    i + 1,
    i % 500 === 7 ? `${v.code}-2019-${String(7000 + i).padStart(4, '0')}` : '',
    i % 3 === 0 ? v.name : i % 3 === 1 ? v.code : '',
    `导入测试${i}号院`,
    USE_LABELS[i % USE_LABELS.length],
    OWN_LABELS[i % OWN_LABELS.length],
    '砖混平房',
    1 + (i % 5),
    100 + (i % 97),
    (100 + (i % 97)) * (1 + (i % 5)),
    SRC_LABELS[i % SRC_LABELS.length],
    found,
    i % 7 === 0 ? '是' : '否',
    '',
    i % 11 === 0 ? '是' : '否',
    i % 13 === 0 ? '是' : '',
    '否',
    polygon ? '' : v.lon,
    polygon ? '' : v.lat,
    polygon ? `POLYGON((${v.lon} ${v.lat},${v.lon + d} ${v.lat},${v.lon + d} ${v.lat + d},${v.lon} ${v.lat + d},${v.lon} ${v.lat}))` : '',
  ]
}

test('a 5,000-row ledger: all_or_nothing reports exactly the bad rows and writes nothing; valid_rows_only writes the rest', async ({ annotate }) => {
  const n = 5000
  const rows = Array.from({ length: n }, (_, i) => ledgerRow(i))
  // Spreadsheet row = index + 2 (the header is row 1). Plant one problem in each of these rows:
  const existing = await one<{ case_no: string; admin_code: string }>(t.db, 'SELECT case_no, admin_code FROM cases ORDER BY id LIMIT 1')
  const vOfExisting = villages.find((v) => v.code === existing.admin_code)!
  const bad = { missingUse: 101, floorsZero: 1202, outside: 2303, future: 3404, dupInFile: 4505, dupInDb: 4606 }
  const at = (row: number) => rows[row - 2]!
  at(bad.missingUse)[4] = ''
  at(bad.floorsZero)[7] = 0
  at(bad.outside)[17] = 100.5
  at(bad.outside)[18] = 30.25
  at(bad.outside)[19] = ''
  at(bad.future)[11] = '2099-01-01'
  const dupOf = 509 // row 509 (index 507) carries an explicit case number: 507 % 500 === 7
  at(bad.dupInFile)[1] = at(dupOf)[1]
  at(bad.dupInFile)[2] = at(dupOf)[2]
  at(bad.dupInFile)[17] = at(dupOf)[17]
  at(bad.dupInFile)[18] = at(dupOf)[18]
  at(bad.dupInFile)[19] = ''
  at(bad.dupInDb)[1] = existing.case_no
  at(bad.dupInDb)[2] = vOfExisting.code
  at(bad.dupInDb)[17] = vOfExisting.lon
  at(bad.dupInDb)[18] = vOfExisting.lat
  at(bad.dupInDb)[19] = ''
  const file = await xlsxOf([HEADERS, ...rows])

  const before = await caseCount()
  let t0 = performance.now()
  const refused = await upload(t, planner, 'ledger-5000.xlsx', file)
  const checkMs = performance.now() - t0
  assert.equal(refused.statusCode, 400, refused.body)
  const report = refused.json()
  assert.equal(report.code, 'rows_invalid')
  assert.equal(report.imported, 0)
  assert.equal(report.rows, n)
  assert.deepEqual(
    report.problems.map((p: { row: number; column: string }) => [p.row, p.column]),
    [
      [bad.missingUse, '用途'],
      [bad.floorsZero, '层数'],
      [bad.outside, '经度/纬度'],
      [bad.future, '发现时间'],
      [bad.dupInFile, '台账编号'],
      [bad.dupInDb, '台账编号'],
    ],
  )
  for (const p of report.problems) assert.ok(p.message && p.messageEn, JSON.stringify(p))
  assert.match(report.problems[2].messageEn, /outside the district/)
  assert.match(report.problems[4].messageEn, new RegExp(`repeats row ${dupOf}`))
  assert.equal(await caseCount(), before, 'all_or_nothing wrote nothing')

  t0 = performance.now()
  const partial = await upload(t, planner, 'ledger-5000.xlsx', file, { mode: 'valid_rows_only' })
  const importMs = performance.now() - t0
  assert.equal(partial.statusCode, 200, partial.body)
  const result = partial.json()
  assert.equal(result.imported, n - 6)
  assert.equal(result.problems.length, 6)
  assert.equal(await caseCount(), before + n - 6)
  await annotate(`${BACKEND}: 5,000 rows checked and refused in ${Math.round(checkMs)} ms; checked and imported in ${Math.round(importMs)} ms`)

  // Row 12 (index 10): village code given, a point, Date cell in Beijing time, flags from 是/否.
  const c = await one<Record<string, unknown>>(
    t.db,
    `SELECT c.id, c.case_no, c.admin_code, c.use, c.ownership, c.floors, c.land_area_recorded_m2 AS land, c.floor_area_recorded_m2 AS floor,
            c.source, c.flags, c.status, to_char(c.found_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS found, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat
     FROM cases c WHERE location_text = '导入测试10号院'`,
  )
  const v10 = villages[10 % villages.length]!
  assert.equal(c.admin_code, v10.code)
  assert.match(c.case_no as string, new RegExp(`^${v10.code}-2025-\\d{4}$`))
  assert.deepEqual([c.use, c.ownership, c.floors, c.land, c.floor, c.source, c.status], ['other', 'individual', 1, 110, 110, 'assigned', 'identified'])
  assert.deepEqual(c.flags, [])
  assert.equal(c.found, '2025-11-11T01:30:00Z', '09:30 Beijing')
  assert.ok(Math.abs((c.lon as number) - v10.lon) < 1e-9 && Math.abs((c.lat as number) - v10.lat) < 1e-9)
  const flagged = await one<{ flags: string[]; use: string; geom: string }>(t.db, `SELECT flags, use, GeometryType(geom) AS geom FROM cases WHERE location_text = '导入测试3003号院'`)
  assert.deepEqual(flagged, { flags: ['walled_compound', 'rented_3plus', 'farmland'], use: 'office', geom: 'POLYGON' })
  assert.ok(await one(t.db, `SELECT 1 AS x FROM cases WHERE case_no = $1 AND location_text = '导入测试507号院'`, [rows[507]![1]]))

  const history = (await t.app.inject({ url: `/api/cases/${c.id}/history`, headers: { cookie: planner } })).json().history
  assert.equal(history.length, 1)
  assert.equal(history[0].action, 'import')
  assert.equal(history[0].toStatus, 'identified')
  assert.match(history[0].reason, /部分导入/)
  assert.match(history[0].reason, /partial import of file ledger-5000\.xlsx: 4994 of 5000 rows/)
  assert.equal(history[0].after.row, 12)
  const imported = await one<{ n: number; h: number; nos: number }>(
    t.db,
    `SELECT count(*) AS n, count(DISTINCT h.case_id) AS h, count(DISTINCT c.case_no) AS nos
     FROM cases c JOIN case_history h ON h.case_id = c.id AND h.action = 'import' WHERE c.location_text LIKE '导入测试%'`,
  )
  assert.deepEqual(imported, { n: n - 6, h: n - 6, nos: n - 6 })
})

test('generated case numbers continue each village-year sequence after the ledger and the file', async () => {
  const v = villages[3]!
  const last = await one<{ n: number | null }>(t.db, `SELECT max(split_part(case_no, '-', 3)::int) AS n FROM cases WHERE case_no LIKE $1`, [`${v.code}-2026-%`])
  const base = last.n ?? 0
  const file = await xlsxOf([
    ['台账编号', '用途', '发现来源', '发现时间', '经度', '纬度'],
    ['', '居住', '巡查', '2026-03-01', v.lon, v.lat],
    [`${v.code}-2026-${String(base + 5).padStart(4, '0')}`, '居住', '巡查', '2026-03-02', v.lon, v.lat],
    ['', '仓储', '举报', '2026-03-03', v.lon, v.lat],
  ])
  const res = await upload(t, planner, 'seq.xlsx', file)
  assert.equal(res.statusCode, 200, res.body)
  const nos = (await t.db.query<{ case_no: string }>(`SELECT case_no FROM cases WHERE case_no LIKE $1 ORDER BY case_no`, [`${v.code}-2026-%`])).rows.map((r) => r.case_no)
  const pad = (k: number) => `${v.code}-2026-${String(k).padStart(4, '0')}`
  // numbering continues past the highest number in the ledger or the file, never filling gaps
  assert.deepEqual(nos.slice(-3), [pad(base + 5), pad(base + 6), pad(base + 7)])
})

// ---- round trip ----

interface Compared {
  case_no: string
  admin_code: string
  location_text: string | null
  use: string
  ownership: string | null
  building_form: string | null
  floors: number | null
  land: number | null
  floor: number | null
  land_c: number | null
  source: string
  flags: string[]
  new_construction: boolean
  found_ms: number
  geom: string
  status: string
  location_pending: boolean
  [progress: string]: unknown
}

async function ledgerRows(db: Db, village: string): Promise<Compared[]> {
  return (
    await db.query<Compared>(
      `SELECT case_no, admin_code, location_text, use, ownership, building_form, floors, land_area_recorded_m2 AS land,
              floor_area_recorded_m2 AS floor, land_area_computed_m2 AS land_c, source, array(SELECT unnest(flags) ORDER BY 1) AS flags, new_construction,
              (extract(epoch FROM found_at) * 1000)::float8 AS found_ms, ST_AsGeoJSON(geom) AS geom,
              status, disposal, disposal_reason, deadline::text AS deadline, demolished_land_area_m2, demolished_floor_area_m2, reuse, regreened_area_m2,
              location_pending, ${['notified_at', 'order_issued_at', 'disposed_at', 'accepted_at', 'closed_at'].map((k) => `(extract(epoch FROM ${k}) * 1000)::float8 AS ${k}`).join(', ')}
       FROM cases WHERE admin_code = $1 ORDER BY case_no`,
      [village],
    )
  ).rows
}

/** Removes a village's cases from a test database, with everything that points at them. */
async function dropVillageCases(db: Db, village: string) {
  const ids = (await db.query<{ id: number }>('SELECT id FROM cases WHERE admin_code = $1', [village])).rows.map((r) => r.id)
  const refs = await db.query<{ tbl: string; col: string; notnull: boolean }>(
    `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, a.attnotnull AS notnull
     FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'f' AND c.confrelid = 'cases'::regclass`,
  )
  await db.exec('ALTER TABLE case_history DISABLE TRIGGER case_history_append_only')
  for (const r of refs.rows) {
    // catalog names, not user input
    if (r.notnull) await db.query(`DELETE FROM ${r.tbl} WHERE ${r.col} = ANY($1::bigint[])`, [ids])
    else await db.query(`UPDATE ${r.tbl} SET ${r.col} = NULL WHERE ${r.col} = ANY($1::bigint[])`, [ids])
  }
  await db.query('DELETE FROM cases WHERE admin_code = $1', [village])
}

function assertSameGeometry(a: string, b: string, what: string) {
  const ga = JSON.parse(a)
  const gb = JSON.parse(b)
  assert.equal(ga.type, gb.type, what)
  const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number])
  const ca = flat(ga.coordinates)
  const cb = flat(gb.coordinates)
  assert.equal(ca.length, cb.length, what)
  ca.forEach((x, i) => assert.ok(Math.abs(x - cb[i]!) <= 1e-7, `${what}: ${x} vs ${cb[i]}`))
}

test('a village exported from one ledger imports into another to identical rows', async () => {
  const v = (await one<{ admin_code: string }>(
    t.db,
    `SELECT admin_code FROM cases WHERE location_text NOT LIKE '导入测试%' GROUP BY 1
     ORDER BY count(*) FILTER (WHERE GeometryType(geom) = 'POINT') > 0 DESC, count(*) DESC, 1 LIMIT 1`,
  )).admin_code
  // a formula-looking text travels too, neutralised on the way out and restored on the way in
  await t.db.query(`UPDATE cases SET building_form = '=HYPERLINK("http://x")' WHERE id = (SELECT min(id) FROM cases WHERE admin_code = $1)`, [v])
  // and a case still waiting to be located (待定位), at a point on its village
  await t.db.query(
    `UPDATE cases SET location_pending = true, geom = (SELECT ST_PointOnSurface(geom) FROM admin_units WHERE code = $1)
     WHERE id = (SELECT max(id) FROM cases WHERE admin_code = $1)`,
    [v],
  )
  const viewer = await t.signIn('viewer')
  const res = await t.app.inject({ url: `/api/ledger/export.xlsx?village=${v}`, headers: { cookie: viewer } })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.headers['content-type'], XLSX)
  assert.match(String(res.headers['content-disposition']), /attachment; filename="ledger-\d{12}\.xlsx"; filename\*=UTF-8''/)
  const source = await ledgerRows(t.db, v)
  assert.ok(source.length >= 3, `village ${v} has ${source.length} cases`)
  // the sample village's cases stand at several steps of their lifecycle: progress travels too
  assert.ok(new Set(source.map((r) => r.status)).size >= 3, `statuses ${source.map((r) => r.status).join()}`)
  assert.ok(source.some((r) => r.location_pending))

  const wb = await readXlsx(res.rawPayload)
  assert.equal(wb.worksheets.length, 1)
  const ws = wb.worksheets[0]!
  const name = villages.find((x) => x.code === v)!.name
  assert.equal(ws.name, name)
  assert.equal(ws.getRow(2).getCell(2).value, '台账编号')
  assert.equal(ws.rowCount, 2 + source.length + 1)
  const totals = ws.getRow(ws.rowCount)
  assert.equal(totals.getCell(1).value, '合计')
  assert.equal(totals.getCell(2).value, `共${source.length}处`)
  const sum = (k: 'land' | 'land_c') => Math.round(source.reduce((s, r) => s + (r[k] ?? 0), 0) * 100) / 100
  assert.equal(totals.getCell(10).value, sum('land'))
  assert.equal(totals.getCell(12).value, sum('land_c'))
  const texts = ws.getSheetValues().flat().filter((x): x is string => typeof x === 'string')
  assert.ok(texts.includes(`'=HYPERLINK("http://x")`))
  assert.ok(!texts.some((x) => /^[=+@]/.test(x)))

  const other = await testApp('tiny')
  try {
    await dropVillageCases(other.db, v)
    assert.equal((await ledgerRows(other.db, v)).length, 0)
    const otherPlanner = await other.signIn('planner')
    const imported = await upload(other, otherPlanner, `${name}.xlsx`, res.rawPayload)
    assert.equal(imported.statusCode, 200, imported.body)
    assert.equal(imported.json().imported, source.length)
    const copy = await ledgerRows(other.db, v)
    assert.equal(copy.length, source.length)
    source.forEach((a, i) => {
      const b = copy[i]!
      const { geom: ga, land_c: la, ...restA } = a
      const { geom: gb, land_c: lb, ...restB } = b
      assert.deepEqual(restB, restA, a.case_no)
      assert.ok(la === lb || Math.abs((la ?? 0) - (lb ?? 0)) <= 0.01, `${a.case_no} computed area ${la} vs ${lb}`)
      assertSameGeometry(ga, gb, a.case_no)
    })
  } finally {
    await other.close()
  }
})

test('a town exports one sheet per village in it, each with its own 合计 row', async () => {
  const town = '110111008'
  const res = await t.app.inject({ url: `/api/ledger/export.xlsx?town=${town}`, headers: { cookie: planner } })
  assert.equal(res.statusCode, 200, res.body)
  const wb = await readXlsx(res.rawPayload)
  const expected = (await t.db.query<{ code: string; name: string; n: number }>(
    `SELECT v.code, v.name, count(c.id) AS n FROM admin_units v LEFT JOIN cases c ON c.admin_code = v.code
     WHERE v.level = 'village' AND v.parent_code = $1 GROUP BY v.code, v.name ORDER BY v.code`,
    [town],
  )).rows
  assert.equal(wb.worksheets.length, expected.length)
  wb.worksheets.forEach((ws, i) => {
    assert.ok(ws.name.startsWith(expected[i]!.name.slice(0, 10)), `${ws.name} / ${expected[i]!.name}`)
    assert.equal(ws.getRow(ws.rowCount).getCell(2).value, `共${expected[i]!.n}处`)
  })
})

// ---- CSV and scope ----

function csvRecords(body: string) {
  assert.ok(body.startsWith('\uFEFF'), 'UTF-8 BOM for Excel')
  const rows = parseCsv(body.slice(1), { rows: 1_000_000 }).map((r) => r.cells.map(String))
  const [header, ...rest] = rows
  return { header: header!, data: rest.slice(0, -1), totals: rest[rest.length - 1]! }
}

test('CSV export of a selection holds its rows and its totals', async () => {
  const town = '110111105'
  const res = await t.app.inject({ url: `/api/ledger/export.csv?admin=${town}&use=residential,storage&status=identified,notified,closed`, headers: { cookie: planner } })
  assert.equal(res.statusCode, 200, res.body)
  assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/)
  const { header, data, totals } = csvRecords(res.body)
  const col = (h: string) => header.indexOf(h)
  const sql = (
    await t.db.query<{ case_no: string; land: number | null; floor_c: number | null }>(
      `SELECT case_no, land_area_recorded_m2 AS land, floor_area_computed_m2 AS floor_c FROM cases
       WHERE admin_code LIKE $1 || '%' AND use IN ('residential', 'storage') AND status IN ('identified', 'notified', 'closed') ORDER BY admin_code, case_no`,
      [town],
    )
  ).rows
  assert.ok(sql.length > 0)
  assert.deepEqual(data.map((r) => r[col('台账编号')]), sql.map((r) => r.case_no))
  assert.ok(data.every((r) => ['居住', '仓储'].includes(r[col('用途')]!)))
  assert.ok(data.every((r) => ['排查认定', '宣传告知', '销账'].includes(r[col('状态')]!)))
  assert.equal(totals[0], '合计')
  assert.equal(totals[col('台账编号')], `共${sql.length}处`)
  const round = (x: number) => Math.round(x * 100) / 100
  assert.equal(Number(totals[col('占地面积（㎡）')]), round(sql.reduce((s, r) => s + (r.land ?? 0), 0)))
  assert.equal(Number(totals[col('建筑面积计算值（㎡）')]), round(sql.reduce((s, r) => s + (r.floor_c ?? 0), 0)))
  assert.ok(!header.some((h) => /当事人|身份证|电话|parties|phone/i.test(h)), 'no personal data')
  assert.ok(!res.body.includes('DEMO-'), 'no party id numbers')

  const en = await t.app.inject({ url: `/api/ledger/export.csv?admin=${town}&use=residential&lang=en`, headers: { cookie: planner } })
  const e = csvRecords(en.body)
  assert.equal(e.header[1], 'case_no')
  assert.ok(e.data.every((r) => r[e.header.indexOf('use')] === 'residential'))
  assert.equal(e.totals[0], 'total')

  const unknown = await t.app.inject({ url: '/api/ledger/export.csv?status=gone', headers: { cookie: planner } })
  assert.equal(unknown.statusCode, 400)
  assert.match(unknown.json().detail, /status: gone is not one of/)
  assert.equal(unknown.json().field, 'status')
})

test('GeoJSON and GeoPackage exports of a selection hold its cases, geometry and columns (GIS users)', async () => {
  const town = '110111105'
  const sql = (
    await t.db.query<{ case_no: string; kind: string; land: number | null; x: number; y: number; gx: number; gy: number }>(
      `SELECT case_no, GeometryType(geom) AS kind, land_area_recorded_m2 AS land,
              ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y,
              ST_X(ST_Transform(ST_PointOnSurface(geom), 4548)) AS gx, ST_Y(ST_Transform(ST_PointOnSurface(geom), 4548)) AS gy
       FROM cases WHERE admin_code LIKE $1 || '%' AND status IN ('identified', 'closed') ORDER BY admin_code, case_no`,
      [town],
    )
  ).rows
  assert.ok(sql.length > 0 && sql.some((r) => r.kind !== 'POINT'), 'polygon cases in the selection')

  const gj = await t.app.inject({ url: `/api/ledger/export.geojson?admin=${town}&status=identified,closed`, headers: { cookie: planner } })
  assert.equal(gj.statusCode, 200, gj.body)
  assert.match(String(gj.headers['content-type']), /^application\/geo\+json/)
  const fc = gj.json() as { features: { geometry: { type: string }; properties: Record<string, unknown> }[] }
  assert.deepEqual(fc.features.map((f) => f.properties['台账编号']), sql.map((r) => r.case_no))
  assert.deepEqual(fc.features.map((f) => f.geometry.type.replace('Multi', '').toUpperCase()), sql.map((r) => r.kind.replace('MULTI', '')))
  assert.deepEqual(fc.features.map((f) => f.properties['占地面积（㎡）']), sql.map((r) => r.land))
  assert.ok(!Object.keys(fc.features[0]!.properties).some((h) => /当事人|身份证|电话/.test(h)), 'no personal data')

  // A GeoPackage in Beijing's Gauss-Krüger zone, read back by the app's own GeoPackage reader
  const gpkg = await t.app.inject({ url: `/api/ledger/export.gpkg?admin=${town}&status=identified,closed&crs=EPSG:4548`, headers: { cookie: planner } })
  assert.equal(gpkg.statusCode, 200, gpkg.body)
  assert.equal(gpkg.rawPayload.subarray(0, 16).toString('latin1'), 'SQLite format 3\u0000')
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-gpkg-'))
  try {
    const file = join(dir, 'ledger.gpkg')
    writeFileSync(file, gpkg.rawPayload)
    const layer = await openGeoPackage(file)
    assert.equal(layer.layer, '违法建设台账')
    assert.equal(layer.crs?.code, 'EPSG:4548')
    const read: { no: unknown; inside: boolean }[] = []
    for await (const f of layer.features()) {
      const r = sql[read.length]!
      // the point on the surface SQL gave, in the file's metres, lies inside (or on) the feature read back
      const g = f.geometry!
      const inside = g.type === 'Point'
        ? Math.hypot(g.coordinates[0]! - r.gx, g.coordinates[1]! - r.gy) < 0.01
        : (g.type === 'Polygon' || g.type === 'MultiPolygon') && booleanPointInPolygon([r.gx, r.gy], g)
      read.push({ no: f.properties['台账编号'], inside })
    }
    layer.close()
    assert.deepEqual(read.map((r) => r.no), sql.map((r) => r.case_no))
    assert.ok(read.every((r) => r.inside), 'each site is where it was: points to the centimetre, polygons around their inner point')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const bad = await t.app.inject({ url: `/api/ledger/export.gpkg?admin=${town}&crs=EPSG:3857`, headers: { cookie: planner } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().field, 'crs')
})

test('an export holds exactly the rows the table shows for the same filters', async () => {
  for (const filters of ['overdue=deadline', 'flags=farmland&foundFrom=2026-01-01', 'admin=110111105&status=order_issued,demolished&foundTo=2026-09-30']) {
    const table = (await t.app.inject({ url: `/api/cases?${filters}&sort=case_no&limit=1000`, headers: { cookie: planner } })).json() as { total: number; items: { caseNo: string }[] }
    const gj = (await t.app.inject({ url: `/api/ledger/export.geojson?${filters}`, headers: { cookie: planner } })).json() as { features: { properties: Record<string, string> }[] }
    assert.ok(table.total > 0, `${filters}: rows in the sample`)
    assert.deepEqual(gj.features.map((f) => f.properties['台账编号']).sort(), table.items.map((r) => r.caseNo).sort(), filters)
  }
})

test('exports hold only the caller’s scope: a village user gets their village, 404 elsewhere', async () => {
  const counts = (await t.db.query<{ admin_code: string; n: number }>(`SELECT admin_code, count(*) AS n FROM cases GROUP BY 1 ORDER BY 2 DESC LIMIT 2`)).rows
  const [mine, theirs] = [counts[0]!.admin_code, counts[1]!.admin_code]
  const villager = await t.signIn('viewer', mine)
  const all = await t.app.inject({ url: '/api/ledger/export.csv', headers: { cookie: villager } })
  assert.equal(all.statusCode, 200)
  const { header, data } = csvRecords(all.body)
  assert.equal(data.length, counts[0]!.n)
  assert.ok(data.every((r) => r[header.indexOf('台账编号')]!.startsWith(mine)))
  const town = await t.app.inject({ url: `/api/ledger/export.xlsx?town=${mine.slice(0, 9)}`, headers: { cookie: villager } })
  assert.equal(town.statusCode, 200)
  const wb = await readXlsx(town.rawPayload)
  assert.equal(wb.worksheets.length, 1, 'only their own village of the town')
  for (const url of [`/api/ledger/export.xlsx?village=${theirs}`, `/api/ledger/export.csv?admin=${theirs}`]) {
    const res = await t.app.inject({ url, headers: { cookie: villager } })
    assert.equal(res.statusCode, 404, url)
  }
  const field = await t.signIn('field')
  const res = await upload(t, field, 'x.csv', Buffer.from('用途,发现来源,发现时间,经度,纬度\r\n'))
  assert.equal(res.statusCode, 403)
})

test('an import is confined to the importer’s scope', async () => {
  const inTown = villages.find((v) => v.town === '110111008')!
  const outside = villages.find((v) => v.town !== '110111008')!
  const townPlanner = await t.signIn('planner', '110111008')
  const csv = ['用途,发现来源,发现时间,经度,纬度', `居住,巡查,2026-01-05,${inTown.lon},${inTown.lat}`, `居住,巡查,2026-01-05,${outside.lon},${outside.lat}`].join('\n')
  const res = await upload(t, townPlanner, 'scope.csv', Buffer.from(csv))
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json().problems.map((p: { row: number; column: string }) => [p.row, p.column]), [[3, '经度/纬度']])
  assert.match(res.json().problems[0].messageEn, /outside your area 110111008/)
})

// ---- hostile files ----

test('a file that is not a spreadsheet is refused with a message a person can act on', async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), randomBytes(2000)])
  const cases: [string, Buffer, string, RegExp][] = [
    ['photo.png', png, 'not_a_spreadsheet', /not a ledger spreadsheet/],
    ['ledger.xls', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), randomBytes(1000)]), 'legacy_xls', /save it as \.xlsx/],
    ['ledger.xlsx', Buffer.from('用途,发现来源\n居住,巡查\n'), 'not_a_spreadsheet', /named \.xlsx/],
    ['notes.txt', Buffer.from('hello, this is not\na ledger\n'), 'no_header', /no header row found/],
    ['empty.csv', Buffer.alloc(0), 'empty_file', /empty/],
  ]
  const before = await caseCount()
  for (const [name, content, code, detail] of cases) {
    const res = await upload(t, planner, name, content)
    assert.equal(res.statusCode, 400, `${name}: ${res.body}`)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(res.json().code, code, name)
    assert.match(res.json().detail, detail, name)
    assert.ok(res.json().detailZh, name)
  }
  const notMultipart = await t.app.inject({ method: 'POST', url: '/api/ledger/import', payload: { file: 'x' }, headers: { cookie: planner } })
  assert.equal(notMultipart.statusCode, 400)
  const badMode = await upload(t, planner, 'a.csv', Buffer.from('x'), { mode: 'some' })
  assert.equal(badMode.statusCode, 400)
  assert.match(badMode.json().detail, /mode some is not one of/)
  assert.equal(await caseCount(), before)
})

test('an oversized file and a zip bomb are refused before they are read', async () => {
  const big = Buffer.alloc(IMPORT_LIMITS.fileBytes + 1024 * 1024, 0x41)
  const res = await upload(t, planner, 'big.csv', big)
  assert.equal(res.statusCode, 413)
  assert.equal(res.json().code, 'file_too_large')
  assert.match(res.json().detail, new RegExp(`larger than the ${IMPORT_LIMITS.fileBytes / 1024 / 1024} MB limit`))

  // 160 MB of zeros in a 160 KB "worksheet" that declares more than the cap: refused from the
  // declared sizes before anything is inflated
  const deflated = await new Promise<Buffer>((resolve, reject) => {
    const z = createDeflateRaw({ level: 9 })
    const out: Buffer[] = []
    z.on('data', (c: Buffer) => out.push(c)).on('end', () => resolve(Buffer.concat(out))).on('error', reject)
    const mb = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < 160; i++) z.write(mb)
    z.end()
  })
  const bomb = zipOf([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>'), usize: 11, method: 0 }, { name: 'xl/worksheets/sheet1.xml', data: deflated, usize: IMPORT_LIMITS.unzippedBytes + 1024 * 1024, method: 8 }])
  const boom = await upload(t, planner, 'bomb.xlsx', bomb)
  assert.equal(boom.statusCode, 413, boom.body)
  assert.equal(boom.json().code, 'unzipped_too_large')
})

/** A minimal zip (no CRCs: the importer's check reads sizes, not checksums). */
function zipOf(entries: { name: string; data: Buffer; usize: number; method: number }[]): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name)
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0)
    lh.writeUInt16LE(20, 4)
    lh.writeUInt16LE(e.method, 8)
    lh.writeUInt32LE(e.data.length, 18)
    lh.writeUInt32LE(e.usize, 22)
    lh.writeUInt16LE(name.length, 26)
    locals.push(lh, name, e.data)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0)
    ch.writeUInt16LE(20, 4)
    ch.writeUInt16LE(20, 6)
    ch.writeUInt16LE(e.method, 10)
    ch.writeUInt32LE(e.data.length, 20)
    ch.writeUInt32LE(e.usize, 24)
    ch.writeUInt16LE(name.length, 28)
    ch.writeUInt32LE(offset, 42)
    central.push(ch, name)
    offset += 30 + name.length + e.data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

test('template rows with only a 序号, blank rows and 合计 rows are not data', async () => {
  const v = villages[80]!
  const csv = ['序号,用途,发现来源,发现时间,经度,纬度,状态,待定位', `1,居住,巡查,2026-01-05,${v.lon},${v.lat},排查认定,否`, '2,,,,,,,', ',,,,,,,', '3,,,,,,,是', '合计,,,,,,,'].join('\r\n')
  const res = await upload(t, planner, 'template-rows.csv', Buffer.from(csv))
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual([res.json().imported, res.json().rows, res.json().problems], [1, 1, []])
})

test('a header row missing a required column fails the whole file, naming the column', async () => {
  const v = villages[0]!
  const csv = `\uFEFF位置,用途,发现时间,经度,纬度\r\n某处,居住,2026-01-01,${v.lon},${v.lat}\r\n`
  for (const mode of ['all_or_nothing', 'valid_rows_only']) {
    const res = await upload(t, planner, 'no-source.csv', Buffer.from(csv), { mode })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'missing_columns')
    assert.deepEqual(res.json().problems.map((p: { row: number; column: string }) => [p.row, p.column]), [[1, '发现来源']])
  }
  const noGeom = await upload(t, planner, 'no-geom.csv', Buffer.from('用途,发现来源,发现时间,位置\n居住,巡查,2026-01-01,某处\n'))
  assert.equal(noGeom.statusCode, 400)
  assert.match(noGeom.json().problems[0].messageEn, /give 经度 \(lon\) and 纬度 \(lat\), a WKT column, or 所在村 \(village/)
})

test('formula-looking text imports as text and is exported neutralised, in CSV and XLSX', async () => {
  const v = villages[40]!
  const hostile = [`=cmd|' /C calc'!A0`, '@SUM(1+1)', '+86 123', '-2+3']
  const csv = [
    '台账编号,位置,建筑形式,用途,发现来源,发现时间,经度,纬度',
    ...hostile.map((h, i) => `${v.code}-2020-${8100 + i},"${h.replace(/"/g, '""')}",${i === 3 ? h : '简易棚房'},居住,巡查,2020-05-0${i + 1},${v.lon},${v.lat}`),
  ].join('\r\n')
  const res = await upload(t, planner, 'formula.csv', Buffer.from(`\uFEFF${csv}`))
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().encoding, 'utf-8')
  const stored = (await t.db.query<{ location_text: string }>(`SELECT location_text FROM cases WHERE case_no LIKE $1 ORDER BY case_no`, [`${v.code}-2020-81%`])).rows
  assert.deepEqual(stored.map((r) => r.location_text), hostile, 'stored as the text it is')

  const out = await t.app.inject({ url: `/api/ledger/export.csv?admin=${v.code}`, headers: { cookie: planner } })
  const { header, data } = csvRecords(out.body)
  const loc = data.filter((r) => r[1]!.startsWith(`${v.code}-2020-81`)).map((r) => r[header.indexOf('位置')])
  assert.deepEqual(loc, hostile.map((h) => `'${h}`))
  for (const r of data) for (const cell of r) assert.doesNotMatch(cell, /^[=+@\t\r]|^-(?!\d+(\.\d+)?$)/, 'no cell a spreadsheet would run')

  const xlsx = await t.app.inject({ url: `/api/ledger/export.xlsx?village=${v.code}`, headers: { cookie: planner } })
  const values = (await readXlsx(xlsx.rawPayload)).worksheets[0]!.getSheetValues().flat()
  for (const h of hostile) assert.ok(values.includes(`'${h}`), h)
  assert.ok(!values.some((x) => typeof x === 'object' && x !== null && 'formula' in x), 'no formula cells')
  assert.equal(unneutralise(neutralise(hostile[0]!)), hostile[0])
})

test('an XLSX as Excel and WPS write it (rich text, inline strings, date styles, formulas, errors) reads right', async () => {
  const v = villages[70]!
  const wb = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="说明" sheetId="2" r:id="rId2"/><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>`
  const rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>`
  const styles = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\\ h:mm"/></numFmts>
<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="14" fontId="0" applyNumberFormat="1"/><xf numFmtId="176" fontId="0" applyNumberFormat="1"><alignment/></xf></cellXfs></styleSheet>`
  const sst = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">
<si><t>位置</t></si><si><t>用途</t></si><si><t xml:space="preserve">发现来源 </t></si><si><t>发现时间</t></si><si><t>经度</t></si><si><t>纬度</t></si>
<si><t>层数</t></si><si><r><rPr><b/></rPr><t>占地面积</t></r><r><t>（㎡）</t></r></si>
<si><r><t>某&amp;村_x000A_</t></r><r><rPr><sz val="11"/></rPr><t>东</t></r><rPh sb="0" eb="1"><t>モウ</t></rPh></si><si><t>patrol</t></si></sst>`
  const sheet1 = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1" spans="1:8"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c></row>
<row r="2"><c r="A2" t="s"><v>8</v></c><c r="B2" t="inlineStr"><is><t>居住</t></is></c><c r="C2" t="s"><v>9</v></c><c r="D2" s="1"><v>45658</v></c><c r="E2"><v>${v.lon}</v></c><c r="F2"><v>${v.lat}</v></c><c r="G2"><f>1+1</f><v>2</v></c><c r="H2" t="str"><f>TEXT(120.5,"0.0")</f><v>120.5</v></c></row>
<row r="3"/>
<row r="4"><c t="inlineStr"><is><t>第二处</t></is></c><c t="inlineStr"><is><t>仓储</t></is></c><c t="s"><v>9</v></c><c s="2"><v>45659.5</v></c><c><v>${v.lon}</v></c><c><v>${v.lat}</v></c><c r="G4"><f>A1*2</f></c><c r="H4" t="e"><v>#N/A</v></c></row>
</sheetData></worksheet>`
  const sheet2 = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>填表说明</t></is></c></row></sheetData></worksheet>`
  const part = (name: string, xml: string) => ({ name, data: Buffer.from(xml), usize: Buffer.byteLength(xml), method: 0 })
  const file = zipOf([part('xl/workbook.xml', wb), part('xl/_rels/workbook.xml.rels', rels), part('xl/styles.xml', styles), part('xl/sharedStrings.xml', sst),
    part('xl/worksheets/sheet1.xml', sheet1), part('xl/worksheets/sheet2.xml', sheet2)])

  const refused = await upload(t, planner, 'excel.xlsx', file)
  assert.equal(refused.statusCode, 400, refused.body)
  assert.deepEqual(refused.json().ignoredSheets, ['说明'])
  assert.deepEqual(refused.json().problems.map((p: { row: number; column: string; messageEn: string }) => [p.row, p.column, p.messageEn]), [
    [4, '层数', 'the cell holds a formula without a computed value; paste it as values'],
    [4, '占地面积（㎡）', 'the cell holds the error #N/A'],
  ])
  const res = await upload(t, planner, 'excel.xlsx', file, { mode: 'valid_rows_only' })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().imported, 1)
  const c = await one<Record<string, unknown>>(t.db,
    `SELECT use, source, floors, land_area_recorded_m2 AS land, to_char(found_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS found
     FROM cases WHERE location_text = $1`, ['某&村\n东'])
  assert.deepEqual(c, { use: 'residential', source: 'patrol', floors: 2, land: 120.5, found: '2024-12-31T16:00:00Z' })
  const wps = await upload(t, planner, 'excel-again.xlsx', Buffer.from(file), { mode: 'valid_rows_only' })
  assert.equal(wps.json().imported, 1, 'same rows, generated numbers: imports again')
})

/** GBK bytes for a string, from the decoder's own table (Node has no GBK encoder). */
function gbk(text: string): Buffer {
  const table = new Map<string, number[]>()
  const dec = new TextDecoder('gbk')
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      const ch = dec.decode(new Uint8Array([a, b]))
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [a, b])
    }
  }
  return Buffer.from([...text].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : table.get(ch)!)))
}

test('a GBK CSV (Excel on Chinese Windows) is decoded, and says so', async () => {
  const v = villages[50]!
  const res = await upload(t, planner, 'gbk.csv', gbk(`用途,发现来源,发现时间,位置,经度,纬度\r\n仓储,群众举报,2026年1月5日,${v.name}东侧,${v.lon},${v.lat}\r\n`))
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().encoding, 'gb18030')
  assert.ok(await one(t.db, `SELECT 1 AS x FROM cases WHERE location_text = $1 AND use = 'storage' AND source = 'report'`, [`${v.name}东侧`]))
})

test('coordinates that are not lon/lat are refused, not guessed', async () => {
  const v = villages[60]!
  const csv = ['用途,发现来源,发现时间,经度,纬度,WKT',
    `居住,巡查,2026-01-05,${v.lat},${v.lon},`,
    '居住,巡查,2026-01-05,39512345.6,4398765.4,',
    `居住,巡查,2026-01-05,,,"SRID=4548;POINT(500000 4400000)"`,
    `居住,巡查,2026-01-05,,,"LINESTRING(${v.lon} ${v.lat},${v.lon + 0.001} ${v.lat})"`,
    `居住,巡查,2026-01-05,,,"POLYGON((${v.lon} ${v.lat},${v.lon + 0.001} ${v.lat + 0.001},${v.lon + 0.001} ${v.lat},${v.lon} ${v.lat + 0.001},${v.lon} ${v.lat}))"`,
    `居住,巡查,2026-02-30,${v.lon},${v.lat},`,
  ].join('\n')
  const res = await upload(t, planner, 'crs.csv', Buffer.from(csv))
  assert.equal(res.statusCode, 400)
  const messages = res.json().problems.map((p: { row: number; messageEn: string }) => `${p.row}: ${p.messageEn}`)
  assert.deepEqual(messages.length, 6, messages.join('\n'))
  assert.match(messages[0], /^2: longitude and latitude look swapped/)
  assert.match(messages[1], /^3: the coordinates look projected/)
  assert.match(messages[2], /^4: SRID=4548 is not accepted/)
  assert.match(messages[3], /^5: the WKT must be a POINT, POLYGON or MULTIPOLYGON/)
  assert.match(messages[4], /^6: the geometry is invalid: Self-intersection/)
  assert.match(messages[5], /^7: "2026-02-30" is not a date/)
})

test('the empty template downloads with its instructions sheet', async () => {
  const res = await t.app.inject({ url: '/api/ledger/template.xlsx', headers: { cookie: planner } })
  assert.equal(res.statusCode, 200)
  const wb = await readXlsx(res.rawPayload)
  assert.deepEqual(wb.worksheets.map((w) => w.name), ['台账', '填写说明'])
  const head = (wb.worksheets[0]!.getRow(1).values as string[]).slice(1)
  for (const h of ['台账编号', '所在村', '用途', '权属类别', '发现来源', '发现时间', '高墙大院', '经度', '纬度', 'WKT']) assert.ok(head.includes(h), h)
})
