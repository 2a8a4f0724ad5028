// Timestamps of the sample, in Beijing time (+08:00) as the ledgers write them. All arithmetic is
// in epoch milliseconds; text goes out with an explicit offset, so the server's time zone is moot.

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
const OFFSET = 8 * HOUR

/** '2026-04-15T09:30:00.000+08:00' */
export function isoTime(ms: number): string {
  return new Date(Math.round(ms) + OFFSET).toISOString().replace('Z', '+08:00')
}

/** '2026-04-15', the Beijing calendar day. */
export function isoDate(ms: number): string {
  return new Date(Math.round(ms) + OFFSET).toISOString().slice(0, 10)
}

/** Midnight (Beijing) that starts the given calendar day. */
export function beijing(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - OFFSET
}

export function yearOf(ms: number): number {
  return new Date(ms + OFFSET).getUTCFullYear()
}
