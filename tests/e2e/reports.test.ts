// 举报受理, the staff's triage of public reports, in Chromium against the real server (fresh embedded
// database, tiny sample, a district planner made in the database first). Two residents report the
// same place through the public API (from two addresses, so neither needs a CAPTCHA), 15 m apart,
// inside a village with no case within 300 m; a third reports next to a case of the ledger. The
// planner opens the queue: the two show as one group, the third with its nearby-case chip. The
// first is accepted as a new residential case (the database has a case with source 'report' at
// the reported point, and the report's reward is 'eligible'); the second is linked to it with the
// one-click prompt (reward 'not_eligible'); the first is opened by a click on its point on the map. The
// case is moved to order_issued through the API; a fresh browser with no cookie opens the first
// receipt and reads 已受理 and 已下达限期拆除决定. The third is rejected with a reason, which its
// reporter reads on the receipt page (after a 412: the report changed under the officer, who is
// told and shown it again). A fourth is linked to the case next to it, found by its number. 公示设置: the order_issued stage published; the public ledger then
// holds the case. A viewer reads the queue without the actions or the reporter's contact.
//
// With CHAIWEI_SCREENSHOTS=1 the test also writes docs/screenshots/reports-*.png (1280×800).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import jpeg from 'jpeg-js'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Db } from '../../server/src/db/db.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { startTestServer } from '../helpers/server.ts'
import { CHROMIUM, LAUNCH_ARGS, logIn, MAP_TIMEOUT, open, pageXY, settledView } from './browser.ts'

const TEST_TIMEOUT = 300_000
const SHOTS = process.env.CHAIWEI_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : null
const WEB_DIST = resolve(import.meta.dirname, '../../web/dist/index.html')

let db: Db
let browser: Browser
let url: string
let close: () => Promise<void>
const planner = { username: 'e2e-planner', password: 'e2e password 7' }

const q = async <T>(sql: string, params: unknown[] = []) => (await db.query<T & Record<string, unknown>>(sql, params)).rows

beforeAll(async () => {
  assert.ok(existsSync(WEB_DIST), `no built web app at ${WEB_DIST}: run npm run build:web`)
  const server = await startTestServer()
  db = server.db
  url = server.url
  close = server.close
  const [district] = await q<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'district' LIMIT 1`)
  await createUser(db, { ...planner, role: 'planner', scopeCode: district!.code, displayName: '举报测试规划员' })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, '--lang=zh-CN'] })
})

afterAll(async () => {
  await browser?.close()
  await close?.()
})

async function shot(page: Page, name: string) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(800)
  await page.screenshot({ path: resolve(SHOTS, name) })
}

/** A small photo of a house (sky, wall, roof, ground) as a phone might send it. */
function housePhoto(w = 320, h = 240): Buffer {
  const data = Buffer.alloc(w * h * 4)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4
      let c = [150, 196, 232] // sky
      if (y > h * 0.78) c = [120, 104, 80] // ground
      else if (x > w * 0.25 && x < w * 0.75 && y > h * 0.42) c = [206, 196, 178] // wall
      else if (y > h * 0.22 && y <= h * 0.42 && Math.abs(x - w / 2) < (y - h * 0.22) * 1.45) c = [160, 60, 40] // roof
      if (x > w * 0.44 && x < w * 0.56 && y > h * 0.6 && y <= h * 0.78) c = [90, 70, 50] // door
      data.set([...c, 255], i)
    }
  }
  return Buffer.from(jpeg.encode({ data, width: w, height: h }, 85).data)
}

interface Receipt {
  id: number
  receiptCode: string
  status: string
}

/** A report as a resident sends it, from the address `ip` (the server trusts the proxy's header). */
async function sendReport(ip: string, f: { serviceCode: string; description: string; lon: number; lat: number; photo?: Buffer }): Promise<Receipt> {
  const form = new FormData()
  form.set('serviceCode', f.serviceCode)
  form.set('description', f.description)
  form.set('lon', String(f.lon))
  form.set('lat', String(f.lat))
  form.set('locationSource', 'map')
  form.set('contactName', '张先生')
  form.set('contactPhone', '13912345678')
  if (f.photo) form.append('photo', new Blob([new Uint8Array(f.photo)], { type: 'image/jpeg' }), 'house.jpg')
  const res = await fetch(`${url}/api/public/reports`, { method: 'POST', body: form, headers: { 'x-forwarded-for': ip } })
  assert.equal(res.status, 201, await res.clone().text())
  return (await res.json()) as Receipt
}

/** A point `metres` east of another. */
const east = (lon: number, lat: number, metres: number) => lon + metres / (111_320 * Math.cos((lat * Math.PI) / 180))

async function moveCase(context: BrowserContext, caseId: number, steps: Record<string, unknown>[]) {
  for (const step of steps) {
    const got = await context.request.get(`${url}/api/cases/${caseId}`)
    assert.equal(got.status(), 200)
    const res = await context.request.post(`${url}/api/cases/${caseId}/transitions`, { data: step, headers: { 'if-match': got.headers()['etag']! } })
    assert.equal(res.status(), 200, await res.text())
  }
}

async function receiptText(code: string): Promise<{ status: string | null; text: string }> {
  const { context, page, pageErrors } = await open(browser, `${url}/public/receipt?code=${encodeURIComponent(code)}`, { width: 800, height: 900 })
  try {
    const card = page.getByTestId('report-status')
    await card.waitFor({ timeout: MAP_TIMEOUT })
    assert.deepEqual(pageErrors, [])
    return { status: await card.getAttribute('data-status'), text: (await card.textContent()) ?? '' }
  } finally {
    await context.close()
  }
}

test('triage: a group of two reports, one opened from the map, accepted and the other linked in one click; the reporter follows the case; a rejection with its reason', { timeout: TEST_TIMEOUT }, async () => {
  // --- a place in a village with no case within 300 m, and a case of another village -----------
  const [place] = await q<{ code: string; name: string; lon: number; lat: number }>(
    `SELECT a.code, a.name, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
     FROM admin_units a, LATERAL (SELECT ST_PointOnSurface(a.geom) AS pt) p
     WHERE a.level = 'village'
       AND NOT EXISTS (SELECT 1 FROM cases c WHERE ST_DWithin(c.geom::geography, p.pt::geography, 300))
       AND ST_Contains(a.geom, ST_Translate(p.pt, 0.0002, 0))
     ORDER BY a.code LIMIT 1`,
  )
  assert.ok(place, 'the sample has a village with a place far from every case')
  const lon1 = place.lon
  const lat1 = place.lat
  const lon2 = east(lon1, lat1, 15)
  const [near] = await q<{ id: number; case_no: string; lon: number; lat: number }>(
    `SELECT c.id, c.case_no, ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat
     FROM cases c WHERE c.admin_code <> $1 AND NOT ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, 2000)
     ORDER BY c.id LIMIT 1`,
    [place.code, lon1, lat1],
  )
  assert.ok(near, 'a case far from the place')

  // --- (1) the public reports ---------------------------------------------------------------------
  const first = await sendReport('203.0.113.7', {
    serviceCode: 'new_building',
    description: '村东头空地上最近在盖一座两层砖房，没有看到任何公示的规划许可，每天晚上施工。',
    lon: lon1,
    lat: lat1,
    photo: housePhoto(),
  })
  const second = await sendReport('203.0.113.8', { serviceCode: 'new_building', description: '同一处新建房屋，已经砌到二层。', lon: lon2, lat: lat1 })
  const third = await sendReport('203.0.113.9', { serviceCode: 'extension', description: '这户人家在屋顶上加盖了一层彩钢房。', lon: east(near.lon, near.lat, 20), lat: near.lat })
  const fourth = await sendReport('203.0.113.10', { serviceCode: 'other', description: '这里开墙打洞改成了门面房。', lon: near.lon, lat: near.lat + 60 / 111_320 })
  for (const r of [first, second, third, fourth]) assert.equal(r.status, 'submitted')

  // --- (2) the planner's queue: one group of two, the third with its nearby case ----------------
  const { context, page, pageErrors } = await open(browser, `${url}/#view=reports&map=16/${lat1}/${east(lon1, lat1, -60)}`, { width: 1280, height: 800 })
  try {
    await logIn(page, planner)
    await page.getByTestId('tab-reports').waitFor({ timeout: MAP_TIMEOUT })
    assert.equal((await page.getByTestId('tab-reports').textContent())?.trim(), '举报受理')
    await page.locator('[data-testid="reports"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const group = page.locator(`[data-testid="report-group"][data-group-id="${first.id}"]`)
    assert.equal(await group.getAttribute('data-size'), '2')
    assert.deepEqual(await group.getByTestId('report-item').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id')))), [first.id, second.id])
    assert.match((await group.textContent()) ?? '', /同一地点 2 条举报/)
    assert.match((await group.textContent()) ?? '', /新建违法建筑/)
    assert.match((await group.textContent()) ?? '', new RegExp(place.name))
    assert.equal(await group.getByTestId('report-near-chip').count(), 0, 'no case near the group')
    const thirdItem = page.locator(`[data-testid="report-item"][data-id="${third.id}"]`)
    assert.match((await thirdItem.getByTestId('report-near-chip').textContent()) ?? '', /附近案件 \S+ · \d+ m/)
    await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: MAP_TIMEOUT })
    await shot(page, 'reports-queue.png')

    // --- the first opened from its point on the map: its photo, text and contact; accepted as a residential case
    const view = await settledView(page)
    const [x, y] = await pageXY(page, view, lon1, lat1)
    await page.mouse.click(x, y)
    const detail = page.locator(`[data-testid="report-detail"][data-id="${first.id}"]`)
    await detail.waitFor()
    assert.match((await page.getByTestId('report-description').textContent()) ?? '', /两层砖房/)
    assert.match((await page.getByTestId('report-contact').textContent()) ?? '', /13912345678.*个人信息/)
    await page.locator('[data-testid="report-photos"] img').first().evaluate((img: HTMLImageElement) => img.decode())
    assert.ok(await page.locator('[data-testid="report-photos"] img').first().evaluate((img: HTMLImageElement) => img.naturalWidth > 0), 'the photo is shown')
    await page.getByTestId('report-nearby-none').waitFor()
    await page.getByTestId('reports-pane').evaluate((el) => el.scrollTo(0, 0))
    await shot(page, 'reports-detail.png')
    await page.getByTestId('triage-accept').click()
    await page.getByTestId('triage-use').selectOption('residential')
    assert.match(await page.getByTestId('triage-public').inputValue(), /已受理并立案/)
    await page.getByTestId('triage-internal').fill('与第二条举报为同一处，现场核实后立案')
    await shot(page, 'reports-triage.png')
    await page.getByTestId('triage-submit').click()
    await page.locator(`[data-testid="report-detail"][data-id="${first.id}"][data-status="accepted"]`).waitFor({ timeout: MAP_TIMEOUT })
    const [accepted] = await q<{ case_id: number; reward: string }>(`SELECT case_id::int, reward FROM reports WHERE id = $1`, [first.id])
    assert.ok(accepted?.case_id)
    assert.equal(accepted.reward, 'eligible')
    const [made] = await q<{ source: string; use: string; off: number; case_no: string }>(
      `SELECT source, use, case_no, ST_Distance(ST_PointOnSurface(geom)::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS off FROM cases WHERE id = $1`,
      [accepted.case_id, lon1, lat1],
    )
    assert.equal(made?.source, 'report')
    assert.equal(made.use, 'residential')
    assert.ok(made.off < 1, `the case lies at the reported point (${made.off} m off)`)
    assert.match((await page.getByTestId('report-notice').textContent()) ?? '', new RegExp(`已立案：案件 ${made.case_no}`))

    // --- the group's other report linked in one click ----------------------------------------------
    const prompt = page.getByTestId('group-link-prompt')
    assert.equal(await prompt.getAttribute('data-count'), '1')
    await page.getByTestId('reports-pane').evaluate((el) => el.scrollTo(0, 0))
    await shot(page, 'reports-group-prompt.png')
    await page.getByTestId('group-link-all').click()
    const linked = page.getByTestId('group-link-result')
    await linked.waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await linked.getAttribute('data-linked'), '1')
    const [dup] = await q<{ case_id: number; reward: string; status: string }>(`SELECT case_id::int, reward, status FROM reports WHERE id = $1`, [second.id])
    assert.deepEqual({ ...dup }, { case_id: accepted.case_id, reward: 'not_eligible', status: 'accepted' })
    await page.locator(`[data-testid="report-duplicates"] li[data-id="${second.id}"][data-status="accepted"]`).waitFor({ timeout: MAP_TIMEOUT })

    // the linked report, opened from the list of the place's reports: no actions left
    await page.locator(`[data-testid="report-duplicates"] li[data-id="${second.id}"] [data-testid="report-duplicate"]`).click()
    await page.locator(`[data-testid="report-detail"][data-id="${second.id}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('report-case').textContent()) ?? '', new RegExp(made.case_no))
    assert.equal(await page.getByTestId('report-actions').count(), 0, 'an accepted report has no actions')

    // --- (3) the case moves to order_issued -------------------------------------------------------
    const now = Date.now()
    const deadline = new Date(now + 30 * 86_400_000).toISOString().slice(0, 10)
    await moveCase(context, accepted.case_id, [
      // the case was found when it was accepted, a moment ago (a step may be up to 5 minutes ahead of the server)
      { action: 'notify', at: new Date(now + 1_000).toISOString() },
      { action: 'issue_order', at: new Date(now + 2_000).toISOString(), deadline },
    ])

    // --- (4) the reporter, with no account, follows the report ------------------------------------
    const seen = await receiptText(first.receiptCode)
    assert.equal(seen.status, 'accepted')
    assert.match(seen.text, /已受理/)
    assert.match(seen.text, /已下达限期拆除决定/)

    // --- the third rejected with a reason ---------------------------------------------------------
    await page.getByTestId('report-back').click()
    await page.locator(`[data-testid="report-item"][data-id="${third.id}"] [data-testid="report-open"]`).click()
    await page.locator(`[data-testid="report-detail"][data-id="${third.id}"]`).waitFor()
    assert.match((await page.getByTestId('report-nearby').textContent()) ?? '', new RegExp(near.case_no))
    await page.getByTestId('triage-reject').click()
    // the opening alone is no reason
    await page.getByTestId('triage-submit').click()
    assert.match((await page.locator('[data-testid="triage-form"] .field-error').textContent()) ?? '', /原因/)
    await page.getByTestId('triage-phrase').first().click()
    const reason = await page.getByTestId('triage-public').inputValue()
    await shot(page, 'reports-reject.png')
    assert.match(reason, /不予受理。原因：该建设已依法取得规划许可。/)
    // someone else changed the report meanwhile: 412, the report is read again and the officer told
    await q(`UPDATE reports SET version = version + 1 WHERE id = $1`, [third.id])
    await page.getByTestId('triage-submit').click()
    await page.locator('[data-testid="report-notice"][data-kind="stale"]').waitFor({ timeout: MAP_TIMEOUT })
    await page.locator(`[data-testid="report-detail"][data-id="${third.id}"][data-version="2"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('triage-form').count(), 0)
    await page.getByTestId('triage-reject').click()
    await page.getByTestId('triage-phrase').first().click()
    await page.getByTestId('triage-submit').click()
    await page.locator(`[data-testid="report-detail"][data-id="${third.id}"][data-status="rejected"]`).waitFor({ timeout: MAP_TIMEOUT })
    const rejected = await receiptText(third.receiptCode)
    assert.equal(rejected.status, 'rejected')
    assert.match(rejected.text, /不予受理/)
    assert.match(rejected.text, /该建设已依法取得规划许可/)

    // --- the fourth linked to the case near it, found by its number typed in ------------------------
    await page.getByTestId('report-back').click()
    await page.locator(`[data-testid="report-item"][data-id="${fourth.id}"] [data-testid="report-open"]`).click()
    await page.locator(`[data-testid="report-detail"][data-id="${fourth.id}"]`).waitFor()
    await page.getByTestId('triage-link').click()
    await page.getByTestId('triage-case-no').fill(near.case_no)
    await page.getByTestId('triage-case-find').click()
    await page.locator(`[data-testid="triage-case"][data-case-id="${near.id}"]:checked`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match(await page.getByTestId('triage-public').inputValue(), new RegExp(`并入在办案件（${near.case_no}）`))
    await page.getByTestId('triage-submit').click()
    await page.locator(`[data-testid="report-detail"][data-id="${fourth.id}"][data-status="accepted"]`).waitFor({ timeout: MAP_TIMEOUT })
    const [joined] = await q<{ case_id: number }>(`SELECT case_id::int FROM reports WHERE id = $1`, [fourth.id])
    assert.equal(joined?.case_id, near.id)

    // the open queue is empty now
    await page.getByTestId('report-back').click()
    await page.getByTestId('reports-empty').waitFor({ timeout: MAP_TIMEOUT })

    // --- 公示设置: publish the cases with a demolition order; the public ledger then holds the case -
    await page.getByTestId('reports-tab-disclosure').click()
    await page.locator('[data-testid="disclosure-settings"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    await page.getByTestId('disclosure-stage-order_issued').check()
    await page.getByTestId('disclosure-grid').fill('300')
    await page.getByTestId('disclosure-office').fill('房山区违法建设治理专班办公室')
    await page.getByTestId('disclosure-note').fill('对公示内容有异议的，请于公示之日起 7 日内向专班办公室反映。')
    await shot(page, 'reports-disclosure.png')
    await page.getByTestId('disclosure-save').click()
    await page.locator('[data-testid="disclosure-notice"][data-kind="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const [settings] = await q<{ stages: string[]; location_grid_m: number; office_name: string }>(`SELECT stages, location_grid_m, office_name FROM disclosure_settings`)
    assert.ok(settings?.stages.includes('order_issued'), `published stages: ${settings?.stages}`)
    assert.deepEqual({ grid: settings?.location_grid_m, office: settings?.office_name }, { grid: 300, office: '房山区违法建设治理专班办公室' })
    const published = (await (await fetch(`${url}/api/public/disclosure?limit=1000`)).json()) as { items: { caseNo: string; stage: string }[] }
    assert.ok(published.items.some((c) => c.caseNo === made.case_no && c.stage === 'order_issued'), 'the case from the report is published')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('a viewer reads the queue and a report, without the actions or the contact', { timeout: TEST_TIMEOUT }, async () => {
  const viewer = { username: 'e2e-viewer', password: 'e2e password 8' }
  const [district] = await q<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'district' LIMIT 1`)
  await createUser(db, { ...viewer, role: 'viewer', scopeCode: district!.code, displayName: '只读用户' })
  const [p] = await q<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM admin_units WHERE level = 'village' ORDER BY code DESC LIMIT 1`,
  )
  const r = await sendReport('198.51.100.20', { serviceCode: 'land_occupation', description: '河边有人用土方填埋耕地，准备盖房。', lon: p!.lon, lat: p!.lat })
  const { context, page, pageErrors } = await open(browser, `${url}/#view=reports&report=${r.id}`, { width: 1280, height: 800 })
  try {
    await logIn(page, viewer)
    await page.locator(`[data-testid="report-detail"][data-id="${r.id}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('report-actions').count(), 0)
    assert.equal(await page.getByTestId('report-contact').count(), 0)
    assert.equal(await page.getByTestId('reports-tab-disclosure').count(), 0)
    await page.getByTestId('report-back').click()
    await page.getByTestId('reports-status').selectOption('all')
    await page.locator(`[data-testid="report-item"][data-id="${r.id}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.locator(`[data-testid="report-item"][data-id="${r.id}"]`).textContent()) ?? '', /违法占地.*填埋耕地/)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
