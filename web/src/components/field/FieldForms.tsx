// The phone forms of a task, camera first: verify a patch, record a demolition, add site details.
// Each saves into the outbox (offline or not) and never waits for the network; the sync badge
// says when the server has it.
import { useState, type FormEvent, type ReactNode } from 'react'
import { CASE_USES } from '../../codes.ts'
import type { Task } from '../../field-api.ts'
import { localDateTimeNow } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { queueCaseEdit, queueDemolition, queuePhoto, queueVerify, type Actor, type VerifyInput } from '../../offline/field-actions.ts'
import { FALSE_CHANGE_CAUSES } from '../../patches-api.ts'
import { planTransition, TransitionError } from '../../../../server/src/domain/case-lifecycle.ts'
import type { CaseDetail } from '../../ledger-api.ts'

interface FormProps {
  actor: Actor
  task: Task
  onSaved(): void
  onCancel(): void
}

const iso = (local: string) => new Date(local).toISOString()
const num = (s: string | undefined) => (s && s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined)
const ifMatchOf = (task: Task) => `"v${task.target.version}"`

/** Photos taken with the phone's camera (or chosen), kept as they are so EXIF time and GPS survive. */
export function PhotoInput({ photos, onChange }: { photos: File[]; onChange(p: File[]): void }) {
  const { t } = useI18n()
  return (
    <label className="photo-input">
      <span className="photo-button">{t('field.photoAdd')}</span>
      <input type="file" accept="image/*" capture="environment" multiple onChange={(e) => onChange([...photos, ...Array.from(e.target.files ?? [])])} data-testid="photo-input" />
      {photos.length > 0 && <span className="photo-count">{t('field.photos', { n: photos.length })}</span>}
    </label>
  )
}

function Row({ label, children }: { label: MessageKey; children: ReactNode }) {
  const { t } = useI18n()
  return (
    <label className="field-row">
      <span>{t(label)}</span>
      {children}
    </label>
  )
}

function Footer({ onCancel, busy }: { onCancel(): void; busy: boolean }) {
  const { t } = useI18n()
  return (
    <div className="field-form-footer">
      <button type="button" onClick={onCancel}>{t('field.cancel')}</button>
      <button type="submit" className="primary" disabled={busy}>{t('field.save')}</button>
    </div>
  )
}

async function savePhotos(actor: Actor, task: Task, photos: File[], stage: string) {
  for (const p of photos) await queuePhoto(actor, task, p, p.name || 'photo.jpg', stage)
}

export function VerifyPatchForm({ actor, task, onSaved, onCancel }: FormProps) {
  const { t, label, lookup } = useI18n()
  const [v, setV] = useState<Record<string, string>>({ at: localDateTimeNow(), result: '', use: 'residential' })
  const [photos, setPhotos] = useState<File[]>([])
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (k: string) => (e: { target: { value: string } }) => setV((o) => ({ ...o, [k]: e.target.value }))
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!v.result) return setError(t('field.required', { field: t('field.result') }))
    if (photos.length === 0 && !v.noPhotoReason?.trim()) return setError(t('field.required', { field: t('field.noPhotoReason') }))
    setBusy(true)
    const input: VerifyInput = {
      at: iso(v.at!), result: v.result as VerifyInput['result'], use: v.use, floors: num(v.floors), locationText: v.locationText?.trim() || undefined,
      permitRef: v.permitRef?.trim() || undefined, cause: v.cause || undefined, note: v.note?.trim() || undefined, noPhotoReason: v.noPhotoReason?.trim() || undefined,
    }
    // the photo first: the server checks a verification against the site photos it already has
    await savePhotos(actor, task, photos, 'verification')
    await queueVerify(actor, task, ifMatchOf(task), input)
    onSaved()
  }
  return (
    <form className="field-form" onSubmit={submit} data-testid="verify-form">
      <PhotoInput photos={photos} onChange={setPhotos} />
      <Row label="field.result">
        <select value={v.result} onChange={set('result')} name="result" required>
          <option value="" />
          {(['violation', 'legal', 'false_change'] as const).map((r) => <option key={r} value={r}>{t(`field.result.${r}`)}</option>)}
        </select>
      </Row>
      {v.result === 'violation' && (
        <>
          <Row label="field.use">
            <select value={v.use} onChange={set('use')} name="use">{CASE_USES.map((u) => <option key={u} value={u}>{label('caseUse', u)}</option>)}</select>
          </Row>
          <Row label="field.floors"><input type="number" inputMode="numeric" min={1} max={50} value={v.floors ?? ''} onChange={set('floors')} name="floors" /></Row>
          <Row label="field.locationText"><input value={v.locationText ?? ''} onChange={set('locationText')} name="locationText" /></Row>
        </>
      )}
      {v.result === 'legal' && <Row label="field.permitRef"><input value={v.permitRef ?? ''} onChange={set('permitRef')} name="permitRef" /></Row>}
      {v.result === 'false_change' && (
        <Row label="field.cause">
          <select value={v.cause ?? ''} onChange={set('cause')} name="cause">
            <option value="" />
            {FALSE_CHANGE_CAUSES.map((c) => <option key={c} value={c}>{lookup(`patch.cause.${c}`) ?? c}</option>)}
          </select>
        </Row>
      )}
      <Row label="field.at"><input type="datetime-local" value={v.at} onChange={set('at')} name="at" required /></Row>
      {photos.length === 0 && <Row label="field.noPhotoReason"><input value={v.noPhotoReason ?? ''} onChange={set('noPhotoReason')} name="noPhotoReason" /></Row>}
      <Row label="field.note"><input value={v.note ?? ''} onChange={set('note')} name="note" /></Row>
      {error && <p className="field-error" role="alert">{error}</p>}
      <Footer onCancel={onCancel} busy={busy} />
    </form>
  )
}

/** Records a demolition; the case as last read (when there is a copy) checks it by the same rules the server applies, so an offline entry is not refused later. */
export function DemolishForm({ actor, task, current, onSaved, onCancel }: FormProps & { current: CaseDetail | null }) {
  const { label, lang } = useI18n()
  const [v, setV] = useState<Record<string, string>>({ at: localDateTimeNow(), disposal: 'self_demolition' })
  const [photos, setPhotos] = useState<File[]>([])
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (k: string) => (e: { target: { value: string } }) => setV((o) => ({ ...o, [k]: e.target.value }))
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const input = { at: iso(v.at!), disposal: v.disposal as 'self_demolition', demolishedLandAreaM2: num(v.land), demolishedFloorAreaM2: num(v.floor) }
    if (current) {
      try {
        planTransition(
          { status: current.status, foundAt: current.foundAt, orderIssuedAt: current.orderIssuedAt, deadline: current.deadline, disposedAt: current.disposedAt, landAreaM2: current.landAreaRecordedM2 ?? current.landAreaComputedM2 },
          { action: 'demolish', ...input },
          new Date(),
        )
      } catch (err) {
        if (!(err instanceof TransitionError)) throw err
        return setError((lang === 'zh-CN' && err.zh) || err.message)
      }
    }
    setBusy(true)
    await savePhotos(actor, task, photos, 'demolished')
    await queueDemolition(actor, task, ifMatchOf(task), input)
    onSaved()
  }
  return (
    <form className="field-form" onSubmit={submit} data-testid="demolish-form">
      <PhotoInput photos={photos} onChange={setPhotos} />
      <Row label="field.disposal">
        <select value={v.disposal} onChange={set('disposal')} name="disposal">
          {(['self_demolition', 'assisted_demolition', 'enforced_demolition'] as const).map((d) => <option key={d} value={d}>{label('disposal', d)}</option>)}
        </select>
      </Row>
      <Row label="field.demolishedLand"><input type="number" inputMode="decimal" min={0} step="0.01" value={v.land ?? ''} onChange={set('land')} name="land" required /></Row>
      <Row label="field.demolishedFloor"><input type="number" inputMode="decimal" min={0} step="0.01" value={v.floor ?? ''} onChange={set('floor')} name="floor" required /></Row>
      <Row label="field.at"><input type="datetime-local" value={v.at} onChange={set('at')} name="at" required /></Row>
      {error && <p className="field-error" role="alert">{error}</p>}
      <Footer onCancel={onCancel} busy={busy} />
    </form>
  )
}

/** Site details of a case as found (floors, location, land area); the record's values are the starting point. */
export function SiteInfoForm({ actor, task, current, onSaved, onCancel }: FormProps & { current: { floors: number | null; locationText: string | null; landAreaRecordedM2: number | null } }) {
  const [v, setV] = useState({ floors: current.floors?.toString() ?? '', locationText: current.locationText ?? '', land: current.landAreaRecordedM2?.toString() ?? '' })
  const [busy, setBusy] = useState(false)
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((o) => ({ ...o, [k]: e.target.value }))
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const next: Record<string, unknown> = { floors: num(v.floors) ?? null, locationText: v.locationText.trim(), landAreaRecordedM2: num(v.land) ?? null }
    const base: Record<string, unknown> = { floors: current.floors, locationText: current.locationText ?? '', landAreaRecordedM2: current.landAreaRecordedM2 }
    // only what the user changed, so a merge has only real differences to show
    const changed = Object.fromEntries(Object.entries(next).filter(([k, val]) => val !== base[k] && !(k === 'floors' && val === null)))
    if (Object.keys(changed).length === 0) return onCancel()
    setBusy(true)
    await queueCaseEdit(actor, task, ifMatchOf(task), changed, Object.fromEntries(Object.keys(changed).map((k) => [k, base[k]])), '现场信息')
    onSaved()
  }
  return (
    <form className="field-form" onSubmit={submit} data-testid="site-form">
      <Row label="field.floors"><input type="number" inputMode="numeric" min={1} max={50} value={v.floors} onChange={set('floors')} name="floors" /></Row>
      <Row label="field.locationText"><input value={v.locationText} onChange={set('locationText')} name="locationText" /></Row>
      <Row label="field.landArea"><input type="number" inputMode="decimal" min={0} step="0.01" value={v.land} onChange={set('land')} name="land" /></Row>
      <Footer onCancel={onCancel} busy={busy} />
    </form>
  )
}
