// The teams in the user's area: kind, area, leader, members and load (open / overdue / done in the
// last 7 days), overdue in red. A team's open count opens its assignments.
import type { Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'

export interface TeamListProps {
  teams: readonly Team[]
  onNew(): void
  onEdit(team: Team): void
  onShowWork(team: Team): void
}

export function TeamList({ teams, onNew, onEdit, onShowWork }: TeamListProps) {
  const { t } = useI18n()
  return (
    <section className="dispatch-teams" data-testid="team-list" data-count={teams.length}>
      <div className="dispatch-bar">
        <button type="button" className="primary" onClick={onNew} data-testid="team-new">
          {t('dispatch.teams.new')}
        </button>
      </div>
      {teams.length === 0 ? (
        <p className="empty">{t('dispatch.teams.empty')}</p>
      ) : (
        <div className="dispatch-scroll">
          <table className="ledger-table dispatch-table">
            <thead>
              <tr>
                <th>{t('dispatch.col.team')}</th>
                <th>{t('dispatch.col.kind')}</th>
                <th>{t('dispatch.col.area')}</th>
                <th>{t('dispatch.col.leader')}</th>
                <th>{t('dispatch.col.members')}</th>
                <th className="num">{t('dispatch.col.open')}</th>
                <th className="num">{t('dispatch.col.overdue')}</th>
                <th className="num">{t('dispatch.col.doneWeek')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {teams.map((team) => (
                <tr key={team.id} data-testid="team-row" data-id={team.id} data-name={team.name} data-open={team.load.open} data-overdue={team.load.overdue}>
                  <td>
                    <b>{team.name}</b>
                  </td>
                  <td>{t(`dispatch.teamKind.${team.kind}`)}</td>
                  <td>{team.adminName}</td>
                  <td>{team.leader?.displayName ?? t('dispatch.none')}</td>
                  <td className="dispatch-wrap">
                    {team.members.length === 0 ? t('dispatch.none') : team.members.map((m) => m.displayName).join('、')}
                  </td>
                  <td className="num">
                    <button type="button" className="link-button" onClick={() => onShowWork(team)} title={t('dispatch.teams.show')} data-testid="team-open">
                      {team.load.open}
                    </button>
                  </td>
                  <td className={team.load.overdue > 0 ? 'num dispatch-overdue' : 'num'} data-testid="team-overdue">
                    {team.load.overdue}
                  </td>
                  <td className="num">{team.load.doneThisWeek}</td>
                  <td>
                    <button type="button" className="open-case" onClick={() => onEdit(team)} data-testid="team-edit">
                      {t('dispatch.teams.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
