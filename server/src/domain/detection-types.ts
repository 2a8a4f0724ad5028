// The shapes of the patch (卫片图斑) API, shared by the server and the web client
// (web/src/patches-api.ts imports them), so the two cannot drift apart. Pure: no I/O.
import type { HistoryEntry } from './case-types.ts'
import type { DetectionAction, DetectionResult, DetectionStatus } from './detection-lifecycle.ts'

export type { DetectionAction, DetectionResult, DetectionStatus }

export const BATCH_ISSUERS = ['ministry', 'province', 'city', 'district'] as const
export type BatchIssuer = (typeof BATCH_ISSUERS)[number]
export const IMAGERY_TYPES = ['xyz', 'wmts', 'cog'] as const
export type ImageryType = (typeof IMAGERY_TYPES)[number]
export const EXPORT_FORMATS = ['geojson', 'gpkg', 'shapefile', 'kml', 'csv', 'xlsx'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Flags a patch list filters on, each derived from the lists in the patch's screening. */
export const SCREENING_FLAGS = ['duplicate', 'rebound', 'farmland', 'basic_farmland', 'permitted', 'buffer_zone', 'key_village'] as const
export type ScreeningFlag = (typeof SCREENING_FLAGS)[number]

export const DETECTION_SORT_KEYS = ['patch_no', 'area_m2', 'status', 'admin_code', 'verified_at', 'confidence'] as const
export type DetectionSortKey = (typeof DETECTION_SORT_KEYS)[number]

export interface ImagerySource {
  type: ImageryType
  /** xyz: a {z}/{x}/{y} template; wmts: a RESTful template with {TileMatrix}/{TileRow}/{TileCol}; cog: the GeoTIFF URL. */
  url: string
  attribution?: string
}

export interface BatchImagery {
  before?: ImagerySource
  after?: ImagerySource
}

/** Counts of one selection of patches (a batch, a town, a village). */
export interface DetectionCounts {
  total: number
  pending: number
  assigned: number
  verified: number
  violation: number
  legal: number
  falseChange: number
  /** Not verified and the batch deadline has passed. */
  overdue: number
  /** Verified after the batch deadline. */
  verifiedLate: number
  /** verified / total, 0..1 (null when there are no patches). */
  verificationRate: number | null
  /** false changes / verified, 0..1 (null when none is verified). */
  falseChangeRate: number | null
  areaM2: number
}

export interface BatchSummary {
  id: number
  name: string
  issuer: BatchIssuer
  beforeDate: string
  afterDate: string
  deadline: string | null
  sourceFormat: string | null
  sourceCrs: string | null
  imagery: BatchImagery
  importedAt: string
  version: number
  counts: DetectionCounts
}

export interface DashboardRow extends DetectionCounts {
  code: string
  name: string
}

export interface BatchDashboard {
  batch: BatchSummary
  /** Beijing date the overdue figures are counted against. */
  today: string
  totals: DetectionCounts
  towns: DashboardRow[]
  villages: (DashboardRow & { townCode: string })[]
}

export interface DetectionListRow {
  id: number
  batchId: number
  patchNo: string
  adminCode: string
  adminName: string
  changeType: string
  confidence: number | null
  areaM2: number
  status: DetectionStatus
  result: DetectionResult | null
  caseId: number | null
  flags: string[]
  overdue: boolean
  verifiedAt: string | null
  version: number
}

export interface DetectionList {
  total: number
  /** Counts of the whole selection by status and result. */
  counts: DetectionCounts
  items: DetectionListRow[]
}

export interface Assignment {
  id: number
  assignee: string
  assigneeId: number
  note: string | null
  dueAt: string | null
  status: 'open' | 'done' | 'cancelled'
  assignedAt: string
}

export interface DetectionRecord extends DetectionListRow {
  batchName: string
  deadline: string | null
  beforeDate: string
  afterDate: string
  recordedAreaM2: number | null
  resultReason: string | null
  resultNote: string | null
  permitRef: string | null
  noPhotoReason: string | null
  verifiedBy: string | null
  caseNo: string | null
  screening: Record<string, unknown>
  sourceAttributes: Record<string, unknown>
  geometry: { type: string; coordinates: unknown }
  bbox: [number, number, number, number]
  assignment: Assignment | null
  allowedActions: DetectionAction[]
  /** CHAIWEI_VERIFY_PHOTO_MAX_M: a site photo must be this close to count. */
  photoMaxM: number
  /** The patch's photos: how many, how many within photoMaxM, the nearest one's distance (m). */
  photos: { photos: number; near: number; nearestM: number | null }
}

/** The same trail entry as a case's; the patch history answers without `before`. */
export type DetectionHistoryEntry = Omit<HistoryEntry, 'before'>
