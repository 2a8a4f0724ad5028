// The top of the app: find out whether a session exists, then show the login or the map screen.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { getMe, logout, type User } from './api.ts'
import { LoginScreen } from './components/LoginScreen.tsx'
import { useI18n } from './i18n/i18n.tsx'
import { RECORDS_CACHE } from './offline/cache-rules.ts'
import { isFieldScreen, leaveFieldScreen } from './url-field.ts'

// The map screen carries MapLibre (~1 MB); the login screen does not wait for it.
const MapScreen = lazy(() => import('./components/MapScreen.tsx'))
// The field user's phone app (外业): its own chunk.
const FieldScreen = lazy(() => import('./components/field/FieldScreen.tsx'))
// The public pages (举报, 查询, 公示): no account, no session check; their own chunk.
const PublicApp = lazy(() => import('./components/public/PublicApp.tsx'))

/** The public pages live under /public: anyone may open them. */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/public' || pathname.startsWith('/public/')
}

type Session = { kind: 'checking' } | { kind: 'anonymous' } | { kind: 'user'; user: User }

export function App() {
  if (isPublicPath(window.location.pathname)) return <PublicPages />
  return <StaffApp />
}

function PublicPages() {
  const { t } = useI18n()
  return (
    <Suspense
      fallback={
        <div className="splash" role="status">
          {t('app.loading')}
        </div>
      }
    >
      <PublicApp />
    </Suspense>
  )
}

function StaffApp() {
  const { t } = useI18n()
  const [session, setSession] = useState<Session>({ kind: 'checking' })
  const [hash, setHash] = useState(() => window.location.hash)
  useEffect(() => {
    const on = () => setHash(window.location.hash)
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])

  useEffect(() => {
    let live = true
    getMe()
      .then((user) => live && setSession(user ? { kind: 'user', user } : { kind: 'anonymous' }))
      .catch(() => live && setSession({ kind: 'anonymous' }))
    return () => {
      live = false
    }
  }, [])

  const onLogout = useCallback(async () => {
    try {
      await logout()
    } finally {
      // the records kept for offline work are this user's; the outbox stays (it is per user and unsent)
      await globalThis.caches?.delete(RECORDS_CACHE).catch(() => false)
      setSession({ kind: 'anonymous' })
    }
  }, [])
  const onSessionLost = useCallback(() => setSession({ kind: 'anonymous' }), [])

  if (session.kind === 'checking') {
    return (
      <div className="splash" role="status">
        {t('app.loading')}
      </div>
    )
  }
  if (session.kind === 'anonymous') {
    return <LoginScreen onLoggedIn={(user) => setSession({ kind: 'user', user })} />
  }
  return (
    <Suspense
      fallback={
        <div className="splash" role="status">
          {t('map.loading')}
        </div>
      }
    >
      {isFieldScreen(hash, session.user.role) ? (
        <FieldScreen user={session.user} onLogout={onLogout} onSessionLost={onSessionLost} onDesktop={() => setHash(leaveFieldScreen())} />
      ) : (
        <MapScreen user={session.user} onLogout={onLogout} onSessionLost={onSessionLost} />
      )}
    </Suspense>
  )
}
