// 台账 ledger cases: one per illegal structure, spread over the whole lifecycle (排查认定 → 告知 →
// 限期拆除决定 → 拆除/没收/补办/暂缓 → 验收 → 销账), with dates in order and all before the
// sample's fixed "today"; their history rows (全程留痕) and 回头看 re-inspections, some of which
// find a rebound (反弹) that reopens as a new case.
import type { Queryable } from '../../server/src/db/db.ts'
import type { Village } from './admin-units.ts'
import type { Building, BuildingUse } from './buildings.ts'
import { DAY, HOUR, isoDate, isoTime, MINUTE, beijing, yearOf } from './dates.ts'
import { centroidOf, ringAreaM2, wktMultiPolygon, wktPoint, type Ring } from './geo.ts'
import type { Rng } from './prng.ts'
import { REFERENCE_MS } from './sizes.ts'
import { TableWriter } from './writer.ts'

export type CaseUse = 'residential' | 'storage' | 'commercial' | 'office' | 'other'
export type CaseSource = 'satellite' | 'patrol' | 'report' | 'self_check' | 'assigned'
type Status = 'identified' | 'notified' | 'order_issued' | 'demolished' | 'confiscated' | 'regularised' | 'deferred' | 'accepted' | 'closed'
type Disposal = 'self_demolition' | 'assisted_demolition' | 'enforced_demolition' | 'confiscation' | 'regularisation' | 'deferral'
type Flag = 'walled_compound' | 'crowded_courtyard' | 'wall_opening' | 'rented_3plus' | 'farmland' | 'official_involved'

/** Seed 004's Xicheng ledger by count of sites: the use mix every sample ledger follows. */
export const XICHENG_USE_COUNTS: Record<CaseUse, number> = { residential: 39_450, storage: 11_906, commercial: 3_208, office: 519, other: 120 }
const XICHENG_TOTAL = Object.values(XICHENG_USE_COUNTS).reduce((a, b) => a + b, 0)

export function caseUseOf(use: BuildingUse): CaseUse {
  switch (use) {
    case 'residential':
      return 'residential'
    case 'storage':
    case 'industrial':
      return 'storage'
    case 'commercial':
      return 'commercial'
    case 'office':
      return 'office'
    default:
      return 'other'
  }
}

const DEFERRAL_REASONS = [
  '涉及学校周边临时设施，经区专班研究暂缓拆除',
  '涉及民生保障（社区菜站），待替代设施建成后拆除',
  '涉及重点工程配套临建，工程竣工后拆除',
  '当事人为低保困难户，待安置后拆除',
]
const DISPOSAL_NOTE: Record<string, string> = {
  self_demolition: '当事人自行拆除',
  assisted_demolition: '街乡协助拆除',
  enforced_demolition: '依法强制拆除',
  confiscation: '依法没收',
  regularisation: '已补办规划手续',
}

export interface CaseSpec {
  village: Village
  /** The structure: its footprint is copied (or its centre marked) as the case geometry. */
  building?: Building
  /** A polygon to use when there is no building (e.g. a cleared site from a patch). */
  ring?: Ring
  use: CaseUse
  source: CaseSource
  foundMs: number
  /** On site at once (a verified satellite patch: the field check is the first visit). */
  reachedMs?: number
  farmland?: boolean
  reopenedFrom?: number
}

export interface CaseRecord {
  id: number
  status: Status
  closedMs?: number
}

interface Timeline {
  status: Status
  reached: number
  notified?: number
  order?: number
  deadline?: number
  disposed?: number
  accepted?: number
  closed?: number
  disposal?: Disposal
  reason?: string
}

/**
 * The case's path through the lifecycle, then cut at the reference date: whatever would happen
 * after "today" has not happened yet, so recent cases are still open. A few cases stall at an
 * early stage — those with an order and a passed deadline are the overdue ones.
 */
function lifecycle(found: number, rng: Rng, quick: boolean, reachedAt?: number): Timeline {
  const plan: Disposal = quick
    ? rng.weighted({ self_demolition: 50, assisted_demolition: 35, enforced_demolition: 15 })
    : rng.weighted({ self_demolition: 37, assisted_demolition: 25, enforced_demolition: 20, confiscation: 5, regularisation: 7, deferral: 6 })
  // Where an unfinished case waits; a confiscated or regularised site often stays on the books.
  let stall = rng.weighted({ none: 78, identified: 3, notified: 4, order_issued: 7, disposed: 5, accepted: 3 })
  if ((plan === 'confiscation' || plan === 'regularisation') && rng.chance(0.35)) stall = 'disposed'
  const reached =
    reachedAt ?? found + (quick || rng.chance(0.6) ? rng.range(10, 58) * MINUTE : rng.range(1, 48) * HOUR)
  const notified = reached + (quick ? rng.range(0.3, 4) * HOUR : rng.range(1, 12) * DAY)
  const hasOrder = plan !== 'regularisation'
  const order = hasOrder ? notified + (quick ? rng.range(0.3, 5) * HOUR : rng.range(3, 25) * DAY) : undefined
  const graceDays = quick ? rng.int(1, 2) : rng.int(7, 30)
  const deadline = order !== undefined ? order + graceDays * DAY : undefined
  let disposed: number
  if (quick) disposed = Math.max(order! + HOUR, found + rng.range(0.5, 3) * DAY)
  else if (plan === 'regularisation') disposed = notified + rng.range(20, 120) * DAY
  else if (plan === 'deferral') disposed = order! + rng.range(5, 40) * DAY
  else disposed = order! + rng.range(1, graceDays + (rng.chance(0.15) ? 40 : 0)) * DAY // some after the deadline
  const demolition = plan.endsWith('_demolition')
  const accepted = demolition ? disposed + rng.range(2, 20) * DAY : undefined
  const closed = plan === 'deferral' ? undefined : (accepted ?? disposed) + rng.range(5, 45) * DAY
  // a confiscated site is accepted (验收) before it is closed, as the lifecycle requires: halfway,
  // drawing nothing from rng so that the rest of the sample stays as it was
  const acceptedAt = plan === 'confiscation' ? disposed + (closed! - disposed) / 2 : accepted
  const disposedStatus: Status =
    plan === 'confiscation' ? 'confiscated' : plan === 'regularisation' ? 'regularised' : plan === 'deferral' ? 'deferred' : 'demolished'

  const steps: [Status, number | undefined][] = [
    ['notified', notified],
    ['order_issued', order],
    [disposedStatus, disposed],
    ['accepted', acceptedAt],
    ['closed', closed],
  ]
  const t: Timeline = { status: 'identified', reached: Math.min(reached, REFERENCE_MS - MINUTE) }
  if (stall === 'identified') return t
  for (const [status, at] of steps) {
    if (at === undefined) continue
    if (at >= REFERENCE_MS) break
    t.status = status
    if (status === 'notified') t.notified = at
    else if (status === 'order_issued') {
      t.order = at
      t.deadline = deadline
    } else if (status === disposedStatus) {
      t.disposed = at
      t.disposal = plan
      if (plan === 'deferral') t.reason = rng.pick(DEFERRAL_REASONS)
    } else if (status === 'accepted') t.accepted = at
    else t.closed = at
    if (status === stall || (stall === 'disposed' && status === disposedStatus)) break
  }
  return t
}

/** When a case was found: heavy in the 2017–2018 campaign, steady since, none after "today". */
export function foundTime(rng: Rng): number {
  const year = Number(rng.weighted({ 2017: 15, 2018: 15, 2019: 10, 2020: 8, 2021: 9, 2022: 9, 2023: 9, 2024: 9, 2025: 9, 2026: 8 }))
  const start = beijing(year, 1, 1)
  const end = Math.min(beijing(year + 1, 1, 1), REFERENCE_MS - DAY)
  const day = Math.floor(rng.range(0, (end - start) / DAY))
  return start + day * DAY + rng.range(8, 18) * HOUR
}

function buildingForm(b: Building | undefined): string {
  if (!b) return '其他'
  switch (b.structure) {
    case 'brick_concrete':
      return b.floors === 1 ? '砖混平房' : `${b.floors}层砖混楼房`
    case 'brick_wood':
      return b.floors === 1 ? '砖木平房' : `${b.floors}层砖木房`
    case 'steel':
      return '彩钢板房'
    case 'simple':
      return '简易棚房'
    case 'frame':
      return `${b.floors}层框架结构`
    default:
      return '其他'
  }
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭']

export class Ledger {
  readonly cases: TableWriter
  readonly history: TableWriter
  readonly inspections: TableWriter
  private readonly useCounts: Record<CaseUse, number> = { residential: 0, storage: 0, commercial: 0, office: 0, other: 0 }
  private total = 0
  private readonly seq = new Map<string, number>()
  private partySeq = 0

  constructor(tx: Queryable, batchRows: number) {
    this.cases = new TableWriter(
      tx,
      'cases',
      [
        { name: 'id', type: 'bigint' },
        { name: 'case_no', type: 'text' },
        { name: 'admin_code', type: 'text' },
        { name: 'location_text', type: 'text' },
        { name: 'use', type: 'text' },
        { name: 'ownership', type: 'text' },
        { name: 'building_form', type: 'text' },
        { name: 'floors', type: 'smallint' },
        { name: 'land_area_recorded_m2', type: 'numeric' },
        { name: 'floor_area_recorded_m2', type: 'numeric' },
        { name: 'source', type: 'text' },
        { name: 'status', type: 'text' },
        { name: 'disposal', type: 'text' },
        { name: 'disposal_reason', type: 'text' },
        { name: 'flags', type: 'text', expr: 't.flags::text[]' },
        { name: 'parties', type: 'text', expr: 't.parties::jsonb' },
        { name: 'found_at', type: 'timestamptz' },
        { name: 'reached_at', type: 'timestamptz' },
        { name: 'notified_at', type: 'timestamptz' },
        { name: 'order_issued_at', type: 'timestamptz' },
        { name: 'deadline', type: 'date' },
        { name: 'disposed_at', type: 'timestamptz' },
        { name: 'accepted_at', type: 'timestamptz' },
        { name: 'closed_at', type: 'timestamptz' },
        { name: 'demolished_land_area_m2', type: 'numeric' },
        { name: 'demolished_floor_area_m2', type: 'numeric' },
        { name: 'reuse', type: 'text' },
        { name: 'regreened_area_m2', type: 'numeric' },
        { name: 'reopened_from', type: 'bigint' },
        { name: 'synthetic', type: 'bool' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'updated_at', type: 'timestamptz' },
        { name: 'geom', type: 'text', expr: 'ST_GeomFromText(t.geom, 4326)' },
      ],
      batchRows,
    )
    this.history = new TableWriter(
      tx,
      'case_history',
      [
        { name: 'id', type: 'bigint' },
        { name: 'case_id', type: 'bigint' },
        { name: 'at', type: 'timestamptz' },
        { name: 'action', type: 'text' },
        { name: 'from_status', type: 'text' },
        { name: 'to_status', type: 'text' },
        { name: 'reason', type: 'text' },
      ],
      batchRows,
      [this.cases],
    )
    this.inspections = new TableWriter(
      tx,
      'case_inspections',
      [
        { name: 'id', type: 'bigint' },
        { name: 'case_id', type: 'bigint' },
        { name: 'inspected_at', type: 'timestamptz' },
        { name: 'result', type: 'text' },
        { name: 'note', type: 'text' },
        { name: 'rebound_case_id', type: 'bigint' },
      ],
      batchRows,
      [this.cases],
    )
  }

  get count(): number {
    return this.cases.count
  }

  /** The use furthest behind its Xicheng share: keeps the mix right at every point of the load. */
  neededUse(): CaseUse {
    let best: CaseUse = 'residential'
    let bestGap = -Infinity
    for (const [use, n] of Object.entries(XICHENG_USE_COUNTS) as [CaseUse, number][]) {
      const gap = ((this.total + 1) * n) / XICHENG_TOTAL - this.useCounts[use]
      if (gap > bestGap) {
        bestGap = gap
        best = use
      }
    }
    return best
  }

  private caseNo(village: Village, found: number): string {
    const year = yearOf(found)
    const k = `${village.code}-${year}`
    const n = (this.seq.get(k) ?? 0) + 1
    this.seq.set(k, n)
    return `${k}-${String(n).padStart(4, '0')}`
  }

  private parties(rng: Rng): string {
    const n = rng.chance(0.2) ? 2 : 1
    const list = []
    for (let i = 0; i < n; i++) {
      const k = ++this.partySeq
      // Obviously fake yet well-formed (the API checks the 18-character format): region 000000 does
      // not exist, so nobody can mistake these for a real person's identity.
      list.push({ name: `${rng.pick(SURNAMES)}某（样例）`, idNumber: `00000019700101${String(k % 10_000).padStart(4, '0')}`, phone: `000-0000-${String(k % 10_000).padStart(4, '0')}` })
    }
    return JSON.stringify(list)
  }

  async add(spec: CaseSpec, rng: Rng): Promise<CaseRecord> {
    const { village: v, building: b } = spec
    const id = this.cases.count + 1
    const quick = spec.reachedMs === undefined && yearOf(spec.foundMs) >= 2019 && spec.source !== 'self_check' && rng.chance(0.3)
    const t = lifecycle(spec.foundMs, rng, quick, spec.reachedMs)
    this.useCounts[spec.use]++
    this.total++

    const footprint = b?.ring ?? spec.ring
    const asPoint = b !== undefined && rng.chance(0.15)
    const geom = !footprint ? wktPoint(v.seed) : asPoint ? wktPoint(centroidOf(footprint)) : wktMultiPolygon([footprint])
    const area = b?.areaM2 ?? (spec.ring ? ringAreaM2(spec.ring) : 50)
    const floors = b?.floors ?? 1
    // Most sites have a measured area close to the map's; a few disagree badly (data to fix).
    const recorded = rng.chance(0.9) ? area * (rng.chance(0.05) ? rng.pick([0.45, 1.8, 2.5]) : rng.range(0.97, 1.03)) : undefined
    const floorRecorded = recorded !== undefined ? recorded * floors * rng.range(0.95, 1.05) : undefined

    const flags: Flag[] = []
    if (spec.farmland) flags.push('farmland')
    if (b && b.selfBuilt && b.rented && b.floors >= 3) flags.push('rented_3plus')
    if (spec.use === 'storage' && rng.chance(0.25)) flags.push('walled_compound')
    if (spec.use === 'residential' && b?.rented && v.urbanity > 0.25 && rng.chance(0.35)) flags.push('crowded_courtyard')
    if (spec.use === 'commercial' && rng.chance(0.35)) flags.push('wall_opening')
    if (rng.chance(0.01)) flags.push('official_involved')

    const landClass = b?.parcel?.landClass
    const ownership =
      b?.kind === 'office' || b?.kind === 'public'
        ? 'government_social'
        : landClass === 'state_construction'
          ? rng.weighted({ state: 70, government_social: 30 })
          : b?.parcel?.ownerType === 'enterprise'
            ? 'enterprise'
            : rng.weighted({ collective: 72, individual: 14, state: 6, enterprise: 5, government_social: 3 })

    const demolished = t.disposal?.endsWith('_demolition') && (t.status === 'demolished' || t.status === 'accepted' || t.status === 'closed')
    const demolishedLand = demolished ? Math.min(area, (recorded ?? area) * rng.range(0.95, 1)) : undefined
    const reuse = demolished
      ? spec.farmland
        ? rng.weighted({ farmland: 65, greening: 25, other: 10 })
        : rng.weighted({ greening: 35, road: 10, parking: 10, landscape: 8, market: 4, farmland: 10, other: 23 })
      : undefined
    const r2 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 100) / 100)
    const last = t.closed ?? t.accepted ?? t.disposed ?? t.order ?? t.notified ?? t.reached
    await this.cases.push([
      id,
      this.caseNo(v, spec.foundMs),
      v.code,
      `${v.town.name}${v.name}${b?.place ?? ''}`,
      spec.use,
      ownership,
      buildingForm(b),
      b ? floors : null,
      r2(recorded),
      r2(floorRecorded),
      spec.source,
      t.status,
      t.disposal ?? null,
      t.reason ?? null,
      `{${flags.join(',')}}`,
      this.parties(rng),
      isoTime(spec.foundMs),
      isoTime(t.reached),
      t.notified !== undefined ? isoTime(t.notified) : null,
      t.order !== undefined ? isoTime(t.order) : null,
      t.deadline !== undefined ? isoDate(t.deadline) : null,
      // a deferral is a disposal without a date of its own (the lifecycle's defer records none)
      t.disposed !== undefined && t.disposal !== 'deferral' ? isoTime(t.disposed) : null,
      t.accepted !== undefined ? isoTime(t.accepted) : null,
      t.closed !== undefined ? isoTime(t.closed) : null,
      r2(demolishedLand),
      r2(demolishedLand !== undefined ? demolishedLand * floors : undefined),
      reuse ?? null,
      r2(reuse === 'greening' && demolishedLand !== undefined ? demolishedLand * rng.range(0.6, 1) : undefined),
      spec.reopenedFrom ?? null,
      true,
      isoTime(spec.foundMs),
      isoTime(last),
      geom,
    ])
    await this.writeHistory(id, spec.foundMs, t)
    return { id, status: t.status, ...(t.closed !== undefined ? { closedMs: t.closed } : {}) }
  }

  private async writeHistory(caseId: number, found: number, t: Timeline): Promise<void> {
    const rows: [number, string, Status | null, Status, string | null][] = [[found, 'create', null, 'identified', null]]
    let prev: Status = 'identified'
    const step = (at: number | undefined, to: Status, reason: string | null) => {
      if (at === undefined) return
      rows.push([at, 'transition', prev, to, reason])
      prev = to
    }
    step(t.notified, 'notified', '已送达告知书，督促自查自纠')
    step(t.order, 'order_issued', t.deadline !== undefined ? `下达限期拆除决定书，限${isoDate(t.deadline)}前拆除` : null)
    if (t.disposal) step(t.disposed, statusOfDisposal(t.disposal), t.reason ?? DISPOSAL_NOTE[t.disposal] ?? null)
    step(t.accepted, 'accepted', '验收合格：场光地净')
    step(t.closed, 'closed', '销账')
    for (const [at, action, from, to, reason] of rows) {
      await this.history.push([this.history.count + 1, caseId, isoTime(at), action, from, to, reason])
    }
  }

  /** 回头看 of a closed case: clean, or a rebound that reopens as a new case. */
  async reinspect(spec: CaseSpec, closed: CaseRecord, rng: Rng): Promise<CaseRecord | undefined> {
    if (closed.closedMs === undefined) return undefined
    const at = closed.closedMs + rng.range(60, 400) * DAY
    if (at >= REFERENCE_MS - DAY) return undefined
    if (rng.chance(0.12)) {
      const rebound = await this.add({ ...spec, source: rng.pick(['patrol', 'satellite'] as const), foundMs: at, reopenedFrom: closed.id }, rng)
      await this.inspections.push([this.inspections.count + 1, closed.id, isoTime(at), 'rebound', '回头看发现原址重建，已重新立案', rebound.id])
      return rebound
    }
    await this.inspections.push([this.inspections.count + 1, closed.id, isoTime(at), 'clean', '回头看：场地保持整洁，无反弹', null])
    return undefined
  }

  /** Every row in the database. */
  async drain(): Promise<void> {
    await this.cases.drain()
    await this.history.drain()
    await this.inspections.drain()
  }
}

function statusOfDisposal(d: Disposal): Status {
  return d === 'confiscation' ? 'confiscated' : d === 'regularisation' ? 'regularised' : d === 'deferral' ? 'deferred' : 'demolished'
}
