// 外业 field work: who may be given work, the kinds of teams and tasks, and the order a field
// user's tasks come in. Pure logic, no I/O.
import type { Role } from './roles.ts'

/** 驻村工作组, 网格员, 执法队, or another kind of team. */
export const TEAM_KINDS = ['village_team', 'grid', 'enforcement', 'other'] as const
export type TeamKind = (typeof TEAM_KINDS)[number]

export const ASSIGNMENT_STATUSES = ['open', 'done', 'cancelled'] as const
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number]

/** What a task is about: a ledger case, a satellite-change patch, or a land parcel to check. */
export const TASK_KINDS = ['case', 'detection', 'parcel'] as const
export type TaskKind = (typeof TASK_KINDS)[number]

/** Who plans and hands out field work. */
export const DISPATCHER_ROLES: readonly Role[] = ['admin', 'planner']

/** Who may be given field work (and so be a team member). */
export const FIELD_WORKER_ROLES: readonly Role[] = ['admin', 'planner', 'field']

/** Cases that still need work on site: not yet demolished or otherwise disposed of. */
export const OPEN_CASE_STATUSES = ['identified', 'notified', 'order_issued'] as const

/** The instant a deadline date (YYYY-MM-DD, Beijing) runs out: the end of that day in Beijing. */
export const endOfBeijingDay = (date: string) => `${date}T23:59:59+08:00`

/** The earliest of the times a task must be acted by (ISO instants, or dates that run to their Beijing evening). */
export function nextDeadline(times: ReadonlyArray<string | null | undefined>): string | null {
  let best: number | null = null
  for (const t of times) {
    if (!t) continue
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? endOfBeijingDay(t) : t)
    if (Number.isFinite(ms) && (best === null || ms < best)) best = ms
  }
  return best === null ? null : new Date(best).toISOString()
}

export interface Orderable {
  nextDeadline: string | null
  distanceM: number | null
  id: number
}

/**
 * By deadline: soonest first, those without one last, then nearest. By distance: nearest first,
 * then soonest. The id breaks ties so the order is stable between refreshes.
 */
export function compareTasks(sort: 'deadline' | 'distance') {
  const byDeadline = (a: Orderable, b: Orderable) => nullsLast(a.nextDeadline && Date.parse(a.nextDeadline), b.nextDeadline && Date.parse(b.nextDeadline))
  const byDistance = (a: Orderable, b: Orderable) => nullsLast(a.distanceM, b.distanceM)
  const [first, second] = sort === 'deadline' ? [byDeadline, byDistance] : [byDistance, byDeadline]
  return (a: Orderable, b: Orderable) => first(a, b) || second(a, b) || a.id - b.id
}

function nullsLast(a: number | null | '', b: number | null | ''): number {
  const an = a === null || a === '' ? null : a
  const bn = b === null || b === '' ? null : b
  if (an === null) return bn === null ? 0 : 1
  if (bn === null) return -1
  return an - bn
}
