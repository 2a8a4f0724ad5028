// Satellite-change patches in Chromium against the real server (fresh embedded database, tiny
// sample): a batch imported through the wizard, a patch verified as a real violation with a phone
// photo taken on site, and the new case found in the ledger. Screenshots for docs/screenshots.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { phonePhoto } from '../helpers/photo.ts'
import type { TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, outerRings, pageXY, ringCentre, settledView, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle, type ApiFeature } from './browser.ts'

const SHOTS = process.env.CHAIWEI_SCREENSHOTS // a folder: write the docs' screenshots there
let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})
afterAll(() => stopAppAndBrowser(server, browser))

/** A ring grown by a factor around its centre: a detector's outline of a building. */
const grow = (ring: [number, number][], k: number): [number, number][] => {
  const [cx, cy] = ringCentre(ring)
  return ring.map(([x, y]) => [cx + (x - cx) * k, cy + (y - cy) * k])
}

test('import a batch in the wizard, verify a patch as a violation with a site photo, find the new case', { timeout: 300_000 }, async () => {
  const s = await open(browser, `${server.url}/#view=patches`, { width: 1400, height: 900 })
  const { page, context } = s
  await logIn(page, server.login)
  await page.getByTestId('patches').waitFor({ timeout: MAP_TIMEOUT })
  await page.waitForSelector('[data-testid="patch-row"]', { timeout: MAP_TIMEOUT })
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patches-list.png` })

  // Three new buildings of the sample, as a ministry file would outline them (GeoJSON, WGS84).
  const buildings = await apiGet<{ features: ApiFeature[] }>(context, `${server.url}/ogc/collections/buildings/items?limit=3&floors=2`)
  assert.equal(buildings.features.length, 3)
  const features = buildings.features.map((b, i) => ({
    type: 'Feature',
    properties: { TBBH: `E2E-${i + 1}`, BHLX: '新增建筑', JCMJ: 100 + i },
    geometry: { type: 'Polygon', coordinates: [grow(outerRings(b.geometry)[0]!, 1.2)] },
  }))
  const file = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }), 'utf8')

  await page.getByTestId('open-import').click()
  await page.getByTestId('import-file').setInputFiles({ name: '2026年第4季度卫片.geojson', mimeType: 'application/geo+json', buffer: file })
  await page.getByTestId('import-upload').click()
  await page.locator('[data-testid="import-wizard"][data-state="staged"]').waitFor({ timeout: MAP_TIMEOUT })
  assert.match((await page.getByTestId('import-count').textContent()) ?? '', /^3 /)
  assert.match((await page.getByTestId('import-crs-read').textContent()) ?? '', /EPSG:4326/)
  assert.equal(await page.getByTestId('import-map-patchNo').inputValue(), 'TBBH')
  await page.getByTestId('import-batch-name').fill('2026年第四季度卫片（测试）')
  await page.getByTestId('import-batch-before').fill('2026-07-01')
  await page.getByTestId('import-batch-after').fill('2026-10-15')
  await page.getByTestId('import-batch-deadline').fill('2026-12-31')
  await page.waitForTimeout(1500) // the preview map draws
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patches-import.png` })
  await page.getByTestId('form-submit').click()
  await page.getByTestId('import-done').waitFor({ timeout: MAP_TIMEOUT })
  await page.getByTestId('import-open-batch').click()

  // The new batch is chosen and lists its three patches.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="patch-row"]').length === 3, undefined, { timeout: MAP_TIMEOUT })
  const batches = await apiGet<{ batches: { id: number; name: string; counts: { total: number } }[] }>(context, `${server.url}/api/detection-batches`)
  const batch = batches.batches.find((b) => b.name === '2026年第四季度卫片（测试）')!
  assert.equal(batch.counts.total, 3)
  assert.equal(await page.getByTestId('batch-select').inputValue(), String(batch.id))

  // Open the first patch: a phone photo taken at its centre, then verify it as a violation.
  await page.getByTestId('open-patch').first().click()
  await page.getByTestId('patch-panel').waitFor()
  const patchNo = await page.getByTestId('patch-no').textContent()
  assert.equal(patchNo, 'E2E-1')
  const [lon, lat] = ringCentre(features[0]!.geometry.coordinates[0] as [number, number][])
  await page.getByTestId('patch-photo-file').setInputFiles({ name: '现场.jpg', mimeType: 'image/jpeg', buffer: phonePhoto(lon, lat, '2026:11:02 09:15:00', 32) })
  await page.waitForFunction(() => /1 张在图斑 100 米内/.test(document.querySelector('[data-testid="photo-evidence"]')?.textContent ?? ''), undefined, { timeout: MAP_TIMEOUT })
  await page.getByTestId('patch-action-verify').click()
  await page.getByTestId('verify-result-violation').check()
  assert.match((await page.getByTestId('photo-rule').textContent()) ?? '', /1 张/)
  await page.getByTestId('verify-use').selectOption('residential')
  await page.getByTestId('verify-floors').fill('2')
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patches-verify.png` })
  await page.getByTestId('form-submit').click()
  await page.locator('[data-testid="patch-panel"][data-result="violation"]').waitFor({ timeout: MAP_TIMEOUT })
  const caseNo = (await page.getByTestId('patch-case-link').textContent())!
  assert.match(caseNo, /^\d{12}-2026-\d{4}$/)

  // The case: in the ledger, from the satellite, on the patch's outline.
  await page.getByTestId('patch-case-link').click()
  await page.locator('[data-testid="case-panel"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
  const caseId = Number(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('case'))
  const c = await apiGet<{ caseNo: string; source: string; use: string; floors: number; geometry: { type: string } }>(context, `${server.url}/api/cases/${caseId}`)
  assert.deepEqual([c.caseNo, c.source, c.use, c.floors, c.geometry.type], [caseNo, 'satellite', 'residential', 2, 'MultiPolygon'])
  const ledger = await apiGet<{ items: { id: number }[] }>(context, `${server.url}/api/cases?source=satellite&sort=-found_at&limit=5`)
  assert.ok(ledger.items.some((r) => r.id === caseId), 'the new case leads the satellite cases')

  // Back in the patches view the dashboard counts the verification.
  await page.goto(`${server.url}/#view=patches&batch=${batch.id}`)
  await page.getByTestId('open-dashboard').click()
  await page.getByTestId('batch-dashboard').waitFor()
  await page.waitForFunction(() => document.querySelector('[data-testid="kpi-violation"] b')?.textContent === '1', undefined, { timeout: MAP_TIMEOUT })
  assert.match((await page.getByTestId('kpi-verificationRate').textContent()) ?? '', /33\.3%/)
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patches-dashboard.png` })
  // 重新筛查: the batch's screening runs again (the new case now overlaps its own patch)
  const firstPatch = (await apiGet<{ items: { id: number }[] }>(context, `${server.url}/api/detections?batch=${batch.id}&limit=1`)).items[0]!.id
  const stampBefore = await apiGet<{ screening: { screenedAt?: string } }>(context, `${server.url}/api/detections/${firstPatch}`)
  await page.getByTestId('rescreen').click()
  await page.locator('[data-testid="rescreen"][data-state="sent"]').waitFor()
  for (let i = 0; i < 50; i++) {
    const now = await apiGet<{ screening: { screenedAt?: string } }>(context, `${server.url}/api/detections/${firstPatch}`)
    if (now.screening.screenedAt !== stampBefore.screening.screenedAt) break
    await page.waitForTimeout(200)
  }
  const after = await apiGet<{ screening: { screenedAt?: string } }>(context, `${server.url}/api/detections/${firstPatch}`)
  assert.notEqual(after.screening.screenedAt, stampBefore.screening.screenedAt, 'screened again')
  // The batch's imagery set in the dashboard (If-Match behind the scenes) shows on its patches.
  await page.getByTestId('batch-settings').click()
  await page.getByTestId('batch-before-url').fill('/api/imagery/sample/1/before/{z}/{x}/{y}.png')
  await page.getByTestId('batch-after-url').fill('/api/imagery/sample/1/after/{z}/{x}/{y}.png')
  await page.getByTestId('form-submit').click()
  await page.getByTestId('batch-settings').waitFor()
  const edited = await apiGet<{ version: number; imagery: { after?: { type: string; url: string } } }>(context, `${server.url}/api/detection-batches/${batch.id}`)
  assert.deepEqual([edited.version, edited.imagery.after?.type], [2, 'xyz'])
  await page.getByTestId('dashboard-back').click()
  await page.getByTestId('open-patch').first().click()
  await page.locator('.imagery-stage .maplibregl-compare').waitFor({ timeout: MAP_TIMEOUT })
  assert.deepEqual(s.pageErrors, [])
  assert.deepEqual(s.foreign, [])
  await context.close()
})

test('a large file: the wizard shows the features read, then that PostGIS is checking them, then the staged import', { timeout: 300_000 }, async () => {
  const s = await open(browser, `${server.url}/#view=patches`, { width: 1400, height: 900 })
  const { page, context } = s
  await logIn(page, server.login)
  await page.getByTestId('patches').waitFor({ timeout: MAP_TIMEOUT })
  // 9,000 footprints of the sample as patches: over 2 MB, so the file is read in the background
  const buildings = await apiGet<{ features: ApiFeature[] }>(context, `${server.url}/ogc/collections/buildings/items?limit=1000`)
  const features = []
  for (let k = 0; k < 9; k++) {
    for (const [i, b] of buildings.features.entries()) features.push({ type: 'Feature', properties: { TBBH: `BIG-${k}-${i}`, BHLX: '新增建筑' }, geometry: b.geometry })
  }
  const file = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }), 'utf8')
  assert.ok(file.length > 2 * 1024 * 1024, `${file.length} bytes`)
  // The server reads and checks 9,000 features quicker than the wizard polls (every 800 ms): its
  // first two polls are answered with the import as the server shows it while reading, then while
  // checking (tests/api/detection-import.test.ts polls the real phases); later ones as they come.
  const scripted: { phase: 'reading' | 'checking'; done: number; total: number | null }[] = [
    { phase: 'reading', done: 1500, total: null },
    { phase: 'checking', done: features.length, total: features.length },
  ]
  await page.route(/\/api\/detection-imports\/[0-9a-f-]+$/, async (route) => {
    if (route.request().method() !== 'GET') return route.fallback()
    const response = await route.fetch()
    const progress = scripted.shift()
    if (!progress) return route.fulfill({ response })
    return route.fulfill({ response, json: { ...(await response.json()), state: 'reading', progress } })
  })

  await page.getByTestId('open-import').click()
  await page.getByTestId('import-file').setInputFiles({ name: '大批量卫片.geojson', mimeType: 'application/geo+json', buffer: file })
  await page.getByTestId('import-upload').click()
  const reading = page.getByTestId('import-reading')
  await page.waitForFunction(() => /正在读取：1,500 \/ \? 个要素/.test(document.querySelector('[data-testid="import-reading"]')?.textContent ?? ''), undefined, { timeout: MAP_TIMEOUT })
  await page.locator('[data-testid="import-reading"][data-phase="checking"]').waitFor({ timeout: MAP_TIMEOUT })
  assert.match((await reading.textContent()) ?? '', /已读取 9,000 个要素，正在检查几何有效性、所在行政区划和字段/)
  // no count to show while PostGIS checks: the bar is indeterminate
  assert.equal(await reading.locator('progress').getAttribute('value'), null)
  await page.locator('[data-testid="import-wizard"][data-state="staged"]').waitFor({ timeout: MAP_TIMEOUT })
  assert.match((await page.getByTestId('import-count').textContent()) ?? '', /^9,?000 /)
  assert.deepEqual(s.pageErrors, [])
  await context.close()
})

test('on a phone (390 × 844) a sample patch opens with its before/after swipe', { timeout: 180_000 }, async () => {
  const s = await open(browser, `${server.url}/#view=patches&batch=1`, { width: 390, height: 844 })
  const { page } = s
  await logIn(page, server.login)
  await page.waitForSelector('[data-testid="patch-row"]', { timeout: MAP_TIMEOUT })
  // A new-building patch of the ministry batch that covers a sample building.
  const rows = await apiGet<{ items: { id: number; changeType: string; status: string }[] }>(s.context, `${server.url}/api/detections?batch=1&status=verified&result=violation&limit=5`)
  const id = rows.items.find((r) => r.changeType === 'new_building')?.id ?? rows.items[0]!.id
  await page.goto(`${server.url}/#view=patches&batch=1&patch=${id}`)
  await page.reload() // the pane reads batch and patch from the address when it opens
  await page.locator(`[data-testid="patch-panel"]`).waitFor({ timeout: MAP_TIMEOUT })
  await page.getByTestId('imagery').scrollIntoViewIfNeeded()
  await page.locator('.imagery-stage .maplibregl-compare').waitFor({ timeout: MAP_TIMEOUT })
  await page.waitForTimeout(3000)
  const box = await page.locator('.imagery-stage').boundingBox()
  assert.ok(box && box.width <= 390 && box.width > 300, `the compare fits the phone: ${JSON.stringify(box)}`)
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/patches-phone.png` })
  await page.getByTestId('imagery-opacity').click()
  await page.getByTestId('imagery-toggle').click()
  assert.deepEqual(s.pageErrors, [])
  await s.context.close()
})

test('list and map in sync: a row flies the map to its patch; the patch clicked on the map opens its page', { timeout: 180_000 }, async () => {
  const s = await open(browser, `${server.url}/#view=patches&batch=2`, { width: 1400, height: 900 })
  const { page, context } = s
  await logIn(page, server.login)
  await page.waitForSelector('[data-testid="patch-row"]', { timeout: MAP_TIMEOUT })
  // A pending patch with no case on it (a case would be picked first where both lie).
  const list = await apiGet<{ items: { id: number; patchNo: string; flags: string[] }[] }>(context, `${server.url}/api/detections?batch=2&status=pending&limit=50`)
  const target = list.items.find((d) => !d.flags.includes('duplicate') && !d.flags.includes('rebound'))!
  const detail = await apiGet<{ geometry: ApiFeature['geometry'] }>(context, `${server.url}/api/detections/${target.id}`)
  const row = page.locator(`[data-testid="patch-row"][data-id="${target.id}"]`)
  // The patches' tiles at the detail zoom, fetched once the map has flown in.
  const tile = page.waitForResponse((r) => /\/collections\/detections\/tiles\/WebMercatorQuad\/16\//.test(r.url()), { timeout: MAP_TIMEOUT })
  await row.click()
  await page.waitForFunction((id) => document.querySelector(`[data-testid="patch-row"][data-id="${id}"]`)?.classList.contains('selected'), target.id)
  // The map flies in (the address keeps its view: map=zoom/lat/lon).
  await page.waitForFunction(() => Number(/map=([\d.]+)/.exec(location.hash)?.[1] ?? 0) > 15, undefined, { timeout: MAP_TIMEOUT })
  await tile
  await page.waitForTimeout(500) // the tile is drawn on the next frames
  await waitForMapIdle(page)
  const view = await settledView(page)
  assert.ok(view.zoom > 15, `flown in to zoom ${view.zoom}`)
  const [lon, lat] = ringCentre(outerRings(detail.geometry)[0]!)
  const [x, y] = await pageXY(page, view, lon, lat)
  await page.mouse.click(x, y)
  await page.locator('[data-testid="patch-panel"]').waitFor({ timeout: MAP_TIMEOUT })
  assert.equal(await page.getByTestId('patch-no').textContent(), target.patchNo)
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('patch'), String(target.id))
  assert.deepEqual(s.pageErrors, [])
  await context.close()
})

test('zoomed out, patches are grid points by outcome; a click on one zooms in to the patches themselves', { timeout: 180_000 }, async () => {
  const s = await open(browser, `${server.url}/#layers=detections`, { width: 1200, height: 800 })
  const { page, context } = s
  await logIn(page, server.login)
  await waitForMapIdle(page)
  const meta = await apiGet<{ layers: { id: string; aggregateBelowZoom: number | null }[] }>(context, `${server.url}/api/meta`)
  const below = meta.layers.find((l) => l.id === 'detections')!.aggregateBelowZoom!
  // The densest grid cell one zoom below (the server's grid: 32 cells per tile edge, a point per
  // outcome), and its point: the mean of the patches' inner points there.
  const z = below - 1
  const cell = 360 / 2 ** z / 32
  const patches = await apiGet<{ features: ApiFeature[] }>(context, `${server.url}/ogc/collections/detections/items?limit=5000`)
  const cells = new Map<string, [number, number][]>()
  for (const f of patches.features) {
    const c = ringCentre(outerRings(f.geometry)[0]!)
    const outcome = f.properties.result ?? f.properties.status
    const key = `${Math.floor(c[0] / cell)}/${Math.floor(c[1] / cell)}/${String(outcome)}`
    cells.set(key, [...(cells.get(key) ?? []), c])
  }
  const densest = [...cells.values()].sort((a, b) => b.length - a.length)[0]!
  const point: [number, number] = [densest.reduce((t, c) => t + c[0], 0) / densest.length, densest.reduce((t, c) => t + c[1], 0) / densest.length]
  await page.goto(`${server.url}/#map=${z + 0.2}/${point[1]}/${point[0]}&layers=detections`)
  await waitForMapIdle(page)
  const view = await settledView(page)
  assert.ok(view.zoom < below)
  const [px, py] = await pageXY(page, view, ...point)
  await page.mouse.click(px, py)
  await page.waitForFunction((b) => Number(/map=([\d.]+)/.exec(location.hash)?.[1] ?? 0) >= b, below, { timeout: MAP_TIMEOUT })
  const closer = await settledView(page)
  assert.ok(closer.zoom >= below, `a click on a grid point zooms in past ${below}: ${closer.zoom}`)
  assert.equal(await page.getByTestId('inspector').count(), 0, 'a grid point is not a feature to inspect')
  assert.deepEqual(s.pageErrors, [])
  await context.close()
})

test('the map draws the batch the list shows: switching batches switches the patches on the map', { timeout: 180_000 }, async () => {
  const s = await open(browser, `${server.url}/#view=patches&batch=1&layers=detections`, { width: 1400, height: 900 })
  const { page } = s
  const tiles: string[] = []
  page.on('request', (r) => {
    if (/\/collections\/detections\/tiles\//.test(r.url())) tiles.push(r.url())
  })
  await logIn(page, server.login)
  await page.waitForSelector('[data-testid="patch-row"]', { timeout: MAP_TIMEOUT })
  await waitForMapIdle(page)
  assert.ok(tiles.length > 0, 'patch tiles were fetched')
  assert.ok(tiles.every((u) => new URL(u).searchParams.get('batch') === '1'), `every patch tile is batch 1's: ${tiles.filter((u) => !u.includes('batch=1')).join(' ')}`)
  tiles.length = 0
  await page.getByTestId('batch-select').selectOption('2')
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('batch') === '2')
  await waitForMapIdle(page)
  await page.waitForTimeout(500)
  assert.ok(tiles.length > 0 && tiles.every((u) => new URL(u).searchParams.get('batch') === '2'), 'after switching, batch 2 only')
  // leaving the view shows every batch again
  tiles.length = 0
  await page.getByTestId('tab-map').click()
  await waitForMapIdle(page)
  await page.waitForTimeout(500)
  assert.ok(tiles.length > 0 && tiles.every((u) => !new URL(u).searchParams.has('batch')), 'the map view shows all batches')
  assert.deepEqual(s.pageErrors, [])
  await s.context.close()
})
