// The public's reports (举报受理) as points on the map: a GeoJSON source of the queue, coloured by
// status, a ring round the selected one and the size of a group (reports of one place) beside it.
// map-view.ts makes this once, on first use, and gives it the clicks first; nothing else here
// touches the map, and the app sees only the ReportPoints interface.
import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap, PointLike } from 'maplibre-gl'
import type { FeatureCollection, Point } from 'geojson'
import { LABEL_FONTS } from './style.ts'

export interface ReportPoint {
  id: number
  lon: number
  lat: number
  status: string
  groupId: number
  groupSize: number
}

export interface ReportPoints {
  /** The points drawn (an empty list takes them off). */
  set(points: readonly ReportPoint[]): void
  /** The report ringed as selected, or none. */
  select(id: number | null): void
  /** Who hears a click on a point (null: nobody; clicks then fall through to the map). */
  onClick(handler: ((id: number) => void) | null): void
}

/** What the adapter asks of this module besides the interface. */
export interface ReportPointsInternal extends ReportPoints {
  /** A click at this pixel: true when it was on a point and handled. */
  handleClick(point: { x: number; y: number }): boolean
  /** Whether a point is under this pixel (the pointer cursor). */
  hits(point: { x: number; y: number }): boolean
}

const SOURCE = 'report-points'
const DOT = 'report-points-dot'
const RING = 'report-points-selected'
const COUNT = 'report-points-count'
const HIT = 6

export const REPORT_STATUS_COLORS: Readonly<Record<string, string>> = {
  submitted: '#e8590c',
  more_info: '#9c36b5',
  accepted: '#2b8a3e',
  rejected: '#868e96',
}

const statusColor = ['match', ['get', 'status'], ...Object.entries(REPORT_STATUS_COLORS).flat(), '#e8590c'] as unknown as ExpressionSpecification

function layers(): LayerSpecification[] {
  return [
    {
      id: RING,
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'id'], -1],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 10, 16, 15], 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#1c7ed6', 'circle-stroke-width': 3 },
    },
    {
      id: DOT,
      type: 'circle',
      source: SOURCE,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 5, 16, 8],
        'circle-color': statusColor,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      // the size of a group once, at its first report
      id: COUNT,
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
    },
  ]
}

function collection(points: readonly ReportPoint[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      id: p.id,
      properties: { id: p.id, status: p.status, groupId: p.groupId, groupSize: p.groupSize },
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    })),
  }
}

/** `whenReady` runs a change once the style is in place (the adapter's queue). */
export function createReportPoints(map: MapLibreMap, whenReady: (fn: () => void) => void): ReportPointsInternal {
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
      // the point nearest the mouse: reports of one place lie close together
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
        map.setFilter(RING, ['==', ['get', 'id'], id ?? -1])
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
