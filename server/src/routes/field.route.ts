// 外业 field work: teams, assignments (planners give cases, patches and parcels to a person or a
// team), and a field user's own tasks. docs/field.md.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { DISPATCHER_ROLES } from '../domain/field-work.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { notFound } from '../http/problem.ts'
import { assign, editAssignment, fieldWorkers, getAssignment, listAssignments, myTasks } from '../repos/assignments.repo.ts'
import { createTeam, editTeam, getTeam, listTeams, teamsOf } from '../repos/teams.repo.ts'
import { IdParams } from '../schemas/common.schema.ts'
import {
  AssignBody, Assignment, AssignmentList, AssignmentPatchBody, AssignmentQuery, AssignResult, FieldUsers, NewTeamBody, TaskList, TaskQuery, Team, TeamList, TeamPatchBody,
} from '../schemas/field.schema.ts'

export const fieldRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/teams',
    { config: { access: { roles: READERS } }, schema: { tags: ['field'], summary: 'Teams working in your area (and those you are in), with members and open/overdue work', response: { 200: TeamList } } },
    async (request) => {
      const { user, scope } = principalOf(request)
      return { items: await listTeams(db, scope, user.id) }
    },
  )

  app.post(
    '/api/teams',
    { config: { access: { roles: DISPATCHER_ROLES } }, schema: { tags: ['field'], summary: 'Form a team: name, kind, area, leader and members (field workers whose scope covers the area)', body: NewTeamBody, response: { 201: Team } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const team = await createTeam(db, request.body, scope, user.id)
      return reply.code(201).header('etag', etagOf(team.version)).header('location', `/api/teams/${team.id}`).send(team)
    },
  )

  app.get(
    '/api/teams/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['field'], summary: 'One team; ETag = version', params: IdParams, response: { 200: Team } } },
    async (request, reply) => {
      const team = await getTeam(db, request.params.id, principalOf(request).scope)
      if (!team) throw notFound(`no team ${request.params.id} in your area`)
      return reply.header('etag', etagOf(team.version)).send(team)
    },
  )

  app.patch(
    '/api/teams/:id',
    { config: { access: { roles: DISPATCHER_ROLES } }, schema: { tags: ['field'], summary: 'Rename a team, change its kind, area, leader or members (If-Match)', params: IdParams, body: TeamPatchBody, response: { 200: Team } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'team')
      const team = await editTeam(db, request.params.id, request.body, scope, version, user.id)
      if (!team) throw notFound(`no team ${request.params.id} in your area`)
      return reply.header('etag', etagOf(team.version)).send(team)
    },
  )

  app.get(
    '/api/field-workers',
    {
      config: { access: { roles: DISPATCHER_ROLES } },
      schema: {
        tags: ['field'], summary: 'People field work in an area may go to',
        querystring: Type.Object({ admin: Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' }) }, { additionalProperties: false }),
        response: { 200: FieldUsers },
      },
    },
    async (request) => {
      const { scope } = principalOf(request)
      checkAdminInScope(request.query.admin, scope)
      return { items: await fieldWorkers(db, request.query.admin.startsWith(scope) ? request.query.admin : scope) }
    },
  )

  app.get(
    '/api/assignments',
    { config: { access: { roles: READERS } }, schema: { tags: ['field'], summary: 'Assignments in your area: open first, by due time', querystring: AssignmentQuery, response: { 200: AssignmentList } } },
    async (request) => {
      const { scope } = principalOf(request)
      checkAdminInScope(request.query.admin, scope)
      return listAssignments(db, request.query, scope)
    },
  )

  app.post(
    '/api/assignments',
    {
      config: { access: { roles: DISPATCHER_ROLES } },
      schema: {
        tags: ['field'],
        summary: 'Give cases, patches or parcels (by ids, a zone or a village) to a person or a team, with a due time and a note',
        body: AssignBody,
        response: { 200: AssignResult },
      },
    },
    async (request) => {
      const { user, scope } = principalOf(request)
      if (request.body.village) checkAdminInScope(request.body.village, scope, 'village')
      return assign(db, request.body, scope, user.id)
    },
  )

  app.get(
    '/api/assignments/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['field'], summary: 'One assignment; ETag = version', params: IdParams, response: { 200: Assignment } } },
    async (request, reply) => {
      const a = await getAssignment(db, request.params.id, principalOf(request).scope)
      if (!a) throw notFound(`no assignment ${request.params.id} in your area`)
      return reply.header('etag', etagOf(a.version)).send(a)
    },
  )

  app.patch(
    '/api/assignments/:id',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['field'], summary: 'Reassign, change the due time or note (planners), or mark done (the assignee too) (If-Match)', params: IdParams, body: AssignmentPatchBody, response: { 200: Assignment } },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'assignment')
      const current = await getAssignment(db, request.params.id, scope)
      if (!current) throw notFound(`no assignment ${request.params.id} in your area`)
      if (!DISPATCHER_ROLES.includes(user.role)) {
        // A field user closes their own work as done; everything else is the planners'.
        const onlyDone = Object.keys(request.body).length === 1 && request.body.status === 'done'
        const theirs = current.assignee?.id === user.id || (current.team !== null && (await teamsOf(db, user.id)).includes(current.team.id))
        if (!onlyDone || !theirs) throw notFound(`no assignment ${request.params.id} of yours to change`)
      }
      const a = await editAssignment(db, request.params.id, request.body, scope, version, user.id)
      if (!a) throw notFound(`no assignment ${request.params.id} in your area`)
      return reply.header('etag', etagOf(a.version)).send(a)
    },
  )

  app.get(
    '/api/my/tasks',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['field'], summary: "Your open tasks (yours and your teams'), by deadline or by distance from where you stand", querystring: TaskQuery, response: { 200: TaskList } },
    },
    async (request) => {
      const { user, scope } = principalOf(request)
      return { items: await myTasks(db, user.id, scope, request.query) }
    },
  )
}
