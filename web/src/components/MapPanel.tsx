// The React side of the map: a container div and the adapter's lifetime. No MapLibre here.
import { useEffect, useRef, useState } from 'react'
import type { Meta } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { CaseStats, GroupVisibility, LayerGroupId, ViewState } from '../map/groups.ts'
import { createMapView, type MapView } from '../map/map-view.ts'

export interface MapPanelProps {
  meta: Meta
  visibility: GroupVisibility
  onIdle(stats: CaseStats, view: ViewState): void
  onView(view: ViewState): void
  /** Gets the adapter once created, null when gone; for buttons outside the map. */
  onReady(view: MapView | null): void
  /** A tile request was refused with 401: the session has ended. */
  onSessionLost(): void
}

/** Keep the district clear of the legend (top left, ~240 px wide) when the map is wide enough. */
function fitPaddingFor(el: HTMLElement) {
  const wide = el.clientWidth > 720
  return { top: 24, right: 56, bottom: 24, left: wide ? 260 : 24 }
}

export function MapPanel({ meta, visibility, onIdle, onView, onReady, onSessionLost }: MapPanelProps) {
  const { t } = useI18n()
  const container = useRef<HTMLDivElement>(null)
  const viewRef = useRef<MapView | null>(null)
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading')
  const [error, setError] = useState<string | null>(null)
  // Callbacks and the initial visibility through refs: the map is created once per meta.
  const cb = useRef({ onIdle, onView, onReady, onSessionLost, visibility })
  useEffect(() => {
    cb.current = { onIdle, onView, onReady, onSessionLost, visibility }
  })
  const applied = useRef<GroupVisibility>(visibility)

  useEffect(() => {
    const el = container.current
    if (!el) return
    let view: MapView
    try {
      view = createMapView({
        container: el,
        meta,
        visibility: cb.current.visibility,
        onIdle: (stats, v) => {
          // A counter in the DOM lets a browser test wait for the render after a move.
          el.dataset.idleCount = String(Number(el.dataset.idleCount ?? '0') + 1)
          setState((s) => (s === 'error' ? s : 'idle'))
          cb.current.onIdle(stats, v)
        },
        onView: (v) => cb.current.onView(v),
        onError: (message, status) => {
          if (status === 401) cb.current.onSessionLost()
          else setError(message)
        },
        fitPadding: fitPaddingFor(el),
      })
    } catch (e) {
      // No WebGL, most likely.
      setState('error')
      setError(e instanceof Error ? e.message : String(e))
      return
    }
    applied.current = cb.current.visibility
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
    for (const [group, on] of Object.entries(visibility) as [LayerGroupId, boolean][]) {
      if (applied.current[group] !== on) view.setGroupVisible(group, on)
    }
    applied.current = visibility
  }, [visibility])

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
