// The ledgers' wall clock: China Standard Time, UTC+8 all year (no daylight saving). Every date a
// user reads or types (deadlines, 发现时间, report periods, case-number years) is a Beijing date;
// instants are stored in UTC. This file and repos/beijing.sql.ts are the only places that know it.

export const BEIJING_OFFSET_MS = 8 * 3_600_000

/** The Beijing date (YYYY-MM-DD) of an instant. */
export function beijingDate(at: number | Date): string {
  return new Date(+at + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

/** Today's date in Beijing: deadlines of orders and patch batches are compared with it. */
export function beijingToday(now: Date = new Date()): string {
  return beijingDate(now)
}

/** The Beijing year of an instant (case numbers are VILLAGE-YEAR-NNNN). */
export function beijingYear(ms: number): number {
  return new Date(ms + BEIJING_OFFSET_MS).getUTCFullYear()
}

/** The instant Beijing wall-clock fields (read as if UTC) stand for. */
export function fromBeijingWallClock(wallMs: number): number {
  return wallMs - BEIJING_OFFSET_MS
}

/** 'YYYY-MM-DD HH:MM:SS' (plus '.mmm' when there are milliseconds), Beijing time, from an instant. */
export function beijingText(ms: number): string {
  const s = new Date(ms + BEIJING_OFFSET_MS).toISOString()
  const base = `${s.slice(0, 10)} ${s.slice(11, 19)}`
  return s.slice(20, 23) === '000' ? base : `${base}.${s.slice(20, 23)}`
}

/** An Excel date cell shows the UTC fields of the Date exceljs writes: shifted to show Beijing time. */
export function beijingCellDate(ms: number): Date {
  return new Date(ms + BEIJING_OFFSET_MS)
}
