// Screenshots of the ledger for the docs (docs/screenshots/ledger.png, case.png), taken from a
// running server with the demo sample (not a test):
//
//   CHAIWEI_URL=http://localhost:3000 CHAIWEI_USER=demo-admin CHAIWEI_PASSWORD=… \
//     node --import tsx tests/e2e/ledger-screenshots.ts
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterRender, CHROMIUM, LAUNCH_ARGS, logIn, open, waitForMapIdle } from './browser.ts'

const url = (process.env.CHAIWEI_URL ?? 'http://localhost:3000').replace(/\/$/, '')
const login = { username: process.env.CHAIWEI_USER ?? 'demo-admin', password: process.env.CHAIWEI_PASSWORD ?? '' }
if (!login.password) throw new Error('set CHAIWEI_PASSWORD (the demo accounts are printed at the first start)')
const out = resolve(import.meta.dirname, '../../docs/screenshots')
mkdirSync(out, { recursive: true })

const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
try {
  // The ledger beside the map: overdue orders, one row selected and flown to.
  const s = await open(browser, `${url}/#view=ledger`, { width: 1440, height: 860 })
  await logIn(s.page, login)
  await waitForMapIdle(s.page)
  await s.page.locator('[data-testid="ledger"][data-state="ok"]').waitFor()
  await s.page.getByTestId('filter-overdue').selectOption('any')
  await s.page.locator('[data-testid="ledger"][data-state="ok"]').waitFor()
  await s.page.waitForTimeout(500)
  const row = s.page.getByTestId('ledger-row').nth(1)
  await afterRender(s.page, () => row.click())
  await s.page.locator('[data-testid="map"][data-selection-drawn="true"]').waitFor({ timeout: 60_000 })
  await s.page.waitForTimeout(1500)
  await s.page.screenshot({ path: resolve(out, 'ledger.png') })
  console.log(`ledger.png: ${s.page.url()}`)

  // The case page of that row: attributes, site map, the steps, the timeline; the demolition form open.
  await row.getByTestId('open-case').click()
  await s.page.locator('[data-testid="case-panel"][data-state="ok"]').waitFor()
  await s.page.getByTestId('action-demolish').click()
  await s.page.locator('[data-testid="site-map"][data-state="idle"]').waitFor({ timeout: 60_000 })
  await s.page.waitForTimeout(2000)
  await s.page.screenshot({ path: resolve(out, 'case.png') })
  console.log(`case.png: ${s.page.url()}`)
  await s.context.close()
} finally {
  await browser.close()
}
