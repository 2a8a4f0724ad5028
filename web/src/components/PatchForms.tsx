// The forms of a patch's steps: verify (violation / legal / false change, with the photo rule's
// way out), assign, reopen. They share the ledger forms' submit hook and footer (case-form.tsx):
// a 400 names the field and is shown beside it, a 412 asks to reload.
import { useEffect, useState, type FormEvent } from 'react'
import { CASE_USES } from '../codes.ts'
import { localDateTimeNow } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { actOnPatch, assignees, FALSE_CHANGE_CAUSES, type DetectionRecord, type VersionedPatch } from '../patches-api.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'

interface FormProps {
  patch: DetectionRecord
  etag: string
  onDone(next: VersionedPatch): void
  onCancel(): void
  onReload(): void
}

const iso = (local: string) => {
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? local : d.toISOString()
}

type Screening = {
  openCases?: { id: number; caseNo: string; status: string }[]
  permittedBuildings?: { id: number; permitNo: string }[]
}

export function VerifyForm({ patch, etag, onDone, onCancel, onReload, nearPhotos }: FormProps & { nearPhotos: number | null }) {
  const { t, label } = useI18n()
  const screening = patch.screening as Screening
  const openCases = screening.openCases ?? []
  const [v, setV] = useState<Record<string, string>>(() => ({
    result: '',
    at: localDateTimeNow(),
    use: 'residential',
    link: openCases[0] ? String(openCases[0].id) : 'new',
    permitRef: screening.permittedBuildings?.[0]?.permitNo ?? '',
    cause: '',
  }))
  const form = useCaseForm()
  const { row } = form
  const set = (k: string, value: string) => setV((o) => ({ ...o, [k]: value }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const body: Record<string, unknown> = { action: 'verify', at: iso(v.at ?? '') }
    if (v.result) body.result = v.result
    if (v.result === 'violation') {
      if (v.link && v.link !== 'new') body.caseId = Number(v.link)
      else body.newCase = { use: v.use, ...(v.floors ? { floors: Number(v.floors) } : {}), ...(v.location?.trim() ? { locationText: v.location.trim() } : {}) }
    }
    if (v.result === 'legal' && v.permitRef?.trim()) body.permitRef = v.permitRef.trim()
    if (v.result === 'false_change' && v.cause) body.cause = v.cause
    if (v.note?.trim()) body.note = v.note.trim()
    if (v.noPhotoReason?.trim()) body.noPhotoReason = v.noPhotoReason.trim()
    await form.run(async () => onDone(await actOnPatch(patch.id, etag, body)))
  }

  return (
    <form className="transition-form" onSubmit={submit} data-testid="form-verify" noValidate>
      <h4>{t('patch.action.verify')}</h4>
      <fieldset className={form.fieldError?.field === 'result' ? 'form-row invalid result-choice' : 'form-row result-choice'}>
        <legend>{t('patch.result')}</legend>
        {(['violation', 'legal', 'false_change'] as const).map((r) => (
          <label key={r} className={`result-option result-${r}`}>
            <input type="radio" name="result" value={r} checked={v.result === r} onChange={() => set('result', r)} data-testid={`verify-result-${r}`} /> {label('detectionResult', r)}
          </label>
        ))}
        {form.errorFor('result')}
      </fieldset>
      {row('at', t('patch.verifiedAt'), <input type="datetime-local" value={v.at} onChange={(e) => set('at', e.target.value)} data-testid="verify-at" />)}
      {v.result === 'violation' && (
        <>
          {openCases.length > 0 &&
            row(
              'caseId',
              t('patch.linkCase'),
              <select value={v.link} onChange={(e) => set('link', e.target.value)} data-testid="verify-link">
                {openCases.map((c) => (
                  <option key={c.id} value={c.id}>
                    {t('patch.linkExisting', { caseNo: c.caseNo })}
                  </option>
                ))}
                <option value="new">{t('patch.newCase')}</option>
              </select>,
            )}
          {v.link === 'new' && (
            <>
              {row(
                'newCase',
                t('patch.caseUse'),
                <select value={v.use} onChange={(e) => set('use', e.target.value)} data-testid="verify-use">
                  {CASE_USES.map((u) => (
                    <option key={u} value={u}>
                      {label('caseUse', u)}
                    </option>
                  ))}
                </select>,
              )}
              {row('floors', t('patch.caseFloors'), <input type="number" inputMode="numeric" min="1" max="50" value={v.floors ?? ''} onChange={(e) => set('floors', e.target.value)} data-testid="verify-floors" />)}
              {row('locationText', t('patch.caseLocation'), <input value={v.location ?? ''} onChange={(e) => set('location', e.target.value)} data-testid="verify-location" />)}
            </>
          )}
        </>
      )}
      {v.result === 'legal' && row('permitRef', t('patch.permitRef'), <input value={v.permitRef} onChange={(e) => set('permitRef', e.target.value)} data-testid="verify-permitRef" />)}
      {v.result === 'false_change' &&
        row(
          'cause',
          t('patch.cause'),
          <select value={v.cause} onChange={(e) => set('cause', e.target.value)} data-testid="verify-cause">
            <option value="">{t('patch.choose')}</option>
            {FALSE_CHANGE_CAUSES.map((c) => (
              <option key={c} value={c}>
                {t(`patch.cause.${c}` as MessageKey)}
              </option>
            ))}
          </select>,
        )}
      {row('note', t('patch.note'), <textarea rows={2} value={v.note ?? ''} onChange={(e) => set('note', e.target.value)} data-testid="verify-note" />)}
      <p className={nearPhotos ? 'photo-rule ok' : 'photo-rule'} data-testid="photo-rule">
        {nearPhotos ? t('patch.photoRuleMet', { n: nearPhotos, m: patch.photoMaxM }) : t('patch.photoRule', { m: patch.photoMaxM })}
      </p>
      {row(
        'photo',
        t('patch.noPhotoReason'),
        <textarea rows={2} value={v.noPhotoReason ?? ''} placeholder={t('patch.noPhotoPlaceholder')} onChange={(e) => set('noPhotoReason', e.target.value)} data-testid="verify-noPhotoReason" />,
      )}
      <CaseFormFooter
        busy={form.busy}
        error={form.error}
        failedLabel="form.failed"
        unplacedError={form.unplaced(['result', 'at', 'caseId', 'newCase', 'floors', 'locationText', 'permitRef', 'cause', 'note', 'photo'])}
        stale={form.stale}
        onReload={onReload}
        onCancel={onCancel}
      />
    </form>
  )
}

export function AssignForm({ patch, etag, onDone, onCancel, onReload }: FormProps) {
  const { t, label } = useI18n()
  const [users, setUsers] = useState<{ id: number; username: string; displayName: string; role: string }[]>([])
  const [who, setWho] = useState('')
  const [note, setNote] = useState('')
  const [due, setDue] = useState('')
  const form = useCaseForm()
  useEffect(() => {
    const ctl = new AbortController()
    assignees(patch.id, ctl.signal)
      .then((u) => {
        setUsers(u)
        setWho((w) => w || (u[0] ? String(u[0].id) : ''))
      })
      .catch(() => {})
    return () => ctl.abort()
  }, [patch.id])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const body: Record<string, unknown> = { action: 'assign', assigneeId: Number(who) }
    if (note.trim()) body.note = note.trim()
    if (due) body.dueAt = iso(due)
    await form.run(async () => onDone(await actOnPatch(patch.id, etag, body)))
  }
  return (
    <form className="transition-form" onSubmit={submit} data-testid="form-assign" noValidate>
      <h4>{t('patch.action.assign')}</h4>
      {form.row(
        'assigneeId',
        t('patch.assignee'),
        <select value={who} onChange={(e) => setWho(e.target.value)} data-testid="assign-user">
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName || u.username}（{label('role', u.role)}）
            </option>
          ))}
        </select>,
      )}
      {form.row('dueAt', t('patch.dueAt'), <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} data-testid="assign-due" />)}
      {form.row('note', t('patch.note'), <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} data-testid="assign-note" />)}
      <CaseFormFooter busy={form.busy} error={form.error} failedLabel="form.failed" unplacedError={form.unplaced(['assigneeId', 'dueAt', 'note'])} stale={form.stale} onReload={onReload} onCancel={onCancel} />
    </form>
  )
}

export function ReopenForm({ patch, etag, onDone, onCancel, onReload }: FormProps) {
  const { t } = useI18n()
  const [reason, setReason] = useState('')
  const form = useCaseForm()
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    await form.run(async () => onDone(await actOnPatch(patch.id, etag, { action: 'reopen', ...(reason.trim() ? { reason: reason.trim() } : {}) })))
  }
  return (
    <form className="transition-form" onSubmit={submit} data-testid="form-reopen" noValidate>
      <h4>{t('patch.action.reopen')}</h4>
      {form.row('reason', t('patch.reopenReason'), <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="reopen-reason" />)}
      <CaseFormFooter busy={form.busy} error={form.error} failedLabel="form.failed" unplacedError={form.unplaced(['reason'])} stale={form.stale} onReload={onReload} onCancel={onCancel} />
    </form>
  )
}
