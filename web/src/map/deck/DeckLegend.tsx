// The layer panel's part for the deck.gl views: the hexagons' weighting and colour ramp, and the
// safety grades of the 3D buildings. Shown under a group's legend while its deck view is on.
import { useSyncExternalStore } from 'react'
import './deck.css'
import { useI18n } from '../../i18n/i18n.tsx'
import { Swatch } from '../../components/Swatch.tsx'
import { caseHexRamp, safetyGradeColors, ungradedBuildingColor } from '../../theme/colors.ts'
import { EXTRUSION_MINZOOM, isShown, type GroupId, type Visibility } from '../groups.ts'
import { HEX_BELOW_ZOOM, HEX_WEIGHTS, hexWeight } from './hex-weight.ts'
import type { HexWeight } from './case-points.ts'

export function DeckLegend({ group, visibility }: { group: GroupId; visibility: Visibility }) {
  const { t, label } = useI18n()
  const weight = useSyncExternalStore(hexWeight.subscribe, hexWeight.get)
  const weightLabel = (w: HexWeight) =>
    w === 'count' ? t('deck.weight.count') : w === 'demolished' ? t('deck.weight.demolished') : t('deck.weight.status', { status: label('caseStatus', w.slice(7)) })
  if (group === 'cases' && isShown(visibility, 'cases-hex')) {
    return (
      <div className="deck-legend" data-testid="hex-legend">
        <label className="hex-weight">
          <span>{t('deck.weight')}</span>
          <select value={weight} onChange={(e) => hexWeight.set(e.target.value as HexWeight)} data-testid="hex-weight">
            {HEX_WEIGHTS.map((w) => (
              <option key={w} value={w}>
                {weightLabel(w)}
              </option>
            ))}
          </select>
        </label>
        <div className="hex-ramp" aria-hidden="true">
          <span>{t('deck.low')}</span>
          {caseHexRamp.map((c) => (
            <Swatch key={c} color={c} kind="fill" />
          ))}
          <span>{t('deck.high')}</span>
        </div>
        <p className="hint">{t('deck.hexLegend', { z: HEX_BELOW_ZOOM })}</p>
      </div>
    )
  }
  if (group === 'buildings' && isShown(visibility, 'buildings-grade')) {
    return (
      <div className="deck-legend" data-testid="grade-legend">
        <h4>{t('legend.safetyGrade', { z: EXTRUSION_MINZOOM })}</h4>
        <ul className="code-list">
          {(['A', 'B', 'C', 'D'] as const).map((g) => (
            <li key={g}>
              <Swatch color={safetyGradeColors[g]} kind="fill" />
              <span>{g}</span>
            </li>
          ))}
          <li>
            <Swatch color={ungradedBuildingColor} kind="fill" />
            <span>{t('legend.ungraded')}</span>
          </li>
        </ul>
      </div>
    )
  }
  return null
}
