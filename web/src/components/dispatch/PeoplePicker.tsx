// A team's leader and members, from the people work in its area may go to
// (GET /api/field-workers?admin=<area>). The leader is always a member.
import { useI18n } from '../../i18n/i18n.tsx'
import type { Person } from '../../field-api.ts'

export interface PeoplePickerProps {
  people: readonly Person[]
  leaderId: number | null
  memberIds: readonly number[]
  onLeader(id: number | null): void
  onMembers(ids: number[]): void
}

export function PeoplePicker({ people, leaderId, memberIds, onLeader, onMembers }: PeoplePickerProps) {
  const { t, label } = useI18n()
  const toggle = (id: number, on: boolean) => onMembers(on ? [...memberIds, id] : memberIds.filter((m) => m !== id))
  return (
    <>
      <label className="form-row">
        <span>{t('dispatch.team.leader')}</span>
        <select value={leaderId ?? ''} onChange={(e) => onLeader(e.target.value ? Number(e.target.value) : null)} data-testid="team-leader">
          <option value="">{t('dispatch.team.noLeader')}</option>
          {people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName}（{label('role', p.role)}）
            </option>
          ))}
        </select>
      </label>
      <fieldset className="form-row dispatch-members" data-testid="team-members">
        <legend>{t('dispatch.team.members')}</legend>
        {people.map((p) => {
          const isLeader = p.id === leaderId
          return (
            <label key={p.id} className="dispatch-member">
              <input
                type="checkbox"
                checked={isLeader || memberIds.includes(p.id)}
                disabled={isLeader}
                onChange={(e) => toggle(p.id, e.target.checked)}
                data-testid="team-member"
                data-id={p.id}
              />
              <span>{p.displayName}</span>
              <small className="muted">
                {label('role', p.role)} · {p.scopeCode}
              </small>
            </label>
          )
        })}
        <small className="muted">{t('dispatch.team.peopleHint')}</small>
      </fieldset>
    </>
  )
}
