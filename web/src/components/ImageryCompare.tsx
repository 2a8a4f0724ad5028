// Before and after imagery of one patch: a swipe bar between the two dates, or the after image over
// the before one with an opacity slider. The maps live in map/imagery.ts.
import { useEffect, useRef, useState } from 'react'
import type { Geometry } from 'geojson'
import { useI18n } from '../i18n/i18n.tsx'
import { createImageryCompare, type CompareMode, type ImageryCompareView } from '../map/imagery.ts'
import type { BatchImagery } from '../patches-api.ts'

export interface ImageryCompareProps {
  imagery: BatchImagery
  beforeDate: string
  afterDate: string
  geometry: Geometry
  bbox: [number, number, number, number]
}

export function ImageryCompare({ imagery, beforeDate, afterDate, geometry, bbox }: ImageryCompareProps) {
  const { t } = useI18n()
  const [mode, setMode] = useState<CompareMode>('swipe')
  const [opacity, setOpacity] = useState(1)
  const box = useRef<HTMLDivElement>(null)
  const view = useRef<ImageryCompareView | null>(null)
  const opacityNow = useRef(opacity)
  opacityNow.current = opacity

  useEffect(() => {
    if (!box.current) return
    view.current = createImageryCompare(box.current, { ...imagery, patch: geometry, bbox, mode, opacity: opacityNow.current })
    return () => {
      view.current?.destroy()
      view.current = null
    }
  }, [imagery, geometry, bbox, mode])
  useEffect(() => view.current?.setOpacity(opacity), [opacity])

  if (!imagery.before && !imagery.after) return <p className="empty">{t('patch.noImagery')}</p>
  return (
    <div className="imagery" data-testid="imagery" data-mode={mode}>
      <div className="imagery-bar">
        <div role="tablist" aria-label={t('patch.imagery')}>
          {(['swipe', 'opacity'] as const).map((m) => (
            <button key={m} type="button" role="tab" aria-selected={mode === m} className={mode === m ? 'active' : undefined} onClick={() => setMode(m)} data-testid={`imagery-${m}`}>
              {t(m === 'swipe' ? 'patch.swipe' : 'patch.opacity')}
            </button>
          ))}
        </div>
        {mode === 'opacity' && (
          <label className="opacity">
            <span>{t('patch.afterOpacity')}</span>
            <input type="range" min="0" max="1" step="0.05" value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} data-testid="imagery-opacity" />
            <button type="button" onClick={() => setOpacity((o) => (o > 0.5 ? 0 : 1))} data-testid="imagery-toggle">
              {opacity > 0.5 ? t('patch.showBefore') : t('patch.showAfter')}
            </button>
          </label>
        )}
      </div>
      <div className="imagery-stage" ref={box}>
        <span className="imagery-label left">{t('patch.before')} {beforeDate}</span>
        <span className="imagery-label right">{t('patch.after')} {afterDate}</span>
      </div>
    </div>
  )
}
