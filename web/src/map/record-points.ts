// Records as coloured points on the map, what the reports' points (report-points.ts) and the survey's
// files (survey-points.ts) share: a GeoJSON source of the records, a dot layer coloured by an
// expression, a blue ring round the selected record, layers of their own under or over the dot,
// and the click on the point nearest the mouse. The source and layers are added on first use.
import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap, PointLike } from 'maplibre-gl'
import type { FeatureCollection, GeoJsonProperties, Point } from 'geojson'

/** What every drawn record has: its id and place. */
export interface RecordPoint {
  id: number
  lon: number
  lat: number
}

export interface RecordPoints<P extends RecordPoint> {
  /** The points drawn (an empty list takes them off). */
  set(points: readonly P[]): void
  /** The record ringed as selected, or none. */
  select(id: number | null): void
  /** Who hears a click on a point (null: nobody; clicks then fall through to the map). */
  onClick(handler: ((id: number) => void) | null): void
}

/** What the adapter asks of this module besides the interface. */
export interface RecordPointsInternal<P extends RecordPoint> extends RecordPoints<P> {
  /** A click at this pixel: true when it was on a point and handled. */
  handleClick(point: { x: number; y: number }): boolean
  /** Whether a point is under this pixel (the pointer cursor). */
  hits(point: { x: number; y: number }): boolean
}

/** The layers are `${source}-selected` (the ring), the caller's `under`, `${source}-dot` (hit-tested) and `over`. */
export interface RecordPointsConfig<P extends RecordPoint> {
  source: string
  /** The selected ring's radius at zoom 10 and at zoom 16. */
  selectedRadius: readonly [number, number]
  /** The dot's colour (an expression on the feature's properties). */
  dotColor: ExpressionSpecification
  /** Layers between the selected ring and the dot. */
  under?: readonly LayerSpecification[]
  /** Layers over the dot. */
  over?: readonly LayerSpecification[]
  /** How far round the pointer (px) a point is hit. */
  hit: number
  /** What a feature carries besides its id. */
  properties(p: P): GeoJsonProperties
}

function layers<P extends RecordPoint>(c: RecordPointsConfig<P> & { dot: string; selected: string }): LayerSpecification[] {
  const [r10, r16] = c.selectedRadius
  return [
    {
      id: c.selected,
      type: 'circle',
      source: c.source,
      filter: ['==', ['get', 'id'], -1],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, r10, 16, r16], 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#1c7ed6', 'circle-stroke-width': 3 },
    },
    ...(c.under ?? []),
    {
      id: c.dot,
      type: 'circle',
      source: c.source,
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 5, 16, 8], 'circle-color': c.dotColor, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    },
    ...(c.over ?? []),
  ]
}

function collection<P extends RecordPoint>(c: RecordPointsConfig<P>, points: readonly P[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      id: p.id,
      properties: { id: p.id, ...c.properties(p) },
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    })),
  }
}

/** `whenReady` runs a change once the style is in place (the adapter's queue). */
export function createRecordPoints<P extends RecordPoint>(map: MapLibreMap, whenReady: (fn: () => void) => void, config: RecordPointsConfig<P>): RecordPointsInternal<P> {
  const c = { ...config, dot: `${config.source}-dot`, selected: `${config.source}-selected` }
  let handler: ((id: number) => void) | null = null
  let added = false
  const ensure = () => {
    if (added && map.getSource(c.source)) return
    map.addSource(c.source, { type: 'geojson', data: collection(c, []) })
    for (const l of layers(c)) map.addLayer(l)
    added = true
  }
  const idAt = (point: { x: number; y: number }): number | null => {
    if (!added || !map.getLayer(c.dot)) return null
    const box: [PointLike, PointLike] = [
      [point.x - c.hit, point.y - c.hit],
      [point.x + c.hit, point.y + c.hit],
    ]
    try {
      // the point nearest the mouse: records of one place lie close together
      let best: number | null = null
      let bestD = Infinity
      for (const f of map.queryRenderedFeatures(box, { layers: [c.dot] })) {
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
        map.getSource<GeoJSONSource>(c.source)?.setData(collection(c, points))
      })
    },
    select(id) {
      whenReady(() => {
        ensure()
        map.setFilter(c.selected, ['==', ['get', 'id'], id ?? -1])
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
