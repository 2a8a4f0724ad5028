// The house files as a list: village and address, floors and use, the grade (the map's colour), the
// hazard, the status, and a red chip when a measure is past its deadline.
import { useI18n } from '../../i18n/i18n.tsx'
import { GRADE_COLORS, HAZARD_RING_COLORS } from '../../map/survey-points.ts'
import type { Survey, SurveyList } from '../../survey-api.ts'

export function GradeDot({ s }: { s: Pick<Survey, 'appraisalGrade' | 'hazard'> }) {
  const ring = HAZARD_RING_COLORS[s.hazard]
  return (
    <i
      className="survey-dot"
      style={{ background: GRADE_COLORS[s.appraisalGrade ?? 'none'], boxShadow: ring ? `0 0 0 1.5px #fff, 0 0 0 4px ${ring}` : '0 0 0 1.5px #fff, 0 0 0 2.5px #bbb' }}
      aria-hidden="true"
    />
  )
}

export const isOverdue = (s: Survey) => s.measures.some((m) => m.overdue)

export function SurveyFileList({ list, selectedId, onOpen }: { list: SurveyList; selectedId: number | null; onOpen(id: number): void }) {
  const { t } = useI18n()
  if (list.items.length === 0) return <p className="empty" data-testid="survey-empty">{t('survey.empty')}</p>
  return (
    <>
      <p className="muted survey-total" data-testid="survey-total" data-total={list.total}>
        {t('survey.total', { n: list.total })}
        {list.total > list.items.length && ` ${t('survey.truncated', { n: list.items.length })}`}
      </p>
      <ul className="survey-files" data-testid="survey-files">
        {list.items.map((s) => (
          <li key={s.id} className={s.id === selectedId ? 'selected' : undefined}>
            <button type="button" className="survey-file" onClick={() => onOpen(s.id)} data-testid="survey-file" data-id={s.id} data-status={s.status}>
              <span className="survey-file-line">
                <GradeDot s={s} />
                <b>{s.addressText || (s.buildingId !== null ? `${t('survey.field.building')} #${s.buildingId}` : `#${s.id}`)}</b>
                <span className="muted">{s.townName} {s.villageName}</span>
              </span>
              <span className="survey-file-line">
                <span className={`survey-status st-${s.status}`}>{t(`survey.status.${s.status}`)}</span>
                <span>{t('survey.floors', { n: s.floors })}</span>
                <span>{t(`survey.use.${s.use}`)}{s.businessKind ? `·${t(`survey.businessKind.${s.businessKind}`)}` : ''}</span>
                {s.rented && <span>{t('survey.work.rented')}</span>}
                <span>{s.appraisalGrade ? t('survey.gradeLabel', { grade: s.appraisalGrade }) : t('survey.appraisal.none')}</span>
                {s.hazard !== 'none' && <span className={`survey-hazard hz-${s.hazard}`}>{t('survey.hazardLabel', { hazard: t(`survey.hazard.${s.hazard}`) })}</span>}
                {isOverdue(s) && <span className="survey-overdue" data-testid="survey-file-overdue">{t('survey.overdueChip')}</span>}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </>
  )
}
