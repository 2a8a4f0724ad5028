// The drawing on the map as React sees it: a hook that starts terra-draw through the map adapter
// (web/src/map/draw.ts, loaded on first use) and keeps its state, and the tool bar with the live
// area. No terra-draw or MapLibre here.
import { useEffect, useState } from 'react'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import type { DrawController, DrawState, DrawTool } from '../map/draw.ts'
import type { MapView } from '../map/map-view.ts'

export const EMPTY_DRAW: DrawState = { geometry: null, areaM2: 0, drawing: false, shapes: 0, selected: false }

export interface Drawing {
  controller: DrawController | null
  state: DrawState
  tool: DrawTool
  setTool(tool: DrawTool): void
  snapping: boolean
  setSnapping(on: boolean): void
}

/** terra-draw on the map while the component using it is mounted. */
export function useDrawing(mapView: MapView | null): Drawing {
  const [controller, setController] = useState<DrawController | null>(null)
  const [state, setState] = useState<DrawState>(EMPTY_DRAW)
  const [tool, setToolState] = useState<DrawTool>('none')
  const [snapping, setSnappingState] = useState(false)
  useEffect(() => {
    if (!mapView) return
    let live = true
    let made: DrawController | null = null
    void mapView.startDrawing({ onChange: (s) => live && setState(s) }).then((c) => {
      if (!live) {
        c.destroy()
        return
      }
      made = c
      setController(c)
    })
    return () => {
      live = false
      made?.destroy()
      setController(null)
      setState(EMPTY_DRAW)
      setToolState('none')
    }
  }, [mapView])
  return {
    controller,
    state,
    tool,
    setTool(next) {
      controller?.setTool(next)
      setToolState(next)
    },
    snapping,
    setSnapping(on) {
      controller?.setSnapping(on)
      setSnappingState(on)
    },
  }
}

/** 1 亩 = 10000/15 m² (666.67 m²); 1 公顷 = 10,000 m². */
export const M2_PER_MU = 10000 / 15
export const M2_PER_HECTARE = 10000

export function fmtNumber(n: number, digits = 2): string {
  return n.toLocaleString('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: digits })
}

/** An area the way planners read it: m², 亩 and 公顷. */
export function AreaFigure({ m2, testId }: { m2: number; testId?: string }) {
  const { t } = useI18n()
  return (
    <span className="plan-area" data-testid={testId} data-area-m2={m2.toFixed(2)}>
      <strong>{fmtNumber(m2, 0)}</strong> {t('plan.unit.m2')}
      <span className="plan-area-alt">
        {' · '}
        {fmtNumber(m2 / M2_PER_MU)} {t('plan.unit.mu')} · {fmtNumber(m2 / M2_PER_HECTARE, 4)} {t('plan.unit.ha')}
      </span>
    </span>
  )
}

const TOOLS: readonly { tool: DrawTool; label: MessageKey; hint: MessageKey }[] = [
  { tool: 'polygon', label: 'plan.tool.polygon', hint: 'plan.hint.polygon' },
  { tool: 'rectangle', label: 'plan.tool.rectangle', hint: 'plan.hint.rectangle' },
  { tool: 'freehand', label: 'plan.tool.freehand', hint: 'plan.hint.freehand' },
  { tool: 'hole', label: 'plan.tool.hole', hint: 'plan.hint.hole' },
  { tool: 'select', label: 'plan.tool.select', hint: 'plan.hint.select' },
]

/** Tool buttons, snapping, delete/clear, and the live area of what is drawn. */
export function PlanningDrawTools({ drawing }: { drawing: Drawing }) {
  const { t } = useI18n()
  const { controller, state, tool } = drawing
  const hint = TOOLS.find((x) => x.tool === tool)?.hint
  return (
    <div className="plan-draw" data-testid="draw-tools" data-tool={tool} data-ready={controller ? 'true' : 'false'}>
      <div className="plan-tools" role="toolbar" aria-label={t('plan.tools')}>
        {TOOLS.map((x) => (
          <button
            key={x.tool}
            type="button"
            className={tool === x.tool ? 'active' : undefined}
            aria-pressed={tool === x.tool}
            disabled={!controller}
            onClick={() => drawing.setTool(tool === x.tool ? 'none' : x.tool)}
            data-testid={`tool-${x.tool}`}
          >
            {t(x.label)}
          </button>
        ))}
      </div>
      <div className="plan-tools-row">
        <label className="plan-check">
          <input type="checkbox" checked={drawing.snapping} disabled={!controller} onChange={(e) => drawing.setSnapping(e.target.checked)} data-testid="snap-toggle" />
          {t('plan.snap')}
        </label>
        <button type="button" className="link-button" disabled={!controller || state.shapes === 0} onClick={() => controller?.deleteShape()} data-testid="draw-delete">
          {state.selected ? t('plan.deleteSelected') : t('plan.deleteLast')}
        </button>
        <button type="button" className="link-button" disabled={!controller || state.shapes === 0} onClick={() => controller?.clear()} data-testid="draw-clear">
          {t('plan.clear')}
        </button>
      </div>
      {hint && <p className="plan-hint">{t(hint)}</p>}
      <div className="plan-live" data-testid="live-area-box" data-drawing={state.drawing ? 'true' : 'false'}>
        <span className="plan-live-label">{state.drawing ? t('plan.areaDrawing') : t('plan.area')}</span>
        <AreaFigure m2={state.areaM2} testId="live-area" />
      </div>
    </div>
  )
}
