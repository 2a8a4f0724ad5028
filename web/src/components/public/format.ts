// Dates and areas as the public pages print them: Beijing time, whatever the visitor's clock says.
import type { Lang } from '../../i18n/messages.ts'

const TZ = 'Asia/Shanghai'
const locale = (lang: Lang) => (lang === 'zh-CN' ? 'zh-CN' : 'en-GB')

export function formatDateTime(iso: string, lang: Lang): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale(lang), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d)
}

/** A calendar date as written on a notice: 2026年6月2日 / 2 June 2026. `iso`: a date or a date-time. */
export function formatLongDate(iso: string, lang: Lang): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00+08:00` : iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale(lang), { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' }).format(d)
}

/** Square metres, rounded to one decimal; an unknown area is a dash. */
export function formatArea(m2: number | null, lang: Lang): string {
  if (m2 === null || !Number.isFinite(m2)) return '—'
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(m2)
}
