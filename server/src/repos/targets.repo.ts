// 年度目标: annual targets per admin unit, what was achieved toward them (from the ledger), and
// their trace. The carry-over, progress and milestone rules are in domain/targets.ts.
import type { Db, Queryable } from '../db/db.ts'
import { DEMOLITION_DISPOSALS } from '../domain/statistics.ts'
import { carryOver, checkMilestones, progress, milestoneState, zeroFigures, TARGET_FIGURES, type CarriedYear, type FigureSet } from '../domain/targets.ts'
import type { ChangeEntry, Milestone, Snapshot, TargetBody, TargetView } from '../schemas/planning.schema.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { inScope, inUnit, prefixMatch } from './scope.sql.ts'
import { holds, type Scope } from '../domain/scope.ts'
import { beijingDateSql } from './beijing.sql.ts'
import { beijingToday } from '../domain/beijing-clock.ts'
import { Refusal } from '../domain/errors.ts'

/** If-Match sent for a target that does not exist yet. */
/** If-Match names a version of a target that does not exist (412: send no If-Match to create it). */
export class TargetMissingError extends Refusal {
  constructor(message: string) {
    super('stale', message, { code: 'target_missing' })
  }
}

type Row = Record<string, unknown>

interface StoredTarget {
  adminCode: string
  name: string
  level: TargetView['level']
  year: number
  version: number
  target: FigureSet<number | null>
  milestones: Milestone[]
}

const SELECT_TARGET = `
  SELECT t.admin_code, a.name, a.level, t.year, t.version, t.demolished_area_m2, t.cases_closed, t.regreened_area_m2, t.milestones
  FROM targets t JOIN admin_units a ON a.code = t.admin_code`

const toStored = (r: Row): StoredTarget => ({
  adminCode: r.admin_code as string,
  name: r.name as string,
  level: r.level as TargetView['level'],
  year: r.year as number,
  version: r.version as number,
  target: {
    demolishedArea: r.demolished_area_m2 as number | null,
    casesClosed: r.cases_closed as number | null,
    regreenedArea: r.regreened_area_m2 as number | null,
  },
  milestones: r.milestones as Milestone[],
})


/**
 * What each (unit, year) achieved, per Beijing day: demolished land area and re-greened area of
 * cases demolished that day (disposed_at), and cases closed that day (closed_at), over the cases
 * filed under the unit. Key `${adminCode}:${year}`.
 */
export async function dailyAchieved(db: Queryable, units: readonly { adminCode: string; year: number }[]): Promise<Map<string, Map<string, FigureSet>>> {
  const out = new Map<string, Map<string, FigureSet>>()
  if (units.length === 0) return out
  const r = await db.query<{ admin_code: string; year: number; day: string; dl: number; cc: number; rg: number }>(
    `WITH t AS (SELECT * FROM unnest($1::text[], $2::int[]) AS t(admin_code, year)),
     facts AS (
       SELECT c.admin_code, ${beijingDateSql('c.disposed_at')} AS day, c.demolished_land_area_m2 AS dl, 0 AS cc, c.regreened_area_m2 AS rg
       FROM cases c WHERE c.disposal = ANY($3::text[]) AND c.disposed_at IS NOT NULL
       UNION ALL
       SELECT c.admin_code, ${beijingDateSql('c.closed_at')}, NULL, 1, NULL FROM cases c WHERE c.closed_at IS NOT NULL
     )
     SELECT t.admin_code, t.year, f.day::text AS day, coalesce(sum(f.dl), 0) AS dl, sum(f.cc) AS cc, coalesce(sum(f.rg), 0) AS rg
     FROM t JOIN facts f ON ${prefixMatch('f.admin_code', 't.admin_code')} AND f.day BETWEEN make_date(t.year, 1, 1) AND make_date(t.year, 12, 31)
     GROUP BY t.admin_code, t.year, f.day`,
    [units.map((u) => u.adminCode), units.map((u) => u.year), [...DEMOLITION_DISPOSALS]],
  )
  for (const x of r.rows) {
    const key = `${x.admin_code}:${x.year}`
    if (!out.has(key)) out.set(key, new Map())
    out.get(key)!.set(x.day, { demolishedArea: x.dl, casesClosed: x.cc, regreenedArea: x.rg })
  }
  return out
}

/** Sum of daily figures up to and including `until` (all of them without). Exact in cents. */
export function sumDaily(daily: ReadonlyMap<string, FigureSet> | undefined, until?: string): FigureSet {
  const cents = zeroFigures()
  for (const [day, f] of daily ?? []) {
    if (until !== undefined && day > until) continue
    for (const k of TARGET_FIGURES) cents[k] += Math.round(f[k] * 100)
  }
  return { demolishedArea: cents.demolishedArea / 100, casesClosed: cents.casesClosed / 100, regreenedArea: cents.regreenedArea / 100 }
}


/**
 * Targets of `year` for units inside the scope (and `admin` prefix), with achievement,
 * carry-over from the years before (all of the unit's targets are read for the chain),
 * progress and milestones.
 */
export async function targetsOfYear(db: Queryable, scope: Scope, year: number, admin: string | undefined, now = new Date()): Promise<TargetView[]> {
  const params: unknown[] = [scope, year]
  const r = await db.query<Row>(
    `${SELECT_TARGET}
     WHERE ${inScope('t.admin_code', '$1')} AND t.year <= $2 ${admin ? `AND ${inUnit('t.admin_code', '$3')}` : ''}
       AND t.admin_code IN (SELECT admin_code FROM targets WHERE year = $2)
     ORDER BY t.admin_code, t.year`,
    admin ? [...params, admin] : params,
  )
  const stored = r.rows.map(toStored)
  const daily = await dailyAchieved(db, stored)
  const byUnit = new Map<string, StoredTarget[]>()
  for (const s of stored) byUnit.set(s.adminCode, [...(byUnit.get(s.adminCode) ?? []), s])
  const today = beijingToday(now)
  const out: TargetView[] = []
  for (const [, list] of byUnit) {
    const chain = carryOver(list.map((s) => ({ year: s.year, target: s.target, achieved: sumDaily(daily.get(`${s.adminCode}:${s.year}`)) })))
    const t = chain.find((c) => c.year === year)!
    const s = list.find((x) => x.year === year)!
    out.push(view(s, t, daily.get(`${s.adminCode}:${s.year}`), today))
  }
  return out
}

function view(s: StoredTarget, t: CarriedYear, daily: ReadonlyMap<string, FigureSet> | undefined, today: string): TargetView {
  return {
    adminCode: s.adminCode, name: s.name, level: s.level, year: s.year, version: s.version,
    target: t.target, achieved: t.achieved, carriedIn: t.carriedIn, carriedOut: t.carriedOut, progress: progress(t),
    milestones: s.milestones.map((m) => milestoneState(m, t.target, sumDaily(daily, m.date), t.carriedIn, today)),
  }
}

/** One target (with its carry-over chain), or null if the unit has none that year or is outside the scope. */
export async function getTarget(db: Queryable, scope: Scope, adminCode: string, year: number, now = new Date()): Promise<TargetView | null> {
  if (!holds(scope, adminCode)) return null
  const list = (await targetsOfYear(db, scope, year, adminCode, now)).filter((t) => t.adminCode === adminCode)
  return list[0] ?? null
}

/** The carry-over chain and daily figures of one target, for the burn-down. */
export async function targetDaily(db: Queryable, scope: Scope, adminCode: string, year: number): Promise<{ carried: CarriedYear; daily: Map<string, FigureSet> } | null> {
  if (!holds(scope, adminCode)) return null
  const r = await db.query<Row>(`${SELECT_TARGET} WHERE t.admin_code = $1 AND t.year <= $2 ORDER BY t.year`, [adminCode, year])
  const stored = r.rows.map(toStored)
  if (!stored.some((s) => s.year === year)) return null
  const daily = await dailyAchieved(db, stored)
  const chain = carryOver(stored.map((s) => ({ year: s.year, target: s.target, achieved: sumDaily(daily.get(`${s.adminCode}:${s.year}`)) })))
  return { carried: chain.find((c) => c.year === year)!, daily: daily.get(`${adminCode}:${year}`) ?? new Map() }
}

/**
 * Creates (expectedVersion undefined; refused if it exists → StaleVersionError(current)) or replaces
 * (expectedVersion must match) a target. Appends to target_history either way.
 * Returns 'created' | 'replaced', or null when the admin unit does not exist.
 */
export async function putTarget(
  db: Db, adminCode: string, year: number, input: TargetBody, expectedVersion: number | undefined, userId: number,
): Promise<'created' | 'replaced' | null> {
  const milestones = checkMilestones(year, input.milestones ?? [])
  const outcome = await db.transaction(async (tx) => {
    const unit = await tx.query('SELECT 1 FROM admin_units WHERE code = $1', [adminCode])
    if (unit.rowCount === 0) return null
    const r = await tx.query<Row>(`SELECT * FROM targets WHERE admin_code = $1 AND year = $2 FOR UPDATE`, [adminCode, year])
    const existing = r.rows[0]
    const values = [input.demolishedArea ?? null, input.casesClosed ?? null, input.regreenedArea ?? null, JSON.stringify(milestones)]
    const after = { demolished_area_m2: values[0], cases_closed: values[1], regreened_area_m2: values[2], milestones }
    if (!existing) {
      if (expectedVersion !== undefined) throw new TargetMissingError(`there is no target for ${adminCode} in ${year} to match If-Match; send no If-Match to create it`)
      await tx.query(
        `INSERT INTO targets (admin_code, year, demolished_area_m2, cases_closed, regreened_area_m2, milestones) VALUES ($1, $2, $3, $4, $5, $6)`,
        [adminCode, year, ...values],
      )
      await tx.query(`INSERT INTO target_history (admin_code, year, user_id, action, after) VALUES ($1, $2, $3, 'create', $4)`, [
        adminCode, year, userId, JSON.stringify(after),
      ])
      return 'created'
    }
    if (expectedVersion !== existing.version) return { stale: existing.version as number }
    await tx.query(
      `UPDATE targets SET demolished_area_m2 = $3, cases_closed = $4, regreened_area_m2 = $5, milestones = $6, version = version + 1
       WHERE admin_code = $1 AND year = $2`,
      [adminCode, year, ...values],
    )
    const before = { demolished_area_m2: existing.demolished_area_m2, cases_closed: existing.cases_closed, regreened_area_m2: existing.regreened_area_m2, milestones: existing.milestones }
    await tx.query(`INSERT INTO target_history (admin_code, year, user_id, action, before, after) VALUES ($1, $2, $3, 'edit', $4, $5)`, [
      adminCode, year, userId, JSON.stringify(before), JSON.stringify(after),
    ])
    return 'replaced'
  })
  if (outcome !== null && typeof outcome === 'object') {
    // creating over an existing target names no version at all
    return refuseStaleWrite(db, 'target', { table: 'target_history', key: { admin_code: adminCode, year } }, userId, expectedVersion ?? 0, outcome.stale, input)
  }
  return outcome
}

export async function targetHistory(db: Queryable, adminCode: string, year: number): Promise<ChangeEntry[]> {
  const r = await db.query<Row>(
    `SELECT h.id, to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, u.username, h.action, h.before, h.after
     FROM target_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.admin_code = $1 AND h.year = $2 ORDER BY h.at, h.id`,
    [adminCode, year],
  )
  return r.rows.map((h) => ({
    id: h.id as number, at: h.at as string, user: h.username as string | null, action: h.action as string,
    before: h.before as Snapshot | null, after: h.after as Snapshot | null,
  }))
}
