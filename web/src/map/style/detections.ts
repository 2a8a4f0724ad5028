// Satellite-change patches (卫片图斑): outline and a faint fill by status then result; zoomed out,
// grid points per outcome.
import type { ExpressionSpecification } from 'maplibre-gl'
import { detectionFallback, detectionResultColors, detectionStatusColors } from '../../theme/colors.ts'
import { isPolygon, matchColor } from '../base-layers.ts'
import { isPoint, type StyleBuilder } from './builder.ts'

export function addDetections(b: StyleBuilder): void {
  const color = [
    'case', ['==', ['get', 'status'], 'verified'],
    matchColor('result', detectionResultColors, detectionFallback),
    matchColor('status', detectionStatusColors, detectionFallback),
  ] as unknown as ExpressionSpecification
  b.add('detections', 'detections', {
    id: 'detections-fill',
    type: 'fill',
    source: 'detections',
    'source-layer': 'detections',
    filter: isPolygon,
    paint: { 'fill-color': color, 'fill-opacity': 0.18 },
  })
  b.add('detections', 'detections', {
    id: 'detections-line',
    type: 'line',
    source: 'detections',
    'source-layer': 'detections',
    filter: isPolygon,
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    // Zoomed out a patch is a dot of this width, like the cases.
    paint: { 'line-color': color, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2.5, 13, 2, 17, 2.5] },
  })
  b.hoverLine('detections', 'detections', { filter: isPolygon, width: 3 })
  // Zoomed out: grid points per outcome (tiles carry `outcome` and `count`), sized by the count.
  const outcomeColor = matchColor('outcome', { ...detectionStatusColors, ...detectionResultColors }, detectionFallback)
  b.add('detections', 'detections', {
    id: 'detections-agg',
    type: 'circle',
    source: 'detections',
    'source-layer': 'detections',
    filter: isPoint,
    layout: { 'circle-sort-key': ['get', 'count'] },
    paint: {
      'circle-color': outcomeColor,
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'count'], 1]], 1, 3, 4, 6, 10, 10],
      'circle-opacity': 0.85,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
  })
}
