// The web app in Chromium against the real server (fresh embedded database, tiny sample):
// login, the map actually drawn, the cases layer loaded, nothing fetched from outside, the
// language switch. Run with `npm run test:e2e` (it builds web/dist first).
import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { MAP_TIMEOUT, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'
import { colourStats, decodePng, type ColourStats } from './png.ts'

const TEST_TIMEOUT = 120_000

/** A map counts as drawn when its pixels are this varied: a blank map is one flat colour. */
const MIN_DISTINCT_COLOURS = 8
const MIN_OFF_BACKGROUND = 0.02

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface Session {
  context: BrowserContext
  page: Page
  /** Every URL the page asked for that is not on the app's own origin. */
  foreign: string[]
  pageErrors: string[]
}

/** `serviceWorkers: 'block'` where a test answers the page's requests itself: the app's service worker would fetch tiles on its own, past page.route. */
async function open(opts: { serviceWorkers?: 'allow' | 'block' } = {}): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'zh-CN', serviceWorkers: opts.serviceWorkers ?? 'allow' })
  const page = await context.newPage()
  const origin = new URL(server.url).origin
  const foreign: string[] = []
  const pageErrors: string[] = []
  page.on('request', (r) => {
    const url = r.url()
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreign.push(url)
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(server.url)
  return { context, page, foreign, pageErrors }
}

async function logIn(page: Page, password = server.login.password) {
  await page.getByTestId('login-username').fill(server.login.username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}

async function waitForMapIdle(page: Page) {
  await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: MAP_TIMEOUT })
}

/** The colours of the map canvas alone: panels and controls over it are hidden for the shot. */
async function mapColours(page: Page): Promise<ColourStats> {
  const style = await page.addStyleTag({
    content: '.map-left, .inspector, .coords, .reset-view, .maplibregl-control-container, .map-status { visibility: hidden !important; }',
  })
  const png = await page.locator('[data-testid="map"] canvas').screenshot({ animations: 'disabled' })
  await style.evaluate((el) => el.parentNode?.removeChild(el))
  return colourStats(decodePng(png))
}

async function casesInView(page: Page): Promise<number> {
  const text = (await page.getByTestId('cases-in-view').textContent()) ?? ''
  return Number(text.trim())
}

describe('web app', { timeout: TEST_TIMEOUT }, () => {
  test('shows the login screen and the server’s message for a wrong password', async () => {
    const { context, page, pageErrors } = await open()
    try {
      await page.getByTestId('login-form').waitFor()
      // What the server itself says, to compare with what the page shows.
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: server.login.username, password: 'not the password' }),
      })
      assert.equal(res.status, 401)
      const { detailZh } = (await res.json()) as { detailZh?: string }
      assert.ok(detailZh, 'the server gives a Chinese detail for a wrong password')

      // Slow the answer down to see the button disabled while the request is in flight.
      await page.route('**/api/auth/login', async (route) => {
        await new Promise((r) => setTimeout(r, 400))
        await route.continue()
      })
      await logIn(page, 'not the password')
      assert.equal(await page.getByTestId('login-submit').isDisabled(), true, 'submit is disabled while signing in')
      const error = page.getByTestId('login-error')
      await error.waitFor()
      assert.equal((await error.textContent())?.trim(), detailZh, 'the Chinese page shows the Chinese sentence')
      assert.equal(await page.getByTestId('login-submit').isDisabled(), false, 'submit is enabled again after a failure')
      assert.equal(await page.getByTestId('map').count(), 0, 'no map without a session')
      assert.deepEqual(pageErrors, [])
    } finally {
      await context.close()
    }
  })

  test('after login the map is drawn, with the cases layer, from the server alone', async () => {
    const { context, page, foreign, pageErrors } = await open()
    try {
      await logIn(page)
      await waitForMapIdle(page)

      assert.match((await page.getByTestId('app-title').textContent()) ?? '', /拆违/)
      assert.match((await page.getByTestId('current-user').textContent()) ?? '', /测试管理员/)
      assert.match((await page.getByTestId('current-role').textContent()) ?? '', /管理员/)
      assert.equal((await page.getByTestId('synthetic-notice').textContent())?.trim(), '示例数据：地理要素为合成数据')

      const colours = await mapColours(page)
      assert.ok(
        colours.distinct >= MIN_DISTINCT_COLOURS && colours.offDominant >= MIN_OFF_BACKGROUND,
        `the map looks blank: ${colours.distinct} colours, ${(colours.offDominant * 100).toFixed(1)} % off the background`,
      )

      const cases = await casesInView(page)
      assert.ok(cases > 0, `cases drawn in view at the district extent: ${cases}`)
      // The legend's per-status counts add up to the total.
      let sum = 0
      for (const li of await page.locator('[data-testid^="status-"] .count').all()) sum += Number(await li.textContent())
      assert.equal(sum, cases)

      assert.deepEqual(foreign, [], 'no request leaves the server')
      assert.deepEqual(pageErrors, [])
      assert.equal(await page.getByTestId('map-error').count(), 0, 'no map error shown')
    } finally {
      await context.close()
    }
  })

  test('the blank-map check fails a map whose tiles are all empty', async () => {
    // The negative control of the test above: same page, every tile answered 204 (empty).
    const { context, page } = await open({ serviceWorkers: 'block' })
    try {
      await page.route('**/ogc/**', (route) => route.fulfill({ status: 204, body: '' }))
      await logIn(page)
      await waitForMapIdle(page)
      const colours = await mapColours(page)
      assert.ok(
        colours.distinct < MIN_DISTINCT_COLOURS || colours.offDominant < MIN_OFF_BACKGROUND,
        `an empty map passed as drawn: ${colours.distinct} colours, ${(colours.offDominant * 100).toFixed(1)} % off the background`,
      )
      assert.equal(await casesInView(page), 0)
    } finally {
      await context.close()
    }
  })

  test('the language switch turns the labels to English and is remembered', async () => {
    const { context, page } = await open()
    try {
      await logIn(page)
      const title = page.getByTestId('app-title')
      await title.waitFor()
      assert.equal((await title.textContent())?.trim(), '拆违图斑管理')
      assert.equal((await page.getByTestId('logout').textContent())?.trim(), '退出登录')

      await page.getByTestId('lang-en').click()
      assert.equal((await title.textContent())?.trim(), 'Illegal Construction Map')
      assert.equal((await page.getByTestId('logout').textContent())?.trim(), 'Sign out')
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')

      await page.reload()
      await title.waitFor()
      assert.equal((await title.textContent())?.trim(), 'Illegal Construction Map', 'English after a reload')

      await page.getByTestId('logout').click()
      await page.getByTestId('login-form').waitFor()
      assert.equal((await page.getByTestId('login-submit').textContent())?.trim(), 'Sign in')
    } finally {
      await context.close()
    }
  })
})
