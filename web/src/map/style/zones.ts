// Planning areas: the buffer zones (四道六边 ring bands) and the zones (整治区域).
import type { ExpressionSpecification } from 'maplibre-gl'
import { bufferFallback, bufferFamilyColors, zoneFallback, zoneTypeColors } from '../../theme/colors.ts'
import { isPolygon, matchColor, widthByZoom } from '../base-layers.ts'
import type { StyleBuilder } from './builder.ts'

/** Translucent bands by family. */
export function addBufferZones(b: StyleBuilder): void {
  const color = matchColor('family', bufferFamilyColors, bufferFallback)
  // Zones of past rule-set versions stay in the table (old statistics reproduce with them); the map
  // shows the active version's.
  const active: ExpressionSpecification = ['all', isPolygon, ['==', ['get', 'active'], true]]
  b.add('buffer-zones', 'buffer-zones', {
    id: 'buffer-zones-fill',
    type: 'fill',
    source: 'buffer-zones',
    'source-layer': 'buffer-zones',
    filter: active,
    paint: { 'fill-color': color, 'fill-opacity': 0.22 },
  })
  b.add('buffer-zones', 'buffer-zones', {
    id: 'buffer-zones-line',
    type: 'line',
    source: 'buffer-zones',
    'source-layer': 'buffer-zones',
    filter: active,
    paint: { 'line-color': color, 'line-width': 0.8, 'line-opacity': 0.8 },
  })
  b.hoverLine('buffer-zones', 'buffer-zones', { filter: active })
}

/** Heavy dashed outlines by type over a faint fill. */
export function addZones(b: StyleBuilder): void {
  const color = matchColor('zone_type', zoneTypeColors, zoneFallback)
  b.add('zones', 'zones', {
    id: 'zones-fill',
    type: 'fill',
    source: 'zones',
    'source-layer': 'zones',
    filter: isPolygon,
    paint: { 'fill-color': color, 'fill-opacity': 0.08 },
  })
  b.add('zones', 'zones', {
    id: 'zones-line',
    type: 'line',
    source: 'zones',
    'source-layer': 'zones',
    filter: isPolygon,
    layout: { 'line-join': 'round' },
    paint: { 'line-color': color, 'line-width': widthByZoom([8, 1.5], [14, 2.5], [17, 3.5]), 'line-dasharray': [4, 2] },
  })
  b.hoverLine('zones', 'zones', { filter: isPolygon, width: 3 })
}
