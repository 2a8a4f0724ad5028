// Names the style and the adapter share: sources, layer ids the adapter looks for, feature ids.

/** The GeoJSON source holding the feature open in the inspector (its full geometry from the API). */
export const SELECTION_SOURCE = 'selection'
/** Online raster basemap layers are inserted before this layer (right above the background). */
export const BASEMAP_BEFORE = 'admin-fill-district'

/** Style layers that draw cases: used to count the cases in view. */
export const CASE_LAYERS = ['cases-fill', 'cases-outline', 'cases-point'] as const
/** The grid-cell points of buildings below the aggregation zoom: a click there zooms in. */
export const AGGREGATE_LAYER = 'buildings-agg'
/** Every style layer of grid-cell points, with the collection it aggregates: a click zooms in. */
export const AGGREGATE_LAYERS: Readonly<Record<string, string>> = { [AGGREGATE_LAYER]: 'buildings', 'detections-agg': 'detections' }

/** The property tile features carry their feature id in, per collection (MapLibre `promoteId`). */
export function idPropertyOf(collection: string): string {
  return collection === 'admin-units' ? 'code' : 'id'
}
