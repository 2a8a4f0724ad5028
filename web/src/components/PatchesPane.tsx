// The patches view beside the map: the list of a batch, one patch's page, the batch dashboard or
// the import wizard. A row chosen in the list is outlined and flown to on the map; a patch clicked
// on the map (MapScreen calls `onMapPatch`) opens its page. Batch and patch live in the URL hash.
import { useCallback, useEffect, useRef, useState, type MutableRefObject } from 'react'
import { ApiError, type Bbox, type Feature, type Meta, type User } from '../api.ts'
import { getPatch, listBatches, type BatchSummary, type DetectionListRow, type VersionedPatch } from '../patches-api.ts'
import { patchScreenFromHash, writePatchScreenToUrl } from '../url-state.ts'
import { BatchDashboard } from './BatchDashboard.tsx'
import { ImportWizard } from './ImportWizard.tsx'
import { PatchesPanel } from './PatchesPanel.tsx'
import { PatchPanel } from './PatchPanel.tsx'

const ACTORS = ['admin', 'planner', 'field']
const IMPORTERS = ['admin', 'planner']

export interface PatchesPaneProps {
  meta: Meta
  user: User
  /** Show a patch outline on the map (null clears it). */
  onSelectFeature(f: Feature | null): void
  /** Fly the map to a box. */
  onFly(bbox: Bbox): void
  /** The batch shown (null: none, or leaving the view): the map draws only its patches. */
  onBatch(batchId: number | null): void
  /** The patches' tiles changed (a verification): fetch them again; `cases` too when a case was opened. */
  onDataChanged(withCases: boolean): void
  /** MapScreen hands map clicks on patches to this function. */
  mapClick: MutableRefObject<((id: number) => void) | null>
  onOpenCase(id: number): void
  onSessionLost(): void
}

type Mode = 'list' | 'dashboard' | 'import'

export function PatchesPane({ meta, user, onSelectFeature, onFly, onBatch, onDataChanged, mapClick, onOpenCase, onSessionLost }: PatchesPaneProps) {
  const initial = patchScreenFromHash(window.location.hash)
  const [batches, setBatches] = useState<BatchSummary[]>([])
  const [batchId, setBatchId] = useState<number | null>(initial.batchId)
  const [patchId, setPatchId] = useState<number | null>(initial.patchId)
  const [selected, setSelected] = useState<number | null>(initial.patchId)
  const [mode, setMode] = useState<Mode>('list')
  const [refreshKey, setRefreshKey] = useState(0)
  const loaded = useRef(false)

  const loadBatches = useCallback(
    async (prefer?: number) => {
      try {
        const list = await listBatches()
        setBatches(list)
        setBatchId((cur) => prefer ?? (cur !== null && list.some((b) => b.id === cur) ? cur : (list[0]?.id ?? null)))
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onSessionLost()
      }
    },
    [onSessionLost],
  )
  useEffect(() => {
    if (loaded.current) return
    loaded.current = true
    void loadBatches()
  }, [loadBatches])
  useEffect(() => writePatchScreenToUrl(batchId, patchId), [batchId, patchId])
  useEffect(() => onBatch(batchId), [batchId, onBatch])
  useEffect(() => () => onBatch(null), [onBatch])
  useEffect(() => () => writePatchScreenToUrl(null, null), [])

  const outline = useCallback(
    (geometry: Feature['geometry'], id: number) => onSelectFeature({ type: 'Feature', id, geometry, properties: { collection: 'detections' } }),
    [onSelectFeature],
  )
  /** Outline a patch on the map and, from the list, fly to it. */
  const select = useCallback(
    async (id: number, fly: boolean) => {
      setSelected(id)
      try {
        const { data } = await getPatch(id)
        outline(data.geometry, data.id)
        if (fly) onFly(data.bbox)
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onSessionLost()
      }
    },
    [outline, onFly, onSessionLost],
  )
  const open = useCallback(
    (id: number, fromMap = false) => {
      setPatchId(id)
      setMode('list')
      void select(id, !fromMap)
    },
    [select],
  )
  useEffect(() => {
    mapClick.current = (id) => open(id, true)
    return () => {
      mapClick.current = null
    }
  }, [mapClick, open])
  const onSelectRow = useCallback((row: DetectionListRow) => void select(row.id, true), [select])
  const onChanged = useCallback(
    (p: VersionedPatch) => {
      setRefreshKey((k) => k + 1)
      outline(p.data.geometry, p.data.id)
      onDataChanged(p.data.result === 'violation')
      void loadBatches()
    },
    [outline, onDataChanged, loadBatches],
  )
  const batch = batches.find((b) => b.id === batchId) ?? null
  const canAct = ACTORS.includes(user.role)

  if (mode === 'import') {
    return (
      <ImportWizard
        adminTiles={meta.layers.find((l) => l.id === 'admin-units')?.tiles ?? null}
        onClose={() => setMode('list')}
        onImported={(id) => {
          setMode('list')
          setPatchId(null)
          void loadBatches(id)
          onDataChanged(false)
        }}
      />
    )
  }
  if (mode === 'dashboard' && batchId !== null) {
    return (
      <BatchDashboard
        batchId={batchId}
        refreshKey={refreshKey}
        canEdit={IMPORTERS.includes(user.role)}
        onBatchChanged={() => void loadBatches()}
        onBack={() => setMode('list')}
        onSessionLost={onSessionLost}
      />
    )
  }
  return (
    <>
      {patchId !== null && (
        <PatchPanel
          patchId={patchId}
          imagery={batch?.imagery ?? null}
          canAct={canAct}
          canReopen={IMPORTERS.includes(user.role)}
          onBack={() => setPatchId(null)}
          onChanged={onChanged}
          onZoomTo={(b) => {
            onFly(b)
          }}
          onOpenCase={onOpenCase}
          onSessionLost={onSessionLost}
        />
      )}
      <div hidden={patchId !== null} className="ledger-wrap">
        <PatchesPanel
          batches={batches}
          batchId={batchId}
          onBatch={(id) => {
            setBatchId(id)
            setPatchId(null)
          }}
          selectedId={selected}
          refreshKey={refreshKey}
          canImport={IMPORTERS.includes(user.role)}
          onSelect={onSelectRow}
          onOpen={(id) => open(id)}
          onDashboard={() => setMode('dashboard')}
          onImport={() => setMode('import')}
          onSessionLost={onSessionLost}
        />
      </div>
    </>
  )
}
