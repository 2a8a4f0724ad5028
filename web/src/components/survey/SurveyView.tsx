// 自建房排查, the house survey beside the map (issue 14): the files (一户一档) by village, status,
// hazard, grade and overdue measures, one file with its measures, 销号 and a case opened from it;
// the worklist of self-built houses still without a file (focus first); and the figures
// (SurveyStatsPanel). The files are points on the map (map/survey-points.ts), coloured by grade
// and ringed by hazard; a click on one opens it. A building footprint clicked on the map, or a house
// of the worklist, offers 建档 with what the footprint knows prefilled. Loaded as its own chunk.
import { useCallback, useEffect, useMemo, useState, type MutableRefObject } from 'react'
import { ApiError, getFeature, type Bbox, type Feature, type User } from '../../api.ts'
import { geometryBbox } from '../../geo/bbox.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { useLoad, useReloadKey } from '../../hooks/use-load.ts'
import { useMapPoints } from '../../hooks/use-map-points.ts'
import type { MapView } from '../../map/map-view.ts'
import type { SurveyPoint } from '../../map/survey-points.ts'
import { problemMessage } from '../../onboarding-api.ts'
import {
  createSurvey, GRADES, HAZARDS, listSurveys, SURVEY_STATUSES, type Grade, type Hazard, type SurveyList, type SurveyStatus, type SurveyValues, type WorklistItem,
} from '../../survey-api.ts'
import { surveyFromHash, writeSurveyToUrl } from '../../url-state.ts'
import { AdminUnitPicker, type AdminUnit } from '../dispatch/AdminUnitPicker.tsx'
import { LoadError } from '../record-parts.tsx'
import { TabBar } from '../TabBar.tsx'
import { SurveyStatsPanel } from '../survey-stats/SurveyStatsPanel.tsx'
import { SurveyDetail } from './SurveyDetail.tsx'
import { SurveyForm } from './SurveyForm.tsx'
import { SurveyLegend } from './SurveyLegend.tsx'
import { SurveyFileList } from './SurveyFileList.tsx'
import { SurveyWorklist } from './SurveyWorklist.tsx'
import { prefill } from './prefill.ts'
import '../dispatch/dispatch.css'
import './survey.css'

const LIMIT = 1000
const TABS = ['files', 'worklist', 'stats'] as const
type Tab = (typeof TABS)[number]
const surveyLayer = (v: MapView) => v.surveyPoints()

/** A house about to get its file: a footprint (what it knows prefilled) or a point. */
export interface NewFileTarget {
  buildingId: number | null
  point: [number, number] | null
  initial: SurveyValues
  selfBuilt: boolean | null
}

export interface SurveyViewProps {
  user: User
  mapView: MapView | null
  onFly(bbox: Bbox): void
  /** Outline a feature on the map (the building about to get a file), or nothing. */
  onSelectFeature(f: Feature | null): void
  /** Where MapScreen hands the view the buildings clicked on the map. */
  buildingClick: MutableRefObject<((buildingId: number) => void) | null>
  onOpenCase(caseId: number): void
  onCasesChanged(): void
  onSessionLost(): void
}

export function SurveyView({ user, mapView, onFly, onSelectFeature, buildingClick, onOpenCase, onCasesChanged, onSessionLost }: SurveyViewProps) {
  const { t, lang } = useI18n()
  const canWrite = user.role === 'admin' || user.role === 'planner' || user.role === 'field'
  const withOwner = canWrite
  const [tab, setTab] = useState<Tab>('files')
  const [area, setArea] = useState<AdminUnit | null>(null)
  const [status, setStatus] = useState<SurveyStatus | ''>('')
  const [hazard, setHazard] = useState<Hazard | ''>('')
  const [grade, setGrade] = useState<Grade | ''>('')
  const [overdue, setOverdue] = useState(false)
  const [list, setList] = useState<SurveyList | null>(null)
  const { key: listKey, reload, changed } = useReloadKey(onCasesChanged)
  const [openId, setOpenId] = useState<number | null>(() => surveyFromHash(window.location.hash))
  const [creating, setCreating] = useState<NewFileTarget | null>(null)
  const [createError, setCreateError] = useState<{ text: string; existing: number | null } | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => writeSurveyToUrl(openId), [openId])
  useEffect(() => () => writeSurveyToUrl(null), [])

  const load = useCallback(
    (signal: AbortSignal) => listSurveys({ ...(area ? { adminCode: area.code } : {}), ...(status ? { status } : {}), ...(hazard ? { hazard } : {}), ...(grade ? { grade } : {}), overdue, limit: LIMIT }, signal),
    [area, status, hazard, grade, overdue],
  )
  const error = useLoad(load, setList, onSessionLost, listKey)

  const open = useCallback((id: number) => {
    setOpenId(id)
    setCreating(null)
    setTab('files')
  }, [])

  // a link or another panel (the figures' overdue list) naming a file in the hash opens it
  useEffect(() => {
    const onHash = () => {
      const id = surveyFromHash(window.location.hash)
      if (id !== null) open(id)
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [open])

  // the files on the map; a click on a point opens its file
  const points = useMemo((): SurveyPoint[] => (list?.items ?? []).map((s) => ({ id: s.id, lon: s.lon, lat: s.lat, grade: s.appraisalGrade, hazard: s.hazard })), [list])
  useMapPoints(mapView, surveyLayer, points, openId, open)

  /** A footprint offered for 建档 (outlined); one that has a file in the list opens that file instead. */
  const offerBuilding = useCallback(
    async (buildingId: number, fly: boolean) => {
      const known = list?.items.find((s) => s.buildingId === buildingId)
      if (known) return open(known.id)
      setCreateError(null)
      try {
        const f = await getFeature('buildings', String(buildingId))
        const feature = f as unknown as Feature
        onSelectFeature({ ...feature, properties: { ...feature.properties, collection: 'buildings' } })
        const p = feature.properties as Record<string, unknown>
        setCreating({ buildingId, point: null, initial: prefill(p), selfBuilt: typeof p.self_built === 'boolean' ? p.self_built : null })
        setOpenId(null)
        setTab('files')
        const b = fly ? geometryBbox(feature.geometry) : null
        if (b) onFly(b)
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setCreateError({ text: problemMessage(e, lang), existing: null })
      }
    },
    [list, open, onSelectFeature, onFly, onSessionLost, lang],
  )
  useEffect(() => {
    buildingClick.current = canWrite ? (id) => void offerBuilding(id, false) : null
    return () => {
      buildingClick.current = null
    }
  }, [buildingClick, canWrite, offerBuilding])

  const fromWorklist = useCallback((w: WorklistItem) => void offerBuilding(w.buildingId, true), [offerBuilding])

  const cancelCreate = () => {
    setCreating(null)
    setCreateError(null)
    onSelectFeature(null)
  }
  const save = async (values: SurveyValues) => {
    if (!creating) return
    setBusy(true)
    setCreateError(null)
    try {
      const made = await createSurvey({ ...values, ...(creating.buildingId !== null ? { buildingId: creating.buildingId } : { point: creating.point! }) })
      setCreating(null)
      onSelectFeature(null)
      reload()
      setOpenId(made.data.id)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      const existing = e instanceof ApiError && e.problem?.code === 'survey_exists' ? Number((e.problem as { surveyId?: number }).surveyId) || null : null
      setCreateError({ text: existing ? t('survey.form.exists') : problemMessage(e, lang), existing })
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="survey-view dispatch-panel" data-testid="survey" data-state={error ? 'error' : list ? 'ok' : 'loading'}>
      <div className="dispatch-head">
        <h2>{t('survey.title')}</h2>
        <p className="muted">{t('survey.intro')}</p>
      </div>
      <TabBar<Tab> tabs={TABS} value={tab} onChange={setTab} label={(x) => t(`survey.tab.${x}`)} testIdPrefix="survey-tab-" />
      <div className="dispatch-body">
        {creating && tab !== 'stats' && (
          <SurveyForm
            key={`${creating.buildingId ?? 'p'}`}
            initial={creating.initial}
            withOwner={withOwner}
            title={
              <>
                {creating.buildingId !== null ? t('survey.form.newTitle', { id: creating.buildingId }) : t('survey.form.newPointTitle')}
                {creating.selfBuilt === false && <small className="survey-hint"> {t('survey.pick.notSelfBuilt')}</small>}
              </>
            }
            busy={busy}
            error={
              createError && (
                <p className="form-error stale" role="alert" data-testid="survey-create-error">
                  {createError.text}{' '}
                  {createError.existing && (
                    <button type="button" className="link-button" onClick={() => open(createError.existing!)} data-testid="survey-open-existing">
                      {t('survey.form.openExisting')}
                    </button>
                  )}
                </p>
              )
            }
            onSubmit={save}
            onCancel={cancelCreate}
          />
        )}
        {!creating && createError && (
          <p className="form-error stale" role="alert">
            {createError.text}
          </p>
        )}
        {tab === 'files' && !creating && openId !== null && (
          <SurveyDetail
            key={openId}
            id={openId}
            canWrite={canWrite}
            onBack={() => setOpenId(null)}
            onFly={(s) => onFly([s.lon, s.lat, s.lon, s.lat])}
            onOpenCase={onOpenCase}
            onChanged={changed}
            onSessionLost={onSessionLost}
          />
        )}
        {tab === 'files' && !creating && openId === null && (
          <>
            <div className="ledger-filters dispatch-filters survey-filters">
              <div className="filter survey-area">
                <span>{t('survey.filter.area')}</span>
                <AdminUnitPicker value={area} onChange={setArea} levels={['town', 'village']} testId="survey-area" />
              </div>
              <label className="filter">
                <span>{t('survey.filter.status')}</span>
                <select value={status} onChange={(e) => setStatus(e.target.value as SurveyStatus | '')} data-testid="survey-filter-status">
                  <option value="">{t('survey.filter.all')}</option>
                  {SURVEY_STATUSES.map((s) => <option key={s} value={s}>{t(`survey.status.${s}`)}</option>)}
                </select>
              </label>
              <label className="filter">
                <span>{t('survey.filter.hazard')}</span>
                <select value={hazard} onChange={(e) => setHazard(e.target.value as Hazard | '')} data-testid="survey-filter-hazard">
                  <option value="">{t('survey.filter.all')}</option>
                  {HAZARDS.map((h) => <option key={h} value={h}>{t(`survey.hazard.${h}`)}</option>)}
                </select>
              </label>
              <label className="filter">
                <span>{t('survey.filter.grade')}</span>
                <select value={grade} onChange={(e) => setGrade(e.target.value as Grade | '')} data-testid="survey-filter-grade">
                  <option value="">{t('survey.filter.all')}</option>
                  {GRADES.map((g) => <option key={g} value={g}>{g}</option>)}
                </select>
              </label>
              <label className="filter survey-overdue-filter">
                <span>&nbsp;</span>
                <span>
                  <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} data-testid="survey-filter-overdue" /> {t('survey.filter.overdue')}
                </span>
              </label>
              <button type="button" className="open-case" onClick={reload} data-testid="survey-refresh">
                {t('survey.refresh')}
              </button>
            </div>
            {canWrite && <p className="survey-hint" data-testid="survey-pick-hint">{t('survey.pick.hint')}</p>}
            {error && <LoadError label={t('survey.loadError')} error={error} />}
            {!list && !error && <p className="empty">{t('survey.loading')}</p>}
            {list && <SurveyFileList list={list} selectedId={openId} onOpen={open} />}
          </>
        )}
        {tab === 'worklist' && !creating && <SurveyWorklist canWrite={canWrite} onPick={fromWorklist} onFly={onFly} onSessionLost={onSessionLost} refreshKey={listKey} />}
        {tab === 'stats' && <SurveyStatsPanel onOpenSurvey={open} />}
        {tab !== 'stats' && <SurveyLegend />}
      </div>
    </div>
  )
}

export default SurveyView
