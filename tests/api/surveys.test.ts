// 自建房安全排查 through the API: a house's file from creation to resolution (with its rules, stale
// writes, the case opened for a violation found, personal data by role), the worklist, figures
// that equal sums computed here by hand from the files made, and the survey workbook: exported,
// read back unchanged, re-exported identical; a new workbook opens files; a bad one writes nothing.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import ExcelJS from 'exceljs'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
let analyst: string

beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  analyst = await t.signIn('analyst')
})
afterAll(() => t.close())

const base = {
  addressText: null, ownerType: 'individual', floors: 2, structure: 'brick_concrete', builtYear: 2008, use: 'residential', businessKind: null,
  rented: false, residents: 4, workers: 0, businessLicence: null, appraisal: 'none', appraisalGrade: null, hazard: 'none',
} as const
type Fields = Record<string, unknown>

/** Self-built buildings without a file, in villages of one town, `n` per village. */
async function freeBuildings(n: number): Promise<{ id: number; village: string }[]> {
  const r = await t.db.query<{ id: number; village: string }>(
    `SELECT id, admin_code AS village FROM (
       SELECT b.id, b.admin_code, row_number() OVER (PARTITION BY b.admin_code ORDER BY b.id) AS k
       FROM buildings b WHERE b.self_built AND NOT EXISTS (SELECT 1 FROM house_surveys s WHERE s.building_id = b.id)
         AND b.admin_code LIKE (SELECT left(admin_code, 9) FROM buildings WHERE self_built GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) || '%') q
     WHERE k <= $1 ORDER BY admin_code, id`,
    [n],
  )
  return r.rows
}
const create = (body: Fields, cookie = planner) => t.app.inject({ method: 'POST', url: '/api/surveys', headers: { cookie }, payload: body })
const write = (method: 'POST' | 'PATCH', url: string, version: number, payload?: object) =>
  t.app.inject({ method, url, headers: { cookie: planner, 'if-match': `"v${version}"` }, ...(payload ? { payload } : {}) })

test('a house file from the survey to the hazard removed, every step in its history', async () => {
  const [b] = await freeBuildings(1)
  const fields = { ...base, floors: 3, use: 'mixed', businessKind: 'shop', rented: true, businessLicence: false, appraisal: 'done', appraisalGrade: 'C', hazard: 'major', ownerName: '刘房主', ownerPhone: '13700001111' }
  const made = await create({ buildingId: b!.id, ...fields })
  assert.equal(made.statusCode, 201, made.body)
  const file = made.json()
  assert.equal(made.headers.etag, '"v1"')
  assert.equal(file.status, 'surveyed')
  assert.equal(file.needsMeasures, true)
  assert.equal(file.adminCode, b!.village)
  assert.deepEqual(file.owner, { name: '刘房主', phone: '13700001111' })
  assert.equal((await t.app.inject({ url: `/api/surveys/${file.id}`, headers: { cookie: analyst } })).json().owner, undefined, 'analysts do not see the owner')

  const again = await create({ buildingId: b!.id, ...fields })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().code, 'survey_exists')
  assert.equal(again.json().surveyId, file.id)

  assert.equal((await write('POST', `/api/surveys/${file.id}/resolve`, 1)).statusCode, 409, 'nothing done yet')
  const measure = await write('POST', `/api/surveys/${file.id}/measures`, 1, { kind: 'stop_use', deadline: '2026-01-05', note: '立即停止经营' })
  assert.equal(measure.statusCode, 200, measure.body)
  assert.equal(measure.json().status, 'rectifying')
  assert.equal(measure.json().measures[0].overdue, true)
  const overdue = (await t.app.inject({ url: '/api/surveys?overdue=true', headers: { cookie: planner } })).json()
  assert.ok(overdue.items.some((s: { id: number }) => s.id === file.id))

  const stale = await write('PATCH', `/api/surveys/${file.id}`, 1, { residents: 3 })
  assert.equal(stale.statusCode, 412)
  const resolveEarly = await write('POST', `/api/surveys/${file.id}/resolve`, 2)
  assert.equal(resolveEarly.statusCode, 409)
  assert.equal(resolveEarly.json().code, 'cannot_resolve')
  const done = await write('POST', `/api/surveys/${file.id}/measures/${measure.json().measures[0].id}/done`, 2)
  assert.equal(done.statusCode, 200, done.body)
  assert.equal(done.json().measures[0].overdue, false)
  const resolved = await write('POST', `/api/surveys/${file.id}/resolve`, 3)
  assert.equal(resolved.statusCode, 200, resolved.body)
  assert.equal(resolved.json().status, 'resolved')
  assert.ok(resolved.json().resolvedAt)

  // a violation found during the survey: a ledger case at the house, linked
  const withCase = await write('POST', `/api/surveys/${file.id}/case`, 4, { use: 'commercial', note: '违法加建一层' })
  assert.equal(withCase.statusCode, 200, withCase.body)
  const [c] = (await t.db.query<{ source: string; floors: number; flags: string[]; same: boolean }>(
    `SELECT c.source, c.floors, c.flags, ST_Equals(c.geom, s.geom) AS same FROM cases c JOIN house_surveys s ON s.case_id = c.id WHERE s.id = $1`, [file.id])).rows
  assert.deepEqual({ ...c! }, { source: 'patrol', floors: 3, flags: ['rented_3plus'], same: true })
  assert.ok(withCase.json().caseNo)
  assert.equal((await write('POST', `/api/surveys/${file.id}/case`, 5, { use: 'other' })).statusCode, 409, 'one case per file')

  const history = (await t.app.inject({ url: `/api/surveys/${file.id}/history`, headers: { cookie: planner } })).json().items
  assert.deepEqual(history.map((h: { action: string }) => h.action), ['create', 'measure', 'refused:stale_version', 'measure_done', 'resolve', 'case'])
  assert.ok(!JSON.stringify(history).includes('刘房主'), 'the owner stays out of the trail')
})

test('the fields must agree: business needs its kind and licence, an appraisal its grade; a point outside the district is refused', async () => {
  const [b] = await freeBuildings(1)
  const business = await create({ buildingId: b!.id, ...base, use: 'business', businessKind: null, businessLicence: true })
  assert.equal(business.statusCode, 400)
  assert.equal(business.json().field, 'businessKind')
  const grade = await create({ buildingId: b!.id, ...base, appraisal: 'done' })
  assert.equal(grade.json().field, 'appraisalGrade')
  const outside = await create({ point: [121.47, 31.23], ...base })
  assert.equal(outside.statusCode, 422)
  const neither = await create({ ...base })
  assert.equal(neither.statusCode, 400)
  assert.equal(await count(`house_surveys WHERE building_id = $1`, [b!.id]), 0)
})

const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n

test('the worklist holds the self-built houses without a file, focus first', async () => {
  const list = (await t.app.inject({ url: '/api/surveys/worklist?limit=2000', headers: { cookie: planner } })).json()
  const withFile = new Set((await t.db.query<{ id: number }>(`SELECT building_id AS id FROM house_surveys WHERE building_id IS NOT NULL`)).rows.map((r) => r.id))
  assert.equal(list.total, await count(`buildings b WHERE self_built AND NOT EXISTS (SELECT 1 FROM house_surveys s WHERE s.building_id = b.id)`))
  assert.equal(list.surveyed, withFile.size)
  assert.ok(list.items.every((i: { buildingId: number }) => !withFile.has(i.buildingId)))
  const firstPlain = list.items.findIndex((i: { focus: boolean }) => !i.focus)
  assert.ok(firstPlain === -1 || list.items.slice(firstPlain).every((i: { focus: boolean }) => !i.focus), 'focus houses come first')
})

test('the figures equal sums computed by hand from the files made', async () => {
  const fresh = await testApp('tiny')
  try {
    const cookie = await fresh.signIn('planner')
    const buildings = (await fresh.db.query<{ id: number; village: string }>(
      `SELECT id, admin_code AS village FROM (SELECT b.id, b.admin_code, row_number() OVER (PARTITION BY b.admin_code ORDER BY b.id) AS k FROM buildings b
         WHERE b.self_built AND b.admin_code LIKE (SELECT left(admin_code, 9) FROM buildings WHERE self_built GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) || '%') q
       WHERE k <= 4 ORDER BY admin_code, id LIMIT 12`,
    )).rows
    assert.ok(buildings.length >= 8)
    // a spread of houses: every fourth business without licence, every third appraised C or D, …
    const made: (Fields & { village: string })[] = []
    for (const [i, b] of buildings.entries()) {
      const business = i % 4 === 0
      const appraised = i % 3 === 0
      const f: Fields = {
        ...base, floors: 1 + (i % 4), rented: i % 2 === 1,
        use: business ? (i % 8 === 0 ? 'business' : 'mixed') : 'residential', businessKind: business ? 'restaurant' : null, businessLicence: business ? i % 8 !== 0 : null,
        appraisal: appraised ? 'done' : 'none', appraisalGrade: appraised ? (i % 2 === 0 ? 'C' : 'D') : null,
        hazard: (['none', 'general', 'major', 'severe'] as const)[i % 4],
      }
      const res = await fresh.app.inject({ method: 'POST', url: '/api/surveys', headers: { cookie }, payload: { buildingId: b.id, ...f } })
      assert.equal(res.statusCode, 201, res.body)
      if (i % 5 === 0) {
        const m = await fresh.app.inject({ method: 'POST', url: `/api/surveys/${res.json().id}/measures`, headers: { cookie, 'if-match': '"v1"' }, payload: { kind: 'repair', deadline: '2025-12-31' } })
        assert.equal(m.statusCode, 200, m.body)
      }
      made.push({ ...f, village: b.village, measured: i % 5 === 0 })
    }
    const sum = (pred: (f: Fields & { village: string }) => boolean, rows = made) => rows.filter(pred).length
    const expected = (rows: typeof made) => ({
      surveyed: rows.length,
      floors3plus: sum((f) => (f.floors as number) >= 3, rows),
      business: sum((f) => f.use !== 'residential', rows),
      businessWithoutLicence: sum((f) => f.use !== 'residential' && f.businessLicence === false, rows),
      rented: sum((f) => f.rented === true, rows),
      withoutAppraisal: sum((f) => f.appraisal === 'none', rows),
      appraised: sum((f) => f.appraisal === 'done', rows),
      gradeC: sum((f) => f.appraisalGrade === 'C', rows),
      gradeD: sum((f) => f.appraisalGrade === 'D', rows),
      hazards: sum((f) => f.hazard !== 'none', rows),
      rectifying: sum((f) => f.measured === true, rows),
      resolved: 0,
      overdueMeasures: sum((f) => f.measured === true, rows),
    })
    const byVillage = (await fresh.app.inject({ url: '/api/surveys/statistics?by=village', headers: { cookie } })).json()
    const { selfBuilt: _s, ...total } = byVillage.total
    assert.deepEqual(total, expected(made))
    for (const village of new Set(made.map((f) => f.village))) {
      const g = byVillage.groups.find((x: { key: string }) => x.key === village)
      const { selfBuilt, ...figures } = g.figures
      assert.deepEqual(figures, expected(made.filter((f) => f.village === village)), village)
      assert.equal(selfBuilt, await fresh.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM buildings WHERE self_built AND admin_code = $1`, [village]).then((r) => r.rows[0]!.n))
      assert.ok(g.label.length > 0)
    }
    // every village with self-built houses has its row, with or without files, and the rows add up to the total
    const villagesWithHouses = await fresh.db.query<{ n: number }>(`SELECT count(DISTINCT admin_code)::int AS n FROM buildings WHERE self_built`)
    assert.equal(byVillage.groups.length, villagesWithHouses.rows[0]!.n)
    assert.equal(byVillage.groups.reduce((n: number, g: { figures: { selfBuilt: number } }) => n + g.figures.selfBuilt, 0), byVillage.total.selfBuilt)
    assert.equal(byVillage.groups.reduce((n: number, g: { figures: { surveyed: number } }) => n + g.figures.surveyed, 0), made.length)
    const byHazard = (await fresh.app.inject({ url: '/api/surveys/statistics?by=hazard', headers: { cookie } })).json()
    for (const h of ['none', 'general', 'major', 'severe']) {
      const g = byHazard.groups.find((x: { key: string }) => x.key === h)
      assert.equal(g.figures.surveyed, sum((f) => f.hazard === h), h)
    }
    const byGrade = (await fresh.app.inject({ url: '/api/surveys/statistics?by=grade', headers: { cookie } })).json()
    assert.equal(byGrade.groups.find((x: { key: string }) => x.key === '-').figures.surveyed, sum((f) => f.appraisal === 'none'))
  } finally {
    await fresh.close()
  }
})

/** Every cell of the first sheet, row by row, as text. */
async function cells(bytes: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes as unknown as ArrayBuffer)
  const rows: string[][] = []
  wb.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))))
  return rows
}
const exportXlsx = async () => (await t.app.inject({ url: '/api/surveys/export.xlsx', headers: { cookie: planner } })).rawPayload
const importXlsx = async (bytes: Buffer) => {
  const boundary = '----survey'
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return t.app.inject({ method: 'POST', url: '/api/surveys/import', payload, headers: { cookie: planner, 'content-type': `multipart/form-data; boundary=${boundary}` } })
}

test('the survey workbook: a new one opens files; an export reads back unchanged and re-exports identical; a bad value writes nothing', async () => {
  const frees = await freeBuildings(2)
  const template = (await t.app.inject({ url: '/api/surveys/template.xlsx', headers: { cookie: planner } })).rawPayload
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(template as unknown as ArrayBuffer)
  const ws = wb.worksheets[0]!
  const headers = (ws.getRow(1).values as string[]).slice(1)
  const put = (values: Record<string, string | number>) => ws.addRow(headers.map((h) => values[h] ?? ''))
  put({ 建筑编号: frees[0]!.id, 产权类型: '个人', 户主姓名: '孙户主', 联系电话: '13511112222', 层数: 4, 结构类型: '框架', 建成年份: 2012, 用途: '居住兼经营', 经营类型: '旅馆民宿', 是否出租: '是', 居住人数: 6, 从业人数: 3, 营业执照: '无', 安全鉴定: '已鉴定', 鉴定等级: 'D', 隐患等级: '严重', 排查日期: '2026-11-20' })
  put({ 建筑编号: frees[1]!.id, 产权类型: '集体', 层数: 1, 结构类型: '砖木', 用途: '居住', 是否出租: '否', 安全鉴定: '未鉴定', 隐患等级: '无', 排查日期: '2026-11-21' })
  const before = await count('house_surveys')
  const first = await importXlsx(Buffer.from(await wb.xlsx.writeBuffer()))
  assert.equal(first.statusCode, 200, first.body)
  assert.deepEqual({ ...(first.json() as object), problems: first.json().problems.length }, { created: 2, updated: 0, unchanged: 0, problems: 0 })
  assert.equal(await count('house_surveys'), before + 2)
  const [s] = (await t.db.query<Record<string, unknown>>(`SELECT floors, use, business_kind, business_licence, appraisal_grade, hazard, owner_name, to_char(surveyed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day FROM house_surveys WHERE building_id = $1`, [frees[0]!.id])).rows
  assert.deepEqual({ ...s }, { floors: 4, use: 'mixed', business_kind: 'hotel', business_licence: false, appraisal_grade: 'D', hazard: 'severe', owner_name: '孙户主', day: '2026-11-20' })

  const exported = await exportXlsx()
  const back = await importXlsx(exported)
  assert.equal(back.statusCode, 200, back.body)
  assert.deepEqual({ ...(back.json() as object), problems: back.json().problems.length }, { created: 0, updated: 0, unchanged: await count('house_surveys'), problems: 0 })
  assert.deepEqual(await cells(await exportXlsx()), await cells(exported), 're-exported unchanged')

  // one cell changed: that file is updated, the rest unchanged
  const edited = new ExcelJS.Workbook()
  await edited.xlsx.load(exported as unknown as ArrayBuffer)
  const sheet = edited.worksheets[0]!
  const col = (h: string) => (sheet.getRow(1).values as string[]).indexOf(h)
  const row = sheet.getRow(2)
  row.getCell(col('居住人数')).value = 9
  const changed = await importXlsx(Buffer.from(await edited.xlsx.writeBuffer()))
  assert.equal(changed.json().updated, 1, changed.body)
  // a bad value anywhere: the Chinese problem, nothing written
  row.getCell(col('居住人数')).value = 1
  sheet.getRow(3).getCell(col('隐患等级')).value = '很危险'
  const versions = await t.db.query<{ v: number }>(`SELECT sum(version)::int AS v FROM house_surveys`)
  const bad = await importXlsx(Buffer.from(await edited.xlsx.writeBuffer()))
  assert.equal(bad.statusCode, 200)
  assert.equal(bad.json().updated + bad.json().created, 0)
  assert.equal(bad.json().problems[0].row, 3)
  assert.match(bad.json().problems[0].messageZh, /很危险/)
  assert.equal((await t.db.query<{ v: number }>(`SELECT sum(version)::int AS v FROM house_surveys`)).rows[0]!.v, versions.rows[0]!.v, 'nothing changed')
})
