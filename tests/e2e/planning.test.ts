// Planning in Chromium against the real server (fresh embedded database, tiny sample): a zone is
// drawn with mouse clicks on the map (terra-draw), its area shows while drawing and matches turf
// and the server within 1 %, it is saved, its figures show, and the table exported to XLSX holds
// the API's figures; an edit makes version 2 in the history.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import turfArea from '@turf/area'
import ExcelJS from 'exceljs'
import type { Browser, Page } from 'playwright-core'
import { FIGURE_LABELS } from '../../server/src/domain/statistics.ts'
import type { TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, settledView, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle, type HashView } from './browser.ts'

const TEST_TIMEOUT = 240_000
/** Wide enough that the map's middle is clear of the layer panel (left) and the planning pane (right). */
const VIEWPORT = { width: 1600, height: 900 }

let server: TestServer
let browser: Browser

before(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

after(() => stopAppAndBrowser(server, browser))

interface Zone {
  id: number
  name: string
  areaM2: number
  version: number
}
interface AreaStats {
  areaM2: number
  cases: { count: number; landArea: number }
}
interface StatRow {
  key: Record<string, string | null>
  label: Record<string, string>
  count: number
  landArea: number
  demolishedLandArea: number
}
interface StatTable {
  rows: StatRow[]
  totals: Omit<StatRow, 'key' | 'label'>
}

/** lon/lat under a page pixel, for a flat north-up map showing `view` (inverse of browser.ts pageXY). */
async function lonLatAt(page: Page, view: HashView, x: number, y: number): Promise<[number, number]> {
  const box = (await page.getByTestId('map').boundingBox())!
  const size = 512 * 2 ** view.zoom
  const s = Math.sin((view.lat * Math.PI) / 180)
  const cx = ((view.lon + 180) / 360) * size
  const cy = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size
  const wx = cx + (x - (box.x + box.width / 2))
  const wy = cy + (y - (box.y + box.height / 2))
  const lon = (wx / size) * 360 - 180
  const n = Math.PI - (2 * Math.PI * wy) / size
  const lat = (180 / Math.PI) * Math.atan(Math.sinh(n))
  return [lon, lat]
}

async function liveArea(page: Page): Promise<number> {
  return Number(await page.getByTestId('live-area').getAttribute('data-area-m2'))
}

const within = (actual: number, expected: number, rel: number) => Math.abs(actual - expected) <= rel * Math.abs(expected)

test('a zone drawn on the map: live area, saved, its figures, XLSX equal to the API, edited with history', { timeout: TEST_TIMEOUT }, async (t) => {
  // A case to draw around, so the zone has figures: the first polygon case of the ledger.
  const probe = await open(browser, `${server.url}/`, VIEWPORT)
  await logIn(probe.page, server.login)
  await waitForMapIdle(probe.page)
  const cases = await apiGet<{ features: { geometry: { type: string; coordinates: unknown } | null }[] }>(
    probe.context,
    `${server.url}/ogc/collections/cases/items?limit=200`,
  )
  const polygonCase = cases.features.find((f) => f.geometry?.type === 'MultiPolygon')
  assert.ok(polygonCase, 'the sample has a case drawn as an area')
  const ring = (polygonCase.geometry!.coordinates as [number, number][][][])[0]![0]!
  const [lon, lat] = [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length]
  await probe.context.close()

  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=planning&map=15/${lat.toFixed(6)}/${lon.toFixed(6)}`, VIEWPORT)
  await logIn(page, server.login)
  await waitForMapIdle(page)
  try {
    await page.locator('[data-testid="zone-list"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    await page.getByTestId('zone-new').click()
    await page.locator('[data-testid="draw-tools"][data-ready="true"][data-tool="polygon"]').waitFor({ timeout: MAP_TIMEOUT })
    const view = await settledView(page)
    assert.equal(Math.round(view.zoom), 15)

    // --- draw: four corners with the mouse, the area follows the mouse before closing -------
    const box = (await page.getByTestId('map').boundingBox())!
    const [mx, my] = [box.x + box.width / 2, box.y + box.height / 2]
    const corners: [number, number][] = [
      [mx - 160, my - 120],
      [mx + 150, my - 130],
      [mx + 170, my + 110],
      [mx - 140, my + 140],
    ]
    for (const [x, y] of corners.slice(0, 3)) {
      await page.mouse.click(x, y)
      await page.waitForTimeout(250)
    }
    await page.mouse.move(corners[3]![0], corners[3]![1], { steps: 6 })
    await page.locator('[data-testid="live-area-box"][data-drawing="true"]').waitFor()
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="live-area"]')?.getAttribute('data-area-m2')) > 0)
    const whileDrawing = await liveArea(page)
    const lonLats = await Promise.all(corners.map(([x, y]) => lonLatAt(page, view, x, y)))
    const expectedWhileDrawing = turfArea({ type: 'Polygon', coordinates: [[...lonLats, lonLats[0]!]] })
    assert.ok(within(whileDrawing, expectedWhileDrawing, 0.01), `live area while drawing ${whileDrawing} vs turf ${expectedWhileDrawing}`)

    await page.mouse.click(corners[3]![0], corners[3]![1])
    await page.waitForTimeout(250)
    await page.mouse.click(corners[0]![0], corners[0]![1]) // on the first corner: closes the polygon
    await page.locator('[data-testid="live-area-box"][data-drawing="false"]').waitFor()
    const drawn = await liveArea(page)
    assert.ok(within(drawn, expectedWhileDrawing, 0.01), `live area ${drawn} vs turf ${expectedWhileDrawing} of the clicked corners`)
    // The statistics of the drawing come on their own (debounced POST /api/statistics/area).
    await page.locator('[data-testid="area-stats"][data-state="ok"]').waitFor({ timeout: 30_000 })
    const drawnStatsArea = Number(await page.getByTestId('stats-area').getAttribute('data-area-m2'))
    assert.ok(within(drawnStatsArea, drawn, 0.01), `server area of the drawing ${drawnStatsArea} vs live ${drawn}`)

    // --- save ------------------------------------------------------------------------------
    await page.getByTestId('zone-name').fill('测试整治片区')
    await page.getByTestId('zone-type').selectOption('rectification_area')
    await page.getByTestId('zone-unit').fill('城关街道办事处')
    await page.getByTestId('zone-target-demolished').fill('5000')
    await page.getByTestId('zone-save').click()
    const detail = page.locator('[data-testid="zone-detail"][data-version="1"]')
    await detail.waitFor({ timeout: 30_000 })
    const id = Number(await detail.getAttribute('data-zone-id'))
    const zone = await apiGet<Zone>(context, `${server.url}/api/zones/${id}`)
    assert.equal(zone.name, '测试整治片区')
    assert.ok(within(zone.areaM2, drawn, 0.01), `stored area ${zone.areaM2} vs live ${drawn}`)
    assert.ok(within(zone.areaM2, expectedWhileDrawing, 0.01), `stored area ${zone.areaM2} vs turf ${expectedWhileDrawing}`)
    t.diagnostic(`area m²: live ${drawn}, turf of the clicked corners ${expectedWhileDrawing.toFixed(2)}, server ${zone.areaM2}`)

    // --- its figures: the page shows what the API says ---------------------------------------
    const stats = await apiGet<AreaStats>(context, `${server.url}/api/zones/${id}/statistics`)
    assert.ok(stats.cases.count >= 1, 'the zone drawn around a case holds it')
    await page.locator('[data-testid="zone-detail"] [data-testid="area-stats"][data-state="ok"]').waitFor({ timeout: 30_000 })
    assert.equal(Number(await page.locator('[data-testid="zone-detail"] [data-testid="stats-cases-count"]').getAttribute('data-value')), stats.cases.count)
    const table = await apiGet<StatTable>(context, `${server.url}/api/statistics?groupBy=village&zone=${id}`)
    const totalsRow = page.getByTestId('stat-totals')
    await totalsRow.waitFor()
    assert.equal(Number(await totalsRow.getAttribute('data-count')), table.totals.count)
    assert.equal(Number(await totalsRow.getAttribute('data-land')), table.totals.landArea)

    // --- export: the workbook holds the API's figures, row by row ---------------------------
    const dir = mkdtempSync(join(tmpdir(), 'chaiwei-xlsx-'))
    try {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('zone-stats-xlsx').click()])
      const file = join(dir, 'zone.xlsx')
      await download.saveAs(file)
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(readFileSync(file) as unknown as ExcelJS.Buffer)
      const ws = wb.worksheets[0]!
      const header = (ws.getRow(1).values as unknown[]).map((v) => String(v ?? ''))
      const col = (label: string) => {
        const i = header.indexOf(label)
        assert.ok(i > 0, `column ${label} in ${header.join('|')}`)
        return i
      }
      const [cCount, cLand, cDemolished] = [col(FIGURE_LABELS.count), col(FIGURE_LABELS.landArea), col(FIGURE_LABELS.demolishedLandArea)]
      const sheetRows = new Map<string, ExcelJS.Row>()
      ws.eachRow((row, n) => {
        if (n > 1) sheetRows.set(String(row.getCell(1).value ?? ''), row)
      })
      assert.ok(table.rows.length >= 1)
      for (const r of table.rows) {
        const row = sheetRows.get(r.label['village']!)
        assert.ok(row, `a row for ${r.label['village']}`)
        assert.equal(Number(row.getCell(cCount).value), r.count, `${r.label['village']} count`)
        assert.equal(Number(row.getCell(cLand).value), r.landArea, `${r.label['village']} land area`)
        assert.equal(Number(row.getCell(cDemolished).value), r.demolishedLandArea, `${r.label['village']} demolished`)
      }
      const totals = sheetRows.get('合计')
      assert.ok(totals, 'a 合计 row')
      assert.equal(Number(totals.getCell(cCount).value), table.totals.count)
      assert.equal(Number(totals.getCell(cLand).value), table.totals.landArea)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }

    // --- edit: If-Match behind the scenes, version 2, history of two entries ------------------
    await page.getByTestId('zone-edit').click()
    await page.locator('[data-testid="zone-editor"]').waitFor()
    await page.getByTestId('zone-name').fill('测试整治片区（调整）')
    await page.getByTestId('zone-save').click()
    await page.locator('[data-testid="zone-detail"][data-version="2"]').waitFor({ timeout: 30_000 })
    const edited = await apiGet<Zone>(context, `${server.url}/api/zones/${id}`)
    assert.equal(edited.name, '测试整治片区（调整）')
    assert.equal(edited.areaM2, zone.areaM2, 'a rename leaves the shape alone')
    await page.locator('[data-testid="zone-history-entry"][data-action="edit"]').waitFor()
    assert.equal(await page.getByTestId('zone-history-entry').count(), 2)

    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
