// The ledger's import and export in the web app: the selection the table shows downloads as
// GeoJSON with exactly its rows; a spreadsheet with a bad row is refused with the row named and
// nothing written, then imported without that row when the user chooses so.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import type { TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

const TEST_TIMEOUT = 180_000

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface Collection {
  features: { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[]
}

test('the table\'s selection exports as GeoJSON; an import with a bad row names it, writes nothing, then imports the rest on request', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await open(browser, `${server.url}/#view=ledger&ledger=status=closed`)
  try {
    await logIn(page, server.login)
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
    const table = await apiGet<{ total: number }>(context, `${server.url}/api/cases?status=closed&limit=1`)
    await page.locator(`[data-testid="ledger"][data-total="${table.total}"]`).waitFor()

    // --- export: the closed cases, as the table shows them ----------------------------------
    await page.locator('[data-testid="ledger-export"] > summary').click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-geojson').click()])
    assert.match(download.suggestedFilename(), /\.geojson$/)
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Collection
    assert.equal(exported.features.length, table.total)
    assert.ok(exported.features.every((f) => f.properties['状态'] === '销账'))
    assert.equal(await page.getByTestId('export-books-hint').count(), 1, 'per-village books need a town or village first')
    await page.locator('[data-testid="ledger-export"] > summary').click()

    // --- import: three rows, the second with a negative area ----------------------------------
    const site = exported.features.find((f) => f.geometry.type === 'Point')!.geometry.coordinates as [number, number]
    const yesterday = new Date(Date.now() - 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10)
    const csv = [
      '位置,用途,发现来源,发现时间,占地面积（㎡）,经度,纬度',
      `浏览器导入一号,居住,巡查,${yesterday} 09:00,120,${site[0] + 0.0002},${site[1]}`,
      `浏览器导入二号,仓储,举报,${yesterday} 10:00,-5,${site[0] + 0.0004},${site[1]}`,
      `浏览器导入三号,商业,卫片,${yesterday} 11:00,80.5,${site[0] + 0.0006},${site[1]}`,
    ].join('\r\n')
    const before = (await apiGet<{ total: number }>(context, `${server.url}/api/cases?limit=1`)).total

    await page.getByTestId('ledger-import-open').click()
    const dialog = page.getByTestId('ledger-import')
    await dialog.waitFor()
    await page.getByTestId('import-file').setInputFiles({ name: '台账.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`, 'utf8') })
    await page.getByTestId('import-submit').click()
    await page.locator('[data-testid="ledger-import"][data-state="refused"]').waitFor({ timeout: MAP_TIMEOUT })
    const problems = page.getByTestId('import-problem')
    assert.equal(await problems.count(), 1)
    assert.equal(await problems.first().getAttribute('data-row'), '3', 'the spreadsheet row of the bad line (header is row 1)')
    assert.match((await problems.first().textContent()) ?? '', /占地面积/)
    assert.equal((await apiGet<{ total: number }>(context, `${server.url}/api/cases?limit=1`)).total, before, 'nothing written')

    await page.getByTestId('import-valid-only').click()
    await page.locator('[data-testid="ledger-import"][data-state="done"]').waitFor({ timeout: MAP_TIMEOUT })
    assert.equal(await page.getByTestId('import-result').getAttribute('data-imported'), '2')
    await page.getByTestId('import-close').click()
    assert.equal((await apiGet<{ total: number }>(context, `${server.url}/api/cases?limit=1`)).total, before + 2)

    // the table reads again: the new cases are identified ones found yesterday
    await page.getByTestId('filter-reset').click()
    await page.locator(`[data-testid="ledger"][data-state="ok"][data-total="${before + 2}"]`).waitFor({ timeout: MAP_TIMEOUT })
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
