// 排查统计 of the self-built-house safety survey (issue 14) in Chromium against the real server (fresh
// database, tiny sample). Six house files are opened through the API on self-built footprints of two
// villages of one town, with different floors, uses, grades and hazards; measures are added, some
// with deadlines already past (one of them done). The district administrator opens the survey view's
// 统计 tab, narrows it to the town and reads the table by village and by hazard: every row and the
// 合计 row equal the figures counted here by hand in SQL over house_surveys (then read in English,
// by use). The overdue list holds the three files with an open measure past its deadline (the
// measure in Chinese, its days overdue), and a click opens the file in the survey view
// (#view=survey&survey=<id>). The town's workbook is exported, one cell changed with exceljs and
// imported (updated 1); then a bad 隐患等级 is refused with the Chinese problem on its row, and
// nothing in the database changed.
//
// With CHAIWEI_SCREENSHOTS=1 the test also writes docs/screenshots/survey-stats*.png (1280×900).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ExcelJS from 'exceljs'
import { chromium, request as apiRequest, type APIRequestContext, type Browser, type Page } from 'playwright-core'
import type { Db } from '../../server/src/db/db.ts'
import { startTestServer } from '../helpers/server.ts'
import { CHROMIUM, LAUNCH_ARGS, logIn, MAP_TIMEOUT, open, type Session } from './browser.ts'

const TEST_TIMEOUT = 300_000
const SHOTS = process.env.CHAIWEI_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : null
const WEB_DIST = resolve(import.meta.dirname, '../../web/dist/index.html')

let db: Db
let browser: Browser
let url: string
let close: () => Promise<void>
let login: { username: string; password: string }
let api: APIRequestContext
let session: Session
let page: Page

const q = async <T>(sql: string, params: unknown[] = []) => (await db.query<T & Record<string, unknown>>(sql, params)).rows

/** A Beijing date `days` from today (negative: in the past), YYYY-MM-DD. */
const beijingDate = (days: number) => new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10)

const base = {
  addressText: null, ownerType: 'individual', floors: 2, structure: 'brick_concrete', builtYear: 2008, use: 'residential', businessKind: null,
  rented: false, residents: 4, workers: 0, businessLicence: null, appraisal: 'none', appraisalGrade: null, hazard: 'none',
} as const

interface Seeded {
  town: { code: string; name: string }
  villages: { code: string; name: string }[]
  /** file ids by name (a1..a3 in the first village, b1..b3 in the second) */
  ids: Record<string, number>
  /** the open measures past their deadline: file id, kind, deadline */
  overdue: { survey: number; kind: string; deadline: string }[]
}
let seeded: Seeded

beforeAll(async () => {
  assert.ok(existsSync(WEB_DIST), `no built web app at ${WEB_DIST}: run npm run build:web`)
  const server = await startTestServer()
  db = server.db
  url = server.url
  close = server.close
  login = server.login
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, '--lang=zh-CN'] })
  api = await apiRequest.newContext({ baseURL: url })
  const signedIn = await api.post('/api/auth/login', { data: login })
  assert.equal(signedIn.status(), 200, await signedIn.text())
  seeded = await seed()
})

afterAll(async () => {
  await session?.context.close()
  await api?.dispose()
  await browser?.close()
  await close?.()
})

async function shot(name: string) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(600)
  await page.screenshot({ path: resolve(SHOTS, name), fullPage: false })
}

/** Six files in two villages of one town, and their measures, through the API. */
async function seed(): Promise<Seeded> {
  // a town with two villages of at least three self-built footprints each
  const rows = await q<{ town: string; town_name: string; village: string; village_name: string; ids: number[] }>(
    `SELECT t.code AS town, t.name AS town_name, v.code AS village, v.name AS village_name,
            (array_agg(b.id ORDER BY b.id))[1:3]::int[] AS ids
     FROM buildings b JOIN admin_units v ON v.code = b.admin_code JOIN admin_units t ON t.code = left(b.admin_code, 9)
     WHERE b.self_built
     GROUP BY 1, 2, 3, 4 HAVING count(*) >= 3
     ORDER BY 1, 3`,
  )
  const town = rows.find((r) => rows.filter((x) => x.town === r.town).length >= 2)
  assert.ok(town, 'the sample has a town with two villages of self-built houses')
  const [va, vb] = rows.filter((r) => r.town === town.town)
  const files: Record<string, { building: number; fields: Record<string, unknown> }> = {
    a1: { building: va!.ids[0]!, fields: { floors: 3, use: 'mixed', businessKind: 'shop', rented: true, businessLicence: false, appraisal: 'done', appraisalGrade: 'C', hazard: 'major', addressText: '一号院' } },
    a2: { building: va!.ids[1]!, fields: { floors: 2 } },
    a3: { building: va!.ids[2]!, fields: { floors: 4, use: 'business', businessKind: 'restaurant', businessLicence: true, workers: 6, appraisal: 'done', appraisalGrade: 'D', hazard: 'severe' } },
    b1: { building: vb!.ids[0]!, fields: { floors: 1, rented: true, appraisal: 'done', appraisalGrade: 'A' } },
    b2: { building: vb!.ids[1]!, fields: { floors: 3, appraisal: 'done', appraisalGrade: 'B', hazard: 'general' } },
    b3: { building: vb!.ids[2]!, fields: { floors: 2, use: 'mixed', businessKind: 'hotel', businessLicence: false, hazard: 'general', residents: 7 } },
  }
  const ids: Record<string, number> = {}
  const versions: Record<string, number> = {}
  for (const [name, f] of Object.entries(files)) {
    const res = await api.post('/api/surveys', { data: { buildingId: f.building, ...base, ...f.fields } })
    assert.equal(res.status(), 201, await res.text())
    const body = (await res.json()) as { id: number; version: number }
    ids[name] = body.id
    versions[name] = body.version
  }
  const measure = async (name: string, kind: string, days: number) => {
    const res = await api.post(`/api/surveys/${ids[name]}/measures`, { data: { kind, deadline: beijingDate(days) }, headers: { 'if-match': `"v${versions[name]}"` } })
    assert.equal(res.status(), 200, await res.text())
    const body = (await res.json()) as { version: number; measures: { id: number; kind: string; overdue: boolean }[] }
    versions[name] = body.version
    // the file lists its measures by deadline: the new one is found by its kind
    return body.measures.find((m) => m.kind === kind)!.id
  }
  await measure('a1', 'stop_use', -10)
  await measure('a1', 'reinforce', 20)
  await measure('a3', 'evacuate', -3)
  await measure('a3', 'demolish', -1)
  await measure('b2', 'repair', -5)
  const done = await measure('b2', 'monitor', -30)
  const finished = await api.post(`/api/surveys/${ids.b2}/measures/${done}/done`, { headers: { 'if-match': `"v${versions.b2}"` } })
  assert.equal(finished.status(), 200, await finished.text())
  return {
    town: { code: town.town, name: town.town_name },
    villages: [va!, vb!].map((v) => ({ code: v.village, name: v.village_name })),
    ids,
    overdue: [
      { survey: ids.a1!, kind: 'stop_use', deadline: beijingDate(-10) },
      { survey: ids.a3!, kind: 'evacuate', deadline: beijingDate(-3) },
      { survey: ids.a3!, kind: 'demolish', deadline: beijingDate(-1) },
      { survey: ids.b2!, kind: 'repair', deadline: beijingDate(-5) },
    ],
  }
}

/** The figures of the files under `like` grouped by `key` (an SQL expression over s), counted by hand. */
async function expected(key: string, like: string): Promise<Map<string, Record<string, number>>> {
  const today = beijingDate(0)
  const rows = await q<Record<string, number> & { key: string }>(
    `SELECT ${key} AS key,
            count(*)::int AS surveyed,
            count(*) FILTER (WHERE s.floors >= 3)::int AS "floors3plus",
            count(*) FILTER (WHERE s.use IN ('business', 'mixed'))::int AS business,
            count(*) FILTER (WHERE s.use IN ('business', 'mixed') AND NOT s.business_licence)::int AS "businessWithoutLicence",
            count(*) FILTER (WHERE s.rented)::int AS rented,
            count(*) FILTER (WHERE s.appraisal_grade IS NULL)::int AS "withoutAppraisal",
            count(*) FILTER (WHERE s.appraisal_grade = 'C')::int AS "gradeC",
            count(*) FILTER (WHERE s.appraisal_grade = 'D')::int AS "gradeD",
            count(*) FILTER (WHERE s.hazard IN ('general', 'major', 'severe'))::int AS hazards,
            count(*) FILTER (WHERE s.status = 'rectifying')::int AS rectifying,
            count(*) FILTER (WHERE s.status = 'resolved')::int AS resolved,
            coalesce(sum(o.n), 0)::int AS "overdueMeasures"
     FROM house_surveys s
          LEFT JOIN (SELECT survey_id, count(*) AS n FROM survey_measures WHERE done_at IS NULL AND deadline < $2::date GROUP BY 1) o ON o.survey_id = s.id
     WHERE s.admin_code LIKE $1 || '%'
     GROUP BY ROLLUP (1)`,
    [like, today],
  )
  const selfBuilt = await q<{ key: string | null; n: number }>(
    `SELECT admin_code AS key, count(*)::int AS n FROM buildings WHERE self_built AND admin_code LIKE $1 || '%' GROUP BY ROLLUP (1)`,
    [like],
  )
  const out = new Map<string, Record<string, number>>()
  for (const r of rows) {
    const { key: k, ...figures } = r
    const n = selfBuilt.find((s) => s.key === k)?.n ?? 0
    out.set(k ?? 'total', { ...figures, selfBuilt: n })
  }
  return out
}

/** The numbers of a table row by column (data-col), commas and % kept out. */
async function rowFigures(row: ReturnType<Page['locator']>): Promise<Record<string, string>> {
  return row.locator('td[data-col]').evaluateAll((cells) => Object.fromEntries(cells.map((c) => [c.getAttribute('data-col')!, (c.textContent ?? '').replace(/,/g, '').trim()])))
}

function assertRow(got: Record<string, string>, want: Record<string, number>, admin: boolean, what: string) {
  const cols = ['surveyed', 'floors3plus', 'business', 'businessWithoutLicence', 'rented', 'withoutAppraisal', 'gradeC', 'gradeD', 'hazards', 'rectifying', 'resolved', 'overdueMeasures']
  for (const c of cols) assert.equal(got[c], String(want[c]), `${what}: ${c}`)
  if (admin) {
    assert.equal(got.selfBuilt, String(want.selfBuilt), `${what}: selfBuilt`)
    assert.equal(got.rate, want.selfBuilt! > 0 ? `${((100 * want.surveyed!) / want.selfBuilt!).toFixed(1)}%` : '—', `${what}: rate`)
  } else {
    assert.equal(got.selfBuilt, undefined, `${what}: no selfBuilt column outside town/village`)
    assert.equal(got.rate, undefined, `${what}: no rate column outside town/village`)
  }
}

/** The survey view's 统计 tab, with the panel in it. */
async function openStats() {
  await page.evaluate(() => {
    window.location.hash = 'view=survey'
  })
  await page.getByTestId('survey-tab-stats').click({ timeout: MAP_TIMEOUT })
  await page.getByTestId('survey-stats').waitFor({ timeout: MAP_TIMEOUT })
}

async function pickTown() {
  const panel = page.getByTestId('survey-stats')
  await panel.getByTestId('survey-stats-area-input').fill(seeded.town.name)
  await panel.locator(`[data-testid="survey-stats-area-hit"][data-code="${seeded.town.code}"]`).click()
  await panel.locator(`[data-testid="survey-stats-area"][data-code="${seeded.town.code}"]`).waitFor()
}

async function figuresReady(by: string) {
  await page.locator(`[data-testid="survey-stats-figures"][data-by="${by}"][data-state="ok"]`).waitFor({ timeout: MAP_TIMEOUT })
}

test('the figures by village and by hazard equal the counts over house_surveys, row by row and in 合计', { timeout: TEST_TIMEOUT }, async () => {
  session = await open(browser, url, { width: 1280, height: 900 })
  page = session.page
  await logIn(page, login)
  await page.getByTestId('map').waitFor({ timeout: MAP_TIMEOUT })
  await openStats()
  const panel = page.getByTestId('survey-stats')

  // the whole district first: 合计 counts all six files, the self-built houses of every village
  await figuresReady('village')
  const district = await expected('s.admin_code', '110111')
  assertRow(await rowFigures(panel.getByTestId('survey-stats-total')), district.get('total')!, true, 'district 合计')

  await pickTown()
  await page.waitForFunction(
    (code) => document.querySelector('[data-testid="survey-stats"]')?.getAttribute('data-area') === code && document.querySelector('[data-testid="survey-stats-figures"]')?.getAttribute('data-state') === 'ok',
    seeded.town.code,
  )
  const byVillage = await expected('s.admin_code', seeded.town.code)
  const villageRows = panel.getByTestId('survey-stats-row')
  // every village of the town with self-built houses has its row, surveyed or not
  const withHouses = (await q<{ code: string }>(`SELECT DISTINCT admin_code AS code FROM buildings WHERE self_built AND admin_code LIKE $1 || '%' ORDER BY 1`, [seeded.town.code])).map((r) => r.code)
  assert.deepEqual(await villageRows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key'))), withHouses)
  for (const code of withHouses.filter((c) => !seeded.villages.some((v) => v.code === c))) {
    assert.equal((await rowFigures(panel.locator(`[data-testid="survey-stats-row"][data-key="${code}"]`))).surveyed, '0', `${code} has no file`)
  }
  for (const v of seeded.villages) {
    const row = panel.locator(`[data-testid="survey-stats-row"][data-key="${v.code}"]`)
    assert.equal((await row.locator('th').textContent())?.trim(), v.name)
    assertRow(await rowFigures(row), byVillage.get(v.code)!, true, v.name)
  }
  const total = byVillage.get('total')!
  assertRow(await rowFigures(panel.getByTestId('survey-stats-total')), total, true, 'town 合计')
  // what was seeded, as a check on the hand count itself
  assert.deepEqual(
    { surveyed: total.surveyed, business: total.business, noLicence: total.businessWithoutLicence, c: total.gradeC, d: total.gradeD, hazards: total.hazards, overdue: total.overdueMeasures },
    { surveyed: 6, business: 3, noLicence: 2, c: 1, d: 1, hazards: 4, overdue: 4 },
  )
  await panel.locator('[data-testid="survey-stats-chart"][data-rendered="true"]').waitFor({ timeout: MAP_TIMEOUT })
  await shot('survey-stats.png')

  await panel.getByTestId('survey-stats-by-hazard').click()
  await figuresReady('hazard')
  const byHazard = await expected('s.hazard', seeded.town.code)
  const keys = await panel.getByTestId('survey-stats-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')))
  assert.deepEqual(keys, ['none', 'general', 'major', 'severe'], 'in the order of the hazard levels')
  const names: Record<string, string> = { none: '无隐患', general: '一般隐患', major: '较大隐患', severe: '严重隐患' }
  for (const k of keys) {
    const row = panel.locator(`[data-testid="survey-stats-row"][data-key="${k}"]`)
    assert.equal((await row.locator('th').textContent())?.trim(), names[k!])
    assertRow(await rowFigures(row), byHazard.get(k!)!, false, k!)
  }
  assertRow(await rowFigures(panel.getByTestId('survey-stats-total')), byHazard.get('total')!, false, 'hazard 合计')
  assert.equal(await panel.locator('thead th').filter({ hasText: '自建房数' }).count(), 0, 'no 自建房数 column by hazard')
  await shot('survey-stats-hazard.png')

  await panel.getByTestId('survey-stats-by-grade').click()
  await figuresReady('grade')
  assert.equal((await panel.locator('[data-testid="survey-stats-row"][data-key="-"] th').textContent())?.trim(), '未鉴定')
  assert.deepEqual(await panel.getByTestId('survey-stats-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key'))), ['A', 'B', 'C', 'D', '-'])

  // in English: the same figures under English labels
  await page.getByTestId('lang-en').click()
  await panel.getByTestId('survey-stats-by-use').click()
  await figuresReady('use')
  assert.equal((await panel.locator('[data-testid="survey-stats-row"][data-key="mixed"] th').textContent())?.trim(), 'Residential and business')
  assert.equal((await panel.getByTestId('survey-stats-total').locator('th').textContent())?.trim(), 'Total')
  await shot('survey-stats-en.png')
  await page.getByTestId('lang-zh-CN').click()
  await panel.getByTestId('survey-stats-by-village').click()
  assert.deepEqual(session.pageErrors, [])
})

test('the overdue measures list the seeded files, each linking to its file', { timeout: TEST_TIMEOUT }, async () => {
  const panel = page.getByTestId('survey-stats')
  await panel.getByTestId('survey-stats-section-overdue').click()
  await page.locator('[data-testid="survey-stats-overdue"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
  const rows = await panel.getByTestId('survey-stats-overdue-row').evaluateAll((rs) =>
    rs.map((r) => ({ survey: Number(r.getAttribute('data-survey')), cells: [...r.querySelectorAll('td')].map((c) => (c.textContent ?? '').trim()) })),
  )
  const kinds: Record<string, string> = { stop_use: '停止使用', evacuate: '人员撤离', repair: '维修' , demolish: '拆除' }
  const want = [...seeded.overdue].sort((a, b) => a.deadline.localeCompare(b.deadline))
  assert.deepEqual(
    rows.map((r) => ({ survey: r.survey, file: r.cells[1], measure: r.cells[3], deadline: r.cells[4], days: r.cells[5] })),
    want.map((o) => ({
      survey: o.survey,
      file: String(o.survey),
      measure: kinds[o.kind],
      deadline: o.deadline,
      days: `${Math.round((Date.parse(beijingDate(0)) - Date.parse(o.deadline)) / 86_400_000)} 天`,
    })),
  )
  const villageOf = new Map((await q<{ id: number; name: string }>(`SELECT s.id::int AS id, a.name FROM house_surveys s JOIN admin_units a ON a.code = s.admin_code`)).map((r) => [r.id, r.name]))
  for (const r of rows) assert.equal(r.cells[0], villageOf.get(r.survey))
  assert.ok(!rows.some((r) => r.survey === seeded.ids.b1 || r.survey === seeded.ids.b3), 'files without an overdue measure are not listed')
  await shot('survey-stats-overdue.png')

  const a1 = seeded.ids.a1!
  await panel.locator(`[data-testid="survey-stats-overdue-row"][data-survey="${a1}"] [data-testid="survey-stats-open"]`).click()
  await page.waitForFunction((id) => {
    const p = new URLSearchParams(window.location.hash.slice(1))
    return p.get('view') === 'survey' && p.get('survey') === String(id)
  }, a1)
  await page.locator(`[data-testid="survey-detail"][data-id="${a1}"]`).waitFor({ timeout: MAP_TIMEOUT })
})

/** The workbook the panel exports for the town, as exceljs reads it. */
async function exportedWorkbook(): Promise<ExcelJS.Workbook> {
  const link = page.getByTestId('survey-stats-export')
  assert.match((await link.getAttribute('href')) ?? '', new RegExp(`adminCode=${seeded.town.code}`))
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  const path = await download.path()
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(readFileSync(path) as unknown as ArrayBuffer)
  return wb
}

function cellOf(ws: ExcelJS.Worksheet, id: number, header: string): ExcelJS.Cell {
  const headers = (ws.getRow(1).values as unknown[]).map((v) => String(v ?? ''))
  const col = headers.indexOf(header)
  assert.ok(col > 0, `the workbook has the column ${header}`)
  const idCol = headers.indexOf('档案编号')
  for (let r = 2; r <= ws.rowCount; r++) if (Number(ws.getRow(r).getCell(idCol).value) === id) return ws.getRow(r).getCell(col)
  throw new Error(`no row for file ${id}`)
}

async function upload(wb: ExcelJS.Workbook, name: string) {
  const buffer = Buffer.from(await wb.xlsx.writeBuffer())
  const panel = page.getByTestId('survey-stats')
  await panel.getByTestId('survey-stats-import-file').setInputFiles({ name, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer })
  await panel.getByTestId('survey-stats-import-submit').click()
}

const snapshot = async () => q<{ id: number; version: number; hazard: string; residents: number; updated: string }>(`SELECT id::int, version, hazard, residents, updated_at::text AS updated FROM house_surveys ORDER BY id`)

test('the workbook: exported, one cell changed and imported (updated 1); a bad 隐患等级 refused with nothing written', { timeout: TEST_TIMEOUT }, async () => {
  await openStats()
  const panel = page.getByTestId('survey-stats')
  if ((await panel.getByTestId('survey-stats-area').getAttribute('data-code')) !== seeded.town.code) await pickTown()
  await panel.getByTestId('survey-stats-section-workbook').click()
  const template = await api.get('/api/surveys/template.xlsx')
  assert.equal(template.status(), 200)
  assert.equal(await panel.getByTestId('survey-stats-template').getAttribute('href'), '/api/surveys/template.xlsx')

  const wb = await exportedWorkbook()
  const ws = wb.worksheets[0]!
  assert.equal(ws.rowCount, 1 + 6, 'one row per file of the town')
  const b3 = seeded.ids.b3!
  const residents = cellOf(ws, b3, '居住人数')
  assert.equal(Number(residents.value), 7)
  residents.value = 9
  await upload(wb, '自建房排查台账.xlsx')
  const result = panel.locator('[data-testid="survey-stats-import-result"]')
  await result.waitFor({ timeout: MAP_TIMEOUT })
  assert.deepEqual(
    { created: await result.getAttribute('data-created'), updated: await result.getAttribute('data-updated'), unchanged: await result.getAttribute('data-unchanged') },
    { created: '0', updated: '1', unchanged: '5' },
  )
  assert.match((await result.textContent()) ?? '', /更新 1 户/)
  const [changed] = await q<{ residents: number; version: number }>(`SELECT residents, version FROM house_surveys WHERE id = $1`, [b3])
  assert.equal(changed!.residents, 9)

  // the same book with an unknown hazard level: refused, the problem on its row in Chinese
  const before = await snapshot()
  const a2 = seeded.ids.a2!
  const hazard = cellOf(ws, a2, '隐患等级')
  hazard.value = '特别严重'
  const row = Number(hazard.row)
  await upload(wb, '自建房排查台账-错误.xlsx')
  await panel.getByTestId('survey-stats-import-refused').waitFor({ timeout: MAP_TIMEOUT })
  const problems = await panel.getByTestId('survey-stats-import-problem').evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('td')].map((c) => (c.textContent ?? '').trim())))
  assert.deepEqual(problems, [[String(row), '隐患等级', '“特别严重”不是可填写的值（无、一般、较大、严重）']])
  assert.match((await panel.getByTestId('survey-stats-import-refused').textContent()) ?? '', /未写入任何数据/)
  assert.deepEqual(await snapshot(), before, 'nothing changed')
  await panel.getByTestId('survey-stats-import-problems').scrollIntoViewIfNeeded()
  await shot('survey-stats-import.png')
  assert.deepEqual(session.pageErrors, [])
})
