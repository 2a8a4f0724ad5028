// The layers a user can switch on and off, and the state the map reports back. Free of MapLibre so
// that panels and the URL code can use it; style.ts says which style layers make up each one.
import type { MessageKey } from '../i18n/messages.ts'

/**
 * The layer groups of the layer panel, BOTTOM TO TOP (the panel lists them top first). Each has a
 * visibility switch and an opacity. `collections`: the /api/meta layers it draws; a group whose
 * collections the server does not publish is left out.
 */
export const LAYER_GROUPS = [
  { id: 'basemap', label: 'layer.basemap', collections: ['roads', 'waters', 'reference-areas'] },
  { id: 'admin', label: 'layer.admin', collections: ['admin-units'] },
  { id: 'parcels', label: 'layer.parcels', collections: ['parcels'] },
  { id: 'buildings', label: 'layer.buildings', collections: ['buildings'] },
  { id: 'buffer-zones', label: 'layer.bufferZones', collections: ['buffer-zones'] },
  { id: 'zones', label: 'layer.zones', collections: ['zones'] },
  { id: 'detections', label: 'layer.detections', collections: ['detections'] },
  { id: 'cases', label: 'layer.cases', collections: ['cases'] },
] as const satisfies readonly { id: string; label: MessageKey; collections: readonly string[] }[]

export type GroupId = (typeof LAYER_GROUPS)[number]['id']

/**
 * Switches inside a group: shown only when the group is, each with its own switch. `buildings-3d`
 * (extruded buildings) and the deck.gl views are off by default.
 */
export const SUB_LAYERS = [
  { id: 'roads', parent: 'basemap', label: 'layer.roads', collection: 'roads', defaultVisible: true },
  { id: 'waters', parent: 'basemap', label: 'layer.waters', collection: 'waters', defaultVisible: true },
  { id: 'reference-areas', parent: 'basemap', label: 'layer.referenceAreas', collection: 'reference-areas', defaultVisible: true },
  { id: 'labels', parent: 'basemap', label: 'layer.labels', collection: 'admin-units', defaultVisible: true },
  { id: 'buildings-3d', parent: 'buildings', label: 'layer.buildings3d', collection: 'buildings', defaultVisible: false },
  // deck.gl views (map/deck/, decision 81): off by default, each an alternative the user switches on
  { id: 'buildings-grade', parent: 'buildings', label: 'layer.buildingsGrade', collection: 'buildings', defaultVisible: false },
  { id: 'detection-results', parent: 'detections', label: 'layer.detectionResults', collection: 'detections', defaultVisible: false },
  { id: 'cases-hex', parent: 'cases', label: 'layer.casesHex', collection: 'cases', defaultVisible: false },
] as const satisfies readonly { id: string; parent: GroupId; label: MessageKey; collection: string; defaultVisible: boolean }[]

export type SubLayerId = (typeof SUB_LAYERS)[number]['id']
/** Everything with a switch: what the URL's `layers=` lists when visible. */
export type SwitchId = GroupId | SubLayerId

export const SWITCH_IDS: readonly SwitchId[] = [...LAYER_GROUPS.map((g) => g.id), ...SUB_LAYERS.map((s) => s.id)]

export type Visibility = Readonly<Record<SwitchId, boolean>>
export type Opacity = Readonly<Record<GroupId, number>>

export function defaultVisibility(): Record<SwitchId, boolean> {
  const v = Object.fromEntries(LAYER_GROUPS.map((g) => [g.id, true])) as Record<SwitchId, boolean>
  for (const s of SUB_LAYERS) v[s.id] = s.defaultVisible
  return v
}

export function defaultOpacity(): Record<GroupId, number> {
  return Object.fromEntries(LAYER_GROUPS.map((g) => [g.id, 1])) as Record<GroupId, number>
}

/** The group a switch belongs to (itself for a group). */
export function groupOf(id: SwitchId): GroupId {
  const sub = SUB_LAYERS.find((s) => s.id === id)
  return sub ? sub.parent : (id as GroupId)
}

/** Whether a switch's layers are drawn: its own switch and its group's. */
export function isShown(v: Visibility, id: SwitchId): boolean {
  return v[id] && v[groupOf(id)]
}

/** Zoom from which building tiles carry footprints (below: grid points); extrusion from EXTRUSION_MINZOOM. */
export const EXTRUSION_MINZOOM = 15
/** Metres per floor for extruded buildings. */
export const FLOOR_HEIGHT_M = 3

/** What the map reports after each render settles: the cases drawn in the current view. */
export interface CaseStats {
  /** Distinct cases (by id) drawn in the viewport. */
  total: number
  byStatus: Readonly<Record<string, number>>
}

export interface ViewState {
  zoom: number
  center: [number, number]
}

/** A feature of a published collection: what a click, a hover or a search result points at. */
export interface FeatureRef {
  collection: string
  /** The OGC feature id: `id` for most collections, `code` for admin units. */
  id: string
}
