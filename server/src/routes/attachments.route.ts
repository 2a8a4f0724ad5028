// Photos and documents of a case or a satellite-change patch (全程留痕 evidence). Uploads from a phone keep EXIF time and GPS;
// a client id makes an offline replay idempotent.
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import exifr from 'exifr'
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { addAttachment, findByClientId, getAttachment, listAttachments, listDetectionAttachments, listSurveyAttachments } from '../repos/attachments.repo.ts'
import { getSurvey } from '../repos/surveys.repo.ts'
import { getCase } from '../repos/cases.repo.ts'
import { detectionInScope } from '../repos/detections.repo.ts'
import type { FileStore } from '../storage/file-store.ts'
import type { PartialUploads } from '../storage/partial-uploads.ts'
import type { Scope } from '../domain/scope.ts'
import { binary, multipartBody } from '../http/contract.ts'
import { Attachment, AttachmentList } from '../schemas/cases.schema.ts'
import { IdParams } from '../schemas/common.schema.ts'

export const MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
const WRITERS: readonly Role[] = ['admin', 'planner', 'field']
const STAGES = ['identified', 'notified', 'order_issued', 'demolished', 'accepted', 'inspection', 'verification', 'other'] as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The type from the bytes themselves; the client's word for it is not trusted. */
function sniff(b: Buffer): { mime: string; kind: 'photo' | 'document' } | null {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', kind: 'photo' }
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { mime: 'image/png', kind: 'photo' }
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return { mime: 'image/webp', kind: 'photo' }
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return { mime: 'application/pdf', kind: 'document' }
  return null
}

/**
 * EXIF time and position. DateTimeOriginal has no zone; OffsetTimeOriginal gives it when the camera
 * wrote one, otherwise the photo is taken as Beijing time (UTC+8), where this product is used.
 */
async function exifOf(bytes: Buffer): Promise<{ takenAt: string | null; location: [number, number] | null }> {
  try {
    // No `pick`: it would drop the raw GPS tags exifr derives latitude and longitude from.
    const tags = (await exifr.parse(bytes, { tiff: true, exif: true, gps: true, ifd1: false, xmp: false, icc: false, iptc: false, jfif: false, reviveValues: false })) as
      | { DateTimeOriginal?: string; OffsetTimeOriginal?: string; latitude?: number; longitude?: number }
      | undefined
    if (!tags) return { takenAt: null, location: null }
    const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(tags.DateTimeOriginal ?? '')
    const offset = /^[+-]\d{2}:\d{2}$/.test(tags.OffsetTimeOriginal ?? '') ? tags.OffsetTimeOriginal! : '+08:00'
    const takenAt = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`).toISOString() : null
    const ok = (v: unknown, max: number) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= max
    const location: [number, number] | null = ok(tags.longitude, 180) && ok(tags.latitude, 90) ? [tags.longitude!, tags.latitude!] : null
    return { takenAt: takenAt && !Number.isNaN(Date.parse(takenAt)) ? takenAt : null, location }
  } catch {
    return { takenAt: null, location: null } // no or unreadable EXIF: the photo is still evidence
  }
}

/** The parts of an upload; `stage` and `clientId` must come before the file. */
const UploadBody = multipartBody({
  stage: { description: `optional: ${STAGES.join(', ')}` },
  clientId: { description: 'optional: a UUID the client chose, so that a replay of the upload is answered with the stored attachment (200)' },
  file: { description: 'the photo (JPEG, PNG, WebP) or PDF, as taken: EXIF time and GPS are read from it', binary: true },
})

/** A finished resumable upload made into an attachment (JSON instead of multipart). */
const FromUpload = Type.Object(
  {
    uploadId: Type.String({ format: 'uuid', description: 'a finished upload of POST /api/uploads' }),
    stage: Type.Optional(Type.Enum(STAGES)),
    clientId: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
)
type FromUpload = Static<typeof FromUpload>

/** Either body: the file itself (multipart), or a resumable upload that has every byte (JSON). */
const AttachBody = { content: { ...UploadBody.content, 'application/json': { schema: FromUpload } } }

interface Incoming {
  bytes: Buffer
  fileName: string
  clientId: string | null
  stage: string | null
  uploadId: string | null
}

/** Stored bytes, in the media type sniffed from them at upload. */
const AttachmentContent = {
  description: 'the stored bytes',
  content: Object.assign({}, ...['image/jpeg', 'image/png', 'image/webp', 'application/pdf'].map((t) => binary(t, t).content)) as Record<string, unknown>,
}

export const attachmentRoutes: FastifyPluginAsyncTypebox<{ db: Db; files: FileStore; uploads: PartialUploads }> = async (app, { db, files, uploads }) => {
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 10, fieldSize: 1000 } })

  /** The file and its fields from a multipart upload. */
  const fromMultipart = async (request: FastifyRequest): Promise<Incoming> => {
    const part = await request.file()
    if (!part) throw badRequest('no file in the upload')
    let bytes: Buffer
    try {
      bytes = await part.toBuffer()
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new HttpProblem(413, 'Content Too Large', `the file is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`)
      }
      throw err
    }
    const field = (name: string) => {
      const f = part.fields[name] as { value?: unknown } | undefined
      return typeof f?.value === 'string' && f.value !== '' ? f.value : null
    }
    return { bytes, fileName: part.filename, clientId: field('clientId'), stage: field('stage'), uploadId: null }
  }

  /** The file of a finished resumable upload (routes/uploads.route.ts) and the fields sent with it. */
  const fromUpload = async (body: FromUpload, userId: number): Promise<Incoming> => {
    const done = await uploads.complete(userId, body.uploadId)
    if (!done) throw notFound(`no upload ${body.uploadId} of yours`)
    return { bytes: done.bytes, fileName: done.fileName, clientId: body.clientId ?? null, stage: body.stage ?? null, uploadId: body.uploadId }
  }

  /** One upload path for both owners: a case's evidence or a patch's site photos. */
  const receive = async (request: FastifyRequest, reply: FastifyReply, owner: { caseId: number } | { detectionId: number } | { surveyId: number }, scope: Scope, userId: number) => {
    const incoming = request.isMultipart() ? await fromMultipart(request) : request.body ? await fromUpload(request.body as FromUpload, userId) : null
    if (!incoming) throw badRequest('send multipart/form-data with one file, or JSON {uploadId} of a finished upload')
    const { bytes, clientId, stage } = incoming
    if (clientId && !UUID.test(clientId)) throw badRequest('clientId must be a UUID', { field: 'clientId' })
    if (stage && !(STAGES as readonly string[]).includes(stage)) throw badRequest(`stage must be one of ${STAGES.join(', ')}`, { field: 'stage' })
    if (clientId) {
      const earlier = await findByClientId(db, clientId, scope)
      if (earlier) return reply.code(200).send(earlier) // a replay of an upload we already have
    }
    const type = sniff(bytes)
    if (!type) throw new HttpProblem(415, 'Unsupported Media Type', 'only JPEG, PNG and WebP photos and PDF documents are accepted')
    if (bytes.length === 0) throw badRequest('the file is empty')
    const exif = type.kind === 'photo' ? await exifOf(bytes) : { takenAt: null, location: null }
    const key = files.newKey()
    await files.put(key, bytes)
    try {
      const id = await addAttachment(db, {
        caseId: 'caseId' in owner ? owner.caseId : null,
        detectionId: 'detectionId' in owner ? owner.detectionId : null,
        surveyId: 'surveyId' in owner ? owner.surveyId : null,
        kind: type.kind,
        stage,
        fileName: incoming.fileName.slice(0, 200) || 'upload',
        mimeType: type.mime,
        byteSize: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        storageKey: key,
        takenAt: exif.takenAt,
        location: exif.location,
        clientId,
        userId,
      })
      const { storageKey: _, ...stored } = (await getAttachment(db, id, scope))!
      if (incoming.uploadId) await uploads.remove(userId, incoming.uploadId)
      return reply.code(201).send(stored)
    } catch (err) {
      await files.remove(key)
      if ((err as { code?: string }).code === '23505' && clientId) {
        const earlier = await findByClientId(db, clientId, scope) // the same replay, racing
        if (earlier) return reply.code(200).send(earlier)
      }
      throw err
    }
  }

  app.post(
    '/api/cases/:id/attachments',
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ['ledger'],
        summary: `Attach a photo (JPEG, PNG, WebP) or PDF to a case, at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB. Multipart: fields stage, clientId (uuid) before the file; or JSON {uploadId, stage, clientId} of a finished resumable upload.`,
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: AttachBody,
        response: { 200: { ...Attachment, description: 'a replay of an upload already stored (same clientId)' }, 201: Attachment },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const c = await getCase(db, request.params.id, scope)
      if (!c) throw notFound(`no case ${request.params.id}`)
      return receive(request, reply, { caseId: c.id }, scope, user.id)
    },
  )

  app.post(
    '/api/detections/:id/attachments',
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ['patches'],
        summary: `Attach a site photo (JPEG, PNG, WebP with EXIF GPS) or PDF to a satellite-change patch, at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB. Multipart: fields stage, clientId (uuid) before the file; or JSON {uploadId, stage, clientId} of a finished resumable upload.`,
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: AttachBody,
        response: { 200: { ...Attachment, description: 'a replay of an upload already stored (same clientId)' }, 201: Attachment },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      if (!(await detectionInScope(db, request.params.id, scope))) throw notFound(`no patch ${request.params.id}`)
      return receive(request, reply, { detectionId: request.params.id }, scope, user.id)
    },
  )

  app.get(
    '/api/detections/:id/attachments',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: "A patch's site photos and documents", params: IdParams, response: { 200: AttachmentList } } },
    async (request) => {
      const { scope } = principalOf(request)
      if (!(await detectionInScope(db, request.params.id, scope))) throw notFound(`no patch ${request.params.id}`)
      return { attachments: await listDetectionAttachments(db, request.params.id, scope) }
    },
  )

  app.post(
    '/api/surveys/:id/attachments',
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ['surveys'],
        summary: `Attach a photo or the appraisal report (PDF) to a house file (自建房排查), at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; multipart or JSON {uploadId} as for cases`,
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: AttachBody,
        response: { 200: { ...Attachment, description: 'a replay of an upload already stored (same clientId)' }, 201: Attachment },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      if (!(await getSurvey(db, request.params.id, scope, false))) throw notFound(`no house file ${request.params.id}`)
      return receive(request, reply, { surveyId: request.params.id }, scope, user.id)
    },
  )

  app.get(
    '/api/surveys/:id/attachments',
    { config: { access: { roles: READERS } }, schema: { tags: ['surveys'], summary: "A house file's photos and documents", params: IdParams, response: { 200: AttachmentList } } },
    async (request) => {
      const { scope } = principalOf(request)
      if (!(await getSurvey(db, request.params.id, scope, false))) throw notFound(`no house file ${request.params.id}`)
      return { attachments: await listSurveyAttachments(db, request.params.id, scope) }
    },
  )

  app.get(
    '/api/cases/:id/attachments',
    { config: { access: { roles: READERS } }, schema: { tags: ['ledger'], summary: "A case's photos and documents", params: IdParams, response: { 200: AttachmentList } } },
    async (request) => {
      const { scope } = principalOf(request)
      const c = await getCase(db, request.params.id, scope)
      if (!c) throw notFound(`no case ${request.params.id}`)
      return { attachments: await listAttachments(db, c.id, scope) }
    },
  )

  app.get(
    '/api/attachments/:id/content',
    { config: { access: { roles: READERS } }, schema: { tags: ['ledger'], summary: 'The bytes of a photo or document', params: IdParams, response: { 200: AttachmentContent } } },
    async (request, reply) => {
      const a = await getAttachment(db, request.params.id, principalOf(request).scope)
      if (!a) throw notFound(`no attachment ${request.params.id}`)
      const bytes = await files.get(a.storageKey)
      return reply
        .type(a.mimeType)
        .header('cache-control', 'private, max-age=86400, immutable')
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(a.fileName)}`)
        .header('x-content-type-options', 'nosniff')
        .send(bytes)
    },
  )
}
