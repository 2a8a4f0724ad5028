// 四道六边 / ring-band rule sets and the buffer zones PostGIS computes from them; which zones a
// case, patch or building lies in. Admin and planner make and activate rule sets.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { checkRules, ROAD_CLASSES, SIDE_KINDS } from '../domain/buffer-rules.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { requireDistrictScope } from '../http/admin-param.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import {
  activateRuleSet, activeRuleSetId, createRuleSet, getRuleSet, listBufferZones, listRuleSets, membershipsOf, missingRings, type MemberKind,
} from '../repos/buffer-zones.repo.ts'
import { IdParams } from '../schemas/common.schema.ts'
import { BufferMemberships, BufferZoneList, RuleSet, RuleSetList } from '../schemas/planning.schema.ts'

const PLANNERS: readonly Role[] = ['admin', 'planner']
const Width = Type.Number({ description: 'metres, > 0 and ≤ 5000' })

const RuleSetBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    rules: Type.Object(
      {
        roads: Type.Optional(Type.Record(Type.String(), Width, { description: `widths by road class: ${ROAD_CLASSES.join(', ')}` })),
        sides: Type.Optional(Type.Record(Type.String(), Width, { description: `widths by side: ${SIDE_KINDS.join(', ')}` })),
        ringBands: Type.Optional(Type.Array(Type.Object({ ringNo: Type.Integer(), widthM: Width }, { additionalProperties: false }), { maxItems: 9 })),
      },
      { additionalProperties: false },
    ),
    activate: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const bufferRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/buffer-rule-sets',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['analysis'], summary: 'Buffer rule sets (fixed versions), newest first', response: { 200: RuleSetList } },
    },
    async () => ({ items: await listRuleSets(db) }),
  )

  app.post(
    '/api/buffer-rule-sets',
    {
      config: { access: { roles: PLANNERS } },
      schema: {
        tags: ['analysis'],
        summary: 'A new rule set version; its zones are computed at once; activate: true makes it the active one',
        body: RuleSetBody,
        response: { 201: RuleSet },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      requireDistrictScope(scope, 'buffer rule sets')
      const stored = checkRules({ roads: request.body.rules.roads ?? {}, sides: request.body.rules.sides ?? {}, ringBands: request.body.rules.ringBands ?? [] })
      const missing = await missingRings(db, stored)
      if (missing.length) {
        const i = stored.ring_bands.findIndex((b) => b.ring_no === missing[0])
        throw badRequest(`there is no ring road number ${missing.join(', ')} in the reference data`, { field: `rules.ringBands[${i}].ringNo` })
      }
      const id = await createRuleSet(db, request.body.name, stored, request.body.activate ?? false, user.id)
      const set = await getRuleSet(db, id)
      if (!set) throw notFound(`no buffer rule set ${id}`)
      return reply.code(201).header('location', `/api/buffer-rule-sets/${id}`).send(set)
    },
  )

  app.post(
    '/api/buffer-rule-sets/:id/activate',
    {
      config: { access: { roles: PLANNERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Make a rule set the active one (its zones are recomputed from today’s reference data)',
        params: IdParams,
        response: { 200: RuleSet },
      },
    },
    async (request) => {
      requireDistrictScope(principalOf(request).scope, 'buffer rule sets')
      const set = (await activateRuleSet(db, request.params.id)) ? await getRuleSet(db, request.params.id) : null
      if (!set) throw notFound(`no buffer rule set ${request.params.id}`)
      return set
    },
  )

  app.get(
    '/api/buffer-zones',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Buffer zones of the active (or a given) rule set',
        querystring: Type.Object(
          { ruleSet: Type.Optional(Type.Integer({ minimum: 1 })), geometry: Type.Optional(Type.Boolean({ default: true })) },
          { additionalProperties: false },
        ),
        response: { 200: BufferZoneList },
      },
    },
    async (request) => {
      const ruleSetId = request.query.ruleSet ?? (await activeRuleSetId(db))
      if (ruleSetId === null) throw new HttpProblem(409, 'Conflict', 'no buffer rule set is active; activate one or name it with ruleSet', { field: 'ruleSet' })
      if (!(await getRuleSet(db, ruleSetId))) throw notFound(`no buffer rule set ${ruleSetId}`)
      return { ruleSetId, items: await listBufferZones(db, ruleSetId, request.query.geometry ?? true) }
    },
  )

  app.get(
    '/api/buffer-zones/memberships',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'The buffer zones a case, patch or building lies in (give exactly one of case, detection, building)',
        querystring: Type.Object(
          {
            case: Type.Optional(Type.Integer({ minimum: 1 })),
            detection: Type.Optional(Type.Integer({ minimum: 1 })),
            building: Type.Optional(Type.Integer({ minimum: 1 })),
            ruleSet: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: BufferMemberships },
      },
    },
    async (request) => {
      const { scope } = principalOf(request)
      const q = request.query
      const given = (['case', 'detection', 'building'] as const).filter((k) => q[k] !== undefined)
      if (given.length !== 1) throw badRequest('give exactly one of case, detection, building', { field: 'case' })
      const kind: MemberKind = given[0]!
      const ruleSetId = q.ruleSet ?? (await activeRuleSetId(db))
      if (ruleSetId === null) throw new HttpProblem(409, 'Conflict', 'no buffer rule set is active; activate one or name it with ruleSet', { field: 'ruleSet' })
      if (!(await getRuleSet(db, ruleSetId))) throw notFound(`no buffer rule set ${ruleSetId}`)
      const items = await membershipsOf(db, kind, q[kind]!, scope, ruleSetId)
      if (items === null) throw notFound(`no ${kind} ${q[kind]}`)
      return { ruleSetId, items }
    },
  )
}
