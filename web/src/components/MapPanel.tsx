// The React side of the map: a container div and the adapter's lifetime. No MapLibre here.
import { useEffect, useRef, useState } from 'react'
import type { Feature, Meta } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { RasterLayer } from '../map/basemaps.ts'
import type { CaseStats, FeatureRef, Opacity, ViewState, Visibility } from '../map/groups.ts'
import { createMapView, type MapView } from '../map/map-view.ts'

export interface MapPanelProps {
  meta: Meta
  visibility: Visibility
  opacity: Opacity
  basemap: readonly RasterLayer[]
  /** The feature open in the inspector, outlined on the map. */
  selection: Feature | null
  onIdle(stats: CaseStats, view: ViewState): void
  onView(view: ViewState): void
  onFeatureClick(ref: FeatureRef | null): void
  onPointer(lngLat: [number, number] | null): void
  /** Gets the adapter once created, null when gone; for buttons outside the map. */
  onReady(view: MapView | null): void
  /** A tile request was refused with 401: the session has ended. */
  onSessionLost(): void
}

/** Keep the district clear of the layer panel (top left, ~270 px wide) when the map is wide enough. */
function fitPaddingFor(el: HTMLElement) {
  const wide = el.clientWidth > 720
  return { top: 56, right: 56, bottom: 40, left: wide ? 290 : 24 }
}

export function MapPanel(props: MapPanelProps) {
  const { meta, visibility, opacity, basemap, selection } = props
  const { t } = useI18n()
  const container = useRef<HTMLDivElement>(null)
  const viewRef = useRef<MapView | null>(null)
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading')
  const [error, setError] = useState<string | null>(null)
  // Callbacks and the initial layer state through a ref: the map is created once per meta.
  const cb = useRef(props)
  useEffect(() => {
    cb.current = props
  })
  // What the adapter was last given, so that only changes are passed on.
  const applied = useRef<{ visibility: Visibility; opacity: Opacity; basemap: readonly RasterLayer[]; selection: Feature | null }>({
    visibility,
    opacity,
    basemap,
    selection: null,
  })

  useEffect(() => {
    const el = container.current
    if (!el) return
    let view: MapView
    const initial = cb.current
    try {
      view = createMapView({
        container: el,
        meta,
        visibility: initial.visibility,
        opacity: initial.opacity,
        basemap: initial.basemap,
        onIdle: (stats, v) => {
          // A counter in the DOM lets a browser test wait for the render after a move.
          el.dataset.idleCount = String(Number(el.dataset.idleCount ?? '0') + 1)
          // Whether the selected feature's outline is drawn in view (tests of the ledger sync).
          el.dataset.selectionDrawn = String(viewRef.current?.selectionDrawn() ?? false)
          setState((s) => (s === 'error' ? s : 'idle'))
          cb.current.onIdle(stats, v)
        },
        onView: (v) => cb.current.onView(v),
        onError: (message, status) => {
          if (status === 401) cb.current.onSessionLost()
          else setError(message)
        },
        onFeatureClick: (ref) => cb.current.onFeatureClick(ref),
        // The feature under the mouse, for tests and for anyone reading the DOM: "collection/id".
        onHover: (ref) => {
          if (ref) el.dataset.hover = `${ref.collection}/${ref.id}`
          else delete el.dataset.hover
        },
        onPointer: (p) => cb.current.onPointer(p),
        fitPadding: fitPaddingFor(el),
      })
    } catch (e) {
      // No WebGL, most likely.
      setState('error')
      setError(e instanceof Error ? e.message : String(e))
      return
    }
    applied.current = { visibility: initial.visibility, opacity: initial.opacity, basemap: initial.basemap, selection: null }
    viewRef.current = view
    cb.current.onReady(view)
    const resize = new ResizeObserver(() => view.resize())
    resize.observe(el)
    return () => {
      resize.disconnect()
      cb.current.onReady(null)
      viewRef.current = null
      view.destroy()
    }
  }, [meta])

  useEffect(() => {
    const view = viewRef.current
    if (!view) return
    const a = applied.current
    if (a.visibility !== visibility) view.setVisibility(visibility)
    if (a.opacity !== opacity) view.setOpacity(opacity)
    if (a.basemap !== basemap) view.setBasemap(basemap)
    if (a.selection !== selection) {
      view.setSelection(selection)
      const el = container.current
      if (el) {
        if (selection) el.dataset.selection = String(selection.id)
        else delete el.dataset.selection
      }
    }
    applied.current = { visibility, opacity, basemap, selection }
  }, [visibility, opacity, basemap, selection])

  return (
    <div className="map-wrap">
      <div ref={container} className="map" data-testid="map" data-map-state={state} />
      {state === 'loading' && (
        <div className="map-status" role="status">
          {t('map.loading')}
        </div>
      )}
      {error && (
        <div className="map-error" role="alert" data-testid="map-error">
          {t('map.error')}: {error}
        </div>
      )}
    </div>
  )
}
