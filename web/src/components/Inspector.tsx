// The feature inspector: the attributes of one feature, read from OGC API Features
// (/ogc/collections/{id}/items/{featureId}), labelled from the collection's queryables (`title`,
// Chinese) or the English dictionary, coded values translated by i18n (codes.ts domains).
import { useEffect, useState, type ReactNode } from 'react'
import { getFeature, getQueryables, type Bbox, type Feature, type QueryableProperty, type Queryables } from '../api.ts'
import { PROPERTY_DOMAINS, REFERENCE_PROPERTIES } from '../codes.ts'
import { geometryBbox } from '../geo/bbox.ts'
import { useI18n, type I18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import type { FeatureRef } from '../map/groups.ts'

/** The layer name of each collection, for the inspector's heading. */
const COLLECTION_LABELS: Readonly<Record<string, MessageKey>> = {
  'admin-units': 'layer.admin',
  parcels: 'layer.parcels',
  buildings: 'layer.buildings',
  roads: 'layer.roads',
  waters: 'layer.waters',
  'reference-areas': 'layer.referenceAreas',
  cases: 'layer.cases',
  detections: 'layer.detections',
  zones: 'layer.zones',
  'buffer-zones': 'layer.bufferZones',
}

export interface InspectorProps {
  target: FeatureRef
  onClose(): void
  /** The feature as read (null while loading or after a failure): the map outlines it. */
  onLoaded(feature: Feature | null): void
  /** A linked feature (its parcel, its case, its village) was chosen. */
  onOpen(ref: FeatureRef): void
  onZoomTo(bbox: Bbox): void
  /** 分派 (planners, administrators): give the case, patch or parcel shown to a team or a person. */
  onAssign?(ref: FeatureRef, feature: Feature): void
}

/** The collections whose features can be assigned as field work. */
const ASSIGNABLE = new Set(['cases', 'detections', 'parcels'])

type State =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ok'; feature: Feature; queryables: Queryables | null }

/** The label of a property: the queryables' Chinese title, or the dictionary's English one. */
export function propertyLabel(i18n: Pick<I18n, 'lang' | 'lookup'>, collection: string, name: string, q: QueryableProperty | undefined): string {
  const fromDictionary = i18n.lookup(`prop.${collection}.${name}`) ?? i18n.lookup(`prop.${name}`)
  if (i18n.lang === 'zh-CN') return q?.title ?? fromDictionary ?? name
  return fromDictionary ?? q?.title ?? name
}

/** A value as a person reads it: coded values translated, yes/no, dates and numbers localised. */
export function formatValue(i18n: Pick<I18n, 'lang' | 't' | 'label'>, collection: string, name: string, value: unknown, q: QueryableProperty | undefined): string {
  if (value === null || value === undefined || value === '') return i18n.t('value.none')
  if (typeof value === 'boolean') return i18n.t(value ? 'value.yes' : 'value.no')
  const domain = PROPERTY_DOMAINS[collection]?.[name]
  if (domain) return i18n.label(domain, String(value))
  if (q?.format === 'date-time' && typeof value === 'string') {
    const d = new Date(value)
    if (!Number.isNaN(d.getTime())) return new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
  }
  if (typeof value === 'number') {
    if (q?.type === 'number' || /population/.test(name)) return new Intl.NumberFormat(i18n.lang, { maximumFractionDigits: 2 }).format(value)
    return String(value)
  }
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function headingOf(feature: Feature): string {
  const p = feature.properties
  for (const key of ['name', 'case_no', 'patch_no', 'parcel_no']) {
    const v = p[key]
    if (typeof v === 'string' && v) return v
  }
  return `#${String(feature.id)}`
}

/** Admin unit names by code, fetched once per page. */
const adminNames = new Map<string, Promise<string | null>>()
function adminName(code: string): Promise<string | null> {
  let p = adminNames.get(code)
  if (!p) {
    p = getFeature('admin-units', code).then(
      (f) => (typeof f.properties['name'] === 'string' ? f.properties['name'] : null),
      () => null,
    )
    adminNames.set(code, p)
  }
  return p
}

function AdminName({ code }: { code: string }) {
  const [name, setName] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    void adminName(code).then((n) => live && setName(n))
    return () => {
      live = false
    }
  }, [code])
  return name ? <>{name}（{code}）</> : <>{code}</>
}

export function Inspector({ target, onClose, onLoaded, onOpen, onZoomTo, onAssign }: InspectorProps) {
  const i18n = useI18n()
  const { t } = i18n
  const [state, setState] = useState<State>({ status: 'loading' })

  useEffect(() => {
    const ctrl = new AbortController()
    setState({ status: 'loading' })
    onLoaded(null)
    Promise.all([getFeature(target.collection, target.id, ctrl.signal), getQueryables(target.collection).catch(() => null)])
      .then(([feature, queryables]) => {
        if (ctrl.signal.aborted) return
        setState({ status: 'ok', feature, queryables })
        onLoaded(feature)
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return
        setState({ status: 'error', message: e instanceof Error ? e.message : String(e) })
      })
    return () => ctrl.abort()
    // onLoaded is the parent's stable callback; a new target is what starts a new read.
  }, [target.collection, target.id])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [onClose])

  const layerKey = COLLECTION_LABELS[target.collection]
  const layerName = layerKey ? t(layerKey) : target.collection

  let body
  if (state.status === 'loading') {
    body = <p className="inspector-status">{t('inspector.loading')}</p>
  } else if (state.status === 'error') {
    body = (
      <p className="inspector-status error" role="alert" data-testid="inspector-error">
        {t('inspector.error')}: {state.message}
      </p>
    )
  } else {
    const { feature, queryables } = state
    const schema = queryables?.properties ?? {}
    const names = [...Object.keys(schema).filter((n) => n !== 'geometry' && n in feature.properties)]
    for (const n of Object.keys(feature.properties)) if (!names.includes(n)) names.push(n)
    const bbox = geometryBbox(feature.geometry)
    body = (
      <>
        <div className="inspector-heading">
          <h3 data-testid="inspector-heading">{headingOf(feature)}</h3>
          {bbox && (
            <button type="button" className="link-button" onClick={() => onZoomTo(bbox)} data-testid="inspector-zoom">
              {t('inspector.zoomTo')}
            </button>
          )}
          {onAssign && ASSIGNABLE.has(target.collection) && (
            <button type="button" className="link-button" onClick={() => onAssign(target, feature)} data-testid="inspector-assign">
              {t('dispatch.assign.one')}
            </button>
          )}
        </div>
        <table className="attributes">
          <tbody>
            {names.map((name) => {
              const q = schema[name]
              const value = feature.properties[name]
              const ref = REFERENCE_PROPERTIES[name]
              const text = formatValue(i18n, target.collection, name, value, q)
              let cell: ReactNode = text
              if (ref && value !== null && value !== undefined && value !== '') {
                const id = String(value)
                cell = (
                  <button type="button" className="link-button" onClick={() => onOpen({ collection: ref, id })} title={t('inspector.open')}>
                    {ref === 'admin-units' ? <AdminName code={id} /> : text}
                  </button>
                )
              }
              return (
                <tr key={name} data-testid={`attr-${name}`}>
                  <th scope="row" title={name}>
                    {propertyLabel(i18n, target.collection, name, q)}
                  </th>
                  <td>{cell}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </>
    )
  }

  return (
    <aside
      className="inspector"
      aria-label={t('inspector.title')}
      data-testid="inspector"
      data-collection={target.collection}
      data-feature-id={target.id}
      data-state={state.status}
    >
      <div className="panel-head">
        <h2>
          {t('inspector.title')} <small>{layerName}</small>
        </h2>
        <button type="button" className="panel-toggle" onClick={onClose} title={t('inspector.close')} aria-label={t('inspector.close')} data-testid="inspector-close">
          ×
        </button>
      </div>
      {body}
    </aside>
  )
}
