// The patch (卫片图斑) API: the filtered list, one patch with its screening (ETag = version),
// lifecycle actions (assign, verify, reopen; If-Match), re-screening, history, assignable users.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { CHANGE_TYPES, DETECTION_ACTIONS, DETECTION_RESULTS, DETECTION_STATUSES, FALSE_CHANGE_CAUSES } from '../domain/detection-lifecycle.ts'
import { DETECTION_SORT_KEYS, SCREENING_FLAGS, type DetectionSortKey } from '../domain/detection-types.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { listParam } from '../http/list-param.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { CaseInputError } from '../repos/cases.repo.ts'
import { screenDetection } from '../repos/detection-screening.repo.ts'
import {
  actOnDetection, assignableUsers, detectionHistory, detectionInScope, getDetection, listDetections, VERIFIER_ROLES,
} from '../repos/detections.repo.ts'
import { IdParams } from '../schemas/common.schema.ts'
import { Assignees, DetectionHistory, DetectionList, DetectionRecord, Screening, type DetectionScreening } from '../schemas/detections.schema.ts'

/** Withdrawing a recorded result is the office's call, not the field team's. */
const REOPENERS: readonly Role[] = ['admin', 'planner']

const isScreened = (s: DetectionScreening): s is Screening => 'screenedAt' in s

const ListQuery = Type.Object(
  {
    batch: Type.Optional(Type.Integer({ minimum: 1 })),
    admin: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })),
    status: Type.Optional(Type.String({ description: `comma-separated: ${DETECTION_STATUSES.join(', ')}` })),
    result: Type.Optional(Type.String({ description: `comma-separated: ${DETECTION_RESULTS.join(', ')}` })),
    changeType: Type.Optional(Type.String({ description: `comma-separated: ${CHANGE_TYPES.join(', ')}` })),
    flags: Type.Optional(Type.String({ description: `comma-separated screening flags, all must be set: ${SCREENING_FLAGS.join(', ')}` })),
    overdue: Type.Optional(Type.Boolean()),
    assignee: Type.Optional(Type.String({ description: "a user id, or 'me'" })),
    bbox: Type.Optional(Type.String({ description: 'w,s,e,n in lon/lat' })),
    sort: Type.Optional(Type.String({ description: `${DETECTION_SORT_KEYS.join(', ')}; prefix - for descending`, default: 'patch_no' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
)

const ActionBody = Type.Object(
  {
    action: Type.Enum(DETECTION_ACTIONS),
    at: Type.Optional(Type.String({ format: 'date-time' })),
    assigneeId: Type.Optional(Type.Integer({ minimum: 1 })),
    dueAt: Type.Optional(Type.String({ format: 'date-time' })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    result: Type.Optional(Type.Enum(DETECTION_RESULTS)),
    permitRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    cause: Type.Optional(Type.Enum(FALSE_CHANGE_CAUSES)),
    caseId: Type.Optional(Type.Integer({ minimum: 1 })),
    newCase: Type.Optional(
      Type.Object(
        {
          use: Type.Enum(['residential', 'storage', 'commercial', 'office', 'other']),
          floors: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
          locationText: Type.Optional(Type.String({ maxLength: 500 })),
          newConstruction: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    noPhotoReason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
)

export const detectionRoutes: FastifyPluginAsyncTypebox<{ db: Db; config: Config }> = async (app, { db, config }) => {
  const maxM = config.verifyPhotoMaxM

  app.get(
    '/api/detections',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'Patches: filter (batch, status, result, screening flags, overdue …), sort, page; counts of the selection', querystring: ListQuery, response: { 200: DetectionList } } },
    async (request) => {
      const q = request.query
      const { user, scope } = principalOf(request)
      const sortKey = (q.sort ?? 'patch_no').replace(/^-/, '')
      if (!(DETECTION_SORT_KEYS as readonly string[]).includes(sortKey)) throw badRequest(`sort: ${sortKey} is not one of ${DETECTION_SORT_KEYS.join(', ')}`, { field: 'sort' })
      checkAdminInScope(q.admin, scope)
      let bbox: [number, number, number, number] | undefined
      if (q.bbox) {
        const b = q.bbox.split(',').map(Number)
        if (b.length !== 4 || b.some((v) => !Number.isFinite(v)) || b[0]! >= b[2]! || b[1]! >= b[3]!) throw badRequest('bbox must be w,s,e,n with w < e and s < n', { field: 'bbox' })
        bbox = b as [number, number, number, number]
      }
      let assignee: number | undefined
      if (q.assignee !== undefined) {
        assignee = q.assignee === 'me' ? user.id : Number(q.assignee)
        if (!Number.isInteger(assignee) || assignee < 1) throw badRequest("assignee must be a user id or 'me'", { field: 'assignee' })
      }
      return listDetections(db, {
        scope,
        ...(q.batch !== undefined ? { batchId: q.batch } : {}),
        ...(q.admin ? { admin: q.admin } : {}),
        status: listParam('status', q.status, DETECTION_STATUSES),
        result: listParam('result', q.result, DETECTION_RESULTS),
        changeType: listParam('changeType', q.changeType, CHANGE_TYPES),
        flags: listParam('flags', q.flags, SCREENING_FLAGS),
        ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
        ...(assignee !== undefined ? { assignee } : {}),
        ...(bbox ? { bbox } : {}),
        sort: sortKey as DetectionSortKey,
        descending: (q.sort ?? '').startsWith('-'),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      })
    },
  )

  app.get(
    '/api/detections/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'One patch with its screening, assignment and allowed actions; ETag = version', params: IdParams, response: { 200: DetectionRecord } } },
    async (request, reply) => {
      const d = await getDetection(db, request.params.id, principalOf(request).scope, maxM)
      if (!d) throw notFound(`no patch ${request.params.id}`)
      return reply.header('etag', etagOf(d.version)).send(d)
    },
  )

  app.post(
    '/api/detections/:id/actions',
    {
      config: { access: { roles: VERIFIER_ROLES } },
      schema: { tags: ['patches'], summary: 'Assign, verify (violation / legal / false change) or reopen a patch; needs If-Match', params: IdParams, body: ActionBody, response: { 200: DetectionRecord } },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const body = request.body
      if (body.action === 'reopen' && !REOPENERS.includes(user.role)) {
        throw new HttpProblem(403, 'Forbidden', `withdrawing a recorded result needs the role ${REOPENERS.join(' or ')}; you are ${user.role}`)
      }
      const version = ifMatchVersion(request.headers['if-match'], 'patch')
      try {
        const d = await actOnDetection(db, request.params.id, { id: user.id, scope }, version, body, maxM)
        if (!d) throw notFound(`no patch ${request.params.id}`)
        return reply.header('etag', etagOf(d.version)).send(d)
      } catch (err) {
        // the case a violation opens is described in newCase: name that field
        if (err instanceof CaseInputError) throw badRequest(`the case could not be opened: ${err.message}`, { field: 'newCase' })
        throw err
      }
    },
  )

  app.post(
    '/api/detections/:id/screen',
    {
      config: { access: { roles: VERIFIER_ROLES } },
      schema: { tags: ['patches'], summary: 'Screen the patch again against current cases, parcels, permits and zones; answers the screening', params: IdParams, response: { 200: Screening } },
    },
    async (request) => {
      const { scope } = principalOf(request)
      if (!(await detectionInScope(db, request.params.id, scope))) throw notFound(`no patch ${request.params.id}`)
      await screenDetection(db, request.params.id)
      const screening = (await getDetection(db, request.params.id, scope, maxM))?.screening
      if (!screening || !isScreened(screening)) throw notFound(`no patch ${request.params.id}`)
      return screening
    },
  )

  app.get(
    '/api/detections/:id/history',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'Every change to the patch, oldest first (全程留痕)', params: IdParams, response: { 200: DetectionHistory } } },
    async (request) => {
      if (!(await detectionInScope(db, request.params.id, principalOf(request).scope))) throw notFound(`no patch ${request.params.id}`)
      return { history: await detectionHistory(db, request.params.id) }
    },
  )

  app.get(
    '/api/detections/:id/assignees',
    { config: { access: { roles: VERIFIER_ROLES } }, schema: { tags: ['patches'], summary: 'Users who may be sent to verify the patch (their area covers it)', params: IdParams, response: { 200: Assignees } } },
    async (request) => {
      const d = await getDetection(db, request.params.id, principalOf(request).scope, maxM)
      if (!d) throw notFound(`no patch ${request.params.id}`)
      return { users: await assignableUsers(db, d.adminCode) }
    },
  )
}
