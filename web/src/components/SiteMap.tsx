// A small map of one case's site on the case page: the same adapter as the main map (no MapLibre
// here), without the URL hash or controls, the case outlined and fitted.
import { useEffect, useRef } from 'react'
import type { Meta } from '../api.ts'
import { geometryBbox } from '../geo/bbox.ts'
import { defaultOpacity, defaultVisibility } from '../map/groups.ts'
import { createMapView, type MapView } from '../map/map-view.ts'

export function SiteMap({ meta, geometry, refreshKey }: { meta: Meta; geometry: { type: string; coordinates: unknown } | null; refreshKey: number }) {
  const container = useRef<HTMLDivElement>(null)
  const view = useRef<MapView | null>(null)
  useEffect(() => {
    const el = container.current
    if (!el) return
    let v: MapView
    try {
      v = createMapView({
        container: el,
        meta,
        visibility: defaultVisibility(),
        opacity: defaultOpacity(),
        basemap: [],
        hash: false,
        compact: true,
        onIdle: () => {
          el.dataset.state = 'idle'
        },
      })
    } catch {
      el.dataset.state = 'error'
      return
    }
    view.current = v
    const resize = new ResizeObserver(() => v.resize())
    resize.observe(el)
    return () => {
      resize.disconnect()
      view.current = null
      v.destroy()
    }
  }, [meta])
  useEffect(() => {
    const v = view.current
    if (!v) return
    v.setSelection(geometry ? { type: 'Feature', id: 0, geometry, properties: {} } : null)
    const b = geometryBbox(geometry)
    if (b) v.fitBounds(b, { maxZoom: 18, padding: { top: 30, right: 30, bottom: 30, left: 30 } })
  }, [geometry])
  useEffect(() => {
    if (refreshKey > 0) view.current?.refreshCases()
  }, [refreshKey])
  return <div ref={container} className="site-map" data-testid="site-map" />
}
