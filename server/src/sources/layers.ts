// The published layers: one entry each, fixed at startup. Table and column names used in SQL
// come only from here (an allow-list), never from a request.

export type GeometryKind = 'polygon' | 'line' | 'point' | 'mixed'

export interface LayerSource {
  /** Collection id, URL segment and vector-tile layer name. */
  id: string
  title: string
  table: string
  /** Unique, stable column: feature id and sort order. */
  key: string
  geometryKind: GeometryKind
  /** Tiles below this zoom are empty (the layer is too dense to draw there). */
  minzoom: number
  /** Columns each tile feature carries: only what the style uses. */
  tileColumns: readonly string[]
  /**
   * How a user's scope (an admin-unit code) confines rows: the column holding each row's admin code,
   * or null for public reference geography (roads, rivers) that every user sees whole.
   */
  scopeColumn: string | null
}

export const LAYERS: readonly LayerSource[] = [
  { id: 'admin-units', title: '行政区划', table: 'admin_units', key: 'code', geometryKind: 'polygon', minzoom: 0, tileColumns: ['code', 'name', 'level', 'synthetic_geometry'], scopeColumn: 'code' },
  { id: 'parcels', title: '宗地', table: 'parcels', key: 'id', geometryKind: 'polygon', minzoom: 14, tileColumns: ['id', 'land_class'], scopeColumn: 'admin_code' },
  { id: 'buildings', title: '建筑', table: 'buildings', key: 'id', geometryKind: 'polygon', minzoom: 13, tileColumns: ['id', 'floors', 'use'], scopeColumn: 'admin_code' },
  { id: 'roads', title: '道路', table: 'roads', key: 'id', geometryKind: 'line', minzoom: 0, tileColumns: ['id', 'name', 'road_class', 'ring_no'], scopeColumn: null },
  { id: 'waters', title: '水系', table: 'waters', key: 'id', geometryKind: 'mixed', minzoom: 0, tileColumns: ['id', 'name', 'kind'], scopeColumn: null },
  { id: 'reference-areas', title: '居民区、景区、企业驻地', table: 'reference_areas', key: 'id', geometryKind: 'polygon', minzoom: 0, tileColumns: ['id', 'name', 'kind'], scopeColumn: null },
  { id: 'cases', title: '违法建设台账', table: 'cases', key: 'id', geometryKind: 'mixed', minzoom: 0, tileColumns: ['id', 'case_no', 'status', 'use'], scopeColumn: 'admin_code' },
]

export function findLayer(id: string): LayerSource | undefined {
  return LAYERS.find((l) => l.id === id)
}
