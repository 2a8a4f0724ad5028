// The ledger (台账) in Chromium against the real server (fresh embedded database, tiny sample):
// a case walked through its lifecycle in the UI, the table in sync with the map, the overdue
// filter against the API, a phone photo with EXIF GPS, a stale write refused, and a deferral.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { phonePhoto } from '../helpers/photo.ts'
import type { TestServer } from '../helpers/server.ts'
import { apiGet, logIn, MAP_TIMEOUT, open, waitForMapIdle, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

const TEST_TIMEOUT = 180_000

let server: TestServer
let browser: Browser

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
})

afterAll(() => stopAppAndBrowser(server, browser))

interface ListBody {
  total: number
  items: { id: number; caseNo: string; status: string; overdue: { deadline: boolean } }[]
}
interface HistoryBody {
  history: { action: string; toStatus: string | null; reason: string | null; user: string | null }[]
}

/** Signs in and opens the ledger view (map + table). */
async function openLedger(): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const s = await open(browser, `${server.url}/#view=ledger`)
  await logIn(s.page, server.login)
  await waitForMapIdle(s.page)
  await s.page.locator('[data-testid="ledger"][data-state="ok"]').waitFor({ timeout: MAP_TIMEOUT })
  return s
}

/** Filters the table by one status (checkbox list). */
async function filterStatus(page: Page, status: string) {
  await page.locator('[data-testid="filter-status"] summary').click()
  await page.getByTestId(`filter-status-${status}`).check()
  await page.locator('[data-testid="filter-status"] summary').click()
  await page.waitForFunction(
    (s) => {
      const rows = [...document.querySelectorAll('[data-testid="ledger-row"]')]
      return document.querySelector('[data-testid="ledger"]')?.getAttribute('data-state') === 'ok' && rows.length > 0 && rows.every((r) => r.getAttribute('data-status') === s)
    },
    status,
    { timeout: MAP_TIMEOUT },
  )
}

async function openFirstRow(page: Page): Promise<number> {
  const row = page.getByTestId('ledger-row').first()
  const id = Number(await row.getAttribute('data-case-id'))
  await row.getByTestId('open-case').click()
  await page.locator(`[data-testid="case-panel"][data-state="ok"][data-case-id="${id}"]`).waitFor()
  return id
}

async function step(page: Page, action: string, fill: (page: Page) => Promise<void> = async () => {}) {
  await page.getByTestId(`action-${action}`).click()
  const form = page.getByTestId(`form-${action}`)
  await form.waitFor()
  await fill(page)
  await form.getByTestId('form-submit').click()
}

async function expectStatus(page: Page, context: BrowserContext, id: number, status: string, action: string) {
  await page.locator(`[data-testid="case-panel"][data-status="${status}"]`).waitFor({ timeout: 15_000 })
  // The timeline shows the step (the panel re-reads /history after it).
  await page.locator(`[data-testid="timeline-entry"][data-action="transition:${action}"]`).waitFor({ timeout: 15_000 })
  const h = await apiGet<HistoryBody>(context, `${server.url}/api/cases/${id}/history`)
  const last = h.history.filter((e) => e.action.startsWith('transition:')).at(-1)
  assert.equal(last?.action, `transition:${action}`)
  assert.equal(last?.toStatus, status)
  assert.equal(last?.user, server.login.username)
}


test('a case walks through its lifecycle in the ledger UI; map sync, overdue filter, photo, stale write', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const { context, page, pageErrors } = await openLedger()
  try {
    assert.match(page.url(), /view=ledger/, 'the URL keeps the ledger view')

    // --- find an identified case, open it --------------------------------------------------
    await filterStatus(page, 'identified')
    const id = await openFirstRow(page)
    assert.match(page.url(), new RegExp(`case=${id}`))
    // Parties are personal data; an admin is allowed to see them, and the page shows what the API holds.
    const parties = (await apiGet<{ parties?: { name: string }[] }>(context, `${server.url}/api/cases/${id}`)).parties
    assert.ok(parties, 'an admin gets the parties')
    if (parties.length > 0) {
      const shown = await page.getByTestId('case-parties').textContent()
      for (const p of parties) assert.ok(shown?.includes(p.name), `party ${p.name} shown`)
    } else {
      assert.equal(await page.getByTestId('case-parties').count(), 0)
    }
    await page.locator('[data-testid="timeline-entry"]').first().waitFor()

    // notify -> issue order -> demolish -> accept -> close
    await step(page, 'notify')
    await expectStatus(page, context, id, 'notified', 'notify')

    await step(page, 'issue_order', async (p) => p.getByTestId('form-deadline').fill('2027-01-15'))
    await expectStatus(page, context, id, 'order_issued', 'issue_order')
    assert.equal((await apiGet<{ deadline: string }>(context, `${server.url}/api/cases/${id}`)).deadline, '2027-01-15')

    // A bad area is refused and shown next to its field; then the right values go through.
    await step(page, 'demolish', async (p) => {
      await p.getByTestId('form-disposal').selectOption('self_demolition')
      await p.getByTestId('form-demolishedLandAreaM2').fill('-5')
      await p.getByTestId('form-demolishedFloorAreaM2').fill('80')
    })
    await page.getByTestId('field-error-demolishedLandAreaM2').waitFor()
    await page.getByTestId('form-demolishedLandAreaM2').fill('120.5')
    await page.getByTestId('form-demolish').getByTestId('form-submit').click()
    await expectStatus(page, context, id, 'demolished', 'demolish')
    const demolished = await apiGet<{ disposal: string; demolishedLandAreaM2: number; demolishedFloorAreaM2: number }>(context, `${server.url}/api/cases/${id}`)
    assert.deepEqual([demolished.disposal, demolished.demolishedLandAreaM2, demolished.demolishedFloorAreaM2], ['self_demolition', 120.5, 80])

    await step(page, 'accept')
    await expectStatus(page, context, id, 'accepted', 'accept')
    await step(page, 'close')
    await expectStatus(page, context, id, 'closed', 'close')
    assert.equal(await page.locator('[data-testid^="action-"]').count(), 0, 'a closed case has no further step')

    // --- photo from the phone camera input: thumbnail, EXIF time and GPS read back -----------
    const bytes = phonePhoto(115.95, 39.6, undefined, 32)
    await page.getByTestId('photo-camera').setInputFiles({ name: '现场.jpg', mimeType: 'image/jpeg', buffer: bytes })
    await page.locator('[data-testid="upload-status"][data-state="done"]').waitFor({ timeout: 15_000 })
    const thumb = page.getByTestId('photo').first()
    await thumb.waitFor()
    assert.equal(await thumb.getAttribute('data-gps'), 'yes')
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="photo-thumb"]')
      return !!img && img.complete && img.naturalWidth === 32
    })
    assert.match((await page.getByTestId('upload-read').textContent()) ?? '', /115\.95/)
    const attachments = await apiGet<{ attachments: { byteSize: number; location: [number, number] | null }[] }>(context, `${server.url}/api/cases/${id}/attachments`)
    assert.equal(attachments.attachments.length, 1)
    assert.equal(attachments.attachments[0]!.byteSize, bytes.length, 'the original bytes, not re-encoded')
    await page.locator('[data-testid="timeline-entry"][data-action="attach"]').waitFor()

    // --- back to the table: row -> map selection ------------------------------------------
    await page.getByTestId('case-back').click()
    await page.getByTestId('filter-reset').click()
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor()
    const row = page.getByTestId('ledger-row').nth(2)
    const rowId = await row.getAttribute('data-case-id')
    await row.click()
    assert.equal(await row.getAttribute('aria-selected'), 'true')
    await page.locator(`[data-testid="map"][data-selection="${rowId}"]`).waitFor()
    await page.locator('[data-testid="map"][data-selection-drawn="true"]').waitFor({ timeout: MAP_TIMEOUT })

    // --- overdue filter: only overdue rows, the count the API gives ---------------------------
    await page.getByTestId('filter-overdue').selectOption('deadline')
    const api = await apiGet<ListBody>(context, `${server.url}/api/cases?overdue=deadline&limit=1000`)
    assert.ok(api.total > 0, 'the tiny sample has cases past their deadline')
    await page.locator(`[data-testid="ledger"][data-state="ok"][data-total="${api.total}"]`).waitFor()
    const rows = page.getByTestId('ledger-row')
    const n = await rows.count()
    assert.equal(n, Math.min(api.total, 50))
    for (let i = 0; i < n; i++) {
      assert.ok((await rows.nth(i).locator('[data-testid="overdue-badge"][data-kind="deadline"]').count()) === 1, `row ${i} has the deadline badge`)
    }
    assert.match((await page.getByTestId('ledger-count').textContent()) ?? '', new RegExp(`${api.total}`))

    // --- a stale write: the case changes behind the page's back -----------------------------
    const open = api.items.find((c) => c.status === 'order_issued')!
    await page.locator(`[data-testid="ledger-row"][data-case-id="${open.id}"]`).getByTestId('open-case').click()
    await page.locator(`[data-testid="case-panel"][data-state="ok"][data-case-id="${open.id}"]`).waitFor()
    const now = await context.request.get(`${server.url}/api/cases/${open.id}`)
    const etag = now.headers()['etag']!
    const edit = await context.request.patch(`${server.url}/api/cases/${open.id}`, {
      headers: { 'if-match': etag, 'content-type': 'application/json' },
      data: { locationText: '被他人修改', reason: 'e2e: a concurrent edit' },
    })
    assert.equal(edit.status(), 200, await edit.text())
    await step(page, 'demolish', async (p) => {
      await p.getByTestId('form-demolishedLandAreaM2').fill('10')
      await p.getByTestId('form-demolishedFloorAreaM2').fill('10')
    })
    await page.getByTestId('stale-message').waitFor()
    assert.match((await page.getByTestId('stale-message').textContent()) ?? '', /他人修改/)
    assert.equal((await apiGet<{ status: string }>(context, `${server.url}/api/cases/${open.id}`)).status, 'order_issued', 'the stale write changed nothing')
    await page.getByTestId('stale-reload').click()
    await page.locator(`[data-testid="case-panel"][data-state="ok"][data-version="${Number(etag.replace(/\D/g, '')) + 1}"]`).waitFor()
    await page.locator('[data-testid="timeline-entry"][data-action="edit"]').waitFor()

    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('deferral: defer with a reason, then resume with a deadline', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await openLedger()
  try {
    await filterStatus(page, 'order_issued')
    const id = await openFirstRow(page)

    // Without a reason the server refuses; the message sits next to the reason.
    await step(page, 'defer')
    await page.getByTestId('field-error-reason').waitFor()
    await page.getByTestId('form-reason').fill('紧邻学校，暑期施工影响公共安全，暂缓至开学前')
    await page.getByTestId('form-defer').getByTestId('form-submit').click()
    await expectStatus(page, context, id, 'deferred', 'defer')
    await page.locator('[data-testid="timeline-entry"][data-action="transition:defer"]', { hasText: '紧邻学校' }).waitFor()

    await step(page, 'resume', async (p) => p.getByTestId('form-deadline').fill('2027-03-01'))
    await expectStatus(page, context, id, 'order_issued', 'resume')
    assert.equal((await apiGet<{ deadline: string }>(context, `${server.url}/api/cases/${id}`)).deadline, '2027-03-01')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('edit attributes (only the changed fields, a bad value beside its field) and re-inspect a closed case as rebound', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, pageErrors } = await openLedger()
  try {
    await filterStatus(page, 'identified')
    const id = await openFirstRow(page)
    const before = await apiGet<{ version: number; floors: number | null; locationText: string | null; parties?: { name: string }[] }>(context, `${server.url}/api/cases/${id}`)
    assert.ok(before.parties, 'an admin gets the parties, so the form edits them')
    const floors = before.floors === 7 ? 8 : 7

    // --- edit floors and add a party -------------------------------------------------------
    const patches: unknown[] = []
    page.on('request', (r) => {
      if (r.method() === 'PATCH') patches.push(r.postDataJSON())
    })
    await page.getByTestId('edit-case').click()
    const form = page.getByTestId('form-edit')
    await form.waitFor()
    await form.getByTestId('edit-floors').fill(String(floors))
    // The sample's parties carry placeholder ID numbers (DEMO-…) the API refuses: replace them.
    assert.equal(await form.getByTestId('edit-party').count(), before.parties.length)
    while ((await form.getByTestId('edit-party').count()) > 0) await form.getByTestId('edit-party-remove').first().click()
    await form.getByTestId('edit-party-add').click()
    const party = form.getByTestId('edit-party').last()
    await party.getByTestId('edit-party-name').fill('测试当事人')
    await party.getByTestId('edit-party-idNumber').fill('11010519491231002X')
    await party.getByTestId('edit-party-phone').fill('13800138000')
    await form.getByTestId('edit-reason').fill('e2e: 现场核实层数')
    await form.getByTestId('form-submit').click()
    await page.locator(`[data-testid="case-panel"][data-state="ok"][data-version="${before.version + 1}"]`).waitFor({ timeout: 15_000 })
    await page.locator('[data-testid="timeline-entry"][data-action="edit"]', { hasText: '现场核实层数' }).waitFor({ timeout: 15_000 })
    const floorsRow = page.getByTestId('case-attrs').locator('tr', { has: page.locator('th', { hasText: /^层数$/ }) })
    assert.equal((await floorsRow.locator('td').textContent())?.trim(), String(floors))
    assert.match((await page.getByTestId('case-parties').textContent()) ?? '', /测试当事人/)
    // Only what changed went to the server.
    assert.equal(patches.length, 1)
    assert.deepEqual(Object.keys(patches[0] as object).sort(), ['floors', 'parties', 'reason'])
    const after = await apiGet<{ floors: number; locationText: string | null; parties: { name: string; idNumber?: string; phone?: string }[] }>(context, `${server.url}/api/cases/${id}`)
    assert.equal(after.floors, floors)
    assert.equal(after.locationText, before.locationText)
    assert.deepEqual(after.parties, [{ name: '测试当事人', idNumber: '11010519491231002X', phone: '13800138000' }])

    // --- a bad value: the server's message sits next to the floors field --------------------
    await page.getByTestId('edit-case').click()
    await form.waitFor()
    await form.getByTestId('edit-floors').fill('0')
    await form.getByTestId('form-submit').click()
    await form.getByTestId('field-error-floors').waitFor()
    assert.match((await form.getByTestId('field-error-floors').textContent()) ?? '', /floors/)
    assert.equal((await apiGet<{ floors: number }>(context, `${server.url}/api/cases/${id}`)).floors, floors, 'the bad edit changed nothing')
    await form.getByTestId('form-cancel').click()

    // --- 回头看 on a closed case: a rebound opens a new case, linked from the form ------------
    await page.getByTestId('case-back').click()
    await page.getByTestId('filter-reset').click()
    await page.locator('[data-testid="ledger"][data-state="ok"]').waitFor()
    await filterStatus(page, 'closed')
    const closedId = await openFirstRow(page)
    await page.getByTestId('reinspect-case').click()
    const inspect = page.getByTestId('form-inspect')
    await inspect.waitFor()
    await inspect.getByTestId('inspect-result').selectOption('rebound')
    await inspect.getByTestId('inspect-note').fill('e2e: 原址重建')
    await inspect.getByTestId('form-submit').click()
    const link = page.getByTestId('rebound-link')
    await link.waitFor({ timeout: 15_000 })
    const newId = Number(await link.getAttribute('data-case-id'))
    assert.ok(newId > 0 && newId !== closedId)
    await page.locator('[data-testid="timeline-entry"][data-action="inspect"]').waitFor({ timeout: 15_000 })
    await link.click()
    await page.locator(`[data-testid="case-panel"][data-state="ok"][data-case-id="${newId}"][data-status="identified"]`).waitFor({ timeout: 15_000 })
    assert.match(page.url(), new RegExp(`case=${newId}`))
    const created = await apiGet<{ status: string; reopenedFrom: number | null }>(context, `${server.url}/api/cases/${newId}`)
    assert.deepEqual([created.status, created.reopenedFrom], ['identified', closedId])

    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})
