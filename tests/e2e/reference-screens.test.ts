// Reference screenshots (issue 16): the main views at a fixed viewport, drawn from the tiny sample
// and compared with tests/golden/screens/*.png pixel by pixel (pixelmatch). A layer that stops
// drawing, a colour that changes, a panel that moves: the differing share of pixels goes over the
// tolerance and the test fails, naming the diff image (differences in red) it wrote.
//
// Stable on purpose: the page's clock is fixed (dates the app computes), the views are fixed URL
// hashes opened before signing in (no fly-to), and each shot waits for the map to settle, then
// for the place names (placed on a timer after the tiles) and a further settled render. The
// sample's server-side clocks (overdue) no longer move: every deadline in it is past.
//
// To accept a change on purpose: npm run build:web, then
//   UPDATE_GOLDEN=1 npx vitest run tests/e2e/reference-screens.test.ts
// and look at every image in tests/golden/screens before committing it.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pixelmatch from 'pixelmatch'
import type { Browser, Page } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { logIn, MAP_TIMEOUT, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

interface Image {
  width: number
  height: number
  data: Buffer
}
// pngjs ships no types (no @types/pngjs installed): the two calls used here, typed here.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(png: Buffer): Image; write(image: Image): Buffer } } }

const REFERENCE_DIR = resolve(import.meta.dirname, '../golden/screens')
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const VIEWPORT = { width: 1280, height: 820 }
/** The page's "now": after every date of the sample (its reference day is 2026-11-01). */
const PAGE_NOW = new Date('2026-12-01T10:00:00+08:00')
/** Per pixel: how far a colour may move before the pixel counts as different (pixelmatch's YIQ
 *  distance, 0–1); anti-aliased pixels are not counted. */
const PIXEL_THRESHOLD = 0.1
/** Share of differing pixels a view may have. Measured: three runs of the same build on this
 *  machine kind (SwiftShader WebGL, Debian Chromium, Noto CJK) differed by 0 pixels in every view,
 *  while every case drawn in one colour differed by 0.27 % (district), 0.05 % (village) and
 *  0.03 % (ledger, patches). So the margin is 0.02 % (about 210 pixels): below the smallest real
 *  change measured, above nothing. */
const MAX_DIFFERING = 0.0002
const TEST_TIMEOUT = 180_000

const ALL_LAYERS = 'basemap,admin,parcels,buildings,buffer-zones,zones,detections,cases,roads,waters,reference-areas,labels'

interface View {
  name: string
  /** Path and hash opened before signing in; null: a public page (no sign-in). */
  url: string
  signIn: boolean
  /** The map container that must settle, and what else must be on screen. */
  map: string
  ready?: string
}

const VIEWS: View[] = [
  // The district as the map opens: density points for buildings, cases by status, town names.
  { name: 'map-district', url: `/#map=10/39.716/115.905&layers=${ALL_LAYERS}`, signIn: true, map: 'map' },
  // A village close in: parcels by land class, footprints by use, cases, a patch, village names.
  { name: 'map-village', url: `/#map=17/39.7075/116.0195&layers=${ALL_LAYERS}`, signIn: true, map: 'map' },
  // The ledger: its table beside the map.
  { name: 'ledger', url: `/#view=ledger&map=12/39.72/116.15&layers=${ALL_LAYERS}`, signIn: true, map: 'map', ready: '[data-testid="ledger"][data-state="ok"]' },
  // The satellite-change patches of the first batch, their list beside the map.
  { name: 'patches', url: `/#view=patches&batch=1&map=12/39.72/116.15&layers=${ALL_LAYERS}`, signIn: true, map: 'map', ready: '[data-testid="patch-row"]' },
  // The public report page: the base map from the public tiles.
  { name: 'public-report', url: '/public/report', signIn: false, map: 'report-map', ready: '[data-testid="report-form"]' },
]

let server: TestServer
let browser: Browser
beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})
afterAll(() => stopAppAndBrowser(server, browser))

async function settled(page: Page, testId: string) {
  await page.locator(`[data-testid="${testId}"][data-map-state="idle"]`).waitFor({ timeout: MAP_TIMEOUT })
}

async function shoot(view: View): Promise<Buffer> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', deviceScaleFactor: 1 })
  try {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.clock.setFixedTime(PAGE_NOW)
    await page.goto(`${server.url}${view.url}`)
    if (view.signIn) await logIn(page, server.login)
    await settled(page, view.map)
    if (view.ready) await page.locator(view.ready).first().waitFor({ timeout: MAP_TIMEOUT })
    // Place names are placed on a timer after the tiles load; then the map renders once more.
    await page.waitForTimeout(1500)
    await settled(page, view.map)
    // The mouse off the map (over the banner, or the public page's margin): no hover, no readout of it.
    await page.mouse.move(VIEWPORT.width - 10, 77)
    const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' })
    assert.deepEqual(errors, [], `${view.name}: errors on the page`)
    return shot
  } finally {
    await context.close()
  }
}

for (const view of VIEWS) {
  test(`${view.name} looks like tests/golden/screens/${view.name}.png`, { timeout: TEST_TIMEOUT }, async ({ annotate }) => {
    const shot = await shoot(view)
    const file = join(REFERENCE_DIR, `${view.name}.png`)
    if (UPDATE) {
      mkdirSync(REFERENCE_DIR, { recursive: true })
      writeFileSync(file, shot)
      return
    }
    assert.ok(existsSync(file), `no reference ${file}: make it with UPDATE_GOLDEN=1 (npm run build:web first) and look at it`)
    const [want, got] = [PNG.sync.read(readFileSync(file)), PNG.sync.read(shot)]
    assert.deepEqual([got.width, got.height], [want.width, want.height], `${view.name}: size`)
    const diff: Image = { width: want.width, height: want.height, data: Buffer.alloc(want.width * want.height * 4) }
    const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: PIXEL_THRESHOLD })
    const share = differing / (want.width * want.height)
    await annotate(`${view.name}: ${differing} pixels differ (${(share * 100).toFixed(3)} %)`)
    if (share > MAX_DIFFERING) {
      const dir = mkdtempSync(join(tmpdir(), 'chaiwei-screens-'))
      writeFileSync(join(dir, `${view.name}.diff.png`), PNG.sync.write(diff))
      writeFileSync(join(dir, `${view.name}.actual.png`), shot)
      assert.fail(
        `${view.name}: ${(share * 100).toFixed(2)} % of the pixels differ from the reference (at most ${MAX_DIFFERING * 100} %): ` +
          `see ${join(dir, `${view.name}.diff.png`)} (differences in red) and ${view.name}.actual.png beside it. ` +
          'If the change is intended: UPDATE_GOLDEN=1 (see the head of this file).',
      )
    }
  })
}
