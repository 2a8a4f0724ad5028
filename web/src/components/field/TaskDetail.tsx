// One task on the phone: what and where it is, its clocks, navigation (a geo: link hands off to
// the phone's map app), and the steps that complete it, each saved offline first.
import { useEffect, useState } from 'react'
import type { Task } from '../../field-api.ts'
import { fmtArea, fmtDateTime } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { getCase, type CaseDetail } from '../../ledger-api.ts'
import { queueCaseEdit, queueTaskDone, type Actor } from '../../offline/field-actions.ts'
import type { QueuedOp } from '../../offline/outbox.ts'
import { getPatch, type DetectionRecord } from '../../patches-api.ts'
import { DemolishForm, SiteInfoForm, VerifyPatchForm } from './FieldForms.tsx'
import { clocksOf, fmtDistance, geoLink, metresTo, timeLeft } from './task-clock.ts'

type Step = 'verify' | 'demolish' | 'site' | null

export interface TaskDetailProps {
  actor: Actor
  task: Task
  here: [number, number] | null
  ops: readonly QueuedOp[]
  onBack(): void
  onShowOnMap(task: Task): void
}

export function TaskDetail({ actor, task, here, ops, onBack, onShowOnMap }: TaskDetailProps) {
  const { t, lang, label } = useI18n()
  const [step, setStep] = useState<Step>(null)
  const [record, setRecord] = useState<CaseDetail | DetectionRecord | null>(null)
  const [saved, setSaved] = useState(false)
  const target = task.target
  useEffect(() => {
    const ctl = new AbortController()
    // from the network, or offline from the service worker's last copy; a task without one still shows
    const load = target.kind === 'case' ? getCase(target.id, ctl.signal) : target.kind === 'detection' ? getPatch(target.id, ctl.signal) : null
    load?.then((r) => setRecord(r.data)).catch(() => undefined)
    return () => ctl.abort()
  }, [target.kind, target.id])

  const queued = ops.filter((o) => o.record.kind === target.kind && o.record.id === target.id)
  const caseRecord = target.kind === 'case' ? (record as CaseDetail | null) : null
  const now = Date.now()
  const metres = metresTo(task, here)
  const done = () => {
    setStep(null)
    setSaved(true)
  }

  return (
    <section className="task-detail" data-testid="task-detail">
      <header>
        <button type="button" className="back" onClick={onBack}>‹ {t('field.back')}</button>
        <h2>
          <span className={`task-kind kind-${target.kind}`}>{t(`field.kind.${target.kind}`)}</span> {target.label}
        </h2>
      </header>
      <p className="task-place">
        {target.adminName}
        {metres !== null && ` · ${fmtDistance(metres)}`}
        {target.kind !== 'parcel' && ` · ${target.kind === 'case' ? label('caseStatus', target.status) : label('detectionStatus', target.status)}`}
      </p>
      <ul className="task-clocks">
        {clocksOf(task).map((c) => {
          const left = timeLeft(c.at, now, lang)
          return (
            <li key={c.key} className={left.past ? 'past' : ''}>
              <span>{t(`field.${c.key}`)}</span> <span>{fmtDateTime(c.at)}</span> <strong>{left.past ? t('field.overdue') : t('field.left', { time: left.text })}</strong>
            </li>
          )
        })}
      </ul>
      {task.note && <p className="task-note">{task.note}</p>}
      {caseRecord && (
        <p className="task-facts">
          {label('caseUse', caseRecord.use)} · {caseRecord.floors ?? '—'} 层 · {fmtArea(caseRecord.landAreaRecordedM2 ?? caseRecord.landAreaComputedM2)} ㎡
          {caseRecord.locationText ? ` · ${caseRecord.locationText}` : ''}
        </p>
      )}
      <div className="task-actions">
        <button type="button" onClick={() => onShowOnMap(task)}>{t('field.showOnMap')}</button>
        <a className="button" href={geoLink(task)}>{t('field.navigate')}</a>
      </div>
      {saved && <p className="field-saved" role="status">{t('field.saved', { state: queued.length > 0 ? t('field.state.queued') : t('field.state.sent') })}</p>}
      {step === null && (
        <div className="task-steps">
          {target.kind === 'case' && target.reachBy && !caseRecord?.reachedAt && (
            <button type="button" onClick={() => void queueCaseEdit(actor, task, `"v${target.version}"`, { reachedAt: new Date().toISOString() }, { reachedAt: null }, '到场').then(done)}>
              {t('field.arrived')}
            </button>
          )}
          {target.kind === 'detection' && target.status !== 'verified' && <button type="button" className="primary" onClick={() => setStep('verify')}>{t('field.verify')}</button>}
          {target.kind === 'case' && (caseRecord?.allowedActions.includes('demolish') ?? ['identified', 'notified', 'order_issued'].includes(target.status)) && (
            <button type="button" className="primary" onClick={() => setStep('demolish')}>{t('field.demolish')}</button>
          )}
          {target.kind === 'case' && caseRecord && <button type="button" onClick={() => setStep('site')}>{t('field.siteInfo')}</button>}
          <button type="button" onClick={() => void queueTaskDone(actor, task).then(done)}>{t('field.markDone')}</button>
        </div>
      )}
      {step === 'verify' && <VerifyPatchForm actor={actor} task={task} onSaved={done} onCancel={() => setStep(null)} />}
      {step === 'demolish' && <DemolishForm actor={actor} task={task} current={caseRecord} onSaved={done} onCancel={() => setStep(null)} />}
      {step === 'site' && caseRecord && <SiteInfoForm actor={actor} task={task} current={caseRecord} onSaved={done} onCancel={() => setStep(null)} />}
    </section>
  )
}
