// The ledger in the template staff already use: import an XLSX/CSV ledger, export one sheet per
// village (一村一台账), a CSV, GeoJSON or GeoPackage of any selection, and download the empty template.
import multipart from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { Db } from '../db/db.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { ExportTooLargeError, ledgerCsv, ledgerFeatures, ledgerXlsx, selectLedger, templateXlsx, villagesFor, type Lang } from '../imports/ledger-export.ts'
import { parseCrs } from '../imports/formats/crs.ts'
import { writeGeoJson, writeGeoPackage } from '../imports/formats/writers.ts'
import { fileTooLarge, IMPORT_CRS, IMPORT_MODES, importLedger, LedgerFileError, type ImportMode } from '../imports/ledger-import.ts'
import { IMPORT_LIMITS } from '../imports/ledger-template.ts'
import { principalOf } from '../http/access.ts'
import { caseSelectionOf, CaseSelectionFields, type CaseSelectionQuery } from '../http/case-selection.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'

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
CRS read: ${IMPORT_CRS}; projected metres and swapped axes are refused. 序号, 状态 and computed-area columns and 合计 rows are ignored.
Every sheet whose first 10 rows hold a header row is read.

Limits: ${IMPORT_LIMITS.fileBytes / MB} MB per file, ${IMPORT_LIMITS.rows.toLocaleString('en')} data rows, ${IMPORT_LIMITS.unzippedBytes / MB} MB unzipped
and ${IMPORT_LIMITS.zipEntries} parts per XLSX, ${IMPORT_LIMITS.vertices.toLocaleString('en')} vertices per WKT, ${IMPORT_LIMITS.seconds} s per file,
${IMPORT_LIMITS.concurrent} imports at a time per server (503 beyond), ${IMPORT_LIMITS.problems.toLocaleString('en')} problems listed (problemCount gives all).
All writes are one transaction. Answer: {imported, rows, problems: [{sheet?, row, column, field, message (zh), messageEn}], problemCount, …};
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

function problemOf(err: LedgerFileError): HttpProblem {
  const title = err.status === 413 ? 'Content Too Large' : err.status === 409 ? 'Conflict' : 'Bad Request'
  return new HttpProblem(err.status, title, err.en, {
    code: err.code,
    detailZh: err.zh,
    ...(err.result ?? { imported: 0, problems: err.problems, problemCount: err.problems.length }),
  })
}

const LAYER_NAME = '违法建设台账'

export const ledgerIoRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  /** The cases a selection query names, within the caller's scope; 413 beyond the export cap. */
  async function selectedRows(q: CaseSelectionQuery, scope: string) {
    try {
      return { rows: await selectLedger(db, caseSelectionOf(q, scope)), code: q.admin ?? scope }
    } catch (err) {
      if (err instanceof ExportTooLargeError) throw new HttpProblem(413, 'Content Too Large', err.message)
      throw err
    }
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
      schema: { tags: ['ledger'], summary: 'Import a ledger (台账) from XLSX or CSV', description: IMPORT_DESCRIPTION, consumes: ['multipart/form-data'], querystring: ImportQuery },
    },
    async (request) => {
      const { user, scope } = principalOf(request)
      if (!request.isMultipart()) throw badRequest('send multipart/form-data with the ledger in a field named file (and optionally mode)')
      if (running >= IMPORT_LIMITS.concurrent) {
        throw new HttpProblem(503, 'Service Unavailable', `${IMPORT_LIMITS.concurrent} imports are running; try again in a minute`, { code: 'busy' })
      }
      running++
      try {
        let buffer: Buffer | undefined
        let fileName: string | undefined
        let mode: ImportMode | undefined = request.query.mode
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'file' || buffer) {
                part.file.resume()
                throw badRequest(`send one file, in the field named file (got ${part.fieldname})`)
              }
              buffer = await part.toBuffer()
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
          if (code === 'FST_REQ_FILE_TOO_LARGE') throw problemOf(fileTooLarge(IMPORT_LIMITS))
          if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw badRequest('send one file, in the field named file, and optionally mode')
          throw err
        }
        if (!buffer) throw badRequest('no file: send the ledger in a form field named file')
        try {
          return await importLedger(db, { buffer, fileName: fileName!, mode: mode ?? 'all_or_nothing', userId: user.id, scope })
        } catch (err) {
          if (err instanceof LedgerFileError) throw problemOf(err)
          throw err
        }
      } finally {
        running--
      }
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
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const { village, town } = request.query
      if ((village === undefined) === (town === undefined)) throw badRequest('give either village=CODE (12 digits) or town=CODE (9 digits)')
      const code = (village ?? town)!
      const units = await villagesFor(db, code, scope)
      if (units.length === 0) throw notFound(`no ${village ? 'village' : 'town'} ${code} in your area`)
      const lang: Lang = request.query.lang ?? 'zh'
      let rows
      try {
        // no bigger than one import takes, so a ledger exported whole reads back in one file
        rows = await selectLedger(db, { scope, admin: code }, IMPORT_LIMITS.rows)
      } catch (err) {
        if (err instanceof ExportTooLargeError) throw new HttpProblem(413, 'Content Too Large', err.message)
        throw err
      }
      const district = await db.query<{ name: string }>('SELECT name FROM admin_units WHERE code = $1', [code.slice(0, 6)])
      const buf = await ledgerXlsx(units, rows, lang, district.rows[0]?.name ?? '')
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
      schema: { tags: ['ledger'], summary: 'The empty ledger template with a sheet explaining every column and its values' },
    },
    async (_request, reply) => attachment(reply, 'ledger-template.xlsx', '违法建设台账模板.xlsx').type(XLSX_TYPE).send(await templateXlsx()),
  )
}
