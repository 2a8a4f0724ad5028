import { InputError } from './errors.ts'
import type { Figures, Shares } from '../schemas/planning.schema.ts'
export type { Figures }
// The ledger's statistics as pure logic: which keys a table may be grouped by, the figures each
// row carries, and percentages that add up. No I/O: the SQL lives in repos/statistics.repo.ts; the
// shapes (Figures, the table, area statistics) are in schemas/planning.schema.ts.

/** Keys a statistics table may be grouped by (at most two at once). */
export const GROUP_KEYS = [
  'district', 'town', 'village', 'zone', 'bufferZone', 'use', 'ownership', 'source', 'disposal', 'status', 'month', 'quarter', 'year',
] as const
export type GroupKey = (typeof GROUP_KEYS)[number]

/** Keys under which one case may fall in several rows (it lies in two zones) or none. */
export const OVERLAPPING_KEYS: readonly GroupKey[] = ['zone', 'bufferZone']

export const MAX_GROUP_KEYS = 2

export class GroupByError extends InputError {
  constructor(message: string) {
    super(message, 'groupBy')
  }
}

/** "town,use" → ['town', 'use']; unknown, repeated or too many keys are refused. */
export function parseGroupBy(raw: string | undefined): GroupKey[] {
  if (raw === undefined || raw.trim() === '') return []
  const keys = raw.split(',').map((k) => k.trim())
  if (keys.length > MAX_GROUP_KEYS) throw new GroupByError(`groupBy takes at most ${MAX_GROUP_KEYS} keys, not ${keys.length}`)
  for (const k of keys) {
    if (!(GROUP_KEYS as readonly string[]).includes(k)) throw new GroupByError(`groupBy: ${k} is not one of ${GROUP_KEYS.join(', ')}`)
  }
  if (new Set(keys).size !== keys.length) throw new GroupByError('groupBy names a key twice')
  return keys as GroupKey[]
}

/** The figures that get a share column (the gaps and the recorded/computed parts do not). */
export const SHARED_FIGURES = [
  'count', 'landArea', 'floorArea', 'demolishedCount', 'demolishedLandArea', 'demolishedFloorArea', 'regreenedArea', 'closedCount',
] as const satisfies readonly (keyof Figures)[]
export type SharedFigure = (typeof SHARED_FIGURES)[number]

/** Disposals that demolish: their demolished areas and re-greening count as 拆除. */
export const DEMOLITION_DISPOSALS = ['self_demolition', 'assisted_demolition', 'enforced_demolition'] as const

// Values are m² with cents at most; shares are percentages with two decimals, i.e. whole
// hundredths of a percent ("basis points"): 100 % = 10,000.
const toCents = (v: number) => BigInt(Math.round(v * 100))
const FULL = 10_000n

/**
 * Shares in % (two decimals) that add up to exactly 100 when the total is not zero: each gets the
 * floor of its exact quota of 10,000 hundredths, and the hundredths left over go to the largest
 * remainders (ties to the earlier row). Integer arithmetic throughout, so no float drift.
 * Values must not be negative; all zero gives all zero.
 */
export function largestRemainderShares(values: readonly number[]): number[] {
  const cents = values.map((v) => {
    if (!(v >= 0)) throw new RangeError(`shares need values >= 0, got ${v}`)
    return toCents(v)
  })
  const total = cents.reduce((s, c) => s + c, 0n)
  if (total === 0n) return values.map(() => 0)
  const floors = cents.map((c) => (c * FULL) / total)
  const remainders = cents.map((c, i) => ({ i, r: (c * FULL) % total }))
  let left = FULL - floors.reduce((s, f) => s + f, 0n)
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1))
  for (const { i } of remainders) {
    if (left === 0n) break
    floors[i] = floors[i]! + 1n
    left--
  }
  return floors.map((f) => Number(f) / 100)
}

/** One value's share of a total in % (two decimals, half up): for rows that may overlap. */
export function shareOf(value: number, total: number): number {
  const t = toCents(total)
  if (t === 0n) return 0
  const q = toCents(value) * FULL * 2n
  return Number((q / t + 1n) / 2n) / 100
}

/** Shares of every row, per figure: largest remainder when the rows partition the total. */
export function rowShares(rows: readonly Figures[], totals: Figures, overlapping: boolean): Shares[] {
  const out: Shares[] = rows.map(() => ({}) as Shares)
  for (const f of SHARED_FIGURES) {
    const shares = overlapping ? rows.map((r) => shareOf(r[f], totals[f])) : largestRemainderShares(rows.map((r) => r[f]))
    shares.forEach((s, i) => (out[i]![f] = s))
  }
  return out
}

export function totalShares(totals: Figures): Shares {
  return Object.fromEntries(SHARED_FIGURES.map((f) => [f, totals[f] === 0 ? 0 : 100])) as Shares
}

/** Sums figures in cents, so the sum of rows equals the SQL sum to the cent. */
export function sumFigures(rows: readonly Figures[]): Figures {
  const keys = Object.keys(emptyFigures()) as (keyof Figures)[]
  const out = emptyFigures()
  for (const k of keys) out[k] = Number(rows.reduce((s, r) => s + toCents(r[k]), 0n)) / 100
  return out
}

export function emptyFigures(): Figures {
  return {
    count: 0, landArea: 0, landAreaRecorded: 0, landAreaComputed: 0, landAreaGap: 0, floorArea: 0, floorAreaRecorded: 0, floorAreaComputed: 0,
    floorAreaGap: 0, demolishedCount: 0, demolishedLandArea: 0, demolishedFloorArea: 0, regreenedArea: 0, closedCount: 0,
  }
}

// ---- labels: what a table (and the XLSX export) prints for each key ----

export const DISPOSAL_LABELS: Readonly<Record<string, string>> = {
  self_demolition: '自拆', assisted_demolition: '助拆', enforced_demolition: '强拆',
  confiscation: '没收', regularisation: '补办手续', deferral: '暂缓',
}
export const LAND_CLASS_LABELS: Readonly<Record<string, string>> = {
  farmland: '耕地', basic_farmland: '基本农田', homestead: '宅基地', collective_construction: '集体建设用地',
  state_construction: '国有建设用地', forest: '林地', garden: '园地', water: '水域', road: '道路', other: '其他',
}
export const GROUP_KEY_LABELS: Readonly<Record<GroupKey, string>> = {
  district: '区', town: '镇街', village: '村社区', zone: '整治区域', bufferZone: '缓冲区', use: '用途', ownership: '权属',
  source: '发现方式', disposal: '处置方式', status: '状态', month: '月份', quarter: '季度', year: '年度',
}
export const FIGURE_LABELS: Readonly<Record<keyof Figures, string>> = {
  count: '违建数（处）', landArea: '占地面积（㎡）', landAreaRecorded: '占地面积·测量（㎡）', landAreaComputed: '占地面积·图形计算（㎡）',
  landAreaGap: '占地面积差（测量−计算，㎡）', floorArea: '建筑面积（㎡）', floorAreaRecorded: '建筑面积·测量（㎡）',
  floorAreaComputed: '建筑面积·图形计算（㎡）', floorAreaGap: '建筑面积差（测量−计算，㎡）', demolishedCount: '已拆除（处）',
  demolishedLandArea: '拆除占地面积（㎡）', demolishedFloorArea: '拆除建筑面积（㎡）', regreenedArea: '覆绿面积（㎡）', closedCount: '已销账（处）',
}
/** The label of a key whose value is missing (no ownership recorded, in no zone …). */
export function missingLabel(key: GroupKey): string {
  return key === 'zone' || key === 'bufferZone' ? '不在任何区域内' : '未填写'
}

/** '2025-Q1' style period keys sort as text; so do codes. Rows sort by their keys, nulls last. */
export function compareKeys(a: readonly (string | number | null)[], b: readonly (string | number | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null
    const y = b[i] ?? null
    if (x === y) continue
    if (x === null) return 1
    if (y === null) return -1
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return String(x) < String(y) ? -1 : 1
  }
  return 0
}
