// The public pages' base map style (举报 and 公示): the public tiles (/api/public/tiles/{layer}/
// {z}/{x}/{y}: admin units, roads, waters) drawn with the staff map's layers (base-layers.ts), plus
// the two overlays public-map.ts fills. Plain style JSON, no MapLibre runtime, so tests can build it.
import type { LayerSpecification, StyleSpecification } from 'maplibre-gl'
import { ADMIN_LEVELS, adminFill, adminLines, isLine, LABEL_FONTS, LABEL_SOURCE, placeLabels, ringRoad, roadCasing, roadLine, waterFill, widthByZoom } from './base-layers.ts'
import { mapBackground, waterColors } from '../theme/colors.ts'

export type Bbox = readonly [number, number, number, number]

export const PUBLIC_TILE_LAYERS = ['admin-units', 'waters', 'roads'] as const

export const PICK_SOURCE = 'pick'
export const POINTS_SOURCE = 'disclosed'
export const EMPTY = { type: 'FeatureCollection' as const, features: [] }

/** The public base map style: tile URLs made absolute (they are fetched from a worker). */
export function publicStyle(origin: string, bbox: Bbox): StyleSpecification {
  const base = origin.replace(/\/$/, '')
  const vector = (layer: string) => ({
    type: 'vector' as const,
    tiles: [`${base}/api/public/tiles/${layer}/{z}/{x}/{y}`],
    maxzoom: 16,
    bounds: [...bbox] as [number, number, number, number],
    ...(layer === 'admin-units' ? { promoteId: 'code' } : {}),
  })
  // The staff map's ground, waters, roads, boundaries and place names, simpler where a visitor
  // needs less: one width for every road class, rivers and streams in one layer.
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': mapBackground } },
    ...ADMIN_LEVELS.map((l) => adminFill(l)),
    waterFill(),
    {
      id: 'waters-line',
      type: 'line',
      source: 'waters',
      'source-layer': 'waters',
      filter: isLine,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'kind'], 'river', waterColors.river, waterColors.stream],
        'line-width': ['interpolate', ['exponential', 1.5], ['zoom'], 9, ['match', ['get', 'kind'], 'river', 1.2, 0.6], 14, ['match', ['get', 'kind'], 'river', 3.5, 1.5]],
      },
    },
    roadCasing(widthByZoom([11, 2.5], [16, 8])),
    roadLine(widthByZoom([8, 0.6], [12, 1.8], [16, 6])),
    ringRoad(),
    ...adminLines(),
    ...placeLabels(12),
    // the published cases: one circle per grid cell, sized by how many share it
    {
      id: 'disclosed-circle',
      type: 'circle',
      source: POINTS_SOURCE,
      paint: {
        'circle-color': '#b02a30',
        'circle-opacity': 0.8,
        'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 6, 10, 12, 50, 18],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'disclosed-count',
      type: 'symbol',
      source: POINTS_SOURCE,
      filter: ['>', ['get', 'count'], 1],
      layout: { 'text-field': ['to-string', ['get', 'count']], 'text-font': LABEL_FONTS, 'text-size': 11, 'text-allow-overlap': true },
      paint: { 'text-color': '#ffffff' },
    },
    // the reporter's point: a red dot with a white ring, over everything
    {
      id: 'pick-halo',
      type: 'circle',
      source: PICK_SOURCE,
      paint: { 'circle-color': '#b02a30', 'circle-opacity': 0.18, 'circle-radius': 22 },
    },
    {
      id: 'pick-dot',
      type: 'circle',
      source: PICK_SOURCE,
      paint: { 'circle-color': '#b02a30', 'circle-radius': 9, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
    },
  ]
  return {
    version: 8,
    name: 'chaiwei-public',
    // no glyphs, no sprite: labels in the browser's own fonts, nothing fetched from elsewhere
    sources: {
      'admin-units': vector('admin-units'),
      waters: vector('waters'),
      roads: vector('roads'),
      [LABEL_SOURCE]: { type: 'geojson', data: EMPTY },
      [POINTS_SOURCE]: { type: 'geojson', data: EMPTY },
      [PICK_SOURCE]: { type: 'geojson', data: EMPTY },
    },
    layers,
  }
}
