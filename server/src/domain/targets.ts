import { InputError } from './errors.ts'
import type { BurndownPoint, BurndownStep, Milestone, MilestoneState } from '../schemas/planning.schema.ts'
// Annual targets (年度目标) as pure logic: progress, the carry-over rule, milestones and burn-down.
// No I/O: repos/targets.repo.ts reads targets and what was achieved, this file does the sums. The
// API's shapes (TargetView, Burndown …) are in schemas/planning.schema.ts.

export const TARGET_FIGURES = ['demolishedArea', 'casesClosed', 'regreenedArea'] as const
export type TargetFigure = (typeof TARGET_FIGURES)[number]
/** A figure per measure; null in a target means "no target for this figure". */
export type FigureSet<T = number> = Record<TargetFigure, T>

export interface YearTarget {
  year: number
  target: FigureSet<number | null>
  achieved: FigureSet
}

export interface CarriedYear extends YearTarget {
  carriedIn: FigureSet
  carriedOut: FigureSet
}

export const zeroFigures = (): FigureSet => ({ demolishedArea: 0, casesClosed: 0, regreenedArea: 0 })

// Areas carry cents; sums and differences are done in cents so carry-over is exact.
const cents = (v: number) => Math.round(v * 100)
const fromCents = (c: number) => c / 100

/**
 * 超额完成计入下一年度: the surplus of one year over its target counts toward the next year's,
 * when the unit has a target for both years (a gap in the years breaks the chain) and for that figure:
 * carriedIn(Y) = max(0, achieved(Y−1) + carriedIn(Y−1) − target(Y−1)). Years in any order.
 */
export function carryOver(years: readonly YearTarget[]): CarriedYear[] {
  const sorted = [...years].sort((a, b) => a.year - b.year)
  const out: CarriedYear[] = []
  for (const [i, y] of sorted.entries()) {
    const prev = i > 0 && sorted[i - 1]!.year === y.year - 1 ? out[i - 1]! : null
    const carriedIn = zeroFigures()
    const carriedOut = zeroFigures()
    for (const f of TARGET_FIGURES) {
      if (prev && prev.target[f] !== null && y.target[f] !== null) carriedIn[f] = prev.carriedOut[f]
      const t = y.target[f]
      carriedOut[f] = t === null ? 0 : fromCents(Math.max(0, cents(y.achieved[f]) + cents(carriedIn[f]) - cents(t)))
    }
    out.push({ ...y, carriedIn, carriedOut })
  }
  return out
}

/** (achieved + carried in) / target in %, two decimals, not capped at 100; null without a target. */
export function progressPercent(target: number | null, achieved: number, carriedIn: number): number | null {
  if (target === null) return null
  if (target === 0) return 100
  return Math.round(((cents(achieved) + cents(carriedIn)) * 10_000) / cents(target)) / 100
}

export function progress(t: CarriedYear): FigureSet<number | null> {
  return {
    demolishedArea: progressPercent(t.target.demolishedArea, t.achieved.demolishedArea, t.carriedIn.demolishedArea),
    casesClosed: progressPercent(t.target.casesClosed, t.achieved.casesClosed, t.carriedIn.casesClosed),
    regreenedArea: progressPercent(t.target.regreenedArea, t.achieved.regreenedArea, t.carriedIn.regreenedArea),
  }
}

/**
 * A milestone is met when what was achieved by its date (inclusive) plus what was carried in
 * reaches share × target on every figure that has a target.
 */
export function milestoneState(m: Milestone, target: FigureSet<number | null>, achievedByDate: FigureSet, carriedIn: FigureSet, today: string): MilestoneState {
  const required: FigureSet<number | null> = { demolishedArea: null, casesClosed: null, regreenedArea: null }
  let met = true
  for (const f of TARGET_FIGURES) {
    const t = target[f]
    if (t === null) continue
    const need = f === 'casesClosed' ? Math.ceil(t * m.share - 1e-9) : fromCents(Math.round(cents(t) * m.share))
    required[f] = need
    if (cents(achievedByDate[f]) + cents(carriedIn[f]) < cents(need)) met = false
  }
  const due = m.date < today
  return { ...m, due, required, achievedByDate, met: met ? true : due ? false : null }
}

export class TargetInputError extends InputError {}

/** Milestones must lie in the year, be distinct dates, and ask for no less as time goes on. */
export function checkMilestones(year: number, milestones: readonly Milestone[]): Milestone[] {
  const sorted = [...milestones].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
  for (const [i, m] of sorted.entries()) {
    const idx = milestones.indexOf(m)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(m.date) || Number.isNaN(Date.parse(`${m.date}T00:00:00Z`)) || new Date(`${m.date}T00:00:00Z`).toISOString().slice(0, 10) !== m.date) {
      throw new TargetInputError(`milestone date ${m.date} is not a date`, `milestones[${idx}].date`)
    }
    if (!m.date.startsWith(`${year}-`)) throw new TargetInputError(`milestone date ${m.date} is outside ${year}`, `milestones[${idx}].date`)
    if (!(m.share > 0 && m.share <= 1)) throw new TargetInputError(`milestone share ${m.share} must be in (0, 1]`, `milestones[${idx}].share`)
    const prev = sorted[i - 1]
    if (prev && prev.date === m.date) throw new TargetInputError(`two milestones on ${m.date}`, `milestones[${idx}].date`)
    if (prev && prev.share > m.share) throw new TargetInputError(`milestone ${m.date} asks for less (${m.share}) than the one before it (${prev.share})`, `milestones[${idx}].share`)
  }
  return sorted
}

const DAY_MS = 86_400_000
const dayIndex = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS)
const dateOf = (index: number) => new Date(index * DAY_MS).toISOString().slice(0, 10)

/**
 * Remaining work per day or week of the year, up to `until` (inclusive; at most 31 December).
 * `daily` holds what was achieved on each date (sparse); remaining = target − carried in −
 * achieved so far, never below 0.
 */
export function burndown(
  year: number,
  target: FigureSet<number | null>,
  carriedIn: FigureSet,
  daily: ReadonlyMap<string, FigureSet>,
  until: string,
  step: BurndownStep,
): BurndownPoint[] {
  const first = dayIndex(`${year}-01-01`)
  const last = dayIndex(`${year}-12-31`)
  const end = Math.min(last, dayIndex(until))
  const span = last - first + 1
  const sofar = zeroFigures()
  const out: BurndownPoint[] = []
  for (let d = first; d <= end; d++) {
    const date = dateOf(d)
    const got = daily.get(date)
    if (got) for (const f of TARGET_FIGURES) sofar[f] = fromCents(cents(sofar[f]) + cents(got[f]))
    const isStepDay = step === 'day' || (d - first) % 7 === 6 || d === end
    if (!isStepDay) continue
    const remaining = {} as FigureSet<number | null>
    const ideal = {} as FigureSet<number | null>
    for (const f of TARGET_FIGURES) {
      const t = target[f]
      if (t === null) {
        remaining[f] = null
        ideal[f] = null
        continue
      }
      const start = Math.max(0, cents(t) - cents(carriedIn[f]))
      remaining[f] = fromCents(Math.max(0, start - cents(sofar[f])))
      ideal[f] = fromCents(Math.round((start * (last - d)) / span))
    }
    out.push({ date, remaining, ideal })
  }
  return out
}
