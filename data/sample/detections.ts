// 卫片图斑: two detection batches (the ministry's 2026 Q1 satellite patches and a district drone
// survey in September) and their patches. Some patches are real new buildings or extensions (the
// building's year is set to match), some cleared land, some false changes (shadow, vegetation …).
// Verified patches carry a result; a verified violation opens a ledger case found that day.
import type { Queryable } from '../../server/src/db/db.ts'
import type { Village } from './admin-units.ts'
import type { Building, Parcel, VillageLayout } from './buildings.ts'
import type { CaseSpec } from './cases.ts'
import { caseUseOf } from './cases.ts'
import { beijing, DAY, HOUR, isoDate, isoTime } from './dates.ts'
import { centroidOf, ringAreaM2, round7, type Ring } from './geo.ts'
import { sampleImagery } from '../../server/src/imagery/sample-imagery.ts'
import type { Rng } from './prng.ts'
import { TableWriter } from './writer.ts'

type PatchStatus = 'pending' | 'assigned' | 'verified'
type Result = 'violation' | 'legal' | 'false_change'
type ChangeType = 'new_building' | 'extension' | 'land_cleared' | 'other'

export interface Batch {
  id: number
  name: string
  issuer: 'ministry' | 'district'
  prefix: string
  before: number
  after: number
  deadline: number
  imported: number
  /** Field checks happen in this window. */
  verify: [number, number]
  status: Record<PatchStatus, number>
  sourceFormat: string
  sourceCrs: string
}

export const BATCHES: Batch[] = [
  {
    id: 1,
    name: '2026年第一季度卫片',
    issuer: 'ministry',
    prefix: '110111-2026Q1-',
    before: beijing(2025, 12, 1),
    after: beijing(2026, 3, 31),
    deadline: beijing(2026, 6, 30),
    imported: beijing(2026, 4, 15) + 10 * HOUR,
    verify: [beijing(2026, 4, 16), beijing(2026, 6, 28)],
    status: { verified: 85, assigned: 10, pending: 5 },
    sourceFormat: 'shapefile',
    sourceCrs: 'EPSG:4490',
  },
  {
    id: 2,
    name: '房山区2026年9月无人机巡查',
    issuer: 'district',
    prefix: 'FS2026-09-',
    before: beijing(2026, 6, 30),
    after: beijing(2026, 9, 15),
    deadline: beijing(2026, 11, 30),
    imported: beijing(2026, 9, 20) + 15 * HOUR,
    verify: [beijing(2026, 9, 22), beijing(2026, 10, 30)],
    status: { verified: 45, assigned: 35, pending: 20 },
    sourceFormat: 'geojson',
    sourceCrs: 'EPSG:4548',
  },
]

export async function insertBatches(tx: Queryable): Promise<void> {
  for (const b of BATCHES) {
    await tx.query(
      `INSERT INTO detection_batches (id, name, issuer, before_date, after_date, deadline, source_format, source_crs, imagery, synthetic, imported_at, updated_at)
       OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, true, $9, $9)`,
      [b.id, b.name, b.issuer, isoDate(b.before), isoDate(b.after), isoDate(b.deadline), b.sourceFormat, b.sourceCrs, isoTime(b.imported), JSON.stringify(sampleImagery(b.id))],
    )
  }
}

export interface PatchPlan {
  batch: Batch
  village: Village
  ring: Ring
  changeType: ChangeType
  confidence: number
  status: PatchStatus
  result?: Result
  reason?: string
  permitRef?: string
  verifiedMs?: number
  /** Set for a verified violation: the case to open (found the day of the field check). */
  violation?: CaseSpec
}

const CHANGE_LABEL: Record<ChangeType, string> = { new_building: '新增建筑', extension: '扩建', land_cleared: '推填土', other: '其他' }
const FALSE_CAUSES = ['阴影', '植被季节变化', '大棚覆膜', '临时堆放物', '水体变化', '云层遮挡']
const PICK_WEIGHT: Partial<Record<Building['kind'], number>> = { farm: 5, warehouse: 3, side: 2, shed: 2, house: 1, shop: 1 }

const isFarmland = (p: Parcel | null | undefined) => p?.landClass === 'farmland' || p?.landClass === 'basic_farmland'

/** The building's footprint grown by a detector's margin, corners a little off. */
function patchAround(b: Building, rng: Rng): Ring {
  const [cx, cy] = centroidOf(b.ring)
  const k = rng.range(1.15, 1.35)
  const j = 0.8 / 111_000 // ≈ 0.8 m
  return b.ring.map(([x, y]) => [round7(cx + (x - cx) * k + rng.range(-j, j)), round7(cy + (y - cy) * k + rng.range(-j, j))])
}

function pickWeighted<T>(items: T[], weight: (t: T) => number, rng: Rng): T | undefined {
  const total = items.reduce((s, t) => s + weight(t), 0)
  if (total <= 0) return undefined
  let r = rng.next() * total
  for (const t of items) {
    r -= weight(t)
    if (r < 0) return t
  }
  return items[items.length - 1]
}

/** `n` patches of one batch in one village. `used` buildings are not picked twice. */
export function planPatches(v: Village, layout: VillageLayout, batch: Batch, n: number, rng: Rng, used: Set<Building>): PatchPlan[] {
  const plans: PatchPlan[] = []
  const open = layout.parcels.filter((p) => p.landClass !== 'homestead' && p.landClass !== 'collective_construction' && p.landClass !== 'state_construction')
  for (let k = 0; k < n; k++) {
    const status = rng.weighted(batch.status)
    const verifiedMs = status === 'verified' ? rng.range(batch.verify[0], batch.verify[1]) + rng.range(8, 17) * HOUR : undefined
    const kind = rng.weighted({ building: 55, cleared: 15, false: 30 })
    const building = kind === 'building' ? pickWeighted(layout.buildings, (b) => (used.has(b) ? 0 : (PICK_WEIGHT[b.kind] ?? 0)), rng) : undefined
    const field = open.length > 0 ? rng.pick(open) : undefined
    const base = { batch, village: v, status, confidence: 0, ...(verifiedMs !== undefined ? { verifiedMs } : {}) }

    if (building) {
      used.add(building)
      // Built between the two images.
      building.builtYear = batch.before < beijing(2026, 1, 1) && rng.chance(0.3) ? 2025 : 2026
      const plan: PatchPlan = {
        ...base,
        ring: patchAround(building, rng),
        changeType: building.kind === 'side' || building.kind === 'shed' ? 'extension' : 'new_building',
        confidence: rng.range(0.7, 0.99),
      }
      if (verifiedMs !== undefined) {
        if (building.permitNo === null && rng.chance(0.7)) {
          plan.result = 'violation'
          plan.violation = {
            village: v,
            building,
            use: caseUseOf(building.use),
            source: 'satellite',
            foundMs: verifiedMs,
            reachedMs: verifiedMs,
            farmland: isFarmland(building.parcel),
          }
        } else {
          plan.result = 'legal'
          building.permitNo ??= `房规乡建字〔2026〕第${String(rng.int(1, 999)).padStart(4, '0')}号`
          plan.permitRef = building.permitNo
        }
      }
      plans.push(plan)
      continue
    }
    // Cleared land or a false change: a patch on open land, or next to a building (its shadow).
    const w = rng.range(20, 60)
    const h = rng.range(15, 45)
    let ring: Ring
    if (field && field.local.w > w + 4 && field.local.h > h + 4) {
      const u = field.local.u + rng.range(-1, 1) * (field.local.w / 2 - w / 2 - 2)
      const vv = field.local.v + rng.range(-1, 1) * (field.local.h / 2 - h / 2 - 2)
      ring = layout.frame.rect(u, vv, w, h, rng.range(-0.2, 0.2))
    } else {
      const near = layout.buildings.length > 0 ? rng.pick(layout.buildings) : undefined
      const [cx, cy] = near ? centroidOf(near.ring) : v.seed
      const e = rng.range(8, 15)
      ring = layout.frame.rect(0, 0, rng.range(8, 20), rng.range(6, 14)).map(([x, y]) => [
        round7(x - v.seed[0] + cx + e / layout.frame.mx),
        round7(y - v.seed[1] + cy - e / layout.frame.my),
      ])
    }
    if (kind === 'cleared' && field) {
      const plan: PatchPlan = { ...base, ring, changeType: 'land_cleared', confidence: rng.range(0.6, 0.95) }
      if (verifiedMs !== undefined) {
        const r = rng.weighted({ violation: 25, legal: 45, false_change: 30 })
        plan.result = r
        if (r === 'legal') plan.permitRef = `房规自土整〔2026〕第${String(rng.int(1, 99)).padStart(4, '0')}号`
        if (r === 'false_change') plan.reason = '农田翻耕'
        if (r === 'violation')
          plan.violation = { village: v, ring, use: 'storage', source: 'satellite', foundMs: verifiedMs, reachedMs: verifiedMs, farmland: isFarmland(field) }
      }
      plans.push(plan)
      continue
    }
    const plan: PatchPlan = { ...base, ring, changeType: rng.weighted({ other: 50, new_building: 35, extension: 15 }), confidence: rng.range(0.35, 0.8) }
    if (verifiedMs !== undefined) {
      plan.result = 'false_change'
      plan.reason = rng.pick(FALSE_CAUSES)
    }
    plans.push(plan)
  }
  return plans
}

export class PatchWriter {
  readonly writer: TableWriter
  private readonly seq = new Map<number, number>()

  constructor(tx: Queryable, batchRows: number, cases: TableWriter) {
    this.writer = new TableWriter(
      tx,
      'detections',
      [
        { name: 'id', type: 'bigint' },
        { name: 'batch_id', type: 'bigint' },
        { name: 'patch_no', type: 'text' },
        { name: 'admin_code', type: 'text' },
        { name: 'change_type', type: 'text' },
        { name: 'confidence', type: 'numeric' },
        { name: 'recorded_area_m2', type: 'numeric' },
        { name: 'status', type: 'text' },
        { name: 'result', type: 'text' },
        { name: 'result_reason', type: 'text' },
        { name: 'permit_ref', type: 'text' },
        { name: 'verified_at', type: 'timestamptz' },
        { name: 'case_id', type: 'bigint' },
        { name: 'source_attributes', type: 'text', expr: 't.source_attributes::jsonb' },
        { name: 'synthetic', type: 'bool' },
        { name: 'updated_at', type: 'timestamptz' },
        { name: 'geom', type: 'text', expr: 'ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromText(t.geom, 4326)), 3))' },
      ],
      batchRows,
      [cases],
    )
  }

  async add(p: PatchPlan, caseId: number | undefined, rng: Rng): Promise<void> {
    const n = (this.seq.get(p.batch.id) ?? 0) + 1
    this.seq.set(p.batch.id, n)
    const patchNo = `${p.batch.prefix}${String(n).padStart(4, '0')}`
    const recorded = Math.round(ringAreaM2(p.ring) * rng.range(0.92, 1.08) * 100) / 100
    // The row as the issuer's file had it (ministry-style field names), for reporting back.
    const source = {
      TBBH: patchNo,
      XZQDM: p.village.town.code,
      XZQMC: p.village.town.name,
      CJMC: p.village.name,
      JCMJ: recorded,
      QSX: isoDate(p.batch.before),
      HSX: isoDate(p.batch.after),
      BHLX: CHANGE_LABEL[p.changeType],
    }
    const wkt = `MULTIPOLYGON(((${[...p.ring, p.ring[0]!].map(([x, y]) => `${x} ${y}`).join(',')})))`
    await this.writer.push([
      this.writer.count + 1,
      p.batch.id,
      patchNo,
      p.village.code,
      p.changeType,
      Math.round(p.confidence * 1000) / 1000,
      recorded,
      p.status,
      p.result ?? null,
      p.reason ?? null,
      p.permitRef ?? null,
      p.verifiedMs !== undefined ? isoTime(p.verifiedMs) : null,
      caseId ?? null,
      JSON.stringify(source),
      true,
      isoTime(p.verifiedMs ?? p.batch.imported + rng.range(1, 3) * DAY),
      wkt,
    ])
  }
}
