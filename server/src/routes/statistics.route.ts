// Statistics of the ledger (grouped tables, JSON or XLSX), any-area statistics, and key villages.
// Every signed-in role reads, within their scope.
import ExcelJS from 'exceljs'
import type { FastifyReply } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox, type Static, type TSchema } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { CASE_STATUSES } from '../domain/case-lifecycle.ts'
import { CASE_SOURCES, CASE_USES, OWNERSHIPS } from '../domain/case-types.ts'
import { READERS } from '../domain/roles.ts'
import {
  compareKeys, DISPOSAL_LABELS, FIGURE_LABELS, GROUP_KEY_LABELS, LAND_CLASS_LABELS, missingLabel, OVERLAPPING_KEYS, parseGroupBy, rowShares,
  SHARED_FIGURES, totalShares, type GroupKey,
} from '../domain/statistics.ts'
import { principalOf } from '../http/access.ts'
import { binary } from '../http/contract.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { listParam } from '../http/list-param.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { OWNERSHIP, SOURCES, STATUSES, USES } from '../imports/ledger-template.ts'
import { activeRuleSetId, bufferZoneExists, getRuleSet } from '../repos/buffer-zones.repo.ts'
import { keyVillages } from '../repos/key-villages.repo.ts'
import { areaStatistics, keyNames, ledgerStatistics } from '../repos/statistics.repo.ts'
import { getZone } from '../repos/zones.repo.ts'
import type { Scope } from '../domain/scope.ts'
import {
  AreaBody, AreaFormatQuery, AreaStatistics, FormatParam, KeyVillageList, StatisticsTable,
  type Figures, type GroupKeyValues, type KeyVillage, type MeasuredArea,
} from '../schemas/planning.schema.ts'

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A 200 that is JSON, or with format=xlsx the same as a workbook: both media types declared. */
export function jsonOrXlsx<T extends TSchema>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema }, ...binary(XLSX_TYPE, `${description} as a workbook (format=xlsx)`).content } }
}

/** Sends a workbook as a download: an ASCII file name, and the Chinese one for browsers that read it. */
export function sendWorkbook(reply: FastifyReply, workbook: Buffer, asciiName: string, name: string) {
  return reply
    .header('content-disposition', `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .type(XLSX_TYPE)
    .send(workbook)
}
const DISPOSALS = Object.keys(DISPOSAL_LABELS)
const ADMIN = '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'

const StatisticsQuery = Type.Object(
  {
    groupBy: Type.Optional(Type.String({ description: 'up to 2 of district, town, village, zone, bufferZone, use, ownership, source, disposal, status, month, quarter, year' })),
    from: Type.Optional(Type.String({ format: 'date', description: 'Beijing date, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'Beijing date, inclusive' })),
    admin: Type.Optional(Type.String({ pattern: ADMIN })),
    zone: Type.Optional(Type.Integer({ minimum: 1 })),
    bufferZone: Type.Optional(Type.Integer({ minimum: 1 })),
    ruleSet: Type.Optional(Type.Integer({ minimum: 1 })),
    status: Type.Optional(Type.String()),
    use: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    ownership: Type.Optional(Type.String()),
    disposal: Type.Optional(Type.String()),
    format: Type.Optional(FormatParam),
  },
  { additionalProperties: false },
)

const periodLabel = (key: GroupKey, v: string) =>
  key === 'month' ? `${v.slice(0, 4)}年${v.slice(5)}月` : key === 'quarter' ? `${v.slice(0, 4)}年第${v.slice(6)}季度` : `${v}年`

async function labelRows(db: Db, keys: readonly GroupKey[], rows: { key: GroupKeyValues }[]) {
  const values = (k: GroupKey) => [...new Set(rows.map((r) => r.key[k]).filter((v): v is string | number => v !== null && v !== undefined))]
  const names: Partial<Record<GroupKey, Map<string, string>>> = {}
  for (const k of keys) {
    if (k === 'district' || k === 'town' || k === 'village') names[k] = await keyNames(db, 'admin', values(k))
    if (k === 'zone' || k === 'bufferZone') names[k] = await keyNames(db, k, values(k))
  }
  const dictionaries: Partial<Record<GroupKey, Readonly<Record<string, string>>>> = {
    use: USES.label, ownership: OWNERSHIP.label, source: SOURCES.label, status: STATUSES.label, disposal: DISPOSAL_LABELS,
  }
  return (key: GroupKey, v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return missingLabel(key)
    if (key === 'month' || key === 'quarter' || key === 'year') return periodLabel(key, String(v))
    return names[key]?.get(String(v)) ?? dictionaries[key]?.[String(v)] ?? String(v)
  }
}

export async function statisticsTable(db: Db, scope: Scope, q: Static<typeof StatisticsQuery>): Promise<StatisticsTable> {
  const keys = parseGroupBy(q.groupBy)
  if (q.from && q.to && q.from > q.to) throw badRequest(`from ${q.from} is after to ${q.to}`, { field: 'to' })
  checkAdminInScope(q.admin, scope)
  if (q.zone !== undefined && !(await getZone(db, q.zone, scope, false))) throw notFound(`no zone ${q.zone} in your area`)
  if (q.bufferZone !== undefined && !(await bufferZoneExists(db, q.bufferZone))) throw notFound(`no buffer zone ${q.bufferZone}`)
  let ruleSetId: number | null = null
  if (q.ruleSet !== undefined) {
    if (!(await getRuleSet(db, q.ruleSet))) throw notFound(`no buffer rule set ${q.ruleSet}`)
    ruleSetId = q.ruleSet
  } else {
    ruleSetId = await activeRuleSetId(db)
    if (keys.includes('bufferZone') && ruleSetId === null) {
      throw new HttpProblem(409, 'Conflict', 'no buffer rule set is active; activate one or name it with ruleSet', { field: 'ruleSet' })
    }
  }
  const filter = {
    scope,
    ...(q.admin ? { admin: q.admin } : {}),
    ...(q.zone !== undefined ? { zone: q.zone } : {}),
    ...(q.bufferZone !== undefined ? { bufferZone: q.bufferZone } : {}),
    ...(ruleSetId !== null ? { ruleSetId } : {}),
    status: listParam('status', q.status, CASE_STATUSES),
    use: listParam('use', q.use, CASE_USES),
    source: listParam('source', q.source, CASE_SOURCES),
    ownership: listParam('ownership', q.ownership, OWNERSHIPS),
    disposal: listParam('disposal', q.disposal, DISPOSALS),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
  }
  const { rows, totals } = await ledgerStatistics(db, keys, filter)
  rows.sort((a, b) => compareKeys(keys.map((k) => a.key[k] ?? null), keys.map((k) => b.key[k] ?? null)))
  const overlapping = keys.some((k) => OVERLAPPING_KEYS.includes(k))
  const shares = rowShares(rows.map((r) => r.figures), totals, overlapping)
  const label = await labelRows(db, keys, rows)
  return {
    groupBy: keys,
    from: q.from ?? null,
    to: q.to ?? null,
    ruleSetId,
    overlapping,
    rows: rows.map((r, i) => ({ key: r.key, label: Object.fromEntries(keys.map((k) => [k, label(k, r.key[k])])), ...r.figures, shares: shares[i]! })),
    totals: { ...totals, shares: totalShares(totals) },
  }
}

const FIGURE_COLUMNS = Object.keys(FIGURE_LABELS) as (keyof Figures)[]

/** The table as a workbook: Chinese headers, one row per group, shares in %, a 合计 row. */
export async function statisticsXlsx(t: StatisticsTable): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const ws = wb.addWorksheet('统计')
  const header = [
    ...t.groupBy.map((k) => GROUP_KEY_LABELS[k]),
    ...FIGURE_COLUMNS.map((f) => FIGURE_LABELS[f]),
    ...SHARED_FIGURES.map((f) => `${FIGURE_LABELS[f].replace(/（.*）$/, '')}占比（%）`),
  ]
  ws.addRow(header).font = { bold: true }
  for (const r of t.rows) {
    ws.addRow([...t.groupBy.map((k) => r.label[k] ?? ''), ...FIGURE_COLUMNS.map((f) => r[f]), ...SHARED_FIGURES.map((f) => r.shares[f])])
  }
  const totals = ws.addRow([
    ...(t.groupBy.length ? ['合计', ...t.groupBy.slice(1).map(() => '')] : []),
    ...FIGURE_COLUMNS.map((f) => t.totals[f]),
    ...SHARED_FIGURES.map((f) => t.totals.shares[f]),
  ])
  totals.font = { bold: true }
  const areaCols = FIGURE_COLUMNS.map((f, i) => ({ f, col: t.groupBy.length + i + 1 })).filter(({ f }) => !/count/i.test(f))
  for (const { col } of areaCols) ws.getColumn(col).numFmt = '#,##0.00'
  ws.columns.forEach((c) => (c.width = 14))
  ws.views = [{ state: 'frozen', ySplit: 1, xSplit: t.groupBy.length }]
  if (t.overlapping) ws.addRow(['注：一处违建位于多个区域时在每个区域各计一次，合计按处计一次。'])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** The key-village list as a workbook: one row per village, its reasons joined. */
export async function keyVillagesXlsx(items: readonly KeyVillage[], threshold: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const ws = wb.addWorksheet('重点村')
  ws.addRow(['村社区代码', '村社区', '镇街', '户籍人口', '流动人口', '违建数（处）', '面积（平方公里）', `违建密度（处/平方公里，阈值${threshold}）`, '已认定重点村', '原因']).font = { bold: true }
  for (const v of items) {
    ws.addRow([v.code, v.name, v.townName, v.registeredPopulation, v.floatingPopulation, v.caseCount, v.areaKm2, v.caseDensityPerKm2, v.designated ? '是' : '否', v.reasons.map((r) => r.detail).join('；')])
  }
  ws.columns.forEach((c) => (c.width = 14))
  ws.getColumn(10).width = 60
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** The figures inside an area (a drawing or a zone) as a workbook: one sheet, a section per kind. */
export async function areaStatisticsXlsx(s: AreaStatistics, title: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const ws = wb.addWorksheet('范围内统计')
  ws.addRow([title]).font = { bold: true, size: 13 }
  ws.addRow(['范围面积（㎡）', s.areaM2])
  const section = (name: string, header: string[]) => {
    ws.addRow([])
    ws.addRow([name]).font = { bold: true }
    ws.addRow(header).font = { bold: true }
  }
  section('违法建设（与范围相交的整处计入）', ['指标', '数值'])
  for (const [f, v] of Object.entries(s.cases)) ws.addRow([FIGURE_LABELS[f as keyof Figures], v])
  section('宗地（按地类，面积裁剪到范围内）', ['地类', '宗地数', '范围内面积（㎡）'])
  for (const p of s.parcels.byLandClass) ws.addRow([p.label, p.count, p.clippedAreaM2])
  ws.addRow(['合计', s.parcels.count, s.parcels.clippedAreaM2]).font = { bold: true }
  section('建筑', ['建筑数', '基底面积（㎡）', '范围内基底面积（㎡）'])
  ws.addRow([s.buildings.count, s.buildings.footprintM2, s.buildings.clippedFootprintM2])
  section('缓冲区（面积裁剪到范围内）', ['缓冲区', '范围内面积（㎡）'])
  for (const b of s.bufferZones) ws.addRow([b.name, b.clippedAreaM2])
  section('卫片图斑', ['图斑数'])
  ws.addRow([s.detections.count])
  ws.getColumn(1).width = 34
  for (const c of [2, 3]) {
    ws.getColumn(c).width = 18
    ws.getColumn(c).numFmt = '#,##0.00'
  }
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** Sends area statistics as JSON, or as a workbook with format=xlsx. */
export async function sendAreaStatistics(reply: FastifyReply, s: MeasuredArea, format: 'json' | 'xlsx' | undefined, title: string) {
  const labelled = labelledArea(s)
  if (format !== 'xlsx') return reply.send(labelled)
  return sendWorkbook(reply, await areaStatisticsXlsx(labelled, title), 'area-statistics.xlsx', `${title}.xlsx`)
}

export function labelledArea(s: MeasuredArea): AreaStatistics {
  return { ...s, parcels: { ...s.parcels, byLandClass: s.parcels.byLandClass.map((p) => ({ ...p, label: LAND_CLASS_LABELS[p.landClass] ?? p.landClass })) } }
}

export const statisticsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/statistics',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Ledger statistics grouped by up to two keys, with shares and totals; format=xlsx for a workbook (docs/api-analysis.md)',
        querystring: StatisticsQuery,
        response: { 200: jsonOrXlsx(StatisticsTable, 'the statistics table') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const table = await statisticsTable(db, scope, request.query)
      if (request.query.format !== 'xlsx') return table
      const name = `违法建设统计${table.groupBy.length ? `_${table.groupBy.map((k) => GROUP_KEY_LABELS[k]).join('_')}` : ''}.xlsx`
      return sendWorkbook(reply, await statisticsXlsx(table), 'statistics.xlsx', name)
    },
  )

  app.post(
    '/api/statistics/area',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: 'Figures inside any drawn polygon (≤ 50 km², ≤ 5,000 vertices); format=xlsx for a workbook',
        body: AreaBody,
        querystring: AreaFormatQuery,
        response: { 200: jsonOrXlsx(AreaStatistics, 'the figures inside the drawn area') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const s = await areaStatistics(db, request.body.geometry, scope)
      return sendAreaStatistics(reply, s, request.query.format, '绘制范围内统计')
    },
  )

  app.get(
    '/api/key-villages',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['analysis'],
        summary: '重点村: villages meeting a criterion (倒挂, floating population > 1000, case density), with the reasons',
        querystring: Type.Object(
          {
            densityThreshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, default: 5, description: 'cases per km²' })),
            town: Type.Optional(Type.String({ pattern: '^[0-9]{9}$' })),
            format: Type.Optional(FormatParam),
          },
          { additionalProperties: false },
        ),
        response: { 200: jsonOrXlsx(KeyVillageList, 'the key villages') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const threshold = request.query.densityThreshold ?? 5
      const town = request.query.town
      checkAdminInScope(town, scope, 'town')
      const items = await keyVillages(db, scope, threshold, town)
      if (request.query.format !== 'xlsx') return { densityThreshold: threshold, items }
      return sendWorkbook(reply, await keyVillagesXlsx(items, threshold), 'key-villages.xlsx', '重点村.xlsx')
    },
  )
}
