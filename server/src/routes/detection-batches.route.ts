// Detection batches: the list with counts, one batch (ETag), edits of name / deadline / imagery
// (If-Match), the dashboard per town and village, and the export of the results in the format the
// batch came in (or XLSX).
import ExcelJS from 'exceljs'
import type { Feature } from 'geojson'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { EXPORT_FORMATS, type ExportFormat } from '../domain/detection-types.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { binary } from '../http/contract.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { badRequest, forbidden, notFound } from '../http/problem.ts'
import { writeCsvWkt, writeGeoJson, writeGeoPackage, writeKml, writeShapefileZip } from '../imports/formats/writers.ts'
import {
  batchDashboard, batchWithinScope, batchExportRows, editBatch, getBatch, listBatches, type ExportRow,
} from '../repos/detection-batches.repo.ts'
import { screenBatch } from '../repos/detection-screening.repo.ts'
import type { Scope } from '../domain/scope.ts'
import { IdParams } from '../schemas/common.schema.ts'
import { BatchDashboard, BatchEditBody, BatchList, BatchScreening, BatchSummary, type BatchImagery } from '../schemas/detections.schema.ts'

const BATCH_EDITORS: readonly Role[] = ['admin', 'planner']

// The words the results are written back in (the issuers read Chinese).
const STATUS_ZH: Record<string, string> = { pending: '未核查', assigned: '核查中', verified: '已核查' }
const RESULT_ZH: Record<string, string> = { violation: '违法建设', legal: '合法', false_change: '伪变化' }
const CAUSE_ZH: Record<string, string> = {
  shadow: '阴影', vegetation: '植被变化', temporary_structure: '临时构筑物', misregistration: '影像配准误差', cloud: '云层遮挡',
  greenhouse_film: '大棚覆膜', water: '水体变化', farming: '农业耕作', other: '其他',
}
const CHANGE_ZH: Record<string, string> = { new_building: '新增建筑', extension: '扩建', land_cleared: '推填土', other: '其他' }
const FLAG_ZH: Record<string, string> = {
  duplicate: '疑似重复', rebound: '疑似反弹', farmland: '占用耕地', basic_farmland: '占用基本农田', permitted: '有许可建筑', buffer_zone: '四道六边', key_village: '重点村',
}

/** The verification written back beside the issuer's own attributes (short keys fit a .dbf). */
function resultAttributes(r: ExportRow): Record<string, string | number | null> {
  return {
    HCZT: STATUS_ZH[r.status] ?? r.status,
    HCJG: r.result ? (RESULT_ZH[r.result] ?? r.result) : null,
    WBHYY: r.resultReason ? (CAUSE_ZH[r.resultReason] ?? r.resultReason) : null,
    XKZH: r.permitRef,
    HCSJ: r.verifiedAt,
    HCR: r.verifiedBy,
    AJBH: r.caseNo,
    ZPSL: r.photos,
    WZPYY: r.noPhotoReason,
    SCBZ: r.flags.map((f) => FLAG_ZH[f] ?? f).join('、') || null,
    BZ: r.resultNote,
  }
}

const features = (rows: ExportRow[]): Feature[] =>
  rows.map((r) => ({
    type: 'Feature',
    geometry: r.geometry as Feature['geometry'],
    properties: { ...r.source, TBBH: (r.source.TBBH as string | undefined) ?? r.patchNo, ...resultAttributes(r) },
  }))

const COUNT_COLUMNS = [
  ['total', '图斑数'], ['verified', '已核查'], ['violation', '违法建设'], ['legal', '合法'], ['falseChange', '伪变化'],
  ['pending', '未核查'], ['assigned', '核查中'], ['overdue', '逾期未核查'], ['verificationRate', '核查率'], ['falseChangeRate', '伪变化率'],
] as const

async function writeXlsx(rows: ExportRow[], dash: BatchDashboard): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const sheet = wb.addWorksheet('核查结果', { views: [{ state: 'frozen', ySplit: 1 }] })
  const sourceKeys = [...new Set(rows.flatMap((r) => Object.keys(r.source)))].filter((k) => !['TBBH'].includes(k))
  sheet.columns = [
    { header: '图斑编号', key: 'patchNo', width: 20 },
    { header: '镇街', key: 'town', width: 14 },
    { header: '村社区', key: 'village', width: 14 },
    { header: '变化类型', key: 'changeType', width: 10 },
    { header: '面积（㎡）', key: 'area', width: 11, style: { numFmt: '#,##0.00' } },
    { header: '核查状态', key: 'HCZT', width: 9 },
    { header: '核查结果', key: 'HCJG', width: 10 },
    { header: '伪变化原因', key: 'WBHYY', width: 12 },
    { header: '许可证号', key: 'XKZH', width: 28 },
    { header: '核查时间', key: 'HCSJ', width: 17 },
    { header: '核查人', key: 'HCR', width: 12 },
    { header: '案件编号', key: 'AJBH', width: 24 },
    { header: '照片数', key: 'ZPSL', width: 7 },
    { header: '无照片原因', key: 'WZPYY', width: 16 },
    { header: '筛查', key: 'SCBZ', width: 24 },
    { header: '备注', key: 'BZ', width: 20 },
    ...sourceKeys.map((k) => ({ header: k, key: `src:${k}`, width: 12 })),
  ]
  sheet.getRow(1).font = { bold: true }
  for (const r of rows) {
    sheet.addRow({
      patchNo: r.patchNo, town: r.townName, village: r.adminName, changeType: CHANGE_ZH[r.changeType] ?? r.changeType, area: r.areaM2,
      ...resultAttributes(r),
      ...Object.fromEntries(sourceKeys.map((k) => [`src:${k}`, r.source[k] as string | number | null])),
    })
  }
  const stats = wb.addWorksheet('统计')
  stats.columns = [{ header: '镇街', key: 'name', width: 16 }, ...COUNT_COLUMNS.map(([key, header]) => ({ header, key, width: 11 }))]
  stats.getRow(1).font = { bold: true }
  for (const t of [...dash.towns, { ...dash.totals, name: '合计', code: '' }]) {
    const row = stats.addRow(t)
    if (t.code === '') row.font = { bold: true }
  }
  stats.getColumn('verificationRate').numFmt = '0.0%'
  stats.getColumn('falseChangeRate').numFmt = '0.0%'
  return Buffer.from(await wb.xlsx.writeBuffer())
}

const FORMAT_FILES: Record<ExportFormat, { ext: string; type: string }> = {
  geojson: { ext: 'geojson', type: 'application/geo+json' },
  gpkg: { ext: 'gpkg', type: 'application/geopackage+sqlite3' },
  shapefile: { ext: 'zip', type: 'application/zip' },
  kml: { ext: 'kml', type: 'application/vnd.google-earth.kml+xml' },
  csv: { ext: 'csv', type: 'text/csv; charset=utf-8' },
  xlsx: { ext: 'xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
}

/** The export's answer: one file, in the media type of the format asked for. */
const ExportFile = {
  description: 'the results as a file (Content-Disposition: attachment)',
  content: Object.assign({}, ...EXPORT_FORMATS.map((f) => binary(FORMAT_FILES[f].type.split(';')[0]!, `the ${f} file`).content)) as Record<string, unknown>,
}

/** A URL template must carry the tile placeholders of its type, or the map cannot use it. */
function checkImagery(imagery: BatchImagery) {
  for (const side of ['before', 'after'] as const) {
    const s = imagery[side]
    if (!s) continue
    if (s.type === 'xyz' && !/\{z\}/.test(s.url)) throw badRequest(`imagery.${side}.url: an XYZ template needs {z}, {x} and {y}`, { field: 'imagery' })
    if (s.type === 'wmts' && !/\{TileMatrix\}/i.test(s.url)) throw badRequest(`imagery.${side}.url: a WMTS template needs {TileMatrix}, {TileRow} and {TileCol}`, { field: 'imagery' })
  }
}

export const detectionBatchRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/detection-batches',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'Batches with patches in your area, newest first, with counts', response: { 200: BatchList } } },
    async (request) => ({ batches: await listBatches(db, principalOf(request).scope) }),
  )

  app.get(
    '/api/detection-batches/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'One batch with its imagery and counts; ETag = version', params: IdParams, response: { 200: BatchSummary } } },
    async (request, reply) => {
      const b = await getBatch(db, request.params.id, principalOf(request).scope)
      if (!b) throw notFound(`no batch ${request.params.id}`)
      return reply.header('etag', etagOf(b.version)).send(b)
    },
  )

  /** A batch is a district-wide setting of all its patches: only a user whose area holds every one edits or re-screens it (decision 43). */
  const requireWholeBatch = async (id: number, scope: Scope) => {
    if (!(await batchWithinScope(db, id, scope))) throw forbidden('the batch has patches outside your area; a user whose area holds the whole batch edits it')
  }

  app.post(
    '/api/detection-batches/:id/screen',
    {
      config: { access: { roles: BATCH_EDITORS } },
      schema: { tags: ['patches'], summary: 'Screen every patch of the batch again (after cases, parcels or buffer zones changed); 202, runs in the background in slices; 403 for a user whose area does not hold the whole batch', params: IdParams, response: { 202: BatchScreening } },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const b = await getBatch(db, request.params.id, scope)
      if (!b) throw notFound(`no batch ${request.params.id}`)
      await requireWholeBatch(b.id, scope)
      void screenBatch(db, b.id)
        .then((r) => request.log.info({ batchId: b.id, screened: r.screened }, 'batch screened again'))
        .catch((err: unknown) => request.log.warn({ err, batchId: b.id }, 'screening the batch again failed'))
      return reply.code(202).send({ batchId: b.id, screening: 'running' as const })
    },
  )

  app.patch(
    '/api/detection-batches/:id',
    { config: { access: { roles: BATCH_EDITORS } }, schema: { tags: ['patches'], summary: 'Edit name, deadline or before/after imagery; needs If-Match', params: IdParams, body: BatchEditBody, response: { 200: BatchSummary } } },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      if (!(await getBatch(db, request.params.id, scope))) throw notFound(`no batch ${request.params.id}`)
      await requireWholeBatch(request.params.id, scope)
      if (request.body.imagery) checkImagery(request.body.imagery)
      const version = ifMatchVersion(request.headers['if-match'], 'batch')
      const b = await editBatch(db, request.params.id, scope, version, request.body, user.id)
      if (!b) throw notFound(`no batch ${request.params.id}`)
      return reply.header('etag', etagOf(b.version)).send(b)
    },
  )

  app.get(
    '/api/detection-batches/:id/dashboard',
    { config: { access: { roles: READERS } }, schema: { tags: ['patches'], summary: 'Counts by result, verification and false-change rates, overdue: totals, per town, per village', params: IdParams, response: { 200: BatchDashboard } } },
    async (request) => {
      const d = await batchDashboard(db, request.params.id, principalOf(request).scope)
      if (!d) throw notFound(`no batch ${request.params.id}`)
      return d
    },
  )

  app.get(
    '/api/detection-batches/:id/export',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['patches'],
        summary: 'The verification results: the format the batch came in (default), or geojson, gpkg, shapefile, kml, csv, xlsx',
        params: IdParams,
        querystring: Type.Object({ format: Type.Optional(Type.Enum(EXPORT_FORMATS)) }, { additionalProperties: false }),
        response: { 200: ExportFile },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const batch = await getBatch(db, request.params.id, scope)
      if (!batch) throw notFound(`no batch ${request.params.id}`)
      const format: ExportFormat =
        request.query.format ?? ((EXPORT_FORMATS as readonly string[]).includes(batch.sourceFormat ?? '') ? (batch.sourceFormat as ExportFormat) : 'geojson')
      const rows = await batchExportRows(db, batch.id, scope)
      // Back in the CRS it came in, where a writer can write it (KML is always WGS84).
      const crs = batch.sourceCrs && /^(EPSG:\d+|GCJ-02)$/.test(batch.sourceCrs) ? batch.sourceCrs : 'EPSG:4326'
      const opts = { layerName: batch.name, crs }
      let bytes: Buffer
      switch (format) {
        case 'geojson': bytes = await writeGeoJson(features(rows), opts); break
        case 'gpkg': bytes = await writeGeoPackage(features(rows), opts); break
        case 'shapefile': bytes = await writeShapefileZip(features(rows), opts); break
        case 'kml': bytes = await writeKml(features(rows), { layerName: batch.name }); break
        case 'csv': bytes = await writeCsvWkt(features(rows), opts); break
        case 'xlsx': bytes = await writeXlsx(rows, (await batchDashboard(db, batch.id, scope))!); break
      }
      const file = FORMAT_FILES[format]
      const name = `${batch.name}-核查结果.${file.ext}`
      return reply
        .type(file.type)
        .header('content-disposition', `attachment; filename="batch-${batch.id}.${file.ext}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header('x-content-type-options', 'nosniff')
        .send(bytes)
    },
  )
}
