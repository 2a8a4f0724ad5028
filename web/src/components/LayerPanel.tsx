// The layer panel: one entry per layer group, top of the map first, each with its switch, an
// opacity slider and its legend (colours from theme/colors.ts, the same the map uses).
import { useState, type ReactNode } from 'react'
import type { Meta } from '../api.ts'
import {
  ADMIN_LEVELS,
  BUFFER_FAMILIES,
  BUILDING_USES,
  CASE_STATUSES,
  DETECTION_RESULTS,
  LAND_CLASSES,
  ZONE_TYPES,
  type CodeDomain,
} from '../codes.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { BASEMAP_LABELS, type BasemapSettings } from '../map/basemaps.ts'
import {
  EXTRUSION_MINZOOM,
  LAYER_GROUPS,
  SUB_LAYERS,
  type CaseStats,
  type GroupId,
  type Opacity,
  type SwitchId,
  type Visibility,
} from '../map/groups.ts'
import {
  adminColors,
  bufferFamilyColors,
  buildingDensityStops,
  buildingUseColors,
  caseStatusColors,
  overdueColor,
  detectionResultColors,
  detectionStatusColors,
  landClassColors,
  referenceAreaColors,
  ringRoadColor,
  roadClassColors,
  waterColors,
  zoneTypeColors,
} from '../theme/colors.ts'
import { DeckLegend } from '../map/deck/DeckLegend.tsx'
import { Swatch, type SwatchKind } from './Swatch.tsx'

export interface LayerPanelProps {
  meta: Meta
  stats: CaseStats | null
  zoom: number | null
  visibility: Visibility
  opacity: Opacity
  basemap: BasemapSettings
  onToggle(id: SwitchId, visible: boolean): void
  onOpacity(group: GroupId, opacity: number): void
  onBasemapSettings(): void
  /** Open, or folded to its title; the screen decides (it folds it beside a narrow map). */
  open: boolean
  onOpenChange(open: boolean): void
}

/** A legend list of coded values: swatch and label. */
function CodeList({ domain, codes, colors, kind }: { domain: CodeDomain; codes: readonly string[]; colors: Readonly<Record<string, string>>; kind: SwatchKind }) {
  const { label } = useI18n()
  return (
    <ul className="code-list">
      {codes.map((c) => (
        <li key={c}>
          <Swatch color={colors[c] ?? '#999'} kind={kind} />
          <span>{label(domain, c)}</span>
        </li>
      ))}
    </ul>
  )
}

export function LayerPanel(props: LayerPanelProps) {
  const { meta, stats, zoom, visibility, opacity, basemap, open, onToggle, onOpacity, onBasemapSettings, onOpenChange } = props
  const { t, label } = useI18n()
  // Legends open by default: the cases only, the rest on request.
  const [expanded, setExpanded] = useState<Readonly<Record<string, boolean>>>({ cases: true })
  const published = new Set(meta.layers.map((l) => l.id))
  const minzoomOf = (collection: string) => meta.layers.find((l) => l.id === collection)?.minzoom ?? 0
  const aggregateBelow = meta.layers.find((l) => l.id === 'buildings')?.aggregateBelowZoom ?? null
  // Top of the map first, as in every GIS.
  const groups = [...LAYER_GROUPS].reverse().filter((g) => g.collections.some((c) => published.has(c)))

  const toggleOpen = () => onOpenChange(!open)

  const subSwitches = (group: GroupId) =>
    SUB_LAYERS.filter((s) => s.parent === group && published.has(s.collection)).map((s) => {
      const beyond = s.id === 'buildings-3d' && zoom !== null && zoom < EXTRUSION_MINZOOM
      return (
        <label key={s.id} className={beyond ? 'sub-switch out-of-zoom' : 'sub-switch'} title={s.id === 'buildings-3d' ? t('legend.extrusionHint', { z: EXTRUSION_MINZOOM }) : undefined}>
          <input
            type="checkbox"
            checked={visibility[s.id]}
            disabled={!visibility[group]}
            onChange={(e) => onToggle(s.id, e.target.checked)}
            data-testid={`layer-${s.id}`}
          />
          <span>{t(s.label)}</span>
          {s.id === 'buildings-3d' && <small>{t('layer.minzoom', { z: EXTRUSION_MINZOOM })}</small>}
        </label>
      )
    })

  const legendOf = (group: GroupId): ReactNode => {
    switch (group) {
      case 'cases':
        return (
          <ul className="status-list">
            {CASE_STATUSES.map((s) => (
              <li key={s} data-testid={`status-${s}`}>
                <Swatch color={caseStatusColors[s]} kind="circle" />
                <span className="status-label">{label('caseStatus', s)}</span>
                <span className="count">{stats?.byStatus[s] ?? 0}</span>
              </li>
            ))}
            <li data-testid="legend-overdue">
              <Swatch color={overdueColor} kind="outline" />
              <span className="status-label">{t('legend.overdue')}</span>
            </li>
          </ul>
        )
      case 'detections':
        return (
          <>
            <h4>{t('legend.detectionStatus')}</h4>
            <CodeList domain="detectionStatus" codes={['pending', 'assigned']} colors={detectionStatusColors} kind="outline" />
            <h4>{t('legend.detectionResult')}</h4>
            <CodeList domain="detectionResult" codes={DETECTION_RESULTS} colors={detectionResultColors} kind="outline" />
          </>
        )
      case 'zones':
        return <CodeList domain="zoneType" codes={ZONE_TYPES} colors={zoneTypeColors} kind="dashed" />
      case 'buffer-zones':
        return <CodeList domain="bufferFamily" codes={BUFFER_FAMILIES} colors={bufferFamilyColors} kind="fill" />
      case 'buildings':
        return (
          <>
            <h4>{t('legend.buildingUse')}</h4>
            <CodeList domain="buildingUse" codes={BUILDING_USES} colors={buildingUseColors} kind="fill" />
            {aggregateBelow !== null && (
              <>
                <h4>{t('legend.density', { z: aggregateBelow })}</h4>
                <ul className="density-list">
                  {buildingDensityStops.map((s, i) => {
                    const next = buildingDensityStops[i + 1]
                    return (
                      <li key={s.count}>
                        <Swatch color={s.color} kind="circle" size={6 + i * 2} />
                        <span>{next ? (next.count - 1 > s.count ? `${s.count}–${next.count - 1}` : String(s.count)) : `≥${s.count}`}</span>
                      </li>
                    )
                  })}
                </ul>
              </>
            )}
            <p className="hint">{t('legend.extrusionHint', { z: EXTRUSION_MINZOOM })}</p>
          </>
        )
      case 'parcels':
        return <CodeList domain="landClass" codes={LAND_CLASSES} colors={landClassColors} kind="fill" />
      case 'admin':
        return (
          <ul className="code-list">
            {ADMIN_LEVELS.map((l) => (
              <li key={l}>
                <Swatch color={adminColors[l].line} kind="line" />
                <span>{label('adminLevel', l)}</span>
              </li>
            ))}
          </ul>
        )
      case 'basemap':
        return (
          <>
            <ul className="mini-legend">
              <li>
                <Swatch color={ringRoadColor} kind="line" />
                {t('road.ring6')}
              </li>
              {(['expressway', 'national', 'provincial'] as const).map((c) => (
                <li key={c}>
                  <Swatch color={roadClassColors[c]} kind="line" />
                  {label('roadClass', c)}
                </li>
              ))}
              <li>
                <Swatch color={waterColors.river} kind="line" />
                {label('waterKind', 'river')}
              </li>
              <li>
                <Swatch color={waterColors.reservoir} kind="fill" />
                {label('waterKind', 'reservoir')}
              </li>
              {(['residential', 'scenic', 'enterprise'] as const).map((k) => (
                <li key={k}>
                  <Swatch color={referenceAreaColors[k]} kind="dashed" />
                  {label('referenceAreaKind', k)}
                </li>
              ))}
            </ul>
          </>
        )
    }
  }

  return (
    <aside className={open ? 'layer-panel' : 'layer-panel collapsed'} aria-label={t('legend.title')} data-testid="layer-panel">
      <div className="panel-head">
        <h2>{t('legend.title')}</h2>
        {open && <small>{t('legend.topFirst')}</small>}
        <button
          type="button"
          className="panel-toggle"
          aria-expanded={open}
          title={open ? t('legend.collapse') : t('legend.expand')}
          onClick={toggleOpen}
          data-testid="layer-panel-toggle"
        >
          {open ? '−' : '+'}
        </button>
      </div>
      {open && (
        <ul className="layer-list">
          {groups.map((g) => {
            const minzoom = Math.max(...g.collections.filter((c) => published.has(c)).map(minzoomOf))
            const beyond = zoom !== null && zoom < minzoom
            const isOpen = expanded[g.id] ?? false
            const pct = Math.round(opacity[g.id] * 100)
            return (
              <li key={g.id} className={beyond ? 'layer out-of-zoom' : 'layer'} data-testid={`layer-entry-${g.id}`}>
                <div className="layer-row">
                  <label>
                    <input
                      type="checkbox"
                      checked={visibility[g.id]}
                      onChange={(e) => onToggle(g.id, e.target.checked)}
                      data-testid={`layer-${g.id}`}
                    />
                    <span className="layer-name">{t(g.label)}</span>
                  </label>
                  {g.id === 'cases' && (
                    <span className="in-view" title={t('legend.casesInView')}>
                      {t('legend.casesInView')} <b data-testid="cases-in-view">{stats ? stats.total : '–'}</b>
                    </span>
                  )}
                  {minzoom > 0 && <small>{t('layer.minzoom', { z: minzoom })}</small>}
                  <button
                    type="button"
                    className="legend-toggle"
                    aria-expanded={isOpen}
                    title={isOpen ? t('legend.hide') : t('legend.show')}
                    onClick={() => setExpanded({ ...expanded, [g.id]: !isOpen })}
                    data-testid={`legend-toggle-${g.id}`}
                  >
                    {isOpen ? '▾' : '▸'}
                  </button>
                </div>
                {SUB_LAYERS.some((s) => s.parent === g.id) && <div className="sub-switches">{subSwitches(g.id)}</div>}
                <DeckLegend group={g.id} visibility={visibility} />
                {g.id === 'basemap' && (
                  <div className="basemap-line">
                    <span data-testid="basemap-state">
                      {basemap.kind === 'none' ? t('basemap.offline') : t('basemap.activeOnline', { name: t(BASEMAP_LABELS[basemap.kind]) })}
                    </span>
                    <button type="button" className="link-button" onClick={onBasemapSettings} data-testid="basemap-open">
                      {t('basemap.button')}
                    </button>
                  </div>
                )}
                {isOpen && (
                  <div className="layer-body" data-testid={`legend-${g.id}`}>
                    <label className="opacity">
                      <span>{t('legend.opacity')}</span>
                      <input
                        type="range"
                        min={0}
                        max={100}
                        step={5}
                        value={pct}
                        disabled={!visibility[g.id]}
                        onChange={(e) => onOpacity(g.id, Number(e.target.value) / 100)}
                        data-testid={`opacity-${g.id}`}
                      />
                      <output>{pct}%</output>
                    </label>
                    {legendOf(g.id)}
                  </div>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </aside>
  )
}
