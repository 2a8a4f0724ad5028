// The MapLibre adapter: the only module of the app that talks to maplibre-gl. It creates the map
// from /api/meta, owns the style, switches layers and their opacity, adds an online basemap when
// the user chose one, extrudes buildings, highlights the feature under the mouse (feature-state),
// draws the selected feature, places the place-name labels, and reports what it drew (cases in
// view), what was clicked and where the mouse is. Panels and React state use the MapView interface
// (view/types.ts) and never see a MapLibre type. Each concern is a controller in view/; this file
// makes the map and wires them together.
import { AttributionControl, Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
// The worker ships as its own self-contained module; without this MapLibre would look for it next
// to the bundled chunk, where Vite does not put it.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import { createDeckView } from './deck/deck-view.ts'
import { buildStyle } from './style.ts'
import { createCamera, DEFAULT_PADDING, startView } from './view/camera.ts'
import { caseStatsOf } from './view/case-stats.ts'
import { createDashboardLayers } from './view/dashboard-layers.ts'
import { createDrawingMode } from './view/drawing.ts'
import { createExtrusion, rotationOptions } from './view/extrusion.ts'
import { createHover } from './view/hover.ts'
import { createLayerState, prepareStyle } from './view/layer-state.ts'
import { createLayerSwitches } from './view/layer-switches.ts'
import { reportMapEvents } from './view/map-events.ts'
import { createPicker } from './view/picking.ts'
import { createPlaceLabels } from './view/place-labels.ts'
import { createPointOverlays } from './view/point-overlays.ts'
import { createPointPick } from './view/point-pick.ts'
import { createPointer } from './view/pointer.ts'
import { createReadiness } from './view/ready.ts'
import { createSelection } from './view/selection.ts'
import { createTileUrls } from './view/tile-urls.ts'
import type { MapView, MapViewOptions } from './view/types.ts'

export type { MapView, MapViewOptions, Padding } from './view/types.ts'

setWorkerUrl(workerUrl)

export function createMapView(opts: MapViewOptions): MapView {
  const { meta } = opts
  const built = buildStyle(meta, window.location.origin)
  const { style } = built
  const layerState = createLayerState(built.layers, { visibility: opts.visibility, opacity: opts.opacity, basemap: opts.basemap })
  // Start with the user's layer choice and opacities already in the style, so nothing hidden is
  // ever fetched.
  prepareStyle(style, layerState)

  const bbox = meta.district?.bbox ?? null
  const padding = opts.fitPadding ?? DEFAULT_PADDING
  const map = new MapLibreMap({
    container: opts.container,
    style,
    ...startView(bbox, padding),
    minZoom: 6,
    maxZoom: 19,
    // The view is kept in the URL (#map=zoom/lat/lon[/bearing/pitch]): links and reloads open where
    // one was. A hash present at start wins over fitting the district. (url-state.ts adds layers=.)
    ...(opts.hash === false ? {} : { hash: 'map' }),
    // Attributions of an online basemap, when one is on; compact, as an (i) button.
    attributionControl: false,
    // Tilting and turning only with extruded buildings.
    ...rotationOptions(layerState.extruded()),
    // The sample's district is the only thing on the map; keep the world from wrapping around it.
    renderWorldCopies: false,
  })
  const extrusion = createExtrusion(map, layerState.extruded)
  if (!opts.compact) {
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right')
    map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right')
  }
  map.addControl(new AttributionControl({ compact: true }), 'bottom-right')

  let destroyed = false
  const isDestroyed = () => destroyed
  const ready = createReadiness(map)
  const { whenReady } = ready
  const camera = createCamera(map, bbox, padding)
  const labels = createPlaceLabels(map, isDestroyed)
  const pick = createPicker(map, style.layers, built.inspectable, layerState.isVisible)
  const setHover = createHover(map, opts.onHover)
  const pointPick = createPointPick(map)
  const drawing = createDrawingMode(map, whenReady, () => setHover(null))
  const deck = createDeckView(map, whenReady, { meta, visibility: () => layerState.visibility, onFeatureClick: opts.onFeatureClick, onError: opts.onError })
  const overlays = deck.over(createPointOverlays(map, whenReady))
  const pointer = createPointer(map, { meta, pick, setHover, pointPick, drawing, overlays, destroyed: isDestroyed, opts })
  // the hexagons, while on, stand for the case layers: the panel's counts come from their points
  const caseStats = () => deck.caseStats() ?? caseStatsOf(map)
  reportMapEvents(map, camera.view, caseStats, isDestroyed, opts)
  const switches = createLayerSwitches(map, layerState, whenReady, () => {
    extrusion.apply()
    deck.apply()
  })
  const tiles = createTileUrls(map, meta, whenReady)

  return {
    ...switches,
    ...createSelection(map, ready),
    ...camera,
    ...createDashboardLayers(map, whenReady),
    refreshCases() {
      tiles.refresh('cases')
      deck.refreshCases()
    },
    refreshCollection: (id) => tiles.refresh(id),
    setTileFilter: (id, params) => tiles.setFilter(id, params),
    caseStats,
    resize() {
      map.resize()
    },
    startDrawing: (options) => drawing.start(options),
    snapshot() {
      // The drawing buffer is only intact within the frame that drew it: read it in 'render'.
      return new Promise<string>((resolve) => {
        map.once('render', () => resolve(map.getCanvas().toDataURL('image/png')))
        map.triggerRepaint()
      })
    },
    pickPoint: () => pointPick.start(),
    cancelPick() {
      pointPick.end(null)
    },
    reportPoints: () => overlays.reports(),
    surveyPoints: () => overlays.surveys(),
    destroy() {
      pointPick.end(null)
      destroyed = true
      labels.destroy()
      pointer.destroy()
      deck.destroy()
      map.remove()
    },
  }
}
