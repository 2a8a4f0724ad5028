// The feature open in the inspector: its exact geometry from the API (SELECTION_SOURCE, filled by
// the adapter), over everything. Always on: no switch.
import { selectedCasing, selectedColor } from '../../theme/colors.ts'
import { isPolygon } from '../base-layers.ts'
import { isPoint, type StyleBuilder } from './builder.ts'
import { SELECTION_SOURCE } from './names.ts'

export function addSelection(b: StyleBuilder): void {
  b.add(null, null, {
    id: 'selection-fill',
    type: 'fill',
    source: SELECTION_SOURCE,
    filter: isPolygon,
    // Faint: a selected zone or village can cover the whole view.
    paint: { 'fill-color': selectedColor, 'fill-opacity': 0.07 },
  })
  b.add(null, null, {
    id: 'selection-casing',
    type: 'line',
    source: SELECTION_SOURCE,
    filter: ['!', isPoint],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': selectedCasing, 'line-width': 6, 'line-opacity': 0.9 },
  })
  b.add(null, null, {
    id: 'selection-line',
    type: 'line',
    source: SELECTION_SOURCE,
    filter: ['!', isPoint],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': selectedColor, 'line-width': 3 },
  })
  b.add(null, null, {
    id: 'selection-point',
    type: 'circle',
    source: SELECTION_SOURCE,
    filter: isPoint,
    paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 10, 'circle-stroke-color': selectedColor, 'circle-stroke-width': 3 },
  })
}
