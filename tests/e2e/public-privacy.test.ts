// The public pages hold nothing personal. A published case gets parties (name, ID number, phone)
// and an address text, a reporter leaves a name and phone and their report becomes a published
// case; then every public page is opened with no session (the report form, the receipt lookup of
// that report, the published ledger of both villages and their printable notices), and neither
// the page (its HTML and visible text) nor any answer it fetched holds any of those values or the
// sites' exact positions. The API side of the same walk is tests/api/public-privacy.test.ts.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { open, startAppAndBrowser, stopAppAndBrowser } from './browser.ts'
import type { TestServer } from '../helpers/server.ts'
import { phonePhoto } from '../helpers/photo.ts'
import { quietPlace } from '../helpers/public-report.ts'

const PERSONAL = {
  partyName: '赵隐私',
  partyIdNumber: '110111197505056789',
  partyPhone: '13722223333',
  addressText: '赵隐私家后院北侧',
  reporterName: '钱举报人',
  reporterPhone: '13655556666',
}
const PHONE = { width: 390, height: 844 }

let server: TestServer
let browser: Browser
let receiptCode = ''
const villages: string[] = []
let exact: string[] = []

beforeAll(async () => {
  ;({ server, browser } = await startAppAndBrowser())
  const [c] = (await server.db.query<{ id: number; admin_code: string; lon: number; lat: number }>(
    `SELECT id, admin_code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM cases WHERE status = 'closed' ORDER BY id LIMIT 1`,
  )).rows
  await server.db.query(`UPDATE cases SET parties = $2, location_text = $3 WHERE id = $1`, [
    c!.id, JSON.stringify([{ name: PERSONAL.partyName, idNumber: PERSONAL.partyIdNumber, phone: PERSONAL.partyPhone }]), PERSONAL.addressText,
  ])
  villages.push(c!.admin_code)

  // a resident's report with a contact, accepted and moved to an order: published
  const place = await quietPlace(server.db)
  const form = new FormData()
  for (const [k, v] of Object.entries({ serviceCode: 'new_building', description: '新建厂房', lon: place.lon, lat: place.lat, locationSource: 'map', contactName: PERSONAL.reporterName, contactPhone: PERSONAL.reporterPhone })) form.set(k, String(v))
  form.append('photo', new Blob([new Uint8Array(phonePhoto(place.lon, place.lat))], { type: 'image/jpeg' }), 'p.jpg')
  const sent = await fetch(`${server.url}/api/public/reports`, { method: 'POST', body: form })
  assert.equal(sent.status, 201, await sent.clone().text())
  const receipt = (await sent.json()) as { id: number; receiptCode: string }
  receiptCode = receipt.receiptCode
  const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.login) })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const write = (url: string, body: object, etag: string) =>
    fetch(`${server.url}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'if-match': etag, origin: server.url }, body: JSON.stringify(body) })
  const accepted = await write(`/api/reports/${receipt.id}/triage`, { action: 'accept', use: 'storage' }, '"v1"')
  assert.equal(accepted.status, 200)
  const caseId = ((await accepted.json()) as { caseId: number }).caseId
  let etag = '"v1"'
  for (const step of [{ action: 'notify', at: new Date().toISOString() }, { action: 'issue_order', at: new Date().toISOString(), deadline: '2027-02-01' }]) {
    const res = await write(`/api/cases/${caseId}/transitions`, step, etag)
    assert.equal(res.status, 200, await res.text())
    etag = res.headers.get('etag')!
  }
  villages.push(place.village)
  exact = [c!, place].flatMap((p) => [p.lon.toFixed(5), p.lat.toFixed(5)])
})
afterAll(() => stopAppAndBrowser(server, browser))

/** Opens a public page with no session and collects its text, HTML and every JSON or HTML answer it fetched. */
async function collect(url: string, ready: (page: Page) => Promise<unknown>): Promise<{ texts: string[]; fetched: number }> {
  const s = await open(browser, 'about:blank', PHONE)
  const texts: string[] = []
  const pending: Promise<void>[] = []
  s.page.on('response', (r) => {
    const type = r.headers()['content-type'] ?? ''
    if (/json|html|text\/plain|csv/.test(type)) pending.push(r.text().then((t) => void texts.push(t)).catch(() => {}))
  })
  await s.page.goto(`${server.url}${url}`)
  await ready(s.page)
  await s.page.waitForLoadState('networkidle')
  await Promise.all(pending)
  texts.push(await s.page.content(), await s.page.locator('body').innerText())
  assert.deepEqual(s.pageErrors, [], `${url}: page errors`)
  const fetched = pending.length
  await s.context.close()
  return { texts, fetched }
}

test('no public page, nor anything it fetches, shows a personal field of a case or a reporter, or an exact position', async () => {
  const pages: [string, (p: Page) => Promise<unknown>][] = [
    ['/public/report', (p) => p.getByTestId('report-map').waitFor()],
    [`/public/receipt?code=${receiptCode}`, (p) => p.getByTestId('report-status').waitFor()],
    ['/public/disclosure', (p) => p.getByTestId('disclosure-table').waitFor()],
    ...villages.flatMap((v): [string, (p: Page) => Promise<unknown>][] => [
      [`/public/disclosure?village=${v}`, (p) => p.getByTestId('disclosure-table').waitFor()],
      [`/public/disclosure/print?village=${v}`, (p) => p.getByTestId('print-notice').waitFor()],
    ]),
  ]
  for (const [url, ready] of pages) {
    const { texts, fetched } = await collect(url, ready)
    assert.ok(fetched > 0, `${url} fetched its data`)
    const all = texts.join('\n')
    for (const [field, value] of Object.entries(PERSONAL)) assert.ok(!all.includes(value), `${url} shows ${field}`)
    for (const coordinate of exact) assert.ok(!all.includes(coordinate), `${url} shows the exact coordinate ${coordinate}`)
  }

  // not vacuous: the seeded cases are on the pages that were searched
  const { texts } = await collect(`/public/disclosure/print?village=${villages[1]}`, (p) => p.getByTestId('print-notice').waitFor())
  const [no] = (await server.db.query<{ case_no: string }>(`SELECT case_no FROM cases WHERE source = 'report' ORDER BY id DESC LIMIT 1`)).rows
  assert.ok(texts.join('\n').includes(no!.case_no), 'the reported case is on its village notice')
})
