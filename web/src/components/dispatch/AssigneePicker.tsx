// Who work goes to: a team whose area covers it, or a person whose scope does
// (GET /api/field-workers?admin=<area>).
import { useEffect, useState } from 'react'
import { fieldWorkers, type Person, type Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { teamsCovering } from './dispatch-util.ts'

export type Assignee = { teamId: number } | { assigneeId: number } | null

export interface AssigneePickerProps {
  /** The admin unit the work lies in. */
  area: string
  teams: readonly Team[]
  value: Assignee
  onChange(value: Assignee): void
  /** Left out of the lists (the current holder, when reassigning). */
  exclude?: { teamId: number | null; assigneeId: number | null }
}

export function AssigneePicker({ area, teams, value, onChange, exclude }: AssigneePickerProps) {
  const { t, label } = useI18n()
  const [mode, setMode] = useState<'team' | 'person'>(value && 'assigneeId' in value ? 'person' : 'team')
  const [people, setPeople] = useState<Person[] | null>(null)
  const fitting = teamsCovering(teams, area).filter((x) => x.id !== exclude?.teamId)

  useEffect(() => {
    const ctl = new AbortController()
    setPeople(null)
    fieldWorkers(area, ctl.signal)
      .then(setPeople)
      .catch(() => !ctl.signal.aborted && setPeople([]))
    return () => ctl.abort()
  }, [area])

  const pickMode = (m: 'team' | 'person') => {
    setMode(m)
    onChange(null)
  }
  const persons = (people ?? []).filter((p) => p.id !== exclude?.assigneeId)
  return (
    <div className="form-row dispatch-assignee">
      <span>{t('dispatch.assign.to')}</span>
      <div className="dispatch-choice" role="radiogroup">
        {(['team', 'person'] as const).map((m) => (
          <label key={m}>
            <input type="radio" name="assignee-mode" checked={mode === m} onChange={() => pickMode(m)} data-testid={`assign-to-${m}`} />
            {t(m === 'team' ? 'dispatch.assign.toTeam' : 'dispatch.assign.toPerson')}
          </label>
        ))}
      </div>
      {mode === 'team' ? (
        fitting.length === 0 ? (
          <p className="muted">{t('dispatch.assign.noTeams')}</p>
        ) : (
          <select
            value={value && 'teamId' in value ? value.teamId : ''}
            onChange={(e) => onChange(e.target.value ? { teamId: Number(e.target.value) } : null)}
            data-testid="assign-team"
          >
            <option value="">{t('dispatch.assign.teamPick')}</option>
            {fitting.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}（{x.adminName} · {t(`dispatch.teamKind.${x.kind}`)}）
              </option>
            ))}
          </select>
        )
      ) : people === null ? (
        <p className="muted">{t('dispatch.loading')}</p>
      ) : persons.length === 0 ? (
        <p className="muted">{t('dispatch.assign.noPeople')}</p>
      ) : (
        <select
          value={value && 'assigneeId' in value ? value.assigneeId : ''}
          onChange={(e) => onChange(e.target.value ? { assigneeId: Number(e.target.value) } : null)}
          data-testid="assign-person"
        >
          <option value="">{t('dispatch.assign.personPick')}</option>
          {persons.map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName}（{label('role', p.role)}）
            </option>
          ))}
        </select>
      )}
    </div>
  )
}
