// Photos as evidence: EXIF time and GPS kept, bytes returned intact, replays idempotent.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'

let t: TestApp
let field: string
let caseId: number
let village: string
beforeAll(async () => {
  t = await testApp('tiny')
  const c = (await t.db.query<{ id: number; admin_code: string }>("SELECT id, admin_code FROM cases WHERE status = 'order_issued' ORDER BY id LIMIT 1")).rows[0]!
  caseId = c.id
  village = c.admin_code
  field = await t.signIn('field', village)
})
afterAll(() => t.close())


function multipart(fields: Record<string, string>, file: { name: string; type: string; bytes: Buffer }) {
  const boundary = `----chaiwei${randomUUID()}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

const upload = (fields: Record<string, string>, file: { name: string; type: string; bytes: Buffer }, cookie = field, id = caseId) => {
  const m = multipart(fields, file)
  return t.app.inject({ method: 'POST', url: `/api/cases/${id}/attachments`, payload: m.payload, headers: { ...m.headers, cookie } })
}

test('a phone photo keeps its EXIF time (Beijing time) and GPS, and comes back byte for byte', async () => {
  const bytes = phonePhoto(116.123456, 39.654321)
  const res = await upload({ stage: 'order_issued' }, { name: '现场照片.jpg', type: 'image/jpeg', bytes })
  assert.equal(res.statusCode, 201, res.body)
  const a = res.json()
  assert.equal(a.takenAt, '2026-06-02T02:30:00Z')
  assert.ok(Math.abs(a.location[0] - 116.123456) < 1e-5 && Math.abs(a.location[1] - 39.654321) < 1e-5, JSON.stringify(a.location))
  assert.deepEqual([a.kind, a.mimeType, a.stage, a.fileName, a.byteSize], ['photo', 'image/jpeg', 'order_issued', '现场照片.jpg', bytes.length])
  const back = await t.app.inject({ url: `/api/attachments/${a.id}/content`, headers: { cookie: field } })
  assert.equal(back.headers['content-type'], 'image/jpeg')
  assert.equal(createHash('sha256').update(back.rawPayload).digest('hex'), createHash('sha256').update(bytes).digest('hex'))
  const history = (await t.app.inject({ url: `/api/cases/${caseId}/history`, headers: { cookie: field } })).json().history
  assert.equal(history.at(-1).action, 'attach')
  const list = (await t.app.inject({ url: `/api/cases/${caseId}/attachments`, headers: { cookie: field } })).json().attachments
  assert.ok(list.some((x: { id: number }) => x.id === a.id))
})

test('replaying an upload with the same client id stores it once', async () => {
  const clientId = randomUUID()
  const file = { name: 'a.jpg', type: 'image/jpeg', bytes: phonePhoto(116.1, 39.7) }
  const first = await upload({ clientId }, file)
  const again = await upload({ clientId }, file)
  assert.deepEqual([first.statusCode, again.statusCode], [201, 200])
  assert.equal(again.json().id, first.json().id)
  const n = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM attachments WHERE client_id = $1', [clientId])).rows[0]!.n
  assert.equal(n, 1)
})

test('a PDF is a document; other files are refused by their bytes, whatever they claim', async () => {
  const pdf = await upload({}, { name: '决定书.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') })
  assert.equal(pdf.statusCode, 201, pdf.body)
  assert.equal(pdf.json().kind, 'document')
  const fake = await upload({}, { name: 'evil.jpg', type: 'image/jpeg', bytes: Buffer.from('<script>alert(1)</script>') })
  assert.equal(fake.statusCode, 415)
  const big = await upload({}, { name: 'big.jpg', type: 'image/jpeg', bytes: Buffer.alloc(16 * 1024 * 1024, 0xff) })
  assert.equal(big.statusCode, 413)
  assert.match(big.json().detail, /larger than 15 MB/)
})

test('viewers cannot upload, and nobody outside the case\'s area sees its photos', async () => {
  const viewer = await t.signIn('viewer')
  assert.equal((await upload({}, { name: 'a.jpg', type: 'image/jpeg', bytes: phonePhoto(116.1, 39.7) }, viewer)).statusCode, 403)
  const a = (await upload({}, { name: 'b.jpg', type: 'image/jpeg', bytes: phonePhoto(116.1, 39.7) })).json()
  const other = (await t.db.query<{ code: string }>("SELECT code FROM admin_units WHERE level = 'village' AND code <> $1 ORDER BY code LIMIT 1", [village])).rows[0]!.code
  const stranger = await t.signIn('field', other)
  assert.equal((await t.app.inject({ url: `/api/attachments/${a.id}/content`, headers: { cookie: stranger } })).statusCode, 404)
  assert.equal((await t.app.inject({ url: `/api/cases/${caseId}/attachments`, headers: { cookie: stranger } })).statusCode, 404)
})
