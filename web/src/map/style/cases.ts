// Cases on top, coloured by status, at every zoom. A polygon case gets a fill and an outline whose
// minimum width keeps tiny sites visible as a dot when zoomed out; overdue cases get a halo.
import type { ExpressionSpecification } from 'maplibre-gl'
import { caseStatusColors, caseStatusFallback, hoverColor, overdueColor } from '../../theme/colors.ts'
import { isPolygon, matchColor } from '../base-layers.ts'
import { hovered, isPoint, type StyleBuilder } from './builder.ts'

// Open work on top of finished work: the ledger is mostly closed cases, which would bury the rest.
const statusRank: ExpressionSpecification = [
  'match', ['get', 'status'],
  'identified', 9, 'order_issued', 8, 'notified', 7, 'deferred', 6,
  'demolished', 5, 'confiscated', 5, 'regularised', 5, 'accepted', 4, 'closed', 1,
  3,
]
const isFinished: ExpressionSpecification = ['match', ['get', 'status'], ['accepted', 'closed'], true, false]
// Tiles carry `overdue`.
const isOverdue: ExpressionSpecification = ['==', ['get', 'overdue'], true]

export function addCases(b: StyleBuilder): void {
  const statusColor = matchColor('status', caseStatusColors, caseStatusFallback)
  // Overdue: a halo under the status colour, polygons and points.
  b.add('cases', 'cases', {
    id: 'cases-overdue-halo',
    type: 'line',
    source: 'cases',
    'source-layer': 'cases',
    filter: ['all', isPolygon, isOverdue],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': overdueColor, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 7, 13, 6, 16, 7], 'line-opacity': 0.85 },
  })
  b.add('cases', 'cases', {
    id: 'cases-overdue-ring',
    type: 'circle',
    source: 'cases',
    'source-layer': 'cases',
    filter: ['all', isPoint, isOverdue],
    paint: {
      'circle-color': 'rgba(0,0,0,0)',
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 5, 12, 7.5, 16, 11],
      'circle-stroke-color': overdueColor,
      'circle-stroke-width': 2.5,
      'circle-stroke-opacity': 0.9,
    },
  })
  b.add('cases', 'cases', {
    id: 'cases-fill',
    type: 'fill',
    source: 'cases',
    'source-layer': 'cases',
    filter: isPolygon,
    paint: { 'fill-color': statusColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.75, 16, 0.5] },
  })
  b.add('cases', 'cases', {
    id: 'cases-outline',
    type: 'line',
    source: 'cases',
    'source-layer': 'cases',
    filter: isPolygon,
    layout: { 'line-join': 'round', 'line-cap': 'round', 'line-sort-key': statusRank },
    paint: {
      'line-color': statusColor,
      // Zoomed out a site is a dot of this width; finished ones smaller.
      'line-width': ['interpolate', ['linear'], ['zoom'], 8, ['case', isFinished, 2, 3.5], 13, ['case', isFinished, 1.5, 2.5], 16, 2.5],
    },
  })
  b.add('cases', 'cases', {
    id: 'cases-point',
    type: 'circle',
    source: 'cases',
    'source-layer': 'cases',
    filter: isPoint,
    layout: { 'circle-sort-key': statusRank },
    paint: {
      'circle-color': statusColor,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, ['case', isFinished, 1.8, 3], 12, ['case', isFinished, 3, 4.5], 16, 7],
      'circle-stroke-color': ['case', hovered, hoverColor, '#ffffff'] as unknown as ExpressionSpecification,
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 8, ['case', hovered, 2, 0.5], 14, ['case', hovered, 3, 1.5]],
    },
  })
  b.hoverLine('cases', 'cases', { filter: isPolygon, width: 3 })
}
