// The point layers made on first use (public reports, house-survey files): their clicks and the
// pointer cursor come before inspecting the tiles' features.
import type { Map as MapLibreMap } from 'maplibre-gl'
import { createReportPoints, type ReportPointsInternal } from '../report-points.ts'
import { createSurveyPoints, type SurveyPointsInternal } from '../survey-points.ts'
import type { WhenReady } from './ready.ts'

type ScreenPoint = { x: number; y: number }

export interface PointOverlays {
  reports(): ReportPointsInternal
  surveys(): SurveyPointsInternal
  /** Whether one of their points is under the mouse. */
  hits(p: ScreenPoint): boolean
  /** Handles a click on one of their points; false when the click was not theirs. */
  handleClick(p: ScreenPoint): boolean
}

export function createPointOverlays(map: MapLibreMap, whenReady: WhenReady): PointOverlays {
  let reports: ReportPointsInternal | null = null
  let surveys: SurveyPointsInternal | null = null
  return {
    reports: () => (reports ??= createReportPoints(map, whenReady)),
    surveys: () => (surveys ??= createSurveyPoints(map, whenReady)),
    hits: (p) => Boolean(reports?.hits(p) || surveys?.hits(p)),
    handleClick: (p) => Boolean(reports?.handleClick(p) || surveys?.handleClick(p)),
  }
}
