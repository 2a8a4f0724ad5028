// The public's reports (举报受理) as points on the map: a GeoJSON source of the queue, coloured by
// status, a ring round the selected one and the size of a group (reports of one place) beside it.
// map-view.ts makes this once, on first use, and gives it the clicks first; nothing else here
// touches the map, and the app sees only the ReportPoints interface. The drawing and the clicks
// are record-points.ts's.
import type { ExpressionSpecification, LayerSpecification, Map as MapLibreMap } from 'maplibre-gl'
import { createRecordPoints, type RecordPoints, type RecordPointsInternal } from './record-points.ts'
import { LABEL_FONTS } from './style.ts'

export interface ReportPoint {
  id: number
  lon: number
  lat: number
  status: string
  groupId: number
  groupSize: number
}

export type ReportPoints = RecordPoints<ReportPoint>

/** What the adapter asks of this module besides the interface. */
export type ReportPointsInternal = RecordPointsInternal<ReportPoint>

const SOURCE = 'report-points'

export const REPORT_STATUS_COLORS: Readonly<Record<string, string>> = {
  submitted: '#e8590c',
  more_info: '#9c36b5',
  accepted: '#2b8a3e',
  rejected: '#868e96',
}

const statusColor = ['match', ['get', 'status'], ...Object.entries(REPORT_STATUS_COLORS).flat(), '#e8590c'] as unknown as ExpressionSpecification

// the size of a group once, at its first report (over the dot)
const COUNT: LayerSpecification = {
  id: 'report-points-count',
  type: 'symbol',
  source: SOURCE,
  filter: ['all', ['>', ['get', 'groupSize'], 1], ['==', ['get', 'id'], ['get', 'groupId']]],
  layout: {
    'text-field': ['concat', '×', ['to-string', ['get', 'groupSize']]],
    'text-font': LABEL_FONTS,
    'text-size': 12,
    'text-offset': [1.5, -1.2],
    'text-allow-overlap': true,
  },
  paint: { 'text-color': '#7a2e00', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
}

/** `whenReady` runs a change once the style is in place (the adapter's queue). */
export function createReportPoints(map: MapLibreMap, whenReady: (fn: () => void) => void): ReportPointsInternal {
  const properties = (p: ReportPoint) => ({ status: p.status, groupId: p.groupId, groupSize: p.groupSize })
  return createRecordPoints(map, whenReady, { source: SOURCE, hit: 6, selectedRadius: [10, 15], dotColor: statusColor, over: [COUNT], properties })
}
