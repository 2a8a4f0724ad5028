// A zone made or edited: its shape drawn on the map (or the union of picked villages / parcels,
// which the server builds), its name, type, period, responsible unit and targets. Saving a new
// zone POSTs it; an edit PATCHes only what changed, with If-Match (a stale version is refused and
// said so).
import { useEffect, useRef, useState } from 'react'
import { ApiError } from '../api.ts'
import { createZone, updateZone, type VersionedZone, type ZoneFields, type ZoneShape, type ZoneTargets, type ZoneType } from '../analysis-api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { FeatureRef } from '../map/groups.ts'
import type { MapView } from '../map/map-view.ts'
import { PlanningDrawTools, type Drawing } from './PlanningDraw.tsx'
import { PlanningStats } from './PlanningStats.tsx'
import { ZoneTypeOptions } from './ZoneTypeOptions.tsx'

type ShapeMode = 'draw' | 'villages' | 'parcels'
const VILLAGE_CODE = /^\d{12}$/

export interface ZoneEditorProps {
  zone: VersionedZone | null
  drawing: Drawing
  mapView: MapView | null
  /** Takes map clicks while picking villages or parcels (null: give them back). */
  setClickHandler(handler: ((ref: FeatureRef | null) => boolean) | null): void
  onSaved(zone: VersionedZone): void
  onCancel(): void
  onSessionLost(): void
}

interface Form {
  name: string
  zoneType: ZoneType
  periodStart: string
  periodEnd: string
  responsibleUnit: string
  demolishedArea: string
  casesClosed: string
  regreenedArea: string
}

function formOf(z: VersionedZone | null): Form {
  const d = z?.data
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v))
  return {
    name: d?.name ?? '',
    zoneType: d?.zoneType ?? 'rectification_area',
    periodStart: d?.periodStart ?? '',
    periodEnd: d?.periodEnd ?? '',
    responsibleUnit: d?.responsibleUnit ?? '',
    demolishedArea: num(d?.targets.demolishedArea),
    casesClosed: num(d?.targets.casesClosed),
    regreenedArea: num(d?.targets.regreenedArea),
  }
}

function fieldsOf(f: Form): ZoneFields {
  const num = (s: string) => (s.trim() === '' ? null : Number(s))
  const targets: ZoneTargets = {}
  for (const k of ['demolishedArea', 'casesClosed', 'regreenedArea'] as const) {
    const v = num(f[k])
    if (v !== null) targets[k] = v
  }
  return {
    name: f.name.trim(),
    zoneType: f.zoneType,
    periodStart: f.periodStart || null,
    periodEnd: f.periodEnd || null,
    responsibleUnit: f.responsibleUnit.trim() || null,
    targets,
  }
}

export function ZoneEditor({ zone, drawing, mapView, setClickHandler, onSaved, onCancel, onSessionLost }: ZoneEditorProps) {
  const { t } = useI18n()
  const [form, setForm] = useState<Form>(() => formOf(zone))
  const [mode, setMode] = useState<ShapeMode>('draw')
  const [picked, setPicked] = useState<string[]>([])
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<{ message: string; field?: string; stale?: boolean } | null>(null)
  const { controller } = drawing
  const baseline = useRef<string | null>(null)

  // The drawing starts with the zone's shape (edit) or empty with the polygon tool (new).
  const zoneId = zone?.data.id ?? null
  useEffect(() => {
    if (!controller) return
    controller.load(zone?.data.geometry ?? null)
    baseline.current = JSON.stringify(controller.state().geometry)
    drawing.setTool(zone ? 'select' : 'polygon')
    // Only when the zone or the controller changes, not on every render of `drawing`.
  }, [controller, zoneId])

  // Picking: clicks on villages (admin units with a 12-digit code) or parcels toggle them.
  useEffect(() => {
    if (mode === 'draw') {
      setClickHandler(null)
      return
    }
    setClickHandler((ref) => {
      if (!ref) return true
      const ok = mode === 'villages' ? ref.collection === 'admin-units' && VILLAGE_CODE.test(ref.id) : ref.collection === 'parcels'
      if (ok) setPicked((p) => (p.includes(ref.id) ? p.filter((x) => x !== ref.id) : [...p, ref.id]))
      return true
    })
    return () => setClickHandler(null)
  }, [mode, setClickHandler])
  useEffect(() => {
    if (!mapView) return
    mapView.setHighlight({ kind: 'picked', collection: mode === 'parcels' ? 'parcels' : 'admin-units', ids: mode === 'draw' ? [] : picked })
  }, [mapView, mode, picked])
  useEffect(() => () => mapView?.setHighlight({ kind: 'picked', collection: 'admin-units', ids: [] }), [mapView])

  const chooseMode = (m: ShapeMode) => {
    setMode(m)
    setPicked([])
    drawing.setTool(m === 'draw' ? 'polygon' : 'none')
  }

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }))
  const geometry = drawing.state.geometry
  const geometryChanged = geometry !== null && JSON.stringify(geometry) !== baseline.current

  const save = async () => {
    setError(null)
    const fields = fieldsOf(form)
    if (!fields.name) {
      setError({ message: t('plan.zone.nameRequired'), field: 'name' })
      return
    }
    let shape: ZoneShape | null = null
    if (mode === 'villages' && picked.length) shape = { fromVillages: picked }
    else if (mode === 'parcels' && picked.length) shape = { fromParcels: picked.map(Number) }
    else if (mode === 'draw' && geometry) shape = { geometry }
    if (!zone && !shape) {
      setError({ message: t('plan.zone.shapeRequired'), field: 'geometry' })
      return
    }
    setSaving(true)
    try {
      let saved: VersionedZone
      if (!zone) saved = await createZone(fields, shape!)
      else {
        const before = fieldsOf(formOf(zone))
        const body: Record<string, unknown> = {}
        for (const k of Object.keys(fields) as (keyof ZoneFields)[]) {
          if (JSON.stringify(fields[k]) !== JSON.stringify(before[k])) body[k] = fields[k]
        }
        if (shape && ('geometry' in shape ? geometryChanged : true)) Object.assign(body, shape)
        if (Object.keys(body).length === 0) {
          onSaved(zone)
          return
        }
        saved = await updateZone(zone.data.id, zone.etag, body)
      }
      onSaved(saved)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else if (e instanceof ApiError && e.status === 412) setError({ message: t('plan.zone.stale'), stale: true })
      else if (e instanceof ApiError) setError({ message: e.message, ...(e.problem?.field ? { field: e.problem.field } : {}) })
      else setError({ message: e instanceof Error ? e.message : String(e) })
    } finally {
      setSaving(false)
    }
  }

  const fieldError = (f: string) =>
    error?.field === f || error?.field?.startsWith(`${f}.`) ? (
      <span className="field-error" role="alert" data-testid={`zone-error-${f}`}>
        {error.message}
      </span>
    ) : null

  return (
    <section className="plan-editor" data-testid="zone-editor" data-zone-id={zone?.data.id ?? ''}>
      <h3>{zone ? t('plan.zone.editTitle', { name: zone.data.name }) : t('plan.zone.newTitle')}</h3>
      <div className="plan-shape-modes" role="radiogroup" aria-label={t('plan.zone.shapeFrom')}>
        {(['draw', 'villages', 'parcels'] as const).map((m) => (
          <label key={m} className="plan-check">
            <input type="radio" name="shape-mode" checked={mode === m} onChange={() => chooseMode(m)} data-testid={`shape-${m}`} />
            {t(`plan.zone.shape.${m}`)}
          </label>
        ))}
      </div>
      {mode === 'draw' ? (
        <PlanningDrawTools drawing={drawing} />
      ) : (
        <div className="plan-picked" data-testid="picked" data-count={picked.length}>
          <p className="plan-hint">{mode === 'villages' ? t('plan.zone.pickVillagesHint') : t('plan.zone.pickParcelsHint')}</p>
          <p>
            {t('plan.zone.picked', { n: picked.length })}
            {picked.length > 0 && (
              <button type="button" className="link-button" onClick={() => setPicked([])}>
                {t('plan.clear')}
              </button>
            )}
          </p>
        </div>
      )}
      {fieldError('geometry')}
      {fieldError('fromVillages')}
      {fieldError('fromParcels')}
      <div className="plan-form">
        <label>
          {t('plan.zone.name')}
          <input value={form.name} onChange={(e) => set('name', e.target.value)} data-testid="zone-name" required />
          {fieldError('name')}
        </label>
        <label>
          {t('plan.zone.type')}
          <select value={form.zoneType} onChange={(e) => set('zoneType', e.target.value as ZoneType)} data-testid="zone-type">
            <ZoneTypeOptions />
          </select>
        </label>
        <div className="plan-form-row">
          <label>
            {t('plan.zone.periodStart')}
            <input type="date" value={form.periodStart} onChange={(e) => set('periodStart', e.target.value)} data-testid="zone-period-start" />
            {fieldError('periodStart')}
          </label>
          <label>
            {t('plan.zone.periodEnd')}
            <input type="date" value={form.periodEnd} onChange={(e) => set('periodEnd', e.target.value)} data-testid="zone-period-end" />
            {fieldError('periodEnd')}
          </label>
        </div>
        <label>
          {t('plan.zone.responsibleUnit')}
          <input value={form.responsibleUnit} onChange={(e) => set('responsibleUnit', e.target.value)} data-testid="zone-unit" />
        </label>
        <fieldset className="plan-targets">
          <legend>{t('plan.zone.targets')}</legend>
          <label>
            {t('plan.target.demolishedArea')}
            <input type="number" min="0" step="any" value={form.demolishedArea} onChange={(e) => set('demolishedArea', e.target.value)} data-testid="zone-target-demolished" />
          </label>
          <label>
            {t('plan.target.casesClosed')}
            <input type="number" min="0" step="1" value={form.casesClosed} onChange={(e) => set('casesClosed', e.target.value)} data-testid="zone-target-closed" />
          </label>
          <label>
            {t('plan.target.regreenedArea')}
            <input type="number" min="0" step="any" value={form.regreenedArea} onChange={(e) => set('regreenedArea', e.target.value)} data-testid="zone-target-regreened" />
          </label>
          {fieldError('targets')}
        </fieldset>
      </div>
      {error && !error.field && (
        <p className={error.stale ? 'form-error stale' : 'form-error'} role="alert" data-testid="zone-error">
          {error.message}
        </p>
      )}
      <div className="form-buttons">
        <button type="button" onClick={onCancel} data-testid="zone-cancel">
          {t('plan.cancel')}
        </button>
        <button type="button" className="primary" disabled={saving} onClick={() => void save()} data-testid="zone-save">
          {saving ? t('plan.saving') : t('plan.save')}
        </button>
      </div>
      {mode === 'draw' && (
        <details className="plan-live-stats" open>
          <summary>{t('plan.stats.liveTitle')}</summary>
          <PlanningStats geometry={geometry} onSessionLost={onSessionLost} />
        </details>
      )}
    </section>
  )
}
