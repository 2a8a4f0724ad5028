// Planning in Chromium against the real server (fresh embedded database, tiny sample): a zone is
// drawn with mouse clicks on the map (terra-draw), its area shows while drawing and matches turf
// and the server within 1 %, it is saved, its figures show, and the table exported to XLSX holds
// the API's figures; an edit makes version 2 in the history.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import turfArea from '@turf/area'
import ExcelJS from 'exceljs'
import type { Browser, Page } from 'playwright-core'
import { FIGURE_LABELS } from '../../server/src/domain/statistics.ts'
import type { TestServer } from '../helpers/server.ts'
import { decodePng, type Rgba } from './png.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, settledView, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle, type HashView } from './browser.ts'

const TEST_TIMEOUT = 240_000
/** Wide enough that the map's middle is clear of the layer panel (left) and the planning pane (right). */
const VIEWPORT = { width: 1600, height: 900 }
/** Screenshots to look at (the docs' planning-*.png are picked from these). */
const SHOTS = resolve(import.meta.dirname, '../../test-results')

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface Zone {
  id: number
  name: string
  areaM2: number
  version: number
  geometry: { type: string; coordinates: unknown }
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

test('a zone drawn on the map: live area, saved, its figures, XLSX equal to the API, edited with history', { timeout: TEST_TIMEOUT }, async ({ annotate }) => {
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
    const outline = await liveArea(page)
    assert.ok(within(outline, expectedWhileDrawing, 0.01), `live area ${outline} vs turf ${expectedWhileDrawing} of the clicked corners`)

    // --- a hole cut out of it (away from the case in the middle): the area drops by the hole's ---
    await page.getByTestId('tool-hole').click()
    await page.locator('[data-testid="draw-tools"][data-tool="hole"]').waitFor()
    const hole: [number, number][] = [
      [mx - 120, my - 90],
      [mx - 40, my - 90],
      [mx - 40, my - 10],
      [mx - 120, my - 10],
    ]
    for (const [x, y] of [...hole, hole[0]!]) {
      await page.mouse.click(x, y)
      await page.waitForTimeout(250)
    }
    await page.locator('[data-testid="live-area-box"][data-drawing="false"]').waitFor()
    const holeLonLats = await Promise.all(hole.map(([x, y]) => lonLatAt(page, view, x, y)))
    const holeArea = turfArea({ type: 'Polygon', coordinates: [[...holeLonLats, holeLonLats[0]!]] })
    const expected = expectedWhileDrawing - holeArea
    await page.waitForFunction((v) => Number(document.querySelector('[data-testid="live-area"]')?.getAttribute('data-area-m2')) < v, outline - holeArea / 2)
    const drawn = await liveArea(page)
    assert.ok(within(drawn, expected, 0.01), `live area with the hole ${drawn} vs turf ${expected} (hole ${holeArea.toFixed(0)} m²)`)
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'planning-draw.png') })
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
    assert.ok(within(zone.areaM2, expected, 0.01), `stored area ${zone.areaM2} vs turf ${expected}`)
    const rings = zone.geometry.type === 'Polygon' ? (zone.geometry.coordinates as unknown[]) : (zone.geometry.coordinates as unknown[][])[0]!
    assert.equal(rings.length, 2, 'the zone is stored with its hole')
    await annotate(`area m²: live ${drawn}, turf of the clicked corners minus the hole ${expected.toFixed(2)}, server ${zone.areaM2}`)

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
    await page.screenshot({ path: join(SHOTS, 'planning-zone.png') })

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

    // --- a stale edit: someone else saves v3 while the editor holds v2; the save is refused -----
    await page.getByTestId('zone-edit').click()
    await page.locator('[data-testid="zone-editor"]').waitFor()
    const other = await context.request.patch(`${server.url}/api/zones/${id}`, {
      headers: { 'If-Match': '"v2"', accept: 'application/json' },
      data: { responsibleUnit: '区城管执法局' },
    })
    assert.equal(other.status(), 200, await other.text())
    await page.getByTestId('zone-name').fill('不应保存的名称')
    await page.getByTestId('zone-save').click()
    await page.locator('[data-testid="zone-error"].stale').waitFor({ timeout: 15_000 })
    const after = await apiGet<Zone>(context, `${server.url}/api/zones/${id}`)
    assert.deepEqual([after.version, after.name], [3, '测试整治片区（调整）'], 'the stale save changed nothing')

    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

interface TargetsBody {
  items: { adminCode: string; progress: Record<string, number | null>; target: Record<string, number | null>; milestones: { date: string; met: boolean | null }[] }[]
}
interface KeyVillagesBody {
  items: { code: string; name: string; reasons: { code: string; detail: string }[] }[]
}

test('targets show progress and milestones as the API computes them; key villages list their reasons and are outlined on the map', { timeout: TEST_TIMEOUT }, async () => {
  const year = new Date().getFullYear()
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=planning`, VIEWPORT)
  await logIn(page, server.login)
  await waitForMapIdle(page)
  try {
    await page.getByTestId('plan-tab-targets').click()
    await page.locator('[data-testid="targets"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const targets = await apiGet<TargetsBody>(context, `${server.url}/api/targets?year=${year}`)
    assert.equal(await page.getByTestId('target-item').count(), targets.items.length)
    for (const it of targets.items.slice(0, 5)) {
      const card = page.locator(`[data-testid="target-item"][data-admin="${it.adminCode}"]`)
      for (const [figure, target] of Object.entries(it.target)) {
        if (target === null) continue
        assert.equal(Number(await card.locator(`[data-testid="target-figure"][data-figure="${figure}"]`).getAttribute('data-progress')), it.progress[figure] ?? 0, `${it.adminCode} ${figure}`)
      }
      assert.deepEqual(
        await card.getByTestId('milestone').evaluateAll((els) => els.map((e) => e.getAttribute('data-met'))),
        it.milestones.map((m) => String(m.met)),
      )
    }
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'planning-targets.png') })

    const plain = decodePng(await page.locator('[data-testid="map"] canvas').screenshot())
    await page.getByTestId('plan-tab-keyVillages').click()
    await page.locator('[data-testid="key-villages"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const kv = await apiGet<KeyVillagesBody>(context, `${server.url}/api/key-villages?densityThreshold=5`)
    assert.ok(kv.items.length > 0, 'the sample has key villages')
    assert.equal(Number(await page.getByTestId('key-villages').getAttribute('data-count')), kv.items.length)
    const first = kv.items[0]!
    const shown = page.locator(`[data-testid="key-village"][data-code="${first.code}"]`)
    for (const r of first.reasons) assert.equal((await shown.locator(`[data-reason="${r.code}"]`).textContent())?.trim(), r.detail)
    // Outlined on the map in the key-village red (#b10026).
    await page.waitForTimeout(1500)
    const outlined = decodePng(await page.locator('[data-testid="map"] canvas').screenshot())
    const red = (img: Rgba) => {
      let n = 0
      for (let i = 0; i < img.data.length; i += 4) if (Math.abs(img.data[i]! - 177) + img.data[i + 1]! + Math.abs(img.data[i + 2]! - 38) < 60) n++
      return n / (img.width * img.height)
    }
    assert.ok(red(outlined) > 0.002 && red(outlined) > 5 * red(plain), `key villages outlined: ${(red(outlined) * 100).toFixed(2)} % red, ${(red(plain) * 100).toFixed(3)} % before`)
    await page.screenshot({ path: join(SHOTS, 'planning-key-villages.png') })
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('snapping pulls a click next to a village corner onto the corner', { timeout: TEST_TIMEOUT }, async () => {
  // A corner of a village boundary (a vertex shared with its neighbours).
  const probe = await open(browser, `${server.url}/`, VIEWPORT)
  await logIn(probe.page, server.login)
  await waitForMapIdle(probe.page)
  const kv = await apiGet<KeyVillagesBody>(probe.context, `${server.url}/api/key-villages?densityThreshold=5`)
  const village = await apiGet<{ geometry: { type: string; coordinates: unknown } }>(probe.context, `${server.url}/ogc/collections/admin-units/items/${kv.items[0]!.code}`)
  await probe.context.close()
  const ring = village.geometry.type === 'Polygon' ? (village.geometry.coordinates as [number, number][][])[0]! : (village.geometry.coordinates as [number, number][][][])[0]![0]!
  const corner = ring[0]!
  const metres = (a: [number, number], b: [number, number]) =>
    Math.hypot((a[0] - b[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180), (a[1] - b[1]) * 110_574)

  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=planning&map=16/${corner[1].toFixed(7)}/${corner[0].toFixed(7)}`, VIEWPORT)
  await logIn(page, server.login)
  await waitForMapIdle(page)
  try {
    await page.getByTestId('plan-tab-stats').click()
    await page.locator('[data-testid="draw-tools"][data-ready="true"]').waitFor({ timeout: MAP_TIMEOUT })
    await page.getByTestId('snap-toggle').check()
    await page.getByTestId('tool-polygon').click()
    const view = await settledView(page)
    const box = (await page.getByTestId('map').boundingBox())!
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2]
    const near: [number, number] = [cx + 6, cy + 5]
    const missedBy = metres(await lonLatAt(page, view, near[0], near[1]), corner)
    assert.ok(missedBy > 5, `the click lands ${missedBy.toFixed(1)} m from the corner`)
    // The drawing's geometry as the app sends it for its statistics.
    const sent: [number, number][][] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/api/statistics/area') && r.method() === 'POST') {
        const g = (JSON.parse(r.postData() ?? '{}') as { geometry: { type: string; coordinates: unknown } }).geometry
        sent.push(g.type === 'Polygon' ? (g.coordinates as [number, number][][])[0]! : (g.coordinates as [number, number][][][])[0]![0]!)
      }
    })
    for (const [x, y] of [near, [cx + 200, cy + 20], [cx + 90, cy + 180]] as [number, number][]) {
      await page.mouse.move(x, y, { steps: 4 })
      await page.mouse.click(x, y)
      await page.waitForTimeout(300)
    }
    await page.mouse.move(near[0], near[1], { steps: 4 })
    await page.mouse.click(near[0], near[1])
    await page.locator('[data-testid="area-stats"][data-state="ok"]').waitFor({ timeout: 30_000 })
    const last = sent.at(-1)
    assert.ok(last, 'the drawing was sent for its figures')
    const nearest = Math.min(...last.map((p) => metres(p, corner)))
    assert.ok(nearest < 1, `a vertex lies ${nearest.toFixed(2)} m from the village corner (the click was ${missedBy.toFixed(1)} m off)`)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('zones from a file: a CSV in Gauss-Krüger with the CRS chosen lands in the list, named from the file; its figures export to Excel as the API gives them', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=planning`, VIEWPORT)
  await logIn(page, server.login)
  await waitForMapIdle(page)
  try {
    const village = (await apiGet<{ features: { geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] }>(
      context, `${server.url}/ogc/collections/admin-units/items?level=village&limit=1&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4548')}`,
    )).features[0]!
    // a 200 m square at the village's first vertex, written in EPSG:4548 metres (northing first there;
    // a CSV's WKT is x = easting, y = northing)
    const ring = (village.geometry.type === 'MultiPolygon' ? (village.geometry.coordinates as number[][][][])[0]![0]! : (village.geometry.coordinates as number[][][])[0]!)
    const [n0, e0] = ring[0]! as [number, number]
    const sq = [[e0, n0], [e0 + 200, n0], [e0 + 200, n0 + 200], [e0, n0 + 200], [e0, n0]].map((p) => p.join(' ')).join(', ')
    const csv = `name,WKT\r\n文件导入片区,"POLYGON((${sq}))"\r\n`
    await page.locator('.plan-import > summary').click()
    await page.getByTestId('zone-import-crs').selectOption('EPSG:4548')
    await page.getByTestId('zone-import-file').setInputFiles({ name: '片区.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') })
    const item = page.locator('[data-testid="zone-item"]', { hasText: '文件导入片区' })
    await item.waitFor({ timeout: MAP_TIMEOUT })
    const zones = await apiGet<{ items: { name: string; areaM2: number }[] }>(context, `${server.url}/api/zones`)
    const made = zones.items.find((z) => z.name === '文件导入片区')!
    assert.ok(Math.abs(made.areaM2 - 40_000) < 40, `a 200 m square in Gauss-Krüger is 40,000 m² on the ground: ${made.areaM2}`)
    // its page: the figures inside it, exported to Excel as the API gives them
    await item.click()
    await page.locator('[data-testid="area-stats"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('area-stats-xlsx').click()])
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile((await download.path())!)
    const rows = new Map<string, unknown>()
    wb.worksheets[0]!.eachRow((row) => {
      const v = (row.values as unknown[]).slice(1)
      if (typeof v[0] === 'string') rows.set(v[0], v[1])
    })
    const api = await apiGet<{ areaM2: number; cases: { count: number } }>(context, `${server.url}/api/zones/${(zones.items as unknown as { id: number; name: string }[]).find((z) => z.name === '文件导入片区')!.id}/statistics`)
    assert.equal(rows.get('范围面积（㎡）'), api.areaM2)
    assert.equal(rows.get('违建数（处）'), api.cases.count)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
