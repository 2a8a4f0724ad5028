// The knobs of the sample: one seed, one fixed "today", and how much of everything each size makes.

export type SampleSize = 'tiny' | 'demo' | 'city'

/** One seed for every size: the sizes differ by their targets, not by luck. */
export const SEED = 20161

/** Bumped whenever the generated rows change, so a loaded database can tell which sample it holds. */
export const GENERATOR_VERSION = 3

/** "Today" of the sample: every date lies before it. Never the wall clock (determinism). */
export const REFERENCE_DATE = '2026-11-01T00:00:00+08:00'
export const REFERENCE_MS = Date.parse(REFERENCE_DATE)

export const DISTRICT_CODE = '110111'

export interface SizeSpec {
  buildings: number
  cases: number
  /** Patches of the two detection batches (ministry quarter, district drone survey). */
  patches: [number, number]
  /** Rows per INSERT statement. */
  batchRows: number
}

export const SIZES: Record<SampleSize, SizeSpec> = {
  tiny: { buildings: 3_000, cases: 300, patches: [60, 40], batchRows: 2_000 },
  demo: { buildings: 40_000, cases: 3_000, patches: [360, 240], batchRows: 2_000 },
  city: { buildings: 1_000_000, cases: 200_000, patches: [60_000, 40_000], batchRows: 2_000 },
}

export function isSampleSize(s: string): s is SampleSize {
  return s === 'tiny' || s === 'demo' || s === 'city'
}
