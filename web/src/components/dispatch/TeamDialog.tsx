// Form a team or edit one (If-Match with the version read): name, kind, area, leader and members.
// The server's refusals are shown in the UI's language; a 412 loads the team again and says so.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { createTeam, editTeam, fieldWorkers, TEAM_KINDS, type Person, type Team, type TeamKind } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { AdminUnitPicker, type AdminUnit } from './AdminUnitPicker.tsx'
import { isSessionLost, isStale } from './dispatch-util.ts'
import { PeoplePicker } from './PeoplePicker.tsx'

export interface TeamDialogProps {
  /** The team to edit; null to form a new one. */
  team: Team | null
  onSaved(team: Team): void
  onClose(): void
  /** Reads the teams again (after a 412) and gives them back. */
  reload(): Promise<Team[]>
  onSessionLost(): void
}

interface Draft {
  name: string
  kind: TeamKind
  area: AdminUnit | null
  leaderId: number | null
  memberIds: number[]
}

const draftOf = (team: Team | null): Draft => ({
  name: team?.name ?? '',
  kind: team?.kind ?? 'village_team',
  area: team ? { code: team.adminCode, name: team.adminName } : null,
  leaderId: team?.leader?.id ?? null,
  memberIds: team?.members.map((m) => m.id).filter((id) => id !== team.leader?.id) ?? [],
})

export function TeamDialog({ team, onSaved, onClose, reload, onSessionLost }: TeamDialogProps) {
  const { t, lang } = useI18n()
  const dialog = useRef<HTMLDialogElement>(null)
  const [base, setBase] = useState(team)
  const [draft, setDraft] = useState<Draft>(() => draftOf(team))
  const [people, setPeople] = useState<Person[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [invalid, setInvalid] = useState<'name' | 'area' | null>(null)
  const [saving, setSaving] = useState(false)
  const areaCode = draft.area?.code ?? null

  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])

  // The people of the area; those no longer in it drop out of the draft.
  useEffect(() => {
    setPeople(null)
    if (!areaCode) return
    const ctl = new AbortController()
    fieldWorkers(areaCode, ctl.signal)
      .then((list) => {
        setPeople(list)
        const ok = new Set(list.map((p) => p.id))
        setDraft((d) => ({ ...d, leaderId: d.leaderId !== null && ok.has(d.leaderId) ? d.leaderId : null, memberIds: d.memberIds.filter((id) => ok.has(id)) }))
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (isSessionLost(e)) onSessionLost()
        setError(problemMessage(e, lang))
      })
    return () => ctl.abort()
  }, [areaCode, lang, onSessionLost])

  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }))
    setInvalid(null)
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const refuse = (field: 'name' | 'area') => {
      setInvalid(field)
      setError(t(field === 'name' ? 'dispatch.team.nameRequired' : 'dispatch.team.areaRequired'))
    }
    if (!draft.name.trim()) return refuse('name')
    if (!draft.area) return refuse('area')
    const fields = { name: draft.name.trim(), kind: draft.kind, adminCode: draft.area.code, leaderId: draft.leaderId, memberIds: draft.memberIds }
    setSaving(true)
    setError(null)
    try {
      onSaved(base ? await editTeam(base.id, base.version, fields) : await createTeam(fields))
    } catch (err) {
      if (isSessionLost(err)) onSessionLost()
      if (isStale(err) && base) {
        const fresh = (await reload().catch(() => [])).find((x) => x.id === base.id) ?? null
        if (fresh) {
          setBase(fresh)
          setDraft(draftOf(fresh))
        }
        setError(t('dispatch.team.stale'))
      } else {
        setError(problemMessage(err, lang))
      }
    } finally {
      setSaving(false)
    }
  }

  return (
    <dialog ref={dialog} className="app-dialog dispatch-dialog" onClose={onClose} onCancel={onClose} data-testid="team-dialog" aria-labelledby="team-dialog-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="team-dialog-title">{base ? t('dispatch.team.editTitle', { name: base.name }) : t('dispatch.team.newTitle')}</h2>
        <div className="dispatch-form-grid">
          <label className={invalid === 'name' ? 'form-row invalid' : 'form-row'}>
            <span>{t('dispatch.team.name')}</span>
            <input value={draft.name} maxLength={100} onChange={(e) => set({ name: e.target.value })} data-testid="team-name" autoFocus />
          </label>
          <label className="form-row">
            <span>{t('dispatch.team.kind')}</span>
            <select value={draft.kind} onChange={(e) => set({ kind: e.target.value as TeamKind })} data-testid="team-kind">
              {TEAM_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`dispatch.teamKind.${k}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className={invalid === 'area' ? 'form-row invalid' : 'form-row'}>
          <span>{t('dispatch.team.area')}</span>
          <AdminUnitPicker value={draft.area} onChange={(area) => set({ area })} testId="team-area" invalid={invalid === 'area'} />
        </div>
        {!draft.area && <p className="muted">{t('dispatch.team.pickArea')}</p>}
        {draft.area && people === null && !error && <p className="muted">{t('dispatch.loading')}</p>}
        {people && people.length === 0 && <p className="muted">{t('dispatch.team.noPeople')}</p>}
        {people && people.length > 0 && (
          <PeoplePicker
            people={people}
            leaderId={draft.leaderId}
            memberIds={draft.memberIds}
            onLeader={(leaderId) => set({ leaderId })}
            onMembers={(memberIds) => set({ memberIds })}
          />
        )}
        {error && (
          <p className="form-error stale" role="alert" data-testid="team-error">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose} data-testid="team-cancel">
            {t('dispatch.cancel')}
          </button>
          <button type="submit" className="primary" disabled={saving} data-testid="team-save">
            {saving ? t('dispatch.saving') : t('dispatch.save')}
          </button>
        </div>
      </form>
    </dialog>
  )
}
