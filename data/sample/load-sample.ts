// Fills an empty, migrated database with a deterministic sample of 房山区: real admin names and
// codes, synthetic boundaries, parcels, buildings, reference features, a ledger and two detection
// batches. All in one transaction: a load killed half-way leaves nothing behind.
import type { Db, Queryable } from '../../server/src/db/db.ts'
import { loadAdminUnits, type Village } from './admin-units.ts'
import { IdSeq, layOutVillage, type Building, type Parcel } from './buildings.ts'
import { caseUseOf, foundTime, Ledger, type CaseSource, type CaseSpec } from './cases.ts'
import { BATCHES, insertBatches, PatchWriter, planPatches } from './detections.ts'
import { screenBatch } from '../../server/src/repos/detection-screening.repo.ts'
import { wktMultiPolygon } from './geo.ts'
import { apportion, Rng } from './prng.ts'
import { loadReferenceFeatures } from './reference-features.ts'
import { GENERATOR_VERSION, REFERENCE_DATE, SEED, SIZES, type SampleSize } from './sizes.ts'
import { SerialQueries, syncIdentity, TableWriter } from './writer.ts'

export type { SampleSize } from './sizes.ts'

export interface SampleSummary {
  size: SampleSize
  seed: number
  generatorVersion: number
  counts: Record<string, number>
  ms: number
}

const TABLES = [
  'parcels',
  'buildings',
  'roads',
  'waters',
  'reference_areas',
  'cases',
  'case_history',
  'case_inspections',
  'detection_batches',
  'detections',
] as const

/**
 * How many buildings each village gets: plains and the urban fringe many, mountains few, urban
 * communities a handful of shops; never more than the village has room for (water-filling: the
 * excess of full villages goes to the others).
 */
function buildingTargets(villages: Village[], total: number): number[] {
  const weight = villages.map((v) => {
    const km2 = v.areaM2 / 1e6
    if (v.kind === '社区') return 0.15 * Math.sqrt(Math.min(km2, 2))
    const terrain = v.terrain === 'plain' ? 1 : v.terrain === 'hill' ? 0.55 : 0.22
    return terrain * (0.7 + 1.3 * v.urbanity) * (v.isKey ? 1.3 : 1) * Math.sqrt(Math.min(km2, 6))
  })
  // ~260 m² of village per building (plot, lane, share of fields); a fraction of the land is settled.
  const capacity = villages.map((v) => Math.floor((v.areaM2 * (v.kind === '社区' ? 0.12 : 0.3)) / 260))
  const share = new Array<number>(villages.length).fill(0)
  const fixed = new Set<number>()
  let left = total
  for (;;) {
    const free = villages.map((_, i) => i).filter((i) => !fixed.has(i))
    const w = free.reduce((s, i) => s + weight[i]!, 0)
    let changed = false
    for (const i of free) {
      if ((left * weight[i]!) / w > capacity[i]!) {
        share[i] = capacity[i]!
        fixed.add(i)
        left -= capacity[i]!
        changed = true
      }
    }
    if (!changed) {
      for (const i of free) share[i] = (left * weight[i]!) / w
      break
    }
  }
  return apportion(total, share)
}

function parcelWriter(tx: Queryable, batchRows: number): TableWriter {
  return new TableWriter(
    tx,
    'parcels',
    [
      { name: 'id', type: 'bigint' },
      { name: 'parcel_no', type: 'text' },
      { name: 'admin_code', type: 'text' },
      { name: 'land_class', type: 'text' },
      { name: 'owner_name', type: 'text' },
      { name: 'owner_type', type: 'text' },
      { name: 'recorded_area_m2', type: 'numeric' },
      { name: 'synthetic', type: 'bool' },
      { name: 'updated_at', type: 'timestamptz' },
      { name: 'geom', type: 'text', expr: 'ST_GeomFromText(t.geom, 4326)' },
    ],
    batchRows,
  )
}

function buildingWriter(tx: Queryable, batchRows: number, parcels: TableWriter): TableWriter {
  return new TableWriter(
    tx,
    'buildings',
    [
      { name: 'id', type: 'bigint' },
      { name: 'admin_code', type: 'text' },
      { name: 'parcel_id', type: 'bigint' },
      { name: 'floors', type: 'smallint' },
      { name: 'structure', type: 'text' },
      { name: 'use', type: 'text' },
      { name: 'self_built', type: 'bool' },
      { name: 'rented', type: 'bool' },
      { name: 'safety_grade', type: 'text' },
      { name: 'permit_no', type: 'text' },
      { name: 'built_year', type: 'smallint' },
      { name: 'synthetic', type: 'bool' },
      { name: 'updated_at', type: 'timestamptz' },
      { name: 'geom', type: 'text', expr: 'ST_GeomFromText(t.geom, 4326)' },
    ],
    batchRows,
    [parcels],
  )
}

const parcelRow = (p: Parcel) => [p.id, p.parcelNo, p.adminCode, p.landClass, p.ownerName, p.ownerType, p.recordedArea, true, REFERENCE_DATE, wktMultiPolygon([p.ring])]
const buildingRow = (b: Building) => [
  b.id,
  b.adminCode,
  b.parcel?.id ?? null,
  b.floors,
  b.structure,
  b.use,
  b.selfBuilt,
  b.rented,
  b.safety,
  b.permitNo,
  b.builtYear,
  true,
  REFERENCE_DATE,
  wktMultiPolygon([b.ring]),
]

/** Violations are likelier on farmland, in tall rented houses and in yards of warehouses; rare with a permit. */
function caseWeight(b: Building): number {
  const base = b.kind === 'farm' ? 6 : b.selfBuilt && b.rented && b.floors >= 3 ? 4 : b.kind === 'warehouse' ? 2 : 1
  return b.permitNo ? base * 0.1 : base
}

export async function loadSample(db: Db, size: SampleSize, onProgress: (message: string) => void = () => {}): Promise<SampleSummary> {
  const started = performance.now()
  const spec = SIZES[size]
  if (!spec) throw new Error(`unknown sample size ${String(size)}; use tiny, demo or city`)
  const summary = await db.transaction(async (conn) => {
    // the writers send their inserts and go on generating; every statement runs in sending order
    const tx = new SerialQueries(conn)
    const existing = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_units')
    if ((existing.rows[0]?.n ?? 0) > 0) {
      throw new Error('the database already holds admin units; the sample loads only into an empty database')
    }
    const model = await loadAdminUnits(tx, onProgress)
    const { obstacles } = await loadReferenceFeatures(tx, model, spec.batchRows)
    onProgress('reference features: roads, waters, reference areas')
    await insertBatches(tx)

    const villages = model.villages
    const targets = buildingTargets(villages, spec.buildings)
    const caseWeights = villages.map((v, i) => targets[i]! * (v.isKey ? 2 : 1) * (v.ringBand ? 1.5 : 1) * (v.terrain === 'mountain' ? 0.6 : 1))
    const caseQuota = apportion(spec.cases, caseWeights)
    const patchQuota = spec.patches.map((n) => apportion(n, targets))
    const patchTotal = spec.patches.reduce((a, b) => a + b, 0)

    const parcels = parcelWriter(tx, spec.batchRows)
    const buildings = buildingWriter(tx, spec.batchRows, parcels)
    const ledger = new Ledger(tx, spec.batchRows)
    const patches = new PatchWriter(tx, spec.batchRows, ledger.cases)
    const ids = new IdSeq()
    let carry = 0 // buildings a full village could not take pass on to the next
    let nextReport = 0

    for (const [i, v] of villages.entries()) {
      const rng = new Rng(SEED, `village:${v.code}`)
      const want = targets[i]! + carry
      const layout = layOutVillage(v, want, obstacles, ids, rng)
      carry = Math.max(0, want - layout.buildings.length)

      // Patches first: they decide which buildings are new, and open cases for verified violations.
      const used = new Set<Building>()
      let casesLeft = caseQuota[i]!
      const patchPlans = BATCHES.flatMap((batch, k) => planPatches(v, layout, batch, patchQuota[k]![i]!, rng, used))
      const patchCases: (number | undefined)[] = []
      for (const plan of patchPlans) {
        if (!plan.violation) {
          patchCases.push(undefined)
          continue
        }
        patchCases.push((await ledger.add(plan.violation, rng)).id)
        casesLeft--
      }

      // The rest of the village's ledger: the use most behind the Xicheng mix, on a fitting building.
      const pool = layout.buildings.filter((b) => !used.has(b))
      while (casesLeft > 0 && pool.length > 0) {
        const use = ledger.neededUse()
        const fitting = pool.filter((b) => caseUseOf(b.use) === use)
        const b = pickBuilding(fitting.length > 0 ? fitting : pool, rng)
        pool.splice(pool.indexOf(b), 1)
        used.add(b)
        const caseSpec: CaseSpec = {
          village: v,
          building: b,
          use: caseUseOf(b.use),
          source: rng.weighted<CaseSource>({ patrol: 40, satellite: 18, report: 12, self_check: 20, assigned: 10 }),
          foundMs: foundTime(rng),
          farmland: b.parcel?.landClass === 'farmland' || b.parcel?.landClass === 'basic_farmland',
        }
        const record = await ledger.add(caseSpec, rng)
        casesLeft--
        if (record.status === 'closed' && rng.chance(0.3)) {
          if (await ledger.reinspect(caseSpec, record, rng)) casesLeft--
        }
      }

      for (const p of layout.parcels) await parcels.push(parcelRow(p))
      for (const b of layout.buildings) await buildings.push(buildingRow(b))
      for (const [k, plan] of patchPlans.entries()) await patches.add(plan, patchCases[k], rng)

      if (buildings.count >= nextReport || i === villages.length - 1) {
        onProgress(
          `buildings ${buildings.count}/${spec.buildings}, cases ${ledger.count}/${spec.cases}, patches ${patches.writer.count}/${patchTotal} (village ${i + 1}/${villages.length})`,
        )
        nextReport = buildings.count + Math.max(spec.buildings / 10, 1)
      }
    }
    await parcels.drain()
    await buildings.drain()
    await ledger.drain()
    await patches.writer.drain()
    onProgress(`written: ${parcels.count} parcels, ${buildings.count} buildings, ${ledger.count} cases, ${ledger.history.count} history rows, ${patches.writer.count} patches`)
    // A case opened from a patch points back at it.
    await tx.query('UPDATE cases c SET detection_id = d.id FROM detections d WHERE d.case_id = c.id')
    onProgress('cases linked to their patches')
    await (await import('./planning.ts')).loadPlanning(tx, onProgress) // buffer rule set and zones, targets, planners' zones
    for (const b of BATCHES) {
      // what an import does after its commit
      let nextShown = 0
      await screenBatch(tx, b.id, REFERENCE_DATE, (done, total) => {
        if (done >= nextShown || done === total) {
          onProgress(`screening batch ${b.id}: ${done}/${total} patches`)
          nextShown = done + Math.max(total / 5, 1)
        }
      })
    }
    // the sample office publishes its ledger (公示) at every stage, so the public pages show something
    await tx.query(
      `UPDATE disclosure_settings SET stages = '{order_issued,demolished,closed}',
              office_name = (SELECT name FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1) || '违法建设专项治理办公室（示例）',
              notice_note = '如对公示内容有异议，请于公示之日起 7 日内向所在镇街拆违办反映。示例数据，仅供演示。'`,
    )
    for (const table of TABLES) await syncIdentity(tx, table)
    onProgress('ledger published, identities synced; counting')

    const counts: Record<string, number> = {}
    const levels = await tx.query<{ level: string; n: number; key: number }>(
      'SELECT level, count(*)::int AS n, count(*) FILTER (WHERE is_key_village)::int AS key FROM admin_units GROUP BY level ORDER BY level',
    )
    counts.admin_units = levels.rows.reduce((s, r) => s + r.n, 0)
    for (const r of levels.rows) counts[`${r.level}s`] = r.n
    counts.key_villages = levels.rows.reduce((s, r) => s + r.key, 0)
    for (const table of TABLES) {
      counts[table] = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
    }
    const summary: SampleSummary = { size, seed: SEED, generatorVersion: GENERATOR_VERSION, counts, ms: Math.round(performance.now() - started) }
    await tx.query(
      `INSERT INTO app_meta (key, value) VALUES ('sample', $1::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [JSON.stringify(summary)],
    )
    onProgress(`sample ${size} loaded in ${(summary.ms / 1000).toFixed(1)} s`)
    return summary
  })
  // A bulk load leaves no planner statistics and, from the screening's updates, dead rows (1.2
  // million in the city sample's patches). Without them the planner guessed a village prefix
  // matched 6,000 patches and scanned 1.3 million index entries for a z16 tile (40 ms, not 2 ms):
  // servers whose autovacuum is off or behind (a CI machine's is off) would keep those plans.
  const t0 = performance.now()
  await db.query('VACUUM (ANALYZE)')
  onProgress(`VACUUM (ANALYZE) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return summary
}

function pickBuilding(list: Building[], rng: Rng): Building {
  const total = list.reduce((s, b) => s + caseWeight(b), 0)
  let r = rng.next() * total
  for (const b of list) {
    r -= caseWeight(b)
    if (r < 0) return b
  }
  return list[list.length - 1]!
}
