// 分派 from the map inspector: the assign form for the one case, patch or parcel shown there.
import { useEffect, useRef, useState } from 'react'
import type { User } from '../../api.ts'
import { listTeams, type Team } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { AssignForm, type FixedTarget } from './AssignForm.tsx'
import { isSessionLost } from './dispatch-util.ts'
import './dispatch.css'

export interface AssignDialogProps {
  user: User
  target: FixedTarget
  onClose(): void
  /** Work was given out (the map's patch colours may change). */
  onAssigned(): void
  onSessionLost(): void
}

export function AssignDialog({ user, target, onClose, onAssigned, onSessionLost }: AssignDialogProps) {
  const { t } = useI18n()
  const dialog = useRef<HTMLDialogElement>(null)
  const [teams, setTeams] = useState<Team[] | null>(null)

  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])
  useEffect(() => {
    const ctl = new AbortController()
    listTeams(ctl.signal)
      .then(setTeams)
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (isSessionLost(e)) onSessionLost()
        setTeams([])
      })
    return () => ctl.abort()
  }, [onSessionLost])

  return (
    <dialog ref={dialog} className="app-dialog dispatch-dialog" onClose={onClose} onCancel={onClose} data-testid="assign-dialog" aria-labelledby="assign-dialog-title">
      <h2 id="assign-dialog-title">{t('dispatch.assign.title')}</h2>
      {teams === null ? (
        <p className="muted">{t('dispatch.loading')}</p>
      ) : (
        <AssignForm user={user} teams={teams} fixed={target} onAssigned={onAssigned} onSessionLost={onSessionLost} />
      )}
      <div className="dialog-buttons">
        <button type="button" onClick={onClose} data-testid="assign-dialog-close">
          {t('dispatch.close')}
        </button>
      </div>
    </dialog>
  )
}
