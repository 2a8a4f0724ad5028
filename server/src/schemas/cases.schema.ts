// The ledger's (台账) answers: cases, the ledger table, history, imports and attachments. The routes
// declare these schemas, the repos and the importer return their Static types, and the web client
// (web/src/ledger-api.ts) imports those types with `import type`. Code lists stay in the domain.
import { Type, type Static } from 'typebox'
import { CASE_ACTIONS, CASE_STATUSES } from '../domain/case-lifecycle.ts'
import { CASE_FLAGS, CASE_SOURCES, CASE_USES, IMPORT_MODES, OWNERSHIPS } from '../domain/case-types.ts'
import { Geometry, HistoryEntry, Nullable } from './common.schema.ts'

const Instant = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) })
const Area = (description: string) => Nullable(Type.Number({ description }))

/** 当事人: personal data, sent only to PERSONAL_DATA_ROLES (and hidden in others' history); the same shape is taken and given. */
export const Party = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50 }),
    idNumber: Type.Optional(Type.String({ pattern: '^[0-9]{17}[0-9Xx]$', description: '18-character resident ID number' })),
    phone: Type.Optional(Type.String({ pattern: '^[0-9+ -]{5,20}$' })),
  },
  { additionalProperties: false },
)
export type Party = Static<typeof Party>

/** The parties a case is recorded with (request bodies). */
export const Parties = Type.Array(Party, { maxItems: 20 })

/** Which of a case's clocks have run out (DOMAIN.md: reach within 1 hour, remove within 3 days, the order's deadline). */
export const Overdue = Type.Object({
  reach: Type.Boolean({ description: 'new construction not reached within 1 hour of being found' }),
  removal: Type.Boolean({ description: 'new construction not removed within 3 days' }),
  deadline: Type.Boolean({ description: 'an order past its deadline' }),
})
export type Overdue = Static<typeof Overdue>

const CaseStatus = Type.Enum(CASE_STATUSES)
const codes = (list: readonly string[]) => `one of ${list.join(', ')}`

/** One case (GET /api/cases/{id}, and the answer of every write to it); its version is the ETag. */
export const CaseRecord = Type.Object({
  id: Type.Integer(),
  caseNo: Type.String({ description: 'VILLAGECODE-YEAR-NNNN, or the number of an imported ledger' }),
  adminCode: Type.String({ description: 'the village' }),
  adminName: Type.String(),
  status: CaseStatus,
  version: Type.Integer({ description: 'bumped by every write; the ETag' }),
  use: Type.String({ description: codes(CASE_USES) }),
  source: Type.String({ description: codes(CASE_SOURCES) }),
  ownership: Nullable(Type.String({ description: codes(OWNERSHIPS) })),
  locationText: Nullable(Type.String()),
  buildingForm: Nullable(Type.String()),
  floors: Nullable(Type.Integer()),
  flags: Type.Array(Type.String({ description: codes(CASE_FLAGS) })),
  newConstruction: Type.Boolean({ description: '新生违建: the 1-hour and 3-day clocks run' }),
  landAreaRecordedM2: Area('surveyed land area, m²'),
  floorAreaRecordedM2: Area('surveyed floor area, m²'),
  landAreaComputedM2: Area('land area of the polygon, m²'),
  floorAreaComputedM2: Area('land area × floors, m²'),
  foundAt: Instant(),
  reachedAt: Nullable(Instant('first arrival on site')),
  notifiedAt: Nullable(Instant()),
  orderIssuedAt: Nullable(Instant()),
  deadline: Nullable(Type.String({ format: 'date', description: 'the order\'s deadline, a Beijing date' })),
  disposal: Nullable(Type.String()),
  disposalReason: Nullable(Type.String()),
  disposedAt: Nullable(Instant()),
  acceptedAt: Nullable(Instant()),
  closedAt: Nullable(Instant()),
  demolishedLandAreaM2: Area('demolished land area, m²'),
  demolishedFloorAreaM2: Area('demolished floor area, m²'),
  reuse: Nullable(Type.String()),
  regreenedAreaM2: Area('re-greened area, m²'),
  reopenedFrom: Nullable(Type.Integer({ description: 'the closed case this one rebuilt on (反弹)' })),
  geometry: Geometry,
  locationPending: Type.Boolean({ description: '待定位: placed at a point on its village (no coordinates yet); not drawn on the map until located' }),
  allowedActions: Type.Array(Type.Enum(CASE_ACTIONS)),
  overdue: Overdue,
  parties: Type.Optional(Type.Array(Party, { description: 'present only for roles that may see personal data' })),
}, { description: 'the case, with its allowed actions and clocks; its version is the ETag' })
export type CaseRecord = Static<typeof CaseRecord>

/** A row of the ledger table. */
export const CaseListRow = Type.Object({
  id: Type.Integer(),
  caseNo: Type.String(),
  adminCode: Type.String(),
  adminName: Type.String(),
  status: CaseStatus,
  use: Type.String(),
  source: Type.String(),
  flags: Type.Array(Type.String()),
  foundAt: Instant(),
  deadline: Nullable(Type.String({ format: 'date' })),
  landAreaM2: Area('recorded where there is one, else computed'),
  floorAreaM2: Area('recorded where there is one, else computed'),
  overdue: Overdue,
  version: Type.Integer(),
  locationPending: Type.Boolean(),
})
export type CaseListRow = Static<typeof CaseListRow>

/** Sums over a whole selection; recorded areas win over computed ones. */
export const CaseTotals = Type.Object({
  landAreaM2: Type.Number(),
  floorAreaM2: Type.Number(),
  demolishedLandAreaM2: Type.Number(),
  demolishedFloorAreaM2: Type.Number(),
  regreenedAreaM2: Type.Number(),
  locationPending: Type.Integer({ description: 'cases of the selection placed at their village until located (待定位)' }),
})
export type CaseTotals = Static<typeof CaseTotals>

/** GET /api/cases: a page of the selection and its totals. */
export const CaseList = Type.Object({
  total: Type.Integer(),
  totals: CaseTotals,
  offset: Type.Integer({ description: "the first row's place in the selection: the requested one, or the page a `locate`d case is on" }),
  located: Type.Optional(Type.Boolean({ description: 'only with locate: whether that case is in the selection (when not, the requested page is kept)' })),
  items: Type.Array(CaseListRow),
}, { description: 'a page of the selection, with the totals of the whole selection' })
export type CaseList = Static<typeof CaseList>

/** GET /api/cases/{id}/history. */
export const CaseHistory = Type.Object({ history: Type.Array(HistoryEntry) }, { description: 'every change to the case, oldest first' })
export type CaseHistory = Static<typeof CaseHistory>

/** 回头看: the inspection recorded, and the new case a rebound opened. */
export const InspectionResult = Type.Object({
  inspectionId: Type.Integer(),
  reboundCaseId: Nullable(Type.Integer({ description: 'the new case opened on the site when the result is a rebound (反弹)' })),
}, { description: 'the re-inspection recorded' })
export type InspectionResult = Static<typeof InspectionResult>

// ---- ledger imports ----

export const ImportMode = Type.Enum(IMPORT_MODES)

/** A problem of one row (or of the file) in a ledger import. */
export const LedgerImportProblem = Type.Object({
  sheet: Type.Optional(Type.String({ description: 'only when the workbook has more than one ledger sheet' })),
  row: Type.Integer({ description: "the spreadsheet's own row number (header row included, 1-based)" }),
  column: Type.String({ description: "the column header as written in the file (the template's header for a missing column)" }),
  field: Type.String({ description: 'template key of the column (use, found_at, flag:farmland, geometry …)' }),
  message: Type.String({ description: 'Chinese' }),
  messageEn: Type.String(),
})
export type LedgerImportProblem = Static<typeof LedgerImportProblem>

/** A sheet read as a ledger. */
export const SheetSummary = Type.Object({ name: Type.String(), headerRow: Type.Integer(), rows: Type.Integer() })
export type SheetSummary = Static<typeof SheetSummary>

const LedgerImportReport = {
  imported: Type.Integer(),
  rows: Type.Integer({ description: 'data rows read' }),
  locationPending: Type.Integer({ description: 'of the rows imported: placed at their village without coordinates (待定位)' }),
  problems: Type.Array(LedgerImportProblem),
  problemCount: Type.Integer({ description: 'all problems, also those beyond the listed ones' }),
  mode: ImportMode,
  file: Type.String(),
  format: Type.Enum(['xlsx', 'csv']),
  encoding: Type.Optional(Type.Enum(['utf-8', 'utf-16le', 'utf-16be', 'gb18030'], { description: 'CSV only: the text encoding it was read in' })),
  crs: Type.String(),
  sheets: Type.Array(SheetSummary),
  ignoredSheets: Type.Array(Type.String()),
  ignoredColumns: Type.Array(Type.String()),
}

/** The report of a ledger import (the 200 answer, or a background import's result). */
export const LedgerImportResult = Type.Object(LedgerImportReport, { description: 'the import report: what was imported, and every problem by sheet, row and column' })
export type LedgerImportResult = Static<typeof LedgerImportResult>

/** How far a ledger import has got (GET /api/ledger/imports/{id}), updated as it runs. */
export const LedgerImportProgress = Type.Object({
  phase: Type.Enum(['reading', 'writing', 'done', 'failed']),
  fraction: Type.Number({ minimum: 0, maximum: 1, description: 'reading and checking by bytes read, writing by rows written' }),
  rowsRead: Type.Integer(),
  rowsValid: Type.Integer(),
  rowsWritten: Type.Integer(),
  problemCount: Type.Integer(),
})
export type LedgerImportProgress = Static<typeof LedgerImportProgress>

/**
 * The problem+json a refused file gets (RFC 9457, open to further members as every problem is),
 * with as much of the import report as was made before the refusal.
 */
export const LedgerImportRefusal = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    detailZh: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    ...Type.Partial(LedgerImportResult).properties,
  },
  { additionalProperties: true, description: 'problem+json (RFC 9457) with the import report' },
)
export type LedgerImportRefusal = Static<typeof LedgerImportRefusal>

/** A ledger import running (or finished) in the background (202 of POST /api/ledger/import, GET /api/ledger/imports/{id}). */
export const LedgerImportJob = Type.Object({
  id: Type.String({ format: 'uuid' }),
  file: Type.String(),
  state: Type.Enum(['running', 'done', 'failed']),
  progress: LedgerImportProgress,
  result: Type.Optional(LedgerImportResult),
  error: Type.Optional(LedgerImportRefusal),
}, { description: 'a ledger import in the background: its progress, then its result or error' })
export type LedgerImportJob = Static<typeof LedgerImportJob>

// ---- attachments ----

/** A photo or document of a case or a patch; its bytes are at /api/attachments/{id}/content. */
export const Attachment = Type.Object({
  id: Type.Integer(),
  caseId: Nullable(Type.Integer()),
  detectionId: Nullable(Type.Integer()),
  surveyId: Nullable(Type.Integer({ description: "the house file (自建房排查) it belongs to" })),
  kind: Type.Enum(['photo', 'document']),
  stage: Nullable(Type.String()),
  fileName: Type.String(),
  mimeType: Type.String(),
  byteSize: Type.Integer(),
  sha256: Type.String(),
  takenAt: Nullable(Instant('EXIF time of a photo')),
  location: Nullable(Type.Tuple([Type.Number(), Type.Number()], { description: "[lon, lat] from the photo's EXIF GPS" })),
  uploadedBy: Nullable(Type.String()),
  uploadedAt: Instant(),
}, { description: 'a photo or document; its bytes are at /api/attachments/{id}/content' })
export type Attachment = Static<typeof Attachment>

export const AttachmentList = Type.Object({ attachments: Type.Array(Attachment) }, { description: 'photos and documents, oldest first' })
export type AttachmentList = Static<typeof AttachmentList>
