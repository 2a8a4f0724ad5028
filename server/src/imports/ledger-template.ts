// The ledger template (台账模板) staff already keep in Excel: one row per case, Chinese headers,
// English aliases accepted. This file is the ONE place that names the columns and the value
// dictionaries; the importer reads with it and the exporter writes with it, so a file the app
// exports reads back unchanged.
import { CASE_STATUSES, DISPOSALS, REUSES, type CaseStatus, type Disposal, type Reuse } from '../domain/case-lifecycle.ts'
import { CASE_FLAGS, CASE_SOURCES, CASE_USES, OWNERSHIPS } from '../repos/cases.repo.ts'

export type CaseUse = (typeof CASE_USES)[number]
export type CaseSource = (typeof CASE_SOURCES)[number]
export type Ownership = (typeof OWNERSHIPS)[number]
export type CaseFlag = (typeof CASE_FLAGS)[number]

/** Canonical column keys. Export-only columns are ignored when a file is read back. */
export type ColumnKey =
  | 'seq'
  | 'case_no'
  | 'town'
  | 'village'
  | 'location_text'
  | 'use'
  | 'ownership'
  | 'building_form'
  | 'floors'
  | 'land_area_recorded_m2'
  | 'floor_area_recorded_m2'
  | 'land_area_computed_m2'
  | 'floor_area_computed_m2'
  | 'source'
  | 'found_at'
  | 'status'
  | 'disposal'
  | 'notified_at'
  | 'order_issued_at'
  | 'deadline'
  | 'disposed_at'
  | 'demolished_land_area_m2'
  | 'demolished_floor_area_m2'
  | 'regreened_area_m2'
  | 'reuse'
  | 'accepted_at'
  | 'closed_at'
  | 'disposal_reason'
  | 'location_pending'
  | 'new_construction'
  | `flag:${CaseFlag}`
  | 'lon'
  | 'lat'
  | 'wkt'

export interface ColumnDef {
  key: ColumnKey
  /** The header the exporter writes (zh) and its English form (export with lang=en). */
  zh: string
  en: string
  /** Other spellings accepted on import (compared after normaliseHeader). */
  aliases: readonly string[]
  /** Written by the exporter for people to read, ignored on import (seq, computed areas, status). */
  exportOnly?: boolean
}

const flagColumn = (flag: CaseFlag, zh: string, aliases: string[] = []): ColumnDef => ({ key: `flag:${flag}`, zh, en: flag, aliases })

/** The template's columns, in the order the exporter writes them. */
export const COLUMNS: readonly ColumnDef[] = [
  { key: 'seq', zh: '序号', en: 'seq', aliases: ['no', 'no.', '编号序号'], exportOnly: true },
  { key: 'case_no', zh: '台账编号', en: 'case_no', aliases: ['案件编号', '编号', 'caseno', 'case number'] },
  { key: 'town', zh: '所在镇街', en: 'town', aliases: ['镇街', '乡镇', '乡镇街道', '街道乡镇', 'town_code'] },
  { key: 'village', zh: '所在村', en: 'village', aliases: ['村', '村社区', '所在村社区', '村居', 'village_code', 'admin_code'] },
  { key: 'location_text', zh: '位置', en: 'location_text', aliases: ['具体位置', '地址', '坐落', 'location'] },
  { key: 'use', zh: '用途', en: 'use', aliases: ['违建用途', '使用用途'] },
  { key: 'ownership', zh: '权属类别', en: 'ownership', aliases: ['权属', '权属系统', '所属系统'] },
  { key: 'building_form', zh: '建筑形式', en: 'building_form', aliases: ['结构形式', '建筑结构'] },
  { key: 'floors', zh: '层数', en: 'floors', aliases: ['建筑层数'] },
  { key: 'land_area_recorded_m2', zh: '占地面积（㎡）', en: 'land_area_recorded_m2', aliases: ['占地面积', 'land_area', 'land_area_m2'] },
  { key: 'floor_area_recorded_m2', zh: '建筑面积（㎡）', en: 'floor_area_recorded_m2', aliases: ['建筑面积', 'floor_area', 'floor_area_m2'] },
  { key: 'land_area_computed_m2', zh: '占地面积计算值（㎡）', en: 'land_area_computed_m2', aliases: [], exportOnly: true },
  { key: 'floor_area_computed_m2', zh: '建筑面积计算值（㎡）', en: 'floor_area_computed_m2', aliases: [], exportOnly: true },
  { key: 'source', zh: '发现来源', en: 'source', aliases: ['来源', '发现方式', '线索来源'] },
  { key: 'found_at', zh: '发现时间', en: 'found_at', aliases: ['发现日期', '排查时间', '认定时间', 'found', 'found_date'] },
  // progress (整治进度): an existing ledger carries its cases over where they stand (checkMigratedState)
  { key: 'status', zh: '状态', en: 'status', aliases: ['整治状态', '处置状态', '进度'] },
  { key: 'disposal', zh: '处置方式', en: 'disposal', aliases: ['拆除方式', '处置类型'] },
  { key: 'notified_at', zh: '告知时间', en: 'notified_at', aliases: ['宣传告知时间', '告知日期'] },
  { key: 'order_issued_at', zh: '限期拆除决定时间', en: 'order_issued_at', aliases: ['下达时间', '限拆决定时间', '决定下达时间', '限期拆除决定日期'] },
  { key: 'deadline', zh: '整改期限', en: 'deadline', aliases: ['限期', '拆除期限', '限期日期'] },
  { key: 'disposed_at', zh: '拆除时间', en: 'disposed_at', aliases: ['处置时间', '拆除日期', '处置日期'] },
  { key: 'demolished_land_area_m2', zh: '拆除占地面积（㎡）', en: 'demolished_land_area_m2', aliases: ['拆除占地面积'] },
  { key: 'demolished_floor_area_m2', zh: '拆除建筑面积（㎡）', en: 'demolished_floor_area_m2', aliases: ['拆除建筑面积', '拆除面积'] },
  { key: 'regreened_area_m2', zh: '复绿面积（㎡）', en: 'regreened_area_m2', aliases: ['复绿面积', '覆绿面积', '覆绿增绿面积', '增绿面积'] },
  { key: 'reuse', zh: '再利用方式', en: 'reuse', aliases: ['利用方式', '拆后利用', '拆后利用方式'] },
  { key: 'accepted_at', zh: '验收时间', en: 'accepted_at', aliases: ['验收日期'] },
  { key: 'closed_at', zh: '销账时间', en: 'closed_at', aliases: ['销号时间', '销账日期'] },
  { key: 'disposal_reason', zh: '暂缓原因', en: 'disposal_reason', aliases: ['处置说明', '暂缓理由'] },
  { key: 'new_construction', zh: '新生违建', en: 'new_construction', aliases: ['是否新生违建'] },
  flagColumn('walled_compound', '高墙大院'),
  flagColumn('crowded_courtyard', '大杂院'),
  flagColumn('wall_opening', '开墙打洞'),
  flagColumn('rented_3plus', '三层及以上出租', ['三层以上出租', '3层及以上出租']),
  flagColumn('farmland', '占用耕地', ['乱占耕地']),
  flagColumn('official_involved', '党员公职人员参与', ['党员干部参与', '公职人员参与']),
  { key: 'lon', zh: '经度', en: 'lon', aliases: ['lng', 'longitude'] },
  { key: 'lat', zh: '纬度', en: 'lat', aliases: ['latitude'] },
  { key: 'wkt', zh: 'WKT', en: 'wkt', aliases: ['几何', '图形', 'geometry', 'geom', '范围wkt'] },
  // 是 for a case placed at its village until a field team locates it; on import, a row without
  // coordinates is placed so again, so the column is only for people to read
  { key: 'location_pending', zh: '待定位', en: 'location_pending', aliases: [], exportOnly: true },
]

export const COLUMN_BY_KEY: ReadonlyMap<ColumnKey, ColumnDef> = new Map(COLUMNS.map((c) => [c.key, c]))
export const col = (key: ColumnKey): ColumnDef => COLUMN_BY_KEY.get(key)!

/** Columns a file must have; the location (lon + lat, WKT, or the village) is checked on its own. */
export const REQUIRED_COLUMNS: readonly ColumnKey[] = ['use', 'source', 'found_at']

/**
 * Header text as compared: no spaces, no bracketed unit ("占地面积（㎡）" and "占地面积(平方米)" both
 * become "占地面积"), lower case, '_'/'-'/'.' dropped.
 */
export function normaliseHeader(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/[\s_\-.:：*]/g, '')
    .toLowerCase()
}

const HEADER_INDEX: ReadonlyMap<string, ColumnKey> = (() => {
  const m = new Map<string, ColumnKey>()
  for (const c of COLUMNS) {
    for (const name of [c.zh, c.en, c.key, ...c.aliases]) {
      const k = normaliseHeader(name)
      const prev = m.get(k)
      if (prev && prev !== c.key) throw new Error(`ledger template: header ${name} names both ${prev} and ${c.key}`)
      m.set(k, c.key)
    }
  }
  return m
})()

export function columnForHeader(raw: string): ColumnKey | undefined {
  return HEADER_INDEX.get(normaliseHeader(raw))
}

// ---- value dictionaries: label written on export first, then accepted spellings ----

export interface Dictionary<K extends string> {
  /** The label the exporter writes for each key. */
  label: Readonly<Record<K, string>>
  /** Every accepted spelling (normalised) → key: labels, the web app's labels, English keys. */
  parse(raw: string): K | undefined
  /** For messages: the labels and keys a cell may hold. */
  accepted: string
}

function dictionary<K extends string>(keys: readonly K[], labels: Record<K, string[]>): Dictionary<K> {
  const index = new Map<string, K>()
  for (const k of keys) {
    index.set(k.toLowerCase(), k)
    for (const l of labels[k]) index.set(l.normalize('NFKC').replace(/\s/g, '').toLowerCase(), k)
  }
  const label = Object.fromEntries(keys.map((k) => [k, labels[k][0]!])) as Record<K, string>
  return {
    label,
    parse: (raw) => index.get(raw.normalize('NFKC').replace(/\s/g, '').toLowerCase()),
    accepted: keys.map((k) => `${label[k]}/${k}`).join('、'),
  }
}

export const USES = dictionary<CaseUse>(CASE_USES, {
  residential: ['居住', '住宅'],
  storage: ['仓储', '库房', '仓库'],
  commercial: ['商业', '经营', '商铺'],
  office: ['办公'],
  other: ['其他', '其它'],
})

export const OWNERSHIP = dictionary<Ownership>(OWNERSHIPS, {
  collective: ['集体经济', '集体经济组织', '集体', '集经'],
  state: ['国有', '国有资产', '国资'],
  enterprise: ['企业'],
  government_social: ['政府部门和社会单位', '政府部门及社会单位', '政府和社会单位'],
  individual: ['个人', '私人'],
})

export const SOURCES = dictionary<CaseSource>(CASE_SOURCES, {
  satellite: ['卫片', '卫片发现', '卫片图斑', '卫星图片'],
  patrol: ['巡查', '巡查发现', '日常巡查'],
  report: ['举报', '群众举报', '有奖举报'],
  self_check: ['自查', '自查自纠'],
  assigned: ['上级交办', '交办'],
})

export { CASE_STATUSES }
export type CaseStatusKey = CaseStatus

/** Progress: an import carries a case over where the ledger says it stands (empty is 排查认定). */
export const STATUSES = dictionary<CaseStatusKey>(CASE_STATUSES, {
  identified: ['排查认定', '已认定', '已排查', '待处置', '未拆除'],
  notified: ['宣传告知', '已告知', '告知'],
  order_issued: ['限期拆除决定', '已下达限期拆除决定', '已下达', '限期拆除'],
  demolished: ['已拆除', '拆除', '已拆'],
  confiscated: ['没收', '已没收'],
  regularised: ['补办手续', '已补办手续', '已补办'],
  deferred: ['暂缓', '暂缓拆除', '已暂缓'],
  accepted: ['验收', '已验收'],
  closed: ['销账', '已销账', '销号', '已销号'],
})

export const DISPOSAL_LABELS = dictionary<Disposal>(DISPOSALS, {
  self_demolition: ['自拆', '自行拆除', '自拆自改'],
  assisted_demolition: ['助拆', '协助拆除'],
  enforced_demolition: ['强拆', '强制拆除', '依法强拆'],
  confiscation: ['没收'],
  regularisation: ['补办手续', '补办'],
  deferral: ['暂缓', '暂缓拆除'],
})

export const REUSE_LABELS = dictionary<Reuse>(REUSES, {
  road: ['拆违还路', '还路', '道路'],
  greening: ['建绿', '拆违建绿', '绿化', '复绿', '覆绿'],
  landscape: ['添景', '拆违添景', '景观'],
  parking: ['停车', '停车场', '建停车场'],
  market: ['市场', '便民市场', '建市场'],
  farmland: ['复垦', '恢复种植条件', '恢复种植', '复耕'],
  other: ['其他', '其它'],
})

export const YES = { zh: '是', en: 'yes' } as const
export const NO = { zh: '否', en: 'no' } as const
const TRUE_WORDS = new Set(['是', 'y', 'yes', 'true', '1', '√', '✓', '✔', '有'])
const FALSE_WORDS = new Set(['否', 'n', 'no', 'false', '0', '×', '✗', '无', '-', '/'])

/** 是/否 (and yes/no, 1/0, √/×); empty is 否. undefined for anything else. */
export function parseYesNo(raw: string): boolean | undefined {
  const v = raw.normalize('NFKC').trim().toLowerCase()
  if (v === '') return false
  if (TRUE_WORDS.has(v)) return true
  if (FALSE_WORDS.has(v)) return false
  return undefined
}

// ---- spreadsheet formula injection (CSV/XLSX opened in Excel or WPS) ----

const FORMULA_START = /^[=+\-@\t\r]/

/** Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice). */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

/** The inverse on import, so an exported ledger reads back to the same text. */
export function unneutralise(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text
}

/** A first cell that marks a totals row (合计), skipped on import. */
export const TOTALS_LABEL = { zh: '合计', en: 'total' } as const
export function isTotalsLabel(text: string): boolean {
  const t = text.trim()
  return /^(合计|总计|小计)/.test(t) || /^(sub)?totals?\b/i.test(t)
}

/** Limits the importer enforces; the route states them in its description. */
export const IMPORT_LIMITS = {
  /** Upload size; the upload is spooled to a temp file, never held in memory. */
  fileBytes: 100 * 1024 * 1024,
  /** Files up to this size are answered when imported (200); larger ones run in the background (202 + poll). */
  syncBytes: 4 * 1024 * 1024,
  /** Data rows, all sheets together. */
  rows: 500_000,
  /** Rows read, checked, located in PostGIS and staged at a time: memory is bounded by this, not the file. */
  chunkRows: 5_000,
  /** Sum of the uncompressed sizes of an XLSX's parts (a zip bomb stops here). */
  unzippedBytes: 1024 * 1024 * 1024,
  /** Parts in an XLSX zip. */
  zipEntries: 2_000,
  /** Vertices of one WKT geometry. */
  vertices: 10_000,
  /** Wall-clock time for reading, validating and writing one file: this much, plus secondsPer1000Rows. */
  seconds: 120,
  /** More time for a bigger file, per thousand data rows read (200,000 rows: 120 + 400 s). */
  secondsPer1000Rows: 2,
  /** Problems listed in a report; problemCount gives the total. */
  problems: 10_000,
  /** Imports running at once in one server process. */
  concurrent: 2,
} as const

/** Rows one export may hold; a bigger selection is refused with 413 (narrow the filter). */
export const EXPORT_MAX_ROWS = 200_000
