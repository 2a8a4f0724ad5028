// The basemap drawn from our own tiles, above the admin ground: reference areas, waters, roads.
import type { ExpressionSpecification } from 'maplibre-gl'
import { referenceAreaColors, waterColors } from '../../theme/colors.ts'
import { isLine, isPolygon, matchColor, ringRoad, ringRoadCasing, roadCasing, roadLine, waterFill, widthByZoom } from '../base-layers.ts'
import type { StyleBuilder } from './builder.ts'

export function addBasemap(b: StyleBuilder): void {
  addReferenceAreas(b)
  addWaters(b)
  addRoads(b)
}

/** The "四道六边" surroundings: residential, scenic and enterprise areas. */
function addReferenceAreas(b: StyleBuilder): void {
  const color = matchColor('kind', referenceAreaColors, '#999999')
  b.add('reference-areas', 'reference-areas', {
    id: 'reference-areas-fill',
    type: 'fill',
    source: 'reference-areas',
    'source-layer': 'reference-areas',
    filter: isPolygon,
    paint: { 'fill-color': color, 'fill-opacity': 0.12 },
  })
  b.add('reference-areas', 'reference-areas', {
    id: 'reference-areas-line',
    type: 'line',
    source: 'reference-areas',
    'source-layer': 'reference-areas',
    filter: isPolygon,
    paint: { 'line-color': color, 'line-width': 1, 'line-dasharray': [3, 2], 'line-opacity': 0.8 },
  })
  b.hoverLine('reference-areas', 'reference-areas', { filter: isPolygon })
}

/** The reservoir as a fill, rivers and streams as lines. */
function addWaters(b: StyleBuilder): void {
  b.add('waters', 'waters', waterFill())
  b.add('waters', 'waters', {
    id: 'waters-stream',
    type: 'line',
    source: 'waters',
    'source-layer': 'waters',
    filter: ['all', isLine, ['!=', ['get', 'kind'], 'river']],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': waterColors.stream, 'line-width': widthByZoom([9, 0.6], [14, 1.5], [18, 4]) },
  })
  b.add('waters', 'waters', {
    id: 'waters-river',
    type: 'line',
    source: 'waters',
    'source-layer': 'waters',
    filter: ['all', isLine, ['==', ['get', 'kind'], 'river']],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': waterColors.river, 'line-width': widthByZoom([9, 1.2], [14, 3.5], [18, 10]) },
  })
  b.hoverLine('waters', 'waters')
}

type RoadClass = 'expressway' | 'national' | 'provincial' | 'county' | 'village'

/**
 * Width per road class at three zooms; `extra` widens it for the casing. (A zoom expression must be
 * the top-level interpolate, so the casing cannot just add to the line's expression.)
 */
function roadWidth(extra: number): ExpressionSpecification {
  const at = (w: Record<RoadClass, number>) =>
    ['match', ['get', 'road_class'], 'expressway', w.expressway + extra, 'national', w.national + extra,
      'provincial', w.provincial + extra, 'county', w.county + extra, w.village + extra]
  return [
    'interpolate', ['exponential', 1.5], ['zoom'],
    8, at({ expressway: 1.6, national: 1.2, provincial: 1, county: 0.6, village: 0.3 }),
    12, at({ expressway: 3.5, national: 2.8, provincial: 2.2, county: 1.6, village: 1 }),
    16, at({ expressway: 10, national: 8, provincial: 7, county: 5, village: 3.5 }),
  ] as unknown as ExpressionSpecification
}

/** Minor roads get a casing once they are wide enough; major roads by class; the 6th ring road on
 *  top in its own colour. */
function addRoads(b: StyleBuilder): void {
  b.add('roads', 'roads', roadCasing(roadWidth(1.5)))
  // Bigger roads drawn last.
  b.add('roads', 'roads', roadLine(roadWidth(0), ['match', ['get', 'road_class'], 'expressway', 5, 'national', 4, 'provincial', 3, 'county', 2, 1]))
  b.add('roads', 'roads', ringRoadCasing())
  b.add('roads', 'roads', ringRoad())
  b.hoverLine('roads', 'roads', { filter: isLine, width: 3 })
}
