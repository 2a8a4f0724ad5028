// The house files of the survey (自建房排查) as points on the map: the dot coloured by appraisal
// grade (A/B green, C orange, D red, not appraised grey), a ring by hazard (none: no ring; 一般
// yellow, 较大 orange, 严重 red), and a blue ring round the selected file. map-view.ts makes this
// once, on first use, and gives it the clicks first (after the reports' points); nothing else here
// touches the map, and the app sees only the SurveyPoints interface. The drawing and the clicks
// are record-points.ts's.
import type { ExpressionSpecification, LayerSpecification, Map as MapLibreMap } from 'maplibre-gl'
import { createRecordPoints, type RecordPoints, type RecordPointsInternal } from './record-points.ts'

export interface SurveyPoint {
  id: number
  lon: number
  lat: number
  /** A–D, or null when not appraised. */
  grade: string | null
  hazard: string
}

export type SurveyPoints = RecordPoints<SurveyPoint>

/** What the adapter asks of this module besides the interface. */
export type SurveyPointsInternal = RecordPointsInternal<SurveyPoint>

const SOURCE = 'survey-points'

/** The legend's colours too (the survey view draws its legend from these). */
export const GRADE_COLORS: Readonly<Record<string, string>> = { A: '#2f9e44', B: '#2f9e44', C: '#f08c00', D: '#e03131', none: '#868e96' }
export const HAZARD_RING_COLORS: Readonly<Record<string, string>> = { general: '#fcc419', major: '#fd7e14', severe: '#c92a2a' }

const gradeColor = ['match', ['get', 'grade'], 'A', GRADE_COLORS.A!, 'B', GRADE_COLORS.B!, 'C', GRADE_COLORS.C!, 'D', GRADE_COLORS.D!, GRADE_COLORS.none!] as unknown as ExpressionSpecification
const ringColor = ['match', ['get', 'hazard'], ...Object.entries(HAZARD_RING_COLORS).flat(), 'rgba(0,0,0,0)'] as unknown as ExpressionSpecification

// the hazard: a coloured disc under the dot, seen as a ring past the dot's white edge
const HAZARD: LayerSpecification = {
  id: 'survey-points-hazard',
  type: 'circle',
  source: SOURCE,
  filter: ['!=', ['get', 'hazard'], 'none'],
  paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 9, 16, 12.5], 'circle-color': ringColor },
}

/** `whenReady` runs a change once the style is in place (the adapter's queue). */
export function createSurveyPoints(map: MapLibreMap, whenReady: (fn: () => void) => void): SurveyPointsInternal {
  const properties = (p: SurveyPoint) => ({ grade: p.grade ?? 'none', hazard: p.hazard })
  return createRecordPoints(map, whenReady, { source: SOURCE, hit: 7, selectedRadius: [12, 17], dotColor: gradeColor, under: [HAZARD], properties })
}
