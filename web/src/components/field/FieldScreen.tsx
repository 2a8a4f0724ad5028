// The field user's phone app (外业): my tasks, the map, the offline area and the sync list, with
// the sync badge always in view. Works with no network: the app shell and the records come from
// the service worker, every write goes through the outbox. docs/field.md.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { ApiError, getMeta, type Meta, type User } from '../../api.ts'
import { myTasks, type Task } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { keepRecords } from '../../offline/area.ts'
import { startSync } from '../../offline/outbox.ts'
import { useOutbox } from '../../offline/use-outbox.ts'
import { LanguageSwitch } from '../LanguageSwitch.tsx'
import { AreaPanel } from './AreaPanel.tsx'
import { FieldMap } from './FieldMap.tsx'
import { SyncBadge } from './SyncBadge.tsx'
import { SyncPanel } from './SyncPanel.tsx'
import { TaskDetail } from './TaskDetail.tsx'
import { TaskList } from './TaskList.tsx'
import './field.css'
// 自建房排查 on the phone: its own chunk (also kept by the service worker for offline use).
const FieldSurvey = lazy(() => import('../survey/FieldSurvey.tsx'))

type Tab = 'tasks' | 'map' | 'area' | 'sync'

export interface FieldScreenProps {
  user: User
  onLogout(): void
  onSessionLost(): void
  /** To the desktop views (the map screen). */
  onDesktop(): void
}

/** Where the phone is, when the user allows it; null until known. */
function usePosition(): [number, number] | null {
  const [here, setHere] = useState<[number, number] | null>(null)
  useEffect(() => {
    if (!navigator.geolocation) return
    const id = navigator.geolocation.watchPosition((p) => setHere([p.coords.longitude, p.coords.latitude]), () => undefined, { enableHighAccuracy: true, maximumAge: 30_000 })
    return () => navigator.geolocation.clearWatch(id)
  }, [])
  return here
}

export default function FieldScreen({ user, onLogout, onSessionLost, onDesktop }: FieldScreenProps) {
  const { t } = useI18n()
  const outbox = useOutbox()
  const here = usePosition()
  const [tab, setTab] = useState<Tab>('tasks')
  const [tasks, setTasks] = useState<Task[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<Task | null>(null)
  const [meta, setMeta] = useState<Meta | null>(null)
  const [surveying, setSurveying] = useState(false)

  useEffect(() => startSync(), [])
  const load = useCallback(async () => {
    try {
      setTasks(await myTasks())
      setError(null)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else setError(t('field.loadFailed'))
    }
  }, [onSessionLost, t])
  useEffect(() => {
    const refresh = () => {
      void load()
      getMeta().then(setMeta, () => undefined)
      // who is signed in, kept by the service worker so the app opens offline as this user
      void keepRecords(['/api/auth/me'])
    }
    refresh()
    // the first visit: the service worker takes the page only after it loaded; read again through it
    navigator.serviceWorker?.addEventListener('controllerchange', refresh)
    return () => navigator.serviceWorker?.removeEventListener('controllerchange', refresh)
  }, [load])
  // what the server has changed once the outbox has emptied (a verified patch's task closes)
  const waiting = outbox.ops.length
  useEffect(() => {
    if (waiting === 0 && outbox.online) void load()
  }, [waiting, outbox.online, load])

  const logout = () => {
    if (waiting > 0 && !window.confirm(t('field.logoutPending', { n: waiting }))) return
    onLogout()
  }
  const actor = { userId: user.id }

  return (
    <div className="field-screen" data-testid="field-screen">
      <header className="field-bar">
        <h1>{t('field.title')}</h1>
        <SyncBadge outbox={outbox} onOpen={() => setTab('sync')} />
        <LanguageSwitch />
        <button type="button" className="field-link" onClick={onDesktop}>{t('field.desktop')}</button>
        <button type="button" className="field-link" onClick={logout}>{t('field.logout')}</button>
      </header>
      <main className="field-main">
        {error && <p className="field-error" role="alert">{error}</p>}
        {tab === 'tasks' && !open && !surveying && (
          <button type="button" className="field-survey-entry" onClick={() => setSurveying(true)} data-testid="field-survey-entry">
            <b>{t('survey.field.entry')}</b>
            <span>{t('survey.field.entryHint')}</span>
          </button>
        )}
        {tab === 'tasks' && surveying && (
          <Suspense fallback={<p className="task-none">{t('app.loading')}</p>}>
            <FieldSurvey actor={actor} meta={meta} here={here} ops={outbox.ops} onBack={() => setSurveying(false)} />
          </Suspense>
        )}
        {tab === 'tasks' && tasks && !open && !surveying && <TaskList tasks={tasks} here={here} ops={outbox.ops} onOpen={setOpen} />}
        {tab === 'tasks' && open && (
          <TaskDetail actor={actor} task={open} here={here} ops={outbox.ops} onBack={() => setOpen(null)} onShowOnMap={() => setTab('map')} />
        )}
        {tab === 'map' && meta && <FieldMap meta={meta} task={open} onSessionLost={onSessionLost} />}
        {tab === 'area' && meta && tasks && <AreaPanel meta={meta} tasks={tasks} online={outbox.online} />}
        {tab === 'sync' && <SyncPanel outbox={outbox} />}
      </main>
      <nav className="field-tabs">
        {(['tasks', 'map', 'area', 'sync'] as const).map((k) => (
          <button key={k} type="button" aria-pressed={tab === k} onClick={() => setTab(k)} data-tab={k}>
            {t(`field.tab.${k}`)}
          </button>
        ))}
      </nav>
    </div>
  )
}
