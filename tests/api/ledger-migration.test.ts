// A district carries over the ledger it already keeps (台账迁移): progress columns checked against
// the lifecycle and written as they stand, rows without coordinates placed at their village as
// 待定位 until a field team locates them, and a ledger the size of seed 004's (55,203 rows) imported
// in one go in the background.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { parseCsv } from '../../server/src/imports/ledger-import.ts'
import { BACKEND } from '../helpers/db.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
interface Village { code: string; name: string; town: string; townName: string; lon: number; lat: number }
let villages: Village[]
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  villages = (
    await t.db.query<Village>(
      `SELECT v.code, v.name, v.parent_code AS town, tn.name AS "townName", ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
       FROM admin_units v JOIN admin_units tn ON tn.code = v.parent_code WHERE v.level = 'village' ORDER BY v.code`,
    )
  ).rows
})
afterAll(() => t.close())

type Row = Record<string, unknown>
const one = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T>(sql, params)).rows[0]!
const caseCount = async () => (await one<{ n: number }>('SELECT count(*) AS n FROM cases')).n
const round2 = (x: number) => Math.round(x * 100) / 100

function multipart(name: string, content: Buffer, fields: Record<string, string> = {}) {
  const boundary = `----chaiwei${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function upload(name: string, content: Buffer, cookie = planner, fields: Record<string, string> = {}) {
  const body = multipart(name, content, fields)
  return t.app.inject({ method: 'POST', url: '/api/ledger/import', payload: body.payload, headers: { ...body.headers, cookie } })
}

const get = async (url: string, cookie = planner) => {
  const res = await t.app.inject({ url, headers: { cookie } })
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return res.json()
}

// The progress columns as staff name them, aliases included (整治状态, 拆除方式, 下达时间, 限期, 处置时间, 利用方式, 覆绿面积).
const HEADER = ['序号', '所在镇街', '所在村', '位置', '用途', '发现来源', '发现时间', '占地面积（㎡）', '建筑面积（㎡）', '整治状态', '拆除方式', '告知时间', '下达时间',
  '限期', '处置时间', '拆除占地面积', '拆除建筑面积', '利用方式', '覆绿面积', '验收时间', '销账时间', '暂缓原因', '经度', '纬度']

/** One ledger row; `status` and `use` are the keys the app stores, for the sums below. */
interface LedgerLine {
  town?: string
  village: string
  where: string
  use: [label: string, key: string]
  land: number
  floor: number
  status: [label: string, key: string]
  disposal?: string
  notified?: string
  order?: string
  deadline?: string
  disposed?: string
  dLand?: number
  dFloor?: number
  reuse?: string
  green?: number
  accepted?: string
  closed?: string
  reason?: string
  lon?: number
  lat?: number
}

const csvOf = (lines: LedgerLine[]) =>
  Buffer.from(
    '\uFEFF' +
      [HEADER, ...lines.map((l, i) => [
        i + 1, l.town ?? '', l.village, l.where, l.use[0], '巡查', '2025-01-10', l.land, l.floor, l.status[0], l.disposal ?? '', l.notified ?? '', l.order ?? '',
        l.deadline ?? '', l.disposed ?? '', l.dLand ?? '', l.dFloor ?? '', l.reuse ?? '', l.green ?? '', l.accepted ?? '', l.closed ?? '', l.reason ?? '', l.lon ?? '', l.lat ?? '',
      ])].map((r) => r.join(',')).join('\r\n'),
  )

const DEMOLITIONS = ['自拆', '助拆', '强拆']

/** A village's ledger at every step of the lifecycle: located rows in `a`, rows without coordinates in `b`. */
function progressLedger(a: Village, b: Village): LedgerLine[] {
  const at = { village: a.name, town: a.townName, lon: a.lon, lat: a.lat }
  return [
    { ...at, where: '迁移1号', use: ['居住', 'residential'], land: 100, floor: 200, status: ['排查认定', 'identified'] },
    { ...at, where: '迁移2号', use: ['仓储', 'storage'], land: 80, floor: 80, status: ['已告知', 'notified'], notified: '2025-03-02' },
    { ...at, where: '迁移3号', use: ['商业', 'commercial'], land: 90, floor: 180, status: ['限期拆除决定', 'order_issued'], order: '2025-03-05', deadline: '2025-04-05' },
    { ...at, where: '迁移4号', use: ['居住', 'residential'], land: 120, floor: 240, status: ['已拆除', 'demolished'], disposal: '自拆', disposed: '2025-03-10 09:30', dLand: 120, dFloor: 240, reuse: '拆违建绿', green: 100 },
    { ...at, where: '迁移5号', use: ['办公', 'office'], land: 60, floor: 60, status: ['已验收', 'accepted'], disposal: '助拆', disposed: '2025-03-12', dLand: 60, dFloor: 60, reuse: '拆违还路', accepted: '2025-03-20' },
    {
      ...at, where: '迁移6号', use: ['居住', 'residential'], land: 300, floor: 900, status: ['已销账', 'closed'], disposal: '强拆', order: '2025-02-01', deadline: '2025-02-15',
      disposed: '2025-02-20', dLand: 300, dFloor: 900, reuse: '添景', green: 50.5, accepted: '2025-02-25', closed: '2025-03-01',
    },
    { ...at, where: '迁移7号', use: ['其他', 'other'], land: 40, floor: 40, status: ['销账', 'closed'], disposal: '补办手续', disposed: '2025-03-03', reason: '乡村建设规划许可证 2025-9', closed: '2025-03-04' },
    { ...at, where: '迁移8号', use: ['商业', 'commercial'], land: 70, floor: 70, status: ['暂缓', 'deferred'], disposal: '暂缓', reason: '重点工程临时用房' },
    { ...at, where: '迁移9号', use: ['仓储', 'storage'], land: 55, floor: 55, status: ['没收', 'confiscated'], disposal: '没收', order: '2025-03-01', deadline: '2025-03-31', disposed: '2025-04-01' },
    // no coordinates: placed at village b (by its code; by its name with the town), 待定位
    { village: b.code, where: '某街道12号院', use: ['居住', 'residential'], land: 150, floor: 300, status: ['已拆除', 'demolished'], disposal: '自拆', disposed: '2025-05-01', dLand: 150, dFloor: 300, reuse: '复垦' },
    { town: b.townName, village: b.name, where: '某街道14号院', use: ['仓储', 'storage'], land: 35, floor: 35, status: ['', 'identified'] },
  ]
}

type Stats = { rows: { key: Record<string, string>; count: number }[]; totals: Record<string, number> }
const countsBy = (s: Stats, key: string) => new Map(s.rows.map((r) => [r.key[key] ?? '', r.count]))
const FIGURES = ['count', 'landArea', 'floorArea', 'demolishedCount', 'demolishedLandArea', 'demolishedFloorArea', 'regreenedArea', 'closedCount'] as const

/** What the statistics must add for these rows, summed by hand from the rows. */
function expectedFigures(lines: LedgerLine[]): Record<(typeof FIGURES)[number], number> {
  const demolished = lines.filter((l) => DEMOLITIONS.includes(l.disposal ?? ''))
  const sum = (ls: LedgerLine[], f: (l: LedgerLine) => number | undefined) => round2(ls.reduce((s, l) => s + (f(l) ?? 0), 0))
  return {
    count: lines.length,
    landArea: sum(lines, (l) => l.land),
    floorArea: sum(lines, (l) => l.floor),
    demolishedCount: demolished.length,
    demolishedLandArea: sum(demolished, (l) => l.dLand),
    demolishedFloorArea: sum(demolished, (l) => l.dFloor),
    regreenedArea: sum(demolished, (l) => l.green),
    closedCount: lines.filter((l) => l.closed).length,
  }
}

const tileOf = (lon: number, lat: number, z: number) => {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) }
}

async function caseNosInTile(lon: number, lat: number): Promise<string[]> {
  const { z, x, y } = tileOf(lon, lat, 16)
  const res = await t.app.inject({ url: `/ogc/collections/cases/tiles/WebMercatorQuad/${z}/${y}/${x}`, headers: { cookie: planner } })
  if (res.statusCode === 204) return []
  assert.equal(res.statusCode, 200, res.body)
  const layer = new VectorTile(new PbfReader(res.rawPayload)).layers.cases
  return layer ? Array.from({ length: layer.length }, (_, i) => String(layer.feature(i).properties.case_no)) : []
}

const square = (lon: number, lat: number, d = 0.0005) => ({
  type: 'Polygon',
  coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
})

test('a ledger carried over with its progress: every status written as it stands, with one history entry; statistics add the rows’ own sums', async () => {
  const [a, b] = [villages[5]!, villages[6]!]
  const lines = progressLedger(a, b)
  const figures = (admin: string, groupBy: string) => get(`/api/statistics?admin=${admin}&groupBy=${groupBy}`) as Promise<Stats>
  const before = { status: await figures(a.town, 'status'), use: await figures(a.town, 'use'), b: await figures(b.code, 'village') }

  const res = await upload('迁移台账.csv', csvOf(lines))
  assert.equal(res.statusCode, 200, res.body)
  const report = res.json()
  assert.deepEqual([report.imported, report.rows, report.locationPending, report.problems], [lines.length, lines.length, 2, []])

  const rows = (await t.db.query<Row>(
    `SELECT location_text, status, disposal, disposal_reason, reuse, regreened_area_m2, demolished_land_area_m2, location_pending,
            to_char(disposed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS disposed, deadline::text AS deadline,
            to_char(closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS closed, id
     FROM cases WHERE location_text LIKE '迁移%' OR location_text LIKE '某街道%' ORDER BY location_text`,
  )).rows
  const byWhere = new Map(rows.map((r) => [r.location_text as string, r]))
  for (const l of lines) assert.equal(byWhere.get(l.where)?.status, l.status[1], l.where)
  assert.deepEqual(
    [byWhere.get('迁移4号')!.disposal, byWhere.get('迁移4号')!.disposed, byWhere.get('迁移4号')!.reuse, byWhere.get('迁移4号')!.regreened_area_m2],
    ['self_demolition', '2025-03-10 09:30', 'greening', 100],
  )
  assert.deepEqual([byWhere.get('迁移6号')!.disposal, byWhere.get('迁移6号')!.deadline, byWhere.get('迁移6号')!.closed], ['enforced_demolition', '2025-02-15', '2025-03-01'])
  assert.deepEqual([byWhere.get('迁移7号')!.disposal, byWhere.get('迁移7号')!.disposal_reason], ['regularisation', 'permit 乡村建设规划许可证 2025-9'])
  assert.deepEqual([byWhere.get('迁移8号')!.disposal, byWhere.get('迁移8号')!.disposal_reason], ['deferral', '重点工程临时用房'])
  assert.deepEqual([byWhere.get('某街道12号院')!.location_pending, byWhere.get('迁移4号')!.location_pending], [true, false])

  const history = (await get(`/api/cases/${byWhere.get('迁移6号')!.id}/history`)).history
  assert.equal(history.length, 1)
  assert.deepEqual([history[0].action, history[0].toStatus], ['import', 'closed'])
  assert.match(history[0].reason, /^迁移自台账文件《迁移台账\.csv》第 7 行：状态 销账（强拆），限期拆除决定时间 2025-02-01，整改期限 2025-02-15，拆除时间 2025-02-20/)
  assert.match(history[0].reason, /销账时间 2025-03-01/)
  assert.match(history[0].reason, /migrated from file 迁移台账\.csv row 7: status closed \(enforced_demolition\)/)
  const plain = (await get(`/api/cases/${byWhere.get('迁移1号')!.id}/history`)).history
  assert.match(plain[0].reason, /^导入台账文件《迁移台账\.csv》，共 11 行全部导入/)

  // Statistics by status, by use and for the village of the 待定位 rows: the new figures are the rows' own sums.
  const after = { status: await figures(a.town, 'status'), use: await figures(a.town, 'use'), b: await figures(b.code, 'village') }
  const inTown = lines.filter((l) => l.village !== b.code && l.village !== b.name)
  const pending = lines.filter((l) => !inTown.includes(l))
  const want = expectedFigures(a.town === b.town ? lines : inTown)
  for (const f of FIGURES) assert.equal(round2(after.status.totals[f]! - before.status.totals[f]!), want[f], f)
  const wantB = expectedFigures(pending)
  for (const f of FIGURES) assert.equal(round2(after.b.totals[f]! - before.b.totals[f]!), wantB[f], `village ${b.code} ${f}`)
  for (const [key, field] of [['status', 1], ['use', 1]] as const) {
    const counted = a.town === b.town ? lines : inTown
    const expected = new Map<string, number>()
    for (const l of counted) expected.set(l[key][field], (expected.get(l[key][field]) ?? 0) + 1)
    const was = countsBy(before[key], key)
    const now = countsBy(after[key], key)
    for (const [k, n] of expected) assert.equal((now.get(k) ?? 0) - (was.get(k) ?? 0), n, `${key} ${k}`)
  }
})

test('rows without coordinates are placed at their village as 待定位: listed for the field teams, not drawn, not in drawn-area figures; placing one on the map locates it', async () => {
  const v = villages[12]!
  const lines: LedgerLine[] = [
    { village: v.code, where: '待定位甲', use: ['居住', 'residential'], land: 210, floor: 420, status: ['排查认定', 'identified'] },
    { town: v.townName, village: v.name, where: '待定位乙', use: ['商业', 'commercial'], land: 95, floor: 95, status: ['排查认定', 'identified'] },
  ]
  const area = square(v.lon, v.lat)
  const drawnBefore = (await t.app.inject({ method: 'POST', url: '/api/statistics/area', payload: { geometry: area }, headers: { cookie: planner } })).json()
  const villageBefore = (await get(`/api/statistics?admin=${v.code}`)) as Stats
  const res = await upload('no-coordinates.csv', csvOf(lines))
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().locationPending, 2)

  const placed = (await t.db.query<{ id: number; case_no: string; version: number; at_village: boolean; pending: boolean }>(
    `SELECT c.id, c.case_no, c.version, ST_Equals(c.geom, ST_PointOnSurface(a.geom)) AS at_village, c.location_pending AS pending
     FROM cases c JOIN admin_units a ON a.code = c.admin_code WHERE c.location_text LIKE '待定位%' ORDER BY c.location_text`,
  )).rows
  assert.equal(placed.length, 2)
  for (const p of placed) assert.deepEqual([p.at_village, p.pending], [true, true], p.case_no)

  // the list and the CSV the field teams take
  const list = await get(`/api/cases?admin=${v.code}&locationPending=true`)
  assert.deepEqual(list.items.map((i: Row) => i.caseNo).sort(), placed.map((p) => p.case_no).sort())
  assert.ok(list.items.every((i: Row) => i.locationPending === true))
  assert.equal(list.totals.locationPending, 2)
  assert.equal((await get(`/api/cases?admin=${v.code}`)).totals.locationPending, 2)
  const csv = await t.app.inject({ url: `/api/ledger/export.csv?admin=${v.code}&locationPending=true`, headers: { cookie: planner } })
  assert.equal(csv.statusCode, 200)
  const [header, ...data] = parseCsv(csv.body.slice(1), { rows: 100 }).map((r) => r.cells.map(String))
  assert.equal(data.length, 2 + 1, csv.body) // and the 合计 row
  const cell = (r: string[], h: string) => r[header!.indexOf(h)]
  for (const r of data.slice(0, 2)) assert.deepEqual([cell(r, '待定位'), cell(r, '经度'), cell(r, '纬度')], ['是', '', ''], r.join())

  // counted by admin unit, not drawn, not in a drawn area
  const villageAfter = (await get(`/api/statistics?admin=${v.code}`)) as Stats
  assert.equal(villageAfter.totals.count! - villageBefore.totals.count!, 2)
  assert.equal(round2(villageAfter.totals.landArea! - villageBefore.totals.landArea!), 305)
  const drawnAfter = (await t.app.inject({ method: 'POST', url: '/api/statistics/area', payload: { geometry: area }, headers: { cookie: planner } })).json()
  assert.deepEqual(drawnAfter.cases, drawnBefore.cases)
  assert.deepEqual((await caseNosInTile(v.lon, v.lat)).filter((n) => placed.some((p) => p.case_no === n)), [])
  const items = await get(`/ogc/collections/cases/items?admin_code=${v.code}&limit=1000`)
  assert.ok(!items.features.some((f: { id: number }) => placed.some((p) => p.id === f.id)))

  // placing it: If-Match required, must lie in its village, then it is drawn and the flag is gone
  const target = placed[0]!
  const point = { type: 'Point', coordinates: [v.lon, v.lat] }
  const noMatch = await t.app.inject({ method: 'PATCH', url: `/api/cases/${target.id}`, payload: { geometry: point }, headers: { cookie: planner } })
  assert.equal(noMatch.statusCode, 428)
  const elsewhere = villages.find((x) => x.code !== v.code)!
  const wrong = await t.app.inject({
    method: 'PATCH', url: `/api/cases/${target.id}`, payload: { geometry: { type: 'Point', coordinates: [elsewhere.lon, elsewhere.lat] } },
    headers: { cookie: planner, 'if-match': `"v${target.version}"` },
  })
  assert.equal(wrong.statusCode, 400, wrong.body)
  assert.equal(wrong.json().field, 'geometry')
  const located = await t.app.inject({ method: 'PATCH', url: `/api/cases/${target.id}`, payload: { geometry: point }, headers: { cookie: planner, 'if-match': `"v${target.version}"` } })
  assert.equal(located.statusCode, 200, located.body)
  assert.equal(located.json().locationPending, false)
  assert.equal(located.headers.etag, `"v${target.version + 1}"`)
  const history = (await get(`/api/cases/${target.id}/history`)).history
  const edit = history[history.length - 1]
  assert.equal(edit.action, 'edit')
  assert.match(edit.reason, /由待定位.*定位到地图上的位置/)
  assert.deepEqual([edit.before.location_pending, edit.after.location_pending, edit.after.geometry], [true, false, point])
  assert.ok((await caseNosInTile(v.lon, v.lat)).includes(target.case_no))
  assert.deepEqual((await get(`/api/cases?admin=${v.code}&locationPending=true`)).items.map((i: Row) => i.caseNo), [placed[1]!.case_no])
  const drawnLocated = (await t.app.inject({ method: 'POST', url: '/api/statistics/area', payload: { geometry: area }, headers: { cookie: planner } })).json()
  assert.equal(drawnLocated.cases.count - drawnBefore.cases.count, 1)
})

test('progress that breaks the lifecycle is refused with the row and column named, and nothing is written', async () => {
  const v = villages[20]!
  const at = { village: v.name, town: v.townName, lon: v.lon, lat: v.lat, use: ['居住', 'residential'] as [string, string], land: 50, floor: 50 }
  const lines: LedgerLine[] = [
    { ...at, where: '违规1', status: ['已拆除', 'demolished'], disposed: '2025-03-10', dLand: 50, dFloor: 50 }, // no disposal
    { ...at, where: '违规2', status: ['销账', 'closed'], disposal: '自拆', disposed: '2025-03-10', dLand: 50, dFloor: 50, accepted: '2025-03-11' }, // no closing date
    { ...at, where: '违规3', status: ['已拆除', 'demolished'], disposal: '强拆', order: '2025-04-01', deadline: '2025-04-10', disposed: '2025-03-10', dLand: 50, dFloor: 50 }, // before the order
    { ...at, where: '违规4', status: ['排查认定', 'identified'], deadline: '2025-04-10' }, // deadline without an order
    { ...at, where: '违规5', status: ['补办手续', 'regularised'], disposal: '自拆', disposed: '2025-03-10' },
    { ...at, where: '违规6', status: ['暂缓', 'deferred'], disposal: '暂缓' }, // no reason
    { ...at, where: '违规7', status: ['已拆除', 'demolished'], disposal: '自拆', disposed: '2025-03-10', dLand: -5, dFloor: 50 },
    { ...at, where: '违规8', status: ['已拆除', 'demolished'], disposal: '自拆', disposed: '2025-03-10', dLand: 50, dFloor: 50, reuse: '拆违还路', green: 20 },
    { ...at, where: '违规9', status: ['已完成', 'closed'] }, // not a status
    { ...at, where: '无误', status: ['已拆除', 'demolished'], disposal: '自拆', disposed: '2025-03-10', dLand: 50, dFloor: 50 },
  ]
  const before = await caseCount()
  const res = await upload('违规进度.csv', csvOf(lines))
  assert.equal(res.statusCode, 400, res.body)
  const report = res.json()
  assert.equal(report.code, 'rows_invalid')
  assert.deepEqual(
    report.problems.map((p: { row: number; column: string }) => [p.row, p.column]),
    [[2, '拆除方式'], [3, '销账时间'], [4, '处置时间'], [5, '限期'], [6, '拆除方式'], [7, '暂缓原因'], [8, '拆除占地面积'], [9, '覆绿面积'], [10, '整治状态']],
  )
  const messages = report.problems.map((p: { message: string }) => p.message)
  assert.deepEqual(messages.slice(0, 6), [
    '状态为已拆除，须填写处置方式',
    '状态为销账，须填写销账时间',
    '拆除（处置）时间早于限期拆除决定时间',
    '填写了整改期限，但没有限期拆除决定时间',
    '状态“补办手续”与处置方式不符',
    '状态为暂缓，须填写暂缓原因',
  ])
  assert.match(messages[6], /不能为负数/)
  assert.match(messages[7], /复绿面积只随“建绿”或“添景”/)
  assert.match(messages[8], /“已完成”不是可选值/)
  for (const p of report.problems) assert.ok(p.messageEn, JSON.stringify(p))
  assert.equal(await caseCount(), before, 'nothing written')
})

test('a ledger of seed 004’s size (55,203 rows, CSV) is no longer refused: it imports in the background and is polled to the end', async ({ annotate }) => {
  const n = 55_203
  const USES = ['居住', '仓储', '商业', '办公', '其他']
  const head = '序号,所在村,位置,用途,发现来源,发现时间,占地面积,建筑面积,整治状态,拆除方式,拆除时间,拆除占地面积,拆除建筑面积,经度,纬度'
  const body: string[] = [head]
  for (let i = 0; i < n; i++) {
    const v = villages[i % villages.length]!
    const demolished = i % 4 === 0
    const pending = i % 10 === 9
    body.push([
      i + 1, v.code, `西城台账${i}号`, USES[i % 5], '巡查', `2024-${String(1 + (i % 12)).padStart(2, '0')}-0${1 + (i % 9)}`, 10 + (i % 90), 20 + (i % 90),
      demolished ? '已拆除' : '', demolished ? '自拆' : '', demolished ? '2025-06-30' : '', demolished ? 10 + (i % 90) : '', demolished ? 20 + (i % 90) : '',
      pending ? '' : v.lon, pending ? '' : v.lat,
    ].join(','))
  }
  const file = Buffer.from(body.join('\n'))
  const stranger = await t.signIn('planner')
  const before = await caseCount()
  const t0 = performance.now()
  const res = await upload('西城区台账.csv', file)
  assert.equal(res.statusCode, 202, res.body)
  const job = res.json()
  assert.equal(res.headers.location, `/api/ledger/imports/${job.id}`)
  assert.equal(job.state, 'running')
  // only the user who started it sees it
  assert.equal((await t.app.inject({ url: `/api/ledger/imports/${job.id}`, headers: { cookie: stranger } })).statusCode, 404)
  let status = job
  const fractions: number[] = []
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 500))
    status = await get(`/api/ledger/imports/${job.id}`)
    fractions.push(status.progress.fraction)
  }
  const ms = performance.now() - t0
  assert.equal(status.state, 'done', JSON.stringify(status.error ?? status))
  assert.deepEqual([status.result.imported, status.result.rows, status.result.problemCount, status.result.locationPending], [n, n, 0, Math.floor(n / 10)])
  assert.ok(fractions.every((f) => f >= 0 && f <= 1), fractions.join())
  assert.equal(await caseCount(), before + n)
  const demolished = await one<{ n: number; land: number }>(
    `SELECT count(*) AS n, sum(demolished_land_area_m2) AS land FROM cases WHERE location_text LIKE '西城台账%' AND status = 'demolished'`,
  )
  let land = 0
  for (let i = 0; i < n; i += 4) land += 10 + (i % 90)
  assert.deepEqual([demolished.n, demolished.land], [Math.ceil(n / 4), land])
  await annotate(`${BACKEND}: ${n} rows imported in the background in ${Math.round(ms / 1000)} s`)
})
