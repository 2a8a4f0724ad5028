// The dashboard in Chromium against the real server (fresh embedded database, tiny sample): its
// charts are drawn (not blank), the towns on the map are coloured by the chosen figure, the
// figures equal the API's, the table's XLSX holds them, and the printable report (PNG, PDF)
// carries the map and the charts.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ExcelJS from 'exceljs'
import type { Browser, Page } from 'playwright-core'
import { FIGURE_LABELS } from '../../server/src/domain/statistics.ts'
import type { TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle } from './browser.ts'
import { colourStats, decodePng, type Rgba } from './png.ts'

const TEST_TIMEOUT = 240_000
const VIEWPORT = { width: 1400, height: 900 }
const CHARTS = ['unit', 'use', 'month', 'progress', 'burndown'] as const
/** What a drawn chart or map has at least (tests/e2e/map.test.ts uses the same bounds). */
const MIN_DISTINCT_COLOURS = 8
const MIN_OFF_BACKGROUND = 0.02
/** The two darkest choropleth classes (#a63603, #e6550d) at the fill's 0.8 opacity over the light ground. */
const DARK_CLASSES: [number, number, number][] = [
  [182, 92, 50],
  [233, 116, 58],
]
const SHOTS = resolve(import.meta.dirname, '../../test-results')

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface Totals {
  count: number
  landArea: number
  demolishedLandArea: number
}
interface StatTable {
  rows: { key: Record<string, string | null>; label: Record<string, string>; count: number; landArea: number; demolishedLandArea: number }[]
  totals: Totals
}

/** Share of pixels within `tol` (sum of channel differences) of one of the colours. */
function shareNear(img: Rgba, colours: readonly [number, number, number][], tol = 36): number {
  let hit = 0
  for (let i = 0; i < img.width * img.height * 4; i += 4) {
    if (colours.some(([r, g, b]) => Math.abs(img.data[i]! - r) + Math.abs(img.data[i + 1]! - g) + Math.abs(img.data[i + 2]! - b) <= tol)) hit++
  }
  return hit / (img.width * img.height)
}

function crop(img: Rgba, y0: number, y1: number): Rgba {
  return { width: img.width, height: y1 - y0, data: img.data.subarray(y0 * img.width * 4, y1 * img.width * 4) }
}

/** The map canvas alone (panels over it hidden for the shot). */
async function mapShot(page: Page): Promise<Buffer> {
  const style = await page.addStyleTag({
    content: '.map-left, .inspector, .coords, .reset-view, .maplibregl-control-container, .map-status { visibility: hidden !important; }',
  })
  const png = await page.locator('[data-testid="map"] canvas').screenshot({ animations: 'disabled' })
  await style.evaluate((el) => el.parentNode?.removeChild(el))
  return png
}

async function idleAfter(page: Page, action: () => Promise<unknown>) {
  const before = Number((await page.getByTestId('map').getAttribute('data-idle-count')) ?? '0')
  await action()
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="map"]')?.getAttribute('data-idle-count') ?? '0') > n, before, { timeout: MAP_TIMEOUT })
}

test('the dashboard draws its charts and the choropleth, its figures and XLSX equal the API, the report carries map and charts', { timeout: TEST_TIMEOUT }, async ({ annotate }) => {
  const year = new Date().getFullYear()
  const { context, page, pageErrors } = await open(browser, `${server.url}/`, VIEWPORT)
  await logIn(page, server.login)
  await waitForMapIdle(page)
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-dash-'))
  try {
    // The plain map first: the darkest class colour is (nearly) absent from it.
    const plain = decodePng(await mapShot(page))
    const plainShare = shareNear(plain, DARK_CLASSES)

    await idleAfter(page, () => page.getByTestId('tab-dashboard').click())
    assert.match(page.url(), /view=dashboard/)
    await page.locator('[data-testid="dashboard"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })

    // --- the figures are the API's ------------------------------------------------------------
    const byTown = await apiGet<StatTable>(context, `${server.url}/api/statistics?groupBy=town&from=${year}-01-01&to=${year}-12-31`)
    for (const f of ['count', 'landArea', 'demolishedLandArea'] as const) {
      assert.equal(Number(await page.locator(`[data-testid="dash-kpis"] [data-figure="${f}"]`).getAttribute('data-value')), byTown.totals[f], f)
    }
    assert.ok(byTown.totals.demolishedLandArea > 0, 'the sample has demolitions this year')

    // --- every chart is drawn: many colours, not just the background ----------------------------
    for (const id of CHARTS) {
      const chart = page.locator(`[data-testid="chart-${id}"][data-rendered="true"]`)
      await chart.waitFor({ timeout: MAP_TIMEOUT })
      const c = colourStats(decodePng(await chart.screenshot()))
      assert.ok(c.distinct >= MIN_DISTINCT_COLOURS && c.offDominant >= MIN_OFF_BACKGROUND, `chart ${id} looks blank: ${c.distinct} colours, ${(c.offDominant * 100).toFixed(1)} % drawn`)
    }

    // --- the choropleth: towns coloured by the figure, and a new figure recolours them -------------
    const units = Number(await page.getByTestId('choropleth-legend').getAttribute('data-units'))
    assert.equal(units, byTown.rows.filter((r) => r.key['town']).length, 'every town with figures is classed')
    await page.waitForTimeout(500)
    const shotA = await mapShot(page)
    const coloured = decodePng(shotA)
    const colouredShare = shareNear(coloured, DARK_CLASSES)
    const m = colourStats(coloured)
    assert.ok(m.distinct >= MIN_DISTINCT_COLOURS && m.offDominant >= MIN_OFF_BACKGROUND, 'the dashboard map is drawn')
    assert.ok(colouredShare > 0.005 && colouredShare > 3 * plainShare, `dark classes on ${(colouredShare * 100).toFixed(2)} % of the map (plain map ${(plainShare * 100).toFixed(3)} %)`)
    // Another figure recolours the towns; the village level colours villages instead.
    const changedShare = (a: Rgba, b: Rgba) => {
      let changed = 0
      for (let i = 0; i < a.data.length; i += 4) {
        if (Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!) > 30) changed++
      }
      return changed / (a.width * a.height)
    }
    await idleAfter(page, () => page.getByTestId('choropleth-figure').selectOption('regreenedArea'))
    const byFigure = changedShare(coloured, decodePng(await mapShot(page)))
    await page.getByTestId('choropleth-level').selectOption('village')
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="choropleth-legend"]')?.getAttribute('data-units')) > 30, undefined, { timeout: MAP_TIMEOUT })
    await idleAfter(page, () => page.waitForTimeout(300))
    const byLevel = changedShare(coloured, decodePng(await mapShot(page)))
    await annotate(`dark classes: ${(colouredShare * 100).toFixed(2)} % of the dashboard map, ${(plainShare * 100).toFixed(3)} % of the plain map; pixels changed by another figure ${(byFigure * 100).toFixed(2)} %, by the village level ${(byLevel * 100).toFixed(1)} %`)
    assert.ok(byFigure > 0.002, `another figure recolours the towns (${(byFigure * 100).toFixed(2)} % of pixels changed)`)
    assert.ok(byLevel > 0.02, `villages coloured instead of towns (${(byLevel * 100).toFixed(1)} % of pixels changed)`)
    await page.getByTestId('choropleth-level').selectOption('town')
    await idleAfter(page, () => page.getByTestId('choropleth-figure').selectOption('demolishedLandArea'))

    // --- the table's workbook: one row per town with the API's figures, and the 合计 row ----------
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dash-table-xlsx').click()])
    const xlsxFile = join(dir, 'table.xlsx')
    await xlsx.saveAs(xlsxFile)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(readFileSync(xlsxFile) as unknown as ExcelJS.Buffer)
    const ws = wb.worksheets[0]!
    const header = (ws.getRow(1).values as unknown[]).map((v) => String(v ?? ''))
    const [cCount, cLand] = [header.indexOf(FIGURE_LABELS.count), header.indexOf(FIGURE_LABELS.landArea)]
    assert.ok(cCount > 0 && cLand > 0, `figure columns in ${header.join('|')}`)
    const sheet = new Map<string, ExcelJS.Row>()
    ws.eachRow((row, n) => {
      if (n > 1) sheet.set(String(row.getCell(1).value ?? ''), row)
    })
    for (const r of byTown.rows) {
      const row = sheet.get(r.label['town']!)
      assert.ok(row, `a row for ${r.label['town']}`)
      assert.equal(Number(row.getCell(cCount).value), r.count)
      assert.equal(Number(row.getCell(cLand).value), r.landArea)
    }
    assert.equal(Number(sheet.get('合计')?.getCell(cLand).value), byTown.totals.landArea)

    // --- the report: PNG with the map (coloured) and the charts; PDF with it as images -----------
    const [png] = await Promise.all([page.waitForEvent('download', { timeout: MAP_TIMEOUT }), page.getByTestId('export-png').click()])
    const pngFile = join(dir, 'report.png')
    await png.saveAs(pngFile)
    const report = decodePng(readFileSync(pngFile))
    assert.equal(report.width, 1600)
    const mapBox = (await page.getByTestId('map').boundingBox())!
    // Title, subtitle and map caption take 166 px; the map is scaled to 1520 px wide.
    const mapTop = 166
    const mapBottom = mapTop + Math.round((mapBox.height / mapBox.width) * 1520)
    const reportMap = crop(report, mapTop, mapBottom)
    const rm = colourStats(reportMap)
    assert.ok(rm.distinct >= MIN_DISTINCT_COLOURS && rm.offDominant >= MIN_OFF_BACKGROUND, `the report's map is blank: ${rm.distinct} colours`)
    assert.ok(shareNear(reportMap, DARK_CLASSES) > 0.005, 'the report shows the choropleth')
    const rc = colourStats(crop(report, mapBottom + 60, report.height))
    assert.ok(rc.distinct >= MIN_DISTINCT_COLOURS && rc.offDominant >= MIN_OFF_BACKGROUND, 'the report shows the charts')

    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: MAP_TIMEOUT }), page.getByTestId('export-pdf').click()])
    const pdfFile = join(dir, 'report.pdf')
    await pdf.saveAs(pdfFile)
    const pdfBytes = readFileSync(pdfFile)
    assert.equal(pdfBytes.subarray(0, 5).toString('latin1'), '%PDF-')
    assert.match(pdfBytes.toString('latin1'), /\/Subtype \/Image/)
    assert.ok(pdfBytes.length > 50_000, `the PDF carries the images (${pdfBytes.length} bytes)`)

    mkdirSync(SHOTS, { recursive: true })
    // The report at half size, to look at (docs/screenshots/dashboard-report.png).
    const viewer = await context.newPage()
    await viewer.setViewportSize({ width: 800, height: Math.ceil(report.height / 2) })
    await viewer.setContent(`<body style="margin:0"><img style="width:800px;display:block" src="data:image/png;base64,${readFileSync(pngFile).toString('base64')}"></body>`)
    await viewer.screenshot({ path: join(SHOTS, 'dashboard-report.png'), fullPage: true })
    await viewer.close()
    await page.screenshot({ path: join(SHOTS, 'dashboard.png') })
    assert.deepEqual(pageErrors, [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await context.close()
  }
})
