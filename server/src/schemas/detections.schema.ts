// The satellite-change patch (卫片图斑) API's shapes: batches with their counts, dashboards and
// imagery; the patch list, one patch with its screening, history and assignees; the import wizard's
// staged import and its commit. Routes declare them, repos return their Static types, and
// web/src/patches-api.ts imports the types (`import type` only). See docs/api-patches.md.
import { Type, type Static, type TNull, type TString, type TUnion } from 'typebox'
import { CHANGE_TYPES, DETECTION_ACTIONS, DETECTION_RESULTS, DETECTION_STATUSES } from '../domain/detection-lifecycle.ts'
import { BATCH_ISSUERS, IMAGERY_TYPES, MAPPING_KEYS, SCREENING_FLAGS } from '../domain/detection-types.ts'
import { ROLES } from '../domain/roles.ts'
import { Bbox, Geometry, HistoryEntry, Nullable } from './common.schema.ts'

const DATE = { format: 'date' } as const
const DATE_TIME = { format: 'date-time' } as const

/** [west, south, east, north] in WGS84 degrees, typed as the 4-tuple the map takes. */

// ---- batches ----

/** A before or after image of a batch; the same shape is taken by PATCH /api/detection-batches/{id}. */
export const ImagerySource = Type.Object(
  {
    type: Type.Enum(IMAGERY_TYPES),
    url: Type.String({ minLength: 1, maxLength: 2000, pattern: '^(https?://|/)', description: 'xyz: a {z}/{x}/{y} template; wmts: a RESTful template with {TileMatrix}/{TileRow}/{TileCol}; cog: the GeoTIFF URL' }),
    attribution: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
)
export type ImagerySource = Static<typeof ImagerySource>

export const BatchImagery = Type.Object({ before: Type.Optional(ImagerySource), after: Type.Optional(ImagerySource) }, { additionalProperties: false })
export type BatchImagery = Static<typeof BatchImagery>

/** Counts of one selection of patches (a batch, a town, a village). */
export const DetectionCounts = Type.Object({
  total: Type.Integer(),
  pending: Type.Integer(),
  assigned: Type.Integer(),
  verified: Type.Integer(),
  violation: Type.Integer(),
  legal: Type.Integer(),
  falseChange: Type.Integer(),
  overdue: Type.Integer({ description: 'not verified and the batch deadline has passed' }),
  verifiedLate: Type.Integer({ description: 'verified after the batch deadline' }),
  verificationRate: Nullable(Type.Number({ description: 'verified / total, 0..1 (null when there are no patches)' })),
  falseChangeRate: Nullable(Type.Number({ description: 'false changes / verified, 0..1 (null when none is verified)' })),
  areaM2: Type.Number(),
})
export type DetectionCounts = Static<typeof DetectionCounts>

export const BatchSummary = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    issuer: Type.Enum(BATCH_ISSUERS),
    beforeDate: Type.String(DATE),
    afterDate: Type.String(DATE),
    deadline: Nullable(Type.String(DATE)),
    sourceFormat: Nullable(Type.String()),
    sourceCrs: Nullable(Type.String()),
    imagery: BatchImagery,
    importedAt: Type.String(DATE_TIME),
    version: Type.Integer(),
    counts: DetectionCounts,
  },
  { description: 'a batch with the counts of its patches in your area' },
)
export type BatchSummary = Static<typeof BatchSummary>

export const BatchList = Type.Object({ batches: Type.Array(BatchSummary) }, { description: 'batches with patches in your area, newest after-date first' })

export const DashboardRow = Type.Object({ code: Type.String(), name: Type.String(), ...DetectionCounts.properties })
export type DashboardRow = Static<typeof DashboardRow>

export const BatchDashboard = Type.Object(
  {
    batch: BatchSummary,
    today: Type.String({ ...DATE, description: 'the Beijing date the overdue figures are counted against' }),
    totals: DetectionCounts,
    towns: Type.Array(DashboardRow),
    villages: Type.Array(Type.Object({ ...DashboardRow.properties, townCode: Type.String() })),
  },
  { description: 'counts of the batch in your area: totals, per town, per village' },
)
export type BatchDashboard = Static<typeof BatchDashboard>

/** Edits of a batch (at least one member). */
export const BatchEditBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    deadline: Type.Optional(Nullable(Type.String(DATE))),
    imagery: Type.Optional(BatchImagery),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type BatchEdit = Static<typeof BatchEditBody>

export const BatchScreening = Type.Object({ batchId: Type.Integer(), screening: Type.Literal('running') }, { description: 'screening runs in the background' })

// ---- patches ----

export const DetectionListRow = Type.Object({
  id: Type.Integer(),
  batchId: Type.Integer(),
  patchNo: Type.String(),
  adminCode: Type.String(),
  adminName: Type.String(),
  changeType: Type.Enum(CHANGE_TYPES),
  confidence: Nullable(Type.Number()),
  areaM2: Type.Number(),
  status: Type.Enum(DETECTION_STATUSES),
  result: Nullable(Type.Enum(DETECTION_RESULTS)),
  caseId: Nullable(Type.Integer()),
  flags: Type.Array(Type.Enum(SCREENING_FLAGS)),
  overdue: Type.Boolean(),
  verifiedAt: Nullable(Type.String(DATE_TIME)),
  version: Type.Integer(),
})
export type DetectionListRow = Static<typeof DetectionListRow>

export const DetectionList = Type.Object(
  {
    total: Type.Integer(),
    counts: Type.Object(DetectionCounts.properties, { description: 'counts of the whole selection by status and result' }),
    items: Type.Array(DetectionListRow),
  },
  { description: 'the selection: its total and counts, and one page of patches' },
)
export type DetectionList = Static<typeof DetectionList>

export const Assignment = Type.Object({
  id: Type.Integer(),
  assignee: Type.String(),
  assigneeId: Type.Integer(),
  note: Nullable(Type.String()),
  dueAt: Nullable(Type.String(DATE_TIME)),
  status: Type.Enum(['open', 'done', 'cancelled']),
  assignedAt: Type.String(DATE_TIME),
})
export type Assignment = Static<typeof Assignment>

/** What screening (筛查) found for a patch: repos/detection-screening.repo.ts writes it. */
export const Screening = Type.Object(
  {
    screenedAt: Type.String(DATE_TIME),
    areaM2: Type.Number({ description: 'the patch on the ellipsoid' }),
    openCases: Type.Array(Type.Object({ id: Type.Integer(), caseNo: Type.String(), status: Type.String(), overlapM2: Type.Number() })),
    closedCases: Type.Array(Type.Object({ id: Type.Integer(), caseNo: Type.String(), status: Type.String(), closedAt: Nullable(Type.String(DATE_TIME)), overlapM2: Type.Number() })),
    landClasses: Type.Array(Type.Object({ landClass: Type.String(), overlapM2: Type.Number() })),
    farmlandM2: Type.Number(),
    basicFarmlandM2: Type.Number(),
    permittedBuildings: Type.Array(Type.Object({ id: Type.Integer(), permitNo: Type.String(), overlapM2: Type.Number() })),
    permits: Type.Array(Type.Object({ id: Type.Integer(), permitNo: Type.String(), kind: Nullable(Type.String()), overlapM2: Type.Number() })),
    bufferZones: Type.Array(Type.Object({ id: Type.Integer(), family: Type.String(), class: Type.String(), name: Type.String() })),
    keyVillages: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
    flags: Type.Array(Type.Enum(SCREENING_FLAGS)),
  },
  { description: 'what screening found' },
)
export type Screening = Static<typeof Screening>

/** A patch's screening: the result, or {} while it has not been screened (yet). */
export const DetectionScreening = Type.Union([Screening, Type.Object({}, { description: 'not screened yet' })])
export type DetectionScreening = Static<typeof DetectionScreening>

export const DetectionRecord = Type.Object(
  {
    ...DetectionListRow.properties,
    batchName: Type.String(),
    deadline: Nullable(Type.String(DATE)),
    beforeDate: Type.String(DATE),
    afterDate: Type.String(DATE),
    recordedAreaM2: Nullable(Type.Number()),
    resultReason: Nullable(Type.String()),
    resultNote: Nullable(Type.String()),
    permitRef: Nullable(Type.String()),
    noPhotoReason: Nullable(Type.String()),
    verifiedBy: Nullable(Type.String()),
    caseNo: Nullable(Type.String()),
    screening: DetectionScreening,
    sourceAttributes: Type.Record(Type.String(), Type.Unknown(), { description: 'the row as the issuer sent it' }),
    geometry: Geometry,
    bbox: Bbox,
    assignment: Nullable(Assignment),
    allowedActions: Type.Array(Type.Enum(DETECTION_ACTIONS)),
    photoMaxM: Type.Number({ description: 'CHAIWEI_VERIFY_PHOTO_MAX_M: a site photo must be this close to count' }),
    photos: Type.Object(
      { photos: Type.Integer(), near: Type.Integer(), nearestM: Nullable(Type.Number()) },
      { description: 'the patch\'s photos: how many, how many within photoMaxM, the nearest one\'s distance (m)' },
    ),
  },
  { description: 'one patch with its screening, assignment and allowed actions; ETag = version' },
)
export type DetectionRecord = Static<typeof DetectionRecord>

/** The same trail entry as a case's; the patch history answers without `before`. */
export const DetectionHistoryEntry = Type.Omit(HistoryEntry, ['before'])
export type DetectionHistoryEntry = Static<typeof DetectionHistoryEntry>

export const DetectionHistory = Type.Object({ history: Type.Array(DetectionHistoryEntry) }, { description: 'every change to the patch, oldest first' })

/** A user who may be sent to verify a patch. */
export const Assignee = Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String(), role: Type.Enum(ROLES) })
export type Assignee = Static<typeof Assignee>

export const Assignees = Type.Object({ users: Type.Array(Assignee) }, { description: 'users who may be sent to verify the patch' })

// ---- imports ----

export const IMPORT_STATES = ['reading', 'staged', 'needs_crs', 'failed', 'committed'] as const
export const ImportState = Type.Enum(IMPORT_STATES)
export type ImportState = Static<typeof ImportState>
/** While 'reading': reading the file, then checking what was read (validity, placement, mapping). */
export const IMPORT_PHASES = ['reading', 'checking'] as const
export const ImportPhase = Type.Enum(IMPORT_PHASES)
export type ImportPhase = Static<typeof ImportPhase>

/** Which field of the file goes to which attribute (null: none). */
export const ImportMapping = Type.Object(
  Object.fromEntries(MAPPING_KEYS.map((k) => [k, Nullable(Type.String({ description: 'a field of the file' }))])) as Record<(typeof MAPPING_KEYS)[number], TUnion<[TString, TNull]>>,
)
export type ImportMapping = Static<typeof ImportMapping>

/** A file-level warning (gcj02_suspected, mixed_geometry_types, change_type_unmapped …). */
export const ImportWarning = Type.Object({ code: Type.String(), message: Type.String() })
export type ImportWarning = Static<typeof ImportWarning>

/** Why a background read failed: message in Chinese, messageEn in English. */
export const ImportError = Type.Object({ code: Type.String(), message: Type.String(), messageEn: Type.Optional(Type.String()) })
export type ImportError = Static<typeof ImportError>

export const ImportProblem = Type.Object({
  feature: Type.Integer(),
  patchNo: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
  repairable: Type.Boolean(),
  areaChangeM2: Type.Optional(Type.Number({ description: 'repaired − original area on the ellipsoid' })),
})
export type ImportProblem = Static<typeof ImportProblem>

/** A staged patch import (docs/api-patches.md, "The import object"). */
export const DetectionImport = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    state: ImportState,
    progress: Type.Object(
      { phase: Nullable(ImportPhase), done: Type.Integer(), total: Nullable(Type.Integer()) },
      { description: "phase (null unless the state is 'reading'): 'reading' the file, then 'checking' it in PostGIS; done: features read; total from the file or estimated, null when unknown" },
    ),
    fileName: Type.String(),
    format: Nullable(Type.String()),
    layer: Nullable(Type.String()),
    crs: Nullable(Type.Object({ code: Type.String(), name: Type.String(), source: Nullable(Type.String()) })),
    encoding: Nullable(Type.String()),
    featureCount: Type.Integer(),
    validCount: Type.Integer(),
    bounds: Nullable(Bbox),
    fields: Type.Array(Type.String()),
    mapping: ImportMapping,
    repair: Type.Boolean(),
    problems: Type.Array(ImportProblem, { description: 'the first 1,000 by feature; problemCount counts all' }),
    problemCount: Type.Integer(),
    warnings: Type.Array(ImportWarning),
    error: Nullable(ImportError),
    batchId: Nullable(Type.Integer({ description: 'set once committed' })),
  },
  { description: 'the import: what was read, progress, problems' },
)
export type DetectionImport = Static<typeof DetectionImport>

/** The staged patches for a map preview (application/geo+json). */
export const ImportPreview = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(
      Type.Object({
        type: Type.Literal('Feature'),
        properties: Type.Object({ feature: Type.Integer(), patchNo: Nullable(Type.String()), problem: Nullable(Type.String({ description: 'a problem code' })) }),
        geometry: Geometry,
      }),
    ),
  },
  { description: 'GeoJSON FeatureCollection in EPSG:4326' },
)

export const ImportCommitted = Type.Object(
  {
    batchId: Type.Integer(),
    imported: Type.Integer(),
    skipped: Type.Integer(),
    screened: Nullable(Type.Integer({ description: 'patches screened before the answer; null while screening runs in the background or when it failed' })),
    screening: Type.Enum(['done', 'running', 'failed']),
  },
  { description: 'the batch written, and how its screening went' },
)
export type ImportCommitted = Static<typeof ImportCommitted>
