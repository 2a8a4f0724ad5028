// One assignment changed (If-Match with the row's version): reassigned to another team or person,
// or its due time and note changed. A 412 goes back to the table, which reloads and says so.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { editAssignment, type Assignment, type Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { AssigneePicker, type Assignee } from './AssigneePicker.tsx'
import { assigneeOf, fromLocalInput, isSessionLost, isStale, toLocalInput } from './dispatch-util.ts'

export type EditMode = 'reassign' | 'edit'

export interface AssignmentEditDialogProps {
  assignment: Assignment
  mode: EditMode
  teams: readonly Team[]
  onSaved(a: Assignment): void
  /** The assignment changed since it was read (412). */
  onStale(): void
  onClose(): void
  onSessionLost(): void
}

export function AssignmentEditDialog({ assignment: a, mode, teams, onSaved, onStale, onClose, onSessionLost }: AssignmentEditDialogProps) {
  const { t, lang } = useI18n()
  const dialog = useRef<HTMLDialogElement>(null)
  const [who, setWho] = useState<Assignee>(null)
  const [due, setDue] = useState(toLocalInput(a.dueAt))
  const [note, setNote] = useState(a.note ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (mode === 'reassign' && !who) return setError(t('dispatch.assign.needWho'))
    const patch = mode === 'reassign' ? { ...who } : { dueAt: fromLocalInput(due), note: note.trim() || null }
    setBusy(true)
    setError(null)
    try {
      onSaved(await editAssignment(a.id, a.version, patch))
    } catch (err) {
      if (isSessionLost(err)) onSessionLost()
      if (isStale(err)) return onStale()
      setError(problemMessage(err, lang))
    } finally {
      setBusy(false)
    }
  }

  const label = `${t(`dispatch.kind.${a.target.kind}`)} ${a.target.label}`
  return (
    <dialog ref={dialog} className="app-dialog dispatch-dialog" onClose={onClose} onCancel={onClose} data-testid="assignment-dialog" data-mode={mode} aria-labelledby="assignment-dialog-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="assignment-dialog-title">{t(mode === 'reassign' ? 'dispatch.edit.reassignTitle' : 'dispatch.edit.editTitle', { label })}</h2>
        <p className="muted">
          {a.target.adminName} · {t('dispatch.edit.current', { who: assigneeOf(a) })}
        </p>
        {mode === 'reassign' ? (
          <AssigneePicker
            area={a.target.adminCode}
            teams={teams}
            value={who}
            onChange={setWho}
            exclude={{ teamId: a.assignee ? null : (a.team?.id ?? null), assigneeId: a.team ? null : (a.assignee?.id ?? null) }}
          />
        ) : (
          <>
            <label className="form-row">
              <span>{t('dispatch.assign.due')}</span>
              <span className="dispatch-inline">
                <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} data-testid="edit-due" />
                <button type="button" className="link-button" onClick={() => setDue('')}>
                  {t('dispatch.edit.clearDue')}
                </button>
              </span>
            </label>
            <label className="form-row">
              <span>{t('dispatch.assign.note')}</span>
              <textarea rows={3} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="edit-note" />
            </label>
          </>
        )}
        {error && (
          <p className="form-error stale" role="alert" data-testid="assignment-error">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            {t('dispatch.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="assignment-save">
            {busy ? t('dispatch.saving') : t('dispatch.save')}
          </button>
        </div>
      </form>
    </dialog>
  )
}
