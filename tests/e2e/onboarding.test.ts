// The reference-data view (基础数据) in the web app: an administrator sees what the district has
// loaded, imports buildings from a GBK Shapefile in Gauss-Krüger (EPSG:4527) with 三调-style
// Chinese and pinyin headers, sees the guessed mapping, maps the one field the guess left empty,
// sees the feature outside the district listed as a problem, and appends only the valid buildings;
// the API then holds exactly those with the mapped attributes and the history lists the load. A
// zip without a GIS file is refused with the server's Chinese sentence and nothing is written.
// On an empty server (no sample) the view says the boundary comes first, and once it is loaded the
// header and the map know the district without a reload.
//
// With CHAIWEI_SCREENSHOTS=1 the test also writes docs/screenshots/onboarding-*.png (docs/onboarding.md).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DBFFile } from 'dbffile'
import { strToU8, unzipSync, zipSync } from 'fflate'
import type { Feature } from 'geojson'
import type { Browser, Page } from 'playwright-core'
import { writeShapefileZip } from '../../server/src/imports/formats/writers.ts'
import { DISTRICT_FEATURE, geojson, UNIT_FEATURES } from '../helpers/layer-import.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle } from './browser.ts'

const TEST_TIMEOUT = 300_000
const SHOTS = process.env.CHAIWEI_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : null

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

/** A Shapefile zip (layer `name`) whose .dbf is GBK without a .cpg, as older desktop GIS write them. */
async function gbkShapefile(features: Feature[], name: string, crs: string): Promise<Buffer> {
  const utf8 = unzipSync(await writeShapefileZip(features, { layerName: name, crs }))
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-e2e-gbk-'))
  try {
    writeFileSync(join(dir, 'utf8.dbf'), utf8[`${name}.dbf`]!)
    const table = await DBFFile.open(join(dir, 'utf8.dbf'), { encoding: 'utf-8' })
    const records = await table.readRecords()
    const gbk = await DBFFile.create(join(dir, 'gbk.dbf'), table.fields, { encoding: 'gbk' })
    await gbk.appendRecords(records)
    const files: Record<string, Uint8Array> = {}
    for (const [n, data] of Object.entries(utf8)) if (!n.endsWith('.cpg') && !n.endsWith('.dbf')) files[n] = data
    files[`${name}.dbf`] = readFileSync(join(dir, 'gbk.dbf'))
    return Buffer.from(zipSync(files))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const box = (x: number, y: number, d = 0.0003): Feature['geometry'] => ({
  type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d * 0.8], [x, y + d * 0.8], [x, y]]],
})

/** Five buildings in 城关街道 and one 50 km east of 房山 (feature 6: outside the district). */
const STRUCTURES = ['砖混', '框架', '钢结构', '砖木', '简易']
const STRUCTURE_KEYS = ['brick_concrete', 'frame', 'steel', 'brick_wood', 'simple']
const USES = ['住宅', '仓储', '商业', '住宅', '办公']
const USE_KEYS = ['residential', 'storage', 'commercial', 'residential', 'office']
function buildingFeatures(): Feature[] {
  const out: Feature[] = []
  for (let i = 0; i < 6; i++) {
    const [x, y] = i < 5 ? [115.995 + i * 0.0008, 39.695] : [116.6, 39.7]
    out.push({
      type: 'Feature',
      properties: { 层数: 1 + i, JG: STRUCTURES[i % 5], FWYT: USES[i % 5], SFCZ: i % 2 === 0 ? '是' : '否', XKZH: `E2E-FW-${String(i + 1).padStart(3, '0')}`, JZND: 2001 + i, BZ: `房屋${i + 1}` },
      geometry: box(x, y),
    })
  }
  return out
}

interface OgcCollection {
  numberMatched: number
  features: { properties: Record<string, unknown> }[]
}

async function shot(page: Page, name: string) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(800)
  await page.screenshot({ path: resolve(SHOTS, name) })
}

test('an administrator imports buildings from a GBK Shapefile: guessed mapping, one field mapped by hand, the outside feature left out, history', { timeout: TEST_TIMEOUT }, async () => {
  const viewport = SHOTS ? { width: 1440, height: 1050 } : { width: 1200, height: 800 }
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=onboarding`, viewport)
  try {
    await logIn(page, server.login)
    // the tab is there for an administrator, and the view opens from the URL
    await page.getByTestId('tab-onboarding').waitFor()
    assert.equal((await page.getByTestId('tab-onboarding').textContent())?.trim(), '基础数据')
    await page.locator('[data-testid="onboarding"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    await waitForMapIdle(page)

    // --- the status: the district, a row per layer, the ledger's cases -----------------------
    const status = await apiGet<{ district: { code: string; name: string }; layers: { layer: string; count: number }[]; missing: string[]; cases: number; casesPendingLocation: number }>(
      context, `${server.url}/api/onboarding/status`)
    assert.match((await page.getByTestId('onboarding-district').textContent()) ?? '', new RegExp(`${status.district.name}.*110111`))
    for (const l of status.layers) {
      const row = page.getByTestId(`status-${l.layer}`)
      assert.equal(await row.getAttribute('data-count'), String(l.count), l.layer)
      assert.equal(await row.getAttribute('data-missing'), String(status.missing.includes(l.layer)), l.layer)
      assert.equal((await row.locator('.missing-badge').count()) === 1, status.missing.includes(l.layer), `缺少 marker of ${l.layer}`)
    }
    assert.ok(status.missing.length > 0, 'the tiny sample lacks some layer (permits, ring roads …)')
    assert.match((await page.getByTestId(`status-${status.missing[0]}`).textContent()) ?? '', /缺少/)
    assert.match((await page.getByTestId('status-buildings').textContent()) ?? '', /建筑/)
    assert.match((await page.getByTestId('onboarding-cases').textContent()) ?? '', new RegExp(`台账案件 ${status.cases.toLocaleString()} 件`))
    const buildingsBefore = status.layers.find((l) => l.layer === 'buildings')!.count
    const loadsBefore = (await apiGet<{ loads: unknown[] }>(context, `${server.url}/api/layer-loads`)).loads.length
    await shot(page, 'onboarding-status.png')

    // --- a zip without a GIS file: the server's Chinese sentence, nothing written --------------
    await page.getByTestId('import-buildings').click()
    await page.locator('[data-testid="layer-import"][data-state="none"]').waitFor()
    await page.getByTestId('layer-import-file').setInputFiles({ name: '说明.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync({ 'readme.txt': strToU8('这里没有图层') })) })
    await page.getByTestId('layer-import-upload').click()
    const refusal = page.getByTestId('layer-import-error')
    await refusal.waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await refusal.textContent()) ?? '', /压缩包中没有 Shapefile/)
    await page.getByTestId('layer-import-cancel').click()
    await page.locator('[data-testid="onboarding"][data-state="ok"]').waitFor()
    assert.equal((await apiGet<{ loads: unknown[] }>(context, `${server.url}/api/layer-loads`)).loads.length, loadsBefore, 'no load recorded')
    assert.equal(await page.getByTestId('status-buildings').getAttribute('data-count'), String(buildingsBefore), 'no building written')

    // --- the GBK Shapefile in EPSG:4527 ------------------------------------------------------
    const zip = await gbkShapefile(buildingFeatures(), 'FW', 'EPSG:4527')
    await page.getByTestId('import-buildings').click()
    await page.getByTestId('layer-import-file').setInputFiles({ name: '房屋.zip', mimeType: 'application/zip', buffer: zip })
    await page.getByTestId('layer-import-upload').click()
    await page.locator('[data-testid="layer-import"][data-state="staged"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('layer-import-crs-read').textContent()) ?? '', /EPSG:4527/)
    assert.equal((await page.getByTestId('layer-import-encoding-read').textContent())?.trim(), 'GBK')
    const count = page.getByTestId('layer-import-count')
    assert.equal(await count.getAttribute('data-count'), '6')
    assert.equal(await count.getAttribute('data-valid'), '5')

    // the guessed mapping: Chinese and pinyin headers found, the year left empty
    const source = (key: string) => page.getByTestId(`map-row-${key}`).getAttribute('data-source')
    assert.equal(await source('floors'), 'f:层数')
    assert.equal(await source('structure'), 'f:JG')
    assert.equal(await source('use'), 'f:FWYT')
    assert.equal(await source('rented'), 'f:SFCZ')
    assert.equal(await source('permitNo'), 'f:XKZH')
    assert.equal(await source('builtYear'), '')
    // samples decoded from GBK are shown beside the chosen field
    assert.match((await page.getByTestId('map-row-structure').textContent()) ?? '', /砖混/)

    // one row changed by hand: the year comes from JZND
    await page.getByTestId('map-builtYear').selectOption('f:JZND')
    await page.locator('[data-testid="map-row-builtYear"][data-source="f:JZND"]').waitFor()
    await page.locator('[data-testid="layer-import"][data-state="staged"]').waitFor()

    // the feature outside the district is listed, with the summary by code; the preview has all six
    const problems = page.getByTestId('layer-import-problem')
    await page.locator('[data-testid="layer-import-problems"][data-count="1"]').waitFor()
    assert.equal(await problems.count(), 1)
    assert.equal(await problems.first().getAttribute('data-feature'), '6')
    assert.equal(await problems.first().getAttribute('data-code'), 'outside_district')
    assert.match((await problems.first().textContent()) ?? '', /不在本区内/)
    assert.match((await page.locator('.problem-chip').first().textContent()) ?? '', /不在本区内 1/)
    await page.locator('[data-testid="layer-import-preview"][data-features="6"]').waitFor({ timeout: MAP_TIMEOUT })
    if (SHOTS) await page.getByTestId('layer-import-mapping').scrollIntoViewIfNeeded()
    await shot(page, 'onboarding-mapping.png')

    // append, only the valid features, the mapping kept as a preset
    await page.getByTestId('layer-import-mode-append').check()
    await page.getByTestId('layer-import-only-valid').check()
    await page.getByTestId('layer-import-preset-name').fill('房屋调查（拼音字段）')
    await page.getByTestId('layer-import-commit').click()
    await page.locator('[data-testid="layer-import"][data-state="committed"]').waitFor({ timeout: TEST_TIMEOUT - 60_000 })
    const done = page.getByTestId('layer-import-done')
    assert.equal(await done.getAttribute('data-inserted'), '5')
    assert.equal(await done.getAttribute('data-skipped'), '1')
    assert.match((await done.textContent()) ?? '', /新增 5.*跳过 1/)
    const derived = page.getByTestId('layer-import-derived').locator('li')
    assert.ok((await derived.count()) >= 1, 'what was re-derived is said')
    const what = await derived.evaluateAll((els) => els.map((e) => e.getAttribute('data-what')))
    assert.ok(what.includes('building_parcel_links') && what.includes('screening'), what.join(', '))
    await done.scrollIntoViewIfNeeded()
    await shot(page, 'onboarding-done.png')

    // --- through the API: exactly the five valid buildings, with the mapped attributes ---------
    const filter = encodeURIComponent("permit_no LIKE 'E2E-FW-%'")
    const added = await apiGet<OgcCollection>(context, `${server.url}/ogc/collections/buildings/items?filter=${filter}&limit=50`)
    assert.equal(added.numberMatched, 5)
    const byPermit = new Map(added.features.map((f) => [f.properties.permit_no as string, f.properties]))
    for (let i = 0; i < 5; i++) {
      const p = byPermit.get(`E2E-FW-${String(i + 1).padStart(3, '0')}`)
      assert.ok(p, `building ${i + 1} written`)
      assert.equal(p.floors, 1 + i)
      assert.equal(p.structure, STRUCTURE_KEYS[i])
      assert.equal(p.use, USE_KEYS[i])
      assert.equal(p.rented, i % 2 === 0)
      assert.equal(p.built_year, 2001 + i, 'the field mapped by hand')
      assert.equal(p.admin_code?.toString().slice(0, 9), '110111001', 'placed in 城关街道')
    }
    const all = await apiGet<OgcCollection>(context, `${server.url}/ogc/collections/buildings/items?limit=1`)
    assert.equal(all.numberMatched, buildingsBefore + 5, 'nothing else added')
    const loads = (await apiGet<{ loads: { layer: string; fileName: string; mode: string; onlyValid: boolean; inserted: number; skipped: number; encoding: string; crs: string }[] }>(
      context, `${server.url}/api/layer-loads`)).loads
    assert.equal(loads.length, loadsBefore + 1)
    const { layer, fileName, mode, onlyValid, inserted, skipped, crs, encoding } = loads[0]!
    assert.deepEqual({ layer, fileName, mode, onlyValid, inserted, skipped, crs, encoding }, {
      layer: 'buildings', fileName: '房屋.zip', mode: 'append', onlyValid: true, inserted: 5, skipped: 1, crs: 'EPSG:4527', encoding: 'GBK',
    })

    // --- back to the status: the count, the last load and the history ------------------------
    await page.getByTestId('layer-import-finish').click()
    await page.locator(`[data-testid="status-buildings"][data-count="${buildingsBefore + 5}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('status-buildings').textContent()) ?? '', /e2e-admin.*追加.*房屋\.zip/)
    const first = page.getByTestId('history-row').first()
    assert.equal(await first.getAttribute('data-layer'), 'buildings')
    assert.equal(await first.getAttribute('data-inserted'), '5')
    assert.match((await first.textContent()) ?? '', /房屋\.zip.*追加.*e2e-admin/)
    await shot(page, 'onboarding-history.png')

    // the preset is offered to the next import of buildings
    const presets = await apiGet<{ presets: { name: string; mapping: Record<string, unknown> }[] }>(context, `${server.url}/api/layer-mapping-presets?layer=buildings`)
    assert.equal(presets.presets.find((p) => p.name === '房屋调查（拼音字段）')?.mapping.builtYear, 'JZND')

    // the map comes back with the view's tab
    await page.getByTestId('tab-map').click()
    await waitForMapIdle(page)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

/** The app over an empty database (CHAIWEI_SAMPLE=none) with one district administrator. */
const startEmptyServer = () => startTestServer({ fixture: 'schema', user: { username: 'e2e-empty-admin', password: 'e2e password 2', displayName: '新区管理员' } })

async function importGeoJson(page: Page, layer: string, fileName: string, bytes: Buffer) {
  await page.getByTestId(`import-${layer}`).click()
  await page.getByTestId('layer-import-file').setInputFiles({ name: fileName, mimeType: 'application/geo+json', buffer: bytes })
  await page.getByTestId('layer-import-upload').click()
  await page.locator('[data-testid="layer-import"][data-state="staged"]').waitFor({ timeout: MAP_TIMEOUT })
  await page.locator('[data-testid="layer-import-problems"][data-count="0"]').waitFor()
  await page.getByTestId('layer-import-commit').click()
  await page.locator('[data-testid="layer-import"][data-state="committed"]').waitFor({ timeout: MAP_TIMEOUT })
  await page.getByTestId('layer-import-finish').click()
}

test('an empty server: the boundary first, then towns and villages; the header and the map follow', { timeout: TEST_TIMEOUT }, async () => {
  const empty = await startEmptyServer()
  const { context, page, pageErrors } = await open(browser, `${empty.url}/#view=onboarding`)
  try {
    await logIn(page, empty.login)
    await page.locator('[data-testid="onboarding"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('onboarding-district').textContent()) ?? '', /尚无行政区：请先导入区界/)
    assert.equal(await page.locator('[data-testid^="status-"][data-missing="true"]').count(), 8, 'every layer is missing')
    assert.equal(await page.getByTestId('history-row').count(), 0)

    await importGeoJson(page, 'admin_units', '区界.geojson', geojson([DISTRICT_FEATURE]))
    await page.locator('[data-testid="onboarding-district"][data-code="110111"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('onboarding-district').textContent()) ?? '', /房山区/)
    // the header reads the district from /api/meta again
    await page.locator('.app-header .district', { hasText: '房山区' }).waitFor({ timeout: MAP_TIMEOUT })

    await importGeoJson(page, 'admin_units', '镇村.geojson', geojson(UNIT_FEATURES))
    await page.locator('[data-testid="status-admin_units"][data-count="7"][data-missing="false"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('history-row').count(), 2)
    assert.equal(await page.locator('[data-testid^="status-"][data-missing="true"]').count(), 7)

    // the map has the district: its tiles draw the new units
    await page.getByTestId('tab-map').click()
    await waitForMapIdle(page)
    const meta = await apiGet<{ district: { code: string; bbox: number[] } | null }>(context, `${empty.url}/api/meta`)
    assert.equal(meta.district?.code, '110111')
    // and says what is still missing, with the way to load it
    const notice = page.getByTestId('missing-data-notice')
    await notice.waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await notice.getAttribute('data-missing'), 'parcels,buildings,roads,ring_roads,waters,reference_areas,permits')
    assert.match((await notice.textContent()) ?? '', /尚未导入：地块（地类图斑）、建筑、道路.*统计中相应数字为 0/)
    await page.getByTestId('missing-data-open').click()
    await page.locator('[data-testid="onboarding"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
    await empty.close()
  }
})
