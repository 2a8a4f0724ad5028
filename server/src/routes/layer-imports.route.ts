// Reference-layer onboarding (docs/api-onboarding.md): upload → read in the background → staged
// with problems → (CRS, encoding, mapping) → commit in the background → committed; cancel at any
// time. History of loads, mapping presets, and what the district still lacks.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import multipart from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { isLayerKey, LAYER_KEYS, LAYERS, mappingError, type LayerKey, type LayerMapping } from '../domain/reference-layers.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { crsParam, encodingParam, spoolUpload } from '../http/gis-upload.ts'
import { multipartBody, NoContent } from '../http/contract.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { SUPPORTED_CRS_TEXT } from '../imports/formats/crs.ts'
import {
  Cancelled, checkStaged, commitLayerImport, LAYER_IMPORT_LIMITS, layerImportView, readLayerImport, reloadLayerImport, type Progress, type ReadOutcome,
} from '../imports/layer-import.ts'
import { removeUpload } from '../imports/patch-import.ts'
import {
  AdminUnitsReferenced, caseCounts, clearLayerStaged, createLayerImport, expiredLayerImports, getLayerImport, lastLoads,
  layerCount, listLayerProblems, listLoads, listPresets, ParcelsAssigned, previewLayerFeatures, referencedAdminUnits, savePreset,
  updateLayerImport, type LayerImportRow,
} from '../repos/layer-imports.repo.ts'
import { isDistrictWide, type Scope } from '../domain/scope.ts'
import { LOAD_MODES } from '../domain/onboarding-types.ts'
import {
  LayerImportView, LayerKeySchema, LayerLoad, LayerMappingInput, LayerPreviewCollection, MappingPreset, OnboardingStatus,
} from '../schemas/onboarding.schema.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'

/** Who loads reference layers: administrators only. */
const LOADERS: readonly Role[] = ['admin']

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const PatchBody = Type.Object(
  {
    crs: Type.Optional(Type.String({ maxLength: 100, description: `one of ${SUPPORTED_CRS_TEXT}` })),
    encoding: Type.Optional(Type.String({ maxLength: 20, description: 'UTF-8 | GBK' })),
    mapping: Type.Optional(LayerMappingInput),
  },
  { additionalProperties: false },
)
const CommitBody = Type.Object(
  {
    mode: Type.Enum(LOAD_MODES),
    onlyValid: Type.Optional(Type.Boolean()),
    presetName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)
const PresetBody = Type.Object({ layer: LayerKeySchema, name: Type.String({ minLength: 1, maxLength: 100 }), mapping: LayerMappingInput }, { additionalProperties: false })
const LayerQuery = Type.Object({ layer: Type.Optional(LayerKeySchema), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false })
const FeaturesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LAYER_IMPORT_LIMITS.previewFeatures })) }, { additionalProperties: false })

const conflict = (detail: string, code: string, extra: Record<string, unknown> = {}) => new HttpProblem(409, 'Conflict', detail, { code, ...extra })
const bad = (en: string, zh: string, extra: Record<string, unknown> = {}) => badRequest(en, { detailZh: zh, ...extra })

/** Roads, waters and reference areas are the whole district's: only a district-level admin replaces them (decision 43). */
function assertMayLoad(layer: LayerKey, scope: Scope) {
  if (!LAYERS[layer].scoped && !isDistrictWide(scope)) {
    throw new HttpProblem(403, 'Forbidden', `${LAYERS[layer].en} belong to the whole district; only a district-level administrator loads them`, {
      code: 'district_scope_required', detailZh: `${LAYERS[layer].zh}属于全区，只有区级管理员可以导入`,
    })
  }
}

interface Job {
  promise: Promise<unknown>
  controller: AbortController
  progress: Progress | null
}

export const layerImportRoutes: FastifyPluginAsyncTypebox<{ db: Db; config: Config }> = async (app, { db, config }) => {
  await app.register(multipart, { limits: { fileSize: config.importMaxBytes, files: 1, fields: 4, fieldSize: 200, parts: 5, headerPairs: 50 } })

  const jobs = new Map<string, Job>()
  const spool = mkdtempSync(join(tmpdir(), 'chaiwei-layer-imports-'))
  app.addHook('onClose', async () => {
    for (const j of jobs.values()) j.controller.abort()
    await Promise.allSettled([...jobs.values()].map((j) => j.promise))
    rmSync(spool, { recursive: true, force: true })
  })

  /** Runs work for an import in the background, one job per import at a time. */
  const start = (id: string, work: (job: Job) => Promise<unknown>) => {
    const job: Job = { promise: Promise.resolve(), controller: new AbortController(), progress: null }
    job.promise = work(job)
      .catch((err: unknown) => app.log.error({ err, importId: id }, 'layer import job failed'))
      .finally(() => jobs.delete(id))
    jobs.set(id, job)
    return job
  }
  const control = (job: Job) => ({ signal: job.controller.signal, progress: (p: Progress) => { job.progress = p } })

  /** Reads (or re-reads) the file; resolves once the file was recognised or refused. */
  const read = (imp: LayerImportRow): Promise<ReadOutcome> =>
    new Promise((resolve) => {
      start(imp.id, (job) => readLayerImport(db, imp, control(job), resolve).finally(() => resolve(null)))
    })

  const load = async (id: string, userId: number): Promise<LayerImportRow> => {
    const imp = await getLayerImport(db, id, userId)
    if (!imp) throw notFound(`no layer import ${id} of yours`)
    if ((imp.state === 'reading' || imp.state === 'committing') && !jobs.has(id) && Date.now() - Date.parse(imp.updated_at) > 10 * 60_000) {
      await updateLayerImport(db, id, { state: 'failed', phase: null, error: { code: 'interrupted', message: '处理被中断（服务重启），请重新上传', messageEn: 'interrupted (the server restarted); upload again' } })
      return (await getLayerImport(db, id, userId))!
    }
    return imp
  }
  const view = async (id: string, userId: number) => layerImportView(db, await reloadLayerImport(db, id, userId), jobs.get(id)?.progress ?? undefined)

  const removeExpired = async () => {
    for (const old of await expiredLayerImports(db, LAYER_IMPORT_LIMITS.expiryHours)) {
      if (jobs.has(old.id)) continue
      removeUpload(old.file_path)
      await clearLayerStaged(db, old.id)
      await updateLayerImport(db, old.id, { state: 'cancelled', file_path: null })
    }
  }

  app.post(
    '/api/layer-imports',
    {
      config: { access: { roles: LOADERS } },
      schema: {
        tags: ['onboarding'],
        summary: 'Upload a reference layer (admin units, parcels, buildings, roads, ring roads, waters, reference areas, permits) into staging',
        description: `multipart/form-data: layer (${LAYER_KEYS.join(' | ')}), optional crs (${SUPPORTED_CRS_TEXT}) and encoding (UTF-8 | GBK), then file (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ, CSV with WKT). 202 while reading in the background (poll GET). See docs/api-onboarding.md.`,
        consumes: ['multipart/form-data'],
        body: multipartBody({
          layer: { description: LAYER_KEYS.join(' | ') },
          crs: { description: `optional: ${SUPPORTED_CRS_TEXT}` },
          encoding: { description: 'optional: UTF-8 | GBK' },
          file: { description: 'the layer file (last part)', binary: true },
        }),
        response: { 202: LayerImportView },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      await removeExpired()
      const { fileName, filePath, bytes, fields } = await spoolUpload(request, spool, { maxBytes: config.importMaxBytes, fields: ['layer', 'crs', 'encoding'] })
      let layer: LayerKey
      let crs: string | null
      let encoding: string | null
      try {
        if (!fields.layer) throw bad(`no layer: say which layer the file is (${LAYER_KEYS.join(', ')})`, '请注明图层（layer）', { field: 'layer', code: 'layer_required' })
        if (!isLayerKey(fields.layer)) throw bad(`layer ${fields.layer} is unknown; use one of ${LAYER_KEYS.join(', ')}`, `图层“${fields.layer}”无法识别`, { field: 'layer', code: 'unknown_layer' })
        layer = fields.layer
        crs = crsParam(fields.crs)
        encoding = encodingParam(fields.encoding)
        assertMayLoad(layer, scope)
      } catch (err) {
        removeUpload(filePath)
        throw err
      }
      const id = randomUUID()
      await createLayerImport(db, { id, userId: user.id, scope, layer, fileName, filePath, byteSize: bytes, userCrs: crs, userEncoding: encoding })
      const refused = await read((await getLayerImport(db, id, user.id))!)
      if (refused) {
        // refused outright (not a GIS file, FileGDB, unsafe zip …): nothing is kept, the answer says why
        await jobs.get(id)?.promise
        removeUpload(filePath)
        await updateLayerImport(db, id, { state: 'failed', file_path: null })
        if (refused === 'failed') throw new HttpProblem(500, 'Internal Server Error', 'reading the file failed; the server log has the cause')
        throw refused
      }
      return reply.code(202).send(await view(id, user.id))
    },
  )

  app.get(
    '/api/layer-imports/:id',
    { config: { access: { roles: LOADERS } }, schema: { tags: ['onboarding'], summary: 'A layer import: state, progress, fields, mapping, problems, result', params: IdParams, response: { 200: LayerImportView } } },
    async (request) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      return layerImportView(db, imp, jobs.get(imp.id)?.progress ?? undefined)
    },
  )

  app.get(
    '/api/layer-imports/:id/features',
    {
      config: { access: { roles: LOADERS } },
      schema: {
        tags: ['onboarding'],
        summary: `Staged features for the preview map (lon/lat, simplified, at most ${LAYER_IMPORT_LIMITS.previewFeatures})`,
        params: IdParams,
        querystring: FeaturesQuery,
        response: { 200: { description: 'the staged features, problem features first', content: { 'application/geo+json': { schema: LayerPreviewCollection } } } },
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (imp.state !== 'staged') throw conflict(`the import is ${imp.state}; features can be previewed once it is staged`, 'not_staged')
      const rows = await previewLayerFeatures(db, imp.id, request.query.limit ?? LAYER_IMPORT_LIMITS.previewFeatures)
      // The geometries come as GeoJSON text from PostGIS: the document is written here, as text, and
      // sent as it is (the serializer does not touch a string), hence the cast to its declared shape.
      const body = `{"type":"FeatureCollection","features":[${rows
        .map((r) => `{"type":"Feature","properties":${JSON.stringify({ featureNo: r.featureNo, problem: r.problem })},"geometry":${r.geometry}}`)
        .join(',')}]}`
      return reply.type('application/geo+json').header('cache-control', 'private, no-store').send(body as unknown as LayerPreviewCollection)
    },
  )

  app.patch(
    '/api/layer-imports/:id',
    {
      config: { access: { roles: LOADERS } },
      schema: {
        tags: ['onboarding'],
        summary: 'Choose the CRS or encoding (re-reads the file, 202) or the field mapping (re-checks, 200)',
        description: 'A mapping of a large import is re-checked in the background: 202, poll GET.',
        params: IdParams,
        body: PatchBody,
        response: { 200: LayerImportView, 202: LayerImportView },
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (jobs.has(imp.id) || imp.state === 'reading' || imp.state === 'committing') throw conflict(`the import is ${imp.state}; wait until it is staged`, 'busy')
      if (imp.state !== 'staged' && imp.state !== 'needs_crs') throw conflict(`the import is ${imp.state}`, imp.state)
      const body = request.body
      let reread = false
      if (body.crs !== undefined || body.encoding !== undefined) {
        if (!imp.file_path || !existsSync(imp.file_path)) throw conflict('the uploaded file is gone (the server restarted); upload it again', 'upload_gone')
        if (body.crs !== undefined) await updateLayerImport(db, imp.id, { user_crs: crsParam(body.crs) ?? imp.user_crs })
        if (body.encoding !== undefined) await updateLayerImport(db, imp.id, { user_encoding: encodingParam(body.encoding) ?? imp.user_encoding })
        reread = true
      }
      if (body.mapping !== undefined) {
        const merged: LayerMapping = { ...imp.mapping, ...(body.mapping as LayerMapping) }
        const err = mappingError(imp.layer, body.mapping as LayerMapping, imp.fields.map((f) => f.name))
        if (err) throw bad(err, '字段对应有误：' + err, { field: 'mapping', code: 'bad_mapping' })
        await updateLayerImport(db, imp.id, { mapping: merged })
        if (!reread && imp.state === 'staged') {
          const next = { ...imp, mapping: merged }
          const recheck = async (job: Job) => {
            await updateLayerImport(db, imp.id, { state: 'reading', phase: 'checking' })
            try {
              const warnings = await checkStaged(db, next, control(job))
              const kept = imp.warnings.filter((w) => w.code !== 'mapping_incomplete')
              await updateLayerImport(db, imp.id, { state: 'staged', phase: null, warnings: [...kept, ...warnings] })
            } catch (e) {
              await clearLayerStaged(db, imp.id).catch(() => {})
              await updateLayerImport(db, imp.id, e instanceof Cancelled ? { state: 'cancelled', phase: null } : { state: 'failed', phase: null, error: { code: 'check_failed', message: '检查失败，请联系管理员', messageEn: 'checking failed; see the server log' } })
              if (!(e instanceof Cancelled)) throw e
            }
          }
          const job = start(imp.id, recheck)
          if (imp.feature_count <= LAYER_IMPORT_LIMITS.inlineRecheck) {
            await job.promise
            return view(imp.id, user.id)
          }
          return reply.code(202).send(await view(imp.id, user.id))
        }
      }
      if (reread) {
        await updateLayerImport(db, imp.id, { state: 'reading', phase: 'reading' })
        await read((await getLayerImport(db, imp.id, user.id))!)
        return reply.code(202).send(await view(imp.id, user.id))
      }
      return view(imp.id, user.id)
    },
  )

  app.post(
    '/api/layer-imports/:id/commit',
    {
      config: { access: { roles: LOADERS } },
      schema: {
        tags: ['onboarding'],
        summary: 'Write the staged layer (replace or append), all-or-nothing, in the background',
        params: IdParams,
        body: CommitBody,
        response: { 202: LayerImportView },
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (jobs.has(imp.id) || imp.state !== 'staged') throw conflict(`the import is ${imp.state}; only a staged import can be committed`, 'not_staged')
      assertMayLoad(imp.layer, imp.scope_code)
      const { mode, onlyValid = false, presetName } = request.body
      const p = await listLayerProblems(db, imp.id, mode, LAYER_IMPORT_LIMITS.problemsListed)
      if (!onlyValid && p.count > 0) {
        throw bad(`${p.count} features have problems; fix the file or the mapping, or commit with onlyValid`, `${p.count} 个要素有问题：请修正文件或字段对应，或选择只导入无问题的要素`, {
          code: 'import_has_problems', problems: p.problems, problemCount: p.count, problemCounts: p.counts,
        })
      }
      if (p.valid === 0) {
        throw bad('no feature of the file can be written', '文件中没有可以写入的要素', { code: 'nothing_to_import', problems: p.problems, problemCount: p.count, problemCounts: p.counts })
      }
      if (imp.layer === 'admin_units' && mode === 'replace') {
        const { referenced } = await referencedAdminUnits(db, imp.id, imp.scope_code)
        if (referenced.length > 0) {
          throw conflict(`replace would remove admin units that rows still reference: ${referenced.slice(0, 50).join(', ')}`, 'admin_units_referenced', {
            units: referenced, detailZh: `替换会删除仍被地块、建筑、案件或图斑引用的行政区划：${referenced.slice(0, 50).join('、')}`,
          })
        }
      }
      if (presetName) await savePreset(db, { layer: imp.layer, name: presetName, mapping: imp.mapping, userId: user.id })
      await updateLayerImport(db, imp.id, { state: 'committing', phase: 'writing', progress_done: 0, progress_total: imp.feature_count })
      start(imp.id, async (job) => {
        try {
          await commitLayerImport(db, imp, { mode, onlyValid }, control(job))
          removeUpload(imp.file_path)
        } catch (err) {
          if (err instanceof Cancelled) return // the DELETE that cancelled it cleans up
          const error = err instanceof AdminUnitsReferenced
            ? { code: 'admin_units_referenced', message: `仍被引用的行政区划不能删除：${err.codes.join('、')}`, messageEn: err.message, units: err.codes }
            : err instanceof ParcelsAssigned
              ? { code: 'parcels_assigned', message: `${err.count} 项任务指派指向将被替换的地块，请先处理这些指派`, messageEn: err.message }
              : dbRefusal(err)
          if (error.code === 'commit_failed') request.log.error({ err, importId: imp.id }, 'layer commit failed')
          await clearLayerStaged(db, imp.id).catch(() => {})
          await updateLayerImport(db, imp.id, { state: 'failed', phase: null, error })
        }
      })
      return reply.code(202).send(await view(imp.id, user.id))
    },
  )

  app.delete(
    '/api/layer-imports/:id',
    {
      config: { access: { roles: LOADERS } },
      schema: { tags: ['onboarding'], summary: 'Cancel: stop a read or a commit (rolled back), remove staging and the upload', params: IdParams, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const imp = await load(request.params.id, user.id)
      if (imp.state === 'committed') throw conflict('the import was committed already; load the layer again to change it', 'committed')
      const job = jobs.get(imp.id)
      if (job) {
        job.controller.abort()
        await job.promise
      }
      removeUpload(imp.file_path)
      await clearLayerStaged(db, imp.id)
      const now = await getLayerImport(db, imp.id, user.id)
      if (now && now.state !== 'committed') await updateLayerImport(db, imp.id, { state: 'cancelled', phase: null, file_path: null })
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/layer-loads',
    {
      config: { access: { roles: LOADERS } },
      schema: {
        tags: ['onboarding'],
        summary: 'History of committed loads, newest first (append-only)',
        querystring: LayerQuery,
        response: { 200: Type.Object({ loads: Type.Array(LayerLoad) }, { description: 'the loads you see, newest first' }) },
      },
    },
    async (request) => ({ loads: await listLoads(db, principalOf(request).scope, (request.query.layer as LayerKey | undefined) ?? null, request.query.limit ?? 200) }),
  )

  app.get(
    '/api/layer-mapping-presets',
    {
      config: { access: { roles: LOADERS } },
      schema: { tags: ['onboarding'], summary: 'Named field mappings', querystring: LayerQuery, response: { 200: Type.Object({ presets: Type.Array(MappingPreset) }, { description: 'the presets, by layer and name' }) } },
    },
    async (request) => ({ presets: await listPresets(db, (request.query.layer as LayerKey | undefined) ?? null) }),
  )

  app.post(
    '/api/layer-mapping-presets',
    {
      config: { access: { roles: LOADERS } },
      schema: { tags: ['onboarding'], summary: 'Save a named field mapping (same name: replaced)', body: PresetBody, response: { 201: MappingPreset } },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const { name, mapping } = request.body
      const layer = request.body.layer as LayerKey
      const targets = new Set(LAYERS[layer].fields.map((f) => f.key))
      const unknown = Object.keys(mapping).filter((k) => !targets.has(k))
      if (unknown.length > 0) throw bad(`mapping: ${LAYERS[layer].en} have no target ${unknown.join(', ')}`, `字段对应中有未知的目标：${unknown.join('、')}`, { field: 'mapping' })
      return reply.code(201).send(await savePreset(db, { layer, name, mapping: mapping as LayerMapping, userId: user.id }))
    },
  )

  app.get(
    '/api/onboarding/status',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['onboarding'], summary: 'What the district has loaded and what it still lacks', response: { 200: OnboardingStatus } },
    },
    async (request): Promise<OnboardingStatus> => {
      const { scope } = principalOf(request)
      const last = await lastLoads(db, scope)
      const layers: OnboardingStatus['layers'] = []
      for (const layer of LAYER_KEYS) layers.push({ layer, count: await layerCount(db, layer, scope), lastLoad: last.get(layer) ?? null })
      const cases = await caseCounts(db, scope)
      const district = await getDistrict(db)
      return {
        district: district && { code: district.code, name: district.name },
        layers,
        missing: layers.filter((l) => l.count === 0).map((l) => l.layer),
        cases: cases.cases,
        casesPendingLocation: cases.pendingLocation,
      }
    },
  )
}

/** A constraint the database refused the write with, as a sentence (no SQL); anything else is a 500-class failure. */
function dbRefusal(err: unknown): { code: string; message: string; messageEn: string } {
  const e = err as { code?: string; constraint?: string }
  if (typeof e.code === 'string' && e.code.startsWith('23')) {
    return { code: 'write_refused', message: `数据库拒绝写入（约束 ${e.constraint ?? e.code}），未写入任何数据`, messageEn: `the database refused the write (constraint ${e.constraint ?? e.code}); nothing was written` }
  }
  return { code: 'commit_failed', message: '写入失败，未写入任何数据，请联系管理员', messageEn: 'the commit failed and was rolled back; see the server log' }
}
