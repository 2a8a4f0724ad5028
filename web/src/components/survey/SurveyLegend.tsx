// The map layer's legend: the dot's colour is the appraisal grade, the ring the hazard (the same
// colours as map/survey-points.ts draws).
import { useI18n } from '../../i18n/i18n.tsx'
import { GRADE_COLORS, HAZARD_RING_COLORS } from '../../map/survey-points.ts'

export function SurveyLegend() {
  const { t } = useI18n()
  const grades = [
    ['survey.legend.gradeAB', GRADE_COLORS.A],
    ['survey.legend.gradeC', GRADE_COLORS.C],
    ['survey.legend.gradeD', GRADE_COLORS.D],
    ['survey.legend.none', GRADE_COLORS.none],
  ] as const
  return (
    <div className="survey-legend" data-testid="survey-legend" aria-label={t('survey.legend.title')}>
      <div>
        <b>{t('survey.legend.grade')}</b>
        {grades.map(([k, c]) => (
          <span key={k}>
            <i className="survey-dot" style={{ background: c }} aria-hidden="true" />
            {t(k)}
          </span>
        ))}
      </div>
      <div>
        <b>{t('survey.legend.hazard')}</b>
        <span>
          <i className="survey-dot" style={{ background: GRADE_COLORS.none, boxShadow: '0 0 0 1.5px #fff, 0 0 0 2.5px #bbb' }} aria-hidden="true" />
          {t('survey.hazard.none')}
        </span>
        {(['general', 'major', 'severe'] as const).map((h) => (
          <span key={h}>
            <i className="survey-dot" style={{ background: GRADE_COLORS.none, boxShadow: `0 0 0 1.5px #fff, 0 0 0 4px ${HAZARD_RING_COLORS[h]}` }} aria-hidden="true" />
            {t(`survey.hazard.${h}`)}
          </span>
        ))}
      </div>
    </div>
  )
}
