// Small helpers the dispatch (派工) components share: due times, who covers what, who has a task.
import { ApiError } from '../../api.ts'
import type { Assignment, Team } from '../../field-api.ts'

// Due times are entered and shown in Beijing time, as every date of the app is (format.ts): the
// field's value is read as +08:00 whatever the browser's own time zone.
const TZ = 'Asia/Shanghai'

/** An ISO instant as an <input type="datetime-local"> value, in Beijing time. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleString('sv-SE', { timeZone: TZ, hourCycle: 'h23' }).slice(0, 16).replace(' ', 'T')
}

/** An <input type="datetime-local"> value (Beijing time) as an ISO instant; '' is no time. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null
  const d = new Date(`${value.slice(0, 16)}:00+08:00`)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** 18:00 Beijing time, `days` from today: the form's first due time. */
export function defaultDue(days = 3): string {
  const day = toLocalInput(new Date(Date.now() + days * 86_400_000).toISOString()).slice(0, 10)
  return `${day}T18:00`
}

/** A team (or a person's scope) covers an admin unit when the unit lies in its area. */
export const covers = (area: string, code: string) => code.startsWith(area)

export function teamsCovering(teams: readonly Team[], code: string | null): Team[] {
  return code ? teams.filter((t) => covers(t.adminCode, code)) : [...teams]
}

/** Who an assignment is with: the team, the person, or both. */
export function assigneeOf(a: Assignment): string {
  if (a.team && a.assignee) return `${a.team.name} · ${a.assignee.displayName}`
  return a.team?.name ?? a.assignee?.displayName ?? '—'
}

/** A 412: the record changed since it was read. */
export const isStale = (e: unknown) => e instanceof ApiError && e.status === 412

export const isSessionLost = (e: unknown) => e instanceof ApiError && e.status === 401
