// Small pieces the reports' and the survey's views and details share: the way back to the list,
// the load error, a detail (its frame and status tag) and a detail that could not be read.
import type { ReactNode } from 'react'

export function BackButton({ label, onBack, testId }: { label: string; onBack(): void; testId: string }) {
  return (
    <button type="button" className="link-button" onClick={onBack} data-testid={testId}>
      ← {label}
    </button>
  )
}

/** "Could not load：why" as an alert. */
export function LoadError({ label, error }: { label: string; error: ReactNode }) {
  return (
    <p className="form-error stale" role="alert">
      {label}：{error}
    </p>
  )
}

/** A detail that could not be read: the way back and why. */
export function DetailLoadError({ className, testId, back, backTestId, label, error, onBack }: {
  className: string
  testId: string
  back: string
  backTestId: string
  label: string
  error: string
  onBack(): void
}) {
  return (
    <section className={className} data-testid={testId} data-state="error">
      <BackButton label={back} onBack={onBack} testId={backTestId} />
      <LoadError label={label} error={error} />
    </section>
  )
}

/** A detail as read: the section (the record's id, status and version as data- attributes), the way back first. */
export function DetailSection({ className, testId, record, back, backTestId, onBack, children }: {
  className: string
  testId: string
  record: { id: number; status: string; version: number }
  back: string
  backTestId: string
  onBack(): void
  children: ReactNode
}) {
  return (
    <section className={className} data-testid={testId} data-id={record.id} data-status={record.status} data-version={record.version}>
      <BackButton label={back} onBack={onBack} testId={backTestId} />
      {children}
    </section>
  )
}

/** A record's status as a coloured tag. */
export function StatusTag({ className, testId, text }: { className: string; testId: string; text: string }) {
  return (
    <span className={className} data-testid={testId}>
      {text}
    </span>
  )
}
