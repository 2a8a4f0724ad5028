import type { User } from '../api.ts'
import { viewsFor, type ScreenView } from '../url-state.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { LanguageSwitch } from './LanguageSwitch.tsx'
import { FIELD_WORKER_ROLES } from '../../../server/src/domain/field-work.ts'
import { FIELD_VIEW } from '../url-field.ts'

export interface HeaderProps {
  user: User
  districtName?: string
  onLogout(): void
  view?: ScreenView
  onView?(view: ScreenView): void
}

export function Header({ user, districtName, onLogout, view, onView }: HeaderProps) {
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
      {view && onView && (
        <nav className="view-tabs" role="tablist" aria-label={t('view.switch')}>
          {viewsFor(user.role).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} className={view === v ? 'active' : undefined} onClick={() => onView(v)} data-testid={`tab-${v}`}>
              {t(`view.${v}`)}
            </button>
          ))}
        </nav>
      )}
      <div className="header-right">
        <span className="user" data-testid="current-user" title={t('header.user')}>
          <span className="user-name">{user.displayName || user.username}</span>
          <span className="user-role" data-testid="current-role">
            {label('role', user.role)}
          </span>
        </span>
        {FIELD_WORKER_ROLES.includes(user.role) && (
          <a className="tasks-link" href={`#view=${FIELD_VIEW}`} data-testid="my-tasks">
            {t('field.title')}
          </a>
        )}
        <LanguageSwitch />
        <button type="button" className="logout" onClick={onLogout} data-testid="logout">
          {t('header.logout')}
        </button>
      </div>
    </header>
  )
}
