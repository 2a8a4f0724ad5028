// Reading a ledger (台账) file staff keep in Excel or CSV, checking every row, and writing the
// cases in one transaction. Reading is bounded (bytes, zip parts, unzipped bytes, rows, time);
// every problem is reported by sheet, spreadsheet row and column header, in Chinese and English.
//
// Memory is bounded by the chunk, not the file: rows stream from the file on disk (the XLSX read in
// place by yauzl, a CSV decoded as it is read), are checked and located in PostGIS chunkRows at a time,
// and the good ones are staged as NDJSON in a temp file; only then, if the file may be written, one
// transaction reads the stage back and inserts every case (all or nothing). What is kept across the
// file is what the report and the numbering need: the listed problems (capped), case numbers seen,
// and per village the counts.
//
// A row may carry the case's progress (整治状态, 处置方式, dates, demolished areas, reuse): it is checked
// against the lifecycle by checkMigratedState (domain/case-lifecycle.ts) and written as it stands.
// A row without coordinates is placed at a point on its village (待定位, location_pending).
//
// Geometry is read as lon/lat in CGCS2000 (EPSG:4490), WGS84 treated as equal at metre level,
// from 经度/纬度 (a point) or a WKT column (Point, Polygon, MultiPolygon). Nothing else is guessed:
// projected (Gauss-Krüger) metres and swapped lon/lat are refused with a message saying so.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import wkx from 'wkx'
import type { Db, Queryable } from '../db/db.ts'
import { IMPORT_MODES, type ImportMode } from '../domain/case-types.ts'
import type { LedgerImportProblem, LedgerImportProgress, LedgerImportResult, SheetSummary } from '../schemas/cases.schema.ts'
import { checkMigratedState, isMigrationIssue, STATUS_ZH, type CaseStatus, type Disposal, type MigratedField, type MigratedState, type Reuse } from '../domain/case-lifecycle.ts'
import { listTownsAndVillages } from '../repos/admin-units.repo.ts'
import { caseNoPrefix, formatCaseNo } from '../repos/cases.repo.ts'
import {
  highestCaseNumbers,
  insertImportedCases,
  insertImportHistory,
  locateGeometries,
  lockCaseNumbering,
  takenCaseNumbers,
  type ImportedCase,
  type LocatedGeometry,
} from '../repos/ledger-import.repo.ts'
import { beijingDate, fromBeijingWallClock } from '../domain/beijing-clock.ts'
import { setTransactionTimeout } from '../db/transaction-timeout.ts'
import {
  col,
  COLUMNS,
  columnForHeader,
  DISPOSAL_LABELS,
  IMPORT_LIMITS,
  isTotalsLabel,
  OWNERSHIP,
  parseYesNo,
  REQUIRED_COLUMNS,
  REUSE_LABELS,
  SOURCES,
  STATUSES,
  unneutralise,
  USES,
  type CaseFlag,
  type CaseSource,
  type CaseUse,
  type ColumnKey,
  type Ownership,
} from './ledger-template.ts'
import { CellError, openXlsx, XlsxRefused, type Cell, type SheetRow, type XlsxSource } from './xlsx-reader.ts'
import { holds, type Scope } from '../domain/scope.ts'
import { FileRefused } from './formats/reader.ts'
import { geometryFaults } from './formats/geojson-check.ts'

export { IMPORT_MODES, type ImportMode }

/** A file the importer refuses as a whole (not a spreadsheet, too big, no header …), with the
 *  problems of its rows when they were read; the answer is the import report with nothing imported. */
export class LedgerFileError extends FileRefused {
  constructor(code: string, zh: string, en: string, status: 400 | 409 | 413 = 400, readonly problems: LedgerImportProblem[] = []) {
    super(code, zh, en, status, 'file', { imported: 0, problems, problemCount: problems.length })
  }
  /** The report of a file whose rows were read but not written. */
  result?: LedgerImportResult
  withResult(result: LedgerImportResult): this {
    this.result = result
    Object.assign(this.extra, result)
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
  format: LedgerImportResult['format']
  /** CSV only: the text encoding it was read in. */
  encoding?: LedgerImportResult['encoding']
  sheets: Sheet[]
}

const notSpreadsheet = (what: string, whatEn: string) =>
  new LedgerFileError('not_a_spreadsheet', `文件不是台账表格（${what}）：请上传 .xlsx 或 CSV 文件`, `the file is not a ledger spreadsheet (${whatEn}): upload an .xlsx or a CSV file`)

function tooSlow(limits: Limits): LedgerFileError {
  return new LedgerFileError(
    'too_slow',
    `文件处理超时（${limits.seconds} 秒，另加每千行 ${limits.secondsPer1000Rows} 秒），请拆分为较小的文件`,
    `reading, checking and writing the file took more than ${limits.seconds} s plus ${limits.secondsPer1000Rows} s per thousand rows; split it into smaller files`,
    413,
  )
}

/** The time a file may take: limits.seconds, plus limits.secondsPer1000Rows for every thousand rows read. */
export class Deadline {
  private end: number
  constructor(
    readonly limits: Limits,
    private readonly start = Date.now(),
  ) {
    this.end = start + limits.seconds * 1000
  }
  /** Rows read so far: a bigger file is given more time. */
  grow(rows: number): void {
    this.end = this.start + (this.limits.seconds + (rows / 1000) * this.limits.secondsPer1000Rows) * 1000
  }
  check(): void {
    if (Date.now() > this.end) throw tooSlow(this.limits)
  }
  remainingMs(): number {
    return Math.max(1, this.end - Date.now())
  }
}

const startsWith = (buf: Uint8Array, bytes: number[]) => bytes.every((b, i) => buf[i] === b)

/** The file as uploaded: spooled to disk (the route), or in memory (tests, small callers). */
export type LedgerInput = { path: string } | { buffer: Buffer }

export interface SourceSheet {
  name: string
  rows: AsyncIterable<SheetRow>
}

/** A ledger file opened for reading, its sheets and rows streamed in order. */
export interface LedgerSource {
  format: 'xlsx' | 'csv'
  encoding?: Table['encoding']
  sheets: SourceSheet[]
  /** How far reading has got, 0–1. */
  progress(): number
  close(): void
}

const READ_CHUNK = 1024 * 1024

async function* bytesOf(input: LedgerInput): AsyncGenerator<Uint8Array> {
  if ('buffer' in input) {
    for (let k = 0; k < input.buffer.length; k += READ_CHUNK) yield input.buffer.subarray(k, k + READ_CHUNK)
    return
  }
  for await (const chunk of createReadStream(input.path, { highWaterMark: READ_CHUNK })) yield chunk as Buffer
}

async function sizeAndHead(input: LedgerInput): Promise<{ size: number; head: Buffer }> {
  if ('buffer' in input) return { size: input.buffer.length, head: input.buffer.subarray(0, 8192) }
  const fh = await open(input.path, 'r')
  try {
    const size = (await fh.stat()).size
    const head = Buffer.alloc(Math.min(8192, size))
    await fh.read(head, 0, head.length, 0)
    return { size, head }
  } finally {
    await fh.close()
  }
}

/** Opens a ledger file: refuses what is not a spreadsheet or is too big, and streams its rows. */
export async function openLedgerSource(input: LedgerInput, fileName: string, limits: Limits): Promise<LedgerSource> {
  const { size, head } = await sizeAndHead(input)
  if (size === 0) throw new LedgerFileError('empty_file', '文件为空', 'the file is empty')
  if (size > limits.fileBytes) throw fileTooLarge(limits)
  const lower = fileName.toLowerCase()
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) || lower.endsWith('.xls') || lower.endsWith('.et')) {
    throw new LedgerFileError(
      'legacy_xls',
      '这是旧版 Excel 97-2003（.xls）或 WPS（.et）文件：请在 Excel/WPS 中“另存为” .xlsx 或 CSV UTF-8 后再上传',
      'this is a legacy Excel 97-2003 (.xls) or WPS (.et) file: save it as .xlsx or CSV UTF-8 in Excel/WPS and upload that',
    )
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return openXlsxSource('buffer' in input ? input.buffer : input.path, limits)
  }
  if (lower.endsWith('.xlsx')) throw notSpreadsheet('扩展名是 .xlsx，但内容不是 Excel 工作簿', 'named .xlsx but its contents are not an Excel workbook')
  const encoding = await detectEncoding(input, head)
  let read = 0
  async function* rows(): AsyncGenerator<SheetRow> {
    const decoder = new TextDecoder(encoding, { fatal: true })
    const parser = new CsvParser()
    const skip = encoding === 'utf-8' && startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : encoding.startsWith('utf-16') ? 2 : 0
    let first = true
    for await (let chunk of bytesOf(input)) {
      read += chunk.length
      if (first) {
        chunk = chunk.subarray(skip)
        first = false
      }
      let text: string
      try {
        text = decoder.decode(chunk, { stream: true })
      } catch {
        throw badEncoding()
      }
      yield* parser.push(text)
    }
    yield* parser.push(decoder.decode())
    yield* parser.end()
  }
  return { format: 'csv', encoding, sheets: [{ name: sheetNameOfFile(fileName), rows: rows() }], progress: () => Math.min(1, read / size), close: () => {} }
}

async function openXlsxSource(src: XlsxSource, limits: Limits): Promise<LedgerSource> {
  try {
    const book = await openXlsx(src, limits)
    if (book.sheets.length === 0) {
      book.close()
      throw notSpreadsheet('工作簿中没有工作表', 'a workbook without worksheets')
    }
    return {
      format: 'xlsx',
      sheets: book.sheets.map((s) => ({ name: s.name, rows: refusedAsLedger(s.rows()) })),
      progress: () => book.progress(),
      close: () => book.close(),
    }
  } catch (err) {
    throw asLedgerError(err)
  }
}

/** The reader's refusals in the ledger's words. */
function asLedgerError(err: unknown): unknown {
  if (!(err instanceof XlsxRefused)) return err
  if (err.code === 'not_a_workbook') return notSpreadsheet(err.zh, err.message)
  return new LedgerFileError(err.code, err.zh, err.message, err.status === 413 ? 413 : 400)
}

async function* refusedAsLedger(rows: AsyncGenerator<SheetRow>): AsyncGenerator<SheetRow> {
  try {
    yield* rows
  } catch (err) {
    throw asLedgerError(err)
  }
}

/** A whole file read into memory (small files and tests): every sheet's rows, the row cap enforced. */
export async function readLedgerFile(buf: Buffer, fileName: string, limits: Limits, deadline: Deadline): Promise<Table> {
  const source = await openLedgerSource({ buffer: buf }, fileName, limits)
  try {
    deadline.check()
    const sheets: Sheet[] = []
    let total = 0
    for (const s of source.sheets) {
      const sheet: Sheet = { name: s.name, rows: [] }
      sheets.push(sheet)
      for await (const row of s.rows) {
        sheet.rows.push(row)
        if (++total > limits.rows + 100) throw tooManyRows(limits.rows)
        if (total % 2000 === 0) deadline.check()
      }
    }
    return { format: source.format, ...(source.encoding ? { encoding: source.encoding } : {}), sheets }
  } finally {
    source.close()
  }
}

export const fileTooLarge = (limits: Limits) =>
  new LedgerFileError(
    'file_too_large',
    `文件超过 ${limits.fileBytes / 1024 / 1024} MB 上限，请拆分后分批导入`,
    `the file is larger than the ${limits.fileBytes / 1024 / 1024} MB limit; split it and import the parts`,
    413,
  )

function sheetNameOfFile(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'csv'
}

// ---- CSV ----

const badEncoding = () =>
  new LedgerFileError(
    'bad_encoding',
    '文本编码无法识别：请将 CSV 另存为 UTF-8 编码（Excel：“CSV UTF-8（逗号分隔）”）',
    'the text is neither UTF-8 nor GBK/GB18030: save the CSV as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)")',
  )

/**
 * UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK (Excel's "CSV" on Chinese Windows):
 * a file that is not valid UTF-8 all through (checked streaming, nothing kept) is read as GB18030.
 */
async function detectEncoding(input: LedgerInput, head: Buffer): Promise<NonNullable<Table['encoding']>> {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return 'utf-8'
  if (startsWith(head, [0xff, 0xfe])) return 'utf-16le'
  if (startsWith(head, [0xfe, 0xff])) return 'utf-16be'
  // Binary files (images, PDFs, archives) hold NUL bytes or many control characters early on.
  let control = 0
  for (const b of head) {
    if (b === 0) throw notSpreadsheet('二进制文件', 'a binary file')
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) control++
  }
  if (control > head.length / 100 + 2) throw notSpreadsheet('二进制文件', 'a binary file')
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of bytesOf(input)) decoder.decode(chunk, { stream: true })
    decoder.decode()
    return 'utf-8'
  } catch {
    return 'gb18030'
  }
}

/** Text of a whole buffer as detectEncoding reads it (tests and small callers). */
export function decodeText(buf: Buffer): { text: string; encoding: NonNullable<Table['encoding']> } {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return { text: utf8(buf.subarray(3)), encoding: 'utf-8' }
  if (startsWith(buf, [0xff, 0xfe])) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' }
  if (startsWith(buf, [0xfe, 0xff])) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' }
  try {
    return { text: utf8(buf), encoding: 'utf-8' }
  } catch {
    try {
      return { text: new TextDecoder('gb18030', { fatal: true }).decode(buf), encoding: 'gb18030' }
    } catch {
      throw badEncoding()
    }
  }
}

const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b)

/**
 * RFC 4180 with what spreadsheets write: quoted fields with "" escapes and line breaks, CRLF or LF,
 * comma, tab or semicolon as the delimiter (whichever the first line uses most).
 * Row numbers are the line on which each record starts. Text is pushed in pieces as it is decoded;
 * a piece may end anywhere (inside a quote, between CR and LF).
 */
export class CsvParser {
  private delimiter: string | null = null
  private pending = ''
  private line = 1
  private recordLine = 1
  private field = ''
  private cells: Cell[] = []
  private quoted = false
  private quoteLine = 0

  /** Rows completed by this piece of text. */
  push(text: string): SheetRow[] {
    let t = this.pending + text
    this.pending = ''
    if (this.delimiter === null) {
      const eol = t.search(/\r|\n/)
      if (eol < 0) {
        this.pending = t
        return []
      }
      this.delimiter = delimiterOf(t.slice(0, eol))
    }
    // A CR or a quote at the very end may pair with the next piece's first character.
    const last = t[t.length - 1]
    if (last === '\r' || last === '"') {
      this.pending = last
      t = t.slice(0, -1)
    }
    return this.run(t)
  }

  /** The last rows, at the end of the text. */
  end(): SheetRow[] {
    const t = this.pending
    this.pending = ''
    if (this.delimiter === null) this.delimiter = delimiterOf(t.slice(0, Math.max(0, t.search(/\r|\n/)) || t.length))
    const out = this.run(t)
    if (this.quoted) {
      throw new LedgerFileError('bad_csv', `CSV 第 ${this.quoteLine} 行的引号没有闭合`, `the quoted field that starts on line ${this.quoteLine} of the CSV is never closed`)
    }
    if (this.field !== '' || this.cells.length > 0) this.endRecord(out)
    return out
  }

  private endRecord(out: SheetRow[]) {
    this.cells.push(this.field)
    this.field = ''
    if (this.cells.some((c) => c !== '')) out.push({ number: this.recordLine, cells: this.cells })
    this.cells = []
  }

  private run(text: string): SheetRow[] {
    const out: SheetRow[] = []
    const delimiter = this.delimiter!
    let i = 0
    while (i < text.length) {
      const ch = text[i]!
      if (this.quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            this.field += '"'
            i += 2
            continue
          }
          this.quoted = false
          i++
          continue
        }
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) this.line++
        this.field += ch
        i++
        continue
      }
      if (ch === '"' && this.field === '') {
        this.quoted = true
        this.quoteLine = this.line
        i++
      } else if (ch === delimiter) {
        this.cells.push(this.field)
        this.field = ''
        i++
      } else if (ch === '\r' || ch === '\n') {
        this.endRecord(out)
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
        this.line++
        this.recordLine = this.line
      } else {
        this.field += ch
        i++
      }
    }
    return out
  }
}

function delimiterOf(firstLine: string): string {
  const counts = [',', '\t', ';'].map((d) => [d, firstLine.split(d).length - 1] as const)
  return counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0]
}

/** A whole CSV text at once. */
export function parseCsv(text: string, limits: Pick<Limits, 'rows'>): SheetRow[] {
  const parser = new CsvParser()
  const rows = [...parser.push(text), ...parser.end()]
  if (rows.length > limits.rows + 100) throw tooManyRows(limits.rows)
  return rows
}

const tooManyRows = (max: number) =>
  new LedgerFileError('too_many_rows', `文件超过 ${max} 行上限，请拆分后分批导入`, `the file has more than ${max} data rows; split it and import the parts`, 413)

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
  /** No coordinates: placed at a point on its village, flagged 待定位. */
  pending: boolean
  /** The progress it carries over: status and the columns its steps write (checkMigratedState). */
  status: CaseStatus
  progress: Record<string, string | number | null>
  /** What the history says of that progress (zh / en); null for a case just identified. */
  progressText: { zh: string; en: string } | null
}

interface HeaderMap {
  headerRow: number
  /** key → column index and header text. */
  columns: Map<ColumnKey, { index: number; header: string }>
  ignored: string[]
}

/** Problems in template column order within a row (geometry where lon/lat stand). */
const FIELD_ORDER: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>(COLUMNS.map((c, i) => [c.key, i]))
  m.set('geometry', m.get('lon')!)
  return m
})()

/**
 * The problems of a file: every one counted, the first `max` listed. Rows are checked a chunk at a
 * time; a chunk's problems are sorted by row and column when the chunk is done (flush), so the list
 * runs in file order. Which rows are bad is kept for the current chunk only.
 */
export class Report {
  readonly list: LedgerImportProblem[] = []
  count = 0
  private chunk: (LedgerImportProblem & { sheet: string })[] = []
  private readonly bad = new Set<string>()
  constructor(private readonly max: number) {}
  add(sheet: string, row: number, column: string, field: string, zh: string, en: string) {
    this.count++
    this.bad.add(`${sheet}\u0000${row}`)
    if (this.list.length + this.chunk.length < this.max) this.chunk.push({ sheet, row, column, field, message: zh, messageEn: en })
  }
  isBad(d: { sheet: string; row: number }) {
    return this.bad.has(`${d.sheet}\u0000${d.row}`)
  }
  /** The chunk is done: its problems join the list in row and column order. */
  flush(): void {
    this.chunk.sort((a, b) => a.row - b.row || (FIELD_ORDER.get(a.field) ?? 99) - (FIELD_ORDER.get(b.field) ?? 99))
    this.list.push(...this.chunk)
    this.chunk = []
    this.bad.clear()
  }
  /** The listed problems; sheet names only when the file has more than one ledger sheet. */
  problems(multiSheet: boolean): LedgerImportProblem[] {
    return multiSheet ? this.list : this.list.map(({ sheet: _, ...p }) => p)
  }
}

/** The header row: the first of the top ten rows where three or more cells name template columns. */
function findHeader(sheet: { name: string }, top: readonly SheetRow[]): HeaderMap | null {
  for (const r of top.slice(0, 10)) {
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
  if (c instanceof Date) return fromBeijingWallClock(Math.round(c.getTime()))
  if (typeof c === 'number') {
    if (c < 20_000 || c > 80_000) return undefined // 1954 … 2119 as an Excel serial day
    return fromBeijingWallClock(Math.round((c - 25_569) * 86_400_000))
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
  if (!zone) return fromBeijingWallClock(wall)
  if (zone.toUpperCase() === 'Z') return wall
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

const EARLIEST_FOUND = fromBeijingWallClock(Date.UTC(1980, 0, 1))

type Village = { code: string; name: string; town: string }
interface Places {
  villages: Map<string, Village>
  byName: Map<string, Village[]>
  towns: Map<string, string> // code → name
  townByName: Map<string, string[]>
}

async function loadPlaces(db: Queryable): Promise<Places> {
  const p: Places = { villages: new Map(), byName: new Map(), towns: new Map(), townByName: new Map() }
  for (const u of await listTownsAndVillages(db)) {
    if (u.level === 'town') {
      p.towns.set(u.code, u.name)
      p.townByName.set(u.name, [...(p.townByName.get(u.name) ?? []), u.code])
    } else {
      const v = { code: u.code, name: u.name, town: u.parentCode ?? '' }
      p.villages.set(u.code, v)
      p.byName.set(u.name, [...(p.byName.get(u.name) ?? []), v])
    }
  }
  return p
}

const MAX_TEXT: Partial<Record<ColumnKey, number>> = { case_no: 64, location_text: 500, building_form: 100, village: 100, town: 100, disposal_reason: 500 }

/** The column each field of checkMigratedState's report stands in. */
const MIGRATED_COLUMN: Readonly<Record<MigratedField, ColumnKey>> = {
  status: 'status', foundAt: 'found_at', notifiedAt: 'notified_at', orderIssuedAt: 'order_issued_at', deadline: 'deadline',
  disposal: 'disposal', disposedAt: 'disposed_at', demolishedLandAreaM2: 'demolished_land_area_m2', demolishedFloorAreaM2: 'demolished_floor_area_m2',
  reuse: 'reuse', regreenedAreaM2: 'regreened_area_m2', acceptedAt: 'accepted_at', closedAt: 'closed_at', disposalReason: 'disposal_reason',
}


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
  const area = (k: ColumnKey, max: number, zeroAllowed = false): number | null => {
    if (formulaOrError(k) || textOf(cell(k)) === '') return null
    const n = numberOf(cell(k))
    if (n === undefined) {
      bad(k, `“${textOf(cell(k))}”不是数字`, `"${textOf(cell(k))}" is not a number`)
      return null
    }
    const rounded = Math.round(n * 100) / 100
    if (zeroAllowed ? !(rounded >= 0) : !(rounded > 0)) {
      bad(k, zeroAllowed ? '面积不能为负数' : '面积必须大于 0', zeroAllowed ? 'the area cannot be negative' : 'the area must be more than 0 m²')
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
    pending: false,
    status: 'identified',
    progress: {},
    progressText: null,
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

  // Progress (整治进度): read every cell, then check the whole against the lifecycle.
  const before = report.count
  const dateOf = (k: ColumnKey): number | null => {
    if (formulaOrError(k)) return null
    const c = cell(k)
    if (textOf(c) === '') return null
    const t = timeOf(c)
    if (t === undefined) bad(k, `“${textOf(c)}”不是日期，应为 2024-05-01 或 2024-05-01 08:30`, `"${textOf(c)}" is not a date; write 2024-05-01 or 2024-05-01 08:30`)
    else if (k !== 'deadline' && t > now + 5 * 60_000) bad(k, '时间在未来', 'the date is in the future')
    else if (t < EARLIEST_FOUND) bad(k, '时间早于 1980 年', 'the date is before 1980')
    else return t
    return null
  }
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  const deadlineMs = dateOf('deadline')
  const state: MigratedState = {
    status: enumOf<CaseStatus>('status', STATUSES, false) ?? 'identified',
    foundAt: iso(d.foundMs) ?? '',
    notifiedAt: iso(dateOf('notified_at')),
    orderIssuedAt: iso(dateOf('order_issued_at')),
    deadline: deadlineMs === null ? null : beijingDate(deadlineMs),
    disposal: enumOf<Disposal>('disposal', DISPOSAL_LABELS, false),
    disposedAt: iso(dateOf('disposed_at')),
    demolishedLandAreaM2: area('demolished_land_area_m2', 1_000_000, true),
    demolishedFloorAreaM2: area('demolished_floor_area_m2', 50_000_000, true),
    reuse: enumOf<Reuse>('reuse', REUSE_LABELS, false),
    regreenedAreaM2: area('regreened_area_m2', 1_000_000, true),
    acceptedAt: iso(dateOf('accepted_at')),
    closedAt: iso(dateOf('closed_at')),
    disposalReason: text('disposal_reason'),
  }
  if (report.count === before && d.foundMs !== null) {
    const plan = checkMigratedState(state, new Date(now))
    if (isMigrationIssue(plan)) bad(MIGRATED_COLUMN[plan.field], plan.zh, plan.en)
    else {
      const { status, ...progress } = plan.changes
      d.status = status as CaseStatus
      d.progress = progress
      d.progressText = d.status === 'identified' ? null : progressText(state)
    }
  }
  return d
}

/** 状态 已拆除（自拆），拆除时间 2024-05-01 …: what a migrated case's history says it came with. */
function progressText(s: MigratedState): { zh: string; en: string } {
  const day = (v: string | null | undefined) => (v ? beijingDate(Date.parse(v)) : null)
  const parts: [string, string, string | number | null | undefined][] = [
    ['告知时间', 'notified', day(s.notifiedAt)],
    ['限期拆除决定时间', 'order issued', day(s.orderIssuedAt)],
    ['整改期限', 'deadline', s.deadline],
    ['拆除时间', 'disposed', day(s.disposedAt)],
    ['拆除占地面积', 'demolished land m²', s.demolishedLandAreaM2],
    ['拆除建筑面积', 'demolished floor m²', s.demolishedFloorAreaM2],
    ['再利用方式', 'reuse', s.reuse ? REUSE_LABELS.label[s.reuse] : null],
    ['复绿面积', 're-greened m²', s.regreenedAreaM2],
    ['验收时间', 'accepted', day(s.acceptedAt)],
    ['销账时间', 'closed', day(s.closedAt)],
    ['暂缓原因', 'deferred because', s.status === 'deferred' ? s.disposalReason : null],
  ]
  const given = parts.filter(([, , v]) => v !== null && v !== undefined && v !== '')
  const disposal = s.disposal ? `（${DISPOSAL_LABELS.label[s.disposal]}）` : ''
  return {
    zh: [`状态 ${STATUS_ZH[s.status]}${disposal}`, ...given.map(([zh, , v]) => `${zh} ${v}`)].join('，'),
    en: [`status ${s.status}${s.disposal ? ` (${s.disposal})` : ''}`, ...given.map(([, en, v]) => `${en} ${v}`)].join(', '),
  }
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
    if (!point) {
      // no coordinates: placed at its village if the row names one (checked with the chunk)
      d.pending = true
      d.geomColumn = lonLatColumn
      return
    }
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
  // 2D only, every coordinate a finite lon/lat, well-formed (rings closed with four or more positions)
  const positions: number[][] = g.type === 'Point' ? [g.coordinates] : g.type === 'Polygon' ? g.coordinates.flat() : g.coordinates.flat(2)
  if (positions.length === 0 || positions[0]!.length < 2) return wktBad('WKT 是空几何', 'the WKT geometry is empty')
  if (positions.length > limits.vertices) return wktBad(`WKT 超过 ${limits.vertices} 个顶点`, `the WKT has more than ${limits.vertices} vertices`)
  for (const p of positions) p.length = 2
  for (const [x, y] of positions) {
    const problem = coordinateProblem(x!, y!)
    if (problem) return wktBad(problem[0], problem[1])
  }
  const fault = geometryFaults(g)[0]
  if (fault) return wktBad(`WKT 的${fault.zh}`, `the WKT's ${fault.en}`)
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

type Located = LocatedGeometry

/** Validity, area, and the village each geometry lies in (by a point on its surface), in batches. */
async function locate(db: Queryable, drafts: Draft[], deadline: Deadline): Promise<Map<number, Located>> {
  const out = new Map<number, Located>()
  const withGeom = drafts.map((d, i) => [i, d] as const).filter(([, d]) => d.geometry !== null)
  for (let k = 0; k < withGeom.length; k += 2000) {
    deadline.check()
    const part = withGeom.slice(k, k + 2000)
    const rows = await locateGeometries(db, part.map(([i, d]) => ({ i, geojson: JSON.stringify(d.geometry), point: d.point ?? null })))
    for (const row of rows) out.set(row.i, row)
  }
  return out
}


/** How far an import has got, updated as it runs (a background import is polled for it). */
export type ImportProgress = LedgerImportProgress

export const newProgress = (): ImportProgress => ({ phase: 'reading', fraction: 0, rowsRead: 0, rowsValid: 0, rowsWritten: 0, problemCount: 0 })

/** One good row as staged (NDJSON), until the file is known to be written. */
interface Staged {
  no: string | null
  admin: string
  loc: string | null
  use: CaseUse
  own: Ownership | null
  form: string | null
  floors: number | null
  land: number | null
  floor: number | null
  src: CaseSource
  flags: CaseFlag[]
  newc: boolean
  found: number
  /** GeoJSON, or null: placed at the village (待定位). */
  g: string | null
  sheet: string
  row: number
  status: CaseStatus
  p: Record<string, string | number | null>
  pt: { zh: string; en: string } | null
}

/** Good rows on disk, written with backpressure and read back in order. */
class Stage {
  private out: ReturnType<typeof createWriteStream> | null = null
  count = 0
  private constructor(readonly dir: string) {}
  static async create(): Promise<Stage> {
    return new Stage(await mkdtemp(join(tmpdir(), 'chaiwei-ledger-')))
  }
  private get path() {
    return join(this.dir, 'stage.ndjson')
  }
  async add(rows: Staged[]): Promise<void> {
    if (rows.length === 0) return
    this.out ??= createWriteStream(this.path)
    const out = this.out
    if (!out.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    this.count += rows.length
  }
  async *read(size: number): AsyncGenerator<Staged[]> {
    if (this.out) {
      const out = this.out
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject)
        out.end(() => resolve())
      })
      this.out = null
    }
    if (this.count === 0) return
    let part: Staged[] = []
    for await (const line of createInterface({ input: createReadStream(this.path), crlfDelay: Infinity })) {
      if (!line) continue
      part.push(JSON.parse(line) as Staged)
      if (part.length === size) {
        yield part
        part = []
      }
    }
    if (part.length) yield part
  }
  async dispose(): Promise<void> {
    this.out?.destroy()
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** What the whole-file checks keep between chunks: bounded by the case numbers and villages, not the rows. */
interface FileState {
  places: Places
  scope: Scope
  /** Case numbers given in the file: where each was first seen. */
  seenNos: Map<string, { sheet: string; row: number }>
  /** VILLAGE-YEAR- prefixes the good rows need numbers in, and the highest number the file gives in each. */
  prefixes: Set<string>
  fileMax: Map<string, number>
  villages: Set<string>
  pending: number
}

const pendingColumn = (d: Draft, columnOf: (k: ColumnKey) => string) => (d.village !== null ? columnOf('village') : d.geomColumn)

/**
 * Checks one chunk of drafts against the map and the ledger (location, village and town, scope,
 * case numbers) and returns the good ones, staged form. Problems go to the report.
 */
async function checkChunk(db: Queryable, drafts: Draft[], f: FileState, report: Report, columnOf: (d: Draft, k: ColumnKey) => string, deadline: Deadline): Promise<Staged[]> {
  const { places, scope } = f
  const located = await locate(db, drafts, deadline)
  drafts.forEach((d, i) => {
    const bad = (field: string, zh: string, en: string, column = d.geomColumn) => report.add(d.sheet, d.row, column, field, zh, en)
    const named = (): Village[] => {
      if (d.village === null) return []
      const byCode = /^\d{12}$/.test(d.village) ? places.villages.get(d.village) : undefined
      return byCode ? [byCode] : (places.byName.get(d.village) ?? [])
    }
    const townCodes = () => (d.town === null ? null : /^\d{9}$/.test(d.town) ? [d.town] : (places.townByName.get(d.town) ?? []))
    if (d.pending) {
      // 待定位: the village (and town) named place the case, at a point on the village.
      const column = pendingColumn(d, (k) => columnOf(d, k))
      if (d.village === null) {
        return bad('geometry', '缺少位置：请填写经度/纬度或 WKT；没有坐标时须填写所在村（社区），先放在村里待定位', 'no location: give longitude/latitude or WKT; without coordinates, name the village so the case is placed there until located', d.geomColumn)
      }
      let candidates = named()
      if (candidates.length === 0) return bad('village', `“${d.village}”不是本区的村（社区）名称或代码`, `"${d.village}" is not the name or code of a village in the district`, column)
      const towns = townCodes()
      if (towns !== null) {
        candidates = candidates.filter((c) => towns.includes(c.town))
        if (candidates.length === 0) return bad('town', `“${d.town}”没有名为“${d.village}”的村（社区）`, `"${d.town}" has no village "${d.village}"`, columnOf(d, 'town'))
      }
      if (candidates.length > 1) {
        return bad('village', `本区有 ${candidates.length} 个“${d.village}”，请填写所在镇街或村代码`, `${candidates.length} villages in the district are called "${d.village}"; give the town or the village code`, column)
      }
      const v = candidates[0]!
      if (!holds(scope, v.code)) return bad('village', `${v.name}（${v.code}）不在您的管辖范围 ${scope} 内`, `${v.name} (${v.code}) lies outside your area ${scope}`, column)
      d.adminCode = v.code
      return
    }
    const loc = located.get(i)
    if (!loc) return
    if (!['POINT', 'POLYGON', 'MULTIPOLYGON'].includes(loc.type)) return bad('geometry', `几何类型 ${loc.type} 不支持`, `${loc.type} geometries are not accepted`)
    if (!loc.valid) return bad('geometry', `几何图形无效：${loc.reason}`, `the geometry is invalid: ${loc.reason}`)
    if (loc.area !== null && loc.area > 1_000_000) return bad('geometry', `图形面积 ${Math.round(loc.area)} ㎡，超过 1 平方公里，不是一处违建`, `the site is ${Math.round(loc.area)} m²; more than 1 km² is not one structure`)
    if (loc.offset_m !== null && loc.offset_m > 50) {
      return bad('geometry', `经纬度与 WKT 图形相距 ${Math.round(loc.offset_m)} 米，二者不一致`, `the lon/lat lies ${Math.round(loc.offset_m)} m from the WKT geometry; they disagree`)
    }
    if (!loc.village) return bad('geometry', '位置不在本区范围内', 'the location lies outside the district')
    const v = places.villages.get(loc.village)!
    if (d.village !== null) {
      const candidates = named()
      if (candidates.length === 0) return bad('village', `“${d.village}”不是本区的村（社区）名称或代码`, `"${d.village}" is not the name or code of a village in the district`, columnOf(d, 'village'))
      if (!candidates.some((c) => c.code === v.code)) {
        return bad('village', `位置在${places.towns.get(v.town) ?? ''}${v.name}（${v.code}），不在“${d.village}”`, `the location lies in ${v.name} (${v.code}), not in "${d.village}"`, columnOf(d, 'village'))
      }
    }
    const towns = townCodes()
    if (towns !== null && !towns.includes(v.town)) {
      return bad('town', `位置在${places.towns.get(v.town) ?? v.town}，不在“${d.town}”`, `the location lies in ${places.towns.get(v.town) ?? v.town} (${v.town}), not in "${d.town}"`, columnOf(d, 'town'))
    }
    if (!holds(scope, v.code)) return bad('geometry', `位置在${v.name}（${v.code}），不在您的管辖范围 ${scope} 内`, `the location lies in ${v.name} (${v.code}), outside your area ${scope}`)
    d.adminCode = v.code
  })

  // Case numbers: unique in the file and in the ledger; a generated-style number names the row's village.
  const fresh = new Map<string, Draft>()
  for (const d of drafts) {
    if (d.caseNo === null) continue
    const first = f.seenNos.get(d.caseNo)
    if (first) {
      const where = first.sheet === d.sheet ? `第 ${first.row} 行` : `工作表“${first.sheet}”第 ${first.row} 行`
      const whereEn = first.sheet === d.sheet ? `row ${first.row}` : `row ${first.row} of sheet "${first.sheet}"`
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号 ${d.caseNo} 与${where}重复`, `case number ${d.caseNo} repeats ${whereEn}`)
      continue
    }
    f.seenNos.set(d.caseNo, { sheet: d.sheet, row: d.row })
    fresh.set(d.caseNo, d)
    const m = /^(\d{12})-\d{4}-/.exec(d.caseNo)
    if (m && d.adminCode && m[1] !== d.adminCode) {
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号以 ${m[1]} 开头，但位置在 ${d.adminCode}`, `the case number starts with village ${m[1]} but the location lies in ${d.adminCode}`)
    }
  }
  if (fresh.size > 0) {
    for (const case_no of await takenCaseNumbers(db, [...fresh.keys()])) {
      const d = fresh.get(case_no)!
      report.add(d.sheet, d.row, columnOf(d, 'case_no'), 'case_no', `台账编号 ${case_no} 已在台账中`, `case number ${case_no} is already in the ledger`)
    }
  }

  const good = drafts.filter((d) => !report.isBad(d) && d.adminCode !== null && d.use !== null && d.source !== null && d.foundMs !== null)
  for (const d of good) {
    f.villages.add(d.adminCode!)
    if (d.pending) f.pending++
    if (d.caseNo === null) f.prefixes.add(caseNoPrefix(d.adminCode!, d.foundMs!))
    else {
      const [, , third = ''] = d.caseNo.split('-')
      const p = d.caseNo.slice(0, 18)
      if (/^[0-9]{1,9}$/.test(third) && /^\d{12}-\d{4}-$/.test(p)) f.fileMax.set(p, Math.max(f.fileMax.get(p) ?? 0, Number(third)))
    }
  }
  report.flush()
  return good.map((d) => ({
    no: d.caseNo, admin: d.adminCode!, loc: d.locationText, use: d.use!, own: d.ownership, form: d.buildingForm, floors: d.floors,
    land: d.landArea, floor: d.floorArea, src: d.source!, flags: d.flags, newc: d.newConstruction, found: d.foundMs!,
    g: d.pending ? null : JSON.stringify(d.geometry), sheet: d.sheet, row: d.row, status: d.status, p: d.progress, pt: d.progressText,
  }))
}

export interface CheckedFile {
  format: Table['format']
  encoding?: Table['encoding']
  /** Data rows read (blank and totals rows not counted). */
  rows: number
  stage: Stage
  report: Report
  multiSheet: boolean
  sheets: SheetSummary[]
  ignoredSheets: string[]
  ignoredColumns: string[]
  numbering: Pick<FileState, 'prefixes' | 'fileMax' | 'villages' | 'pending'>
}

const geometryHeaders = () => `${col('lon').zh}/${col('lat').zh}、${col('wkt').zh} 或 ${col('village').zh}`

/**
 * Reads every row of every ledger sheet, a chunk at a time, and checks it against the template,
 * the lifecycle, the map and the ledger; the good rows are staged on disk.
 */
export async function checkLedger(db: Queryable, source: LedgerSource, scope: Scope, now: number, limits: Limits, deadline: Deadline, progress: ImportProgress): Promise<CheckedFile> {
  const report = new Report(limits.problems)
  const stage = await Stage.create()
  try {
    const f: FileState = { places: await loadPlaces(db), scope, seenNos: new Map(), prefixes: new Set(), fileMax: new Map(), villages: new Set(), pending: 0 }
    const sheets: SheetSummary[] = []
    const ignoredSheets: string[] = []
    const ignored = new Set<string>()
    const headers = new Map<string, HeaderMap>()
    const columnOf = (d: Draft, k: ColumnKey) => headers.get(d.sheet)?.columns.get(k)?.header ?? col(k).zh
    let total = 0
    let chunk: Draft[] = []
    const flush = async () => {
      deadline.grow(total)
      deadline.check()
      await stage.add(await checkChunk(db, chunk, f, report, columnOf, deadline))
      chunk = []
      progress.rowsValid = stage.count
      progress.problemCount = report.count
      progress.fraction = source.progress()
    }
    for (const sheet of source.sheets) {
      const it = sheet.rows[Symbol.asyncIterator]()
      const top: SheetRow[] = []
      while (top.length < 10) {
        const n = await it.next()
        if (n.done) break
        top.push(n.value)
      }
      const header = findHeader(sheet, top)
      if (!header) {
        ignoredSheets.push(sheet.name)
        await it.return?.(undefined) // the rest of the sheet is not read
        continue
      }
      headers.set(sheet.name, header)
      for (const h of header.ignored) ignored.add(h)
      // A missing column fails the whole file whatever the mode: no row could be read right.
      const missing: LedgerImportProblem[] = []
      for (const k of REQUIRED_COLUMNS) {
        if (!header.columns.has(k)) missing.push({ sheet: sheet.name, row: header.headerRow, column: col(k).zh, field: k, message: `缺少必需的列“${col(k).zh}”`, messageEn: `the required column ${col(k).zh} (${k}) is missing` })
      }
      const c = header.columns
      if (!(c.has('lon') && c.has('lat')) && !c.has('wkt') && !c.has('village')) {
        missing.push({
          sheet: sheet.name, row: header.headerRow, column: geometryHeaders(), field: 'geometry',
          message: '缺少位置列：须有“经度”和“纬度”两列、“WKT”列，或“所在村”列（没有坐标的案件先放在村里待定位）',
          messageEn: 'no location columns: give 经度 (lon) and 纬度 (lat), a WKT column, or 所在村 (village: cases without coordinates are placed there until located)',
        })
      }
      if (missing.length > 0) {
        const list = headers.size > 1 ? missing : missing.map(({ sheet: _, ...p }) => p)
        throw new LedgerFileError('missing_columns', '表头缺少必需的列，文件未导入', 'the header row lacks required columns; nothing was imported', 400, list)
      }
      let n = 0
      const take = async (r: SheetRow) => {
        if (r.number <= header.headerRow) return
        const first = [header.columns.get('seq')?.index ?? 0, 0, 1].map((i) => textOf(r.cells[i] ?? null))
        if (first.some((t) => t !== '' && isTotalsLabel(t))) return
        // A template row with only its 序号 (or other read-only columns) filled in is blank.
        if (![...header.columns].some(([k, cc]) => !col(k).exportOnly && textOf(r.cells[cc.index] ?? null) !== '')) return
        if (++total > limits.rows) throw tooManyRows(limits.rows)
        chunk.push(draftOf(sheet.name, r, header, report, now, limits))
        n++
        progress.rowsRead = total
        if (chunk.length >= limits.chunkRows) await flush()
      }
      for (const r of top) await take(r)
      for (let next = await it.next(); !next.done; next = await it.next()) await take(next.value)
      sheets.push({ name: sheet.name, headerRow: header.headerRow, rows: n })
    }
    if (headers.size === 0) {
      throw new LedgerFileError(
        'no_header',
        `找不到表头行：前 10 行中应有一行列名，至少包括 ${REQUIRED_COLUMNS.map((k) => col(k).zh).join('、')} 和 ${geometryHeaders()}`,
        `no header row found: one of the first 10 rows must name the columns, at least ${REQUIRED_COLUMNS.map((k) => `${col(k).zh} (${k})`).join(', ')} and 经度/纬度 (lon/lat), WKT or 所在村 (village)`,
      )
    }
    if (chunk.length > 0) await flush()
    if (total === 0) throw new LedgerFileError('no_rows', '表头下没有数据行', 'there are no data rows below the header')
    return {
      format: source.format,
      ...(source.encoding ? { encoding: source.encoding } : {}),
      rows: total,
      stage,
      report,
      multiSheet: headers.size > 1,
      sheets,
      ignoredSheets,
      ignoredColumns: [...ignored],
      numbering: { prefixes: f.prefixes, fileMax: f.fileMax, villages: f.villages, pending: f.pending },
    }
  } catch (err) {
    await stage.dispose()
    throw err
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

const WRITE_BATCH = 2000

const importedCase = (s: Staged, caseNo: string): ImportedCase => ({
  caseNo, adminCode: s.admin, locationText: s.loc, use: s.use, ownership: s.own, buildingForm: s.form, floors: s.floors,
  landAreaRecordedM2: s.land, floorAreaRecordedM2: s.floor, source: s.src, flags: s.flags, newConstruction: s.newc, foundAt: s.found,
  geojson: s.g, status: s.status, progress: s.p,
})

/**
 * Inserts the staged cases, as they stand (status, disposal, dates, areas; 待定位 ones at a point on
 * their village), and one 'import' history row each, all in one transaction. Rows without a case
 * number get VILLAGE-YEAR-NNNN, continuing each village's sequence under the same per-village
 * advisory lock createCase takes, so an import and a hand-recorded case never draw the same number.
 */
export async function writeCases(db: Db, checked: CheckedFile, ctx: WriteContext, deadline: Deadline, progress: ImportProgress): Promise<number> {
  const valid = checked.stage.count
  const partial = valid < ctx.rows
  const base = partial
    ? { zh: `部分导入：台账文件《${ctx.fileName}》共 ${ctx.rows} 行，导入 ${valid} 行，其余 ${ctx.rows - valid} 行有问题未导入`, en: `partial import of file ${ctx.fileName}: ${valid} of ${ctx.rows} rows` }
    : { zh: `导入台账文件《${ctx.fileName}》，共 ${ctx.rows} 行全部导入`, en: `imported from file ${ctx.fileName}: all ${ctx.rows} rows` }
  const reasonOf = (s: Staged) =>
    s.pt
      ? `迁移自台账文件《${ctx.fileName}》第 ${s.row} 行：${s.pt.zh}；${base.zh} / migrated from file ${ctx.fileName} row ${s.row}: ${s.pt.en}; ${base.en}`
      : `${base.zh} / ${base.en}`
  const { prefixes, fileMax, villages } = checked.numbering
  try {
    return await db.transaction(async (tx) => {
      await setTransactionTimeout(db, tx, deadline.remainingMs())
      await lockCaseNumbering(tx, villages)

      // Continue each VILLAGE-YEAR- sequence past what the ledger and the file already hold.
      const next = new Map<string, number>()
      if (prefixes.size > 0) {
        for (const [p, n] of await highestCaseNumbers(tx, prefixes)) next.set(p, n)
        for (const [p, n] of fileMax) if (prefixes.has(p)) next.set(p, Math.max(next.get(p) ?? 0, n))
      }
      const numberOf = (s: Staged) => {
        if (s.no !== null) return s.no
        const p = caseNoPrefix(s.admin, s.found)
        const n = (next.get(p) ?? 0) + 1
        next.set(p, n)
        return formatCaseNo(p, n)
      }

      progress.phase = 'writing'
      let written = 0
      for await (const part of checked.stage.read(WRITE_BATCH)) {
        deadline.check()
        const nos = part.map(numberOf)
        await insertImportedCases(tx, part.map((s, i) => importedCase(s, nos[i]!)), ctx.userId)
        await insertImportHistory(
          tx,
          part.map((s, i) => ({
            caseNo: nos[i]!,
            status: s.status,
            reason: reasonOf(s),
            after: {
              case_no: nos[i], admin_code: s.admin, use: s.use, source: s.src, file: ctx.fileName, sheet: s.sheet, row: s.row, mode: ctx.mode,
              ...(s.g === null ? { location_pending: true } : {}),
              ...(s.status !== 'identified' ? { status: s.status, ...s.p } : {}),
            },
          })),
          ctx.userId,
        )
        written += part.length
        progress.rowsWritten = written
        progress.fraction = valid ? written / valid : 1
      }
      deadline.check()
      return written
    })
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new LedgerFileError('case_no_taken', '导入期间台账编号被占用，未导入任何记录，请重试', 'a case number was taken while the file was being imported; nothing was written, try again', 409)
    }
    if ((err as { code?: string }).code === '57014') throw tooSlow(deadline.limits)
    throw err
  }
}


export const IMPORT_CRS = 'EPSG:4490 (CGCS2000) lon/lat; WGS84 (EPSG:4326) read as equal'

export interface ImportRequest {
  /** The file: its path on disk (an upload spooled to a temp file), or its bytes. */
  file: LedgerInput
  fileName: string
  mode: ImportMode
  userId: number
  scope: Scope
  now?: number
  limits?: Partial<Limits>
}

/**
 * Reads, checks and (if the mode allows) writes a ledger file. Throws LedgerFileError for a refused
 * file. `progress` is updated as it runs, for a caller that reports it.
 */
export async function importLedger(db: Db, req: ImportRequest, progress: ImportProgress = newProgress()): Promise<LedgerImportResult> {
  const limits: Limits = { ...IMPORT_LIMITS, ...req.limits }
  const deadline = new Deadline(limits)
  const now = req.now ?? Date.now()
  try {
    const source = await openLedgerSource(req.file, req.fileName, limits)
    let checked: CheckedFile
    try {
      checked = await checkLedger(db, source, req.scope, now, limits, deadline, progress)
    } finally {
      source.close()
    }
    try {
      const valid = checked.stage.count
      const result = (imported: number): LedgerImportResult => ({
        imported,
        rows: checked.rows,
        locationPending: imported ? checked.numbering.pending : 0,
        problems: checked.report.problems(checked.multiSheet),
        problemCount: checked.report.count,
        mode: req.mode,
        file: req.fileName,
        format: checked.format,
        ...(checked.encoding ? { encoding: checked.encoding } : {}),
        crs: IMPORT_CRS,
        sheets: checked.sheets,
        ignoredSheets: checked.ignoredSheets,
        ignoredColumns: checked.ignoredColumns,
      })
      const failed = checked.rows - valid
      if ((req.mode === 'all_or_nothing' && failed > 0) || valid === 0) {
        const zh =
          req.mode === 'all_or_nothing'
            ? `${checked.rows} 行中有 ${failed} 行有问题，未导入任何记录（可改正后重新导入，或选择“仅导入无误的行”）`
            : `${checked.rows} 行都有问题，未导入任何记录`
        const en =
          req.mode === 'all_or_nothing'
            ? `${failed} of ${checked.rows} rows have problems; nothing was imported (fix them, or import with mode=valid_rows_only)`
            : `all ${checked.rows} rows have problems; nothing was imported`
        throw new LedgerFileError('rows_invalid', zh, en, 400, checked.report.problems(checked.multiSheet)).withResult(result(0))
      }
      const imported = await writeCases(db, checked, { userId: req.userId, fileName: req.fileName, mode: req.mode, rows: checked.rows }, deadline, progress)
      progress.phase = 'done'
      progress.fraction = 1
      return result(imported)
    } finally {
      await checked.stage.dispose()
    }
  } catch (err) {
    progress.phase = 'failed'
    throw err
  }
}
