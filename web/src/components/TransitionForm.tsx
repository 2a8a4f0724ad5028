// The form of one lifecycle step: exactly the fields the step needs (docs/api.md "The ledger"),
// sent with If-Match. A 400 names the bad field, shown next to it; a 412 means someone else
// changed the case: reload.
import { useState, type FormEvent, type ReactNode } from 'react'
import { REUSES } from '../codes.ts'
import { localDate, localDateTimeNow } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { transitionCase, type VersionedCase } from '../ledger-api.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'

const DEMOLITIONS = ['self_demolition', 'assisted_demolition', 'enforced_demolition'] as const

/** The fields each action asks for, besides `at` and the optional reason. */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  notify: [],
  issue_order: ['deadline'],
  demolish: ['disposal', 'demolishedLandAreaM2', 'demolishedFloorAreaM2', 'reuse', 'regreenedAreaM2'],
  confiscate: [],
  regularise: ['permitRef'],
  defer: [],
  resume: ['deadline'],
  accept: [],
  close: [],
}
const AREAS = new Set(['demolishedLandAreaM2', 'demolishedFloorAreaM2', 'regreenedAreaM2'])

export interface TransitionFormProps {
  caseId: number
  etag: string
  action: string
  onDone(next: VersionedCase): void
  onCancel(): void
  /** 412: the case changed underneath; the panel reloads it. */
  onReload(): void
}

export function TransitionForm({ caseId, etag, action, onDone, onCancel, onReload }: TransitionFormProps) {
  const { t, label } = useI18n()
  const fields = FIELDS[action] ?? []
  const [values, setValues] = useState<Record<string, string>>(() => ({
    at: localDateTimeNow(),
    deadline: localDate(15),
    disposal: 'self_demolition',
    reuse: '',
  }))
  const form = useCaseForm()
  const { row } = form
  const set = (name: string, v: string) => setValues((old) => ({ ...old, [name]: v }))
  const reasonRequired = action === 'defer'
  const shown = fields.filter((f) => f !== 'regreenedAreaM2' || values['reuse'] === 'greening')

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const at = new Date(values['at'] ?? '')
    const body: Record<string, unknown> = { action, at: Number.isNaN(at.getTime()) ? values['at'] : at.toISOString() }
    for (const f of shown) {
      const v = (values[f] ?? '').trim()
      if (v === '') continue
      body[f] = AREAS.has(f) ? Number(v) : v
    }
    const reason = (values['reason'] ?? '').trim()
    if (reason) body['reason'] = reason
    await form.run(async () => onDone(await transitionCase(caseId, etag, body)))
  }

  const inputFor = (f: string): ReactNode => {
    switch (f) {
      case 'deadline':
        return row(f, t('form.deadline'), <input type="date" required value={values[f] ?? ''} onChange={(e) => set(f, e.target.value)} data-testid="form-deadline" />)
      case 'disposal':
        return row(
          f,
          t('form.disposal'),
          <select value={values[f]} onChange={(e) => set(f, e.target.value)} data-testid="form-disposal">
            {DEMOLITIONS.map((d) => (
              <option key={d} value={d}>
                {label('disposal', d)}
              </option>
            ))}
          </select>,
        )
      case 'reuse':
        return row(
          f,
          t('form.reuse'),
          <select value={values[f]} onChange={(e) => set(f, e.target.value)} data-testid="form-reuse">
            <option value="">{t('form.reuseNone')}</option>
            {REUSES.map((r) => (
              <option key={r} value={r}>
                {label('reuse', r)}
              </option>
            ))}
          </select>,
        )
      case 'permitRef':
        return row(f, t('form.permitRef'), <input required value={values[f] ?? ''} onChange={(e) => set(f, e.target.value)} data-testid="form-permitRef" />)
      default:
        return row(
          f,
          t(`form.${f}` as MessageKey),
          <span className="with-unit">
            <input type="number" inputMode="decimal" min="0" step="0.01" value={values[f] ?? ''} onChange={(e) => set(f, e.target.value)} data-testid={`form-${f}`} />
            <span className="unit">㎡</span>
          </span>,
        )
    }
  }

  return (
    <form className="transition-form" onSubmit={submit} data-testid={`form-${action}`} noValidate>
      <h4>{t(`action.${action}` as MessageKey)}</h4>
      {row('at', t('form.at'), <input type="datetime-local" required value={values['at']} onChange={(e) => set('at', e.target.value)} data-testid="form-at" />)}
      {shown.map(inputFor)}
      {row(
        'reason',
        reasonRequired ? t('form.deferReason') : t('form.reason'),
        <textarea rows={2} required={reasonRequired} value={values['reason'] ?? ''} onChange={(e) => set('reason', e.target.value)} data-testid="form-reason" />,
      )}
      <CaseFormFooter
        busy={form.busy}
        error={form.error}
        failedLabel="form.failed"
        unplacedError={form.unplaced(['at', 'reason', ...shown])}
        stale={form.stale}
        onReload={onReload}
        onCancel={onCancel}
      />
    </form>
  )
}
