// 自建房安全排查 (docs/survey.md): house files, their measures and lifecycle, the worklist of houses
// not yet surveyed, the figures, and the survey workbook in and out.
import multipart from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Db } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'
import { surveyFieldProblem } from '../domain/house-survey.ts'
import { PERSONAL_DATA_ROLES, READERS, type Role } from '../domain/roles.ts'
import type { Scope } from '../domain/scope.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { binary, multipartBody } from '../http/contract.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { changedFields, readSurveyWorkbook, surveyWorkbook } from '../imports/survey-workbook.ts'
import {
  addMeasure, createSurvey, editSurvey, finishMeasure, getSurvey, listSurveys, openCaseFromSurvey, resolveSurvey, surveyHistory, surveyStatistics, worklist,
} from '../repos/surveys.repo.ts'
import { HistoryEntry, IdParams } from '../schemas/common.schema.ts'
import {
  MeasureParams, NewMeasureBody, NewSurveyBody, Survey, SurveyCaseBody, SurveyImportResult, SurveyList, SurveyPatchBody, SurveyQuery, SurveyStatistics,
  SurveyStatisticsQuery, Worklist, WorklistQuery, type NewSurveyBody as NewSurvey, type SurveyImportResult as ImportResult,
} from '../schemas/surveys.schema.ts'

/** Who keeps the files: the surveyors in the field and the offices. */
export const SURVEYORS: readonly Role[] = ['admin', 'planner', 'field']
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const MAX_WORKBOOK_BYTES = 20 * 1024 * 1024

export const surveyRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  await app.register(multipart, { limits: { fileSize: MAX_WORKBOOK_BYTES, files: 1, fields: 2 } })
  const readers = { access: { roles: READERS } }
  const writers = { access: { roles: SURVEYORS } }
  const withOwner = (request: FastifyRequest) => PERSONAL_DATA_ROLES.includes(principalOf(request).user.role)

  /** The file as the caller may see it, with its ETag; 404 outside their area. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, id: number, scope: Scope) => {
    const s = await getSurvey(db, id, scope, withOwner(request))
    if (!s) throw notFound(`no house file ${id}`)
    reply.header('etag', etagOf(s.version))
    return s
  }
  /** A versioned write; false from the repo means the file is not in the caller's area. */
  const written = (ok: boolean, id: number) => {
    if (!ok) throw notFound(`no house file ${id}`)
  }
  /** A write under If-Match of the file in the URL, answered with the file as it now is. */
  const fileWrite = async (request: FastifyRequest, reply: FastifyReply, id: number, run: (w: { scope: Scope; userId: number; version: number }) => Promise<boolean>) => {
    const { user, scope } = principalOf(request)
    written(await run({ scope, userId: user.id, version: ifMatchVersion(request.headers['if-match'], 'house file') }), id)
    return answer(request, reply, id, scope)
  }

  app.get('/api/surveys', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'House files in your area, by village; filter by status, hazard, grade or overdue measures', querystring: SurveyQuery, response: { 200: SurveyList } },
  }, async (request) => {
    const { scope } = principalOf(request)
    const q = request.query
    checkAdminInScope(q.adminCode, scope)
    return listSurveys(db, { scope, adminCode: q.adminCode, status: q.status, hazard: q.hazard, grade: q.grade, overdue: q.overdue, limit: q.limit ?? 200, offset: q.offset ?? 0 }, withOwner(request))
  })

  app.post('/api/surveys', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'Open the file of a house: from a footprint (buildingId) or a point; one file per building', body: NewSurveyBody, response: { 201: Survey } },
  }, async (request, reply) => {
    const { user, scope } = principalOf(request)
    const id = await createSurvey(db, request.body, scope, user.id)
    reply.code(201)
    return answer(request, reply, id, scope)
  })

  app.get('/api/surveys/worklist', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'Self-built houses of an area without a file yet (3+ floors, rented and business first)', querystring: WorklistQuery, response: { 200: Worklist } },
  }, async (request) => {
    const { scope } = principalOf(request)
    checkAdminInScope(request.query.adminCode, scope)
    return worklist(db, scope, request.query.adminCode, request.query.limit ?? 500)
  })

  app.get('/api/surveys/statistics', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'Survey figures by town, village, grade, hazard or use (houses checked, 3+ floors, business, without licence, without appraisal, C/D, hazards, overdue measures)', querystring: SurveyStatisticsQuery, response: { 200: SurveyStatistics } },
  }, async (request) => {
    const { scope } = principalOf(request)
    checkAdminInScope(request.query.adminCode, scope)
    return surveyStatistics(db, scope, request.query.by ?? 'village', request.query.adminCode)
  })

  app.get('/api/surveys/template.xlsx', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'The empty survey workbook (自建房排查台账) with its value lists', response: { 200: binary(XLSX, 'the workbook') } },
  }, async (_request, reply) => reply.type(XLSX).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent('自建房排查台账模板.xlsx')}`).send((await surveyWorkbook([])) as unknown as string))

  app.get('/api/surveys/export.xlsx', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'The house files of your area (or of adminCode) as the survey workbook; owners only for the roles that handle personal data', querystring: Type.Object({ adminCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })) }), response: { 200: binary(XLSX, 'the workbook') } },
  }, async (request, reply) => {
    const { scope } = principalOf(request)
    checkAdminInScope(request.query.adminCode, scope)
    const files = await listSurveys(db, { scope, adminCode: request.query.adminCode, limit: 100_000, offset: 0 }, withOwner(request))
    return reply.type(XLSX).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent('自建房排查台账.xlsx')}`).send((await surveyWorkbook(files.items)) as unknown as string)
  })

  app.post('/api/surveys/import', {
    config: writers,
    schema: {
      tags: ['surveys'],
      summary: 'Read a survey workbook: rows without 档案编号 open files, rows with one update that file; all or nothing',
      consumes: ['multipart/form-data'],
      body: multipartBody({ file: { description: 'the workbook (.xlsx)', binary: true } }),
      response: { 200: SurveyImportResult },
    },
  }, async (request): Promise<ImportResult> => {
    const { user, scope } = principalOf(request)
    const part = await request.file()
    if (!part) throw badRequest('send the workbook as multipart/form-data (part file)')
    const { rows, problems } = await readSurveyWorkbook(await part.toBuffer())
    const result: ImportResult = { created: 0, updated: 0, unchanged: 0, problems }
    // check every row before writing any
    const plans: ({ kind: 'create'; body: NewSurvey } | { kind: 'update'; id: number; version: number; patch: Record<string, unknown> } | { kind: 'same' })[] = []
    for (const r of rows) {
      if (r.id !== null) {
        const current = await getSurvey(db, r.id, scope, withOwner(request))
        if (!current) {
          problems.push({ row: r.row, field: 'id', message: `no house file ${r.id} in your area`, messageZh: `您的辖区内没有档案 ${r.id}` })
          continue
        }
        const patch = changedFields(current, r.values)
        const fault = surveyFieldProblem({ ...current, ...patch } as Parameters<typeof surveyFieldProblem>[0])
        if (fault) {
          problems.push({ row: r.row, field: fault.field, message: fault.message, messageZh: fault.zh })
          continue
        }
        plans.push(Object.keys(patch).length ? { kind: 'update', id: r.id, version: current.version, patch } : { kind: 'same' })
      } else {
        const { point, ...values } = r.values as Record<string, unknown> & { point?: [number, number] }
        const fault = surveyFieldProblem(values as Parameters<typeof surveyFieldProblem>[0])
        if (fault) {
          problems.push({ row: r.row, field: fault.field, message: fault.message, messageZh: fault.zh })
          continue
        }
        if (!r.buildingId && !point) {
          problems.push({ row: r.row, field: 'buildingId', message: 'give 建筑编号 or 经度 and 纬度', messageZh: '须填写建筑编号，或经度和纬度' })
          continue
        }
        plans.push({ kind: 'create', body: { ...(values as Omit<NewSurvey, 'buildingId' | 'point'>), ...(r.buildingId ? { buildingId: r.buildingId } : point ? { point } : {}) } })
      }
    }
    if (problems.length) return result
    try {
      for (const p of plans) {
        if (p.kind === 'same') result.unchanged++
        else if (p.kind === 'update') {
          written(await editSurvey(db, p.id, scope, p.version, p.patch as never, user.id), p.id)
          result.updated++
        } else {
          await createSurvey(db, p.body, scope, user.id)
          result.created++
        }
      }
    } catch (err) {
      if (err instanceof Refusal) throw new Refusal(err.kind, `a row was refused after ${result.created + result.updated} were written: ${err.message}`, { zh: err.zh, field: err.field, code: err.code })
      throw err
    }
    return result
  })

  app.get('/api/surveys/:id', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'One house file with its measures (ETag)', params: IdParams, response: { 200: Survey } },
  }, async (request, reply) => answer(request, reply, request.params.id, principalOf(request).scope))

  app.patch('/api/surveys/:id', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'Change the file (If-Match)', params: IdParams, body: SurveyPatchBody, response: { 200: Survey } },
  }, async (request, reply) => fileWrite(request, reply, request.params.id, (w) => editSurvey(db, request.params.id, w.scope, w.version, request.body, w.userId)))

  app.post('/api/surveys/:id/measures', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'A measure against the hazard with its deadline (stop use, evacuate, monitor, repair, reinforce, demolish); the file is being rectified (If-Match)', params: IdParams, body: NewMeasureBody, response: { 200: Survey } },
  }, async (request, reply) => fileWrite(request, reply, request.params.id, (w) => addMeasure(db, request.params.id, w.scope, w.version, request.body, w.userId)))

  app.post('/api/surveys/:id/measures/:measureId/done', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'A measure is done (If-Match of the file)', params: MeasureParams, response: { 200: Survey } },
  }, async (request, reply) => fileWrite(request, reply, request.params.id, (w) => finishMeasure(db, request.params.id, request.params.measureId, w.scope, w.version, w.userId)))

  app.post('/api/surveys/:id/resolve', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'The hazard is removed (every measure done): the file is resolved (销号) (If-Match)', params: IdParams, response: { 200: Survey } },
  }, async (request, reply) => fileWrite(request, reply, request.params.id, (w) => resolveSurvey(db, request.params.id, w.scope, w.version, w.userId)))

  app.post('/api/surveys/:id/case', {
    config: writers,
    schema: { tags: ['surveys'], summary: 'A violation found during the survey: open a ledger case at the house, linked to its file (If-Match)', params: IdParams, body: SurveyCaseBody, response: { 200: Survey } },
  }, async (request, reply) => fileWrite(request, reply, request.params.id, (w) => openCaseFromSurvey(db, request.params.id, w.scope, w.version, request.body, w.userId)))

  app.get('/api/surveys/:id/history', {
    config: readers,
    schema: { tags: ['surveys'], summary: 'Every step of the file (全程留痕)', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Type.Omit(HistoryEntry, ['reason'])) }, { description: 'the file’s history, oldest first' }) } },
  }, async (request) => {
    if (!(await getSurvey(db, request.params.id, principalOf(request).scope, false))) throw notFound(`no house file ${request.params.id}`)
    return { items: await surveyHistory(db, request.params.id) }
  })
}
