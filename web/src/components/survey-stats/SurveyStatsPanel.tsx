// The survey's figures and workbook (placeholder until built).
import { useI18n } from '../../i18n/i18n.tsx'

export function SurveyStatsPanel() {
  const { t } = useI18n()
  return <h3>{t('surveyStats.title')}</h3>
}
