// The published layers: one entry each, fixed at startup. Table, column and property names used
// in SQL come only from here (an allow-list), never from a request.
import { overdueSql } from '../repos/case-clocks.sql.ts'

export type GeometryKind = 'polygon' | 'line' | 'point' | 'mixed'
export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'timestamp'

export interface Property {
  /** Property name in the API; also the column name. */
  name: string
  type: PropertyType
  /** Chinese label, shown in the web inspector and the HTML representation. */
  title: string
  enum?: readonly string[]
}

export interface LayerSource {
  /** Collection id, URL segment and vector-tile layer name. */
  id: string
  title: string
  description: string
  table: string
  /** Unique, stable column: feature id and sort order. */
  key: string
  geometryKind: GeometryKind
  /** Tiles below this zoom are empty (the layer is too dense to draw there). */
  minzoom: number
  /** Columns each tile feature carries: only what the style uses. */
  tileColumns: readonly string[]
  /** Computed attributes tiles carry too: name -> SQL expression (fixed here, never from a request). */
  tileExpressions?: Readonly<Record<string, string>>
  /** Tile URL parameters that narrow a layer: name -> integer column (e.g. ?batch=2 -> batch_id = 2). */
  tileFilters?: Readonly<Record<string, string>>
  /**
   * Where the layer is too dense to draw one by one, tiles carry grid cells instead: points with
   * `count` and `area_m2` (sum of areaColumn), placed at the centroid of the cell's points, one
   * per value of groupBy if given (e.g. per case status, so colours still mean something).
   * Always below belowZoom; at any zoom for a tile holding more than maxFeatures rows.
   */
  aggregate?: { belowZoom: number; maxFeatures?: number; point: string; areaColumn: string; groupBy?: string }
  /** Attributes of items, and the properties a filter may name (the queryables). */
  properties: readonly Property[]
  /** SQL expression (from this file only) of the date that `datetime` filters on, if the layer has one. */
  temporal: string | null
  /**
   * How a user's scope (an admin-unit code) confines rows: the column holding each row's admin code,
   * or null for public reference geography (roads, rivers) that every user sees whole.
   */
  scopeColumn: string | null
  /**
   * SQL condition (fixed here, never from a request) a row must meet to be published in tiles and
   * items at all: the cases layer leaves out cases placed at their village until located (待定位),
   * whose point is a placeholder, not the site.
   */
  publishedWhere?: string
  /**
   * Below zoom 15 a polygon smaller than two tile units either way comes as its point on surface, so
   * a tiny site stays on the map as a dot; in other layers it is left out (it would be invisible).
   * For layers whose style draws points.
   */
  tinyAsPoints?: boolean
}

const CASE_STATUS = ['identified', 'notified', 'order_issued', 'demolished', 'confiscated', 'regularised', 'deferred', 'accepted', 'closed'] as const
const CASE_USE = ['residential', 'storage', 'commercial', 'office', 'other'] as const
const LAND_CLASS = ['farmland', 'basic_farmland', 'homestead', 'collective_construction', 'state_construction', 'forest', 'garden', 'water', 'road', 'other'] as const

const p = (name: string, type: PropertyType, title: string, enumValues?: readonly string[]): Property =>
  enumValues ? { name, type, title, enum: enumValues } : { name, type, title }

const synthetic = p('synthetic', 'boolean', '合成数据')



export const LAYERS: readonly LayerSource[] = [
  {
    id: 'admin-units', title: '行政区划', description: '区、镇街、村社区 (GB/T 2260 codes)',
    table: 'admin_units', key: 'code', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['code', 'name', 'level', 'synthetic_geometry'],
    properties: [
      p('code', 'string', '区划代码'), p('name', 'string', '名称'), p('level', 'string', '层级', ['district', 'town', 'village']),
      p('parent_code', 'string', '上级代码'), p('kind', 'string', '类型'),
      p('registered_population', 'integer', '户籍人口'), p('floating_population', 'integer', '流动人口'),
      p('is_key_village', 'boolean', '重点村'), p('key_village_reason', 'string', '重点村原因'),
      p('area_m2', 'number', '面积（㎡）'), p('synthetic_geometry', 'boolean', '边界为合成数据'),
    ],
    temporal: null, scopeColumn: 'code',
  },
  {
    id: 'parcels', title: '宗地', description: 'Land parcels with land class and owner type',
    table: 'parcels', key: 'id', geometryKind: 'polygon', minzoom: 14,
    tileColumns: ['id', 'land_class'],
    properties: [
      p('id', 'integer', '编号'), p('parcel_no', 'string', '宗地号'), p('admin_code', 'string', '所在村社区'),
      p('land_class', 'string', '地类', LAND_CLASS), p('owner_type', 'string', '权属', ['collective', 'state', 'individual', 'enterprise']),
      p('recorded_area_m2', 'number', '登记面积（㎡）'), p('area_m2', 'number', '计算面积（㎡）'), synthetic,
    ],
    temporal: null, scopeColumn: 'admin_code',
  },
  {
    id: 'buildings', title: '建筑', description: 'Building footprints with floors, use and safety grade',
    table: 'buildings', key: 'id', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['id', 'floors', 'use'],
    aggregate: { belowZoom: 13, point: 'centroid', areaColumn: 'footprint_area_m2' },
    properties: [
      p('id', 'integer', '编号'), p('admin_code', 'string', '所在村社区'), p('parcel_id', 'integer', '所在宗地'),
      p('floors', 'integer', '层数'), p('structure', 'string', '结构', ['brick_concrete', 'brick_wood', 'steel', 'frame', 'simple', 'other']),
      p('use', 'string', '用途', ['residential', 'storage', 'commercial', 'office', 'industrial', 'public', 'other']),
      p('self_built', 'boolean', '自建房'), p('rented', 'boolean', '出租'), p('safety_grade', 'string', '安全等级', ['A', 'B', 'C', 'D']),
      p('permit_no', 'string', '规划许可证号'), p('built_year', 'integer', '建成年份'), p('footprint_area_m2', 'number', '占地面积（㎡）'), synthetic,
    ],
    temporal: null, scopeColumn: 'admin_code',
  },
  {
    id: 'roads', title: '道路', description: 'Roads by class (四道), including ring roads',
    table: 'roads', key: 'id', geometryKind: 'line', minzoom: 0,
    tileColumns: ['id', 'name', 'road_class', 'ring_no'],
    properties: [
      p('id', 'integer', '编号'), p('name', 'string', '名称'), p('road_code', 'string', '路线编号'),
      p('road_class', 'string', '等级', ['expressway', 'national', 'provincial', 'county', 'village']), p('ring_no', 'integer', '环路'), synthetic,
    ],
    temporal: null, scopeColumn: null,
  },
  {
    id: 'waters', title: '水系', description: 'Rivers, streams and reservoirs (六边)',
    table: 'waters', key: 'id', geometryKind: 'mixed', minzoom: 0,
    tileColumns: ['id', 'name', 'kind'],
    properties: [p('id', 'integer', '编号'), p('name', 'string', '名称'), p('kind', 'string', '类型', ['river', 'stream', 'reservoir']), synthetic],
    temporal: null, scopeColumn: null,
  },
  {
    id: 'reference-areas', title: '居民区、景区、企业驻地', description: 'Residential, scenic and enterprise areas (六边)',
    table: 'reference_areas', key: 'id', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['id', 'name', 'kind'],
    properties: [p('id', 'integer', '编号'), p('name', 'string', '名称'), p('kind', 'string', '类型', ['residential', 'scenic', 'enterprise']), synthetic],
    temporal: null, scopeColumn: null,
  },
  {
    id: 'cases', title: '违法建设台账', description: 'The violation ledger: one row per illegal structure or site',
    table: 'cases', key: 'id', geometryKind: 'mixed', minzoom: 0,
    tileColumns: ['id', 'case_no', 'status', 'use'],
    tileExpressions: { overdue: overdueSql('', 'now()').any },
    aggregate: { belowZoom: 0, maxFeatures: 5000, point: 'ST_PointOnSurface(geom)', areaColumn: 'coalesce(land_area_recorded_m2, land_area_computed_m2)', groupBy: 'status' },
    properties: [
      p('id', 'integer', '编号'), p('case_no', 'string', '台账编号'), p('admin_code', 'string', '所在村社区'), p('location_text', 'string', '位置'),
      p('use', 'string', '用途', CASE_USE), p('ownership', 'string', '权属类别', ['collective', 'state', 'enterprise', 'government_social', 'individual']),
      p('building_form', 'string', '建筑形式'), p('floors', 'integer', '层数'),
      p('land_area_recorded_m2', 'number', '占地面积（登记，㎡）'), p('floor_area_recorded_m2', 'number', '建筑面积（登记，㎡）'),
      p('land_area_computed_m2', 'number', '占地面积（计算，㎡）'), p('floor_area_computed_m2', 'number', '建筑面积（计算，㎡）'),
      p('source', 'string', '发现来源', ['satellite', 'patrol', 'report', 'self_check', 'assigned']), p('status', 'string', '状态', CASE_STATUS),
      p('disposal', 'string', '处置方式', ['self_demolition', 'assisted_demolition', 'enforced_demolition', 'confiscation', 'regularisation', 'deferral']),
      p('found_at', 'timestamp', '发现时间'), p('deadline', 'date', '限期'), p('disposed_at', 'timestamp', '处置时间'), p('closed_at', 'timestamp', '销账时间'),
      p('demolished_land_area_m2', 'number', '拆除占地面积（㎡）'), p('demolished_floor_area_m2', 'number', '拆除建筑面积（㎡）'),
      p('reuse', 'string', '拆后利用', ['road', 'greening', 'landscape', 'parking', 'market', 'farmland', 'other']), p('regreened_area_m2', 'number', '覆绿面积（㎡）'),
      p('reopened_from', 'integer', '反弹自案件'), synthetic,
    ],
    temporal: 'found_at', scopeColumn: 'admin_code',
    publishedWhere: 'NOT location_pending', tinyAsPoints: true,
  },
  {
    id: 'detections', title: '卫片图斑', description: 'Satellite-change patches and their verification',
    table: 'detections', key: 'id', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['id', 'patch_no', 'status', 'result', 'batch_id'],
    // The patches view shows one batch: its list and the map agree, grid points included.
    tileFilters: { batch: 'batch_id' },
    // Zoomed out, patches are grid points per outcome (the result once verified, else the status).
    aggregate: { belowZoom: 12, point: 'ST_PointOnSurface(geom)', areaColumn: 'area_m2', groupBy: 'outcome' },
    properties: [
      p('id', 'integer', '编号'), p('batch_id', 'integer', '批次'), p('patch_no', 'string', '图斑编号'), p('admin_code', 'string', '所在村社区'),
      p('change_type', 'string', '变化类型', ['new_building', 'extension', 'land_cleared', 'other']), p('confidence', 'number', '置信度'),
      p('area_m2', 'number', '面积（㎡）'), p('status', 'string', '核查状态', ['pending', 'assigned', 'verified']),
      p('result', 'string', '核查结果', ['violation', 'legal', 'false_change']), p('verified_at', 'timestamp', '核查时间'), p('case_id', 'integer', '关联案件'), synthetic,
    ],
    temporal: 'verified_at', scopeColumn: 'admin_code', tinyAsPoints: true,
  },
  {
    id: 'zones', title: '整治区域', description: "Planners' rectification zones",
    table: 'zones', key: 'id', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['id', 'name', 'zone_type'],
    properties: [
      p('id', 'integer', '编号'), p('name', 'string', '名称'), p('zone_type', 'string', '类型', ['rectification_area', 'key_village', 'violation_free', 'other']),
      p('admin_code', 'string', '所在区划'), p('period_start', 'date', '开始日期'), p('period_end', 'date', '结束日期'),
      p('responsible_unit', 'string', '责任单位'), p('area_m2', 'number', '面积（㎡）'),
    ],
    temporal: 'period_start', scopeColumn: 'admin_code',
  },
  {
    id: 'buffer-zones', title: '四道六边及环路缓冲区', description: 'Buffer zones computed from roads, waters, areas and ring roads',
    table: 'buffer_zones', key: 'id', geometryKind: 'polygon', minzoom: 0,
    tileColumns: ['id', 'family', 'class', 'name'],
    // Zones of past rule set versions stay (statistics reproduce with them); styles draw active ones.
    tileExpressions: { active: '(SELECT s.active FROM buffer_rule_sets s WHERE s.id = rule_set_id)' },
    properties: [
      p('id', 'integer', '编号'), p('rule_set_id', 'integer', '规则版本'), p('family', 'string', '类别', ['road', 'side', 'ring_band']),
      p('class', 'string', '子类'), p('width_m', 'number', '宽度（m）'), p('name', 'string', '名称'), p('area_m2', 'number', '面积（㎡）'),
    ],
    temporal: null, scopeColumn: null,
  },
]

export function findLayer(id: string): LayerSource | undefined {
  return LAYERS.find((l) => l.id === id)
}
