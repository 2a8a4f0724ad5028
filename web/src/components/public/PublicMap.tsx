// The public pages' map in React: a thin wrapper over map/public-map.ts (no MapLibre here). The
// container carries data-map-state="idle" once rendering settles and data-view="zoom/lat/lon",
// which the browser tests read to tap a place.
import { useEffect, useRef, useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import { createPublicMap, type CountedPoint, type PublicMap as MapHandle } from '../../map/public-map.ts'

type Bbox = readonly [number, number, number, number]

export interface PublicMapProps {
  bbox: Bbox
  testId: string
  className?: string
  marker?: readonly [number, number] | null
  points?: readonly CountedPoint[]
  /** Frame these bounds when they change (e.g. a village's points). */
  frame?: Bbox | null
  /** Ease to this point when it changes (the phone's position; a tap made zoomed out: gentle). */
  focus?: { point: readonly [number, number]; gentle: boolean } | null
  onPick?(lon: number, lat: number): void
  cooperative?: boolean
}

export function PublicMap({ bbox, testId, className, marker = null, points, frame = null, focus = null, onPick, cooperative }: PublicMapProps) {
  const { t } = useI18n()
  const container = useRef<HTMLDivElement>(null)
  const handle = useRef<MapHandle | null>(null)
  const [failed, setFailed] = useState(false)
  const pick = useRef(onPick)
  pick.current = onPick
  const [w, s, e, n] = bbox

  useEffect(() => {
    const el = container.current
    if (!el) return
    let m: MapHandle
    try {
      m = createPublicMap({
        container: el,
        bbox: [w, s, e, n],
        cooperative: cooperative ?? false,
        locale: {
          'CooperativeGesturesHandler.MobileHelpText': t('public.map.twoFingers'),
          'CooperativeGesturesHandler.WindowsHelpText': t('public.map.ctrlScroll'),
          'CooperativeGesturesHandler.MacHelpText': t('public.map.cmdScroll'),
          'NavigationControl.ZoomIn': t('public.map.zoomIn'),
          'NavigationControl.ZoomOut': t('public.map.zoomOut'),
        },
        onPick: (lon, lat) => pick.current?.(lon, lat),
        onIdle: () => {
          el.dataset.mapState = 'idle'
        },
        onView: (v) => {
          el.dataset.view = `${v.zoom.toFixed(4)}/${v.lat.toFixed(6)}/${v.lon.toFixed(6)}`
        },
      })
    } catch {
      // no WebGL: the page still works without the map (a GPS position can be used)
      el.dataset.mapState = 'error'
      setFailed(true)
      return
    }
    handle.current = m
    const ro = new ResizeObserver(() => m.resize())
    ro.observe(el)
    return () => {
      ro.disconnect()
      handle.current = null
      m.destroy()
    }
    // made once per district; the texts MapLibre shows itself are fixed at creation
  }, [w, s, e, n, cooperative])

  useEffect(() => {
    handle.current?.setMarker(marker)
  }, [marker])
  useEffect(() => {
    if (points) handle.current?.setPoints(points)
  }, [points])
  useEffect(() => {
    if (frame) handle.current?.fitBounds(frame, 13)
  }, [frame])
  useEffect(() => {
    if (focus) handle.current?.flyTo(focus.point, focus.gentle ? 14 : 15, focus.gentle)
  }, [focus])

  return (
    <div className={`public-map ${className ?? ''}`}>
      <div ref={container} className="public-map-canvas" data-testid={testId} />
      {failed && <p className="public-map-error">{t('public.map.error')}</p>}
    </div>
  )
}
