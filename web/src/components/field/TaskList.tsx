// The field user's home: their tasks as cards, soonest deadline (or nearest) first, with the
// 1-hour / 3-day clocks and the due time counting down, how far each is, and what waits to sync.
import { useEffect, useState } from 'react'
import type { Task } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { QueuedOp } from '../../offline/outbox.ts'
import { clocksOf, fmtDistance, metresTo, sortTasks, timeLeft } from './task-clock.ts'

export interface TaskListProps {
  tasks: readonly Task[]
  here: [number, number] | null
  ops: readonly QueuedOp[]
  onOpen(task: Task): void
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs)
    return () => window.clearInterval(timer)
  }, [everyMs])
  return now
}

export function TaskList({ tasks, here, ops, onOpen }: TaskListProps) {
  const { t, lang, label } = useI18n()
  const [by, setBy] = useState<'deadline' | 'distance'>('deadline')
  const now = useNow(30_000)
  const sorted = sortTasks(tasks, by, here)
  return (
    <div className="task-list">
      <div className="task-sort" role="group">
        {(['deadline', 'distance'] as const).map((k) => (
          <button key={k} type="button" aria-pressed={by === k} disabled={k === 'distance' && !here && tasks.every((x) => x.distanceM === null)} onClick={() => setBy(k)}>
            {t(`field.sort.${k}`)}
          </button>
        ))}
      </div>
      {sorted.length === 0 && <p className="task-none">{t('field.none')}</p>}
      <ul>
        {sorted.map((task) => {
          const queued = ops.filter((o) => o.record.kind === task.target.kind && o.record.id === task.target.id).length
          const clock = clocksOf(task)[0]
          const left = clock ? timeLeft(clock.at, now, lang) : null
          const metres = metresTo(task, here)
          return (
            <li key={task.id}>
              <button type="button" className="task-card" onClick={() => onOpen(task)} data-task={task.id} data-target={`${task.target.kind}/${task.target.id}`}>
                <span className={`task-kind kind-${task.target.kind}`}>{t(`field.kind.${task.target.kind}`)}</span>
                <span className="task-label">{task.target.label}</span>
                <span className="task-place">{task.target.adminName}</span>
                <span className="task-status">
                  {task.target.kind === 'case' ? label('caseStatus', task.target.status) : task.target.kind === 'detection' ? label('detectionStatus', task.target.status) : ''}
                </span>
                {clock && left && (
                  <span className={`task-clock${left.past ? ' past' : ''}`}>
                    {t(`field.${clock.key}`)} · {left.past ? t('field.overdue') : t('field.left', { time: left.text })}
                  </span>
                )}
                {metres !== null && <span className="task-distance">{fmtDistance(metres)}</span>}
                {queued > 0 && <span className="task-queued">{t('field.queued', { n: queued })}</span>}
              </button>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
