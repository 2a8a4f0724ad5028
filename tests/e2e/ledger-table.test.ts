// The ledger table as people use it day to day: a link or a reload keeps its filters, sort and page;
// a case clicked on the map that is not on the current page pages the table to its row; on a phone
// the table becomes cards and a case opens from them.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { afterRender, apiGet, logIn, MAP_TIMEOUT, open, outerRings, pageXY, ringCentre, settledView, startAppAndBrowser, stopAppAndBrowser, waitForMapIdle } from './browser.ts'

const TEST_TIMEOUT = 180_000

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface ListBody {
  total: number
  offset: number
  items: { id: number; caseNo: string; status: string; landAreaM2: number | null }[]
}

const ledgerReady = (page: Page) => page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
const rowIds = (page: Page) => page.getByTestId('ledger-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-case-id'))))

test('filters, sort and page are kept in the URL: a reload shows the same rows', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger`)
  try {
    await logIn(page, server.login)
    await ledgerReady(page)
    await page.locator('[data-testid="filter-status"] summary').click()
    await page.getByTestId('filter-status-identified').check()
    await page.getByTestId('filter-status-closed').check()
    await page.locator('[data-testid="filter-status"] summary').click()
    await page.getByTestId('sort-case_no').click()
    await page.getByTestId('page-next').click()
    const api = await apiGet<ListBody>(context, `${server.url}/api/cases?status=identified,closed&sort=case_no&limit=50&offset=50`)
    assert.ok(api.total > 50, 'two pages of identified and closed cases in the tiny sample')
    await page.waitForFunction(
      (first) => document.querySelector('[data-testid="ledger"]')?.getAttribute('data-state') === 'ok' && document.querySelector('[data-testid="ledger-row"]')?.getAttribute('data-case-id') === String(first),
      api.items[0]!.id,
      { timeout: MAP_TIMEOUT },
    )
    assert.deepEqual(await rowIds(page), api.items.map((r) => r.id))
    const ledgerParam = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('ledger')
    assert.equal(ledgerParam, 'status=identified,closed&sort=case_no&offset=50')

    await page.reload()
    await ledgerReady(page)
    assert.deepEqual(await rowIds(page), api.items.map((r) => r.id), 'the same rows after a reload')
    assert.match((await page.locator('[data-testid="filter-status"] summary').textContent()) ?? '', /排查认定、销账/)
    assert.match((await page.getByTestId('ledger-count').textContent()) ?? '', /51/)
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('a case clicked on the map that is not on this page: the table pages to its row and selects it', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger`)
  try {
    await logIn(page, server.login)
    await waitForMapIdle(page)
    await ledgerReady(page)
    // the largest polygon case on the second page of the default order (newest first)
    const second = await apiGet<ListBody>(context, `${server.url}/api/cases?limit=50&offset=50`)
    const target = [...second.items].sort((a, b) => (b.landAreaM2 ?? 0) - (a.landAreaM2 ?? 0))[0]!
    const detail = await apiGet<{ geometry: { type: string; coordinates: unknown } }>(context, `${server.url}/api/cases/${target.id}`)
    const rings = outerRings(detail.geometry)
    assert.ok(rings.length > 0, 'the target case has a polygon')
    const [lon, lat] = ringCentre(rings[0]!)
    assert.ok(!(await rowIds(page)).includes(target.id), 'not on the first page')

    await afterRender(page, () =>
      page.evaluate(([x, y]) => {
        const p = new URLSearchParams(location.hash.slice(1))
        p.set('map', `18/${y}/${x}`)
        location.hash = p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')
      }, [lon, lat] as const),
    )
    await waitForMapIdle(page)
    const view = await settledView(page)
    const [px, py] = await pageXY(page, view, lon, lat)
    await page.mouse.click(px, py)

    await page.locator(`[data-testid="ledger-row"][data-case-id="${target.id}"][aria-selected="true"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.match((await page.getByTestId('ledger-count').textContent()) ?? '', /51/, 'the table moved to the second page')
    await page.locator(`[data-testid="map"][data-selection="${target.id}"]`).waitFor()
    assert.equal(await page.getByTestId('case-panel').count(), 0, 'selecting does not open the case page')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('on a phone the ledger is a list of cards, and a case opens from its card', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger`, { width: 390, height: 844 })
  try {
    await logIn(page, server.login)
    await ledgerReady(page)
    await page.getByTestId('ledger-cards').waitFor()
    assert.equal(await page.getByTestId('ledger-table').count(), 0, 'no wide table on a phone')
    // the filters fold under one line so the cards keep the screen, and open on a tap
    assert.equal(await page.getByTestId('filter-overdue').isVisible(), false)
    await page.locator('[data-testid="filters-fold"] > summary').click()
    await page.getByTestId('filter-overdue').selectOption('deadline')
    await page.waitForFunction(() => document.querySelector('[data-testid="filters-fold"] > summary')?.textContent?.includes('(1)'))
    await ledgerReady(page)
    await page.locator('[data-testid="filters-fold"] > summary').click()
    const card = page.getByTestId('ledger-row').first()
    const box = (await card.boundingBox())!
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the card fits the screen: ${JSON.stringify(box)}`)
    const id = Number(await card.getAttribute('data-case-id'))
    await page.screenshot({ path: join(tmpdir(), 'chaiwei-ledger-phone.png') }) // for a person to look at
    await card.getByTestId('open-case').click()
    await page.locator(`[data-testid="case-panel"][data-state="ok"][data-case-id="${id}"]`).waitFor({ timeout: MAP_TIMEOUT })
    const panel = (await page.getByTestId('case-panel').boundingBox())!
    assert.ok(panel.width <= 390, 'the case page fits the screen')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
