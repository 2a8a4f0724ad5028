// The map's tools in Chromium against the real server (fresh embedded database, tiny sample):
// panning and zooming to a building and inspecting it, hover through feature-state, search,
// the coordinate readout, layers in the URL and a reload to the same view, the zoom-in on
// aggregated buildings, extruded buildings, and the online basemap staying off until chosen.
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import proj4 from 'proj4'
import type { Browser, Page } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { messages, type Lang } from '../../web/src/i18n/messages.ts'
import { afterRender, apiGet, bboxOf, drag, logIn, mapCentre, open, outerRings, pageXY, ringCentre, settledView, waitForMapIdle, type ApiFeature, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

const TEST_TIMEOUT = 180_000
const GK_4548 = '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

async function signedIn() {
  const s = await open(browser, server.url)
  await logIn(s.page, server.login)
  await waitForMapIdle(s.page)
  return s
}

interface Collection {
  numberMatched: number
  features: ApiFeature[]
}

/** How many features of a collection meet a box (lon/lat). */
async function countIn(s: Awaited<ReturnType<typeof signedIn>>, collection: string, b: [number, number, number, number]) {
  const page = await apiGet<Collection>(s.context, `${server.url}/ogc/collections/${collection}/items?bbox=${b.join(',')}&limit=1`)
  return page.numberMatched
}

/** The label the app's dictionary gives a coded value. */
function codeLabel(lang: Lang, domain: string, code: string): string {
  const label = (messages[lang] as Readonly<Record<string, string>>)[`${domain}.${code}`]
  assert.ok(label, `no label for ${domain}.${code}`)
  return label
}

async function attr(page: Page, name: string): Promise<{ label: string; value: string }> {
  const row = page.getByTestId(`attr-${name}`)
  return { label: ((await row.locator('th').textContent()) ?? '').trim(), value: ((await row.locator('td').textContent()) ?? '').trim() }
}

describe('map tools', { timeout: TEST_TIMEOUT }, () => {
  test('pans and zooms to a building, hovers it, clicks it and reads its attributes from the API', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      // A building with nothing drawn over it (no case, patch or zone), big enough to hit.
      const buildings = await apiGet<Collection>(context, `${server.url}/ogc/collections/buildings/items?limit=3000`)
      assert.ok(buildings.features.length > 100, 'the tiny sample has buildings')
      const candidates = buildings.features
        .filter((f) => Number(f.properties['footprint_area_m2']) >= 90 && Number(f.properties['floors']) >= 1)
        .sort((a, b) => Number(b.properties['footprint_area_m2']) - Number(a.properties['footprint_area_m2']))
      let target: { id: string; centre: [number, number] } | null = null
      for (const f of candidates.slice(0, 40)) {
        const rings = outerRings(f.geometry)
        if (rings.length !== 1) continue
        const centre = ringCentre(rings[0]!)
        if (!booleanPointInPolygon(centre, { type: 'Polygon', coordinates: [rings[0]!] })) continue
        const [w, south, e, n] = bboxOf(rings)
        const around: [number, number, number, number] = [w - 0.0001, south - 0.0001, e + 0.0001, n + 0.0001]
        if ((await countIn(s, 'cases', around)) || (await countIn(s, 'detections', around)) || (await countIn(s, 'zones', around))) continue
        target = { id: String(f.id), centre }
        break
      }
      assert.ok(target, 'a building clear of cases and patches')
      // What the server says about it, read independently of the page.
      const expected = await apiGet<ApiFeature>(context, `${server.url}/ogc/collections/buildings/items/${target.id}`)

      // The panel folded away so that the whole map takes the mouse.
      await page.getByTestId('layer-panel-toggle').click()
      const start = await settledView(page)
      assert.ok(start.zoom < 13, `the district opens zoomed out (${start.zoom})`)
      const centre = await mapCentre(page)
      let panned = 0
      let zoomed = 0
      for (let i = 0; i < 30; i++) {
        const view = await settledView(page)
        const [bx, by] = await pageXY(page, view, ...target.centre)
        const dx = centre[0] - bx
        const dy = centre[1] - by
        if (Math.hypot(dx, dy) > 30) {
          // Pan: drag the map so that the building comes to the middle.
          await afterRender(page, () => drag(page, [centre[0] - dx / 2, centre[1] - dy / 2], [centre[0] + dx / 2, centre[1] + dy / 2]))
          panned++
        } else if (view.zoom < 17) {
          // Zoom: the wheel over the middle.
          await page.mouse.move(centre[0], centre[1])
          await afterRender(page, () => page.mouse.wheel(0, -600))
          zoomed++
        } else {
          break
        }
      }
      const view = await settledView(page)
      assert.ok(panned > 0 && zoomed > 0, `panned ${panned} and zoomed ${zoomed} times`)
      assert.ok(view.zoom >= 17, `zoomed in to ${view.zoom}`)

      // Hover: the building under the mouse is the hovered feature (feature-state).
      const [bx, by] = await pageXY(page, view, ...target.centre)
      await page.mouse.move(bx, by)
      await page.waitForFunction((id) => document.querySelector('[data-testid="map"]')?.getAttribute('data-hover') === `buildings/${id}`, target.id)

      // Click: the inspector reads the building from the API.
      await page.mouse.click(bx, by)
      const inspector = page.locator('[data-testid="inspector"][data-state="ok"]')
      await inspector.waitFor()
      assert.equal(await inspector.getAttribute('data-collection'), 'buildings')
      assert.equal(await inspector.getAttribute('data-feature-id'), target.id)

      const floors = await attr(page, 'floors')
      assert.equal(floors.label, '层数')
      assert.equal(floors.value, String(expected.properties['floors']))
      const use = await attr(page, 'use')
      assert.equal(use.label, '用途')
      assert.equal(use.value, codeLabel('zh-CN', 'buildingUse', String(expected.properties['use'])), 'the coded use is shown in Chinese')
      assert.equal((await attr(page, 'id')).value, target.id)
      const rented = await attr(page, 'rented')
      assert.equal(rented.value, expected.properties['rented'] ? '是' : '否')

      // In English the labels come from the dictionary.
      await page.getByTestId('lang-en').click()
      assert.equal((await attr(page, 'floors')).label, 'Floors')
      assert.equal((await attr(page, 'use')).value, codeLabel('en', 'buildingUse', String(expected.properties['use'])))

      // Closing the inspector.
      await page.getByTestId('inspector-close').click()
      assert.equal(await page.getByTestId('inspector').count(), 0)
      assert.deepEqual(s.pageErrors, [])
      assert.deepEqual(s.foreign, [], 'no request leaves the server')
    } finally {
      await context.close()
    }
  })

  test('search flies to a village by name and to a case, whose inspector opens', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      const villages = await apiGet<Collection>(context, `${server.url}/ogc/collections/admin-units/items?level=village&limit=50`)
      // A name no other unit contains, so that the test knows which hit to expect first.
      const names = villages.features.map((f) => String(f.properties['name']))
      const village = villages.features.find((f) => names.filter((n) => n.includes(String(f.properties['name']))).length === 1)!
      const name = String(village.properties['name'])
      const code = String(village.properties['code'])
      const [w, south, e, n] = bboxOf(outerRings(village.geometry))

      await page.getByTestId('search-input').fill(name)
      const hit = page.locator(`[data-testid="search-result"][data-kind="village"][data-id="${code}"]`)
      await hit.waitFor()
      assert.match((await hit.textContent()) ?? '', new RegExp(name))
      await afterRender(page, () => hit.click())
      const view = await settledView(page)
      assert.ok(view.lon > w && view.lon < e && view.lat > south && view.lat < n, `the map centre ${view.lon},${view.lat} lies in ${name}'s box ${[w, south, e, n]}`)
      assert.ok(view.zoom >= 12 && view.zoom <= 17, `zoom ${view.zoom}`)
      assert.equal(await page.getByTestId('inspector').count(), 0, 'a village is flown to, not inspected')

      // A case by its number: flown to and inspected.
      const cases = await apiGet<Collection>(context, `${server.url}/ogc/collections/cases/items?limit=1`)
      const kase = cases.features[0]!
      const caseNo = String(kase.properties['case_no'])
      await page.getByTestId('search-input').fill(caseNo)
      const caseHit = page.locator(`[data-testid="search-result"][data-kind="case"][data-id="${kase.id}"]`)
      await caseHit.waitFor()
      await caseHit.click()
      const inspector = page.locator('[data-testid="inspector"][data-state="ok"]')
      await inspector.waitFor()
      assert.equal(await inspector.getAttribute('data-collection'), 'cases')
      assert.equal((await attr(page, 'case_no')).value, caseNo)
      assert.equal((await attr(page, 'status')).value, codeLabel('zh-CN', 'caseStatus', String(kase.properties['status'])))
      assert.deepEqual(s.pageErrors, [])
    } finally {
      await context.close()
    }
  })

  test('the coordinate readout gives CGCS2000 lon/lat and Gauss-Krüger X (north) and Y (east) of the mouse', async () => {
    const s = await signedIn()
    const { page } = s
    try {
      const view = await settledView(page)
      const [cx, cy] = await mapCentre(page)
      await page.mouse.move(cx + 40, cy - 30)
      await page.locator('[data-testid="coords"][data-source="pointer"]').waitFor()
      const read = async (id: string) => Number((await page.getByTestId(id).textContent())?.trim())
      const [lon, lat, x, y] = [await read('coord-lon'), await read('coord-lat'), await read('coord-x'), await read('coord-y')]
      // Six decimals of degrees, two of metres.
      assert.match((await page.getByTestId('coord-lon').textContent()) ?? '', /^\d+\.\d{6}$/)
      assert.match((await page.getByTestId('coord-x').textContent()) ?? '', /^\d+\.\d{2}$/)

      // The mouse position: 40 px east and 30 px north of the centre in the URL.
      const degPerPx = 360 / (512 * 2 ** view.zoom)
      assert.ok(Math.abs(lon - (view.lon + 40 * degPerPx)) < 3 * degPerPx, `lon ${lon} vs ${view.lon + 40 * degPerPx}`)
      assert.ok(lat > view.lat, 'north of the centre')

      // Plausible for the district (Beijing, zone CM 117°E): X is the northing, Y the easting.
      assert.ok(x > 4_300_000 && x < 4_450_000, `X (northing) ${x}`)
      assert.ok(y > 370_000 && y < 520_000, `Y (easting) ${y}`)
      // And the same as proj4 gives for the lon/lat shown (to the rounding of 6 decimals).
      const [east, north] = proj4('+proj=longlat +ellps=GRS80 +no_defs', GK_4548, [lon, lat])
      assert.ok(Math.abs(x - north) < 0.2 && Math.abs(y - east) < 0.2, `X ${x} Y ${y} vs proj4 ${north} ${east}`)

      // The projection agrees with PostGIS: a vertex of the district in CRS84 and in EPSG:4548.
      const code = '110111'
      const ll = await apiGet<ApiFeature>(s.context, `${server.url}/ogc/collections/admin-units/items/${code}`)
      const gk = await apiGet<ApiFeature>(s.context, `${server.url}/ogc/collections/admin-units/items/${code}?crs=http://www.opengis.net/def/crs/EPSG/0/4548`)
      const p = outerRings(ll.geometry)[0]![0]!
      const q = outerRings(gk.geometry)[0]![0]! // EPSG:4548 axis order: northing, easting
      const { toGaussKruger } = await import('../../web/src/geo/gk.ts')
      const mine = toGaussKruger(p[0], p[1])
      assert.ok(Math.abs(mine.x - q[0]) < 0.01 && Math.abs(mine.y - q[1]) < 0.01, `web ${mine.x},${mine.y} vs PostGIS ${q[0]},${q[1]}`)
    } finally {
      await s.context.close()
    }
  })

  test('a layer switched off leaves the URL; a reload opens the same view with the same layers', async () => {
    const s = await signedIn()
    const { page } = s
    try {
      // Somewhere with buildings drawn as footprints.
      const first = await settledView(page)
      assert.ok(first.layers?.includes('cases') && first.layers.includes('buildings'), `layers in the URL: ${first.layers}`)
      assert.ok(!first.layers?.includes('buildings-3d'), 'extruded buildings are off by default')
      const [cx, cy] = await mapCentre(page)
      await afterRender(page, () => drag(page, [cx, cy], [cx - 120, cy + 60]))
      await page.mouse.move(cx, cy)
      await afterRender(page, () => page.mouse.wheel(0, -600))
      assert.ok(Number((await page.getByTestId('cases-in-view').textContent())?.trim()) > 0, 'cases are drawn')

      await afterRender(page, () => page.getByTestId('layer-cases').uncheck())
      assert.equal((await page.getByTestId('cases-in-view').textContent())?.trim(), '0', 'no case is drawn once the layer is off')
      const view = await settledView(page)
      assert.ok(view.layers && !view.layers.includes('cases'), `cases left the URL: ${view.layers}`)
      assert.ok(view.layers.includes('buildings') && view.layers.includes('admin'), 'the other layers stay')

      await page.reload()
      await waitForMapIdle(page)
      const again = await settledView(page)
      assert.equal(again.zoom, view.zoom)
      assert.ok(Math.abs(again.lat - view.lat) < 1e-6 && Math.abs(again.lon - view.lon) < 1e-6, `centre ${again.lat},${again.lon} vs ${view.lat},${view.lon}`)
      assert.deepEqual(again.layers, view.layers)
      assert.equal(await page.getByTestId('layer-cases').isChecked(), false)
      assert.equal(await page.getByTestId('layer-buildings').isChecked(), true)
      assert.equal((await page.getByTestId('cases-in-view').textContent())?.trim(), '0')

      // A link with a hand-made layer list switches the panel.
      const hash = new URL(page.url()).hash.replace(/layers=[^&]*/, 'layers=basemap,admin,cases')
      await page.goto(`${server.url}/${hash}`)
      await page.waitForFunction(() => (document.querySelector('[data-testid="layer-buildings"]') as HTMLInputElement | null)?.checked === false)
      assert.equal(await page.getByTestId('layer-cases').isChecked(), true)
      assert.deepEqual(s.pageErrors, [])
    } finally {
      await s.context.close()
    }
  })

  test('buildings: grid points below the aggregation zoom zoom in when clicked; extruded by floors on request', async () => {
    const s = await signedIn()
    const { page, context } = s
    try {
      const meta = await apiGet<{ layers: { id: string; aggregateBelowZoom: number | null; maxzoom: number }[] }>(context, `${server.url}/api/meta`)
      const below = meta.layers.find((l) => l.id === 'buildings')!.aggregateBelowZoom!
      assert.equal(below, 13)
      // Only the buildings over the ground, so that nothing else takes the click.
      for (const id of ['cases', 'detections', 'zones', 'buffer-zones', 'parcels']) await page.getByTestId(`layer-${id}`).uncheck()
      await page.getByTestId('layer-panel-toggle').click()

      // The densest grid cell at zoom 12 (the server's grid: 32 cells per tile edge), and where its
      // point lies: the mean of the buildings' centres.
      const z = 12
      const cell = 360 / 2 ** z / 32
      const buildings = await apiGet<Collection>(context, `${server.url}/ogc/collections/buildings/items?limit=3000`)
      const cells = new Map<string, [number, number][]>()
      for (const f of buildings.features) {
        const c = ringCentre(outerRings(f.geometry)[0]!)
        const key = `${Math.floor(c[0] / cell)}/${Math.floor(c[1] / cell)}`
        cells.set(key, [...(cells.get(key) ?? []), c])
      }
      const densest = [...cells.values()].sort((a, b) => b.length - a.length)[0]!
      const point: [number, number] = [densest.reduce((t, c) => t + c[0], 0) / densest.length, densest.reduce((t, c) => t + c[1], 0) / densest.length]
      await afterRender(page, () => page.goto(`${server.url}/#map=${z + 0.2}/${point[1]}/${point[0]}&layers=${new URL(page.url()).hash.match(/layers=([^&]*)/)![1]}`))
      const view = await settledView(page)
      assert.ok(view.zoom < below)
      const [px, py] = await pageXY(page, view, ...point)
      await page.mouse.move(px, py)
      await page.waitForTimeout(200)
      assert.equal(await page.getByTestId('map').getAttribute('data-hover'), null, 'a grid point is not a feature to inspect')
      await afterRender(page, () => page.mouse.click(px, py))
      const closer = await settledView(page)
      assert.ok(closer.zoom >= below, `a click on a grid point zooms in past ${below}: ${closer.zoom}`)
      assert.equal(await page.getByTestId('inspector').count(), 0)

      // Extruded buildings: tilted, in the URL, flat again when switched off.
      await page.getByTestId('layer-panel-toggle').click()
      await afterRender(page, () => page.getByTestId('layer-buildings-3d').check())
      const tilted = await settledView(page)
      assert.ok(tilted.pitch > 30, `pitch ${tilted.pitch}`)
      assert.ok(tilted.layers?.includes('buildings-3d'))
      await afterRender(page, () => page.getByTestId('layer-buildings-3d').uncheck())
      const flat = await settledView(page)
      assert.equal(flat.pitch, 0)
      assert.ok(!flat.layers?.includes('buildings-3d'))
      assert.deepEqual(s.pageErrors, [])
    } finally {
      await context.close()
    }
  })

  test('the online basemap stays off until chosen, then loads its tiles; back to offline stops it', async () => {
    const s = await signedIn()
    const { page, context, foreign } = s
    try {
      // Stand-in tiles: nothing reaches the real OpenStreetMap from a test.
      const osm: string[] = []
      const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
      await context.route('https://tile.openstreetmap.org/**', (route) => {
        osm.push(route.request().url())
        return route.fulfill({ status: 200, contentType: 'image/png', body: PNG })
      })
      assert.deepEqual(foreign, [], 'offline by default')
      assert.match((await page.getByTestId('basemap-state').textContent()) ?? '', /离线/)

      await page.getByTestId('basemap-open').click()
      const dialog = page.getByTestId('basemap-dialog')
      await dialog.waitFor()
      assert.equal(await page.getByTestId('basemap-none').isChecked(), true)
      // A template without {z}/{x}/{y} is refused, and so is 天地图 without a key.
      await page.getByTestId('basemap-custom').check()
      await page.getByTestId('basemap-template').fill('ftp://example.com/tiles.png')
      await page.getByTestId('basemap-save').click()
      await page.getByTestId('basemap-error').waitFor()
      await page.getByTestId('basemap-tianditu-img').check()
      await page.getByTestId('basemap-save').click()
      assert.match((await page.getByTestId('basemap-error').textContent()) ?? '', /密钥/)
      assert.equal(osm.length, 0)

      await page.getByTestId('basemap-osm').check()
      await afterRender(page, () => page.getByTestId('basemap-save').click())
      assert.equal(await dialog.count(), 0)
      assert.ok(osm.length > 0, 'OpenStreetMap tiles were requested')
      assert.ok(osm.every((u) => /^https:\/\/tile\.openstreetmap\.org\/\d+\/\d+\/\d+\.png$/.test(u)), osm[0])
      assert.match((await page.getByTestId('basemap-state').textContent()) ?? '', /OpenStreetMap/)
      const stored = await page.evaluate(() => localStorage.getItem('chaiwei.basemap'))
      assert.equal(JSON.parse(stored ?? '{}').kind, 'osm')

      // Back to offline: no more tiles from outside, even after moving the map.
      await page.getByTestId('basemap-open').click()
      await page.getByTestId('basemap-none').check()
      await page.getByTestId('basemap-save').click()
      const count = osm.length
      const [cx, cy] = await mapCentre(page)
      await page.mouse.move(cx, cy)
      await afterRender(page, () => page.mouse.wheel(0, -600))
      assert.equal(osm.length, count, 'no OpenStreetMap request once switched off')
      assert.deepEqual(s.pageErrors, [])
    } finally {
      await context.close()
    }
  })
})
