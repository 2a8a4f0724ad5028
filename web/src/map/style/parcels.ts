// Parcels: faint fills by land class, only close in.
import { landClassColors, parcelLineColor } from '../../theme/colors.ts'
import { matchColor } from '../base-layers.ts'
import type { StyleBuilder } from './builder.ts'

export function addParcels(b: StyleBuilder): void {
  b.add('parcels', 'parcels', {
    id: 'parcels-fill',
    type: 'fill',
    source: 'parcels',
    'source-layer': 'parcels',
    minzoom: 14,
    paint: {
      'fill-color': matchColor('land_class', landClassColors, landClassColors.other),
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.2, 17, 0.35],
    },
  })
  b.add('parcels', 'parcels', {
    id: 'parcels-line',
    type: 'line',
    source: 'parcels',
    'source-layer': 'parcels',
    minzoom: 15,
    paint: { 'line-color': parcelLineColor, 'line-width': 0.5, 'line-opacity': 0.6 },
  })
  b.hoverLine('parcels', 'parcels', { minzoom: 14 })
}
