import { useState, type FormEvent } from 'react'
import { ApiError, login, type User } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { LanguageSwitch } from './LanguageSwitch.tsx'

export function LoginScreen({ onLoggedIn }: { onLoggedIn(user: User): void }) {
  const { t, lang } = useI18n()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [submitting, setSubmitting] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    if (submitting) return
    setSubmitting(true)
    setError(null)
    try {
      const user = await login(username.trim(), password)
      onLoggedIn(user)
    } catch (err) {
      // The server's own sentence (wrong password, locked account, too many attempts), in Chinese when it has one.
      const zh = err instanceof ApiError && lang === 'zh-CN' ? err.problem?.detailZh : undefined
      setError(err instanceof ApiError ? zh || err.message || t('login.failed') : t('login.network'))
      setSubmitting(false)
    }
  }

  return (
    <div className="login-page">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <form className="login-card" onSubmit={onSubmit} data-testid="login-form" noValidate>
        <h1>{t('app.title')}</h1>
        <h2>{t('login.heading')}</h2>
        <label>
          <span>{t('login.username')}</span>
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
          />
        </label>
        <label>
          <span>{t('login.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={submitting || !username || !password} data-testid="login-submit">
          {submitting ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  )
}
