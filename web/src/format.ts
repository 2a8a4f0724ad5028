// Dates and areas as the ledger shows them: dates in Beijing time (the cases' local time), areas
// in square metres with at most two decimals.

const TZ = 'Asia/Shanghai'

/** 2026-10-30 (Beijing time) from an ISO instant; a plain date is returned as it is. */
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('sv-SE', { timeZone: TZ })
}

/** 2026-10-30 01:38 (Beijing time). */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString('sv-SE', { timeZone: TZ, hour12: false }).slice(0, 16)
}

export function fmtArea(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return n.toLocaleString('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: 2 })
}

/** Now as the value of an <input type="datetime-local"> (local time of the browser). */
export function localDateTimeNow(): string {
  const d = new Date()
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset())
  return d.toISOString().slice(0, 16)
}

/** Today plus `days` as an <input type="date"> value (local time). */
export function localDate(days = 0): string {
  const d = new Date()
  d.setDate(d.getDate() + days)
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset())
  return d.toISOString().slice(0, 10)
}
