// A ledger carried over without coordinates (待定位): the import says how many cases wait at their
// village, the ledger's 待定位 chip lists them for the field team, and a case is placed with a click
// on the map (saved with If-Match), after which it is drawn there and leaves the list.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { afterRender, apiGet, logIn, MAP_TIMEOUT, open, pageXY, settledView, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle } from './browser.ts'

const TEST_TIMEOUT = 180_000

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface CaseBody {
  id: number
  version: number
  locationPending: boolean
  geometry: { type: string; coordinates: [number, number] }
}
interface ListBody {
  total: number
  totals: { locationPending: number }
  items: { id: number; caseNo: string; locationPending: boolean }[]
}

test('cases imported without coordinates are listed as 待定位 and one is placed on the map with a click', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger`)
  try {
    await logIn(page, server.login)
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const village = (await apiGet<{ features: { id: string; properties: { name: string } }[] }>(context, `${server.url}/ogc/collections/admin-units/items?level=village&limit=1`)).features[0]!
    const pendingBefore = (await apiGet<ListBody>(context, `${server.url}/api/cases?locationPending=true&limit=1`)).total

    // --- import: two rows that name only their village ---------------------------------------
    const yesterday = new Date(Date.now() - 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10)
    const csv = [
      '所在村,位置,用途,发现来源,发现时间,占地面积（㎡）,经度,纬度',
      `${village.id},村东头彩钢房,居住,巡查,${yesterday} 09:00,120,,`,
      `${village.id},村西头库房,仓储,巡查,${yesterday} 10:00,60,,`,
    ].join('\r\n')
    await page.getByTestId('ledger-import-open').click()
    await page.getByTestId('ledger-import').waitFor()
    await page.getByTestId('import-file').setInputFiles({ name: '无坐标台账.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`, 'utf8') })
    await page.getByTestId('import-submit').click()
    await page.locator('[data-testid="ledger-import"][data-state="done"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('import-result').getAttribute('data-imported'), '2')
    assert.match((await page.getByTestId('import-result').textContent()) ?? '', /2 条没有坐标.*待定位/)
    await page.getByTestId('import-close').click()

    // --- the 待定位 chip: the list for the field team -----------------------------------------
    const chip = page.getByTestId('filter-pending')
    await page.locator(`[data-testid="filter-pending"][data-count="${pendingBefore + 2}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await chip.textContent()) ?? '', new RegExp(`待定位 ${pendingBefore + 2}`))
    await chip.click()
    await page.locator(`[data-testid="ledger"][data-state="ok"][data-total="${pendingBefore + 2}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await chip.getAttribute('aria-pressed'), 'true')
    assert.match(decodeURIComponent(page.url()), /locationPending=true/, 'the filter is kept in the link')
    assert.equal(await page.locator('[data-testid="ledger-row"] [data-testid="pending-badge"]').count(), pendingBefore + 2)

    // --- open one and place it ----------------------------------------------------------------
    const rowId = Number(await page.getByTestId('ledger-row').first().getAttribute('data-case-id'))
    await page.getByTestId('open-case').first().click()
    await page.locator(`[data-testid="case-panel"][data-case-id="${rowId}"][data-state="ok"]`).waitFor({ timeout: MAP_TIMEOUT })
    await page.getByTestId('case-pending').waitFor()
    const before = await apiGet<CaseBody>(context, `${server.url}/api/cases/${rowId}`)
    assert.equal(before.locationPending, true)
    const [lon, lat] = before.geometry.coordinates // the placeholder: a point on its village

    await afterRender(page, () =>
      page.evaluate(([x, y]) => {
        const p = new URLSearchParams(location.hash.slice(1))
        p.set('map', `17/${y}/${x}`)
        location.hash = p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')
      }, [lon, lat] as const),
    )
    await waitForMapIdle(page)
    const view = await settledView(page)
    await page.getByTestId('case-locate').click()
    await page.getByTestId('case-locate-hint').waitFor()
    // a few metres east of the placeholder: still in the village
    const [px, py] = await pageXY(page, view, lon + 0.00005, lat)
    await page.mouse.click(px, py)
    await page.locator(`[data-testid="case-panel"][data-case-id="${rowId}"][data-version="${before.version + 1}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('case-pending').count(), 0, 'no longer waiting')
    await page.getByTestId('step-done').waitFor()

    const placed = await apiGet<CaseBody>(context, `${server.url}/api/cases/${rowId}`)
    assert.equal(placed.locationPending, false)
    assert.equal(placed.geometry.type, 'Point')
    // the click's position, to within a pixel at zoom 17 (~1 m)
    assert.ok(Math.abs(placed.geometry.coordinates[0] - (lon + 0.00005)) < 2e-5 && Math.abs(placed.geometry.coordinates[1] - lat) < 2e-5, JSON.stringify(placed.geometry))
    const history = await apiGet<{ history: { action: string; reason: string | null }[] }>(context, `${server.url}/api/cases/${rowId}/history`)
    const last = history.history[history.history.length - 1]!
    assert.equal(last.action, 'edit')
    assert.match(last.reason ?? '', /定位到地图上的位置/)

    // it is drawn now: a click on it selects it in the table (after leaving the case page)
    await page.getByTestId('case-back').click()
    await page.locator(`[data-testid="filter-pending"][data-count="${pendingBefore + 1}"]`).waitFor({ timeout: MAP_TIMEOUT })
    await chip.click() // the whole ledger again, so the located case has a row
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    await waitForMapIdle(page)
    await page.mouse.click(px, py)
    await page.locator(`[data-testid="map"][data-selection="${rowId}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('a large ledger imports in the background while the dialog shows its progress', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger`)
  try {
    await logIn(page, server.login)
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const village = (await apiGet<{ features: { id: string }[] }>(context, `${server.url}/ogc/collections/admin-units/items?level=village&limit=1`)).features[0]!
    const before = (await apiGet<ListBody>(context, `${server.url}/api/cases?limit=1`)).total
    // past the 4 MB a request is answered within: 30,000 rows with long addresses
    const n = 30_000
    const lines = ['所在村,位置,用途,发现来源,发现时间,占地面积（㎡）']
    for (let i = 0; i < n; i++) lines.push(`${village.id},批量迁移台账第${i}号院东侧沿河路北约五十米处的彩钢板房及附属院墙,居住,巡查,2024-05-01 09:00,${20 + (i % 80)}`)
    const file = Buffer.from(`\uFEFF${lines.join('\r\n')}`, 'utf8')
    assert.ok(file.length > 4 * 1024 * 1024, `${file.length} bytes`)

    await page.getByTestId('ledger-import-open').click()
    await page.getByTestId('ledger-import').waitFor()
    await page.getByTestId('import-file').setInputFiles({ name: '批量台账.csv', mimeType: 'text/csv', buffer: file })
    await page.getByTestId('import-submit').click()
    await page.getByTestId('import-progress').waitFor({ timeout: MAP_TIMEOUT })
    const bar = page.getByTestId('import-progress')
    assert.equal(await bar.getAttribute('role'), 'progressbar')
    assert.match((await bar.textContent()) ?? '', /正在(读取|写入)/)
    assert.equal(await page.getByTestId('import-submit').isDisabled(), true, 'one import at a time')
    await page.locator('[data-testid="ledger-import"][data-state="done"]').waitFor({ timeout: TEST_TIMEOUT - 30_000 })
    assert.equal(await page.getByTestId('import-result').getAttribute('data-imported'), String(n))
    assert.equal((await apiGet<ListBody>(context, `${server.url}/api/cases?limit=1`)).total, before + n)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
