// A view's records as points on the map (map/record-points.ts through the map adapter), what the
// reports' and the survey's views share: the points drawn, a click on one handed to `onOpen`, the
// selected one ringed, and all taken off when the view closes.
import { useEffect } from 'react'
import type { MapView } from '../map/map-view.ts'
import type { RecordPoint, RecordPoints } from '../map/record-points.ts'

/**
 * `layer` picks the points from the adapter (made there on first use): a function defined once,
 * outside the component. `onOpen` should be stable (useCallback).
 */
export function useMapPoints<P extends RecordPoint>(
  mapView: MapView | null,
  layer: (view: MapView) => RecordPoints<P>,
  points: readonly P[],
  selectedId: number | null,
  onOpen: (id: number) => void,
) {
  useEffect(() => {
    if (mapView) layer(mapView).set(points)
  }, [mapView, layer, points])
  useEffect(() => {
    if (!mapView) return
    const drawn = layer(mapView)
    drawn.onClick(onOpen)
    return () => {
      drawn.onClick(null)
      drawn.set([])
      drawn.select(null)
    }
  }, [mapView, layer, onOpen])
  useEffect(() => {
    if (mapView) layer(mapView).select(selectedId)
  }, [mapView, layer, selectedId])
}
