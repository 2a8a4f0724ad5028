// 编辑信息: the editable attributes of a case, sent as PATCH with If-Match — only the fields the
// user changed. A 400 names the bad field (the ledger's `field`, or Fastify's `body/<name>` in the
// detail), shown next to it; a 412 means someone else changed the case: reload.
import { useState, type FormEvent } from 'react'
import { CASE_USES, OWNERSHIPS } from '../codes.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { CASE_FLAGS, editCase, type CaseDetail, type VersionedCase } from '../ledger-api.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'

interface PartyRow {
  name: string
  idNumber: string
  phone: string
}

interface Values {
  locationText: string
  use: string
  ownership: string
  buildingForm: string
  floors: string
  landAreaRecordedM2: string
  floorAreaRecordedM2: string
  flags: string[]
  newConstruction: boolean
  reachedAt: string
  parties: PartyRow[]
}

/** An ISO instant as an <input type="datetime-local"> value (local time, minutes). */
function localInput(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset())
  return d.toISOString().slice(0, 16)
}

function valuesOf(d: CaseDetail): Values {
  return {
    locationText: d.locationText ?? '',
    use: d.use,
    ownership: d.ownership ?? '',
    buildingForm: d.buildingForm ?? '',
    floors: d.floors === null ? '' : String(d.floors),
    landAreaRecordedM2: d.landAreaRecordedM2 === null ? '' : String(d.landAreaRecordedM2),
    floorAreaRecordedM2: d.floorAreaRecordedM2 === null ? '' : String(d.floorAreaRecordedM2),
    flags: [...d.flags],
    newConstruction: d.newConstruction,
    reachedAt: localInput(d.reachedAt),
    parties: (d.parties ?? []).map((p) => ({ name: p.name, idNumber: p.idNumber ?? '', phone: p.phone ?? '' })),
  }
}

/** Parties as the API takes them: trimmed, empty optional parts left out. */
function partiesBody(rows: PartyRow[]) {
  return rows.map((p) => ({
    name: p.name.trim(),
    ...(p.idNumber.trim() ? { idNumber: p.idNumber.trim() } : {}),
    ...(p.phone.trim() ? { phone: p.phone.trim() } : {}),
  }))
}

/** The changed fields only. */
function editBody(before: Values, now: Values, withParties: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const f of ['locationText', 'buildingForm'] as const) if (now[f].trim() !== before[f].trim()) body[f] = now[f].trim()
  if (now.use !== before.use) body['use'] = now.use
  if (now.ownership !== before.ownership) body['ownership'] = now.ownership || null
  if (now.floors.trim() !== before.floors && now.floors.trim() !== '') body['floors'] = Number(now.floors)
  for (const f of ['landAreaRecordedM2', 'floorAreaRecordedM2'] as const) {
    const v = now[f].trim()
    if (v !== before[f]) body[f] = v === '' ? null : Number(v)
  }
  if ([...now.flags].sort().join() !== [...before.flags].sort().join()) body['flags'] = CASE_FLAGS.filter((f) => now.flags.includes(f))
  if (now.newConstruction !== before.newConstruction) body['newConstruction'] = now.newConstruction
  if (now.reachedAt !== before.reachedAt && now.reachedAt !== '') {
    const at = new Date(now.reachedAt)
    body['reachedAt'] = Number.isNaN(at.getTime()) ? now.reachedAt : at.toISOString()
  }
  if (withParties) {
    const p = partiesBody(now.parties)
    if (JSON.stringify(p) !== JSON.stringify(partiesBody(before.parties))) body['parties'] = p
  }
  return body
}

/** The field a 400 is about: the problem's `field`, or `body/<name>` in a validation detail. */
export interface EditCaseFormProps {
  caseData: CaseDetail
  etag: string
  onDone(next: VersionedCase): void
  onCancel(): void
  /** 412: the case changed underneath; the panel reloads it. */
  onReload(): void
}

export function EditCaseForm({ caseData, etag, onDone, onCancel, onReload }: EditCaseFormProps) {
  const { t, label } = useI18n()
  const [before] = useState(() => valuesOf(caseData))
  const [values, setValues] = useState<Values>(before)
  const [reason, setReason] = useState('')
  const form = useCaseForm()
  const { row, errorFor, fieldError } = form
  const [nothing, setNothing] = useState(false)
  const withParties = Array.isArray(caseData.parties)
  const set = <K extends keyof Values>(name: K, v: Values[K]) => setValues((old) => ({ ...old, [name]: v }))
  const setParty = (i: number, part: keyof PartyRow, v: string) =>
    setValues((old) => ({ ...old, parties: old.parties.map((p, j) => (j === i ? { ...p, [part]: v } : p)) }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setNothing(false)
    const body = editBody(before, values, withParties)
    if (Object.keys(body).length === 0) {
      setNothing(true)
      return
    }
    if (reason.trim()) body['reason'] = reason.trim()
    await form.run(async () => onDone(await editCase(caseData.id, etag, body)))
  }

  const shownFields = ['locationText', 'use', 'ownership', 'buildingForm', 'floors', 'landAreaRecordedM2', 'floorAreaRecordedM2', 'flags', 'newConstruction', 'reachedAt', 'reason', ...(withParties ? ['parties'] : [])]
  const area = (name: 'landAreaRecordedM2' | 'floorAreaRecordedM2', text: string) =>
    row(
      name,
      text,
      <span className="with-unit">
        <input type="number" inputMode="decimal" min="0" step="0.01" value={values[name]} onChange={(e) => set(name, e.target.value)} data-testid={`edit-${name}`} />
        <span className="unit">㎡</span>
      </span>,
    )

  return (
    <form className="transition-form" onSubmit={submit} data-testid="form-edit" noValidate>
      <h4>{t('edit.title')}</h4>
      {row('locationText', t('edit.locationText'), <input value={values.locationText} maxLength={500} onChange={(e) => set('locationText', e.target.value)} data-testid="edit-locationText" />)}
      {row(
        'use',
        t('edit.use'),
        <select value={values.use} onChange={(e) => set('use', e.target.value)} data-testid="edit-use">
          {CASE_USES.map((u) => (
            <option key={u} value={u}>
              {label('caseUse', u)}
            </option>
          ))}
        </select>,
      )}
      {row(
        'ownership',
        t('edit.ownership'),
        <select value={values.ownership} onChange={(e) => set('ownership', e.target.value)} data-testid="edit-ownership">
          <option value="">{t('edit.none')}</option>
          {OWNERSHIPS.map((o) => (
            <option key={o} value={o}>
              {label('ownership', o)}
            </option>
          ))}
        </select>,
      )}
      {row('buildingForm', t('edit.buildingForm'), <input value={values.buildingForm} maxLength={100} onChange={(e) => set('buildingForm', e.target.value)} data-testid="edit-buildingForm" />)}
      {row('floors', t('edit.floors'), <input type="number" inputMode="numeric" min="1" max="50" step="1" value={values.floors} onChange={(e) => set('floors', e.target.value)} data-testid="edit-floors" />)}
      {area('landAreaRecordedM2', t('edit.landAreaRecordedM2'))}
      {area('floorAreaRecordedM2', t('edit.floorAreaRecordedM2'))}
      <fieldset className={fieldError?.field === 'flags' ? 'form-row invalid' : 'form-row'} data-testid="edit-flags">
        <legend>{t('edit.flags')}</legend>
        {CASE_FLAGS.map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              checked={values.flags.includes(f)}
              onChange={(e) => set('flags', e.target.checked ? [...values.flags, f] : values.flags.filter((x) => x !== f))}
              data-testid={`edit-flag-${f}`}
            />{' '}
            {label('caseFlag', f)}
          </label>
        ))}
        {errorFor('flags')}
      </fieldset>
      <label className="form-row check">
        <span>
          <input type="checkbox" checked={values.newConstruction} onChange={(e) => set('newConstruction', e.target.checked)} data-testid="edit-newConstruction" />{' '}
          {t('edit.newConstruction')}
        </span>
        {errorFor('newConstruction')}
      </label>
      {row('reachedAt', t('edit.reachedAt'), <input type="datetime-local" value={values.reachedAt} onChange={(e) => set('reachedAt', e.target.value)} data-testid="edit-reachedAt" />)}
      {withParties && (
        <fieldset className={fieldError?.field === 'parties' ? 'form-row invalid' : 'form-row'} data-testid="edit-parties">
          <legend>{t('edit.parties')}</legend>
          {values.parties.map((p, i) => (
            <div key={i} className="party-row" data-testid="edit-party">
              <input placeholder={t('edit.partyName')} aria-label={t('edit.partyName')} value={p.name} maxLength={50} onChange={(e) => setParty(i, 'name', e.target.value)} data-testid="edit-party-name" />
              <input
                placeholder={t('edit.partyIdNumber')}
                aria-label={t('edit.partyIdNumber')}
                value={p.idNumber}
                maxLength={18}
                minLength={18}
                pattern="[0-9]{17}[0-9Xx]"
                onChange={(e) => setParty(i, 'idNumber', e.target.value)}
                data-testid="edit-party-idNumber"
              />
              <input type="tel" placeholder={t('edit.partyPhone')} aria-label={t('edit.partyPhone')} value={p.phone} maxLength={20} onChange={(e) => setParty(i, 'phone', e.target.value)} data-testid="edit-party-phone" />
              <button type="button" onClick={() => set('parties', values.parties.filter((_, j) => j !== i))} data-testid="edit-party-remove">
                {t('edit.partyRemove')}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('parties', [...values.parties, { name: '', idNumber: '', phone: '' }])} data-testid="edit-party-add">
            {t('edit.partyAdd')}
          </button>
          {errorFor('parties')}
        </fieldset>
      )}
      {row('reason', t('edit.reason'), <textarea rows={2} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="edit-reason" />)}
      {nothing && (
        <div className="form-error" role="status" data-testid="edit-nothing">
          {t('edit.nothing')}
        </div>
      )}
      <CaseFormFooter
        busy={form.busy}
        error={form.error}
        failedLabel="edit.failed"
        unplacedError={form.unplaced(shownFields)}
        stale={form.stale}
        onReload={onReload}
        onCancel={onCancel}
      />
    </form>
  )
}
