import type { User } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { LanguageSwitch } from './LanguageSwitch.tsx'

export function Header({ user, districtName, onLogout }: { user: User; districtName?: string; onLogout(): void }) {
  const { t, label } = useI18n()
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          {t('app.productTag')}
        </span>
        <h1 data-testid="app-title">{t('app.title')}</h1>
        {districtName && <span className="district">{districtName}</span>}
      </div>
      <div className="header-right">
        <span className="user" data-testid="current-user" title={t('header.user')}>
          <span className="user-name">{user.displayName || user.username}</span>
          <span className="user-role" data-testid="current-role">
            {label('role', user.role)}
          </span>
        </span>
        <LanguageSwitch />
        <button type="button" className="logout" onClick={onLogout} data-testid="logout">
          {t('header.logout')}
        </button>
      </div>
    </header>
  )
}
