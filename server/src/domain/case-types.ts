// The shapes of the ledger API: code lists and response types, shared by the server and the web
// client (web/src/ledger-api.ts imports them), so the two cannot drift apart. Pure: no I/O.
import type { CaseAction, CaseStatus, Overdue } from './case-lifecycle.ts'

export type { CaseAction, CaseStatus, Overdue }

export const CASE_USES = ['residential', 'storage', 'commercial', 'office', 'other'] as const
export const CASE_SOURCES = ['satellite', 'patrol', 'report', 'self_check', 'assigned'] as const
export const OWNERSHIPS = ['collective', 'state', 'enterprise', 'government_social', 'individual'] as const
export const CASE_FLAGS = ['walled_compound', 'crowded_courtyard', 'wall_opening', 'rented_3plus', 'farmland', 'official_involved'] as const

/** A party to a case (当事人): personal data, sent only to PERSONAL_DATA_ROLES. */
export interface Party {
  name: string
  idNumber?: string
  phone?: string
}

export const CASE_SORT_KEYS = ['found_at', 'case_no', 'deadline', 'status', 'admin_code'] as const
export type CaseSortKey = (typeof CASE_SORT_KEYS)[number]

export interface CaseRecord {
  id: number
  caseNo: string
  adminCode: string
  adminName: string
  status: CaseStatus
  version: number
  use: string
  source: string
  ownership: string | null
  locationText: string | null
  buildingForm: string | null
  floors: number | null
  flags: string[]
  newConstruction: boolean
  landAreaRecordedM2: number | null
  floorAreaRecordedM2: number | null
  landAreaComputedM2: number | null
  floorAreaComputedM2: number | null
  foundAt: string
  reachedAt: string | null
  notifiedAt: string | null
  orderIssuedAt: string | null
  deadline: string | null
  disposal: string | null
  disposalReason: string | null
  disposedAt: string | null
  acceptedAt: string | null
  closedAt: string | null
  demolishedLandAreaM2: number | null
  demolishedFloorAreaM2: number | null
  reuse: string | null
  regreenedAreaM2: number | null
  reopenedFrom: number | null
  geometry: { type: string; coordinates: unknown }
  /** 待定位: placed at a point on its village (no coordinates yet); not drawn on the map until located. */
  locationPending: boolean
  allowedActions: CaseAction[]
  overdue: Overdue
  /** Present only for roles that may see personal data. */
  parties?: Party[]
}

export interface CaseListRow {
  id: number
  caseNo: string
  adminCode: string
  adminName: string
  status: CaseStatus
  use: string
  source: string
  flags: string[]
  foundAt: string
  deadline: string | null
  landAreaM2: number | null
  floorAreaM2: number | null
  overdue: Overdue
  version: number
  locationPending: boolean
}

/** Sums over a whole selection; recorded areas win over computed ones. */
export interface CaseTotals {
  landAreaM2: number
  floorAreaM2: number
  demolishedLandAreaM2: number
  demolishedFloorAreaM2: number
  regreenedAreaM2: number
  /** Cases of the selection placed at their village until located (待定位). */
  locationPending: number
}

export interface CaseList {
  total: number
  /** Recorded area where there is one, else computed (DESIGN: a survey wins). */
  totals: CaseTotals
  /** The first row's place in the selection: the requested one, or the page a `locate`d case is on. */
  offset: number
  /** Only with `locate`: whether that case is in the selection (when not, the requested page is kept). */
  located?: boolean
  items: CaseListRow[]
}

export interface HistoryEntry {
  id: number
  at: string
  user: string | null
  action: string
  fromStatus: string | null
  toStatus: string | null
  reason: string | null
  before: unknown
  after: unknown
}

/** How far a ledger import has got (GET /api/ledger/imports/{id}), updated as it runs. */
export interface LedgerImportProgress {
  phase: 'reading' | 'writing' | 'done' | 'failed'
  /** 0–1: reading and checking by bytes read, writing by rows written. */
  fraction: number
  rowsRead: number
  rowsValid: number
  rowsWritten: number
  problemCount: number
}
