// Reading a ledger (台账) file staff keep in Excel or CSV, checking every row, and writing the
// cases in one transaction. Reading is bounded (bytes, zip parts, unzipped bytes, rows, time);
// every problem is reported by sheet, spreadsheet row and column header, in Chinese and English.
//
// Geometry is read as lon/lat in CGCS2000 (EPSG:4490), WGS84 treated as equal at metre level,
// from 经度/纬度 (a point) or a WKT column (Point, Polygon, MultiPolygon). Nothing else is guessed:
// projected (Gauss-Krüger) metres and swapped lon/lat are refused with a message saying so.
import wkx from 'wkx'
import type { Db, Queryable } from '../db/db.ts'
import { CASE_NO_LOCK, caseNoPrefix, formatCaseNo } from '../repos/cases.repo.ts'
import {
  BEIJING_OFFSET_MS,
  col,
  COLUMNS,
  columnForHeader,
  IMPORT_LIMITS,
  isTotalsLabel,
  OWNERSHIP,
  parseYesNo,
  REQUIRED_COLUMNS,
  SOURCES,
  unneutralise,
  USES,
  type CaseFlag,
  type CaseSource,
  type CaseUse,
  type ColumnKey,
  type Ownership,
} from './ledger-template.ts'
import { CellError, openXlsx, XlsxRefused, type Cell, type SheetRow } from './xlsx-reader.ts'

export type ImportMode = 'all_or_nothing' | 'valid_rows_only'
export const IMPORT_MODES: readonly ImportMode[] = ['all_or_nothing', 'valid_rows_only']

export interface Problem {
  /** Sheet name; only when the workbook has more than one ledger sheet. */
  sheet?: string
  /** The spreadsheet's own row number (header row included, 1-based). */
  row: number
  /** The column header as written in the file (the template's header for a missing column). */
  column: string
  /** Template key of the column (use, found_at, flag:farmland, geometry …). */
  field: string
  /** Chinese. */
  message: string
  messageEn: string
}

/** A file the importer refuses as a whole (not a spreadsheet, too big, no header …). */
export class LedgerFileError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly zh: string,
    readonly en: string,
    readonly problems: Problem[] = [],
  ) {
    super(`${en} (${zh})`)
  }
  /** The report of a file whose rows were read but not written. */
  result?: ImportResult
  withResult(result: ImportResult): this {
    this.result = result
    return this
  }
}

export type Limits = { -readonly [K in keyof typeof IMPORT_LIMITS]: number }

// ---------------------------------------------------------------------------------------------
// Reading: bytes → sheets of rows of cells

export { CellError, type Cell, type SheetRow }
export interface Sheet {
  name: string
  rows: SheetRow[]
}
export interface Table {
  format: 'xlsx' | 'csv'
  /** CSV only: the text encoding it was read in. */
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030'
  sheets: Sheet[]
}

const notSpreadsheet = (what: string, whatEn: string) =>
  new LedgerFileError(400, 'not_a_spreadsheet', `文件不是台账表格（${what}）：请上传 .xlsx 或 CSV 文件`, `the file is not a ledger spreadsheet (${whatEn}): upload an .xlsx or a CSV file`)

function tooSlow(limits: Limits): LedgerFileError {
  return new LedgerFileError(
    413,
    'too_slow',
    `文件处理超过 ${limits.seconds} 秒，请拆分为较小的文件`,
    `reading, checking and writing the file took more than ${limits.seconds} s; split it into smaller files`,
  )
}

export class Deadline {
  private readonly end: number
  constructor(readonly limits: Limits, start = Date.now()) {
    this.end = start + limits.seconds * 1000
  }
  check(): void {
    if (Date.now() > this.end) throw tooSlow(this.limits)
  }
  remainingMs(): number {
    return Math.max(1, this.end - Date.now())
  }
}

const startsWith = (buf: Buffer, bytes: number[]) => bytes.every((b, i) => buf[i] === b)

export async function readLedgerFile(buf: Buffer, fileName: string, limits: Limits, deadline: Deadline): Promise<Table> {
  if (buf.length === 0) throw new LedgerFileError(400, 'empty_file', '文件为空', 'the file is empty')
  if (buf.length > limits.fileBytes) throw fileTooLarge(limits)
  const lower = fileName.toLowerCase()
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) || lower.endsWith('.xls') || lower.endsWith('.et')) {
    throw new LedgerFileError(
      400,
      'legacy_xls',
      '这是旧版 Excel 97-2003（.xls）或 WPS（.et）文件：请在 Excel/WPS 中“另存为” .xlsx 或 CSV UTF-8 后再上传',
      'this is a legacy Excel 97-2003 (.xls) or WPS (.et) file: save it as .xlsx or CSV UTF-8 in Excel/WPS and upload that',
    )
  }
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) {
    return { format: 'xlsx', sheets: await readXlsx(buf, limits, deadline) }
  }
  if (lower.endsWith('.xlsx')) throw notSpreadsheet('扩展名是 .xlsx，但内容不是 Excel 工作簿', 'named .xlsx but its contents are not an Excel workbook')
  const { text, encoding } = decodeText(buf)
  const rows = parseCsv(text, limits)
  deadline.check()
  return { format: 'csv', encoding, sheets: [{ name: sheetNameOfFile(fileName), rows }] }
}

export const fileTooLarge = (limits: Limits) =>
  new LedgerFileError(
    413,
    'file_too_large',
    `文件超过 ${limits.fileBytes / 1024 / 1024} MB 上限，请拆分后分批导入`,
    `the file is larger than the ${limits.fileBytes / 1024 / 1024} MB limit; split it and import the parts`,
  )

function sheetNameOfFile(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'csv'
}

// ---- CSV ----

/** UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK (Excel's "CSV" on Chinese Windows). */
export function decodeText(buf: Buffer): { text: string; encoding: NonNullable<Table['encoding']> } {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return { text: utf8(buf.subarray(3)), encoding: 'utf-8' }
  if (startsWith(buf, [0xff, 0xfe])) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' }
  if (startsWith(buf, [0xfe, 0xff])) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' }
  // Binary files (images, PDFs, archives) hold NUL bytes or many control characters early on.
  const head = buf.subarray(0, 8192)
  let control = 0
  for (const b of head) {
    if (b === 0) throw notSpreadsheet('二进制文件', 'a binary file')
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) control++
  }
  if (control > head.length / 100 + 2) throw notSpreadsheet('二进制文件', 'a binary file')
  try {
    return { text: utf8(buf), encoding: 'utf-8' }
  } catch {
    try {
      return { text: new TextDecoder('gb18030', { fatal: true }).decode(buf), encoding: 'gb18030' }
    } catch {
      throw new LedgerFileError(
        400,
        'bad_encoding',
        '文本编码无法识别：请将 CSV 另存为 UTF-8 编码（Excel：“CSV UTF-8（逗号分隔）”）',
        'the text is neither UTF-8 nor GBK/GB18030: save the CSV as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)")',
      )
    }
  }
}

const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b)

/**
 * RFC 4180 with what spreadsheets write: quoted fields with "" escapes and line breaks, CRLF or LF,
 * comma, tab or semicolon as the delimiter (whichever the first line uses most).
 * Row numbers are the line on which each record starts.
 */
export function parseCsv(text: string, limits: Pick<Limits, 'rows'>): SheetRow[] {
  const firstLine = text.slice(0, Math.max(0, text.search(/\r|\n/)) || text.length)
  const counts = [',', '\t', ';'].map((d) => [d, firstLine.split(d).length - 1] as const)
  const delimiter = counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0]
  const rows: SheetRow[] = []
  let line = 1
  let recordLine = 1
  let field = ''
  let cells: Cell[] = []
  let quoted = false
  let quoteLine = 0
  let i = 0
  const endRecord = () => {
    cells.push(field)
    field = ''
    if (cells.some((c) => c !== '')) {
      rows.push({ number: recordLine, cells })
      if (rows.length > limits.rows + 100) throw tooManyRows(limits.rows)
    }
    cells = []
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        continue
      }
      if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++
      field += ch
      i++
      continue
    }
    if (ch === '"' && field === '') {
      quoted = true
      quoteLine = line
      i++
    } else if (ch === delimiter) {
      cells.push(field)
      field = ''
      i++
    } else if (ch === '\r' || ch === '\n') {
      endRecord()
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
      line++
      recordLine = line
    } else {
      field += ch
      i++
    }
  }
  if (quoted) {
    throw new LedgerFileError(400, 'bad_csv', `CSV 第 ${quoteLine} 行的引号没有闭合`, `the quoted field that starts on line ${quoteLine} of the CSV is never closed`)
  }
  if (field !== '' || cells.length > 0) endRecord()
  return rows
}

const tooManyRows = (max: number) =>
  new LedgerFileError(413, 'too_many_rows', `文件超过 ${max} 行上限，请拆分后分批导入`, `the file has more than ${max} data rows; split it and import the parts`)

// ---- XLSX ----
// Read by xlsx-reader.ts (yauzl + saxes, row by row as the sheet inflates; decisions.md 18). Here
// only the ledger's own limits: rows across all sheets, the time deadline, and its messages.

async function readXlsx(buf: Buffer, limits: Limits, deadline: Deadline): Promise<Sheet[]> {
  try {
    const book = await openXlsx(buf, limits)
    try {
      deadline.check()
      const sheets: Sheet[] = []
      let total = 0
      for (const s of book.sheets) {
        const sheet: Sheet = { name: s.name, rows: [] }
        sheets.push(sheet)
        for await (const row of s.rows()) {
          sheet.rows.push(row)
          if (++total > limits.rows + 100) throw tooManyRows(limits.rows)
          if (total % 2000 === 0) deadline.check()
        }
      }
      if (sheets.length === 0) throw notSpreadsheet('工作簿中没有工作表', 'a workbook without worksheets')
      return sheets
    } finally {
      book.close()
    }
  } catch (err) {
    if (!(err instanceof XlsxRefused)) throw err
    if (err.code === 'not_a_workbook') throw notSpreadsheet(err.zh, err.en)
    throw new LedgerFileError(err.status, err.code, err.zh, err.en)
  }
}

// ---------------------------------------------------------------------------------------------
// Checking: rows → drafts of cases and problems

type Geo = { type: 'Point'; coordinates: number[] } | { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] }

interface Draft {
  sheet: string
  row: number
  caseNo: string | null
  village: string | null
  town: string | null
  locationText: string | null
  use: CaseUse | null
  ownership: Ownership | null
  buildingForm: string | null
  floors: number | null
  landArea: number | null
  floorArea: number | null
  source: CaseSource | null
  foundMs: number | null
  newConstruction: boolean
  flags: CaseFlag[]
  geometry: Geo | null
  /** lon/lat given beside a WKT: must lie on or near it. */
  point: [number, number] | null
  /** Header(s) the geometry came from, for messages. */
  geomColumn: string
  /** Filled by the database check. */
  adminCode: string | null
}

interface HeaderMap {
  headerRow: number
  /** key → column index and header text. */
  columns: Map<ColumnKey, { index: number; header: string }>
  ignored: string[]
}

export class Report {
  readonly list: Problem[] = []
  count = 0
  private readonly bad = new Set<string>()
  constructor(
    private readonly multiSheet: boolean,
    private readonly max: number,
  ) {}
  add(sheet: string, row: number, column: string, field: string, zh: string, en: string) {
    this.count++
    this.bad.add(`${sheet}\u0000${row}`)
    if (this.list.length < this.max) this.list.push({ ...(this.multiSheet ? { sheet } : {}), row, column, field, message: zh, messageEn: en })
  }
  isBad(d: { sheet: string; row: number }) {
    return this.bad.has(`${d.sheet}\u0000${d.row}`)
  }
}

/** The header row: the first of the top ten rows where three or more cells name template columns. */
function findHeader(sheet: Sheet): HeaderMap | null {
  for (const r of sheet.rows.slice(0, 10)) {
    const known = r.cells.filter((c) => typeof c === 'string' && columnForHeader(c) !== undefined).length
    if (known < 3) continue
    const columns = new Map<ColumnKey, { index: number; header: string }>()
    const ignored: string[] = []
    const duplicates: string[] = []
    r.cells.forEach((c, index) => {
      const header = c === null ? '' : String(c).trim()
      if (!header) return
      const key = columnForHeader(header)
      if (!key) ignored.push(header)
      else if (columns.has(key)) duplicates.push(header)
      else columns.set(key, { index, header })
    })
    if (duplicates.length > 0) {
      throw new LedgerFileError(
        400,
        'duplicate_columns',
        `工作表“${sheet.name}”第 ${r.number} 行表头有重复的列：${duplicates.join('、')}`,
        `the header row (row ${r.number}) of sheet "${sheet.name}" names a column twice: ${duplicates.join(', ')}`,
      )
    }
    return { headerRow: r.number, columns, ignored }
  }
  return null
}

const textOf = (c: Cell): string => {
  if (c === null || c instanceof CellError) return ''
  if (c instanceof Date) return c.toISOString()
  if (typeof c === 'boolean') return c ? '是' : '否'
  return String(c).trim()
}

/** Numbers as typed in ledgers: '1,234.5', '120㎡', '3层', full-width digits. */
function numberOf(c: Cell): number | undefined {
  if (typeof c === 'number') return Number.isFinite(c) ? c : undefined
  const t = textOf(c)
    .normalize('NFKC')
    .replace(/[,\s]/g, '')
    .replace(/(m2|m²|平方米|平米|层)$/i, '')
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined
  return Number(t)
}

const DATE_TEXT = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * Instant of a 发现时间 cell. Date cells and text without a zone are Beijing wall-clock time;
 * text may carry Z or an offset. A bare number in a date column is an Excel serial day.
 */
function timeOf(c: Cell): number | undefined {
  if (c instanceof Date) return Math.round(c.getTime()) - BEIJING_OFFSET_MS
  if (typeof c === 'number') {
    if (c < 20_000 || c > 80_000) return undefined // 1954 … 2119 as an Excel serial day
    return Math.round((c - 25_569) * 86_400_000) - BEIJING_OFFSET_MS
  }
  const m = DATE_TEXT.exec(textOf(c).normalize('NFKC'))
  if (!m) return undefined
  const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1, 8).map((x) => x ?? undefined) as string[]
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0'))] as const
  const wall = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], parts[6])
  const back = new Date(wall)
  // Date.UTC rolls 2月30日 over into March: refuse instead
  if (back.getUTCFullYear() !== parts[0] || back.getUTCMonth() !== parts[1] - 1 || back.getUTCDate() !== parts[2] || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) {
    return undefined
  }
  const zone = m[8]
  if (!zone) return wall - BEIJING_OFFSET_MS
  if (zone.toUpperCase() === 'Z') return wall
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

const EARLIEST_FOUND = Date.UTC(1980, 0, 1) - BEIJING_OFFSET_MS

type Village = { code: string; name: string; town: string }
interface Places {
  villages: Map<string, Village>
  byName: Map<string, Village[]>
  towns: Map<string, string> // code → name
  townByName: Map<string, string[]>
}

async function loadPlaces(db: Queryable): Promise<Places> {
  const r = await db.query<{ code: string; name: string; level: string; parent_code: string | null }>(
    `SELECT code, name, level, parent_code FROM admin_units WHERE level IN ('town', 'village')`,
  )
  const p: Places = { villages: new Map(), byName: new Map(), towns: new Map(), townByName: new Map() }
  for (const u of r.rows) {
    if (u.level === 'town') {
      p.towns.set(u.code, u.name)
      p.townByName.set(u.name, [...(p.townByName.get(u.name) ?? []), u.code])
    } else {
      const v = { code: u.code, name: u.name, town: u.parent_code ?? '' }
      p.villages.set(u.code, v)
      p.byName.set(u.name, [...(p.byName.get(u.name) ?? []), v])
    }
  }
  return p
}

const MAX_TEXT: Partial<Record<ColumnKey, number>> = { case_no: 64, location_text: 500, building_form: 100, village: 100, town: 100 }

/** Reads one data row into a draft, reporting every cell that cannot be read. */
function draftOf(sheet: string, r: SheetRow, h: HeaderMap, report: Report, now: number, limits: Limits): Draft {
  const cell = (k: ColumnKey): Cell => {
    const c = h.columns.get(k)
    return c ? (r.cells[c.index] ?? null) : null
  }
  const header = (k: ColumnKey) => h.columns.get(k)?.header ?? col(k).zh
  const bad = (k: ColumnKey | 'geometry', zh: string, en: string, column = k === 'geometry' ? '' : header(k)) => report.add(sheet, r.number, column, k, zh, en)
  const formulaOrError = (k: ColumnKey): boolean => {
    const c = cell(k)
    if (!(c instanceof CellError)) return false
    if (c.text === 'formula') bad(k, '单元格是公式但没有计算结果，请粘贴为数值', 'the cell holds a formula without a computed value; paste it as values')
    else bad(k, `单元格是错误值 ${c.text}`, `the cell holds the error ${c.text}`)
    return true
  }
  const text = (k: ColumnKey): string | null => {
    if (formulaOrError(k)) return null
    const t = unneutralise(textOf(cell(k)))
    if (t === '') return null
    if (t.includes('\u0000')) {
      bad(k, '含有空字符（NUL）', 'contains a NUL character')
      return null
    }
    const max = MAX_TEXT[k]
    if (max !== undefined && t.length > max) {
      bad(k, `超过 ${max} 个字`, `longer than ${max} characters`)
      return null
    }
    return t
  }
  const required = (k: ColumnKey) => bad(k, '必填，不能为空', 'is required')
  function enumOf<K extends string>(k: ColumnKey, dict: { parse(raw: string): K | undefined; accepted: string }, isRequired: boolean): K | null {
    const t = text(k)
    if (t === null) {
      if (isRequired && !(cell(k) instanceof CellError)) required(k)
      return null
    }
    const v = dict.parse(t)
    if (v === undefined) bad(k, `“${t}”不是可选值，应为：${dict.accepted}`, `"${t}" is not one of ${dict.accepted}`)
    return v ?? null
  }
  const area = (k: ColumnKey, max: number): number | null => {
    if (formulaOrError(k) || textOf(cell(k)) === '') return null
    const n = numberOf(cell(k))
    if (n === undefined) {
      bad(k, `“${textOf(cell(k))}”不是数字`, `"${textOf(cell(k))}" is not a number`)
      return null
    }
    const rounded = Math.round(n * 100) / 100
    if (!(rounded > 0)) {
      bad(k, '面积必须大于 0', 'the area must be more than 0 m²')
      return null
    }
    if (rounded > max) {
      bad(k, `面积超过 ${max.toLocaleString('en')} ㎡，不是一处违建`, `more than ${max.toLocaleString('en')} m² is not one structure`)
      return null
    }
    return rounded
  }
  const yesNo = (k: ColumnKey): boolean => {
    if (formulaOrError(k)) return false
    const t = textOf(cell(k))
    const v = parseYesNo(t)
    if (v === undefined) bad(k, `“${t}”应填“是”或“否”`, `"${t}" must be 是 (yes) or 否 (no)`)
    return v ?? false
  }

  const d: Draft = {
    sheet,
    row: r.number,
    caseNo: text('case_no'),
    village: text('village'),
    town: text('town'),
    locationText: text('location_text'),
    use: enumOf('use', USES, true),
    ownership: enumOf('ownership', OWNERSHIP, false),
    buildingForm: text('building_form'),
    floors: null,
    landArea: area('land_area_recorded_m2', 1_000_000),
    floorArea: area('floor_area_recorded_m2', 10_000_000),
    source: enumOf('source', SOURCES, true),
    foundMs: null,
    newConstruction: h.columns.has('new_construction') ? yesNo('new_construction') : false,
    flags: [],
    geometry: null,
    point: null,
    geomColumn: '',
    adminCode: null,
  }
  if (d.caseNo !== null && /[\s\p{Cc}]/u.test(d.caseNo)) {
    bad('case_no', '台账编号不能含空格或换行', 'the case number cannot contain spaces or line breaks')
    d.caseNo = null
  }
  if (!formulaOrError('floors') && textOf(cell('floors')) !== '') {
    const n = numberOf(cell('floors'))
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > 50) bad('floors', `层数“${textOf(cell('floors'))}”应为 1–50 的整数`, `floors "${textOf(cell('floors'))}" must be a whole number from 1 to 50`)
    else d.floors = n
  }
  if (!formulaOrError('found_at')) {
    const c = cell('found_at')
    if (textOf(c) === '') required('found_at')
    else {
      const t = timeOf(c)
      if (t === undefined) bad('found_at', `“${textOf(c)}”不是日期，应为 2024-05-01 或 2024-05-01 08:30`, `"${textOf(c)}" is not a date; write 2024-05-01 or 2024-05-01 08:30`)
      else if (t > now + 5 * 60_000) bad('found_at', '发现时间在未来', 'the date is in the future')
      else if (t < EARLIEST_FOUND) bad('found_at', '发现时间早于 1980 年', 'the date is before 1980')
      else d.foundMs = t
    }
  }
  for (const c of COLUMNS) {
    if (c.key.startsWith('flag:') && h.columns.has(c.key) && yesNo(c.key)) d.flags.push(c.key.slice(5) as CaseFlag)
  }
  geometryOf(d, cell, header, bad, limits)
  return d
}

function geometryOf(
  d: Draft,
  cell: (k: ColumnKey) => Cell,
  header: (k: ColumnKey) => string,
  bad: (k: ColumnKey | 'geometry', zh: string, en: string, column?: string) => void,
  limits: Limits,
) {
  const lonLatColumn = `${header('lon')}/${header('lat')}`
  const wktText = textOf(cell('wkt'))
  const lonText = textOf(cell('lon'))
  const latText = textOf(cell('lat'))
  let point: [number, number] | null = null
  if (lonText !== '' || latText !== '') {
    const lon = numberOf(cell('lon'))
    const lat = numberOf(cell('lat'))
    if (lonText === '' || latText === '') return bad('geometry', '经度和纬度须同时填写', 'give both longitude and latitude', lonLatColumn)
    if (lon === undefined || lat === undefined) return bad('geometry', `经纬度“${lonText}, ${latText}”不是数字（应为十进制度，如 116.1432）`, `"${lonText}, ${latText}" are not numbers (decimal degrees such as 116.1432)`, lonLatColumn)
    const problem = coordinateProblem(lon, lat)
    if (problem) return bad('geometry', problem[0], problem[1], lonLatColumn)
    point = [lon, lat]
  }
  if (wktText === '') {
    if (!point) return bad('geometry', '缺少位置：请填写经度/纬度或 WKT', 'no location: give longitude/latitude or a WKT geometry', lonLatColumn)
    d.geometry = { type: 'Point', coordinates: point }
    d.geomColumn = lonLatColumn
    return
  }
  d.geomColumn = header('wkt')
  const wktBad = (zh: string, en: string) => bad('geometry', zh, en, header('wkt'))
  const m = /^(?:SRID=(\d+);)?\s*(POINT|POLYGON|MULTIPOLYGON)\s*(Z|M|ZM)?\s*\(.*\)$/is.exec(wktText)
  if (!m) return wktBad('WKT 应为 POINT、POLYGON 或 MULTIPOLYGON', 'the WKT must be a POINT, POLYGON or MULTIPOLYGON')
  if (m[1] && m[1] !== '4326' && m[1] !== '4490') return wktBad(`WKT 坐标系 SRID=${m[1]} 不支持，请用经纬度（EPSG:4490/4326）`, `SRID=${m[1]} is not accepted; give lon/lat (EPSG:4490 or 4326)`)
  let g: Geo
  try {
    g = wkx.Geometry.parse(wktText.replace(/^SRID=\d+;\s*/i, '').toUpperCase()).toGeoJSON() as Geo
  } catch (err) {
    return wktBad(`WKT 无法解析（${(err as Error).message}）`, `the WKT cannot be read (${(err as Error).message})`)
  }
  // 2D only, every coordinate a finite lon/lat, rings closed with four or more positions
  const positions: number[][] = g.type === 'Point' ? [g.coordinates] : g.type === 'Polygon' ? g.coordinates.flat() : g.coordinates.flat(2)
  const rings: number[][][] = g.type === 'Point' ? [] : g.type === 'Polygon' ? g.coordinates : g.coordinates.flat()
  if (positions.length === 0 || positions[0]!.length < 2) return wktBad('WKT 是空几何', 'the WKT geometry is empty')
  if (positions.length > limits.vertices) return wktBad(`WKT 超过 ${limits.vertices} 个顶点`, `the WKT has more than ${limits.vertices} vertices`)
  for (const p of positions) p.length = 2
  for (const [x, y] of positions) {
    const problem = coordinateProblem(x!, y!)
    if (problem) return wktBad(problem[0], problem[1])
  }
  for (const ring of rings) {
    const a = ring[0]!
    const z = ring[ring.length - 1]!
    if (ring.length < 4 || a[0] !== z[0] || a[1] !== z[1]) return wktBad('WKT 多边形的环须闭合且至少 4 个点', 'each polygon ring must be closed and have at least 4 positions')
  }
  d.geometry = g
  d.point = point
}

/** Lon/lat that cannot be a place in China: projected metres, swapped axes, out of range. */
function coordinateProblem(lon: number, lat: number): [string, string] | null {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return ['坐标不是有限数字', 'the coordinates are not finite numbers']
  if (Math.abs(lon) > 1000 || Math.abs(lat) > 1000) {
    return [
      '坐标像是投影坐标（米，如高斯-克吕格），请换算为 CGCS2000 经纬度（度）后再导入',
      'the coordinates look projected (metres, e.g. Gauss-Krüger); convert them to CGCS2000 lon/lat degrees first',
    ]
  }
  if (lon >= 15 && lon <= 56 && lat >= 70 && lat <= 140) return ['经度与纬度似乎填反了', 'longitude and latitude look swapped']
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) return ['经纬度超出范围', 'longitude/latitude out of range']
  return null
}

interface Located {
  i: number
  type: string
  valid: boolean
  reason: string | null
  area: number | null
  village: string | null
  offset_m: number | null
}

/** Validity, area, and the village each geometry lies in (by a point on its surface), in batches. */
async function locate(db: Queryable, drafts: Draft[], deadline: Deadline): Promise<Map<number, Located>> {
  const out = new Map<number, Located>()
  const withGeom = drafts.map((d, i) => [i, d] as const).filter(([, d]) => d.geometry !== null)
  for (let k = 0; k < withGeom.length; k += 2000) {
    deadline.check()
    const part = withGeom.slice(k, k + 2000)
    const r = await db.query<Located>(
      `WITH g AS (
         SELECT i, ST_SetSRID(ST_GeomFromGeoJSON(j), 4326) AS geom,
                CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END AS pt
         FROM unnest($1::int[], $2::text[], $3::float8[], $4::float8[]) AS t(i, j, lon, lat)
       ), v AS (
         SELECT i, geom, pt, ST_IsValid(geom) AS valid FROM g
       ), p AS (
         SELECT *, CASE WHEN valid THEN ST_PointOnSurface(geom) END AS pos FROM v
       )
       SELECT p.i, GeometryType(p.geom) AS type, p.valid,
              CASE WHEN NOT p.valid THEN ST_IsValidReason(p.geom) END AS reason,
              CASE WHEN p.valid AND GeometryType(p.geom) IN ('POLYGON', 'MULTIPOLYGON') THEN ST_Area(p.geom::geography) END AS area,
              CASE WHEN p.valid AND p.pt IS NOT NULL THEN ST_Distance(p.geom::geography, p.pt::geography) END AS offset_m,
              (SELECT a.code FROM admin_units a WHERE a.level = 'village' AND ST_Intersects(a.geom, p.pos) ORDER BY a.code LIMIT 1) AS village
       FROM p`,
      [
        part.map(([i]) => i),
        part.map(([, d]) => JSON.stringify(d.geometry)),
        part.map(([, d]) => d.point?.[0] ?? null),
        part.map(([, d]) => d.point?.[1] ?? null),
      ],
    )
    for (const row of r.rows) out.set(row.i, row)
  }
  return out
}

export interface CheckedFile {
  table: Table
  /** Data rows read (blank and totals rows not counted). */
  rows: number
  drafts: Draft[]
  valid: Draft[]
  report: Report
  sheets: { name: string; headerRow: number; rows: number }[]
  ignoredSheets: string[]
  ignoredColumns: string[]
}

/** Reads every row of every ledger sheet and checks it against the template, the map and the ledger. */
export async function checkLedger(db: Queryable, table: Table, scope: string, now: number, limits: Limits, deadline: Deadline): Promise<CheckedFile> {
  const headed: { sheet: Sheet; header: HeaderMap }[] = []
  const ignoredSheets: string[] = []
  for (const sheet of table.sheets) {
    const header = findHeader(sheet)
    if (header) headed.push({ sheet, header })
    else ignoredSheets.push(sheet.name)
  }
  const geometryHeaders = `${col('lon').zh}/${col('lat').zh} 或 ${col('wkt').zh}`
  if (headed.length === 0) {
    throw new LedgerFileError(
      400,
      'no_header',
      `找不到表头行：前 10 行中应有一行列名，至少包括 ${REQUIRED_COLUMNS.map((k) => col(k).zh).join('、')} 和 ${geometryHeaders}`,
      `no header row found: one of the first 10 rows must name the columns, at least ${REQUIRED_COLUMNS.map((k) => `${col(k).zh} (${k})`).join(', ')} and 经度/纬度 (lon/lat) or WKT`,
    )
  }
  const report = new Report(headed.length > 1, limits.problems)
  // A missing column fails the whole file whatever the mode: no row could be read right.
  for (const { sheet, header } of headed) {
    for (const k of REQUIRED_COLUMNS) {
      if (!header.columns.has(k)) report.add(sheet.name, header.headerRow, col(k).zh, k, `缺少必需的列“${col(k).zh}”`, `the required column ${col(k).zh} (${k}) is missing`)
    }
    const c = header.columns
    if (!(c.has('lon') && c.has('lat')) && !c.has('wkt')) {
      report.add(sheet.name, header.headerRow, geometryHeaders, 'geometry', `缺少位置列：须有“经度”和“纬度”两列，或“WKT”列`, 'no location columns: give both 经度 (lon) and 纬度 (lat), or a WKT column')
    }
  }
  if (report.count > 0) {
    throw new LedgerFileError(400, 'missing_columns', '表头缺少必需的列，文件未导入', 'the header row lacks required columns; nothing was imported', report.list)
  }

  const drafts: Draft[] = []
  const sheets: CheckedFile['sheets'] = []
  for (const { sheet, header } of headed) {
    let n = 0
    for (const r of sheet.rows) {
      if (r.number <= header.headerRow) continue
      const first = [header.columns.get('seq')?.index ?? 0, 0, 1].map((i) => textOf(r.cells[i] ?? null))
      if (first.some((t) => t !== '' && isTotalsLabel(t))) continue
      // A template row with only its 序号 (or other read-only columns) filled in is blank.
      if (![...header.columns].some(([k, c]) => !col(k).exportOnly && textOf(r.cells[c.index] ?? null) !== '')) continue
      drafts.push(draftOf(sheet.name, r, header, report, now, limits))
      n++
    }
    sheets.push({ name: sheet.name, headerRow: header.headerRow, rows: n })
  }
  if (drafts.length > limits.rows) throw tooManyRows(limits.rows)
  if (drafts.length === 0) throw new LedgerFileError(400, 'no_rows', '表头下没有数据行', 'there are no data rows below the header')
  deadline.check()

  const places = await loadPlaces(db)
  const located = await locate(db, drafts, deadline)
  drafts.forEach((d, i) => {
    const loc = located.get(i)
    if (!loc) return
    const bad = (field: string, zh: string, en: string, column = d.geomColumn) => report.add(d.sheet, d.row, column, field, zh, en)
    if (!['POINT', 'POLYGON', 'MULTIPOLYGON'].includes(loc.type)) return bad('geometry', `几何类型 ${loc.type} 不支持`, `${loc.type} geometries are not accepted`)
    if (!loc.valid) return bad('geometry', `几何图形无效：${loc.reason}`, `the geometry is invalid: ${loc.reason}`)
    if (loc.area !== null && loc.area > 1_000_000) return bad('geometry', `图形面积 ${Math.round(loc.area)} ㎡，超过 1 平方公里，不是一处违建`, `the site is ${Math.round(loc.area)} m²; more than 1 km² is not one structure`)
    if (loc.offset_m !== null && loc.offset_m > 50) {
      return bad('geometry', `经纬度与 WKT 图形相距 ${Math.round(loc.offset_m)} 米，二者不一致`, `the lon/lat lies ${Math.round(loc.offset_m)} m from the WKT geometry; they disagree`)
    }
    if (!loc.village) return bad('geometry', '位置不在本区范围内', 'the location lies outside the district')
    const v = places.villages.get(loc.village)!
    if (d.village !== null) {
      const named = /^\d{12}$/.test(d.village) ? places.villages.get(d.village) : undefined
      const candidates = named ? [named] : (places.byName.get(d.village) ?? [])
      if (candidates.length === 0) return bad('village', `“${d.village}”不是本区的村（社区）名称或代码`, `"${d.village}" is not the name or code of a village in the district`, columnOf(d, 'village'))
      if (!candidates.some((c) => c.code === v.code)) {
        return bad('village', `位置在${places.towns.get(v.town) ?? ''}${v.name}（${v.code}），不在“${d.village}”`, `the location lies in ${v.name} (${v.code}), not in "${d.village}"`, columnOf(d, 'village'))
      }
    }
    if (d.town !== null) {
      const codes = /^\d{9}$/.test(d.town) ? [d.town] : (places.townByName.get(d.town) ?? [])
      if (!codes.includes(v.town)) {
        return bad('town', `位置在${places.towns.get(v.town) ?? v.town}，不在“${d.town}”`, `the location lies in ${places.towns.get(v.town) ?? v.town} (${v.town}), not in "${d.town}"`, columnOf(d, 'town'))
      }
    }
    if (!v.code.startsWith(scope)) return bad('geometry', `位置在${v.name}（${v.code}），不在您的管辖范围 ${scope} 内`, `the location lies in ${v.name} (${v.code}), outside your area ${scope}`)
    d.adminCode = v.code
  })

  // Case numbers: unique in the file and in the ledger; a generated-style number names the row's village.
  const seen = new Map<string, Draft>()
  for (const d of drafts) {
    if (d.caseNo === null) continue
    const first = seen.get(d.caseNo)
    if (first) {
      const where = first.sheet === d.sheet ? `第 ${first.row} 行` : `工作表“${first.sheet}”第 ${first.row} 行`
      const whereEn = first.sheet === d.sheet ? `row ${first.row}` : `row ${first.row} of sheet "${first.sheet}"`
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号 ${d.caseNo} 与${where}重复`, `case number ${d.caseNo} repeats ${whereEn}`)
      continue
    }
    seen.set(d.caseNo, d)
    const m = /^(\d{12})-\d{4}-/.exec(d.caseNo)
    if (m && d.adminCode && m[1] !== d.adminCode) {
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号以 ${m[1]} 开头，但位置在 ${d.adminCode}`, `the case number starts with village ${m[1]} but the location lies in ${d.adminCode}`)
    }
  }
  if (seen.size > 0) {
    const taken = await db.query<{ case_no: string }>('SELECT case_no FROM cases WHERE case_no = ANY($1::text[])', [[...seen.keys()]])
    for (const { case_no } of taken.rows) {
      const d = seen.get(case_no)!
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号 ${case_no} 已在台账中`, `case number ${case_no} is already in the ledger`)
    }
  }
  deadline.check()

  const valid = drafts.filter((d) => !report.isBad(d) && d.adminCode !== null && d.use !== null && d.source !== null && d.foundMs !== null)
  // Problems in sheet order, then row, then template column order.
  const sheetOrder = new Map(headed.map(({ sheet }, i) => [sheet.name, i]))
  const fieldOrder = new Map<string, number>(COLUMNS.map((c, i) => [c.key, i]))
  fieldOrder.set('geometry', fieldOrder.get('lon')!)
  report.list.sort(
    (a, b) => (sheetOrder.get(a.sheet ?? '') ?? 0) - (sheetOrder.get(b.sheet ?? '') ?? 0) || a.row - b.row || (fieldOrder.get(a.field) ?? 99) - (fieldOrder.get(b.field) ?? 99),
  )
  return {
    table,
    rows: drafts.length,
    drafts,
    valid,
    report,
    sheets,
    ignoredSheets,
    ignoredColumns: [...new Set(headed.flatMap(({ header }) => header.ignored))],
  }

  function columnOf(d: Draft, k: ColumnKey): string {
    return headed.find(({ sheet }) => sheet.name === d.sheet)?.header.columns.get(k)?.header ?? col(k).zh
  }
}

// ---------------------------------------------------------------------------------------------
// Writing: one transaction for the whole file


export interface WriteContext {
  userId: number
  fileName: string
  mode: ImportMode
  /** Data rows in the file, for the history's "n of m rows". */
  rows: number
}

/**
 * Inserts the cases and one 'import' history row each, all in one transaction. Rows without a
 * case number get VILLAGE-YEAR-NNNN, continuing each village's sequence under the same per-village
 * advisory lock createCase takes, so an import and a hand-recorded case never draw the same number.
 */
export async function writeCases(db: Db, rows: Draft[], ctx: WriteContext, deadline: Deadline): Promise<number> {
  const partial = rows.length < ctx.rows
  const reason = partial
    ? `部分导入：台账文件《${ctx.fileName}》共 ${ctx.rows} 行，导入 ${rows.length} 行，其余 ${ctx.rows - rows.length} 行有问题未导入 / partial import of file ${ctx.fileName}: ${rows.length} of ${ctx.rows} rows`
    : `导入台账文件《${ctx.fileName}》，共 ${ctx.rows} 行全部导入 / imported from file ${ctx.fileName}: all ${ctx.rows} rows`
  try {
    return await db.transaction(async (tx) => {
      if (db.kind === 'postgis') await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [`${deadline.remainingMs()}ms`])
      const villages = [...new Set(rows.map((d) => d.adminCode!))].sort()
      await tx.query(`SELECT count(pg_advisory_xact_lock(${CASE_NO_LOCK}, hashtext(v))) FROM (SELECT unnest($1::text[]) AS v ORDER BY 1) s`, [villages])

      // Continue each VILLAGE-YEAR- sequence past what the ledger and the file already hold.
      const prefixOf = (d: Draft) => caseNoPrefix(d.adminCode!, d.foundMs!)
      const prefixes = [...new Set(rows.filter((d) => d.caseNo === null).map(prefixOf))]
      const next = new Map<string, number>()
      if (prefixes.length > 0) {
        const r = await tx.query<{ p: string; n: number }>(
          `SELECT left(case_no, 18) AS p, max(split_part(case_no, '-', 3)::int) AS n FROM cases
           WHERE left(case_no, 18) = ANY($1::text[]) AND split_part(case_no, '-', 3) ~ '^[0-9]{1,9}$'
           GROUP BY 1`,
          [prefixes],
        )
        for (const { p, n } of r.rows) next.set(p, n)
        for (const d of rows) {
          if (d.caseNo === null) continue
          const third = d.caseNo.split('-')[2] ?? ''
          const p = d.caseNo.slice(0, 18)
          if (prefixes.includes(p) && /^[0-9]{1,9}$/.test(third)) next.set(p, Math.max(next.get(p) ?? 0, Number(third)))
        }
      }
      const numbered = rows.map((d) => {
        if (d.caseNo !== null) return d.caseNo
        const p = prefixOf(d)
        const n = (next.get(p) ?? 0) + 1
        next.set(p, n)
        return formatCaseNo(p, n)
      })

      for (let k = 0; k < rows.length; k += 2000) {
        deadline.check()
        const part = rows.slice(k, k + 2000)
        const nos = numbered.slice(k, k + 2000)
        const pick = <T>(f: (d: Draft) => T) => part.map(f)
        await tx.query(
          `INSERT INTO cases (case_no, admin_code, location_text, use, ownership, building_form, floors,
                              land_area_recorded_m2, floor_area_recorded_m2, source, flags, new_construction, found_at, created_by, geom)
           SELECT no, admin, loc, use, own, form, floors, land, floor, src,
                  CASE WHEN flags = '' THEN '{}'::text[] ELSE string_to_array(flags, ',') END, newc, found, $15,
                  ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::numeric[], $9::numeric[],
                       $10::text[], $11::text[], $12::boolean[], $13::timestamptz[], $14::text[]) WITH ORDINALITY
                AS t(no, admin, loc, use, own, form, floors, land, floor, src, flags, newc, found, g, ord)
           ORDER BY ord`,
          [
            nos,
            pick((d) => d.adminCode),
            pick((d) => d.locationText),
            pick((d) => d.use),
            pick((d) => d.ownership),
            pick((d) => d.buildingForm),
            pick((d) => d.floors),
            pick((d) => d.landArea),
            pick((d) => d.floorArea),
            pick((d) => d.source),
            pick((d) => d.flags.join(',')),
            pick((d) => d.newConstruction),
            pick((d) => new Date(d.foundMs!).toISOString()),
            pick((d) => JSON.stringify(d.geometry)),
            ctx.userId,
          ],
        )
        await tx.query(
          `INSERT INTO case_history (case_id, user_id, action, to_status, reason, after)
           SELECT c.id, $1, 'import', 'identified', $2, t.a::jsonb
           FROM unnest($3::text[], $4::text[]) AS t(no, a) JOIN cases c ON c.case_no = t.no`,
          [
            ctx.userId,
            reason,
            nos,
            part.map((d, i) =>
              JSON.stringify({
                case_no: nos[i],
                admin_code: d.adminCode,
                use: d.use,
                source: d.source,
                file: ctx.fileName,
                sheet: d.sheet,
                row: d.row,
                mode: ctx.mode,
              }),
            ),
          ],
        )
      }
      deadline.check()
      return rows.length
    })
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new LedgerFileError(409, 'case_no_taken', '导入期间台账编号被占用，未导入任何记录，请重试', 'a case number was taken while the file was being imported; nothing was written, try again')
    }
    if ((err as { code?: string }).code === '57014') throw tooSlow(deadline.limits)
    throw err
  }
}

export interface ImportResult {
  imported: number
  rows: number
  problems: Problem[]
  problemCount: number
  mode: ImportMode
  file: string
  format: Table['format']
  encoding?: Table['encoding']
  crs: string
  sheets: CheckedFile['sheets']
  ignoredSheets: string[]
  ignoredColumns: string[]
}

export const IMPORT_CRS = 'EPSG:4490 (CGCS2000) lon/lat; WGS84 (EPSG:4326) read as equal'

export interface ImportRequest {
  buffer: Buffer
  fileName: string
  mode: ImportMode
  userId: number
  scope: string
  now?: number
  limits?: Partial<Limits>
}

/** Reads, checks and (if the mode allows) writes a ledger file. Throws LedgerFileError for a refused file. */
export async function importLedger(db: Db, req: ImportRequest): Promise<ImportResult> {
  const limits: Limits = { ...IMPORT_LIMITS, ...req.limits }
  const deadline = new Deadline(limits)
  const now = req.now ?? Date.now()
  const table = await readLedgerFile(req.buffer, req.fileName, limits, deadline)
  const checked = await checkLedger(db, table, req.scope, now, limits, deadline)
  const result = (imported: number): ImportResult => ({
    imported,
    rows: checked.rows,
    problems: checked.report.list,
    problemCount: checked.report.count,
    mode: req.mode,
    file: req.fileName,
    format: table.format,
    ...(table.encoding ? { encoding: table.encoding } : {}),
    crs: IMPORT_CRS,
    sheets: checked.sheets,
    ignoredSheets: checked.ignoredSheets,
    ignoredColumns: checked.ignoredColumns,
  })
  const failed = checked.rows - checked.valid.length
  if ((req.mode === 'all_or_nothing' && failed > 0) || checked.valid.length === 0) {
    const zh =
      req.mode === 'all_or_nothing'
        ? `${checked.rows} 行中有 ${failed} 行有问题，未导入任何记录（可改正后重新导入，或选择“仅导入无误的行”）`
        : `${checked.rows} 行都有问题，未导入任何记录`
    const en =
      req.mode === 'all_or_nothing'
        ? `${failed} of ${checked.rows} rows have problems; nothing was imported (fix them, or import with mode=valid_rows_only)`
        : `all ${checked.rows} rows have problems; nothing was imported`
    throw new LedgerFileError(400, 'rows_invalid', zh, en, checked.report.list).withResult(result(0))
  }
  const imported = await writeCases(db, checked.valid, { userId: req.userId, fileName: req.fileName, mode: req.mode, rows: checked.rows }, deadline)
  return result(imported)
}
