// 年度目标: annual targets per admin unit with progress, carry-over, milestones and burn-down.
// Every signed-in role reads within their scope; admin and planner set targets.
import ExcelJS from 'exceljs'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { burndown } from '../domain/targets.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { etagOf, etagVersion } from '../http/etag.ts'
import { HttpProblem, notFound } from '../http/problem.ts'
import { getTarget, putTarget, targetDaily, targetHistory, targetsOfYear } from '../repos/targets.repo.ts'
import { StaleVersionError } from '../repos/stale-version.ts'
import { holds } from '../domain/scope.ts'
import { beijingToday } from '../domain/beijing-clock.ts'
import { Burndown, ChangeHistory, FormatParam, TargetBody, TargetList, TargetView } from '../schemas/planning.schema.ts'
import { jsonOrXlsx, sendWorkbook } from './statistics.route.ts'

const PLANNERS: readonly Role[] = ['admin', 'planner']
const ADMIN = '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'
const Year = Type.Integer({ minimum: 2000, maximum: 2100 })

const TargetParams = Type.Object({ adminCode: Type.String({ pattern: ADMIN }), year: Year })

const FIGURE_NAMES = { demolishedArea: '拆除面积（㎡）', casesClosed: '销账（处）', regreenedArea: '覆绿面积（㎡）' } as const

/** The year's targets as a workbook: per figure the target, carried in, achieved, progress %. */
export async function targetsXlsx(year: number, items: readonly TargetView[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const ws = wb.addWorksheet(`${year}年度目标`)
  const figures = Object.keys(FIGURE_NAMES) as (keyof typeof FIGURE_NAMES)[]
  ws.addRow(['区划代码', '名称', ...figures.flatMap((f) => [`${FIGURE_NAMES[f]}目标`, `${FIGURE_NAMES[f]}上年结转`, `${FIGURE_NAMES[f]}完成`, `${FIGURE_NAMES[f]}完成率（%）`])]).font = { bold: true }
  for (const t of items) {
    ws.addRow([t.adminCode, t.name, ...figures.flatMap((f) => [t.target[f], t.carriedIn[f], t.achieved[f], t.progress[f]])])
  }
  ws.columns.forEach((c) => (c.width = 14))
  ws.views = [{ state: 'frozen', ySplit: 1, xSplit: 2 }]
  return Buffer.from(await wb.xlsx.writeBuffer())
}

export const targetRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/targets',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Targets of a year in your area with achievement, carry-over, progress and milestones',
        querystring: Type.Object(
          { year: Year, admin: Type.Optional(Type.String({ pattern: ADMIN })), format: Type.Optional(FormatParam) },
          { additionalProperties: false },
        ),
        response: { 200: jsonOrXlsx(TargetList, 'the year’s targets') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const { year, admin } = request.query
      checkAdminInScope(admin, scope)
      const items = await targetsOfYear(db, scope, year, admin)
      if (items.length === 0) throw notFound(`no targets for ${year}${admin ? ` under ${admin}` : ''} in your area`)
      if (request.query.format !== 'xlsx') return { year, items }
      return sendWorkbook(reply, await targetsXlsx(year, items), `targets-${year}.xlsx`, `${year}年度目标.xlsx`)
    },
  )

  app.get(
    '/api/targets/burndown',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Remaining work of a target day by day or week by week, with the straight-line ideal',
        querystring: Type.Object(
          { admin: Type.Optional(Type.String({ pattern: ADMIN })), year: Year, step: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week')])) },
          { additionalProperties: false },
        ),
        response: { 200: Burndown },
      },
    },
    async (request) => {
      const { scope } = principalOf(request)
      const adminCode = request.query.admin ?? scope
      const { year } = request.query
      const step = request.query.step ?? 'week'
      const found = await targetDaily(db, scope, adminCode, year)
      if (!found) throw notFound(`no target for ${adminCode} in ${year} in your area`)
      const series = burndown(year, found.carried.target, found.carried.carriedIn, found.daily, beijingToday(), step)
      const body: Burndown = { adminCode, year, step, target: found.carried.target, carriedIn: found.carried.carriedIn, series }
      return body
    },
  )

  app.get(
    '/api/targets/:adminCode/:year',
    { config: { access: { roles: READERS } }, schema: { tags: ['analysis'], summary: 'One target; ETag = version', params: TargetParams, response: { 200: TargetView } } },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const t = await getTarget(db, scope, request.params.adminCode, request.params.year)
      if (!t) throw notFound(`no target for ${request.params.adminCode} in ${request.params.year}`)
      return reply.header('etag', etagOf(t.version)).send(t)
    },
  )

  app.put(
    '/api/targets/:adminCode/:year',
    {
      config: { access: { roles: PLANNERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Set a target: creates it (no If-Match) or replaces it (If-Match)',
        params: TargetParams,
        body: TargetBody,
        response: { 200: TargetView, 201: TargetView },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const { adminCode, year } = request.params
      if (!holds(scope, adminCode)) throw notFound(`no admin unit ${adminCode} in your area`)
      const header = request.headers['if-match']
      const version = header ? etagVersion(header, 'target') : undefined
      let outcome
      try {
        outcome = await putTarget(db, adminCode, year, request.body, version, user.id)
      } catch (err) {
        // a target exists and the caller sent no If-Match: they must name the version they replace
        if (err instanceof StaleVersionError && version === undefined) {
          throw new HttpProblem(428, 'Precondition Required', `a target for ${adminCode} in ${year} exists; send If-Match with its ETag to replace it`, { currentVersion: err.current })
        }
        throw err
      }
      if (outcome === null) throw notFound(`no admin unit ${adminCode}`)
      const t = (await getTarget(db, scope, adminCode, year))!
      return reply.code(outcome === 'created' ? 201 : 200).header('etag', etagOf(t.version)).send(t)
    },
  )

  app.get(
    '/api/targets/:adminCode/:year/history',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['analysis'], summary: 'Every change to a target, oldest first', params: TargetParams, response: { 200: ChangeHistory } },
    },
    async (request) => {
      const { scope } = principalOf(request)
      const { adminCode, year } = request.params
      if (!holds(scope, adminCode)) throw notFound(`no target for ${adminCode} in ${year}`)
      const history = await targetHistory(db, adminCode, year)
      if (history.length === 0) throw notFound(`no target for ${adminCode} in ${year}`)
      return { history }
    },
  )
}
