// The planning view (规划): zones (list, one zone with its figures and history, the editor that
// draws on the map), statistics of any drawn area, targets per admin unit, and key villages. Sits
// beside the map as the ledger does; talks to the map only through the MapView adapter.
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, getFeature, type User } from '../api.ts'
import { getZone, listZones, type VersionedZone, type Zone } from '../analysis-api.ts'
import { geometryBbox } from '../geo/bbox.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { FeatureRef } from '../map/groups.ts'
import type { MapView, Padding } from '../map/map-view.ts'
import { KeyVillagesPanel } from './KeyVillagesPanel.tsx'
import { PlanningDrawTools, useDrawing } from './PlanningDraw.tsx'
import { PlanningStats } from './PlanningStats.tsx'
import { TargetsPanel } from './TargetsPanel.tsx'
import { ZoneDetail } from './ZoneDetail.tsx'
import { ZoneEditor } from './ZoneEditor.tsx'
import { ZoneList } from './ZoneList.tsx'

const TABS = ['zones', 'stats', 'targets', 'keyVillages'] as const
type Tab = (typeof TABS)[number]
const EDITORS = new Set(['admin', 'planner'])
const FIT: { maxZoom: number; padding: Padding } = { maxZoom: 16, padding: { top: 60, right: 60, bottom: 40, left: 60 } }

export interface PlanningPanelProps {
  user: User
  mapView: MapView | null
  /** Map clicks go to this handler first while the planning view is open (true: it took the click). */
  setClickHandler(handler: ((ref: FeatureRef | null) => boolean) | null): void
  onSessionLost(): void
}

type ZonePane = { kind: 'list' } | { kind: 'detail'; zone: VersionedZone } | { kind: 'edit'; zone: VersionedZone | null }

export function PlanningPanel({ user, mapView, setClickHandler, onSessionLost }: PlanningPanelProps) {
  const { t } = useI18n()
  const [tab, setTab] = useState<Tab>('zones')
  const [pane, setPane] = useState<ZonePane>({ kind: 'list' })
  const [zones, setZones] = useState<Zone[] | null>(null)
  const [zonesError, setZonesError] = useState<string | null>(null)
  const [zonesKey, setZonesKey] = useState(0)
  const [year, setYear] = useState(() => new Date().getFullYear())
  const drawing = useDrawing(mapView)
  const canEdit = EDITORS.has(user.role)

  const fail = useCallback(
    (e: unknown, set: (m: string) => void) => {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else set(e instanceof Error ? e.message : String(e))
    },
    [onSessionLost],
  )

  useEffect(() => {
    const abort = new AbortController()
    listZones({}, abort.signal).then(
      (z) => !abort.signal.aborted && setZones(z),
      (e: unknown) => !abort.signal.aborted && fail(e, setZonesError),
    )
    return () => abort.abort()
  }, [zonesKey, fail])

  // The drawing is only on while a zone is edited or an area is measured.
  const drawingOn = (tab === 'zones' && pane.kind === 'edit') || tab === 'stats'
  const { controller } = drawing
  useEffect(() => {
    if (!controller || drawingOn) return
    controller.setTool('none')
    controller.clear()
  }, [controller, drawingOn])

  const fitTo = useCallback((g: Parameters<typeof geometryBbox>[0]) => {
    const b = geometryBbox(g)
    if (b) mapView?.fitBounds(b, FIT)
  }, [mapView])

  const openZone = useCallback(
    async (id: number, fly = true) => {
      try {
        const z = await getZone(id)
        setPane({ kind: 'detail', zone: z })
        if (fly && z.data.geometry) fitTo(z.data.geometry)
      } catch (e) {
        fail(e, setZonesError)
      }
    },
    [fail, fitTo],
  )

  const onUnit = useCallback(
    async (code: string) => {
      try {
        const f = await getFeature('admin-units', code)
        fitTo(f.geometry)
      } catch (e) {
        fail(e, setZonesError)
      }
    },
    [fail, fitTo],
  )

  // Map clicks: to the editor while it picks villages or parcels; swallowed while drawing (they are
  // the drawing's); outside the editor a click on a zone opens it; anything else to the inspector.
  const pickHandler = useRef<((ref: FeatureRef | null) => boolean) | null>(null)
  const setPickHandler = useCallback((h: ((ref: FeatureRef | null) => boolean) | null) => {
    pickHandler.current = h
  }, [])
  useEffect(() => {
    setClickHandler((ref) => {
      if (pickHandler.current) return pickHandler.current(ref)
      if (drawingOn) return true
      if (tab === 'zones' && ref?.collection === 'zones') {
        void openZone(Number(ref.id), false)
        return true
      }
      return false
    })
  }, [setClickHandler, drawingOn, tab, openZone])
  useEffect(() => () => setClickHandler(null), [setClickHandler])

  const saved = (z: VersionedZone) => {
    setPane({ kind: 'detail', zone: z })
    setZonesKey((k) => k + 1)
    mapView?.refreshCollection('zones')
  }

  return (
    <div className="planning" data-testid="planning">
      <nav className="plan-tabs" role="tablist" aria-label={t('plan.title')}>
        {TABS.map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} className={tab === x ? 'active' : undefined} onClick={() => setTab(x)} data-testid={`plan-tab-${x}`}>
            {t(`plan.tab.${x}`)}
          </button>
        ))}
      </nav>
      <div className="plan-body">
        {tab === 'zones' && pane.kind === 'list' && (
          <ZoneList
            zones={zones}
            error={zonesError}
            canEdit={canEdit}
            selectedId={null}
            onOpen={(id) => void openZone(id)}
            onNew={() => setPane({ kind: 'edit', zone: null })}
            onImported={() => {
              setZonesKey((k) => k + 1)
              mapView?.refreshCollection('zones')
            }}
            onSessionLost={onSessionLost}
          />
        )}
        {tab === 'zones' && pane.kind === 'detail' && (
          <>
            <button type="button" className="link-button" onClick={() => setPane({ kind: 'list' })} data-testid="zone-back">
              ← {t('plan.zone.back')}
            </button>
            <ZoneDetail
              zone={pane.zone}
              canEdit={canEdit}
              onEdit={() => setPane({ kind: 'edit', zone: pane.zone })}
              onDeleted={() => {
                setPane({ kind: 'list' })
                setZonesKey((k) => k + 1)
                mapView?.refreshCollection('zones')
              }}
              onZoomTo={() => pane.zone.data.geometry && fitTo(pane.zone.data.geometry)}
              onSessionLost={onSessionLost}
            />
          </>
        )}
        {tab === 'zones' && pane.kind === 'edit' && (
          <ZoneEditor
            key={pane.zone?.data.id ?? 'new'}
            zone={pane.zone}
            drawing={drawing}
            mapView={mapView}
            setClickHandler={setPickHandler}
            onSaved={saved}
            onCancel={() => setPane(pane.zone ? { kind: 'detail', zone: pane.zone } : { kind: 'list' })}
            onSessionLost={onSessionLost}
          />
        )}
        {tab === 'stats' && (
          <section className="plan-any-area" data-testid="any-area">
            <p className="plan-hint">{t('plan.stats.anyAreaHint')}</p>
            <PlanningDrawTools drawing={drawing} />
            <PlanningStats geometry={drawing.state.geometry} onSessionLost={onSessionLost} />
          </section>
        )}
        {tab === 'targets' && <TargetsPanel year={year} onYear={setYear} onUnit={(c) => void onUnit(c)} onSessionLost={onSessionLost} />}
        {tab === 'keyVillages' && <KeyVillagesPanel mapView={mapView} onUnit={(c) => void onUnit(c)} onSessionLost={onSessionLost} />}
      </div>
    </div>
  )
}
