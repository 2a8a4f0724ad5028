// Give work to a team or a person, with a due time and a note (POST /api/assignments). What: one
// thing picked on the map (`fixed`), or a village, a zone or the ledger's selection (WhatPicker).
// The answer is shown (created / reassigned / skipped and why), with 改派 for things someone else has.
import { useState, type FormEvent } from 'react'
import type { User } from '../../api.ts'
import { assign, type AssignBody, type AssignResult, type TaskKind, type Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { problemMessage } from '../../onboarding-api.ts'
import { AssigneePicker, type Assignee } from './AssigneePicker.tsx'
import { AssignResultView } from './AssignResultView.tsx'
import { defaultDue, fromLocalInput, isSessionLost } from './dispatch-util.ts'
import { currentLedgerFilter, ledgerCaseIds, ledgerCount, MAX_IDS } from './ledger-selection.ts'
import { areaOfWhat, initialWhat, WhatPicker, type What } from './WhatPicker.tsx'

/** One thing picked on the map. */
export interface FixedTarget {
  kind: TaskKind
  id: number
  label: string
  adminCode: string
}

export interface AssignFormProps {
  user: User
  teams: readonly Team[]
  fixed?: FixedTarget
  /** Work was given out: loads and lists change. */
  onAssigned(result: AssignResult): void
  onSessionLost(): void
}

const ID_FIELD: Readonly<Record<TaskKind, 'cases' | 'detections' | 'parcels'>> = { case: 'cases', detection: 'detections', parcel: 'parcels' }

/** The picking part of the body, or the message key of what is missing. */
async function pickOf(what: What, fixed: FixedTarget | undefined): Promise<Partial<AssignBody> | MessageKey> {
  if (fixed) return { [ID_FIELD[fixed.kind]]: [fixed.id] }
  if (what.way === 'ledger') {
    const filter = currentLedgerFilter()
    if ((await ledgerCount(filter)) > MAX_IDS) return 'dispatch.assign.ledgerTooMany'
    const ids = await ledgerCaseIds(filter)
    return ids.length ? { cases: ids } : 'dispatch.assign.ledgerEmpty'
  }
  if (what.kinds.length === 0) return 'dispatch.assign.needKinds'
  if (what.way === 'village') return what.village ? { village: what.village.code, kinds: what.kinds } : 'dispatch.assign.needWhat'
  return what.zone ? { zoneId: what.zone.id, kinds: what.kinds } : 'dispatch.assign.needWhat'
}

export function AssignForm({ user, teams, fixed, onAssigned, onSessionLost }: AssignFormProps) {
  const { t, lang } = useI18n()
  const [what, setWhat] = useState<What>(initialWhat)
  // The team or person chosen for an area; picking another area asks again.
  const [whoPick, setWhoPick] = useState<{ area: string; value: Assignee }>({ area: '', value: null })
  const [due, setDue] = useState(defaultDue)
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<AssignResult | null>(null)
  const area = fixed?.adminCode ?? areaOfWhat(what) ?? user.scopeCode
  const who = whoPick.area === area ? whoPick.value : null

  const send = async (pick: Partial<AssignBody>, reassign: boolean): Promise<AssignResult> =>
    assign({ ...pick, ...who, dueAt: fromLocalInput(due), note: note.trim() || null, ...(reassign ? { reassign: true } : {}) } as AssignBody)

  const run = async (job: () => Promise<AssignResult>) => {
    setBusy(true)
    setError(null)
    try {
      const r = await job()
      setResult(r)
      onAssigned(r)
    } catch (e) {
      if (isSessionLost(e)) onSessionLost()
      setError(problemMessage(e, lang))
    } finally {
      setBusy(false)
    }
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!who) return setError(t('dispatch.assign.needWho'))
    setBusy(true)
    const pick = await pickOf(what, fixed).catch((err: unknown) => problemMessage(err, lang))
    setBusy(false)
    if (typeof pick === 'string') return setError(pick.startsWith('dispatch.') ? t(pick as MessageKey, { n: MAX_IDS }) : pick)
    await run(() => send(pick, false))
  }

  /** 改派: the things someone else has, one request per kind (one way of picking each). */
  const reassignSkipped = (skipped: AssignResult['skipped']) =>
    run(async () => {
      const total: AssignResult = { created: 0, reassigned: 0, skipped: [], items: [] }
      for (const kind of ['case', 'detection', 'parcel'] as const) {
        const ids = skipped.filter((s) => s.kind === kind).map((s) => s.id)
        if (ids.length === 0) continue
        const r = await send({ [ID_FIELD[kind]]: ids }, true)
        total.created += r.created
        total.reassigned += r.reassigned
        total.skipped.push(...r.skipped)
        total.items.push(...r.items)
      }
      return total
    })

  return (
    <form className="dispatch-assign" onSubmit={(e) => void submit(e)} data-testid="assign-form" data-state={busy ? 'busy' : result ? 'done' : 'editing'}>
      {fixed ? (
        <p className="dispatch-fixed" data-testid="assign-fixed">
          <span className="dispatch-kind">{t(`dispatch.kind.${fixed.kind}`)}</span> <b>{fixed.label}</b>
        </p>
      ) : (
        <WhatPicker value={what} onChange={setWhat} />
      )}
      <AssigneePicker key={area} area={area} teams={teams} value={who} onChange={(value) => setWhoPick({ area, value })} />
      <div className="dispatch-form-grid">
        <label className="form-row">
          <span>{t('dispatch.assign.due')}</span>
          <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} data-testid="assign-due" />
        </label>
        <label className="form-row">
          <span>{t('dispatch.assign.note')}</span>
          <input value={note} maxLength={500} placeholder={t('dispatch.assign.notePlaceholder')} onChange={(e) => setNote(e.target.value)} data-testid="assign-note" />
        </label>
      </div>
      {error && (
        <p className="form-error stale" role="alert" data-testid="assign-error">
          {error}
        </p>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy} data-testid="assign-submit">
          {busy ? t('dispatch.assign.sending') : t('dispatch.assign.submit')}
        </button>
      </div>
      {result && <AssignResultView result={result} busy={busy} labels={fixed ? { [`${fixed.kind}-${fixed.id}`]: fixed.label } : {}} onReassign={(s) => void reassignSkipped(s)} />}
    </form>
  )
}
