// 派工, the planners' dispatch view (admin, planner): teams with their load, a form that gives work
// to a team or a person, and the assignments table. Loaded as its own chunk. docs/field.md.
import { useCallback, useEffect, useState } from 'react'
import type { User } from '../../api.ts'
import { listTeams, type Assignment, type Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { AssignForm } from './AssignForm.tsx'
import { AssignmentTable, defaultFilter, type AssignmentFilterState } from './AssignmentTable.tsx'
import { isSessionLost } from './dispatch-util.ts'
import { TeamDialog } from './TeamDialog.tsx'
import { TeamList } from './TeamList.tsx'
import '../patches.css'
import './dispatch.css'

const TABS = ['teams', 'assign', 'assignments'] as const
type Tab = (typeof TABS)[number]

export interface DispatchPanelProps {
  user: User
  /** Bumped by the screen when work was given out elsewhere (the inspector's 分派). */
  refreshKey: number
  /** An assignment's target shown on the map (flown to, opened in the inspector). */
  onShow(a: Assignment): void
  onSessionLost(): void
}

export function DispatchPanel({ user, refreshKey, onShow, onSessionLost }: DispatchPanelProps) {
  const { t, lang } = useI18n()
  const [tab, setTab] = useState<Tab>('teams')
  const [teams, setTeams] = useState<Team[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [teamsKey, setTeamsKey] = useState(0)
  const [listKey, setListKey] = useState(0)
  const [editing, setEditing] = useState<Team | 'new' | null>(null)
  const [filter, setFilter] = useState<AssignmentFilterState>(defaultFilter)
  const [saved, setSaved] = useState<string | null>(null)

  const reload = useCallback(async () => {
    const list = await listTeams()
    setTeams(list)
    return list
  }, [])
  useEffect(() => {
    const ctl = new AbortController()
    listTeams(ctl.signal)
      .then((list) => {
        setTeams(list)
        setError(null)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (isSessionLost(e)) onSessionLost()
        setError(problemMessage(e, lang))
      })
    return () => ctl.abort()
  }, [teamsKey, refreshKey, lang, onSessionLost])

  const workChanged = useCallback(() => setTeamsKey((k) => k + 1), [])
  // The teams' loads are read again whenever their tab opens (others give out work too).
  const openTab = (x: Tab) => {
    setTab(x)
    setSaved(null)
    if (x === 'teams') setTeamsKey((k) => k + 1)
  }
  const showWork = (team: Team) => {
    setFilter({ ...defaultFilter, teamId: team.id })
    setTab('assignments')
  }

  return (
    <div className="dispatch-panel" data-testid="dispatch" data-state={error ? 'error' : teams ? 'ok' : 'loading'}>
      <div className="dispatch-head">
        <h2>{t('dispatch.title')}</h2>
        <p className="muted">{t('dispatch.intro')}</p>
      </div>
      <nav className="plan-tabs" role="tablist">
        {TABS.map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} className={tab === x ? 'active' : undefined} onClick={() => openTab(x)} data-testid={`dispatch-tab-${x}`}>
            {t(`dispatch.tab.${x}`)}
          </button>
        ))}
      </nav>
      <div className="dispatch-body">
        {error && (
          <p className="form-error stale" role="alert">
            {t('dispatch.loadError')}：{error}
          </p>
        )}
        {!teams && !error && <p className="empty">{t('dispatch.loading')}</p>}
        {saved && tab === 'teams' && (
          <p className="dispatch-notice done" role="status" data-testid="team-saved">
            {saved}
          </p>
        )}
        {teams && tab === 'teams' && <TeamList teams={teams} onNew={() => setEditing('new')} onEdit={setEditing} onShowWork={showWork} />}
        {teams && tab === 'assign' && (
          <AssignForm
            user={user}
            teams={teams}
            onAssigned={() => {
              workChanged()
              setListKey((k) => k + 1)
            }}
            onSessionLost={onSessionLost}
          />
        )}
        {teams && tab === 'assignments' && (
          <AssignmentTable teams={teams} filter={filter} onFilter={setFilter} refreshKey={listKey + refreshKey} onShow={onShow} onChanged={workChanged} onSessionLost={onSessionLost} />
        )}
      </div>
      {editing && (
        <TeamDialog
          team={editing === 'new' ? null : editing}
          reload={reload}
          onSaved={(team) => {
            setEditing(null)
            setSaved(t('dispatch.team.saved', { name: team.name }))
            workChanged()
          }}
          onClose={() => setEditing(null)}
          onSessionLost={onSessionLost}
        />
      )}
    </div>
  )
}
