// Patch (卫片图斑) imports: upload → staged with a per-feature report → (re-stage) → commit or discard.
// See docs/api-patches.md, section Import.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import multipart from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { MAPPING_KEYS } from '../domain/detection-types.ts'
import type { Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { multipartBody, NoContent } from '../http/contract.ts'
import { crsParam, encodingParam, spoolUpload } from '../http/gis-upload.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { SUPPORTED_CRS_TEXT } from '../imports/formats/crs.ts'
import {
  applyMapping, currentMapping, importView, PATCH_IMPORT_LIMITS, removeUpload, stageImport,
} from '../imports/patch-import.ts'
import {
  commitImport, createImport, deleteImport, expiredImports, getImport, previewFeatures, updateImport, type ImportRow,
} from '../repos/detection-imports.repo.ts'
import { screenBatch } from '../repos/detection-screening.repo.ts'
import type { Geometry } from '../schemas/common.schema.ts'
import { DetectionImport, ImportCommitted, ImportPreview, type ImportMapping } from '../schemas/detections.schema.ts'

/** Batches up to this size are screened before the commit answers (a few seconds); larger ones after. */
const SCREEN_INLINE_MAX = 5_000

/** Who loads patch batches: the planners' office and administrators. */
const IMPORTERS: readonly Role[] = ['admin', 'planner']
const MAPPING_WARNINGS = new Set(['patch_no_generated', 'change_type_unmapped'])

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const MappingBody = Type.Object(
  Object.fromEntries(MAPPING_KEYS.map((k) => [k, Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()]))])),
  { additionalProperties: false },
)
const PatchBody = Type.Object(
  {
    crs: Type.Optional(Type.String({ maxLength: 100, description: `one of ${SUPPORTED_CRS_TEXT}` })),
    encoding: Type.Optional(Type.String({ maxLength: 20, description: 'UTF-8 | GBK' })),
    mapping: Type.Optional(MappingBody),
    repair: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const DATE = { format: 'date' } as const
const CommitBody = Type.Object(
  {
    batch: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        issuer: Type.Union([Type.Literal('ministry'), Type.Literal('province'), Type.Literal('city'), Type.Literal('district')]),
        beforeDate: Type.String(DATE),
        afterDate: Type.String(DATE),
        deadline: Type.Optional(Type.Union([Type.String(DATE), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    onlyValid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

function conflict(detail: string, code: string, extra: Record<string, unknown> = {}) {
  return new HttpProblem(409, 'Conflict', detail, { code, ...extra })
}

export const detectionImportRoutes: FastifyPluginAsyncTypebox<{ db: Db; config: Config }> = async (app, { db, config }) => {
  // Scoped to this plugin (the ledger registers its own with its own limits).
  await app.register(multipart, { limits: { fileSize: config.importMaxBytes, files: 1, fields: 3, fieldSize: 200, parts: 4, headerPairs: 50 } })

  // Reading in the background, per import id; the app waits for them when it closes.
  const jobs = new Map<string, Promise<unknown>>()
  // Uploads are spooled under one temp folder of this app instance, removed when it closes: a staged
  // import can still be committed after a restart (commit reads staging, not the file); only
  // re-reading it (new CRS or encoding) then asks for the file again.
  const spool = mkdtempSync(join(tmpdir(), 'chaiwei-imports-'))
  app.addHook('onClose', async () => {
    await Promise.allSettled([...jobs.values()])
    rmSync(spool, { recursive: true, force: true })
  })

  const run = (imp: ImportRow, background: boolean) => {
    const job = stageImport(db, imp.id, imp.user_id)
      .catch((err: unknown) => app.log.error({ err, importId: imp.id }, 'patch import failed'))
      .finally(() => jobs.delete(imp.id))
    jobs.set(imp.id, job)
    return background ? Promise.resolve() : job
  }

  /** The import of this user, or 404; a 'reading' import whose job died (restart) is marked failed. */
  const load = async (id: string, userId: number): Promise<ImportRow> => {
    const imp = await getImport(db, id, userId)
    if (!imp) throw notFound(`no import ${id} of yours`)
    if (imp.state === 'reading' && !jobs.has(id) && Date.now() - Date.parse(imp.updated_at) > 10 * 60_000) {
      await updateImport(db, id, { state: 'failed', phase: null, error: { code: 'interrupted', message: '读取被中断（服务重启），请重新上传' } })
      return (await getImport(db, id, userId))!
    }
    return imp
  }

  const view = async (id: string, userId: number) => importView(db, (await getImport(db, id, userId))!)

  const removeExpired = async () => {
    for (const old of await expiredImports(db, PATCH_IMPORT_LIMITS.expiryHours)) {
      if (jobs.has(old.id)) continue
      removeUpload(old.file_path)
      await deleteImport(db, old.id)
    }
  }

  app.post(
    '/api/detection-imports',
    {
      config: { access: { roles: IMPORTERS } },
      schema: {
        tags: ['patches'],
        summary: 'Upload a patch file (卫片图斑) into staging',
        description: `multipart/form-data: file (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV with WKT), optional crs (${SUPPORTED_CRS_TEXT}) and encoding (UTF-8 | GBK). 201 when read at once, 202 while reading in the background (poll GET). See docs/api-patches.md.`,
        consumes: ['multipart/form-data'],
        body: multipartBody({
          file: { description: 'the patch file', binary: true },
          crs: { description: `optional: ${SUPPORTED_CRS_TEXT}; overrides what the file says` },
          encoding: { description: 'optional: UTF-8 | GBK' },
        }),
        response: { 201: DetectionImport, 202: DetectionImport },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      await removeExpired()
      const { fileName, filePath, bytes, fields } = await spoolUpload(request, spool, { maxBytes: config.importMaxBytes, fields: ['crs', 'encoding'] })
      let crs: string | null
      let encoding: string | null
      try {
        crs = crsParam(fields.crs)
        encoding = encodingParam(fields.encoding)
      } catch (err) {
        removeUpload(filePath)
        throw err
      }
      const id = randomUUID()
      await createImport(db, { id, userId: user.id, scope, fileName, filePath, byteSize: bytes, userCrs: crs, userEncoding: encoding })
      const imp = (await getImport(db, id, user.id))!
      const background = bytes > PATCH_IMPORT_LIMITS.backgroundBytes
      await run(imp, background)
      const result = await view(id, user.id)
      if (result.state === 'failed' && result.error) {
        // refused outright: nothing is kept, the answer says why
        removeUpload(filePath)
        await deleteImport(db, id)
        if (result.error.code === 'read_failed') throw new HttpProblem(500, 'Internal Server Error', 'reading the file failed; the server log has the cause')
        throw new HttpProblem(400, 'Bad Request', result.error.messageEn ?? `the file was refused (${result.error.code})`, { code: result.error.code, detailZh: result.error.message, field: 'file' })
      }
      return reply.code(background ? 202 : 201).send(result)
    },
  )

  app.get(
    '/api/detection-imports/:id',
    { config: { access: { roles: IMPORTERS } }, schema: { tags: ['patches'], summary: 'A staged patch import: what was read, progress, problems', params: IdParams, response: { 200: DetectionImport } } },
    async (request) => {
      const { user } = principalOf(request)
      return importView(db, await load(request.params.id, user.id))
    },
  )

  app.get(
    '/api/detection-imports/:id/preview',
    {
      config: { access: { roles: IMPORTERS } },
      schema: {
        tags: ['patches'],
        summary: `The staged patches for a map preview (EPSG:4326, simplified, at most ${PATCH_IMPORT_LIMITS.previewFeatures})`,
        params: IdParams,
        response: { 200: { description: 'GeoJSON FeatureCollection, problem features first', content: { 'application/geo+json': { schema: ImportPreview } } } },
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (imp.state !== 'staged') throw conflict(`the import is ${imp.state}; a preview exists once it is staged`, 'not_staged')
      const rows = await previewFeatures(db, imp.id, imp.repair, PATCH_IMPORT_LIMITS.previewFeatures)
      return reply
        .type('application/geo+json')
        .header('cache-control', 'private, no-store')
        .send({
          type: 'FeatureCollection' as const,
          features: rows.map((r) => ({
            type: 'Feature' as const,
            properties: { feature: r.feature, patchNo: r.patchNo, problem: r.problem },
            geometry: JSON.parse(r.geometry) as Geometry,
          })),
        })
    },
  )

  app.patch(
    '/api/detection-imports/:id',
    {
      config: { access: { roles: IMPORTERS } },
      schema: { tags: ['patches'], summary: 'Re-stage: choose the CRS or encoding (re-reads the file), the field mapping, or consent to repairs', params: IdParams, body: PatchBody, response: { 200: DetectionImport, 202: DetectionImport } },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (imp.state === 'reading' || jobs.has(imp.id)) throw conflict('the file is still being read; wait until it is staged', 'reading')
      if (imp.state === 'committed') throw conflict('the import was committed already', 'committed')
      const body = request.body
      if ((body.crs !== undefined || body.encoding !== undefined) && (!imp.file_path || !existsSync(imp.file_path))) {
        throw conflict('the uploaded file is gone (the server restarted); upload it again', 'upload_gone')
      }
      let reread = false
      if (body.crs !== undefined) {
        await updateImport(db, imp.id, { user_crs: crsParam(body.crs) ?? imp.user_crs })
        reread = true
      }
      if (body.encoding !== undefined) {
        await updateImport(db, imp.id, { user_encoding: encodingParam(body.encoding) ?? imp.user_encoding })
        reread = true
      }
      if (body.mapping !== undefined) {
        const merged = { ...currentMapping(imp) }
        for (const [k, v] of Object.entries(body.mapping) as [keyof ImportMapping, string | null | undefined][]) {
          if (v === undefined) continue
          if (v !== null && !imp.fields.includes(v)) throw badRequest(`mapping.${k}: the file has no field ${v}; its fields are ${imp.fields.join(', ')}`, { field: 'mapping' })
          merged[k] = v
        }
        await updateImport(db, imp.id, { mapping: merged })
        if (!reread && imp.state === 'staged') {
          const warnings = [...imp.warnings.filter((w) => !MAPPING_WARNINGS.has(w.code)), ...(await applyMapping(db, imp.id, merged))]
          await updateImport(db, imp.id, { warnings })
        }
      }
      if (body.repair !== undefined) await updateImport(db, imp.id, { repair: body.repair })
      if (reread) {
        await updateImport(db, imp.id, { state: 'reading' })
        const background = imp.byte_size > PATCH_IMPORT_LIMITS.backgroundBytes
        await run(imp, background)
        return reply.code(background ? 202 : 200).send(await view(imp.id, user.id))
      }
      return view(imp.id, user.id)
    },
  )

  app.post(
    '/api/detection-imports/:id/commit',
    {
      config: { access: { roles: IMPORTERS } },
      schema: { tags: ['patches'], summary: 'Write the staged patches as a batch: all-or-nothing, or the valid ones only', params: IdParams, body: CommitBody, response: { 201: ImportCommitted } },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (imp.state !== 'staged') throw conflict(`the import is ${imp.state}; only a staged import can be committed`, 'not_staged')
      const { batch, onlyValid = false } = request.body
      if (batch.afterDate <= batch.beforeDate) throw badRequest('batch.afterDate must be after batch.beforeDate', { field: 'batch' })
      const current = await importView(db, imp)
      if (current.validCount === 0) {
        throw new HttpProblem(422, 'Unprocessable Content', 'no feature of the file can be imported', { code: 'nothing_to_import', problems: current.problems, problemCount: current.problemCount })
      }
      if (!onlyValid && current.problemCount > 0) {
        throw new HttpProblem(422, 'Unprocessable Content', `${current.problemCount} features have problems; fix the file, consent to repairs, or commit with onlyValid`, {
          code: 'import_has_problems', problems: current.problems, problemCount: current.problemCount,
        })
      }
      const result = await commitImport(db, imp, { ...batch, deadline: batch.deadline ?? null }, onlyValid)
      removeUpload(imp.file_path)
      // Screening runs after the commit, not inside it, in slices: the patches are kept whatever
      // happens to it. A large batch is screened in the background (the answer says so); patches
      // not reached keep screening = {} and can be screened again.
      const screen = () => screenBatch(db, result.batchId).then((r) => r.screened)
      if (result.imported > SCREEN_INLINE_MAX) {
        void screen()
          .then((n) => request.log.info({ batchId: result.batchId, screened: n }, 'imported batch screened'))
          .catch((err: unknown) => request.log.warn({ err, batchId: result.batchId }, 'screening the imported batch failed'))
        return reply.code(201).send({ ...result, screened: null, screening: 'running' as const })
      }
      let screened: number | null = null
      try {
        screened = await screen()
      } catch (err) {
        request.log.warn({ err, batchId: result.batchId }, 'screening the imported batch failed')
      }
      return reply.code(201).send({ ...result, screened, screening: screened === null ? ('failed' as const) : ('done' as const) })
    },
  )

  app.delete(
    '/api/detection-imports/:id',
    { config: { access: { roles: IMPORTERS } }, schema: { tags: ['patches'], summary: 'Discard a staged import and its uploaded file', params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (jobs.has(imp.id)) await jobs.get(imp.id)
      removeUpload(imp.file_path)
      await deleteImport(db, imp.id)
      return reply.code(204).send(null)
    },
  )
}
