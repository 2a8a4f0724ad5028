// The compact legend: case status colours with the number in view, and the layer switches.
import { useState } from 'react'
import type { Meta } from '../api.ts'
import { CASE_STATUSES } from '../codes.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { LAYER_GROUPS, type CaseStats, type GroupVisibility, type LayerGroupId } from '../map/groups.ts'
import { caseStatusColors, ringRoadColor, roadClassColors, waterColors } from '../theme/colors.ts'

export interface LegendProps {
  meta: Meta
  stats: CaseStats | null
  zoom: number | null
  visibility: GroupVisibility
  onToggle(group: LayerGroupId, visible: boolean): void
}

export function Legend({ meta, stats, zoom, visibility, onToggle }: LegendProps) {
  const { t, label } = useI18n()
  const [open, setOpen] = useState(true)
  const minzoomOf = (collection: string) => meta.layers.find((l) => l.id === collection)?.minzoom ?? 0
  const available = LAYER_GROUPS.filter((g) => meta.layers.some((l) => l.id === g.collection))

  return (
    <aside className={open ? 'legend' : 'legend collapsed'} aria-label={t('legend.title')} data-testid="legend">
      <div className="legend-head">
        <h2>{t('legend.title')}</h2>
        <button
          type="button"
          className="legend-toggle"
          aria-expanded={open}
          title={open ? t('legend.collapse') : t('legend.expand')}
          onClick={() => setOpen(!open)}
        >
          {open ? '−' : '+'}
        </button>
      </div>
      {open && (
        <>
          <section>
            <h3>
              {t('legend.caseStatus')}
              <span className="in-view">
                {t('legend.casesInView')}{' '}
                <b data-testid="cases-in-view">{stats ? stats.total : '–'}</b>
              </span>
            </h3>
            <ul className="status-list">
              {CASE_STATUSES.map((s) => (
                <li key={s} data-testid={`status-${s}`}>
                  <span className="swatch" style={{ background: caseStatusColors[s] }} aria-hidden="true" />
                  <span className="status-label">{label('caseStatus', s)}</span>
                  <span className="count">{stats?.byStatus[s] ?? 0}</span>
                </li>
              ))}
            </ul>
          </section>
          <section>
            <h3>{t('legend.layers')}</h3>
            <ul className="layer-list">
              {available.map((g) => {
                const minzoom = Math.max(g.minzoom, minzoomOf(g.collection))
                const hidden = zoom !== null && zoom < minzoom
                return (
                  <li key={g.id} className={hidden ? 'out-of-zoom' : undefined}>
                    <label>
                      <input
                        type="checkbox"
                        checked={visibility[g.id]}
                        onChange={(e) => onToggle(g.id, e.target.checked)}
                        data-testid={`layer-${g.id}`}
                      />
                      <span>{t(g.label)}</span>
                      {minzoom > 0 && <small>{t('layer.minzoom', { z: minzoom })}</small>}
                    </label>
                  </li>
                )
              })}
            </ul>
            <ul className="mini-legend">
              <li>
                <span className="line" style={{ background: ringRoadColor }} aria-hidden="true" />
                {t('road.ring6')}
              </li>
              <li>
                <span className="line" style={{ background: roadClassColors.expressway }} aria-hidden="true" />
                {label('roadClass', 'expressway')}
              </li>
              <li>
                <span className="line" style={{ background: roadClassColors.national }} aria-hidden="true" />
                {label('roadClass', 'national')}
              </li>
              <li>
                <span className="line" style={{ background: waterColors.river }} aria-hidden="true" />
                {label('waterKind', 'river')}
              </li>
            </ul>
          </section>
          {zoom !== null && (
            <p className="zoom" data-testid="zoom">
              {t('map.zoom')} {zoom.toFixed(1)}
            </p>
          )}
        </>
      )}
    </aside>
  )
}
