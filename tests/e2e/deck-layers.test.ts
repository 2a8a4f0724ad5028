// The deck.gl views in Chromium against the real server (fresh embedded database, tiny sample):
// the ledger's hexagons hold exactly the cases the API sends and change with the weighting, the
// patch view colours by verification result and tells the image dates, the 3D buildings appear
// when switched on and carry their safety grade, and a click on a deck feature opens the inspector.
// Screenshots of each view go to CHAIWEI_SHOTS_DIR (default: a temporary folder).
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { decodeCasePoints, type CasePoints } from '../../server/src/domain/case-points.ts'
import type { TestServer } from '../helpers/server.ts'
import { caseHexRamp, detectionResultColors, safetyGradeColors } from '../../web/src/theme/colors.ts'
import { afterRender, apiGet, logIn, open, outerRings, ringCentre, waitForMapIdle, type ApiFeature, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'
import { decodePng } from './png.ts'

const TEST_TIMEOUT = 240_000
const SHOTS = process.env.CHAIWEI_SHOTS_DIR ?? join(tmpdir(), 'chaiwei-deck-shots')
mkdirSync(SHOTS, { recursive: true })

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})
afterAll(() => stopAppAndBrowser(server, browser))

interface Picked { layer: string; object: { count?: number; colorValue?: number; properties?: Record<string, unknown> } }

async function signedIn() {
  const s = await open(browser, server.url, { width: 1280, height: 820 })
  await logIn(s.page, server.login)
  await waitForMapIdle(s.page)
  return s
}

async function casePoints(context: BrowserContext): Promise<CasePoints> {
  const res = await context.request.get(`${server.url}/api/cases/points`)
  assert.equal(res.status(), 200)
  const body = await res.body()
  return decodeCasePoints(new Uint8Array(body).slice().buffer)
}

/** Every object deck draws in the map element, through deck's own picking (the map element's probe). */
async function pickAll(page: Page, layerPrefix: string): Promise<Picked[]> {
  return page.evaluate((prefix) => {
    const el = document.querySelector('[data-testid="map"]') as HTMLElement & { chaiweiDeck?: { pickObjects(r: object): { layer: string; object: unknown }[] } }
    if (!el.chaiweiDeck) return []
    const { width, height } = el.getBoundingClientRect()
    return el.chaiweiDeck.pickObjects({ x: 0, y: 0, width: Math.floor(width), height: Math.floor(height) }).filter((o) => o.layer.startsWith(prefix)) as never
  }, layerPrefix)
}

/** Waits until deck draws objects of the layer and they stop changing. */
async function settledPicks(page: Page, layerPrefix: string, min = 1): Promise<Picked[]> {
  let last = ''
  let picks: Picked[] = []
  for (let i = 0; i < 60; i++) {
    picks = await pickAll(page, layerPrefix)
    const key = JSON.stringify(picks.map((p) => [p.object.count, p.object.colorValue, p.object.properties?.['id']]))
    if (picks.length >= min && key === last) return picks
    last = key
    await page.waitForTimeout(700)
  }
  throw new Error(`deck drew ${picks.length} objects of ${layerPrefix}`)
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/**
 * Pixels where the second picture shows one of the colours laid at `alpha` over the first picture's
 * pixel, and differs from it: what a layer drawn in those colours added.
 */
function pixelsAdded(off: Buffer, on: Buffer, colours: readonly string[], alpha: number, tol = 14): number {
  const a = decodePng(off)
  const b = decodePng(on)
  const rgbs = colours.map((c) => [1, 3, 5].map((o) => parseInt(c.slice(o, o + 2), 16)))
  let n = 0
  for (let i = 0; i < a.width * a.height; i++) {
    const under = [a.data[i * 4]!, a.data[i * 4 + 1]!, a.data[i * 4 + 2]!]
    const over = [b.data[i * 4]!, b.data[i * 4 + 1]!, b.data[i * 4 + 2]!]
    if (over.every((v, k) => Math.abs(v - under[k]!) <= 20)) continue
    if (rgbs.some((c) => c.every((v, k) => Math.abs(over[k]! - (v * alpha + under[k]! * (1 - alpha))) <= tol))) n++
  }
  return n
}

async function shot(page: Page, name: string): Promise<Buffer> {
  await page.waitForTimeout(600)
  const png = await page.screenshot()
  writeFileSync(join(SHOTS, name), png)
  return png
}

async function toggle(page: Page, id: string, on: boolean) {
  const box = page.getByTestId(`layer-${id}`)
  await afterRender(page, () => (on ? box.check() : box.uncheck()))
}

async function mapXY(page: Page, lon: number, lat: number): Promise<[number, number]> {
  const box = (await page.getByTestId('map').boundingBox())!
  const [x, y] = await page.evaluate(([lo, la]) => {
    const el = document.querySelector('[data-testid="map"]') as HTMLElement & { chaiweiDeck?: { project(lon: number, lat: number): [number, number] } }
    return el.chaiweiDeck!.project(lo!, la!)
  }, [lon, lat])
  return [box.x + x, box.y + y]
}

describe('deck.gl views', { timeout: TEST_TIMEOUT }, () => {
  test('the ledger in hexagons: every case the API sends, in the ramp colours, weighed by the switch', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      const points = await casePoints(context)
      assert.ok(points.count > 100, `${points.count} cases`)
      const before = await shot(page, 'deck-hex-off.png')
      await toggle(page, 'cases-hex', true)
      // the district view (zoom < 13): hexagons; their counts add up to the cases sent
      const hexes = await settledPicks(page, 'cases-hex')
      assert.ok(hexes.length > 5, `${hexes.length} hexagons`)
      assert.equal(sum(hexes.map((h) => h.object.count!)), points.count)
      const on = await shot(page, 'deck-hex-count.png')
      // the hexagons (three quarters opaque) laid over the map: a good part of the picture
      const added = pixelsAdded(before, on, caseHexRamp, 0.75)
      assert.ok(added > 0.05 * 1280 * 820, `${added} pixels in the hexagons' colours`)
      await page.getByTestId('hex-legend').waitFor()
      // the panel counts the cases the hexagons stand for (the style's case layers draw nothing now)
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="cases-in-view"]')?.textContent) >= n, Math.floor(points.count * 0.95))
      const inView = Number(await page.getByTestId('cases-in-view').textContent())
      assert.ok(inView <= points.count, `${inView} cases in view of ${points.count}`)

      // weighed by demolished area: only demolished sites, summing their areas
      await page.getByTestId('hex-weight').selectOption('demolished')
      const demolished = [...points.demolishedM2].filter((a) => a > 0)
      const byArea = await settledPicks(page, 'cases-hex')
      assert.equal(sum(byArea.map((h) => h.object.count!)), demolished.length)
      const area = sum(byArea.map((h) => h.object.colorValue!))
      assert.ok(Math.abs(area - sum(demolished)) <= sum(demolished) * 1e-3, `${area} m² in hexagons, ${sum(demolished)} m² sent`)
      const areaShot = await shot(page, 'deck-hex-demolished.png')
      assert.notDeepEqual(areaShot, on)

      // one status: the open cases just identified
      await page.getByTestId('hex-weight').selectOption('status:identified')
      const code = points.statuses.indexOf('identified')
      const identified = [...points.statusCodes].filter((c) => c === code).length
      const byStatus = await settledPicks(page, 'cases-hex')
      assert.equal(sum(byStatus.map((h) => h.object.count!)), identified)
      assert.ok(identified < points.count)
      await shot(page, 'deck-hex-identified.png')
      await page.getByTestId('hex-weight').selectOption('count')
    } finally {
      await s.context.close()
    }
  })

  test('patches coloured by verification result, with the batch\'s image dates; a click opens the inspector', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      const batches = (await apiGet<{ batches: { id: number; beforeDate: string; afterDate: string }[] }>(context, `${server.url}/api/detection-batches`)).batches
      const violations = await apiGet<{ features: ApiFeature[] }>(context, `${server.url}/ogc/collections/detections/items?status=verified&result=violation&limit=200`)
      const patch = violations.features
        .map((f) => ({ f, rings: outerRings(f.geometry) }))
        .filter((x) => x.rings.length === 1)
        .sort((a, b) => Number(b.f.properties['area_m2']) - Number(a.f.properties['area_m2']))[0]
      assert.ok(patch, 'a verified violation patch in the sample')
      const [lon, lat] = ringCentre(patch.rings[0]!)
      await afterRender(page, () => page.goto(`${server.url}/#map=18.5/${lat}/${lon}&layers=admin,detections,detection-results`))
      await waitForMapIdle(page)
      const drawn = await settledPicks(page, 'detections-results')
      const ids = new Set(drawn.map((d) => String(d.object.properties?.['id'])))
      assert.ok(ids.has(String(patch.f.id)), `patch ${patch.f.id} drawn by deck (${[...ids].join(',')})`)
      // the style's patch layers are handed over: nothing of theirs is drawn
      const png = await shot(page, 'deck-patches.png')
      const [x, y] = await mapXY(page, lon, lat)
      const img = decodePng(png)
      // page pixels are screenshot pixels
      const at = (Math.round(y) * img.width + Math.round(x)) * 4
      const [r, g, b] = [img.data[at]!, img.data[at + 1]!, img.data[at + 2]!]
      const red = detectionResultColors.violation
      assert.ok(r > g + 20 && r > b + 20, `the violation patch is tinted ${red}: rgb(${r},${g},${b})`)
      // the tooltip names the patch and its batch's before/after dates
      await page.mouse.move(x, y)
      const batch = batches.find((bt) => bt.id === Number(patch.f.properties['batch_id']))!
      const tip = page.locator('.deck-tooltip')
      await tip.waitFor({ state: 'visible' })
      const text = (await tip.textContent()) ?? ''
      assert.ok(text.includes(batch.beforeDate) && text.includes(batch.afterDate), text)
      assert.ok(text.includes('违法建设'), text)
      // a click opens the same inspector as the style's layers, on that patch
      await page.mouse.click(x, y)
      const inspector = page.locator('[data-testid="inspector"][data-state="ok"]')
      await inspector.waitFor()
      assert.equal(await inspector.getAttribute('data-collection'), 'detections')
      assert.equal(await inspector.getAttribute('data-feature-id'), String(patch.f.id))
      await shot(page, 'deck-patch-inspector.png')
    } finally {
      await s.context.close()
    }
  })

  test('3D buildings by safety grade appear when switched on; a click inspects the building', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      const houses = await apiGet<{ features: ApiFeature[] }>(context, `${server.url}/ogc/collections/buildings/items?self_built=true&safety_grade=D&limit=50`)
      // of the first few, the one with the most buildings around (a picture worth looking at)
      let house: { f: ApiFeature; rings: [number, number][][]; around: number } | undefined
      for (const f of houses.features.slice(0, 12)) {
        const rings = outerRings(f.geometry)
        if (rings.length !== 1) continue
        const [x, y] = ringCentre(rings[0]!)
        const near = await apiGet<{ numberMatched: number }>(context, `${server.url}/ogc/collections/buildings/items?bbox=${x - 0.002},${y - 0.0015},${x + 0.002},${y + 0.0015}&limit=1`)
        if (!house || near.numberMatched > house.around) house = { f, rings, around: near.numberMatched }
      }
      assert.ok(house, 'a self-built house of grade D')
      const [lon, lat] = ringCentre(house.rings[0]!)
      await afterRender(page, () => page.goto(`${server.url}/#map=17/${lat}/${lon}&layers=admin,buildings,cases`))
      await waitForMapIdle(page)
      const flat = await shot(page, 'deck-buildings-off.png')
      assert.deepEqual(await pickAll(page, 'buildings-grade'), [])
      await toggle(page, 'buildings-grade', true)
      const drawn = await settledPicks(page, 'buildings-grade')
      assert.ok(drawn.some((d) => String(d.object.properties?.['id']) === String(house.f.id)), `house ${house.f.id} extruded`)
      await page.getByTestId('grade-legend').waitFor()
      // wait for the grades to colour them, then the grade colours show in the picture
      // the map tilts with 3D buildings on
      await page.waitForFunction(() => /map=[^&]*\/[^/&]+\/[^/&]+\/[^/&]+\/[1-9]/.test(location.hash), undefined, { timeout: 10_000 })
      await waitForMapIdle(page)
      // (lit faces are lighter or darker than the colour: a wide tolerance)
      let gradePixels = 0
      for (let i = 0; i < 20 && gradePixels < 2000; i++) gradePixels = pixelsAdded(flat, await shot(page, 'deck-buildings-grade.png'), Object.values(safetyGradeColors), 0.92, 50)
      assert.ok(gradePixels >= 2000, `${gradePixels} pixels in the grade colours`)
      // in a tilted view the house at a pixel may be another one's wall: the inspector opens on the one deck picks there
      const [x, y] = await mapXY(page, lon, lat)
      const box = (await page.getByTestId('map').boundingBox())!
      const under = await page.evaluate(([px, py]) => {
        const el = document.querySelector('[data-testid="map"]') as HTMLElement & { chaiweiDeck?: { pickObjects(r: object): { layer: string; object: { properties?: Record<string, unknown> } }[] } }
        return el.chaiweiDeck!.pickObjects({ x: Math.round(px!), y: Math.round(py!), width: 1, height: 1 }).map((o) => String(o.object.properties?.['id']))[0]
      }, [x - box.x, y - box.y])
      assert.ok(under, 'a building under the house\'s centre')
      await page.mouse.click(x, y)
      const inspector = page.locator('[data-testid="inspector"][data-state="ok"]')
      await inspector.waitFor()
      assert.equal(await inspector.getAttribute('data-collection'), 'buildings')
      assert.equal(await inspector.getAttribute('data-feature-id'), under)
      await toggle(page, 'buildings-grade', false)
      await page.waitForTimeout(500)
      assert.deepEqual(await pickAll(page, 'buildings-grade'), [])
    } finally {
      await s.context.close()
    }
  })
})
