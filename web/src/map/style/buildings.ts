// Buildings: density points below the aggregation zoom, footprints by use above, extruded by
// floors on request.
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl'
import type { Meta } from '../../api.ts'
import { buildingDensityStops, buildingDensityStroke, buildingLineColor, buildingUseColors, hoverColor } from '../../theme/colors.ts'
import { isPolygon, matchColor } from '../base-layers.ts'
import { EXTRUSION_MINZOOM, FLOOR_HEIGHT_M } from '../groups.ts'
import { hovered, isPoint, type StyleBuilder } from './builder.ts'
import { AGGREGATE_LAYER } from './names.ts'

export function addBuildings(b: StyleBuilder, meta: Meta): void {
  const buildingsMeta = meta.layers.find((l) => l.id === 'buildings')
  const aggregateBelow = buildingsMeta?.aggregateBelowZoom ?? null
  const footprintsFrom = aggregateBelow ?? Math.max(13, buildingsMeta?.minzoom ?? 13)
  if (aggregateBelow !== null) b.add('buildings', 'buildings', densityPoints(aggregateBelow))
  const useColor = matchColor('use', buildingUseColors, buildingUseColors.other)
  b.add('buildings', 'buildings', {
    id: 'buildings-fill',
    type: 'fill',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: footprintsFrom,
    filter: isPolygon,
    paint: {
      'fill-color': useColor,
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], footprintsFrom, 0.6, 16, 0.9],
    },
  })
  b.add('buildings', 'buildings', {
    id: 'buildings-line',
    type: 'line',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: 15,
    filter: isPolygon,
    paint: { 'line-color': buildingLineColor, 'line-width': 0.6 },
  })
  b.hoverLine('buildings', 'buildings', { minzoom: footprintsFrom, filter: isPolygon, width: 2 })
  b.add('buildings-3d', 'buildings', {
    id: 'buildings-3d',
    type: 'fill-extrusion',
    source: 'buildings',
    'source-layer': 'buildings',
    minzoom: EXTRUSION_MINZOOM,
    filter: isPolygon,
    layout: { visibility: 'none' },
    paint: {
      'fill-extrusion-color': ['case', hovered, hoverColor, useColor] as unknown as ExpressionSpecification,
      'fill-extrusion-height': ['*', ['max', ['coalesce', ['get', 'floors'], 1], 1], FLOOR_HEIGHT_M],
      'fill-extrusion-base': 0,
      'fill-extrusion-opacity': 0.92,
    },
  })
}

/** Grid-cell points (tiles carry `count`) below the zoom the server aggregates at. */
function densityPoints(aggregateBelow: number): LayerSpecification {
  const densityColor = ['step', ['get', 'count'], buildingDensityStops[0]!.color,
    ...buildingDensityStops.slice(1).flatMap((s) => [s.count, s.color])] as unknown as ExpressionSpecification
  // Radius by the square root of the count (area ∝ count), a little larger as cells grow on screen.
  const radius = (k: number): ExpressionSpecification =>
    ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 2 * k, 5, 3.5 * k, 15, 6 * k, 25, 8.5 * k]
  return {
    id: AGGREGATE_LAYER,
    type: 'circle',
    source: 'buildings',
    'source-layer': 'buildings',
    maxzoom: aggregateBelow,
    filter: isPoint,
    layout: { 'circle-sort-key': ['get', 'count'] },
    paint: {
      'circle-color': densityColor,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, radius(0.8), aggregateBelow, radius(1.1)],
      'circle-opacity': 0.8,
      'circle-stroke-color': buildingDensityStroke,
      'circle-stroke-width': 0.6,
      'circle-stroke-opacity': 0.6,
    },
  }
}
