// The ledger in the template staff already use: import an XLSX/CSV ledger, export one sheet per
// village (一村一台账), a CSV, GeoJSON or GeoPackage of any selection, and download the empty template.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { randomUUID } from 'node:crypto'
import multipart from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { Db } from '../db/db.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { ledgerCsv, ledgerFeatures, ledgerXlsx, selectLedger, templateXlsx, type Lang } from '../imports/ledger-export.ts'
import { parseCrs } from '../imports/formats/crs.ts'
import { writeGeoJson, writeGeoPackage } from '../imports/formats/writers.ts'
import { fileTooLarge, IMPORT_CRS, IMPORT_MODES, importLedger, newProgress, type ImportMode } from '../imports/ledger-import.ts'
import { IMPORT_LIMITS } from '../imports/ledger-template.ts'
import { principalOf } from '../http/access.ts'
import { adminUnitName, villagesWithin } from '../repos/admin-units.repo.ts'
import { caseSelectionOf, CaseSelectionFields, type CaseSelectionQuery } from '../http/case-selection.ts'
import { badRequest, HttpProblem, notFound, refusalProblem } from '../http/problem.ts'
import type { Scope } from '../domain/scope.ts'
import { Refusal } from '../domain/errors.ts'
import { binary, multipartBody } from '../http/contract.ts'
import { LedgerImportJob, LedgerImportResult, type LedgerImportRefusal } from '../schemas/cases.schema.ts'
import { finishLedgerImportJob, ledgerImportJob, saveLedgerImportProgress, startLedgerImportJob } from '../repos/ledger-import-jobs.repo.ts'

/** Who may load ledgers in bulk: the planners' office and administrators. */
const LEDGER_IMPORTERS: readonly Role[] = ['admin', 'planner']

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const MB = 1024 * 1024

const IMPORT_DESCRIPTION = `Upload a ledger as multipart/form-data: \`file\` = .xlsx or .csv (UTF-8 with or without BOM; UTF-16 with BOM;
GBK/GB18030 is detected and decoded), optional field (or query parameter) \`mode\` = \`all_or_nothing\` (default: any bad row → 400, nothing written)
or \`valid_rows_only\` (writes the good rows; each imported case's history says it was a partial import of the file, n of m rows).

Columns (Chinese headers, English aliases accepted): 台账编号 case_no (generated VILLAGE-YEAR-NNNN when empty), 所在镇街 town,
所在村 village (name or code; derived from the geometry when empty), 位置, 用途 (required), 权属类别, 建筑形式, 层数 (1–50),
占地面积/建筑面积 (m², > 0, land ≤ 1 km²), 发现来源 (required), 发现时间 (required, Beijing time, not in the future), 新生违建 and
the flag columns 高墙大院/大杂院/开墙打洞/三层及以上出租/占用耕地/党员公职人员参与 (是/否), and the location: 经度/纬度 or WKT.
A row without coordinates is placed at a point on the village it names (所在村, with 所在镇街 where the name repeats) and flagged
待定位 (locationPending): counted in statistics by unit, use and status, not drawn on the map until located.
Progress (an existing ledger carried over): 状态/整治状态, 处置方式/拆除方式 (自拆/助拆/强拆/没收/补办手续/暂缓), 告知时间,
限期拆除决定时间, 整改期限, 拆除时间/处置时间, 拆除占地面积, 拆除建筑面积, 再利用方式, 复绿面积, 验收时间, 销账时间, 暂缓原因; checked
against the case lifecycle (a demolished case needs its disposal, date and demolished areas; dates in order; …).
CRS read: ${IMPORT_CRS}; projected metres and swapped axes are refused. 序号, 待定位 and computed-area columns and 合计 rows are ignored.
Every sheet whose first 10 rows hold a header row is read.

Files up to ${IMPORT_LIMITS.syncBytes / MB} MB are answered when done (200). Larger ones run in the background: 202 with
{id, state: "running", progress} and Location /api/ledger/imports/{id}; poll that until state is "done" (result) or "failed" (error).

Limits: ${IMPORT_LIMITS.fileBytes / MB} MB per file (spooled to disk), ${IMPORT_LIMITS.rows.toLocaleString('en')} data rows, ${IMPORT_LIMITS.unzippedBytes / MB} MB unzipped
and ${IMPORT_LIMITS.zipEntries} parts per XLSX, ${IMPORT_LIMITS.vertices.toLocaleString('en')} vertices per WKT, ${IMPORT_LIMITS.seconds} s per file plus
${IMPORT_LIMITS.secondsPer1000Rows} s per thousand rows, ${IMPORT_LIMITS.concurrent} imports at a time per server (503 beyond),
${IMPORT_LIMITS.problems.toLocaleString('en')} problems listed (problemCount gives all).
All writes are one transaction. Answer: {imported, rows, locationPending, problems: [{sheet?, row, column, field, message (zh), messageEn}], problemCount, …};
a refused file is problem+json with the same fields (400; 413 for the size limits; 409 if a case number was taken meanwhile).`

const ImportQuery = Type.Object({ mode: Type.Optional(Type.Enum(IMPORT_MODES)) }, { additionalProperties: false })

const LangField = Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')], { description: 'header and label language; default zh' }))

const XlsxQuery = Type.Object(
  {
    village: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: 'one village: one sheet' })),
    town: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'a town: one sheet per village in it (within your scope)' })),
    lang: LangField,
  },
  { additionalProperties: false },
)

/** Any selection of the ledger, as the table filters it (CSV, GeoJSON and GeoPackage exports). */
const SelectionFields = { ...CaseSelectionFields, lang: LangField }

const CsvQuery = Type.Object(SelectionFields, { additionalProperties: false })

const GisQuery = Type.Object(
  {
    ...SelectionFields,
    crs: Type.Optional(Type.String({ description: 'GeoPackage only: EPSG:4326 (default), EPSG:4490 or a CGCS2000 Gauss-Krüger zone such as EPSG:4548' })),
  },
  { additionalProperties: false },
)

/** A file name fit for a history reason and a log: no path, no control characters, bounded. */
function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').replace(/^.*[\\/]/, '').replace(/\p{Cc}/gu, '').trim()
  return base.slice(0, 200) || 'upload'
}

function attachment(reply: FastifyReply, fallback: string, name: string) {
  return reply
    .header('content-disposition', `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('cache-control', 'private, no-store')
}

/** How often a background import writes its progress for the pollers (any app process). */
const PROGRESS_EVERY_MS = 1000

const ImportParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

const LAYER_NAME = '违法建设台账'

export const ledgerIoRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  /** The cases a selection query names, within the caller's scope; 413 beyond the export cap. */
  async function selectedRows(q: CaseSelectionQuery, scope: Scope) {
    return { rows: await selectLedger(db, caseSelectionOf(q, scope)), code: q.admin ?? scope }
  }

  // Scoped to this plugin: no other route accepts multipart bodies.
  await app.register(multipart, {
    limits: { fileSize: IMPORT_LIMITS.fileBytes, files: 1, fields: 4, fieldSize: 200, parts: 5, headerPairs: 50 },
  })
  let running = 0

  app.post(
    '/api/ledger/import',
    {
      config: { access: { roles: LEDGER_IMPORTERS } },
      schema: {
        tags: ['ledger'],
        summary: 'Import a ledger (台账) from XLSX or CSV',
        description: IMPORT_DESCRIPTION,
        consumes: ['multipart/form-data'],
        querystring: ImportQuery,
        body: multipartBody({
          file: { description: 'the ledger: .xlsx or .csv', binary: true },
          mode: { description: `${IMPORT_MODES.join(' or ')} (or the query parameter); default all_or_nothing` },
        }),
        response: {
          200: LedgerImportResult,
          202: { ...LedgerImportJob, description: 'a large file, imported in the background: poll Location (GET /api/ledger/imports/{id})' },
        },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      if (!request.isMultipart()) throw badRequest('send multipart/form-data with the ledger in a field named file (and optionally mode)')
      if (running >= IMPORT_LIMITS.concurrent) {
        throw new HttpProblem(503, 'Service Unavailable', `${IMPORT_LIMITS.concurrent} imports are running; try again in a minute`, { code: 'busy' })
      }
      running++
      let background = false
      const dir = await mkdtemp(join(tmpdir(), 'chaiwei-upload-'))
      const path = join(dir, 'upload')
      const cleanUp = () => rm(dir, { recursive: true, force: true })
      try {
        let received = false
        let fileName: string | undefined
        let mode: ImportMode | undefined = request.query.mode
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'file' || received) {
                part.file.resume()
                throw badRequest(`send one file, in the field named file (got ${part.fieldname})`)
              }
              // spooled to disk as it arrives: a 100 MB upload is never held in memory
              await pipeline(part.file, createWriteStream(path))
              if (part.file.truncated) throw fileTooLarge(IMPORT_LIMITS)
              received = true
              fileName = cleanFileName(part.filename)
            } else if (part.fieldname === 'mode') {
              const value = String(part.value)
              if (!(IMPORT_MODES as readonly string[]).includes(value)) throw badRequest(`mode ${value} is not one of ${IMPORT_MODES.join(', ')}`, { field: 'mode' })
              if (mode && mode !== value) throw badRequest(`mode is ${mode} in the query and ${value} in the form`, { field: 'mode' })
              mode = value as ImportMode
            } else {
              throw badRequest(`unknown form field ${part.fieldname}; send file and optionally mode`, { field: part.fieldname })
            }
          }
        } catch (err) {
          const code = (err as { code?: string }).code
          if (code === 'FST_REQ_FILE_TOO_LARGE') throw fileTooLarge(IMPORT_LIMITS)
          if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw badRequest('send one file, in the field named file, and optionally mode')
          throw err
        }
        if (!received) throw badRequest('no file: send the ledger in a form field named file')
        const req = { file: { path }, fileName: fileName!, mode: mode ?? 'all_or_nothing', userId: user.id, scope }
        const size = (await stat(path)).size
        if (size > IMPORT_LIMITS.syncBytes) {
          // a big file: answered at once, imported in the background, polled for progress (from
          // the database: any app process answers, migration 019)
          const progress = newProgress()
          const id = randomUUID()
          await startLedgerImportJob(db, { id, userId: user.id, file: fileName!, progress })
          background = true
          const heartbeat = setInterval(() => {
            saveLedgerImportProgress(db, id, progress).catch((err: unknown) => request.log.warn({ err }, 'ledger import progress not saved'))
          }, PROGRESS_EVERY_MS)
          void importLedger(db, req, progress)
            .then((result) => ({ result }))
            .catch((err: unknown) => {
              if (err instanceof Refusal) {
                const p = refusalProblem(err)
                return { error: { type: 'about:blank', title: p.title, status: p.status, detail: p.detail, ...p.extra } satisfies LedgerImportRefusal }
              }
              request.log.error({ err }, 'ledger import failed')
              return { error: { type: 'about:blank', status: 500, title: 'Internal Server Error', detail: 'the import failed; nothing was written', detailZh: '导入失败，未写入任何记录', code: 'internal' } }
            })
            .then((end) => {
              clearInterval(heartbeat)
              return finishLedgerImportJob(db, id, { progress, ...end })
            })
            .catch((err: unknown) => request.log.error({ err }, 'ledger import end not saved'))
            .finally(() => {
              running--
              void cleanUp()
            })
          const job: LedgerImportJob = { id, file: fileName!, state: 'running', progress }
          return reply.code(202).header('location', `/api/ledger/imports/${job.id}`).send(job)
        }
        return await importLedger(db, req)
      } finally {
        if (!background) {
          running--
          await cleanUp()
        }
      }
    },
  )

  app.get(
    '/api/ledger/imports/:id',
    {
      // the state is written by whichever process runs the import, outside any request: a replica
      // could answer 404 right after the 202
      config: { access: { roles: LEDGER_IMPORTERS }, readFrom: 'primary' },
      schema: {
        tags: ['ledger'],
        summary: 'A ledger import running in the background: its progress, then its result or error',
        description: 'state: running (progress.phase reading|writing, progress.fraction 0–1, rowsRead, rowsValid, rowsWritten, problemCount), done (result: as the 200 answer of POST /api/ledger/import) or failed (error: the problem+json a refused file gets). Only the user who started it sees it; kept an hour after it ends. Any app process answers (the state is in the database); a job whose process stopped answers failed with code interrupted, nothing written.',
        params: ImportParams,
        response: { 200: LedgerImportJob },
      },
    },
    async (request) => {
      const job = await ledgerImportJob(db, request.params.id, principalOf(request).user.id)
      if (!job) throw notFound(`no ledger import ${request.params.id}`)
      return job
    },
  )

  app.get(
    '/api/ledger/export.xlsx',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'One ledger per village (一村一台账): XLSX, one sheet per village with a 合计 row',
        description: 'Give village (one sheet) or town (a sheet for each village in it within your scope). Totals: count, land and floor area, recorded and computed. Personal data (parties) are not exported; text a spreadsheet would run as a formula is prefixed with an apostrophe.',
        querystring: XlsxQuery,
        response: { 200: binary(XLSX_TYPE, 'the ledger workbook, one sheet per village') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const { village, town } = request.query
      if ((village === undefined) === (town === undefined)) throw badRequest('give either village=CODE (12 digits) or town=CODE (9 digits)')
      const code = (village ?? town)!
      const units = await villagesWithin(db, code, scope)
      if (units.length === 0) throw notFound(`no ${village ? 'village' : 'town'} ${code} in your area`)
      const lang: Lang = request.query.lang ?? 'zh'
      // no bigger than one import takes, so a ledger exported whole reads back in one file
      const rows = await selectLedger(db, { scope, admin: code }, IMPORT_LIMITS.rows)
      const district = await adminUnitName(db, code.slice(0, 6))
      const buf = await ledgerXlsx(units, rows, lang, district ?? '')
      const name = units.length === 1 ? `${units[0]!.townName ?? ''}${units[0]!.name}违法建设台账.xlsx` : `${units[0]!.townName ?? code}违法建设台账.xlsx`
      return attachment(reply, `ledger-${code}.xlsx`, name).type(XLSX_TYPE).send(buf)
    },
  )

  app.get(
    '/api/ledger/export.csv',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'The ledger as CSV (UTF-8 with BOM) for any selection within your scope, with a 合计 row',
        description: 'Filters: admin (code prefix), status, use, source (comma-separated). Same columns as the XLSX; parties are not exported.',
        querystring: CsvQuery,
        response: { 200: binary('text/csv', 'the ledger as CSV, UTF-8 with BOM') },
      },
    },
    async (request, reply) => {
      const { rows, code } = await selectedRows(request.query, principalOf(request).scope)
      return attachment(reply, `ledger-${code}.csv`, `违法建设台账-${code}.csv`)
        .type('text/csv; charset=utf-8')
        .send(ledgerCsv(rows, request.query.lang ?? 'zh'))
    },
  )

  app.get(
    '/api/ledger/export.geojson',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'The ledger as GeoJSON (RFC 7946, lon/lat) for any selection within your scope',
        description: 'One feature per case: its polygon or point, the ledger columns as properties (Chinese names unless lang=en). Parties are not exported.',
        querystring: CsvQuery,
        response: { 200: binary('application/geo+json', 'a GeoJSON FeatureCollection') },
      },
    },
    async (request, reply) => {
      const { rows, code } = await selectedRows(request.query, principalOf(request).scope)
      const bytes = await writeGeoJson(ledgerFeatures(rows, request.query.lang ?? 'zh'), { layerName: LAYER_NAME })
      return attachment(reply, `ledger-${code}.geojson`, `违法建设台账-${code}.geojson`).type('application/geo+json').send(bytes)
    },
  )

  app.get(
    '/api/ledger/export.gpkg',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'The ledger as a GeoPackage for any selection within your scope',
        description: 'One feature per case in a layer 违法建设台账, in EPSG:4326 or the CRS asked for (crs=EPSG:4548 for Beijing\'s Gauss-Krüger zone). Parties are not exported.',
        querystring: GisQuery,
        response: { 200: binary('application/geopackage+sqlite3', 'a GeoPackage with one layer') },
      },
    },
    async (request, reply) => {
      const crs = request.query.crs ?? 'EPSG:4326'
      if (!parseCrs(crs) || crs === 'GCJ-02') throw badRequest(`crs: ${crs} is not one of EPSG:4326, EPSG:4490, EPSG:4513–4554`, { field: 'crs' })
      const { rows, code } = await selectedRows(request.query, principalOf(request).scope)
      const bytes = await writeGeoPackage(ledgerFeatures(rows, request.query.lang ?? 'zh'), { layerName: LAYER_NAME, crs })
      return attachment(reply, `ledger-${code}.gpkg`, `违法建设台账-${code}.gpkg`).type('application/geopackage+sqlite3').send(bytes)
    },
  )

  app.get(
    '/api/ledger/template.xlsx',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'The empty ledger template with a sheet explaining every column and its values',
        response: { 200: binary(XLSX_TYPE, 'the ledger template') },
      },
    },
    async (_request, reply) => attachment(reply, 'ledger-template.xlsx', '违法建设台账模板.xlsx').type(XLSX_TYPE).send(await templateXlsx()),
  )
}
