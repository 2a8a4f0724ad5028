// Text labels, drawn from local fonts (no glyphs URL): line labels for rivers and major roads, and
// one point per town / village that the adapter computes from the loaded admin-unit tiles
// (../labels.ts places them).
import { isLine, LABEL_FONTS, labelText, placeLabels } from '../base-layers.ts'
import type { StyleBuilder } from './builder.ts'

export function addLabels(b: StyleBuilder): void {
  b.add('labels', 'waters', {
    id: 'label-waters',
    type: 'symbol',
    source: 'waters',
    'source-layer': 'waters',
    minzoom: 11,
    filter: ['all', isLine, ['has', 'name']],
    layout: {
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': 12,
      'symbol-spacing': 400,
    },
    paint: { ...labelText, 'text-color': '#2f6f9f' },
  })
  b.add('labels', 'roads', {
    id: 'label-roads',
    type: 'symbol',
    source: 'roads',
    'source-layer': 'roads',
    minzoom: 12,
    filter: ['all', isLine, ['has', 'name'], ['match', ['get', 'road_class'], ['expressway', 'national', 'provincial', 'county'], true, false]],
    layout: {
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONTS,
      'text-size': 11,
      'symbol-spacing': 500,
    },
    paint: labelText,
  })
  // The label points come from the admin units' tiles.
  for (const layer of placeLabels(['interpolate', ['linear'], ['zoom'], 12.5, 11, 16, 13])) b.add('labels', 'admin-units', layer)
}
