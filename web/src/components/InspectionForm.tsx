// 回头看: re-inspection of a closed case (time, clean or rebound, note). A rebound opens a new case
// on the same site; the form then links to it.
import { useState, type FormEvent } from 'react'
import { localDateTimeNow } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { reinspectCase, type InspectionResult } from '../ledger-api.ts'
import { hashWithScreen } from '../url-state.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'

export interface InspectionFormProps {
  caseId: number
  onDone(result: InspectionResult): void
  onCancel(): void
  onOpenCase(id: number): void
}

export function InspectionForm({ caseId, onDone, onCancel, onOpenCase }: InspectionFormProps) {
  const { t } = useI18n()
  const [defaultAt] = useState(localDateTimeNow)
  const [at, setAt] = useState(defaultAt)
  const [result, setResult] = useState<'clean' | 'rebound'>('clean')
  const [note, setNote] = useState('')
  const form = useCaseForm()
  const { row } = form
  const [outcome, setOutcome] = useState<InspectionResult | null>(null)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    // Left at its default, "now" is the moment of submitting (the input only has minutes).
    const when = at === defaultAt ? new Date() : new Date(at)
    const body = { at: Number.isNaN(when.getTime()) ? at : when.toISOString(), result, ...(note.trim() ? { note: note.trim() } : {}) }
    await form.run(async () => {
      const r = await reinspectCase(caseId, body)
      setOutcome(r)
      onDone(r)
    })
  }

  if (outcome) {
    return (
      <div className="transition-form" data-testid="inspection-done" data-result={outcome.reboundCaseId ? 'rebound' : 'clean'}>
        <h4>{t('inspect.title')}</h4>
        <p className="done" role="status">
          {outcome.reboundCaseId ? t('inspect.doneRebound') : t('inspect.doneClean')}
        </p>
        {outcome.reboundCaseId !== null && (
          <a
            href={hashWithScreen(window.location.hash, 'ledger', outcome.reboundCaseId)}
            onClick={(e) => {
              e.preventDefault()
              onOpenCase(outcome.reboundCaseId!)
            }}
            data-testid="rebound-link"
            data-case-id={outcome.reboundCaseId}
          >
            {t('inspect.openRebound')}
          </a>
        )}
        <div className="form-buttons">
          <button type="button" onClick={onCancel} data-testid="form-cancel">
            {t('inspect.close')}
          </button>
        </div>
      </div>
    )
  }


  return (
    <form className="transition-form" onSubmit={submit} data-testid="form-inspect" noValidate>
      <h4>{t('inspect.title')}</h4>
      {row('at', t('inspect.at'), <input type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} data-testid="inspect-at" />)}
      {row(
        'result',
        t('inspect.result'),
        <select value={result} onChange={(e) => setResult(e.target.value === 'rebound' ? 'rebound' : 'clean')} data-testid="inspect-result">
          <option value="clean">{t('inspect.clean')}</option>
          <option value="rebound">{t('inspect.rebound')}</option>
        </select>,
      )}
      {row('note', t('inspect.note'), <textarea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="inspect-note" />)}
      <CaseFormFooter
        busy={form.busy}
        error={form.error}
        failedLabel="inspect.failed"
        unplacedError={form.unplaced(['at', 'result', 'note'])}
        onCancel={onCancel}
      />
    </form>
  )
}
