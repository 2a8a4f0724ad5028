// Resumable uploads: a photo sent in pieces survives an interruption (the phone asks where the
// server stands and goes on from there), a piece sent twice is refused and never doubled, and a
// finished upload becomes an attachment with its EXIF time and GPS, as a multipart one would.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'

let t: TestApp
let field: string
let other: string
let caseId: number
const photo = phonePhoto(116.0, 39.75, '2026:12:01 08:30:00', 64)

beforeAll(async () => {
  t = await testApp('tiny')
  field = await t.signIn('field')
  other = await t.signIn('field')
  caseId = (await t.db.query<{ id: number }>(`SELECT id FROM cases ORDER BY id LIMIT 1`)).rows[0]!.id
})
afterAll(() => t.close())

const start = (cookie: string, bytes = photo.length) => t.app.inject({ method: 'POST', url: '/api/uploads', headers: { cookie }, payload: { bytes, fileName: 'site.jpg' } })
const piece = (cookie: string, id: string, offset: number, body: Buffer) =>
  t.app.inject({ method: 'PATCH', url: `/api/uploads/${id}`, headers: { cookie, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, payload: body })

test('a photo sent in two pieces with an interruption between them is attached whole, with its EXIF', async () => {
  const created = await start(field)
  assert.equal(created.statusCode, 201, created.body)
  const { id } = created.json()
  const half = Math.floor(photo.length / 2)
  assert.equal((await piece(field, id, 0, photo.subarray(0, half))).json().offset, half)
  // the connection drops; the phone asks where the server stands
  const where = await t.app.inject({ url: `/api/uploads/${id}`, headers: { cookie: field } })
  assert.equal(where.json().offset, half)
  // the first piece again (its answer was lost): refused with the offset, not appended twice
  const again = await piece(field, id, 0, photo.subarray(0, half))
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().offset, half)
  // attaching before the end is refused
  const early = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { cookie: field }, payload: { uploadId: id } })
  assert.equal(early.statusCode, 409)
  assert.equal(early.json().code, 'upload_incomplete')
  assert.equal((await piece(field, id, half, photo.subarray(half))).json().offset, photo.length)
  const attached = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { cookie: field }, payload: { uploadId: id, stage: 'demolished' } })
  assert.equal(attached.statusCode, 201, attached.body)
  const a = attached.json()
  assert.equal(a.byteSize, photo.length)
  assert.equal(Date.parse(a.takenAt), Date.parse('2026-12-01T08:30:00+08:00'), 'the EXIF time, read as Beijing time')
  assert.deepEqual(a.location.map((v: number) => Math.round(v * 1000) / 1000), [116, 39.75])
  const bytes = await t.app.inject({ url: `/api/attachments/${a.id}/content`, headers: { cookie: field } })
  assert.ok(Buffer.compare(bytes.rawPayload, photo) === 0, 'the stored bytes are the photo, byte for byte')
  // the pieces are gone once attached
  assert.equal((await t.app.inject({ url: `/api/uploads/${id}`, headers: { cookie: field } })).statusCode, 404)
})

test("another user's upload does not exist for them; more bytes than announced, or a file too big, are refused", async () => {
  const { id } = (await start(field)).json()
  assert.equal((await t.app.inject({ url: `/api/uploads/${id}`, headers: { cookie: other } })).statusCode, 404)
  assert.equal((await piece(other, id, 0, photo)).statusCode, 404)
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { cookie: other }, payload: { uploadId: id } })).statusCode, 404)
  assert.equal((await piece(field, id, 0, Buffer.concat([photo, Buffer.from('x')]))).statusCode, 413)
  assert.equal((await start(field, 16 * 1024 * 1024)).statusCode, 400)
  assert.equal((await t.app.inject({ method: 'PATCH', url: `/api/uploads/${id}`, headers: { cookie: field, 'content-type': 'application/offset+octet-stream' }, payload: photo })).statusCode, 400, 'Upload-Offset is required')
})
