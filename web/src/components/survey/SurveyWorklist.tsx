// 待排查: the self-built houses of a town or village without a file, focus first (3+ floors, rented,
// business). A click flies the map there and offers 建档.
import { useCallback, useState } from 'react'
import type { Bbox } from '../../api.ts'
import { useLoad } from '../../hooks/use-load.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { getWorklist, type Worklist, type WorklistItem } from '../../survey-api.ts'
import { AdminUnitPicker, type AdminUnit } from '../dispatch/AdminUnitPicker.tsx'

export interface SurveyWorklistProps {
  canWrite: boolean
  onPick(w: WorklistItem): void
  onFly(bbox: Bbox): void
  onSessionLost(): void
  /** Read again when this changes (a file was made). */
  refreshKey: number
}

export function SurveyWorklist({ canWrite, onPick, onFly, onSessionLost, refreshKey }: SurveyWorklistProps) {
  const { t, label } = useI18n()
  const [area, setArea] = useState<AdminUnit | null>(null)
  const [list, setList] = useState<Worklist | null>(null)
  const [chosen, setChosen] = useState<number | null>(null)
  const load = useCallback((signal: AbortSignal) => getWorklist({ ...(area ? { adminCode: area.code } : {}), limit: 300 }, signal), [area])
  const error = useLoad(load, setList, onSessionLost, refreshKey)

  return (
    <div className="survey-worklist" data-testid="survey-worklist" data-state={error ? 'error' : list ? 'ok' : 'loading'}>
      <div className="ledger-filters dispatch-filters">
        <div className="filter survey-area">
          <span>{t('survey.work.area')}</span>
          <AdminUnitPicker value={area} onChange={setArea} levels={['town', 'village']} testId="survey-work-area" />
        </div>
      </div>
      {error && <p className="form-error stale" role="alert">{t('survey.loadError')}：{error}</p>}
      {!list && !error && <p className="empty">{t('survey.loading')}</p>}
      {list && (
        <>
          <p className="muted" data-testid="survey-work-total" data-total={list.total}>
            {t('survey.work.total', { n: list.total, surveyed: list.surveyed })} · {t('survey.work.focusHint')}
          </p>
          {list.items.length === 0 && <p className="empty">{t('survey.work.empty')}</p>}
          <ul className="survey-files">
            {list.items.map((w) => (
              <li key={w.buildingId} className={chosen === w.buildingId ? 'selected' : undefined}>
                <div className="survey-work-row">
                  <button
                    type="button"
                    className="survey-file"
                    onClick={() => {
                      setChosen(w.buildingId)
                      onFly([w.lon, w.lat, w.lon, w.lat])
                    }}
                    data-testid="survey-work-item"
                    data-building={w.buildingId}
                    data-focus={w.focus}
                  >
                    <span className="survey-file-line">
                      {w.focus && <span className="survey-focus">{t('survey.work.focus')}</span>}
                      <b>{t('survey.field.building')} #{w.buildingId}</b>
                      <span className="muted">{w.villageName}</span>
                    </span>
                    <span className="survey-file-line">
                      <span>{t('survey.floors', { n: w.floors })}</span>
                      {w.rented && <span>{t('survey.work.rented')}</span>}
                      {w.use && <span className="muted">{label('buildingUse', w.use)}</span>}
                    </span>
                  </button>
                  {canWrite && chosen === w.buildingId && (
                    <button type="button" className="primary survey-work-open" onClick={() => onPick(w)} data-testid="survey-work-open">
                      {t('survey.work.open')}
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
