// What a district has not loaded yet, said where it shows: on the map (those layers are empty) and
// on the dashboard (their figures are 0), and the ledger's 待定位 cases (counted in statistics, not
// drawn). Administrators get a link to the 基础数据 view; everyone else learns whom to ask.
import { useEffect, useState } from 'react'
import { useI18n } from '../i18n/i18n.tsx'
import { getOnboardingStatus, type OnboardingStatus } from '../onboarding-api.ts'

export interface MissingDataNoticeProps {
  /** Show the link to the 基础数据 view (administrators). */
  canLoad: boolean
  onOpenOnboarding(): void
  /** Changes when a load may have changed the answer. */
  refreshKey: number
}

export function MissingDataNotice({ canLoad, onOpenOnboarding, refreshKey }: MissingDataNoticeProps) {
  const { t } = useI18n()
  const [status, setStatus] = useState<OnboardingStatus | null>(null)
  useEffect(() => {
    const ctl = new AbortController()
    getOnboardingStatus(ctl.signal)
      .then(setStatus)
      // the notice is a courtesy: when the status cannot be read, the page says nothing rather than fail
      .catch(() => setStatus(null))
    return () => ctl.abort()
  }, [refreshKey])
  if (!status || (status.missing.length === 0 && status.casesPendingLocation === 0)) return null
  const layers = status.missing.map((l) => t(`ob.layer.${l}`)).join(t('ob.notice.sep'))
  return (
    <div className="notice notice-missing" role="note" data-testid="missing-data-notice" data-missing={status.missing.join(',')}>
      {status.missing.length > 0 && <span>{t('ob.notice.missing', { layers })}</span>}
      {status.casesPendingLocation > 0 && <span>{t('ob.notice.pending', { n: status.casesPendingLocation.toLocaleString() })}</span>}
      {status.missing.length > 0 &&
        (canLoad ? (
          <button type="button" className="link-button" onClick={onOpenOnboarding} data-testid="missing-data-open">
            {t('ob.notice.go')}
          </button>
        ) : (
          <span>{t('ob.notice.askAdmin')}</span>
        ))}
    </div>
  )
}
