// The adapter's public face: what panels pass to createMapView and the MapView they get back. No
// MapLibre type appears here.
import type { Bbox, Feature, Meta } from '../../api.ts'
import type { RasterLayer } from '../basemaps.ts'
import type { ChoroplethSpec, Highlight } from '../choropleth.ts'
import type { DrawController, DrawOptions } from '../draw.ts'
import type { CaseStats, FeatureRef, Opacity, ViewState, Visibility } from '../groups.ts'
import type { ReportPoints } from '../report-points.ts'
import type { SurveyPoints } from '../survey-points.ts'

export interface Padding {
  top: number
  right: number
  bottom: number
  left: number
}

export interface MapViewOptions {
  container: HTMLElement
  meta: Meta
  visibility: Visibility
  opacity: Opacity
  /** Online basemap layers (empty: none, the default). */
  basemap: readonly RasterLayer[]
  /** After every render that settled (all tiles loaded, no animation). */
  onIdle?(stats: CaseStats, view: ViewState): void
  /** When the camera stops moving. */
  onView?(view: ViewState): void
  /**
   * A source or style error (e.g. a tile request failed), once per distinct message; `status` is
   * the HTTP status when a request failed (401: the session has ended). A 404 tile is not an
   * error to MapLibre (it draws nothing there).
   */
  onError?(message: string, status?: number): void
  /** A click on a feature (null: on nothing inspectable). Aggregated building points zoom in instead. */
  onFeatureClick?(ref: FeatureRef | null): void
  /** The feature under the mouse changed (null: none). */
  onHover?(ref: FeatureRef | null): void
  /** The mouse position in lon/lat, null when the mouse left the map. */
  onPointer?(lngLat: [number, number] | null): void
  /** Room to keep free when fitting the district, e.g. for a panel over the map's left side. */
  fitPadding?: Padding
  /** Keep the view in the URL hash (`map=`); false for a secondary map (a case's site map). */
  hash?: boolean
  /** A site map: no navigation controls or scale; a fixed view from the caller. */
  compact?: boolean
}

export interface MapView {
  setVisibility(visibility: Visibility): void
  setOpacity(opacity: Opacity): void
  setBasemap(layers: readonly RasterLayer[]): void
  /** The feature to outline as selected (its full geometry), or null. */
  setSelection(feature: Feature | null): void
  /** Whether the selection is drawn in the viewport now (after it loaded). */
  selectionDrawn(): boolean
  /** Fetch the case tiles again (after a case changed: status, overdue). */
  refreshCases(): void
  /** Back to the whole district (`padding`: other than the map's own, e.g. for a narrower map). */
  fitDistrict(animate?: boolean, padding?: Padding): void
  /** Fly to a box; a box of zero size (a point) is shown at maxZoom. */
  fitBounds(bbox: Bbox, options?: { maxZoom?: number; padding?: Padding }): void
  jumpTo(view: { center: [number, number]; zoom: number }): void
  /** Distinct cases (by id) drawn in the current viewport, by status. */
  caseStats(): CaseStats
  view(): ViewState
  resize(): void
  destroy(): void
  // --- planning and dashboard (draw.ts, choropleth.ts) ---
  /** terra-draw on this map, loaded on first use (planning view). */
  startDrawing(options: DrawOptions): Promise<DrawController>
  /** Colours the admin units of a level by a figure; null takes the colours off. */
  setChoropleth(spec: ChoroplethSpec | null): void
  /** Outlines admin units or parcels by id (key villages, a picked selection); empty ids: none. */
  setHighlight(highlight: Highlight): void
  /** Fetch a collection's tiles again (after an edit: a saved zone). */
  refreshCollection(id: string): void
  /** Narrows a collection's tiles by its tile parameters (e.g. {batch: 2}); null shows it whole. */
  setTileFilter(id: string, params: Readonly<Record<string, number>> | null): void
  /** The map as drawn now, as a PNG data URL (the printable report). */
  snapshot(): Promise<string>
  /**
   * The next click on the map as lon/lat (a crosshair cursor until then), for placing a point such
   * as a 待定位 case; null when cancelled (Escape, cancelPick, or another pick started).
   */
  pickPoint(): Promise<[number, number] | null>
  cancelPick(): void
  /** The public reports' points (report-points.ts), made on first use; their clicks come before inspecting. */
  reportPoints(): ReportPoints
  /** The house survey's files (survey-points.ts), made on first use; their clicks come next. */
  surveyPoints(): SurveyPoints
}
