// The house files of the survey (自建房排查) as points on the map: the dot coloured by appraisal
// grade (A/B green, C orange, D red, not appraised grey), a ring by hazard (none: no ring; 一般
// yellow, 较大 orange, 严重 red), and a blue ring round the selected file. map-view.ts makes this
// once, on first use, and gives it the clicks first (after the reports' points); nothing else here
// touches the map, and the app sees only the SurveyPoints interface.
import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap, PointLike } from 'maplibre-gl'
import type { FeatureCollection, Point } from 'geojson'

export interface SurveyPoint {
  id: number
  lon: number
  lat: number
  /** A–D, or null when not appraised. */
  grade: string | null
  hazard: string
}

export interface SurveyPoints {
  /** The points drawn (an empty list takes them off). */
  set(points: readonly SurveyPoint[]): void
  /** The file ringed as selected, or none. */
  select(id: number | null): void
  /** Who hears a click on a point (null: nobody; clicks then fall through to the map). */
  onClick(handler: ((id: number) => void) | null): void
}

/** What the adapter asks of this module besides the interface. */
export interface SurveyPointsInternal extends SurveyPoints {
  /** A click at this pixel: true when it was on a point and handled. */
  handleClick(point: { x: number; y: number }): boolean
  /** Whether a point is under this pixel (the pointer cursor). */
  hits(point: { x: number; y: number }): boolean
}

const SOURCE = 'survey-points'
const DOT = 'survey-points-dot'
const RING = 'survey-points-hazard'
const SELECTED = 'survey-points-selected'
const HIT = 7

/** The legend's colours too (the survey view draws its legend from these). */
export const GRADE_COLORS: Readonly<Record<string, string>> = { A: '#2f9e44', B: '#2f9e44', C: '#f08c00', D: '#e03131', none: '#868e96' }
export const HAZARD_RING_COLORS: Readonly<Record<string, string>> = { general: '#fcc419', major: '#fd7e14', severe: '#c92a2a' }

const gradeColor = ['match', ['get', 'grade'], 'A', GRADE_COLORS.A!, 'B', GRADE_COLORS.B!, 'C', GRADE_COLORS.C!, 'D', GRADE_COLORS.D!, GRADE_COLORS.none!] as unknown as ExpressionSpecification
const ringColor = ['match', ['get', 'hazard'], ...Object.entries(HAZARD_RING_COLORS).flat(), 'rgba(0,0,0,0)'] as unknown as ExpressionSpecification
const DOT_RADIUS = ['interpolate', ['linear'], ['zoom'], 10, 5, 16, 8] as unknown as ExpressionSpecification

function layers(): LayerSpecification[] {
  return [
    {
      id: SELECTED,
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'id'], -1],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 12, 16, 17], 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#1c7ed6', 'circle-stroke-width': 3 },
    },
    {
      // the hazard: a coloured disc under the dot, seen as a ring past the dot's white edge
      id: RING,
      type: 'circle',
      source: SOURCE,
      filter: ['!=', ['get', 'hazard'], 'none'],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 9, 16, 12.5], 'circle-color': ringColor },
    },
    {
      id: DOT,
      type: 'circle',
      source: SOURCE,
      paint: { 'circle-radius': DOT_RADIUS, 'circle-color': gradeColor, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    },
  ]
}

function collection(points: readonly SurveyPoint[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      id: p.id,
      properties: { id: p.id, grade: p.grade ?? 'none', hazard: p.hazard },
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    })),
  }
}

/** `whenReady` runs a change once the style is in place (the adapter's queue). */
export function createSurveyPoints(map: MapLibreMap, whenReady: (fn: () => void) => void): SurveyPointsInternal {
  let handler: ((id: number) => void) | null = null
  let added = false
  const ensure = () => {
    if (added && map.getSource(SOURCE)) return
    map.addSource(SOURCE, { type: 'geojson', data: collection([]) })
    for (const l of layers()) map.addLayer(l)
    added = true
  }
  const idAt = (point: { x: number; y: number }): number | null => {
    if (!added || !map.getLayer(DOT)) return null
    const box: [PointLike, PointLike] = [
      [point.x - HIT, point.y - HIT],
      [point.x + HIT, point.y + HIT],
    ]
    try {
      let best: number | null = null
      let bestD = Infinity
      for (const f of map.queryRenderedFeatures(box, { layers: [DOT] })) {
        const id = Number((f.properties as Record<string, unknown>)['id'])
        if (!Number.isInteger(id) || f.geometry.type !== 'Point') continue
        const p = map.project(f.geometry.coordinates as [number, number])
        const d = (p.x - point.x) ** 2 + (p.y - point.y) ** 2
        if (d < bestD) {
          best = id
          bestD = d
        }
      }
      return best
    } catch {
      return null
    }
  }
  return {
    set(points) {
      whenReady(() => {
        ensure()
        map.getSource<GeoJSONSource>(SOURCE)?.setData(collection(points))
      })
    },
    select(id) {
      whenReady(() => {
        ensure()
        map.setFilter(SELECTED, ['==', ['get', 'id'], id ?? -1])
      })
    },
    onClick(h) {
      handler = h
    },
    handleClick(point) {
      if (!handler) return false
      const id = idAt(point)
      if (id === null) return false
      handler(id)
      return true
    },
    hits(point) {
      return handler !== null && idAt(point) !== null
    },
  }
}
