// Reading an XLSX workbook's cell values, row by row, on maintained parts: yauzl for the zip and
// saxes for the XML (docs/decisions.md 18). Only what a ledger needs is read: sheet names and order,
// shared strings, date styles, the 1904 flag and cell values; never the whole sheet as one string.
//
// UTF-8 is decoded with one streaming TextDecoder per part, so a Chinese character whose bytes are
// split between two inflated chunks is joined, not garbled (exceljs hands saxes each chunk decoded
// on its own: exceljs issues #2063, #2084).
//
// A zip bomb costs nothing: the entry count and the sum of the sizes the central directory declares
// are capped before anything inflates; yauzl refuses a part that inflates to more (or less) than it
// declares, and the bytes actually inflated are counted against the same cap while streaming.
import type { Readable } from 'node:stream'
import { SaxesParser } from 'saxes'
import yauzl from 'yauzl'
import { FileRefused } from './formats/reader.ts'

/** A cell as read: text, number, boolean, date (Excel date cell), or an error/formula without value. */
export type Cell = string | number | boolean | Date | CellError | null
export class CellError {
  constructor(readonly text: string) {}
}

export interface SheetRow {
  /** The spreadsheet's own row number (1-based). */
  number: number
  /** Zero-based by column; columns without a cell are null. */
  cells: Cell[]
}

export interface XlsxCaps {
  /** Parts in the zip. */
  zipEntries: number
  /** Sum of the parts' uncompressed sizes. */
  unzippedBytes: number
}

/**
 * A workbook the reader refuses, with what to tell the person. `not_a_workbook` is a zip that is not
 * an Excel workbook; zh/en then say only that, for the caller's own message.
 */
export class XlsxRefused extends FileRefused {
  constructor(code: 'bad_zip' | 'unzipped_too_large' | 'bad_xlsx' | 'not_a_workbook', zh: string, en: string, status: 400 | 413 = 400) {
    super(code, zh, en, status)
  }
}

const damaged = (why: string) =>
  new XlsxRefused('bad_zip', `XLSX 文件已损坏或不是 Excel 生成的工作簿（${why}）`, `the XLSX file is damaged or not a workbook Excel writes (${why})`)

const tooLarge = (caps: XlsxCaps) =>
  new XlsxRefused(
    'unzipped_too_large',
    `XLSX 解压后超过 ${caps.unzippedBytes / 1024 / 1024} MB，请拆分文件`,
    `the XLSX unzips to more than ${caps.unzippedBytes / 1024 / 1024} MB; split it`,
    413,
  )

// ---- the zip ----

interface Zip {
  has(name: string): boolean
  /** A part's bytes as they inflate; nothing is held beyond the current chunk. */
  bytes(name: string): AsyncGenerator<Uint8Array>
  /** Bytes inflated so far, and the sum the parts declare. */
  progress(): { inflated: number; declared: number }
  close(): void
}

/** A workbook in memory, or the path of one on disk (an upload spooled to a temp file: read in place). */
export type XlsxSource = Buffer | string

async function openZip(src: XlsxSource, caps: XlsxCaps): Promise<Zip> {
  let zip: yauzl.ZipFile
  try {
    // decodeStrings off: names are matched, never used as paths, and a leading '/' is tolerated
    const options = { decodeStrings: false, validateEntrySizes: true }
    zip = typeof src === 'string' ? await yauzl.openPromise(src, { ...options, autoClose: false }) : await yauzl.fromBufferPromise(src, options)
  } catch (err) {
    throw damaged((err as Error).message)
  }
  const entries = new Map<string, yauzl.Entry>()
  let declared = 0
  try {
    if (zip.entryCount > caps.zipEntries) throw damaged(`${zip.entryCount} parts`)
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false).replace(/^\//, '')
      if (entry.isEncrypted()) throw damaged('encrypted')
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw damaged(`compression method ${entry.compressionMethod}`)
      declared += entry.uncompressedSize
      if (declared > caps.unzippedBytes) throw tooLarge(caps)
      entries.set(name, entry)
    }
  } catch (err) {
    zip.close()
    throw err instanceof XlsxRefused ? err : damaged((err as Error).message)
  }

  let inflated = 0
  return {
    has: (name) => entries.has(name),
    async *bytes(name) {
      const entry = entries.get(name)
      if (!entry) return
      let stream: Readable | undefined
      try {
        stream = await zip.openReadStreamPromise(entry)
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          inflated += chunk.length
          if (inflated > caps.unzippedBytes) throw tooLarge(caps)
          yield chunk
        }
      } catch (err) {
        if (err instanceof XlsxRefused) throw err
        if (/too many bytes|not enough bytes/.test((err as Error).message)) throw damaged(`${name} is not the size it declares`)
        throw new XlsxRefused('bad_zip', 'XLSX 文件已损坏（数据无法解压）', 'the XLSX file is damaged (a part does not inflate)')
      } finally {
        stream?.destroy()
      }
    },
    progress: () => ({ inflated, declared }),
    close: () => zip.close(),
  }
}

// ---- the XML ----

interface XmlHandlers {
  open(name: string, attributes: Record<string, string>, selfClosing: boolean): void
  close(name: string): void
  text(text: string): void
}

/** Characters decoded and parsed at a time, so a stored (uncompressed) part is never one string. */
const SLICE = 64 * 1024

/**
 * Streams a part's XML through saxes into `handlers` (element names without their prefix), yielding
 * after each slice so the caller can hand on what the handlers made. Bytes are decoded by one
 * streaming TextDecoder: a multi-byte character split between chunks comes out whole.
 */
export async function* parseXml(bytes: AsyncIterable<Uint8Array>, part: string, handlers: XmlHandlers): AsyncGenerator<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false })
  const local = (name: string) => name.slice(name.indexOf(':') + 1)
  parser.on('opentag', (tag) => handlers.open(local(tag.name), tag.attributes, tag.isSelfClosing))
  parser.on('closetag', (tag) => handlers.close(local(tag.name)))
  parser.on('text', handlers.text)
  parser.on('cdata', handlers.text)
  try {
    for await (const chunk of bytes) {
      for (let i = 0; i < chunk.length; i += SLICE) {
        parser.write(decoder.decode(chunk.subarray(i, i + SLICE), { stream: true }))
        yield
      }
    }
    parser.write(decoder.decode())
    parser.close()
  } catch (err) {
    if (err instanceof XlsxRefused) throw err
    if ((err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new XlsxRefused('bad_xlsx', `XLSX 文件中 ${part} 不是 UTF-8 文本`, `${part} in the XLSX is not UTF-8 text`)
    }
    throw new XlsxRefused('bad_xlsx', `XLSX 文件中 ${part} 不是有效的 XML（${(err as Error).message}）`, `${part} in the XLSX is not well-formed XML (${(err as Error).message})`)
  }
  yield
}

/** Runs parseXml to the end (for the small parts read whole: workbook, rels, styles, shared strings). */
async function parseAll(bytes: AsyncIterable<Uint8Array>, part: string, handlers: XmlHandlers): Promise<void> {
  for await (const _ of parseXml(bytes, part, handlers));
}

/** SpreadsheetML's _xHHHH_ escapes for characters XML cannot hold (saxes has already decoded entities). */
const unescapeX = (s: string) => s.replace(/_x([0-9a-f]{4})_/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))

/**
 * Collects the text of string items (<si> in sharedStrings.xml, <is> in a cell): every <t> run
 * joined, phonetic guides (<rPh>) left out.
 */
class RunsText {
  private inRuns = false
  private phonetic = 0
  private inT = false
  private run = ''
  private text = ''
  constructor(private readonly element: 'si' | 'is') {}
  open(name: string, selfClosing: boolean): void {
    if (name === this.element) {
      this.inRuns = true
      this.text = ''
    } else if (this.inRuns && name === 'rPh') this.phonetic++
    else if (this.inRuns && name === 't' && this.phonetic === 0 && !selfClosing) {
      this.inT = true
      this.run = ''
    }
  }
  /** The item's text when `name` closes it, else undefined. */
  close(name: string): string | undefined {
    if (!this.inRuns) return undefined
    if (name === 't' && this.inT) {
      this.text += unescapeX(this.run)
      this.inT = false
    } else if (name === 'rPh') this.phonetic--
    else if (name === this.element) {
      this.inRuns = false
      return this.text
    }
    return undefined
  }
  add(text: string): void {
    if (this.inT) this.run += text
  }
}

/** Shared strings in order (rich text runs joined). */
export async function readSharedStrings(bytes: AsyncIterable<Uint8Array>, part = 'xl/sharedStrings.xml'): Promise<string[]> {
  const out: string[] = []
  const runs = new RunsText('si')
  await parseAll(bytes, part, {
    open: (name, _, selfClosing) => runs.open(name, selfClosing),
    close: (name) => {
      const text = runs.close(name)
      if (text !== undefined) out.push(text)
    },
    text: (t) => runs.add(t),
  })
  return out
}

// Built-in number formats that are dates or times (ECMA-376 §18.8.30, plus the CJK locale ids).
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58])

export function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[[^\]]*\]/g, '')
  return /[ymdhs年月日时分秒]/i.test(bare) && !/^general$/i.test(bare.trim())
}

/** Which cell styles (index into cellXfs) show dates: built-in date formats and custom ones that are. */
export async function readDateStyles(bytes: AsyncIterable<Uint8Array>, part = 'xl/styles.xml'): Promise<Set<number>> {
  const custom = new Map<number, string>()
  const xfFormats: number[] = []
  let where: 'numFmts' | 'cellXfs' | null = null
  await parseAll(bytes, part, {
    open(name, a) {
      if (name === 'numFmts' || name === 'cellXfs') where = name
      else if (name === 'numFmt' && where === 'numFmts') custom.set(Number(a.numFmtId), a.formatCode ?? '')
      else if (name === 'xf' && where === 'cellXfs') xfFormats.push(Number(a.numFmtId ?? 0))
    },
    close(name) {
      if (name === where) where = null
    },
    text() {},
  })
  const out = new Set<number>()
  xfFormats.forEach((id, i) => {
    const code = custom.get(id)
    if (code !== undefined ? isDateFormat(code) : DATE_FORMAT_IDS.has(id)) out.add(i)
  })
  return out
}

/** What cell values are read against. */
export interface CellContext {
  shared: string[]
  dateStyles: Set<number>
  /** Serial day of 1970-01-01: 25,569 in the 1900 date system, 24,107 in the 1904 one. */
  epoch: number
}

export const EPOCH_1900 = 25_569
export const EPOCH_1904 = 24_107

/** 'B12' → 1 (zero-based column). */
function columnIndex(ref: string): number {
  let n = 0
  for (const ch of ref) {
    const c = ch.charCodeAt(0)
    if (c < 65 || c > 90) break
    n = n * 26 + (c - 64)
  }
  return n - 1
}

interface CellRead {
  type: string
  style: number
  /** The first <v>'s text; undefined without one. */
  value: string | undefined
  formula: boolean
  /** An inline string's text (<is>). */
  inline: string
}

function cellValue(c: CellRead, ctx: CellContext): Cell {
  const v = c.value
  switch (c.type) {
    case 's':
      return v === undefined ? null : (ctx.shared[Number(v)] ?? null)
    case 'inlineStr':
      return c.inline
    case 'str':
      return v === undefined ? (c.formula ? new CellError('formula') : null) : unescapeX(v)
    case 'b':
      return v === undefined ? null : v.trim() === '1'
    case 'e':
      return new CellError(v === undefined ? '#ERROR' : unescapeX(v))
    case 'd':
      return v === undefined ? null : new Date(unescapeX(v).replace(/(T[\d:.]+)$/, '$1Z'))
    default: {
      if (v === undefined || v.trim() === '') return c.formula ? new CellError('formula') : null
      const n = Number(v)
      if (!Number.isFinite(n)) return unescapeX(v)
      // A date cell: its serial day, as the wall-clock time it shows (UTC fields of the Date).
      return ctx.dateStyles.has(c.style) ? new Date(Math.round((n - ctx.epoch) * 86_400_000)) : n
    }
  }
}

/**
 * A worksheet's rows with at least one non-empty cell, produced as its XML streams by: cells placed
 * by their reference (or after the previous one), rows numbered by theirs (or after the previous).
 */
export async function* readSheetRows(bytes: AsyncIterable<Uint8Array>, ctx: CellContext, part = 'sheet'): AsyncGenerator<SheetRow> {
  const ready: SheetRow[] = []
  let rowNumber = 0
  let row: { cells: Cell[]; column: number; any: boolean } | null = null
  let cell: CellRead | null = null
  let inValue = false
  let value = ''
  const inline = new RunsText('is')
  const handlers: XmlHandlers = {
    open(name, a, selfClosing) {
      if (name === 'row') {
        const r = Number(a.r)
        rowNumber = Number.isInteger(r) && r > 0 ? r : rowNumber + 1
        row = { cells: [], column: -1, any: false }
      } else if (!row) {
        return
      } else if (name === 'c') {
        row.column = a.r ? columnIndex(a.r) : row.column + 1
        cell = { type: a.t ?? 'n', style: Number(a.s ?? 0), value: undefined, formula: false, inline: '' }
      } else if (!cell) {
        return
      } else if (name === 'v' && !selfClosing && cell.value === undefined) {
        inValue = true
        value = ''
      } else if (name === 'f') {
        cell.formula = true
      } else {
        inline.open(name, selfClosing)
      }
    },
    close(name) {
      if (!row) return
      if (name === 'row') {
        if (row.any) ready.push({ number: rowNumber, cells: row.cells })
        row = null
      } else if (!cell) {
        return
      } else if (name === 'c') {
        const column = row.column
        if (column >= 0 && column <= 16_383) {
          const v = cellValue(cell, ctx)
          while (row.cells.length < column) row.cells.push(null)
          row.cells[column] = v
          if (v !== null && v !== '') row.any = true
        }
        cell = null
      } else if (name === 'v' && inValue) {
        cell.value = value
        inValue = false
      } else {
        const text = inline.close(name)
        if (text !== undefined) cell.inline = text
      }
    },
    text(t) {
      if (inValue) value += t
      else if (cell) inline.add(t)
    },
  }
  for await (const _ of parseXml(bytes, part, handlers)) {
    yield* ready
    ready.length = 0
  }
}

// ---- the workbook ----

export interface XlsxSheet {
  name: string
  /** The part it is read from, e.g. xl/worksheets/sheet1.xml. */
  part: string
  rows(): AsyncGenerator<SheetRow>
}

export interface Xlsx {
  /** In the workbook's order; sheets whose part is missing are left out. */
  sheets: XlsxSheet[]
  date1904: boolean
  /** How far reading has got, 0–1, by bytes inflated against the sizes the parts declare. */
  progress(): number
  close(): void
}

/**
 * Opens an XLSX: checks the zip, reads workbook.xml (sheet names and order, the 1904 flag), its
 * relationships, shared strings and date styles. Rows are read when a sheet's rows() is iterated.
 */
export async function openXlsx(src: XlsxSource, caps: XlsxCaps): Promise<Xlsx> {
  const zip = await openZip(src, caps)
  try {
    if (!zip.has('xl/workbook.xml')) throw new XlsxRefused('not_a_workbook', '压缩包不是 Excel 工作簿', 'a zip archive that is not an Excel workbook')
    let date1904 = false
    const listed: { name: string | undefined; rid: string }[] = []
    await parseAll(zip.bytes('xl/workbook.xml'), 'xl/workbook.xml', {
      open(name, a) {
        if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true'
        else if (name === 'sheet') listed.push({ name: a.name, rid: Object.entries(a).find(([k]) => k === 'r:id' || k.endsWith(':id'))?.[1] ?? '' })
      },
      close() {},
      text() {},
    })
    const targets = new Map<string, string>()
    if (zip.has('xl/_rels/workbook.xml.rels')) {
      await parseAll(zip.bytes('xl/_rels/workbook.xml.rels'), 'xl/_rels/workbook.xml.rels', {
        open(name, a) {
          if (name !== 'Relationship') return
          const target = a.Target ?? ''
          targets.set(a.Id ?? '', target.startsWith('/') ? target.slice(1) : `xl/${target}`.replace(/[^/]+\/\.\.\//g, ''))
        },
        close() {},
        text() {},
      })
    }
    const ctx: CellContext = {
      shared: zip.has('xl/sharedStrings.xml') ? await readSharedStrings(zip.bytes('xl/sharedStrings.xml')) : [],
      dateStyles: zip.has('xl/styles.xml') ? await readDateStyles(zip.bytes('xl/styles.xml')) : new Set(),
      epoch: date1904 ? EPOCH_1904 : EPOCH_1900,
    }
    const sheets: XlsxSheet[] = []
    for (const s of listed) {
      const part = targets.get(s.rid) ?? ''
      if (!zip.has(part)) continue
      sheets.push({ name: s.name ?? `Sheet${sheets.length + 1}`, part, rows: () => readSheetRows(zip.bytes(part), ctx, part) })
    }
    const progress = () => {
      const p = zip.progress()
      return p.declared > 0 ? Math.min(1, p.inflated / p.declared) : 0
    }
    return { sheets, date1904, progress, close: () => zip.close() }
  } catch (err) {
    zip.close()
    throw err
  }
}
