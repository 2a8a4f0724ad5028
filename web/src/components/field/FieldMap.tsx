// The phone's map: every layer as on the desktop (from the network, or offline from the
// downloaded area), the task outlined and framed, a patch over its batch's after image.
import { useEffect, useRef, useState } from 'react'
import { getFeature, type Feature, type Meta } from '../../api.ts'
import type { Task } from '../../field-api.ts'
import { defaultOpacity, defaultVisibility } from '../../map/groups.ts'
import type { RasterLayer } from '../../map/basemaps.ts'
import type { MapView } from '../../map/map-view.ts'
import { MapPanel } from '../MapPanel.tsx'
import { afterImageryLayer, taskImagery } from './task-imagery.ts'

const COLLECTION: Readonly<Record<Task['target']['kind'], string>> = { case: 'cases', detection: 'detections', parcel: 'parcels' }
const VISIBILITY = defaultVisibility()
const OPACITY = defaultOpacity()
const NO_BASEMAP: RasterLayer[] = []

export function FieldMap({ meta, task, onSessionLost }: { meta: Meta; task: Task | null; onSessionLost(): void }) {
  const [selection, setSelection] = useState<Feature | null>(null)
  // a patch is drawn over its batch's after image (downloaded with the area, or online)
  const [imagery, setImagery] = useState<RasterLayer[]>(NO_BASEMAP)
  const view = useRef<MapView | null>(null)
  useEffect(() => {
    if (!task) return
    view.current?.fitBounds(task.target.bbox as [number, number, number, number], { maxZoom: 17 })
    const ctl = new AbortController()
    getFeature(COLLECTION[task.target.kind], String(task.target.id), ctl.signal).then(setSelection, () => setSelection(null))
    taskImagery(task, ctl.signal).then((t) => setImagery(t ? afterImageryLayer(t.imagery) : NO_BASEMAP), () => setImagery(NO_BASEMAP))
    return () => ctl.abort()
  }, [task])
  return (
    <div className="field-map" data-testid="field-map">
      <MapPanel
        meta={meta}
        visibility={VISIBILITY}
        opacity={OPACITY}
        basemap={imagery}
        selection={selection}
        onIdle={() => undefined}
        onView={() => undefined}
        onFeatureClick={() => undefined}
        onPointer={() => undefined}
        onReady={(v) => {
          view.current = v
          if (v && task) v.fitBounds(task.target.bbox as [number, number, number, number], { maxZoom: 17 })
        }}
        onSessionLost={onSessionLost}
      />
    </div>
  )
}
