// The map screen: header, the synthetic-data notice, the map with its layer panel, search box,
// inspector and coordinate readout. The visible layers are kept in the URL (url-state.ts).
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError, getMeta, type Bbox, type Feature, type Meta, type SearchHit, type User } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { basemapLayers, loadBasemapSettings, saveBasemapSettings, type BasemapSettings } from '../map/basemaps.ts'
import {
  defaultOpacity,
  defaultVisibility,
  type CaseStats,
  type FeatureRef,
  type GroupId,
  type SwitchId,
  type ViewState,
  type Visibility,
} from '../map/groups.ts'
import type { MapView, Padding } from '../map/map-view.ts'
import { geometryBbox } from '../geo/bbox.ts'
import { getCase, type VersionedCase } from '../ledger-api.ts'
import { screenFromHash, viewsFor, visibilityFromHash, writeLayersToUrl, writeScreenToUrl, type ScreenView } from '../url-state.ts'
import { CasePanel } from './CasePanel.tsx'
import { LedgerPanel } from './LedgerPanel.tsx'
import { PatchesPane } from './PatchesPane.tsx'
import { BasemapDialog } from './BasemapDialog.tsx'
import { CoordinateReadout, createPointerStore } from './CoordinateReadout.tsx'
import { Header } from './Header.tsx'
import { Inspector } from './Inspector.tsx'
import { LayerPanel } from './LayerPanel.tsx'
import { MapPanel } from './MapPanel.tsx'
import { MissingDataNotice } from './MissingDataNotice.tsx'
import { SearchBox } from './SearchBox.tsx'
import { PlanningPanel } from './PlanningPanel.tsx'
import { TILE_SOURCES, type LayerKey } from '../onboarding-api.ts'
// Reference-data onboarding: administrators only, its own chunk.
const OnboardingPanel = lazy(() => import('./OnboardingPanel.tsx').then((m) => ({ default: m.OnboardingPanel })))
// The dashboard brings ECharts: its own chunk, loaded when the view opens.
const DashboardPanel = lazy(() => import('./DashboardPanel.tsx'))
// Dispatch (派工): planners and administrators, its own chunk; its assign form also opens from the inspector.
const DispatchPanel = lazy(() => import('./dispatch/DispatchPanel.tsx').then((m) => ({ default: m.DispatchPanel })))
const AssignDialog = lazy(() => import('./dispatch/AssignDialog.tsx').then((m) => ({ default: m.AssignDialog })))
// 举报受理, the public's reports: the office's roles (triage: planners and administrators), its own chunk.
const ReportsView = lazy(() => import('./reports/ReportsView.tsx').then((m) => ({ default: m.ReportsView })))
// 自建房排查, the house survey: everyone reads, surveyors write; its own chunk.
const SurveyView = lazy(() => import('./survey/SurveyView.tsx').then((m) => ({ default: m.SurveyView })))
const TASK_KIND_OF: Readonly<Record<string, 'case' | 'detection' | 'parcel'>> = { cases: 'case', detections: 'detection', parcels: 'parcel' }
const COLLECTION_OF_KIND = { case: 'cases', detection: 'detections', parcel: 'parcels' } as const

export interface MapScreenProps {
  user: User
  onLogout(): void
  /** The server said 401: the session expired. */
  onSessionLost(): void
}

/** Search results and inspected features are shown this close at most. */
const FLY_MAX_ZOOM = 17

export default function MapScreen({ user, onLogout, onSessionLost }: MapScreenProps) {
  const { t } = useI18n()
  const [meta, setMeta] = useState<Meta | null>(null)
  const [metaError, setMetaError] = useState<string | null>(null)
  const [stats, setStats] = useState<CaseStats | null>(null)
  const [view, setView] = useState<ViewState | null>(null)
  const [visibility, setVisibility] = useState<Visibility>(() => visibilityFromHash(window.location.hash) ?? defaultVisibility())
  const [opacity, setOpacity] = useState(defaultOpacity)
  const [basemap, setBasemap] = useState<BasemapSettings>(loadBasemapSettings)
  const [basemapDialog, setBasemapDialog] = useState(false)
  const [panelOpen, setPanelOpen] = useState(true)
  const [inspected, setInspected] = useState<FeatureRef | null>(null)
  const [selection, setSelection] = useState<Feature | null>(null)
  const [pointer] = useState(createPointerStore)
  const mapView = useRef<MapView | null>(null)
  const mapArea = useRef<HTMLElement>(null)
  const rasterLayers = useMemo(() => basemapLayers(basemap), [basemap])
  // The screen: the map alone or map + ledger, and the open case page; kept in the URL hash.
  const [screen, setScreen] = useState(() => screenFromHash(window.location.hash))
  const [selectedCase, setSelectedCase] = useState<number | null>(null)
  const [ledgerKey, setLedgerKey] = useState(0)
  const ledger = screen.view === 'ledger'
  useEffect(() => writeScreenToUrl(screen.view, screen.caseId), [screen])
  // A view the role does not have (a link from an administrator): the map instead.
  useEffect(() => {
    if (!viewsFor(user.role).includes(screen.view)) setScreen({ view: 'map', caseId: null })
  }, [screen.view, user.role])
  // Beside a table (or the reference data) the map is narrow: the layer panel starts folded there, open on the map alone.
  const splitView = screen.view === 'ledger' || screen.view === 'patches' || screen.view === 'onboarding' || screen.view === 'dispatch' || screen.view === 'reports' || screen.view === 'survey'
  useEffect(() => setPanelOpen(!splitView), [splitView])
  useEffect(() => {
    const onHash = () => {
      const next = screenFromHash(window.location.hash)
      setScreen((old) => (old.view === next.view && old.caseId === next.caseId ? old : next))
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const setScreenView = useCallback((view: ScreenView) => setScreen((s) => ({ view, caseId: view === 'ledger' ? s.caseId : null })), [])
  const openCase = useCallback((id: number) => setScreen({ view: 'ledger', caseId: id }), [])
  const closeCase = useCallback(() => setScreen((s) => ({ ...s, caseId: null })), [])

  // Read again after admin units are loaded: the district and its extent change.
  const [metaKey, setMetaKey] = useState(0)
  useEffect(() => {
    let live = true
    getMeta()
      .then((m) => live && setMeta(m))
      .catch((e: unknown) => {
        if (!live) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setMetaError(e instanceof Error ? e.message : String(e))
      })
    return () => {
      live = false
    }
  }, [onSessionLost, metaKey])

  // The layer list in the URL follows the switches; a URL edited by hand switches them, and one
  // without a list gets the current one back.
  const visibilityNow = useRef(visibility)
  useEffect(() => {
    visibilityNow.current = visibility
    writeLayersToUrl(visibility)
  }, [visibility])
  useEffect(() => {
    const onHash = () => {
      const v = visibilityFromHash(window.location.hash)
      if (!v) writeLayersToUrl(visibilityNow.current)
      else setVisibility((old) => (Object.keys(v).some((k) => v[k as SwitchId] !== old[k as SwitchId]) ? v : old))
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])

  const onIdle = useCallback((s: CaseStats, v: ViewState) => {
    setStats(s)
    setView(v)
  }, [])
  const onView = useCallback((v: ViewState) => setView(v), [])
  // The patches view's batch: the map draws only its patches (applied when the map comes, too).
  const batchShown = useRef<number | null>(null)
  const onReady = useCallback((v: MapView | null) => {
    mapView.current = v
    if (v && batchShown.current !== null) v.setTileFilter('detections', { batch: batchShown.current })
    setMapViewNow(v)
  }, [])
  // Planning and dashboard: the adapter as state (their panels start drawing / colour the map once
  // it exists), and the planning panel's first say on map clicks.
  const [mapViewNow, setMapViewNow] = useState<MapView | null>(null)
  const planningClick = useRef<((ref: FeatureRef | null) => boolean) | null>(null)
  // The patches view: a patch clicked on the map opens its page there.
  const patchClick = useRef<((id: number) => void) | null>(null)
  // The survey view: a building clicked on the map is offered for 建档 there.
  const surveyBuildingClick = useRef<((buildingId: number) => void) | null>(null)
  const setPlanningClick = useCallback((h: ((ref: FeatureRef | null) => boolean) | null) => {
    planningClick.current = h
  }, [])
  const onToggle = useCallback((id: SwitchId, on: boolean) => {
    setVisibility((vis) => ({ ...vis, [id]: on }))
  }, [])
  const onOpacity = useCallback((group: GroupId, value: number) => {
    setOpacity((o) => ({ ...o, [group]: value }))
  }, [])
  const onPointer = useCallback((p: [number, number] | null) => pointer.set(p), [pointer])
  const onInspectorLoaded = useCallback((f: Feature | null) => setSelection(f), [])
  /** Room the panels take over the map, so a fitted box stays in the clear. */
  const paddingFor = useCallback(
    (inspectorOpen: boolean): Padding => {
      const width = mapArea.current?.clientWidth ?? 0
      const wide = width > 720
      // The ledger's narrower map still has the layer panel over its left side.
      const panelLeft = panelOpen && width > 480 ? 290 : 40
      return {
        top: 64,
        bottom: 48,
        left: panelLeft,
        right: inspectorOpen && wide ? 380 : 60,
      }
    },
    [panelOpen],
  )
  /** A case chosen in the ledger (or on the map in the ledger view): outlined, and flown to. */
  const selectCase = useCallback(
    async (id: number, fly: boolean) => {
      setSelectedCase(id)
      try {
        const { data } = await getCase(id)
        setSelection({ type: 'Feature', id: data.id, geometry: data.geometry, properties: { collection: 'cases' } })
        const b = geometryBbox(data.geometry)
        if (fly && b) mapView.current?.fitBounds(b, { maxZoom: FLY_MAX_ZOOM, padding: paddingFor(false) })
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onSessionLost()
      }
    },
    [onSessionLost, paddingFor],
  )
  const onCaseChanged = useCallback(
    (c: VersionedCase) => {
      setLedgerKey((k) => k + 1)
      mapView.current?.refreshCases()
      if (c.data.id === selectedCase) setSelection({ type: 'Feature', id: c.data.id, geometry: c.data.geometry, properties: { collection: 'cases' } })
    },
    [selectedCase],
  )
  const closeInspector = useCallback(() => {
    setInspected(null)
    setSelection(null)
  }, [])
  // A click on nothing inspectable closes the inspector.
  // In the ledger view a case clicked on the map selects its row (the table pages to it), or, with
  // a case page open, opens the clicked case instead.
  const onFeatureClick = useCallback(
    (ref: FeatureRef | null) => {
      if (screen.view === 'planning' && planningClick.current?.(ref)) return
      if (screen.view === 'patches' && ref?.collection === 'detections' && patchClick.current) {
        setInspected(null)
        patchClick.current(Number(ref.id))
        return
      }
      if (screen.view === 'survey' && ref?.collection === 'buildings' && surveyBuildingClick.current) {
        setInspected(null)
        surveyBuildingClick.current(Number(ref.id))
        return
      }
      if (ledger && ref?.collection === 'cases') {
        const id = Number(ref.id)
        setInspected(null)
        void selectCase(id, false)
        if (screen.caseId !== null) openCase(id)
        return
      }
      if (ref) setInspected(ref)
      else closeInspector()
    },
    [closeInspector, ledger, selectCase, openCase, screen.caseId, screen.view],
  )

  const showBatch = useCallback((id: number | null) => {
    batchShown.current = id
    mapView.current?.setTileFilter('detections', id === null ? null : { batch: id })
  }, [])
  const flyTo = useCallback(
    (bbox: Bbox, inspectorOpen: boolean) => mapView.current?.fitBounds(bbox, { maxZoom: FLY_MAX_ZOOM, padding: paddingFor(inspectorOpen) }),
    [paddingFor],
  )

  const onSearchChoose = useCallback(
    (hit: SearchHit) => {
      const collection = hit.kind === 'case' ? 'cases' : hit.kind === 'detection' ? 'detections' : null
      flyTo(hit.bbox, collection !== null || inspected !== null)
      if (collection) setInspected({ collection, id: hit.id })
    },
    [flyTo, inspected],
  )

  /** A reference layer was written: its tiles (and what was derived from it) are fetched again. */
  const [loadsKey, setLoadsKey] = useState(0)
  const onLayerLoaded = useCallback((layer: LayerKey) => {
    setLoadsKey((k) => k + 1)
    if (layer === 'admin_units') setMetaKey((k) => k + 1)
    for (const id of TILE_SOURCES[layer]) mapView.current?.refreshCollection(id)
  }, [])
  const openLedger = useCallback(() => setScreen({ view: 'ledger', caseId: null }), [])
  const openOnboarding = useCallback(() => setScreen({ view: 'onboarding', caseId: null }), [])

  // 分派 from the inspector (planners and administrators): the assign form for the feature shown.
  const canDispatch = user.role === 'admin' || user.role === 'planner'
  const [assignTarget, setAssignTarget] = useState<{ kind: 'case' | 'detection' | 'parcel'; id: number; label: string; adminCode: string } | null>(null)
  const onAssign = useCallback((ref: FeatureRef, f: Feature) => {
    const kind = TASK_KIND_OF[ref.collection]
    const p = f.properties
    const label = [p.case_no, p.patch_no, p.parcel_no].find((v) => typeof v === 'string' && v) as string | undefined
    if (kind) setAssignTarget({ kind, id: Number(ref.id), label: label ?? `#${ref.id}`, adminCode: String(p.admin_code ?? user.scopeCode) })
  }, [user.scopeCode])
  const [assignedKey, setAssignedKey] = useState(0)
  const onAssigned = useCallback(() => {
    setAssignedKey((k) => k + 1)
    mapView.current?.refreshCollection('detections')
  }, [])
  // A dispatch row's target: flown to and opened in the inspector.
  const showTask = useCallback(
    (a: { target: { kind: 'case' | 'detection' | 'parcel'; id: number; bbox: number[] } }) => {
      const [w = 0, s = 0, e = 0, n = 0] = a.target.bbox
      flyTo([w, s, e, n], true)
      setInspected({ collection: COLLECTION_OF_KIND[a.target.kind], id: String(a.target.id) })
    },
    [flyTo],
  )

  const saveBasemap = useCallback((s: BasemapSettings) => {
    saveBasemapSettings(s)
    setBasemap(s)
    setBasemapDialog(false)
  }, [])

  return (
    <div className="app">
      <Header user={user} districtName={meta?.district?.name} onLogout={onLogout} view={screen.view} onView={setScreenView} />
      {meta?.sample?.synthetic && (
        <div className="notice" role="note" data-testid="synthetic-notice">
          {t('notice.synthetic')}
        </div>
      )}
      {(screen.view === 'map' || screen.view === 'dashboard') && (
        <MissingDataNotice canLoad={user.role === 'admin'} onOpenOnboarding={openOnboarding} refreshKey={loadsKey + ledgerKey} />
      )}
      <div className={ledger || screen.view === 'patches' ? 'workspace split' : screen.view === 'planning' ? 'workspace side' : screen.view === 'dashboard' ? 'workspace wide' : screen.view === 'onboarding' ? 'workspace onboard' : screen.view === 'dispatch' ? 'workspace dispatch' : screen.view === 'reports' ? 'workspace reports' : screen.view === 'survey' ? 'workspace survey' : 'workspace'}>
      <main className="map-area" ref={mapArea}>
        {metaError && (
          <div className="map-error" role="alert">
            {t('meta.error')}: {metaError}
          </div>
        )}
        {!meta && !metaError && (
          <div className="map-status" role="status">
            {t('map.loading')}
          </div>
        )}
        {meta && (
          <>
            <MapPanel
              meta={meta}
              visibility={visibility}
              opacity={opacity}
              basemap={rasterLayers}
              selection={selection}
              onIdle={onIdle}
              onView={onView}
              onFeatureClick={onFeatureClick}
              onPointer={onPointer}
              onReady={onReady}
              onSessionLost={onSessionLost}
            />
            <div className="map-left">
              <SearchBox onChoose={onSearchChoose} onSessionLost={onSessionLost} />
              <LayerPanel
                meta={meta}
                stats={stats}
                zoom={view?.zoom ?? null}
                visibility={visibility}
                opacity={opacity}
                basemap={basemap}
                onToggle={onToggle}
                onOpacity={onOpacity}
                onBasemapSettings={() => setBasemapDialog(true)}
                open={panelOpen}
                onOpenChange={setPanelOpen}
              />
            </div>
            {inspected && (
              <Inspector
                target={inspected}
                onClose={closeInspector}
                onLoaded={onInspectorLoaded}
                onOpen={(ref) => setInspected(ref)}
                onZoomTo={(bbox) => flyTo(bbox, true)}
                {...(canDispatch ? { onAssign } : {})}
              />
            )}
            <CoordinateReadout store={pointer} center={view?.center ?? null} zoom={view?.zoom ?? null} />
            <button
              type="button"
              className="reset-view"
              onClick={() => mapView.current?.fitDistrict()}
              title={t('map.resetView')}
              aria-label={t('map.resetView')}
              data-testid="reset-view"
            >
              <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
                <path d="M3 8V3h5M17 8V3h-5M3 12v5h5M17 12v5h-5" fill="none" stroke="currentColor" strokeWidth="2" />
              </svg>
            </button>
            {assignTarget && (
              <Suspense fallback={null}>
                <AssignDialog user={user} target={assignTarget} onClose={() => setAssignTarget(null)} onAssigned={onAssigned} onSessionLost={onSessionLost} />
              </Suspense>
            )}
            {basemapDialog && <BasemapDialog settings={basemap} onSave={saveBasemap} onClose={() => setBasemapDialog(false)} />}
          </>
        )}
      </main>
      {ledger && meta && (
        <aside className="ledger-pane" data-testid="ledger-pane">
          {screen.caseId !== null && (
            <CasePanel
              caseId={screen.caseId}
              meta={meta}
              onBack={closeCase}
              onChanged={onCaseChanged}
              onZoomTo={(b) => {
                void selectCase(screen.caseId!, false)
                mapView.current?.fitBounds(b, { maxZoom: FLY_MAX_ZOOM })
              }}
              onOpenCase={openCase}
              onPickPoint={() => mapView.current?.pickPoint() ?? Promise.resolve(null)}
              onCancelPick={() => mapView.current?.cancelPick()}
              onSessionLost={onSessionLost}
            />
          )}
          <div hidden={screen.caseId !== null} className="ledger-wrap">
            <LedgerPanel
              selectedId={selectedCase}
              refreshKey={ledgerKey}
              onSelect={(r) => void selectCase(r.id, true)}
              onOpen={openCase}
              canImport={user.role === 'admin' || user.role === 'planner'}
              onImported={() => mapView.current?.refreshCases()}
              onSessionLost={onSessionLost}
            />
          </div>
        </aside>
      )}
      {screen.view === 'planning' && meta && (
        <aside className="side-pane" data-testid="planning-pane">
          <PlanningPanel user={user} mapView={mapViewNow} setClickHandler={setPlanningClick} onSessionLost={onSessionLost} />
        </aside>
      )}
      {screen.view === 'patches' && meta && (
        <aside className="ledger-pane" data-testid="patches-pane">
          <PatchesPane
            meta={meta}
            user={user}
            onSelectFeature={setSelection}
            onFly={(b) => flyTo(b, false)}
            onBatch={showBatch}
            onDataChanged={(withCases) => {
              mapView.current?.refreshCollection('detections')
              if (withCases) mapView.current?.refreshCases()
            }}
            mapClick={patchClick}
            onOpenCase={openCase}
            onSessionLost={onSessionLost}
          />
        </aside>
      )}
      {screen.view === 'dashboard' && meta && (
        <aside className="side-pane" data-testid="dashboard-pane">
          <Suspense fallback={<p className="map-status">{t('dash.loading')}</p>}>
            <DashboardPanel user={user} mapView={mapViewNow} onSessionLost={onSessionLost} />
          </Suspense>
        </aside>
      )}
      {screen.view === 'dispatch' && canDispatch && (
        <aside className="side-pane" data-testid="dispatch-pane">
          <Suspense fallback={<p className="map-status">{t('app.loading')}</p>}>
            <DispatchPanel user={user} refreshKey={assignedKey} onShow={showTask} onSessionLost={onSessionLost} />
          </Suspense>
        </aside>
      )}
      {screen.view === 'reports' && viewsFor(user.role).includes('reports') && meta && (
        <aside className="side-pane" data-testid="reports-pane">
          <Suspense fallback={<p className="map-status">{t('app.loading')}</p>}>
            <ReportsView
              user={user}
              mapView={mapViewNow}
              onFly={(b) => flyTo(b, false)}
              onShowCase={(id) => setInspected({ collection: 'cases', id: String(id) })}
              onOpenCase={openCase}
              onCasesChanged={() => mapView.current?.refreshCases()}
              onSessionLost={onSessionLost}
            />
          </Suspense>
        </aside>
      )}
      {screen.view === 'survey' && meta && (
        <aside className="side-pane" data-testid="survey-pane">
          <Suspense fallback={<p className="map-status">{t('app.loading')}</p>}>
            <SurveyView
              user={user}
              mapView={mapViewNow}
              onFly={(b) => flyTo(b, false)}
              onSelectFeature={setSelection}
              buildingClick={surveyBuildingClick}
              onOpenCase={openCase}
              onCasesChanged={() => mapView.current?.refreshCases()}
              onSessionLost={onSessionLost}
            />
          </Suspense>
        </aside>
      )}
      {screen.view === 'onboarding' && user.role === 'admin' && (
        <aside className="side-pane" data-testid="onboarding-pane">
          <Suspense fallback={<p className="map-status">{t('app.loading')}</p>}>
            <OnboardingPanel
              adminTiles={meta?.layers.find((l) => l.id === 'admin-units')?.tiles ?? null}
              onLoaded={onLayerLoaded}
              onOpenLedger={openLedger}
              onSessionLost={onSessionLost}
            />
          </Suspense>
        </aside>
      )}
      </div>
    </div>
  )
}
