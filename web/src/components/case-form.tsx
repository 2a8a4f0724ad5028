// What the case forms (lifecycle step, attribute edit, 回头看) share: the submit state, sorting a
// failure into a field error (the problem names the field), a stale case (412) or a plain error,
// the labelled row that shows its field's error, and the footer with messages and buttons.
import { useState, type ReactNode } from 'react'
import { ApiError } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'

export interface FieldError {
  field: string
  detail: string
}

export function useCaseForm() {
  const [busy, setBusy] = useState(false)
  const [fieldError, setFieldError] = useState<FieldError | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [stale, setStale] = useState(false)

  /** Runs one submission: clears the last outcome, then records how it failed, if it did. */
  const run = async (send: () => Promise<void>) => {
    setFieldError(null)
    setError(null)
    setStale(false)
    setBusy(true)
    try {
      await send()
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true)
      else if (err instanceof ApiError && err.problem?.field) setFieldError({ field: err.problem.field, detail: err.message })
      else setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  /** The error of one field, where the form shows that field. */
  const errorFor = (name: string): ReactNode =>
    fieldError?.field === name ? (
      <span className="field-error" role="alert" data-testid={`field-error-${name}`}>
        {fieldError.detail}
      </span>
    ) : null

  /** A labelled input with its field's error beside it. */
  const row = (name: string, text: string, input: ReactNode) => (
    <label key={name} className={fieldError?.field === name ? 'form-row invalid' : 'form-row'}>
      <span>{text}</span>
      {input}
      {errorFor(name)}
    </label>
  )

  /** A field error for a field the form does not show (placed in the footer instead). */
  const unplaced = (shownFields: readonly string[]) => (fieldError && !shownFields.includes(fieldError.field) ? fieldError.detail : null)

  return { busy, fieldError, error, stale, run, row, errorFor, unplaced }
}

export interface CaseFormFooterProps {
  busy: boolean
  error: string | null
  /** Label before a plain error, e.g. 'form.failed'. */
  failedLabel: MessageKey
  /** A field error no row shows (its field is not in the form). */
  unplacedError?: string | null
  stale?: boolean
  onReload?(): void
  onCancel(): void
  cancelLabel?: MessageKey
}

export function CaseFormFooter({ busy, error, failedLabel, unplacedError, stale, onReload, onCancel, cancelLabel = 'form.cancel' }: CaseFormFooterProps) {
  const { t } = useI18n()
  return (
    <>
      {unplacedError && (
        <div className="form-error" role="alert" data-testid="form-error">
          {unplacedError}
        </div>
      )}
      {error && (
        <div className="form-error" role="alert" data-testid="form-error">
          {t(failedLabel)}: {error}
        </div>
      )}
      {stale && (
        <div className="form-error stale" role="alert" data-testid="stale-message">
          {t('form.stale')}{' '}
          <button type="button" onClick={onReload} data-testid="stale-reload">
            {t('form.reload')}
          </button>
        </div>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy} data-testid="form-submit">
          {busy ? t('form.submitting') : t('form.submit')}
        </button>
        <button type="button" onClick={onCancel} data-testid="form-cancel">
          {t(cancelLabel)}
        </button>
      </div>
    </>
  )
}
