// How a task's clocks read on the phone: the next deadline, how long is left, and how far away
// the task is from where the user stands. Pure; the list and the detail share it.
import distance from '@turf/distance'
import { compareTasks, endOfBeijingDay } from '../../../../server/src/domain/field-work.ts'
import type { Task } from '../../field-api.ts'

export interface Clock {
  key: 'due' | 'reachBy' | 'removeBy' | 'deadline'
  at: string
}

/** The task's clocks that are set, soonest first (a deadline date counts to its Beijing evening). */
export function clocksOf(task: Task): Clock[] {
  const t = task.target
  const clocks: Clock[] = []
  if (task.dueAt) clocks.push({ key: 'due', at: task.dueAt })
  if (t.reachBy) clocks.push({ key: 'reachBy', at: t.reachBy })
  if (t.removeBy) clocks.push({ key: 'removeBy', at: t.removeBy })
  if (t.deadline) clocks.push({ key: 'deadline', at: endOfBeijingDay(t.deadline) })
  return clocks.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}

/** "2 天 3 小时", "45 分钟" (zh) or "2 d 3 h", "45 min" (en); negative when past. */
export function timeLeft(at: string, now: number, lang: 'zh-CN' | 'en'): { text: string; past: boolean } {
  const ms = Date.parse(at) - now
  const m = Math.floor(Math.abs(ms) / 60_000)
  const d = Math.floor(m / 1440)
  const h = Math.floor((m % 1440) / 60)
  const min = m % 60
  const zh = lang === 'zh-CN'
  const text = d > 0 ? (zh ? `${d} 天 ${h} 小时` : `${d} d ${h} h`) : h > 0 ? (zh ? `${h} 小时 ${min} 分钟` : `${h} h ${min} min`) : zh ? `${min} 分钟` : `${min} min`
  return { text, past: ms < 0 }
}

/** Metres from where the user stands, or the server's figure when there is no position. */
export function metresTo(task: Task, here: [number, number] | null): number | null {
  if (!here) return task.distanceM
  return Math.round(distance(here, task.target.point, { units: 'kilometers' }) * 1000)
}

export function fmtDistance(m: number | null): string {
  if (m === null) return ''
  return m < 1000 ? `${m} m` : `${(m / 1000).toFixed(1)} km`
}

/** A geo: link: the phone's map or navigation app opens at the task. */
export function geoLink(task: Task): string {
  const [lon = 0, lat = 0] = task.target.point
  return `geo:${lat.toFixed(6)},${lon.toFixed(6)}?q=${lat.toFixed(6)},${lon.toFixed(6)}(${encodeURIComponent(task.target.label)})`
}

/** Soonest deadline first, or nearest first, as the server orders them (domain/field-work.ts), from where the user stands now. */
export function sortTasks(tasks: readonly Task[], by: 'deadline' | 'distance', here: [number, number] | null): Task[] {
  return tasks.map((t) => ({ ...t, distanceM: metresTo(t, here) })).sort(compareTasks(by))
}
