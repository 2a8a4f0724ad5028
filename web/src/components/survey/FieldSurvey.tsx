// 自建房排查 on the field phone: pick a house (the nearest self-built houses without a file, from
// the worklist and the phone's position, or a footprint tapped on the map), fill the file with big
// buttons, take photos with the camera, save. The file and its photos go into the outbox like every
// other field write (offline/field-actions.ts queueSurvey, queueSurveyPhoto): kept on the phone,
// sent with an Idempotency-Key when there is a connection, the photos after the file they belong to.
import { useEffect, useMemo, useState } from 'react'
import { getFeature, type Meta } from '../../api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { defaultOpacity, defaultVisibility } from '../../map/groups.ts'
import type { RasterLayer } from '../../map/basemaps.ts'
import { queueSurvey, queueSurveyPhoto, type Actor } from '../../offline/field-actions.ts'
import type { QueuedOp } from '../../offline/outbox.ts'
import { getFieldWorklist, metresBetween, type SurveyValues, type Worklist, type WorklistItem } from '../../survey-api.ts'
import { PhotoInput } from '../field/FieldForms.tsx'
import { MapPanel } from '../MapPanel.tsx'
import { SurveyForm } from './SurveyForm.tsx'
import { prefill } from './prefill.ts'
import './survey.css'

const SHOWN = 30
const VISIBILITY = defaultVisibility()
const OPACITY = defaultOpacity()
const NO_BASEMAP: RasterLayer[] = []

interface Picked {
  buildingId: number
  label: string
  initial: SurveyValues
}

export interface FieldSurveyProps {
  actor: Actor
  meta: Meta | null
  here: [number, number] | null
  ops: readonly QueuedOp[]
  onBack(): void
}

const fmtMetres = (m: number) => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`)

export function FieldSurvey({ actor, meta, here, ops, onBack }: FieldSurveyProps) {
  const { t, label } = useI18n()
  const [list, setList] = useState<Worklist | null>(null)
  const [listError, setListError] = useState(false)
  const [picked, setPicked] = useState<Picked | null>(null)
  const [onMap, setOnMap] = useState(false)
  const [photos, setPhotos] = useState<File[]>([])
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState<string | null>(null)

  useEffect(() => {
    const ctl = new AbortController()
    // online from the server, offline from the service worker's last copy
    getFieldWorklist(ctl.signal).then(setList, () => !ctl.signal.aborted && setListError(true))
    return () => ctl.abort()
  }, [])

  // houses whose file waits in the outbox are not offered again
  const queuedBuildings = useMemo(
    () => new Set(ops.filter((o) => o.record.kind === 'survey' && o.method === 'POST' && !o.photo).map((o) => (o.body as { buildingId?: number } | undefined)?.buildingId)),
    [ops],
  )
  const [doneHere, setDoneHere] = useState<Set<number>>(() => new Set())
  const houses = useMemo(() => {
    const items = (list?.items ?? []).filter((w) => !queuedBuildings.has(w.buildingId) && !doneHere.has(w.buildingId))
    const withDistance = items.map((w) => ({ w, d: here ? metresBetween(here, [w.lon, w.lat]) : null }))
    if (here) withDistance.sort((a, b) => a.d! - b.d!)
    return withDistance.slice(0, SHOWN)
  }, [list, here, queuedBuildings, doneHere])

  const pickItem = (w: WorklistItem) => {
    setSaved(null)
    setPhotos([])
    setPicked({ buildingId: w.buildingId, label: `${w.villageName} #${w.buildingId}`, initial: prefill({ floors: w.floors, rented: w.rented, use: w.use }) })
  }
  const pickBuilding = async (id: number) => {
    const known = list?.items.find((w) => w.buildingId === id)
    if (known) return pickItem(known)
    setSaved(null)
    setPhotos([])
    // the footprint's floors when it can be read (online, or kept by the service worker); else the form starts at 1
    const props = await getFeature('buildings', String(id)).then((f) => (f as { properties: Record<string, unknown> }).properties, () => ({}) as Record<string, unknown>)
    setOnMap(false)
    setPicked({ buildingId: id, label: `#${id}`, initial: prefill(props) })
  }

  const save = async (values: SurveyValues) => {
    if (!picked) return
    setBusy(true)
    try {
      const { localId } = await queueSurvey(actor, { ...values, buildingId: picked.buildingId, surveyedAt: new Date().toISOString() }, picked.label)
      for (const p of photos) await queueSurveyPhoto(actor, localId, p, p.name || 'photo.jpg', picked.label)
      setDoneHere((s) => new Set(s).add(picked.buildingId))
      setSaved(picked.label)
      setPicked(null)
      setPhotos([])
    } finally {
      setBusy(false)
    }
  }

  if (picked)
    return (
      <section className="field-survey" data-testid="field-survey-form">
        <button type="button" className="back" onClick={() => setPicked(null)}>‹ {t('field.back')}</button>
        <SurveyForm
          phone
          initial={picked.initial}
          withOwner
          title={`${t('survey.form.new')} · ${picked.label}`}
          busy={busy}
          extra={
            <fieldset>
              <legend>{t('survey.field.photos')}</legend>
              <PhotoInput photos={photos} onChange={setPhotos} />
            </fieldset>
          }
          onSubmit={save}
          onCancel={() => setPicked(null)}
        />
      </section>
    )

  const waiting = saved !== null && ops.some((o) => o.record.kind === 'survey')
  return (
    <section className="field-survey" data-testid="field-survey">
      <button type="button" className="back" onClick={onBack}>‹ {t('field.back')}</button>
      <h2>{t('survey.field.entry')}</h2>
      {saved && (
        <p className="field-saved" role="status" data-testid="field-survey-saved">
          {saved} · {t('survey.field.saved', { state: waiting ? t('survey.field.queued') : t('survey.field.sent') })}
        </p>
      )}
      <div className="task-actions">
        <button type="button" aria-pressed={onMap} onClick={() => setOnMap((v) => !v)} data-testid="field-survey-map-toggle">
          {t('survey.field.pickOnMap')}
        </button>
      </div>
      {onMap && meta && (
        <>
          <p className="task-note">{t('survey.field.tapHint')}</p>
          <div className="field-survey-map" data-testid="field-survey-map">
            <MapPanel
              meta={meta}
              visibility={VISIBILITY}
              opacity={OPACITY}
              basemap={NO_BASEMAP}
              selection={null}
              onIdle={() => undefined}
              onView={() => undefined}
              onFeatureClick={(ref) => {
                if (ref?.collection === 'buildings') void pickBuilding(Number(ref.id))
              }}
              onPointer={() => undefined}
              onReady={(v) => {
                if (v && here) v.jumpTo({ center: here, zoom: 17 })
              }}
              onSessionLost={() => undefined}
            />
          </div>
        </>
      )}
      <h3 className="field-survey-sub">{t('survey.field.nearest')}</h3>
      {!here && <p className="muted">{t('survey.field.noPosition')}</p>}
      {listError && !list && <p className="field-error" role="alert">{t('survey.loadError')}</p>}
      {!list && !listError && <p className="task-none">{t('survey.loading')}</p>}
      {list && houses.length === 0 && <p className="task-none">{t('survey.work.empty')}</p>}
      <ul className="field-survey-list">
        {houses.map(({ w, d }) => (
          <li key={w.buildingId}>
            <button type="button" onClick={() => pickItem(w)} data-testid="field-survey-house" data-building={w.buildingId}>
              <b>
                {w.focus && <span className="survey-focus">{t('survey.work.focus')}</span>} {w.villageName} #{w.buildingId}
              </b>
              <span>{d !== null ? t('survey.field.distance', { d: fmtMetres(d) }) : ''}</span>
              <span className="sub">
                {t('survey.floors', { n: w.floors })}
                {w.rented ? ` · ${t('survey.work.rented')}` : ''}
                {w.use ? ` · ${label('buildingUse', w.use)}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

export default FieldSurvey
