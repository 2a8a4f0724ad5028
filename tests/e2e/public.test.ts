// The public pages (issue 13) in Chromium against the real server, with no account and no session
// cookie: a resident reports from a phone (place tapped on the map, a photo), gets the 查询码 and
// follows the report; a second report from the same address meets the CAPTCHA; what the server
// sends back is shown as text, never run; the published ledger (公示) lists cases on a table and a
// map of generalised points, and a village's notice prints to PDF.
//
// With CHAIWEI_SCREENSHOTS=1 the test also writes docs/screenshots/public-*.png.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { scopeOf } from '../../server/src/domain/scope.ts'
import { addressHashOf, createReport, triageReport } from '../../server/src/repos/reports.repo.ts'
import { phonePhoto } from '../helpers/photo.ts'
import type { TestServer } from '../helpers/server.ts'
import { MAP_TIMEOUT, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

const TEST_TIMEOUT = 180_000
const SHOTS = process.env.CHAIWEI_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : null
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 900 }
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'

let server: TestServer
let browser: Browser
/** A point well inside a village of the sample, and the village. */
let spot: { lon: number; lat: number; name: string; code: string }
let adminId: number

const q = async <T>(sql: string, params: unknown[] = []) => (await server.db.query<T & Record<string, unknown>>(sql, params)).rows
const one = async <T>(sql: string, params: unknown[] = []) => (await q<T>(sql, params))[0]!

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
  // the largest village: a tap a few pixels off still lands in it
  spot = await one(
    `SELECT code, name, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
       SELECT code, name, ST_PointOnSurface(geom) AS p FROM admin_units WHERE level = 'village' ORDER BY ST_Area(geom::geography) DESC, code LIMIT 1) v`,
  )
  adminId = (await one<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [server.login.username])).id
  if (SHOTS) mkdirSync(SHOTS, { recursive: true })
})

afterAll(() => stopAppAndBrowser(server, browser))

/** A phone with no session cookie; page errors are collected. */
async function phone(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: PHONE, locale: 'zh-CN', isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    geolocation: { longitude: spot.lon, latitude: spot.lat }, permissions: ['geolocation'],
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  return { context, page, errors }
}

async function desktop(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  return { context, page, errors }
}

async function mapIdle(page: Page, testId: string) {
  await page.locator(`[data-testid="${testId}"][data-map-state="idle"]`).waitFor({ timeout: MAP_TIMEOUT })
}

/** Web Mercator world pixels at a zoom (512 px tiles, as MapLibre counts zoom). */
function world(lon: number, lat: number, zoom: number): [number, number] {
  const size = 512 * 2 ** zoom
  const s = Math.sin((lat * Math.PI) / 180)
  return [((lon + 180) / 360) * size, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size]
}

/** Where lon/lat lies on the page, from the view the public map writes on its container. */
async function mapXY(page: Page, testId: string, lon: number, lat: number): Promise<[number, number]> {
  const map = page.getByTestId(testId)
  const [zoom, clat, clon] = ((await map.getAttribute('data-view')) ?? '').split('/').map(Number) as [number, number, number]
  const box = (await map.boundingBox())!
  const [cx, cy] = world(clon, clat, zoom)
  const [x, y] = world(lon, lat, zoom)
  return [box.x + box.width / 2 + (x - cx), box.y + box.height / 2 + (y - cy)]
}

test('a resident reports from a phone: place tapped on the map, a photo; the 查询码 is shown and the lookup says 已收到', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, errors } = await phone()
  assert.equal((await context.cookies()).length, 0, 'no session cookie')
  await page.goto(`${server.url}/public/report`)
  await page.getByTestId('report-form').waitFor()
  assert.equal(await page.getByTestId('login-username').count(), 0, 'no login screen')
  assert.equal(await page.getByTestId('report-captcha').count(), 0, 'the first report of an address needs no CAPTCHA')
  await mapIdle(page, 'report-map')

  // tap the village's point on the map
  const map = page.getByTestId('report-map')
  await map.scrollIntoViewIfNeeded()
  const [x, y] = await mapXY(page, 'report-map', spot.lon, spot.lat)
  await page.touchscreen.tap(x, y)
  await page.getByTestId('report-place').filter({ hasText: '已在地图上选定' }).waitFor()

  await page.getByTestId('report-service-new_building').check()
  await page.getByTestId('report-description').fill('村东口路边新建两层彩钢房，近一周开始施工，夜间也在作业。')
  await page.getByTestId('report-photos-input').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: phonePhoto(spot.lon, spot.lat, '2026:06:02 10:30:00', 320) })
  await page.locator('.public-thumbs img').first().waitFor()
  await page.getByTestId('report-contact-name').fill('王先生')
  await page.getByTestId('report-contact-phone').fill('138 0013 8000')
  if (SHOTS) {
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${SHOTS}/public-report.png`, fullPage: true })
  }

  await page.getByTestId('report-submit').click()
  const code = (await page.getByTestId('receipt-code').textContent({ timeout: 30_000 }))!.trim()
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/public-report-receipt.png` })

  // stored where it was tapped (a pixel at this zoom is tens of metres), from the map, with the photo
  const stored = await one<{ lon: number; lat: number; source: string; photos: number; contact: string }>(
    `SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, location_source AS source, contact_phone AS contact,
            (SELECT count(*)::int FROM report_photos p WHERE p.report_id = r.id) AS photos
       FROM reports r ORDER BY id DESC LIMIT 1`,
  )
  assert.ok(Math.abs(stored.lon - spot.lon) < 0.003 && Math.abs(stored.lat - spot.lat) < 0.003, `stored at ${stored.lon},${stored.lat}, tapped ${spot.lon},${spot.lat}`)
  assert.equal(stored.source, 'map')
  assert.equal(stored.photos, 1)

  // the link goes to the lookup page with the code
  await page.getByTestId('receipt-link').click()
  await page.getByTestId('report-status').waitFor()
  assert.equal(new URL(page.url()).pathname, '/public/receipt')
  assert.equal(await page.getByTestId('receipt-lookup-input').inputValue(), code)
  assert.match((await page.getByTestId('report-status').textContent()) ?? '', /已收到/)
  assert.match((await page.getByTestId('report-steps').textContent()) ?? '', /已收到举报/)
  const photo = page.locator('[data-testid="report-photos-shown"] img').first()
  await photo.waitFor()
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="report-photos-shown"] img')
    return !!img && img.complete && img.naturalWidth > 0
  })
  assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /138 ?0013 ?8000|王先生/, 'the contact is not shown back')

  // a code typed by hand in lower case, with O for 0 and spaces, is tidied and found
  await page.goto(`${server.url}/public/receipt`)
  await page.getByTestId('receipt-lookup-input').fill(code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o'))
  assert.equal(await page.getByTestId('receipt-lookup-input').inputValue(), code)
  await page.getByTestId('receipt-lookup-submit').click()
  await page.getByTestId('report-status').waitFor()
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/public-receipt.png`, fullPage: true })

  // an unknown code: said plainly
  await page.getByTestId('receipt-lookup-input').fill('ZZZZ-ZZZZ-ZZZZ')
  await page.getByTestId('receipt-lookup-submit').click()
  assert.match((await page.getByTestId('receipt-lookup-error').textContent()) ?? '', /未找到/)
  assert.deepEqual(errors, [])
  await context.close()
})

test('a second report from the same address meets the CAPTCHA; a wrong answer is refused in Chinese and a new picture shown', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, errors } = await phone()
  await page.goto(`${server.url}/public/report`)
  await page.getByTestId('report-form').waitFor()
  const image = page.getByTestId('report-captcha-image')
  await image.waitFor()
  assert.match((await image.getAttribute('src')) ?? '', /^data:image\/svg\+xml/)
  const firstSrc = await image.getAttribute('src')

  // the phone's position this time
  await page.getByTestId('report-gps').click()
  await page.getByTestId('report-place').filter({ hasText: '当前位置' }).waitFor()
  await page.getByTestId('report-service-extension').check()
  await page.getByTestId('report-description').fill('原有平房上正在加盖第三层。')
  await page.getByTestId('report-captcha-input').fill('wrongwrong')
  await page.getByTestId('report-submit').click()
  const error = page.getByTestId('report-error-captcha')
  await error.waitFor()
  assert.match((await error.textContent()) ?? '', /验证码不正确/)
  await page.waitForFunction((src) => document.querySelector('[data-testid="report-captcha-image"]')?.getAttribute('src') !== src, firstSrc)
  assert.equal(await page.getByTestId('report-captcha-input').inputValue(), '', 'the answer box is emptied for the new picture')
  if (SHOTS) {
    await page.getByTestId('report-captcha').scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${SHOTS}/public-report-captcha.png` })
  }

  // the rules said no CAPTCHA (another address, a stale answer), the server asks for one: it is shown
  await page.route('**/api/public/report-rules', async (route) => {
    const res = await route.fetch()
    await route.fulfill({ response: res, json: { ...(await res.json()), captchaRequired: false } })
  })
  await page.reload()
  await page.getByTestId('report-form').waitFor()
  assert.equal(await page.getByTestId('report-captcha').count(), 0)
  await page.getByTestId('report-gps').click()
  await page.getByTestId('report-place').filter({ hasText: '当前位置' }).waitFor()
  await page.getByTestId('report-service-other').check()
  await page.getByTestId('report-description').fill('开墙打洞。')
  await page.getByTestId('report-submit').click()
  await page.getByTestId('report-captcha-image').waitFor()
  assert.match((await page.getByTestId('report-error-captcha').textContent()) ?? '', /验证码/)
  assert.equal(await q(`SELECT 1 FROM reports`).then((r) => r.length), 1, 'nothing more was stored')
  assert.deepEqual(errors, [])
  await context.close()
})

test('what the server sends back is shown as text: a hostile description and office note stay literal and never run', { timeout: TEST_TIMEOUT }, async () => {
  const receipt = await createReport(server.db, {
    serviceCode: 'other', description: XSS, lon: spot.lon, lat: spot.lat, locationSource: 'gps',
    contactName: null, contactPhone: null, addressHash: await addressHashOf(server.db, '192.0.2.7'), via: 'web', photos: [],
  })
  const note = `请补充照片。<img src=x onerror="window.__xss=3">`
  await triageReport(server.db, receipt.id, scopeOf('110111'), 1, { action: 'ask_more', publicNote: note }, adminId)

  const { context, page, errors } = await phone()
  await page.goto(`${server.url}/public/receipt?code=${receipt.receiptCode}`)
  await page.getByTestId('report-status').waitFor()
  assert.equal(await page.getByTestId('report-description-shown').textContent(), XSS)
  assert.match((await page.getByTestId('report-status').textContent()) ?? '', /需要补充材料/)
  assert.ok(((await page.getByTestId('report-status').textContent()) ?? '').includes(note), 'the office note, literally')
  assert.ok(((await page.getByTestId('report-steps').textContent()) ?? '').includes(note))
  assert.equal(await page.locator('main img[src="x"]').count(), 0, 'no element made from the text')
  assert.equal(await page.locator('main script').count(), 0)
  await page.waitForTimeout(300)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)

  // asked for more: the reporter adds a note; the report goes back to 已收到 with the step listed
  await page.getByTestId('report-add-info-text').fill('补充：施工时间为每天晚上八点以后。')
  await page.getByTestId('report-add-info-submit').click()
  await page.locator('[data-testid="report-status"][data-status="submitted"]').waitFor()
  assert.match((await page.getByTestId('report-steps').textContent()) ?? '', /已补充材料/)
  assert.equal(await page.getByTestId('report-add-info').count(), 0)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)
  assert.deepEqual(errors, [])
  await context.close()
})

test('the published ledger: a table, a map of generalised points, and a village notice that prints to PDF', { timeout: TEST_TIMEOUT }, async () => {
  // the office publishes three stages (the settings default to none)
  const admin = await browser.newContext()
  const login = await admin.request.post(`${server.url}/api/auth/login`, { data: server.login, headers: { origin: server.url } })
  assert.equal(login.status(), 200)
  const current = await admin.request.get(`${server.url}/api/disclosure/settings`)
  assert.equal(current.status(), 200)
  const put = await admin.request.put(`${server.url}/api/disclosure/settings`, {
    headers: { 'if-match': current.headers()['etag']!, origin: server.url },
    data: {
      stages: ['order_issued', 'demolished', 'closed'],
      locationGridM: 200,
      officeName: '房山区违法建设治理工作专班办公室',
      noticeNote: '对公示内容有异议的，请自公示之日起七日内向村（居）委会或区专班办公室书面反映。联系电话：010-8936 0000。',
    },
  })
  assert.equal(put.status(), 200, await put.text())
  await admin.close()
  const published = await one<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE status IN ('order_issued', 'demolished', 'confiscated', 'accepted', 'closed') AND coalesce(disposal, '') NOT IN ('regularisation', 'deferral')`)
  assert.ok(published.n > 0, 'the sample has cases at a published stage')

  const { context, page, errors } = await desktop()
  await page.goto(`${server.url}/public/disclosure`)
  const table = page.getByTestId('disclosure-table')
  await table.waitFor()
  const rows = await table.locator('tbody tr').count()
  assert.ok(rows > 0 && rows <= 20, `one page of rows (${rows})`)
  const text = (await table.textContent()) ?? ''
  assert.match(text, /居住|仓储|商业|办公|其他/, 'uses in Chinese')
  assert.match((await page.getByTestId('disclosure-count').textContent()) ?? '', new RegExp(`共 ${published.n} 条`))
  await mapIdle(page, 'disclosure-map')
  assert.match((await page.locator('.public-legend').textContent()) ?? '', /200 米/)
  if (SHOTS) {
    await page.waitForTimeout(800)
    await page.screenshot({ path: `${SHOTS}/public-disclosure.png`, fullPage: true })
  }

  // the village with the most published cases: its rows only, and its notice to print
  const options = await page.getByTestId('disclosure-village').locator('option').evaluateAll((os) =>
    os.map((o) => ({ value: (o as HTMLOptionElement).value, n: Number(/（(\d+)）/.exec(o.textContent ?? '')?.[1] ?? 0) })),
  )
  const village = options.reduce((a, b) => (b.n > a.n ? b : a)).value
  await page.getByTestId('disclosure-village').selectOption(village)
  await page.waitForFunction((v) => new URL(location.href).searchParams.get('village') === v, village)
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="disclosure-table"] tbody tr').length > 0)
  const villageName = await one<{ name: string }>(`SELECT name FROM admin_units WHERE code = $1`, [village])
  const villageCells = await table.locator('tbody tr td:nth-child(3)').allTextContents()
  assert.ok(villageCells.every((c) => c === villageName.name), 'only the chosen village')
  assert.equal(await page.getByTestId('disclosure-print').getAttribute('href'), `/public/disclosure/print?village=${village}`)

  // the notice opens in a new tab
  const [print] = await Promise.all([context.waitForEvent('page'), page.getByTestId('disclosure-print').click()])
  await print.getByTestId('print-notice').waitFor()
  const heading = print.getByTestId('print-heading')
  assert.equal(await heading.textContent(), `${villageName.name}违法建设公示`)
  assert.ok(await heading.isVisible())
  assert.ok((await print.getByTestId('print-table').locator('tbody tr').count()) > 0)
  assert.match((await print.getByTestId('print-notice').textContent()) ?? '', /房山区违法建设治理工作专班办公室/)
  if (SHOTS) await print.screenshot({ path: `${SHOTS}/public-print.png`, fullPage: true })
  await print.emulateMedia({ media: 'print' })
  assert.equal(await print.getByTestId('print-button').isVisible(), false, 'no buttons on paper')
  assert.ok(await heading.isVisible())
  if (SHOTS) {
    // about the width of A4 less its margins, as the paper has it
    await print.setViewportSize({ width: 700, height: 990 })
    await print.screenshot({ path: `${SHOTS}/public-print-paper.png`, fullPage: true })
  }
  const pdf = await print.pdf({ format: 'A4', printBackground: true })
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  assert.ok(pdf.length > 5_000)
  if (SHOTS) writeFileSync(join(tmpdir(), 'chaiwei-public-print.pdf'), pdf)
  assert.deepEqual(errors, [])
  await context.close()
})
