// Writing the ledger out in the staff's template: XLSX with one sheet per village (一村一台账) and
// a totals row each, or CSV for any selection. Columns and labels come from ledger-template.ts, so
// an export reads back through the importer unchanged. Parties (personal data) are never written.
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import type { Feature, Geometry } from 'geojson'
import wkx from 'wkx'
import type { Queryable } from '../db/db.ts'
import type { Disposal, Reuse } from '../domain/case-lifecycle.ts'
import type { CaseSelection } from '../repos/cases.repo.ts'
import { selectLedgerRecords } from '../repos/ledger-export.repo.ts'
import { beijingCellDate, beijingText } from '../domain/beijing-clock.ts'
import {
  COLUMNS,
  DISPOSAL_LABELS,
  EXPORT_MAX_ROWS,
  neutralise,
  NO,
  OWNERSHIP,
  REUSE_LABELS,
  SOURCES,
  STATUSES,
  TOTALS_LABEL,
  USES,
  YES,
  type CaseSource,
  type CaseStatusKey,
  type CaseUse,
  type ColumnDef,
  type ColumnKey,
  type Ownership,
} from './ledger-template.ts'
import { Refusal } from '../domain/errors.ts'

export type Lang = 'zh' | 'en'

export interface LedgerRow {
  caseNo: string
  adminCode: string
  villageName: string
  townCode: string | null
  townName: string | null
  locationText: string | null
  use: CaseUse
  ownership: Ownership | null
  buildingForm: string | null
  floors: number | null
  landAreaRecordedM2: number | null
  floorAreaRecordedM2: number | null
  landAreaComputedM2: number | null
  floorAreaComputedM2: number | null
  source: CaseSource
  /** Epoch milliseconds. */
  foundAt: number
  status: CaseStatusKey
  disposal: Disposal | null
  disposalReason: string | null
  /** Epoch milliseconds, or null. */
  notifiedAt: number | null
  orderIssuedAt: number | null
  /** YYYY-MM-DD. */
  deadline: string | null
  disposedAt: number | null
  acceptedAt: number | null
  closedAt: number | null
  demolishedLandAreaM2: number | null
  demolishedFloorAreaM2: number | null
  reuse: Reuse | null
  regreenedAreaM2: number | null
  newConstruction: boolean
  flags: string[]
  /** 待定位: placed at its village until located; its lon/lat are not written (it reads back pending). */
  locationPending: boolean
  /** The point, or a point on the surface of a polygon (for finding the site). */
  lon: number
  lat: number
  /** Polygons only: the whole geometry, full precision. */
  wkt: string | null
}

export class ExportTooLargeError extends Refusal {
  constructor(readonly max: number) {
    super('too_large', `the selection holds more than ${max} cases; narrow it (by town, village, status …)`, {
      code: 'export_too_large', zh: `所选案件超过 ${max} 件，请缩小范围（按镇街、村、状态等）`, extra: { limit: max },
    })
  }
}

/** Cases in the selection (the ledger table's filters, within the caller's scope), by village then
 *  case number. No parties. */
export async function selectLedger(db: Queryable, selection: CaseSelection, maxRows = EXPORT_MAX_ROWS, now = new Date()): Promise<LedgerRow[]> {
  const records = await selectLedgerRecords(db, selection, maxRows + 1, now)
  if (records.length > maxRows) throw new ExportTooLargeError(maxRows)
  return records.map((x) => ({
    caseNo: x.case_no,
    adminCode: x.admin_code,
    villageName: x.village_name,
    townCode: x.town_code,
    townName: x.town_name,
    locationText: x.location_text,
    use: x.use as CaseUse,
    ownership: x.ownership as Ownership | null,
    buildingForm: x.building_form,
    floors: x.floors,
    landAreaRecordedM2: x.land_area_recorded_m2,
    floorAreaRecordedM2: x.floor_area_recorded_m2,
    landAreaComputedM2: x.land_area_computed_m2,
    floorAreaComputedM2: x.floor_area_computed_m2,
    source: x.source as CaseSource,
    foundAt: Math.round(x.found_ms),
    status: x.status as CaseStatusKey,
    disposal: x.disposal as Disposal | null,
    disposalReason: x.disposal_reason,
    notifiedAt: msOf(x.notified_at_ms),
    orderIssuedAt: msOf(x.order_issued_at_ms),
    deadline: x.deadline,
    disposedAt: msOf(x.disposed_at_ms),
    acceptedAt: msOf(x.accepted_at_ms),
    closedAt: msOf(x.closed_at_ms),
    demolishedLandAreaM2: x.demolished_land_area_m2,
    demolishedFloorAreaM2: x.demolished_floor_area_m2,
    reuse: x.reuse as Reuse | null,
    regreenedAreaM2: x.regreened_area_m2,
    newConstruction: x.new_construction,
    flags: x.flags,
    locationPending: x.location_pending,
    lon: x.lon,
    lat: x.lat,
    wkt: x.wkt,
  }))
}

const msOf = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v))

export interface Unit {
  code: string
  name: string
  townName: string | null
}

// ---- cells ----

type Value = string | number | Date | null

const label = <K extends string>(dict: { label: Readonly<Record<K, string>> }, key: K | null, lang: Lang): string | null =>
  key === null ? null : lang === 'zh' ? dict.label[key] : key

const yesNo = (v: boolean, lang: Lang) => (v ? YES[lang] : NO[lang])
/** Where a row goes: a spreadsheet cell (dates as dates), CSV text, or a GIS attribute. Text that a
 *  spreadsheet would run as a formula is neutralised, except in GIS files where nothing runs it. */
type Target = 'cell' | 'text' | 'gis'

/** Columns written as the row holds them: numbers, and the deadline (a YYYY-MM-DD date). */
const PLAIN: Partial<Record<ColumnKey, 'floors' | 'landAreaRecordedM2' | 'floorAreaRecordedM2' | 'landAreaComputedM2' | 'floorAreaComputedM2' | 'deadline' | 'demolishedLandAreaM2' | 'demolishedFloorAreaM2' | 'regreenedAreaM2'>> = {
  floors: 'floors', land_area_recorded_m2: 'landAreaRecordedM2', floor_area_recorded_m2: 'floorAreaRecordedM2',
  land_area_computed_m2: 'landAreaComputedM2', floor_area_computed_m2: 'floorAreaComputedM2', deadline: 'deadline',
  demolished_land_area_m2: 'demolishedLandAreaM2', demolished_floor_area_m2: 'demolishedFloorAreaM2', regreened_area_m2: 'regreenedAreaM2',
}
/** Progress dates: a date cell in XLSX, Beijing time as text elsewhere. */
const TIMED: Partial<Record<ColumnKey, 'notifiedAt' | 'orderIssuedAt' | 'disposedAt' | 'acceptedAt' | 'closedAt'>> = {
  notified_at: 'notifiedAt', order_issued_at: 'orderIssuedAt', disposed_at: 'disposedAt', accepted_at: 'acceptedAt', closed_at: 'closedAt',
}

function valueOf(k: ColumnKey, r: LedgerRow, seq: number, lang: Lang, target: Target): Value {
  const text = (v: string | null) => (v === null || target === 'gis' ? v : neutralise(v))
  const time = (ms: number | null) => (ms === null ? null : target === 'cell' ? beijingCellDate(ms) : beijingText(ms))
  if (k.startsWith('flag:')) return yesNo(r.flags.includes(k.slice(5)), lang)
  const plain = PLAIN[k]
  if (plain) return r[plain]
  const timed = TIMED[k]
  if (timed) return time(r[timed])
  switch (k) {
    case 'seq':
      return seq
    case 'case_no':
      return text(r.caseNo)
    case 'town':
      return text(r.townName)
    case 'village':
      return text(r.villageName)
    case 'location_text':
      return text(r.locationText)
    case 'use':
      return label(USES, r.use, lang)
    case 'ownership':
      return label(OWNERSHIP, r.ownership, lang)
    case 'building_form':
      return text(r.buildingForm)
    case 'source':
      return label(SOURCES, r.source, lang)
    case 'found_at':
      return target === 'cell' ? beijingCellDate(r.foundAt) : beijingText(r.foundAt)
    case 'status':
      return label(STATUSES, r.status, lang)
    case 'disposal':
      return label(DISPOSAL_LABELS, r.disposal, lang)
    case 'reuse':
      return label(REUSE_LABELS, r.reuse, lang)
    case 'disposal_reason':
      // a deferral's reason; for a regularised case the permit it names (recorded as "permit …")
      return r.disposal === 'deferral' ? text(r.disposalReason) : r.disposal === 'regularisation' ? text(r.disposalReason?.replace(/^permit /, '') ?? null) : null
    case 'location_pending':
      return yesNo(r.locationPending, lang)
    case 'new_construction':
      return yesNo(r.newConstruction, lang)
    case 'lon':
      return r.locationPending ? null : r.lon
    case 'lat':
      return r.locationPending ? null : r.lat
    case 'wkt':
      return r.wkt
    default:
      return null
  }
}

const SUMMED: readonly ColumnKey[] = [
  'land_area_recorded_m2', 'floor_area_recorded_m2', 'land_area_computed_m2', 'floor_area_computed_m2',
  'demolished_land_area_m2', 'demolished_floor_area_m2', 'regreened_area_m2',
]
const TIMES: readonly ColumnKey[] = ['found_at', 'notified_at', 'order_issued_at', 'disposed_at', 'accepted_at', 'closed_at']
const round2 = (x: number) => Math.round(x * 100) / 100

/** 合计: the count in the case-number column, and the area sums (recorded, computed, demolished, re-greened). */
function totalsOf(rows: readonly LedgerRow[], lang: Lang): Value[] {
  const sums: Record<string, number> = {}
  for (const r of rows) {
    for (const k of SUMMED) sums[k] = (sums[k] ?? 0) + ((valueOf(k, r, 0, lang, 'text') as number | null) ?? 0)
  }
  return COLUMNS.map((c) => {
    if (c.key === 'seq') return TOTALS_LABEL[lang]
    if (c.key === 'case_no') return lang === 'zh' ? `共${rows.length}处` : `${rows.length} cases`
    if (SUMMED.includes(c.key)) return round2(sums[c.key] ?? 0)
    return null
  })
}

const header = (c: ColumnDef, lang: Lang) => (lang === 'zh' ? c.zh : c.en)

// ---- CSV ----

function csvField(v: Value): string {
  if (v === null) return ''
  const s = v instanceof Date ? v.toISOString() : String(v)
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

/** UTF-8 with a BOM (so Excel reads the Chinese), CRLF, a totals row last. */
export function ledgerCsv(rows: readonly LedgerRow[], lang: Lang): string {
  const lines = [COLUMNS.map((c) => csvField(header(c, lang))).join(',')]
  rows.forEach((r, i) => lines.push(COLUMNS.map((c) => csvField(valueOf(c.key, r, i + 1, lang, 'text'))).join(',')))
  lines.push(totalsOf(rows, lang).map(csvField).join(','))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

// ---- GIS (GeoJSON, GeoPackage) ----

/** Where the site is, as a GIS column would not say: read from the geometry instead. */
const GEOMETRY_COLUMNS: readonly ColumnKey[] = ['seq', 'lon', 'lat', 'wkt']

/** The rows as lon/lat features with the ledger's columns as attributes (headers in `lang`). */
export function ledgerFeatures(rows: readonly LedgerRow[], lang: Lang): Feature[] {
  const columns = COLUMNS.filter((c) => !GEOMETRY_COLUMNS.includes(c.key))
  return rows.map((r, i) => ({
    type: 'Feature',
    geometry: r.wkt ? (wkx.Geometry.parse(r.wkt).toGeoJSON() as Geometry) : { type: 'Point', coordinates: [r.lon, r.lat] },
    properties: Object.fromEntries(columns.map((c) => [header(c, lang), valueOf(c.key, r, i + 1, lang, 'gis')])),
  }))
}

// ---- XLSX ----

const WIDTHS: Partial<Record<ColumnKey, number>> = {
  case_no: 24, town: 12, village: 12, location_text: 30, building_form: 14, found_at: 20, wkt: 60, lon: 14, lat: 14,
  notified_at: 20, order_issued_at: 20, disposed_at: 20, accepted_at: 20, closed_at: 20, deadline: 12, disposal_reason: 24,
}

/** Sheet names: 31 characters, none of []:*?/\, unique in the workbook. */
function sheetName(unit: Unit, used: Set<string>): string {
  const base = unit.name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || unit.code
  let name = base
  if (used.has(name)) name = `${base.slice(0, 31 - unit.code.length - 2)}(${unit.code})`
  used.add(name)
  return name
}

function addLedgerSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, unit: Unit, rows: readonly LedgerRow[], lang: Lang, used: Set<string>, districtName: string, today: string) {
  const ws = wb.addWorksheet(sheetName(unit, used), { views: [{ state: 'frozen', ySplit: 2 }] })
  ws.columns = COLUMNS.map((c) => ({
    width: WIDTHS[c.key] ?? Math.max(8, header(c, lang).length * 2 + 2),
    ...(TIMES.includes(c.key) ? { style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } } : SUMMED.includes(c.key) ? { style: { numFmt: '0.00' } } : {}),
  }))
  const title = lang === 'zh'
    ? `${districtName}${unit.townName ?? ''}${unit.name} 违法建设台账（一村一台账）  导出日期：${today}`
    : `Illegal construction ledger of ${unit.name} (${unit.code}), ${unit.townName ?? ''}, ${districtName}; exported ${today}`
  const titleRow = ws.addRow([title])
  titleRow.font = { bold: true, size: 14 }
  ws.mergeCells(1, 1, 1, COLUMNS.length)
  titleRow.commit()
  const head = ws.addRow(COLUMNS.map((c) => header(c, lang)))
  head.font = { bold: true }
  head.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
  head.commit()
  // rows are written out as they are committed: memory stays flat however long the ledger
  rows.forEach((r, i) => ws.addRow(COLUMNS.map((c) => valueOf(c.key, r, i + 1, lang, 'cell'))).commit())
  const totals = ws.addRow(totalsOf(rows, lang))
  totals.font = { bold: true }
  totals.commit()
  ws.commit()
}

/** One sheet per village, in code order; a village without cases gets an empty ledger with 合计 0. */
export async function ledgerXlsx(units: readonly Unit[], rows: readonly LedgerRow[], lang: Lang, districtName: string, now = new Date()): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject))
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
  wb.creator = 'chaiwei'
  wb.created = now
  const byVillage = new Map<string, LedgerRow[]>()
  for (const r of rows) {
    const list = byVillage.get(r.adminCode)
    if (list) list.push(r)
    else byVillage.set(r.adminCode, [r])
  }
  const used = new Set<string>()
  const today = beijingText(now.getTime()).slice(0, 10)
  for (const u of units) addLedgerSheet(wb, u, byVillage.get(u.code) ?? [], lang, used, districtName, today)
  await wb.commit()
  await done
  return Buffer.concat(chunks)
}

/** An empty ledger in the template, with a sheet that explains each column and its values. */
export async function templateXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chaiwei'
  const importable = COLUMNS.filter((c) => !c.exportOnly || c.key === 'seq')
  const ws = wb.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] })
  const head = ws.addRow(importable.map((c) => c.zh))
  head.font = { bold: true }
  importable.forEach((c, i) => (ws.getColumn(i + 1).width = WIDTHS[c.key] ?? Math.max(8, c.zh.length * 2 + 2)))
  const help = wb.addWorksheet('填写说明')
  help.getColumn(1).width = 120
  const lines = [
    '违法建设台账导入模板：每行一处违建。必填：用途、发现来源、发现时间，以及位置（经度+纬度、WKT，或所在村）。',
    'One row per case. Required: 用途 use, 发现来源 source, 发现时间 found_at, and the location (经度 lon + 纬度 lat, WKT, or the village).',
    '台账编号：可空，空则按“村代码-年份-序号”自动编号；已有编号不得与台账重复。',
    '所在村 / 所在镇街：可空，空则按位置确定；填写时须与位置一致（名称或代码均可）。',
    `用途：${USES.accepted}`,
    `权属类别：${OWNERSHIP.accepted}`,
    `发现来源：${SOURCES.accepted}`,
    '层数：1–50 的整数。占地面积、建筑面积：平方米，大于 0（占地不超过 1 平方公里）。',
    '发现时间：北京时间，如 2024-05-01 或 2024-05-01 08:30，不得晚于今天。',
    '高墙大院、大杂院、开墙打洞、三层及以上出租、占用耕地、党员公职人员参与、新生违建：填“是”或“否”（空为否）。',
    '经度、纬度：CGCS2000 十进制度（如 116.1432、39.7368），不接受投影坐标（米）。WKT：POINT / POLYGON / MULTIPOLYGON，经纬度。',
    `状态（整治状态）：${STATUSES.accepted}；空为排查认定。处置方式：${DISPOSAL_LABELS.accepted}。再利用方式：${REUSE_LABELS.accepted}。`,
    '进度须与办案流程一致：已拆除/验收/销账须填处置方式和拆除时间（拆除的还须填拆除占地、建筑面积）；验收须填验收时间；销账须填销账时间；' +
      '日期须依次不早于：发现 ≤ 告知 ≤ 限期拆除决定 ≤ 拆除 ≤ 验收 ≤ 销账；整改期限须有限期拆除决定时间；暂缓须填暂缓原因；复绿面积随“建绿/添景”填写。',
    'Progress columns carry an existing ledger over as it stands; they are checked against the case lifecycle.',
    '没有经纬度的案件：填写所在村（重名时加所在镇街），先放在村里“待定位”，在地图上定位后显示。',
    '序号、待定位、计算面积列仅供阅读，导入时忽略；“合计”行导入时跳过。',
  ]
  for (const l of lines) help.addRow([l])
  return Buffer.from(await wb.xlsx.writeBuffer())
}
