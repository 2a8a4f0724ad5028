// The ledger's case API: create, read (with ETag), lifecycle transitions (If-Match), history.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { CASE_ACTIONS, DEMOLITION_KINDS, REUSES } from '../domain/case-lifecycle.ts'
import { PERSONAL_DATA_ROLES, READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { caseSelectionOf, CaseSelectionFields } from '../http/case-selection.ts'
import { badRequest, notFound } from '../http/problem.ts'
import {
  CASE_FLAGS, CASE_SORTS, CASE_SOURCES, CASE_USES, caseHistory, createCase, editCase, getCase, listCases, OWNERSHIPS, reinspectCase, transitionCase, type CaseSort,
} from '../repos/cases.repo.ts'
import { CaseHistory, CaseList, CaseRecord, InspectionResult, Parties } from '../schemas/cases.schema.ts'
import { IdParams } from '../schemas/common.schema.ts'

/** Who records cases and moves them on: the field teams and the planners' office. */
const CASE_WRITERS: readonly Role[] = ['admin', 'planner', 'field']

const NewCaseBody = Type.Object(
  {
    geometry: Type.Object({ type: Type.String(), coordinates: Type.Any() }, { description: 'GeoJSON Point, Polygon or MultiPolygon in lon/lat' }),
    use: Type.Enum(CASE_USES),
    source: Type.Enum(CASE_SOURCES),
    foundAt: Type.String({ format: 'date-time' }),
    ownership: Type.Optional(Type.Enum(OWNERSHIPS)),
    locationText: Type.Optional(Type.String({ maxLength: 500 })),
    buildingForm: Type.Optional(Type.String({ maxLength: 100 })),
    floors: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    landAreaRecordedM2: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    floorAreaRecordedM2: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000 })),
    flags: Type.Optional(Type.Array(Type.Enum(CASE_FLAGS), { uniqueItems: true })),
    newConstruction: Type.Optional(Type.Boolean()),
    parties: Type.Optional(Parties),
    adminCode: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
    adminOverrideReason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

const TransitionBody = Type.Object(
  {
    action: Type.Enum(CASE_ACTIONS),
    at: Type.String({ format: 'date-time' }),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    deadline: Type.Optional(Type.String({ format: 'date' })),
    disposal: Type.Optional(Type.Enum(DEMOLITION_KINDS)),
    demolishedLandAreaM2: Type.Optional(Type.Number()),
    demolishedFloorAreaM2: Type.Optional(Type.Number()),
    reuse: Type.Optional(Type.Enum(REUSES)),
    regreenedAreaM2: Type.Optional(Type.Number()),
    permitRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)

/** "a,b" -> ['a', 'b'], each checked against the allowed values. */
const ListQuery = Type.Object(
  {
    ...CaseSelectionFields,
    sort: Type.Optional(Type.String({ description: `${Object.keys(CASE_SORTS).join(', ')}; prefix - for descending`, default: '-found_at' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    locate: Type.Optional(Type.Integer({ minimum: 1, description: 'a case id: return the page that holds it (offset is then ignored when it is in the selection)' })),
  },
  { additionalProperties: false },
)

const EditBody = Type.Object(
  {
    locationText: Type.Optional(Type.String({ maxLength: 500 })),
    use: Type.Optional(Type.Enum(CASE_USES)),
    ownership: Type.Optional(Type.Union([Type.Enum(OWNERSHIPS), Type.Null()])),
    buildingForm: Type.Optional(Type.String({ maxLength: 100 })),
    floors: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    landAreaRecordedM2: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }), Type.Null()])),
    floorAreaRecordedM2: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000 }), Type.Null()])),
    flags: Type.Optional(Type.Array(Type.Enum(CASE_FLAGS), { uniqueItems: true })),
    newConstruction: Type.Optional(Type.Boolean()),
    reachedAt: Type.Optional(Type.String({ format: 'date-time', description: 'first arrival on site: stops the 1-hour clock' })),
    parties: Type.Optional(Parties),
    geometry: Type.Optional(
      Type.Object({ type: Type.String(), coordinates: Type.Any() }, {
        description: 'GeoJSON Point, Polygon or MultiPolygon in lon/lat, in the case\'s village: moves the site; locates a 待定位 case (clears locationPending)',
      }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const caseRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/cases',
    { config: { access: { roles: READERS } }, schema: { tags: ['ledger'], summary: 'The ledger: filter, sort, page; totals of the whole selection', querystring: ListQuery, response: { 200: CaseList } } },
    async (request) => {
      const q = request.query
      const sortKey = (q.sort ?? '-found_at').replace(/^-/, '')
      if (!(sortKey in CASE_SORTS)) throw badRequest(`sort: ${sortKey} is not one of ${Object.keys(CASE_SORTS).join(', ')}`)
      return listCases(db, {
        ...caseSelectionOf(q, principalOf(request).scope),
        sort: sortKey as CaseSort,
        descending: (q.sort ?? '-found_at').startsWith('-'),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
        ...(q.locate ? { locate: q.locate } : {}),
      })
    },
  )

  app.get(
    '/api/cases/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['ledger'], summary: 'One case with its allowed actions and clocks; ETag = version', params: IdParams, response: { 200: CaseRecord } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const c = await getCase(db, request.params.id, scope, new Date(), PERSONAL_DATA_ROLES.includes(user.role))
      if (!c) throw notFound(`no case ${request.params.id}`)
      return reply.header('etag', etagOf(c.version)).send(c)
    },
  )

  app.post(
    '/api/cases',
    { config: { access: { roles: CASE_WRITERS } }, schema: { tags: ['ledger'], summary: 'Record a new case (排查认定)', body: NewCaseBody, response: { 201: CaseRecord } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const c = await createCase(db, request.body, user.id, scope)
      return reply.code(201).header('etag', etagOf(c.version)).header('location', `/api/cases/${c.id}`).send(c)
    },
  )

  app.post(
    '/api/cases/:id/transitions',
    {
      config: { access: { roles: CASE_WRITERS } },
      schema: { tags: ['ledger'], summary: 'Move a case on in its lifecycle; needs If-Match', params: IdParams, body: TransitionBody, response: { 200: CaseRecord } },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'case')
      const c = await transitionCase(db, request.params.id, scope, version, request.body, user.id)
      if (!c) throw notFound(`no case ${request.params.id}`)
      return reply.header('etag', etagOf(c.version)).send(c)
    },
  )

  app.patch(
    '/api/cases/:id',
    { config: { access: { roles: CASE_WRITERS } }, schema: { tags: ['ledger'], summary: 'Edit attributes; needs If-Match; traced with before and after', params: IdParams, body: EditBody, response: { 200: CaseRecord } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'case')
      const c = await editCase(db, request.params.id, scope, version, request.body, user.id)
      if (!c) throw notFound(`no case ${request.params.id}`)
      return reply.header('etag', etagOf(c.version)).send(c)
    },
  )

  app.post(
    '/api/cases/:id/inspections',
    {
      config: { access: { roles: CASE_WRITERS } },
      schema: {
        tags: ['ledger'],
        summary: 'Re-inspect a closed case (回头看); a rebound opens a new linked case',
        params: IdParams,
        body: Type.Object(
          { at: Type.String({ format: 'date-time' }), result: Type.Enum(['clean', 'rebound']), note: Type.Optional(Type.String({ maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: { 201: InspectionResult },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const r = await reinspectCase(db, request.params.id, scope, request.body, user.id)
      if (!r) throw notFound(`no case ${request.params.id}`)
      return reply.code(201).send(r)
    },
  )

  app.get(
    '/api/cases/:id/history',
    { config: { access: { roles: READERS } }, schema: { tags: ['ledger'], summary: 'Every change to the case, oldest first (全程留痕)', params: IdParams, response: { 200: CaseHistory } } },
    async (request) => {
      const { user, scope } = principalOf(request)
      const c = await getCase(db, request.params.id, scope)
      if (!c) throw notFound(`no case ${request.params.id}`)
      return { history: await caseHistory(db, c.id, PERSONAL_DATA_ROLES.includes(user.role)) }
    },
  )
}
