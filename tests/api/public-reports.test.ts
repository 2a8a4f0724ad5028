// The public's reports (有奖举报) end to end through the API: report without an account → receipt
// code → staff triage (ask for more, accept into a case, link duplicates, reject) → the case moves
// → the reporter reads each step; reward eligibility; Open311 over the same data; and the abuse
// controls (flood from one address, CAPTCHA, oversized, fake and too many photos, script in text,
// EXIF stripped).
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, test } from 'vitest'
import exifr from 'exifr'
import { newChallenge } from '../../server/src/repos/captcha.repo.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'
import { east, quietPlace, reportForm, sendReport } from '../helpers/public-report.ts'

const OPEN311_KEY = 'test-app-key-0123456789'
let t: TestApp
let planner: string
let analyst: string
let ipSeq = 0
/** A new sender address per report: the CAPTCHA and rate rules are per address. */
const freshIp = () => `203.0.113.${++ipSeq}`

beforeAll(async () => {
  t = await testApp('tiny', { open311Keys: [OPEN311_KEY] })
  planner = await t.signIn('planner')
  analyst = await t.signIn('analyst')
})
afterAll(() => t.close())

const staff = (cookie: string, url: string) => t.app.inject({ url, headers: { cookie } })
const triage = (id: number, version: number, body: object, cookie = planner) =>
  t.app.inject({ method: 'POST', url: `/api/reports/${id}/triage`, headers: { cookie, 'if-match': `"v${version}"` }, payload: body })
const lookup = (code: string) => t.app.inject({ url: `/api/public/reports/${code}` })
const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n

test('report → ask for more → the reporter adds → accepted into a case → the case moves → the reporter reads every step', async () => {
  const place = await quietPlace(t.db)
  const sent = await sendReport(t.app, freshIp(), { lon: place.lon, lat: place.lat, description: '村东头新盖了两层砖房', contactName: '李举报', contactPhone: '138 0013 8000' }, [
    { name: 'site.jpg', bytes: phonePhoto(place.lon, place.lat) },
  ])
  assert.equal(sent.statusCode, 201, sent.body)
  const receipt = sent.json()
  assert.match(receipt.receiptCode, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
  assert.equal(receipt.status, 'submitted')
  // the receipt code is not stored in the clear
  assert.equal(await count(`reports WHERE receipt_hash = $1`, [receipt.receiptCode]), 0)

  let status = (await lookup(receipt.receiptCode)).json()
  assert.equal(status.status, 'submitted')
  assert.deepEqual(status.steps.map((s: { action: string }) => s.action), ['submit'])
  assert.equal(status.photos.length, 1)
  // typed in lower case with spaces, the code still opens it
  assert.equal((await lookup(receipt.receiptCode.toLowerCase().replace(/-/g, ' '))).statusCode, 200)

  // staff: in the queue, contact visible to a planner, hidden from an analyst
  const queue = (await staff(planner, '/api/reports')).json()
  const listed = queue.items.find((r: { id: number }) => r.id === receipt.id)
  assert.ok(listed, 'the report is in the queue')
  assert.equal(listed.villageName.length > 0, true)
  assert.deepEqual(listed.nearbyCases, [])
  const detail = await staff(planner, `/api/reports/${receipt.id}`)
  assert.deepEqual(detail.json().contact, { name: '李举报', phone: '138 0013 8000' })
  assert.equal((await staff(analyst, `/api/reports/${receipt.id}`)).json().contact, undefined)
  assert.equal((await triage(receipt.id, 1, { action: 'accept' }, analyst)).statusCode, 403)

  // ask for more: the question is what the reporter reads
  const noQuestion = await triage(receipt.id, 1, { action: 'ask_more' })
  assert.equal(noQuestion.statusCode, 400)
  assert.equal(noQuestion.json().code, 'public_note_required')
  const asked = await triage(receipt.id, 1, { action: 'ask_more', publicNote: '请补充房屋的正面照片和具体门牌位置', internalNote: '疑似已有审批' })
  assert.equal(asked.statusCode, 200, asked.body)
  status = (await lookup(receipt.receiptCode)).json()
  assert.equal(status.status, 'more_info')
  assert.equal(status.canAddInfo, true)
  assert.equal(status.steps.at(-1).note, '请补充房屋的正面照片和具体门牌位置')
  assert.ok(!JSON.stringify(status).includes('疑似已有审批'), 'the internal note stays with the staff')

  const info = reportForm({ description: '正面照片已补充，在村委会东侧第三户' }, [{ name: 'front.jpg', bytes: phonePhoto(place.lon, place.lat) }])
  const added = await t.app.inject({ method: 'POST', url: `/api/public/reports/${receipt.receiptCode}/info`, payload: info.payload, headers: info.headers })
  assert.equal(added.statusCode, 200, added.body)
  assert.equal(added.json().status, 'submitted')
  assert.equal(added.json().photos.length, 2)
  const again = await t.app.inject({ method: 'POST', url: `/api/public/reports/${receipt.receiptCode}/info`, ...reportForm({ description: '再补充' }) })
  assert.equal(again.statusCode, 409, 'nothing to add once the office stopped asking')

  // accept: a case of the ledger, source 举报, at the reported place, in one transaction with the report
  const accepted = await triage(receipt.id, 3, { action: 'accept', use: 'residential' })
  assert.equal(accepted.statusCode, 200, accepted.body)
  assert.equal(accepted.headers.etag, '"v4"')
  const caseId = accepted.json().caseId
  const [c] = (await t.db.query<{ source: string; use: string; d: number; after: { from_report: number } }>(
    `SELECT c.source, c.use, ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS d, h.after
     FROM cases c JOIN case_history h ON h.case_id = c.id AND h.action = 'create' WHERE c.id = $1`, [caseId, place.lon, place.lat])).rows
  assert.equal(c!.source, 'report')
  assert.equal(c!.use, 'residential')
  assert.ok(c!.d < 0.01)
  assert.equal(c!.after.from_report, receipt.id)
  assert.equal(accepted.json().reward, 'eligible')

  status = (await lookup(receipt.receiptCode)).json()
  assert.equal(status.status, 'accepted')
  assert.equal(status.caseStage, 'in_progress')
  assert.equal(status.caseNo, accepted.json().caseNo)
  assert.equal(status.reward, 'eligible')
  assert.equal(status.steps.at(-1).action, 'accept')
  assert.ok(status.steps.at(-1).note.includes('立案'))

  // the case moves through the ledger; the reporter sees where it stands
  let etag = '"v1"'
  for (const step of [{ action: 'notify', at: new Date().toISOString() }, { action: 'issue_order', at: new Date().toISOString(), deadline: '2027-01-31' }]) {
    const res = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/transitions`, headers: { cookie: planner, 'if-match': etag }, payload: step })
    assert.equal(res.statusCode, 200, res.body)
    etag = res.headers.etag as string
  }
  assert.equal((await lookup(receipt.receiptCode)).json().caseStage, 'order_issued')

  // Open311 tells the same story without the description or contact
  const o = await t.app.inject({ url: `/api/open311/v2/requests/${receipt.id}.json` })
  assert.equal(o.statusCode, 200, o.body)
  assert.equal(o.json()[0].status, 'open')
  assert.equal(o.json()[0].service_code, 'new_building')
  assert.ok(!o.body.includes('两层砖房') && !o.body.includes('李举报') && !o.body.includes('13800138000'))
})

test('duplicates near each other form one group; the later one linked to the case is not rewarded; a rejection tells its reason', async () => {
  const place = east(await quietPlace(t.db), 0)
  const first = (await sendReport(t.app, freshIp(), { lon: place.lon, lat: place.lat })).json()
  const second = (await sendReport(t.app, freshIp(), { ...east(place, 30), description: '同一处，新建彩钢房' })).json()
  const far = (await sendReport(t.app, freshIp(), { ...east(place, 400), description: '另一处' })).json()
  const queue = (await staff(planner, '/api/reports')).json().items as { id: number; groupId: number; groupSize: number }[]
  const g = (id: number) => queue.find((r) => r.id === id)!
  assert.equal(g(first.id).groupId, g(second.id).groupId)
  assert.equal(g(first.id).groupSize, 2)
  assert.notEqual(g(far.id).groupId, g(first.id).groupId)

  const detail = (await staff(planner, `/api/reports/${first.id}`)).json()
  assert.deepEqual(detail.duplicates.map((d: { id: number }) => d.id), [second.id])
  assert.ok(Math.abs(detail.duplicates[0].distanceM - 30) < 1)

  const accepted = (await triage(first.id, 1, { action: 'accept', use: 'storage' })).json()
  // the new case is now suggested next to the duplicate
  const secondDetail = (await staff(planner, `/api/reports/${second.id}`)).json()
  assert.equal(secondDetail.nearbyCases[0].id, accepted.caseId)
  assert.deepEqual(secondDetail.duplicates.map((d: { id: number; caseId: number; caseNo: string }) => [d.id, d.caseId, d.caseNo]), [[first.id, accepted.caseId, accepted.caseNo]])
  const linked = await triage(second.id, 1, { action: 'link', caseId: accepted.caseId })
  assert.equal(linked.statusCode, 200, linked.body)
  assert.equal(linked.json().reward, 'not_eligible')
  assert.equal(linked.json().rewardReason, '同一违建已有更早的举报')
  assert.equal((await staff(planner, `/api/reports/${first.id}`)).json().reward, 'eligible')
  assert.equal(await count(`cases WHERE source = 'report' AND id = $1`, [accepted.caseId]), 1)

  const noReason = await triage(far.id, 1, { action: 'reject' })
  assert.equal(noReason.statusCode, 400)
  const rejected = await triage(far.id, 1, { action: 'reject', publicNote: '经现场核查，该建筑已取得乡村建设规划许可证' })
  assert.equal(rejected.statusCode, 200)
  assert.equal((await triage(far.id, 2, { action: 'accept' })).statusCode, 409, 'a closed report is not triaged again')
  const o = (await t.app.inject({ url: `/api/open311/v2/requests.json?service_request_id=${far.id},${first.id}` })).json()
  assert.deepEqual(o.map((r: { service_request_id: string; status: string }) => [r.service_request_id, r.status]).sort(), [[String(far.id), 'closed'], [String(first.id), 'open']].sort())
})

test('a triage on an older version is refused and the refusal is in the history', async () => {
  const place = east(await quietPlace(t.db), 800)
  const r = (await sendReport(t.app, freshIp(), { lon: place.lon, lat: place.lat })).json()
  assert.equal((await triage(r.id, 1, { action: 'ask_more', publicNote: '请补充照片' })).statusCode, 200)
  const stale = await triage(r.id, 1, { action: 'reject', publicNote: '不属于违法建设' })
  assert.equal(stale.statusCode, 412)
  const missing = await t.app.inject({ method: 'POST', url: `/api/reports/${r.id}/triage`, headers: { cookie: planner }, payload: { action: 'reject', publicNote: 'x' } })
  assert.equal(missing.statusCode, 428)
  const history = (await staff(planner, `/api/reports/${r.id}`)).json().history.map((h: { action: string }) => h.action)
  assert.deepEqual(history, ['submit', 'ask_more', 'refused:stale_version'])
  assert.equal((await lookup(r.receiptCode)).json().status, 'more_info')
})

test('a flood from one address: the second report needs a CAPTCHA, a wrong or reused answer is refused, the sixth in an hour is rate-limited', async () => {
  const place = await quietPlace(t.db)
  const ip = freshIp()
  assert.equal((await t.app.inject({ url: '/api/public/report-rules', headers: { 'x-forwarded-for': ip } })).json().captchaRequired, false)
  assert.equal((await sendReport(t.app, ip, place)).statusCode, 201)
  assert.equal((await t.app.inject({ url: '/api/public/report-rules', headers: { 'x-forwarded-for': ip } })).json().captchaRequired, true)

  const before = await count('reports')
  const bare = await sendReport(t.app, ip, place)
  assert.equal(bare.statusCode, 400)
  assert.equal(bare.json().code, 'captcha_required')
  assert.equal(bare.json().detailZh, '请输入图片中的验证码')
  const captcha = (await t.app.inject({ url: '/api/public/captcha' })).json()
  assert.match(captcha.svg, /^<svg[^>]*>/)
  const wrong = await sendReport(t.app, ip, { ...place, captchaId: captcha.id, captchaAnswer: 'zzzz' })
  assert.equal(wrong.json().code, 'captcha_wrong')
  // a challenge whose answer the test knows (the real one exists only in the SVG)
  const known = await newChallenge(t.db, 'Kx7p')
  const passed = await sendReport(t.app, ip, { ...place, captchaId: known.id, captchaAnswer: 'kx7p' })
  assert.equal(passed.statusCode, 201, passed.body)
  const reused = await sendReport(t.app, ip, { ...place, captchaId: known.id, captchaAnswer: 'kx7p' })
  assert.equal(reused.json().code, 'captcha_wrong', 'a challenge is answered once')
  assert.equal(await count('reports'), before + 1)

  // five requests an hour from one address, whatever they carry
  const limited = await sendReport(t.app, ip, place)
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.json().code, 'rate_limited')
  assert.ok(limited.json().retryAfterSeconds > 0)
  // another address is not held back
  assert.equal((await sendReport(t.app, freshIp(), place)).statusCode, 201)
})

test('a client that is not a trusted proxy cannot pick its own address with X-Forwarded-For', async () => {
  const place = await quietPlace(t.db)
  const direct = (xff: string) => {
    const form = reportForm({ serviceCode: 'other', description: '伪造来源地址', locationSource: 'map', lon: place.lon, lat: place.lat })
    return t.app.inject({ method: 'POST', url: '/api/public/reports', payload: form.payload, headers: { ...form.headers, 'x-forwarded-for': xff }, remoteAddress: '198.51.100.9' })
  }
  assert.equal((await direct('10.1.1.1')).statusCode, 201)
  // a new X-Forwarded-For each time: still the same sender (the peer's own address) to the CAPTCHA rule
  const second = await direct('10.1.1.2')
  assert.equal(second.statusCode, 400)
  assert.equal(second.json().code, 'captcha_required')
})

test('oversized, fake and too many photos, a place outside the district and a bad phone number are refused and change nothing', async () => {
  const place = await quietPlace(t.db)
  const reports = await count('reports')
  const photos = await count('report_photos')
  const files = () => (readdirSync(t.uploadDir, { recursive: true }) as string[]).filter((f) => !f.startsWith('.')).length
  const filesBefore = files()

  const huge = await sendReport(t.app, freshIp(), place, [{ name: 'huge.jpg', bytes: Buffer.concat([phonePhoto(place.lon, place.lat), Buffer.alloc(11 * 1024 * 1024)]) }])
  assert.equal(huge.statusCode, 413)
  assert.equal(huge.json().code, 'photo_too_large')

  const fake = await sendReport(t.app, freshIp(), place, [{ name: 'fake.jpg', bytes: Buffer.from('<?php system($_GET["c"]); ?>') }])
  assert.equal(fake.statusCode, 400)
  assert.equal(fake.json().code, 'not_a_photo')
  assert.match(fake.json().detailZh, /不是可识别的照片/)
  // JPEG magic bytes followed by garbage: sniffing the first bytes is not enough
  const disguised = await sendReport(t.app, freshIp(), place, [{ name: 'x.jpg', bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]) }])
  assert.equal(disguised.json().code, 'not_a_photo')
  // one good photo and one fake: the good one is not kept either
  const mixed = await sendReport(t.app, freshIp(), place, [{ name: 'ok.jpg', bytes: phonePhoto(place.lon, place.lat) }, { name: 'bad.jpg', bytes: Buffer.from('GIF89a') }])
  assert.equal(mixed.statusCode, 400)

  const four = Array.from({ length: 4 }, (_, i) => ({ name: `p${i}.jpg`, bytes: phonePhoto(place.lon, place.lat) }))
  const tooMany = await sendReport(t.app, freshIp(), place, four)
  assert.equal(tooMany.statusCode, 413)
  assert.equal(tooMany.json().code, 'too_many_photos')

  const outside = await sendReport(t.app, freshIp(), { lon: 121.47, lat: 31.23 })
  assert.equal(outside.statusCode, 422)
  assert.equal(outside.json().code, 'outside_district')
  const phone = await sendReport(t.app, freshIp(), { ...place, contactPhone: 'call me maybe' })
  assert.equal(phone.statusCode, 400)
  assert.equal(phone.json().field, 'contactPhone')
  const empty = await sendReport(t.app, freshIp(), { ...place, description: '   ' })
  assert.equal(empty.json().field, 'description')

  assert.equal(await count('reports'), reports)
  assert.equal(await count('report_photos'), photos)
  assert.equal(files(), filesBefore, 'no photo file was left behind')
})

test('stored photos carry no EXIF: no GPS, no time, no camera; text with markup is kept as text', async () => {
  const place = await quietPlace(t.db)
  const original = phonePhoto(place.lon, place.lat, '2026:06:02 10:30:00', 64)
  assert.ok((await exifr.gps(original))?.latitude, 'the test photo has a GPS position')
  const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>'
  const sent = (await sendReport(t.app, freshIp(), { ...place, description: xss }, [{ name: 'gps.jpg', bytes: original }])).json()
  const status = (await lookup(sent.receiptCode)).json()
  assert.equal(status.description, xss, 'stored and answered as typed; the pages render it as text (tests/e2e/public.test.ts)')
  const photo = await t.app.inject({ url: status.photos[0].url })
  assert.equal(photo.statusCode, 200)
  assert.equal(photo.headers['content-type'], 'image/jpeg')
  const stored = photo.rawPayload
  assert.equal(await exifr.parse(stored, { tiff: true, exif: true, gps: true, xmp: true, iptc: true }).catch(() => undefined), undefined)
  assert.equal(stored.includes(Buffer.from('Exif')), false)
  assert.equal(stored.includes(Buffer.from('2026:06:02')), false)
  // staff read the same stored bytes
  const staffPhoto = await staff(planner, `/api/reports/${sent.id}/photos/${status.photos[0].id}`)
  assert.deepEqual(staffPhoto.rawPayload, stored)
  // another report's code does not open this photo
  const other = (await sendReport(t.app, freshIp(), place)).json()
  assert.equal((await t.app.inject({ url: `/api/public/reports/${other.receiptCode}/photos/${status.photos[0].id}` })).statusCode, 404)
})

test('Open311: services, a request posted with the api_key (form-encoded), refused without one', async () => {
  const services = (await t.app.inject({ url: '/api/open311/v2/services.json' })).json()
  assert.deepEqual(services.map((s: { service_code: string }) => s.service_code), ['new_building', 'extension', 'land_occupation', 'other'])
  const place = east(await quietPlace(t.db), 1500)
  const form = new URLSearchParams({ api_key: OPEN311_KEY, service_code: 'extension', lat: String(place.lat), long: String(place.lon), description: '三层加盖第四层', first_name: '明', last_name: '张', phone: '13912345678' })
  const posted = await t.app.inject({ method: 'POST', url: '/api/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
  assert.equal(posted.statusCode, 201, posted.body)
  const [created] = posted.json()
  const detail = (await staff(planner, `/api/reports/${created.service_request_id}`)).json()
  assert.equal(detail.via, 'open311')
  assert.deepEqual(detail.contact, { name: '张明', phone: '13912345678' })
  assert.equal((await lookup(created.token)).json().status, 'submitted')

  form.set('api_key', 'not-a-key-we-issued-000')
  const refused = await t.app.inject({ method: 'POST', url: '/api/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
  assert.equal(refused.statusCode, 403)
  const listed = (await t.app.inject({ url: '/api/open311/v2/requests.json?status=open&service_code=extension' })).json()
  assert.ok(listed.some((r: { service_request_id: string }) => r.service_request_id === created.service_request_id))
  assert.equal((await t.app.inject({ url: '/api/open311/v2/requests.json?status=pending' })).statusCode, 400)
})

test('a receipt code nobody was given, or garbage, is simply not found', async () => {
  assert.equal((await lookup('ABCD-EFGH-JKMN')).statusCode, 404)
  assert.equal((await lookup('%3Cscript%3E')).statusCode, 404)
})
