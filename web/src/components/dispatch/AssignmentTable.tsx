// The assignments in the user's area, filtered by team, status, kind and overdue: target, village,
// who has it, due (overdue in red), status; reassign, change due/note, cancel, each with If-Match
// from the row's version. A 412 reloads the table and says so.
import { useEffect, useState } from 'react'
import { editAssignment, listAssignments, TASK_KINDS, type Assignment, type TaskKind, type Team } from '../../field-api.ts'
import { fmtDateTime } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { problemMessage } from '../../onboarding-api.ts'
import { AssignmentEditDialog, type EditMode } from './AssignmentEditDialog.tsx'
import { assigneeOf, isSessionLost, isStale } from './dispatch-util.ts'

const PAGE = 50
/** field-api.ts names no type for the list answer: the one listAssignments gives. */
type AssignmentList = Awaited<ReturnType<typeof listAssignments>>
const STATUSES = ['open', 'done', 'cancelled'] as const

export interface AssignmentFilterState {
  teamId: number | null
  status: (typeof STATUSES)[number] | ''
  kind: TaskKind | ''
  overdue: boolean
}

export const defaultFilter: AssignmentFilterState = { teamId: null, status: 'open', kind: '', overdue: false }

export interface AssignmentTableProps {
  teams: readonly Team[]
  filter: AssignmentFilterState
  onFilter(f: AssignmentFilterState): void
  /** Bumped by the panel when work was given out elsewhere. */
  refreshKey: number
  onShow(a: Assignment): void
  /** An assignment changed here: the teams' loads change. */
  onChanged(): void
  onSessionLost(): void
}

type Notice = { kind: 'ok' | 'stale' | 'error'; text: string } | null

export function AssignmentTable({ teams, filter, onFilter, refreshKey, onShow, onChanged, onSessionLost }: AssignmentTableProps) {
  const { t, lang } = useI18n()
  const [list, setList] = useState<AssignmentList | null>(null)
  const [offset, setOffset] = useState(0)
  const [reload, setReload] = useState(0)
  const [notice, setNotice] = useState<Notice>(null)
  const [editing, setEditing] = useState<{ a: Assignment; mode: EditMode } | null>(null)
  const [confirming, setConfirming] = useState<number | null>(null)

  useEffect(() => setOffset(0), [filter])
  useEffect(() => {
    const ctl = new AbortController()
    const q = {
      ...(filter.teamId !== null ? { teamId: filter.teamId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.overdue ? { overdue: true } : {}),
      limit: PAGE,
      offset,
    }
    listAssignments(q, ctl.signal)
      .then(setList)
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (isSessionLost(e)) onSessionLost()
        setNotice({ kind: 'error', text: `${t('dispatch.loadError')}：${problemMessage(e, lang)}` })
      })
    return () => ctl.abort()
  }, [filter, offset, reload, refreshKey, lang, t, onSessionLost])

  const labelOf = (a: Assignment) => `${t(`dispatch.kind.${a.target.kind}`)} ${a.target.label}`
  const changed = (text: string) => {
    setNotice({ kind: 'ok', text })
    setReload((k) => k + 1)
    onChanged()
  }
  const stale = (a: Assignment) => {
    setEditing(null)
    setNotice({ kind: 'stale', text: t('dispatch.stale', { label: labelOf(a) }) })
    setReload((k) => k + 1)
  }
  const cancel = async (a: Assignment) => {
    setConfirming(null)
    try {
      await editAssignment(a.id, a.version, { status: 'cancelled' })
      changed(t('dispatch.act.cancelled', { label: labelOf(a) }))
    } catch (e) {
      if (isSessionLost(e)) onSessionLost()
      if (isStale(e)) stale(a)
      else setNotice({ kind: 'error', text: problemMessage(e, lang) })
    }
  }

  const set = (patch: Partial<AssignmentFilterState>) => onFilter({ ...filter, ...patch })
  return (
    <section className="dispatch-assignments" data-testid="assignment-table" data-state={list ? 'ok' : 'loading'} data-total={list?.total ?? ''}>
      <div className="ledger-filters dispatch-filters">
        <label className="filter">
          <span>{t('dispatch.list.team')}</span>
          <select value={filter.teamId ?? ''} onChange={(e) => set({ teamId: e.target.value ? Number(e.target.value) : null })} data-testid="list-team">
            <option value="">{t('dispatch.list.allTeams')}</option>
            {teams.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span>{t('dispatch.list.status')}</span>
          <select value={filter.status} onChange={(e) => set({ status: e.target.value as AssignmentFilterState['status'] })} data-testid="list-status">
            <option value="">{t('dispatch.list.allStatuses')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`dispatch.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span>{t('dispatch.list.kind')}</span>
          <select value={filter.kind} onChange={(e) => set({ kind: e.target.value as TaskKind | '' })} data-testid="list-kind">
            <option value="">{t('dispatch.list.allKinds')}</option>
            {TASK_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`dispatch.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="filter check">
          <input type="checkbox" checked={filter.overdue} onChange={(e) => set({ overdue: e.target.checked })} data-testid="list-overdue" />
          <span>{t('dispatch.list.overdue')}</span>
        </label>
        <button type="button" className="open-case" onClick={() => setReload((k) => k + 1)} data-testid="list-refresh">
          {t('dispatch.list.refresh')}
        </button>
      </div>
      {notice && (
        <p className={notice.kind === 'ok' ? 'dispatch-notice done' : 'form-error stale'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="list-notice" data-kind={notice.kind}>
          {notice.text}
        </p>
      )}
      {!list ? (
        <p className="empty">{t('dispatch.loading')}</p>
      ) : list.items.length === 0 ? (
        <p className="empty">{t('dispatch.list.empty')}</p>
      ) : (
        <div className="dispatch-scroll">
          <table className="ledger-table dispatch-table">
            <thead>
              <tr>
                <th>{t('dispatch.col.target')}</th>
                <th>{t('dispatch.col.assignee')}</th>
                <th>{t('dispatch.col.due')}</th>
                <th>{t('dispatch.col.status')}</th>
                <th>{t('dispatch.col.note')}</th>
                <th>{t('dispatch.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((a) => (
                <tr
                  key={a.id}
                  className={a.overdue ? 'overdue' : undefined}
                  data-testid="assignment-row"
                  data-id={a.id}
                  data-kind={a.target.kind}
                  data-target={a.target.id}
                  data-status={a.status}
                  data-team={a.team?.id ?? ''}
                  data-assignee={a.assignee?.id ?? ''}
                  data-overdue={a.overdue}
                >
                  <td>
                    <span className="dispatch-kind">{t(`dispatch.kind.${a.target.kind}`)}</span>
                    <button type="button" className="link-button case-no" onClick={() => onShow(a)} title={t('dispatch.showOnMap')} data-testid="row-target">
                      {a.target.label}
                    </button>
                    <div className="dispatch-sub">{a.target.adminName}</div>
                  </td>
                  <td className="dispatch-wrap">{assigneeOf(a)}</td>
                  <td className={a.overdue ? 'dispatch-overdue' : undefined}>
                    {a.dueAt ? fmtDateTime(a.dueAt) : <span className="muted">{t('dispatch.noDue')}</span>}
                    {a.overdue && <span className="overdue-badge dispatch-overdue-badge">{t('dispatch.overdue')}</span>}
                  </td>
                  <td>{t(`dispatch.status.${a.status}`)}</td>
                  <td className="dispatch-wrap dispatch-note">{a.note ?? ''}</td>
                  <td>
                    <div className="dispatch-actions">
                      {a.status === 'open' && confirming !== a.id && (
                        <>
                          <button type="button" className="open-case" onClick={() => setEditing({ a, mode: 'reassign' })} data-testid="row-reassign">
                            {t('dispatch.act.reassign')}
                          </button>
                          <button type="button" className="open-case" onClick={() => setEditing({ a, mode: 'edit' })} title={t('dispatch.act.editTitle')} data-testid="row-edit">
                            {t('dispatch.act.edit')}
                          </button>
                          <button type="button" className="open-case" onClick={() => setConfirming(a.id)} title={t('dispatch.act.cancelTitle')} data-testid="row-cancel">
                            {t('dispatch.act.cancel')}
                          </button>
                        </>
                      )}
                      {confirming === a.id && (
                        <>
                          <span>{t('dispatch.act.cancelConfirm')}</span>
                          <button type="button" className="open-case danger" onClick={() => void cancel(a)} data-testid="row-cancel-yes">
                            {t('dispatch.act.yes')}
                          </button>
                          <button type="button" className="open-case" onClick={() => setConfirming(null)}>
                            {t('dispatch.act.no')}
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list && list.total > PAGE && (
        <div className="ledger-foot">
          <span>{t('dispatch.list.total', { n: list.total })}</span>
          <span className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              {t('dispatch.list.prev')}
            </button>
            {offset + 1}–{Math.min(offset + PAGE, list.total)}
            <button type="button" disabled={offset + PAGE >= list.total} onClick={() => setOffset(offset + PAGE)}>
              {t('dispatch.list.next')}
            </button>
          </span>
        </div>
      )}
      {list && list.total <= PAGE && list.total > 0 && <p className="ledger-foot">{t('dispatch.list.total', { n: list.total })}</p>}
      {editing && (
        <AssignmentEditDialog
          assignment={editing.a}
          mode={editing.mode}
          teams={teams}
          onSaved={(a) => {
            setEditing(null)
            changed(t('dispatch.act.saved', { label: labelOf(a) }))
          }}
          onStale={() => stale(editing.a)}
          onClose={() => setEditing(null)}
          onSessionLost={onSessionLost}
        />
      )}
    </section>
  )
}
