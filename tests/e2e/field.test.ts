// The field user's phone app (外业) in Chromium against the real server: a field user downloads
// the area of their tasks, goes offline, opens the app from the service worker, finds the patch on
// the downloaded map, verifies it with a photo and records a demolition, comes back online, and the
// server holds each exactly once. A conflict (a planner edits the same case meanwhile) ends with
// both versions in the history and the user's choice applied. A tab killed mid-sync loses nothing.
//
// With CHAIWEI_SCREENSHOTS=1 the test also writes docs/screenshots/field-*.png (docs/field.md).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { scopeOf } from '../../server/src/domain/scope.ts'
import { assign } from '../../server/src/repos/assignments.repo.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { phonePhoto } from '../helpers/photo.ts'
import type { TestServer } from '../helpers/server.ts'
import { logIn, MAP_TIMEOUT, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'

const TEST_TIMEOUT = 300_000
const SHOTS = process.env.CHAIWEI_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : null
const PHONE = { width: 390, height: 844 }

let server: TestServer
let browser: Browser
let town: string
let patch: { id: number; lon: number; lat: number; patchNo: string }
let demolish: { id: number; caseNo: string }
let conflictCase: { id: number; caseNo: string }
let killCase: { id: number; caseNo: string }
let fieldUser: { username: string; password: string; id: number }

const q = async <T>(sql: string, params: unknown[] = []) => (await server.db.query<T & Record<string, unknown>>(sql, params)).rows
const one = async <T>(sql: string, params: unknown[] = []) => (await q<T>(sql, params))[0]!

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
  // a town with a pending patch and three open cases (the field user works in the town)
  const v = await one<{ code: string }>(
    `SELECT left(d.admin_code, 9) AS code FROM detections d WHERE d.status = 'pending'
       AND (SELECT count(*) FROM cases c WHERE left(c.admin_code, 9) = left(d.admin_code, 9) AND c.status IN ('identified', 'notified', 'order_issued')) >= 3
     GROUP BY 1 ORDER BY 1 LIMIT 1`,
  )
  town = v.code
  patch = await one(`SELECT id, patch_no AS "patchNo", ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM detections WHERE left(admin_code, 9) = $1 AND status = 'pending' ORDER BY id LIMIT 1`, [town])
  const cases = await q<{ id: number; caseNo: string }>(`SELECT id, case_no AS "caseNo" FROM cases WHERE left(admin_code, 9) = $1 AND status IN ('identified', 'notified', 'order_issued') ORDER BY id LIMIT 3`, [town])
  ;[demolish, conflictCase, killCase] = cases as [typeof demolish, typeof demolish, typeof demolish]
  const password = 'field password 9'
  const u = await createUser(server.db, { username: 'e2e-field', password, role: 'field', scopeCode: town, displayName: '外业测试员' })
  fieldUser = { username: 'e2e-field', password, id: u.id }
  const admin = await one<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [server.login.username])
  const district = scopeOf('110111')
  await assign(server.db, { detections: [patch.id], assigneeId: u.id, dueAt: new Date(Date.now() + 86_400_000).toISOString() }, district, admin.id)
  await assign(server.db, { cases: cases.map((c) => c.id), assigneeId: u.id, note: '现场核实后拆除' }, district, admin.id)
})

afterAll(() => stopAppAndBrowser(server, browser))

async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: PHONE, locale: 'zh-CN', isMobile: true, hasTouch: true,
    geolocation: { longitude: patch.lon + 0.002, latitude: patch.lat }, permissions: ['geolocation'],
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  return { context, page }
}

async function signedInPhone() {
  const s = await phone()
  await s.page.goto(`${server.url}/#view=tasks`)
  await logIn(s.page, fieldUser)
  await s.page.getByTestId('field-screen').waitFor()
  await s.page.locator('[data-task]').first().waitFor()
  // the service worker is installed and controls the page (clientsClaim), so the app opens offline
  await s.page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 })
  return s
}

const badge = (page: Page) => page.getByTestId('sync-badge')
async function waitSynced(page: Page) {
  try {
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="sync-badge"]')
      return b?.getAttribute('data-waiting') === '0' && b.getAttribute('data-failed') === '0' && b.getAttribute('data-conflicts') === '0'
    }, undefined, { timeout: 60_000 })
  } catch (e) {
    // say what is stuck: the sync list names each write, its state and the server's reason
    await badge(page).click()
    throw new Error(`not synced: ${(await page.locator('.sync-op').allTextContents()).join(' | ')}`, { cause: e })
  }
}
async function openTask(page: Page, target: string) {
  await page.locator('[data-tab="tasks"]').click()
  if (await page.getByTestId('task-detail').isVisible()) await page.locator('.task-detail .back').click()
  await page.locator(`[data-target="${target}"]`).click()
  await page.getByTestId('task-detail').waitFor()
}

test('offline: the app opens from the service worker, a patch is verified with a photo and a demolition recorded; online, the server has each once', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await signedInPhone()
  assert.equal(await page.locator('[data-task]').count(), 4, 'the patch and three cases')
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: `${SHOTS}/field-tasks.png` })
  }

  // download the tasks' area while online
  await page.locator('[data-tab="area"]').click()
  await page.getByTestId('area-download').click()
  await page.getByTestId('area-done').waitFor({ timeout: 120_000 })
  const areaText = await page.getByTestId('area-done').textContent()
  assert.match(areaText ?? '', /下载完成：\d+ 个图块/)
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/field-area.png` })

  await context.setOffline(true)
  await page.reload()
  await page.getByTestId('field-screen').waitFor({ timeout: 30_000 })
  await page.locator('[data-task]').first().waitFor()
  assert.equal(await page.locator('[data-task]').count(), 4, 'the task list from the last copy')

  // the patch's after image came with the area: a tile over the patch is served with no network
  const batch = await one<{ imagery: { after?: { url: string } } }>(`SELECT b.imagery FROM detection_batches b JOIN detections d ON d.batch_id = b.id WHERE d.id = $1`, [patch.id])
  const n = 2 ** 17
  const tx = Math.floor(((patch.lon + 180) / 360) * n)
  const ty = Math.floor(((1 - Math.log(Math.tan((patch.lat * Math.PI) / 180) + 1 / Math.cos((patch.lat * Math.PI) / 180)) / Math.PI) / 2) * n)
  const tileUrl = batch.imagery.after!.url.replace('{z}', '17').replace('{x}', String(tx)).replace('{y}', String(ty))
  const tile = await page.evaluate(async (u) => {
    const r = await fetch(u)
    return { status: r.status, type: r.headers.get('content-type') }
  }, tileUrl)
  assert.deepEqual(tile, { status: 200, type: 'image/png' })

  // the patch on the downloaded map
  await openTask(page, `detection/${patch.id}`)
  await page.getByRole('button', { name: '在地图上查看' }).click()
  await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: MAP_TIMEOUT })
  await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute('data-selection-drawn') === 'true', undefined, { timeout: MAP_TIMEOUT })
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/field-map-offline.png` })

  // verify it with a photo taken on site
  await openTask(page, `detection/${patch.id}`)
  await page.getByRole('button', { name: '核查图斑' }).click()
  // a photo of two pieces and more (a phone's photo is megabytes; random bytes after the image keep it a JPEG)
  const photo = Buffer.concat([phonePhoto(patch.lon, patch.lat, '2026:12:03 09:30:00'), randomBytes(400 * 1024)])
  await page.getByTestId('photo-input').setInputFiles({ name: 'site.jpg', mimeType: 'image/jpeg', buffer: photo })
  await page.locator('[data-testid="verify-form"] select[name="result"]').selectOption('false_change')
  await page.locator('[data-testid="verify-form"] select[name="cause"]').selectOption({ index: 1 })
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/field-verify.png` })
  await page.locator('[data-testid="verify-form"] button[type="submit"]').click()
  await page.getByText('已保存').waitFor()

  // record a demolition
  await openTask(page, `case/${demolish.id}`)
  await page.getByRole('button', { name: '记录拆除' }).click()
  await page.locator('[data-testid="demolish-form"] input[name="land"]').fill('120.5')
  await page.locator('[data-testid="demolish-form"] input[name="floor"]').fill('241')
  await page.locator('[data-testid="demolish-form"] button[type="submit"]').click()
  await page.getByText('已保存').waitFor()
  assert.equal(await badge(page).getAttribute('data-waiting'), '3', 'photo, verification and demolition wait for the network')
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/field-pending.png` })

  // nothing reached the server while offline
  assert.equal((await one<{ status: string }>(`SELECT status FROM detections WHERE id = $1`, [patch.id])).status, 'assigned')

  // the connection drops in the middle of the photo: its second piece never arrives
  const pieces: number[] = []
  await context.route('**/api/uploads/*', async (route) => {
    if (route.request().method() !== 'PATCH') return route.continue()
    const offset = Number(await route.request().headerValue('upload-offset'))
    pieces.push(offset)
    if (offset > 0 && pieces.filter((o) => o === offset).length === 1) return route.abort('internetdisconnected')
    return route.continue()
  })
  await context.setOffline(false)
  await page.waitForFunction(() => (document.querySelector('[data-testid="sync-badge"]')?.getAttribute('data-waiting') ?? '0') !== '0')
  await page.evaluate(() => window.dispatchEvent(new Event('online'))) // the connection is back
  await waitSynced(page)
  await context.unroute('**/api/uploads/*')
  assert.deepEqual(pieces, [0, 262_144, 262_144], 'the photo went on from the piece that was lost, not from the start')
  const stored = await one<{ byte_size: number }>(`SELECT byte_size FROM attachments WHERE detection_id = $1`, [patch.id])
  assert.equal(stored.byte_size, photo.length)
  const d = await one<{ status: string; result: string }>(`SELECT status, result FROM detections WHERE id = $1`, [patch.id])
  assert.deepEqual(d, { status: 'verified', result: 'false_change' })
  const counts = await one<{ verify: number; photos: number; demolish: number }>(
    `SELECT (SELECT count(*) FROM detection_history WHERE detection_id = $1 AND action = 'verify')::int AS verify,
            (SELECT count(*) FROM attachments WHERE detection_id = $1)::int AS photos,
            (SELECT count(*) FROM case_history WHERE case_id = $2 AND action = 'transition:demolish')::int AS demolish`,
    [patch.id, demolish.id],
  )
  assert.deepEqual(counts, { verify: 1, photos: 1, demolish: 1 })
  const c = await one<{ status: string; land: number }>(`SELECT status, demolished_land_area_m2 AS land FROM cases WHERE id = $1`, [demolish.id])
  assert.deepEqual(c, { status: 'demolished', land: 120.5 })
  await context.close()
})

test('a conflict: a planner changed the case meanwhile; mine and theirs side by side, my choice applied, both in history', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await signedInPhone()
  // opened online once: the service worker keeps the case for offline use
  await openTask(page, `case/${conflictCase.id}`)
  await page.getByRole('button', { name: '补充现场信息' }).waitFor()
  await context.setOffline(true)
  await page.reload()
  await openTask(page, `case/${conflictCase.id}`)
  await page.getByRole('button', { name: '补充现场信息' }).click()
  await page.locator('[data-testid="site-form"] input[name="floors"]').fill('3')
  await page.locator('[data-testid="site-form"] input[name="locationText"]').fill('村东头第二排')
  await page.locator('[data-testid="site-form"] button[type="submit"]').click()
  await page.getByText('已保存').waitFor()

  // meanwhile, in the office
  const adminCookie = await signInCookie(server.login)
  const before = await one<{ version: number }>(`SELECT version FROM cases WHERE id = $1`, [conflictCase.id])
  const edit = await fetch(`${server.url}/api/cases/${conflictCase.id}`, {
    method: 'PATCH', headers: { cookie: adminCookie, 'content-type': 'application/json', 'if-match': `"v${before.version}"` },
    body: JSON.stringify({ floors: 2, locationText: '办公室核定的位置' }),
  })
  assert.equal(edit.status, 200, await edit.text())

  await context.setOffline(false)
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-badge"]')?.getAttribute('data-conflicts') === '1', undefined, { timeout: 60_000 })
  await badge(page).click()
  await page.getByRole('button', { name: '处理冲突' }).click()
  await page.getByTestId('conflict-view').locator('table').waitFor()
  // keep my floors, take their location
  await page.locator('tr[data-field="locationText"] input[data-pick="theirs"]').check()
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/field-conflict.png` })
  await page.getByRole('button', { name: '提交所选' }).click()
  await waitSynced(page)

  const c = await one<{ floors: number; location: string }>(`SELECT floors, location_text AS location FROM cases WHERE id = $1`, [conflictCase.id])
  assert.deepEqual(c, { floors: 3, location: '办公室核定的位置' })
  const history = await q<{ action: string; after: Record<string, unknown> }>(`SELECT action, after FROM case_history WHERE case_id = $1 AND action IN ('edit', 'refused:stale_version') ORDER BY id`, [conflictCase.id])
  assert.deepEqual(history.map((h) => h.action), ['edit', 'refused:stale_version', 'edit'], 'theirs, mine refused as stale, then the merge')
  assert.equal(history[1]!.after.floors, 3, 'my attempt is kept as it was')
  await context.close()
})

test('a tab killed mid-sync loses nothing, and the server has the write once', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await signedInPhone()
  await context.setOffline(true)
  await openTask(page, `case/${killCase.id}`)
  await page.getByRole('button', { name: '记录拆除' }).click()
  await page.locator('[data-testid="demolish-form"] input[name="land"]').fill('33')
  await page.locator('[data-testid="demolish-form"] input[name="floor"]').fill('33')
  await page.locator('[data-testid="demolish-form"] button[type="submit"]').click()
  await page.getByText('已保存').waitFor()

  // the request reaches the server, but the tab is gone before the answer comes back
  let killed = false
  await context.route('**/api/cases/*/transitions', async (route) => {
    if (killed) return route.continue()
    killed = true
    const response = await route.fetch()
    await page.close({ runBeforeUnload: false })
    await route.fulfill({ response }).catch(() => undefined)
  })
  await context.setOffline(false)
  await page.evaluate(() => window.dispatchEvent(new Event('online'))).catch(() => undefined)
  for (let i = 0; i < 600 && !(killed && page.isClosed()); i++) await new Promise((r) => setTimeout(r, 100))
  assert.ok(killed && page.isClosed(), 'the demolition was sent and the tab closed')
  assert.equal((await one<{ status: string }>(`SELECT status FROM cases WHERE id = $1`, [killCase.id])).status, 'demolished')

  // a new tab finds the write still queued (it never heard back), sends it again, and is answered
  const again = await context.newPage()
  await again.goto(`${server.url}/#view=tasks`)
  await again.getByTestId('field-screen').waitFor()
  await waitSynced(again)
  const n = await one<{ n: number }>(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1 AND action = 'transition:demolish'`, [killCase.id])
  assert.equal(n.n, 1, 'done once')
  const refused = await one<{ n: number }>(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1 AND action = 'refused:stale_version'`, [killCase.id])
  assert.equal(refused.n, 0, 'the replay was answered, not refused as stale')
  await context.close()
})

async function signInCookie(login: { username: string; password: string }): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify(login) })
  assert.equal(res.status, 200)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!
}
