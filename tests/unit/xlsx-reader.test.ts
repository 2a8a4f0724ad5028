// The XLSX reader (server/src/imports/xlsx-reader.ts) on its own: Chinese text split across chunk
// boundaries, every kind of cell Excel and WPS write, sheet order, date styles and the 1904 epoch,
// and zips that try to hurt; then the ledger's own limits on top of it (readLedgerFile).
import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { crc32, deflateRawSync } from 'node:zlib'
import ExcelJS from 'exceljs'
import { Deadline, LedgerFileError, readLedgerFile, type Limits } from '../../server/src/imports/ledger-import.ts'
import { IMPORT_LIMITS } from '../../server/src/imports/ledger-template.ts'
import {
  CellError,
  EPOCH_1900,
  EPOCH_1904,
  openXlsx,
  readDateStyles,
  readSharedStrings,
  readSheetRows,
  XlsxRefused,
  type Cell,
  type SheetRow,
} from '../../server/src/imports/xlsx-reader.ts'

const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
const CAPS = { zipEntries: IMPORT_LIMITS.zipEntries, unzippedBytes: IMPORT_LIMITS.unzippedBytes }
const LIMITS: Limits = { ...IMPORT_LIMITS }

/** The bytes of `text` in chunks of `size` bytes, as a stream would deliver them. */
async function* chunks(text: string | Buffer, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text)
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function collect(rows: AsyncIterable<SheetRow>): Promise<SheetRow[]> {
  const out: SheetRow[] = []
  for await (const r of rows) out.push(r)
  return out
}

const CTX = { shared: [] as string[], dateStyles: new Set<number>(), epoch: EPOCH_1900 }

interface Part {
  name: string
  data: Buffer | string
  /** Store instead of deflating. */
  stored?: boolean
  /** Write `data` as the deflated bytes, whatever they are. */
  asIs?: boolean
  /** Declare this uncompressed size instead of the real one. */
  declare?: number
  /** General purpose flags (1: encrypted). */
  flags?: number
}

/** A zip with the parts given, deflated unless stored, with CRCs and (unless told otherwise) true sizes. */
function zipOf(parts: Part[]): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const p of parts) {
    const raw = Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data)
    const data = p.stored || p.asIs ? raw : deflateRawSync(raw)
    const method = p.stored ? 0 : 8
    const name = Buffer.from(p.name)
    const usize = p.declare ?? raw.length
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0)
    lh.writeUInt16LE(20, 4)
    lh.writeUInt16LE(p.flags ?? 0, 6)
    lh.writeUInt16LE(method, 8)
    lh.writeUInt32LE(crc32(raw), 14)
    lh.writeUInt32LE(data.length, 18)
    lh.writeUInt32LE(usize, 22)
    lh.writeUInt16LE(name.length, 26)
    locals.push(lh, name, data)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0)
    ch.writeUInt16LE(20, 4)
    ch.writeUInt16LE(20, 6)
    ch.writeUInt16LE(p.flags ?? 0, 8)
    ch.writeUInt16LE(method, 10)
    ch.writeUInt32LE(crc32(raw), 16)
    ch.writeUInt32LE(data.length, 20)
    ch.writeUInt32LE(usize, 24)
    ch.writeUInt16LE(name.length, 28)
    ch.writeUInt32LE(offset, 42)
    central.push(ch, name)
    offset += 30 + name.length + data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

/** A workbook of the given sheets (name → sheet XML), in that order, with optional extra parts. */
function workbookOf(sheets: [string, string][], extra: Part[] = [], workbookPr = ''): Buffer {
  const wb = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ${MAIN} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">${workbookPr}<sheets>${sheets
    .map(([name], i) => `<sheet name="${name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('')}</sheets></workbook>`
  const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
    .map((_, i) => `<Relationship Id="rId${i + 1}" Target="worksheets/sheet${i + 1}.xml"/>`)
    .join('')}</Relationships>`
  return zipOf([
    { name: 'xl/workbook.xml', data: wb },
    { name: 'xl/_rels/workbook.xml.rels', data: rels },
    ...sheets.map(([, xml], i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: xml })),
    ...extra,
  ])
}

async function readAll(buf: Buffer, caps = CAPS): Promise<{ name: string; rows: SheetRow[] }[]> {
  const book = await openXlsx(buf, caps)
  try {
    const out = []
    for (const s of book.sheets) out.push({ name: s.name, rows: await collect(s.rows()) })
    return out
  } finally {
    book.close()
  }
}

async function refusal(p: Promise<unknown>): Promise<XlsxRefused> {
  try {
    await p
  } catch (err) {
    if (err instanceof XlsxRefused) return err
    throw err
  }
  assert.fail('not refused')
}

describe('Chinese text split across chunk boundaries', () => {
  const text = '拆违台账：东坝村（北区）彩钢板房𠀋— 占用耕地'
  const sheet = `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${text}</t></is></c><c r="B1" t="str"><v>${text}</v></c></row></sheetData></worksheet>`

  test('decoding each chunk on its own garbles it (what the reader must not do)', () => {
    const naive = [...Buffer.from(sheet)].map((b) => Buffer.from([b]).toString('utf8')).join('')
    assert.notEqual(naive, sheet)
  })

  test('a sheet fed one byte at a time reads every character whole', async () => {
    for (const size of [1, 2, 3, 5, 7]) {
      const rows = await collect(readSheetRows(chunks(sheet, size), CTX))
      assert.deepEqual(rows, [{ number: 1, cells: [text, text] }], `chunks of ${size} bytes`)
    }
  })

  test('shared strings fed one byte at a time read whole, rich text runs joined', async () => {
    const sst = `<sst ${MAIN}><si><r><rPr><b/></rPr><t>占地面积</t></r><r><t>（㎡）</t></r></si><si><t>${text}</t></si></sst>`
    assert.deepEqual(await readSharedStrings(chunks(sst, 1)), ['占地面积（㎡）', text])
  })

  test('a workbook exceljs writes, with 3,000 rows of Chinese, reads back cell for cell', async () => {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('台账')
    const written: (string | number)[][] = []
    for (let i = 0; i < 3000; i++) {
      const row = [i + 1, `北京市大兴区黄村镇第${i}号院东侧彩钢板房，沿河北岸约五十米`, ['居住', '仓储', '商业'][i % 3]!, 100.5 + i]
      written.push(row)
      ws.addRow(row)
    }
    const book = await readAll(Buffer.from(await wb.xlsx.writeBuffer()))
    assert.equal(book.length, 1)
    assert.equal(book[0]!.name, '台账')
    assert.deepEqual(book[0]!.rows.map((r) => r.cells), written)
    assert.deepEqual(book[0]!.rows.map((r) => r.number), written.map((_, i) => i + 1))
  })
})

describe('cells as Excel and WPS write them', () => {
  test('every cell type: shared, inline, formula text, number, boolean, error, ISO date, formula without value', async () => {
    const ctx = { shared: ['位置', '某&村\n东'], dateStyles: new Set<number>(), epoch: EPOCH_1900 }
    const sheet = `<worksheet ${MAIN}><sheetData>
<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><r><t>居</t></r><r><t>住</t></r><rPh sb="0" eb="1"><t>ジュウ</t></rPh></is></c>
<c r="C2" t="str"><f>TEXT(1,"0")</f><v>a_x000D_b</v></c><c r="D2"><f>1+1</f><v>2</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="b"><v>0</v></c>
<c r="G2" t="e"><v>#N/A</v></c><c r="H2" t="d"><v>2025-01-02T03:04:05</v></c><c r="I2"><f>A1*2</f></c><c r="J2" t="str"><f>X()</f></c><c r="K2" t="s"><v>9</v></c>
<c r="L2"><v>1e3</v></c><c r="M2"/><c r="N2"><v/></c><c r="O2"><v>   </v></c><c r="P2" t="inlineStr"/><c r="Q2"><v>&#x41;BC</v></c></row>
</sheetData></worksheet>`
    const [row] = await collect(readSheetRows(chunks(sheet, 1), ctx))
    const cells = row!.cells
    assert.equal(row!.number, 2)
    assert.deepEqual(cells.slice(0, 6), ['某&村\n东', '居住', 'a\rb', 2, true, false])
    assert.deepEqual(cells[6], new CellError('#N/A'))
    assert.equal((cells[7] as Date).toISOString(), '2025-01-02T03:04:05.000Z')
    assert.deepEqual(cells.slice(8, 10), [new CellError('formula'), new CellError('formula')])
    assert.deepEqual(cells.slice(10), [null, 1000, null, null, null, '', 'ABC'], 'a missing shared string, 1e3, empty cells, non-numeric text')
  })

  test('cells and rows without references follow the previous one; blank rows are left out', async () => {
    const sheet = `<worksheet ${MAIN}><sheetData>
<row><c t="inlineStr"><is><t>甲</t></is></c><c r="D1"><v>4</v></c><c><v>5</v></c></row>
<row r="3"/><row r="4"><c r="A4"/><c r="B4" t="inlineStr"><is><t></t></is></c></row>
<row><c r="B5"><v>7</v></c></row><row r="9" spans="1:2"><c r="XFE9"><v>1</v></c><c r="A9" t="b"><v>1</v></c></row>
</sheetData></worksheet>`
    assert.deepEqual(await collect(readSheetRows(chunks(sheet, 4), CTX)), [
      { number: 1, cells: ['甲', null, null, 4, 5] },
      { number: 5, cells: [null, 7] },
      { number: 9, cells: [true] },
    ])
  })

  test('prefixed element names (x:row) read like plain ones', async () => {
    const sheet = `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="B1" t="inlineStr"><x:is><x:t>乙</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`
    assert.deepEqual(await collect(readSheetRows(chunks(sheet, 3), CTX)), [{ number: 1, cells: [null, '乙'] }])
  })

  test('date styles: built-in date formats and custom ones with y/m/d or 年月日, not numbers or cell-style records', async () => {
    const styles = `<styleSheet ${MAIN}><numFmts count="4"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="177" formatCode="0.00&quot;㎡&quot;"/><numFmt numFmtId="178" formatCode="#,##0.00_);[Red](#,##0.00)"/><numFmt numFmtId="179" formatCode="[h]:mm:ss"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="176"><alignment/></xf><xf numFmtId="177"/><xf numFmtId="178"/><xf numFmtId="179"/><xf numFmtId="2"/><xf numFmtId="58"/></cellXfs>
<dxfs count="1"><dxf><numFmt numFmtId="177" formatCode="yyyy-mm-dd"/></dxf></dxfs></styleSheet>`
    assert.deepEqual([...(await readDateStyles(chunks(styles, 5)))].sort(), [1, 2, 5, 7])
  })

  test('a date cell is the wall-clock time it shows, in the 1900 and the 1904 date systems', async () => {
    const sheet = `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" s="1"><v>45659.5</v></c><c r="B1"><v>45659.5</v></c></row></sheetData></worksheet>`
    const styles = `<styleSheet ${MAIN}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`
    for (const [pr, iso] of [
      ['', '2025-01-02T12:00:00.000Z'],
      ['<workbookPr date1904="1"/>', '2029-01-03T12:00:00.000Z'],
      ['<workbookPr date1904="false"/>', '2025-01-02T12:00:00.000Z'],
    ] as const) {
      const book = await openXlsx(workbookOf([['台账', sheet]], [{ name: 'xl/styles.xml', data: styles }], pr), CAPS)
      assert.equal(book.date1904, pr.includes('"1"'))
      const [row] = await collect(book.sheets[0]!.rows())
      book.close()
      assert.equal((row!.cells[0] as Date).toISOString(), iso, pr)
      assert.equal(row!.cells[1], 45659.5)
    }
    assert.equal(EPOCH_1900 - EPOCH_1904, 1462)
  })

  test("sheets in the workbook's order through its relationships; a sheet without its part is left out", async () => {
    const wb = `<workbook ${MAIN} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>
<sheet name="说明" sheetId="3" r:id="rId3"/><sheet name="台账" sheetId="1" r:id="rId1"/><sheet name="缺失" sheetId="4" r:id="rId4"/><sheet sheetId="2" r:id="rId2"/></sheets></workbook>`
    const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Target="worksheets/../worksheets/sheet3.xml"/><Relationship Id="rId4" Target="worksheets/nowhere.xml"/></Relationships>`
    const one = (t: string) => `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${t}</t></is></c></row></sheetData></worksheet>`
    const buf = zipOf([
      { name: 'xl/workbook.xml', data: wb },
      { name: 'xl/_rels/workbook.xml.rels', data: rels },
      { name: 'xl/worksheets/sheet1.xml', data: one('一') },
      { name: '/xl/worksheets/sheet2.xml', data: one('二'), stored: true },
      { name: 'xl/worksheets/sheet3.xml', data: one('三') },
    ])
    const book = await readAll(buf)
    assert.deepEqual(book.map((s) => [s.name, s.rows[0]!.cells[0]]), [['说明', '三'], ['台账', '一'], ['Sheet3', '二']])
  })
})

describe('zips that try to hurt', () => {
  const sheet = `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`

  test('a zip bomb is refused from the sizes it declares, before anything inflates', async () => {
    // 50 MB more than the cap declared; the "deflated" bytes are not even deflate data, so inflating would fail otherwise
    const bomb = zipOf([
      { name: 'xl/workbook.xml', data: '<workbook/>' },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(1000, 0xff), asIs: true, declare: CAPS.unzippedBytes + 50 * 1024 * 1024 },
    ])
    const err = await refusal(openXlsx(bomb, CAPS))
    assert.deepEqual([err.status, err.code], [413, 'unzipped_too_large'])
    assert.match(err.message, new RegExp(`unzips to more than ${CAPS.unzippedBytes / 1024 / 1024} MB`))
  })

  test('a part that inflates to more than it declares is stopped while streaming', async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024)
    const liar = zipOf([
      { name: 'xl/workbook.xml', data: workbookXml() },
      { name: 'xl/_rels/workbook.xml.rels', data: relsXml() },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.concat([Buffer.from(sheet), zeros]), declare: 2000 },
    ])
    const book = await openXlsx(liar, CAPS)
    const err = await refusal(collect(book.sheets[0]!.rows()))
    book.close()
    assert.deepEqual([err.code, err.message], ['bad_zip', 'the XLSX file is damaged or not a workbook Excel writes (xl/worksheets/sheet1.xml is not the size it declares)'])
  })

  test('the bytes actually inflated count against the cap too (a part read twice)', async () => {
    const buf = zipOf([
      { name: 'xl/workbook.xml', data: workbookXml() },
      { name: 'xl/_rels/workbook.xml.rels', data: relsXml() },
      { name: 'xl/worksheets/sheet1.xml', data: sheet },
    ])
    const size = [workbookXml(), relsXml(), sheet].reduce((n, x) => n + Buffer.byteLength(x), 0)
    const book = await openXlsx(buf, { zipEntries: 10, unzippedBytes: size + 10 })
    assert.equal((await collect(book.sheets[0]!.rows())).length, 1)
    const err = await refusal(collect(book.sheets[0]!.rows()))
    book.close()
    assert.equal(err.code, 'unzipped_too_large')
  })

  test('too many parts, encryption, and damaged zips are refused as bad_zip', async () => {
    const many = zipOf(Array.from({ length: 12 }, (_, i) => ({ name: `p${i}.xml`, data: '<a/>' })))
    assert.match((await refusal(openXlsx(many, { zipEntries: 11, unzippedBytes: 1e6 }))).message, /\(12 parts\)/)
    const encrypted = zipOf([{ name: 'xl/workbook.xml', data: '<workbook/>', flags: 1 }])
    assert.match((await refusal(openXlsx(encrypted, CAPS))).message, /\(encrypted\)/)
    const cut = workbookOf([['台账', sheet]]).subarray(0, 200)
    assert.equal((await refusal(openXlsx(cut, CAPS))).code, 'bad_zip')
    const garbage = zipOf([{ name: 'xl/workbook.xml', data: Buffer.alloc(50, 7), asIs: true }])
    const err = await refusal(openXlsx(garbage, CAPS))
    assert.deepEqual([err.code, err.message], ['bad_zip', 'the XLSX file is damaged (a part does not inflate)'])
  })

  test('a zip that is no workbook, a sheet that is not UTF-8, and one that is not XML are named', async () => {
    assert.equal((await refusal(openXlsx(zipOf([{ name: 'word/document.xml', data: '<w/>' }]), CAPS))).code, 'not_a_workbook')
    const gbk = Buffer.concat([Buffer.from(`<worksheet ${MAIN}><sheetData><row r="1"><c t="inlineStr"><is><t>`), Buffer.from([0xb2, 0xf0, 0xce, 0xa5]), Buffer.from('</t></is></c></row></sheetData></worksheet>')])
    let err = await refusal(collect(readSheetRows(chunks(gbk, 1), CTX, 'xl/worksheets/sheet1.xml')))
    assert.deepEqual([err.code, err.message], ['bad_xlsx', 'xl/worksheets/sheet1.xml in the XLSX is not UTF-8 text'])
    err = await refusal(collect(readSheetRows(chunks(`<worksheet><sheetData><row><c></row></sheetData></worksheet>`, 16), CTX, 'xl/worksheets/sheet1.xml')))
    assert.equal(err.code, 'bad_xlsx')
    assert.match(err.message, /sheet1\.xml in the XLSX is not well-formed XML/)
  })
})

describe('the ledger on top of the reader (readLedgerFile)', () => {
  const rowsXml = (n: number) =>
    `<worksheet ${MAIN}><sheetData>${Array.from({ length: n }, (_, i) => `<row r="${i + 1}"><c t="inlineStr"><is><t>第${i}行</t></is></c></row>`).join('')}</sheetData></worksheet>`

  test('rows are read across sheets; too many rows, no sheets or no workbook are refused with the ledger’s messages', async () => {
    const table = await readLedgerFile(workbookOf([['甲', rowsXml(3)], ['乙', rowsXml(2)]]), 'a.xlsx', LIMITS, new Deadline(LIMITS))
    assert.equal(table.format, 'xlsx')
    assert.deepEqual(table.sheets.map((s) => [s.name, s.rows.length, s.rows[1]!.cells as Cell[]]), [['甲', 3, ['第1行']], ['乙', 2, ['第1行']]])

    const limits = { ...LIMITS, rows: 100 }
    const refuse = async (buf: Buffer, l: Limits, deadline = new Deadline(l)) => {
      try {
        await readLedgerFile(buf, 'a.xlsx', l, deadline)
      } catch (err) {
        if (err instanceof LedgerFileError) return err
        throw err
      }
      return assert.fail('not refused')
    }
    const many = await refuse(workbookOf([['甲', rowsXml(150)], ['乙', rowsXml(60)]]), limits)
    assert.deepEqual([many.status, many.code], [413, 'too_many_rows'])
    const none = await refuse(zipOf([{ name: 'xl/workbook.xml', data: `<workbook ${MAIN}/>` }]), LIMITS)
    assert.deepEqual([none.code, none.message], ['not_a_spreadsheet', 'the file is not a ledger spreadsheet (a workbook without worksheets): upload an .xlsx or a CSV file'])
    const docx = await refuse(zipOf([{ name: 'word/document.xml', data: '<w/>' }]), LIMITS)
    assert.deepEqual([docx.code, docx.zh], ['not_a_spreadsheet', '文件不是台账表格（压缩包不是 Excel 工作簿）：请上传 .xlsx 或 CSV 文件'])
    const bomb = await refuse(zipOf([{ name: 'xl/workbook.xml', data: '<workbook/>', declare: LIMITS.unzippedBytes + 1024 * 1024 }]), LIMITS)
    assert.deepEqual([bomb.status, bomb.code, bomb.zh], [413, 'unzipped_too_large', `XLSX 解压后超过 ${LIMITS.unzippedBytes / 1024 / 1024} MB，请拆分文件`])
    const late = await refuse(workbookOf([['甲', rowsXml(1)]]), LIMITS, new Deadline(LIMITS, Date.now() - 121_000))
    assert.deepEqual([late.status, late.code], [413, 'too_slow'])
  })
})

function workbookXml(): string {
  return `<workbook ${MAIN} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>`
}
function relsXml(): string {
  return `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`
}
