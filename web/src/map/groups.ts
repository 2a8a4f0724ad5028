// The layer groups a user can switch on and off, top of the map first. This module is free of
// MapLibre so that panels can list the groups; style.ts says which style layers make up each group.
import type { MessageKey } from '../i18n/messages.ts'

// `minzoom`: where the style starts drawing the group (the legend greys it out below).
export const LAYER_GROUPS = [
  { id: 'cases', label: 'layer.cases', collection: 'cases', minzoom: 0, defaultVisible: true },
  { id: 'labels', label: 'layer.labels', collection: 'admin-units', minzoom: 0, defaultVisible: true },
  { id: 'buildings', label: 'layer.buildings', collection: 'buildings', minzoom: 13, defaultVisible: true },
  { id: 'roads', label: 'layer.roads', collection: 'roads', minzoom: 0, defaultVisible: true },
  { id: 'waters', label: 'layer.waters', collection: 'waters', minzoom: 0, defaultVisible: true },
  { id: 'reference-areas', label: 'layer.referenceAreas', collection: 'reference-areas', minzoom: 0, defaultVisible: true },
  { id: 'parcels', label: 'layer.parcels', collection: 'parcels', minzoom: 14, defaultVisible: true },
  { id: 'admin', label: 'layer.admin', collection: 'admin-units', minzoom: 0, defaultVisible: true },
] as const satisfies readonly { id: string; label: MessageKey; collection: string; minzoom: number; defaultVisible: boolean }[]

export type LayerGroupId = (typeof LAYER_GROUPS)[number]['id']
export type GroupVisibility = Readonly<Record<LayerGroupId, boolean>>

export function defaultVisibility(): Record<LayerGroupId, boolean> {
  return Object.fromEntries(LAYER_GROUPS.map((g) => [g.id, g.defaultVisible])) as Record<LayerGroupId, boolean>
}

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
