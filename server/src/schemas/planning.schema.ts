// The planning and analysis API's shapes (docs/api-analysis.md): 整治区域 zones and their history,
// buffer rule sets and zones, ledger and any-area statistics, 重点村 key villages, 年度目标 targets
// and the burn-down. Routes declare them; repos and domain logic use their Static types; the web
// client imports those types (web/src/analysis-api.ts, `import type` only).
import { Type, type Static, type TSchema } from 'typebox'
import { Nullable } from './common.schema.ts'
import { BUFFER_FAMILIES, ROAD_CLASSES, SIDE_KINDS } from '../domain/buffer-rules.ts'
import { ZONE_TYPES } from '../domain/planning-types.ts'
import { GROUP_KEYS, SHARED_FIGURES } from '../domain/statistics.ts'

const DateTime = Type.String({ format: 'date-time' })

// ---- geometry -----------------------------------------------------------------------------

/** A drawing as a client sends it; its type, validity and size are checked by the zone repo (422/413 naming the field). */
export const DrawnPolygon = Type.Object({ type: Type.String(), coordinates: Type.Any() }, { description: 'GeoJSON Polygon or MultiPolygon, lon/lat' })

const Position = Type.Array(Type.Number(), { minItems: 2 })
/** A zone's or buffer zone's outline as the API answers it (stored as MultiPolygon, WGS84). */
export const PolygonalGeometry = Type.Union(
  [
    Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(Position)) }),
    Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Type.Array(Type.Array(Position))) }),
  ],
  { description: 'GeoJSON Polygon or MultiPolygon, WGS84 longitude/latitude' },
)
export type PolygonalGeometry = Static<typeof PolygonalGeometry>

// ---- history ------------------------------------------------------------------------------

/** Columns of a record as its history table stores them (SQL names); only the changed ones in an edit. */
export const Snapshot = Type.Record(Type.String(), Type.Unknown(), { description: 'the record’s columns (SQL names), free-form' })
export type Snapshot = Static<typeof Snapshot>

/** One row of a zone's or a target's append-only history (全程留痕). */
export const ChangeEntry = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  user: Nullable(Type.String()),
  action: Type.String({ description: 'create, edit, delete, refused:stale_version' }),
  before: Nullable(Snapshot),
  after: Nullable(Snapshot),
})
export type ChangeEntry = Static<typeof ChangeEntry>

export const ChangeHistory = Type.Object({ history: Type.Array(ChangeEntry) }, { description: 'every change, oldest first' })
export type ChangeHistory = Static<typeof ChangeHistory>

// ---- zones --------------------------------------------------------------------------------

/** A zone's own targets; a figure left out has no target. */
export const ZoneTargets = Type.Object(
  {
    demolishedArea: Type.Optional(Type.Number({ minimum: 0 })),
    casesClosed: Type.Optional(Type.Integer({ minimum: 0 })),
    regreenedArea: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
)
export type ZoneTargets = Static<typeof ZoneTargets>

const NullableDate = Nullable(Type.String({ format: 'date' }))

/** A zone's own fields as a client sends them (its shape comes separately). */
export const ZoneFields = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    zoneType: Type.Enum(ZONE_TYPES),
    periodStart: Type.Optional(NullableDate),
    periodEnd: Type.Optional(NullableDate),
    responsibleUnit: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    targets: Type.Optional(ZoneTargets),
  },
  { additionalProperties: false },
)
export type ZoneFields = Static<typeof ZoneFields>

const zoneBodyFields = {
  ...ZoneFields.properties,
  geometry: Type.Optional(DrawnPolygon),
  fromVillages: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{12}$' }), { maxItems: 200 })),
  fromParcels: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 5000 })),
}
/** POST /api/zones: the fields and exactly one of geometry, fromVillages, fromParcels (checked by the repo). */
export const NewZoneBody = Type.Object(zoneBodyFields, { additionalProperties: false })
export const PatchZoneBody = Type.Partial(Type.Object(zoneBodyFields), { additionalProperties: false, minProperties: 1 })

export const Zone = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  zoneType: Type.Enum(ZONE_TYPES),
  adminCode: Type.String({ description: 'the smallest admin unit holding the zone' }),
  adminName: Type.String(),
  periodStart: NullableDate,
  periodEnd: NullableDate,
  responsibleUnit: Nullable(Type.String()),
  targets: ZoneTargets,
  areaM2: Type.Number(),
  version: Type.Integer({ description: 'the ETag' }),
  updatedAt: DateTime,
  /** Left out where the list was asked for with geometry=false. */
  geometry: Type.Optional(PolygonalGeometry),
}, { description: 'a zone (整治区域); ETag = version' })
export type Zone = Static<typeof Zone>

export const ZoneList = Type.Object({ items: Type.Array(Zone) }, { description: 'zones, newest first' })
export type ZoneList = Static<typeof ZoneList>

// ---- buffer rule sets and zones -----------------------------------------------------------

const Width = Type.Number({ exclusiveMinimum: 0, description: 'metres' })

/** A rule set's rules as the API gives them: widths by road class, by side, and ring-road bands. */
export const BufferRules = Type.Object({
  roads: Type.Partial(Type.Record(Type.Enum(ROAD_CLASSES), Width)),
  sides: Type.Partial(Type.Record(Type.Enum(SIDE_KINDS), Width)),
  ringBands: Type.Array(Type.Object({ ringNo: Type.Integer(), widthM: Width })),
})
export type BufferRules = Static<typeof BufferRules>

export const RuleSet = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  active: Type.Boolean(),
  createdAt: DateTime,
  createdBy: Nullable(Type.String()),
  rules: BufferRules,
  zoneCount: Type.Integer(),
}, { description: 'a buffer rule set (a fixed version)' })
export type RuleSet = Static<typeof RuleSet>

export const RuleSetList = Type.Object({ items: Type.Array(RuleSet) }, { description: 'rule sets, newest first' })
export type RuleSetList = Static<typeof RuleSetList>

const BufferZoneFields = {
  family: Type.Enum(BUFFER_FAMILIES),
  class: Type.String({ description: 'road class, side kind, or ring (ring6)' }),
  widthM: Type.Number(),
  name: Type.String(),
}

export const BufferZone = Type.Object({
  id: Type.Integer(),
  ruleSetId: Type.Integer(),
  ...BufferZoneFields,
  areaM2: Type.Number(),
  computedAt: DateTime,
  /** Left out with geometry=false. */
  geometry: Type.Optional(PolygonalGeometry),
})
export type BufferZone = Static<typeof BufferZone>

export const BufferZoneList = Type.Object({ ruleSetId: Type.Integer(), items: Type.Array(BufferZone) }, { description: 'the buffer zones of a rule set' })
export type BufferZoneList = Static<typeof BufferZoneList>

/** A buffer zone a case, patch or building lies in. */
export const BufferMembership = Type.Object({ bufferZoneId: Type.Integer(), ...BufferZoneFields })
export type BufferMembership = Static<typeof BufferMembership>

export const BufferMemberships = Type.Object({ ruleSetId: Type.Integer(), items: Type.Array(BufferMembership) }, { description: 'the buffer zones the feature lies in' })
export type BufferMemberships = Static<typeof BufferMemberships>

// ---- statistics ---------------------------------------------------------------------------

const Count = Type.Integer({ minimum: 0 })
const M2 = Type.Number({ description: 'm², exact sum of stored cents' })

/** The figures of one row (and of the totals). Areas in m², exact sums of stored cents. */
export const Figures = Type.Object({
  count: Count,
  landArea: M2,
  landAreaRecorded: M2,
  landAreaComputed: M2,
  landAreaGap: M2,
  floorArea: M2,
  floorAreaRecorded: M2,
  floorAreaComputed: M2,
  floorAreaGap: M2,
  demolishedCount: Count,
  demolishedLandArea: M2,
  demolishedFloorArea: M2,
  regreenedArea: M2,
  closedCount: Count,
})
export type Figures = Static<typeof Figures>

/** Each shared figure's share, in % with two decimals. */
export const Shares = Type.Record(Type.Enum(SHARED_FIGURES), Type.Number())
export type Shares = Static<typeof Shares>

/** The figures of a table row or of its totals, with their shares. */
export const SharedFigures = Type.Object({ ...Figures.properties, shares: Shares })
export type SharedFigures = Static<typeof SharedFigures>

/** A statistics row's key values: codes, ids (zone, bufferZone) or periods; null where a case has none. */
export const GroupKeyValues = Type.Partial(Type.Record(Type.Enum(GROUP_KEYS), Type.Union([Type.String(), Type.Integer(), Type.Null()])))
export type GroupKeyValues = Static<typeof GroupKeyValues>

export const StatisticsRow = Type.Object({
  key: GroupKeyValues,
  label: Type.Partial(Type.Record(Type.Enum(GROUP_KEYS), Type.String())),
  ...SharedFigures.properties,
})
export type StatisticsRow = Static<typeof StatisticsRow>

/** A grouped statistics table as GET /api/statistics answers it. */
export const StatisticsTable = Type.Object({
  groupBy: Type.Array(Type.Enum(GROUP_KEYS)),
  from: NullableDate,
  to: NullableDate,
  ruleSetId: Nullable(Type.Integer({ description: 'the rule set whose buffer zones a bufferZone grouping used' })),
  overlapping: Type.Boolean({ description: 'a case may fall in several rows (zone, bufferZone): shares are each of the total' }),
  rows: Type.Array(StatisticsRow),
  totals: SharedFigures,
}, { description: 'the statistics table' })
export type StatisticsTable = Static<typeof StatisticsTable>

/** Parcels of one land class inside an area, clipped to it. */
export const LandClassArea = Type.Object({ landClass: Type.String(), count: Count, clippedAreaM2: Type.Number() })
export type LandClassArea = Static<typeof LandClassArea>

/** What lies inside a drawn area or a zone (m² on the ellipsoid, clipped to the area), as the API answers it. */
export const AreaStatistics = Type.Object({
  areaM2: Type.Number(),
  cases: Type.Pick(Figures, SHARED_FIGURES),
  parcels: Type.Object({
    count: Count,
    clippedAreaM2: Type.Number(),
    byLandClass: Type.Array(Type.Object({ ...LandClassArea.properties, label: Type.String({ description: 'the land class in Chinese' }) })),
  }),
  buildings: Type.Object({ count: Count, footprintM2: Type.Number(), clippedFootprintM2: Type.Number() }),
  detections: Type.Object({ count: Count }),
  bufferZones: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), family: Type.String(), class: Type.String(), clippedAreaM2: Type.Number() })),
}, { description: 'the figures inside the area' })
export type AreaStatistics = Static<typeof AreaStatistics>

/** AreaStatistics as the repo measures it, before the land classes get their labels. */
export type MeasuredArea = Omit<AreaStatistics, 'parcels'> & {
  parcels: Omit<AreaStatistics['parcels'], 'byLandClass'> & { byLandClass: LandClassArea[] }
}

/** POST /api/statistics/area. */
export const AreaBody = Type.Object({ geometry: DrawnPolygon }, { additionalProperties: false })

/** format=xlsx for a workbook instead of JSON. */
export const FormatParam = Type.Union([Type.Literal('json'), Type.Literal('xlsx')])
export const AreaFormatQuery = Type.Object({ format: Type.Optional(FormatParam) }, { additionalProperties: false })

// ---- key villages -------------------------------------------------------------------------

export const KeyVillageReason = Type.Object({
  code: Type.Enum(['floating_gt_registered', 'floating_gt_1000', 'case_density']),
  detail: Type.String({ description: 'the reason in Chinese, with the figures' }),
})
export type KeyVillageReason = Static<typeof KeyVillageReason>

export const KeyVillage = Type.Object({
  code: Type.String(),
  name: Type.String(),
  townCode: Type.String(),
  townName: Type.String(),
  registeredPopulation: Nullable(Type.Integer()),
  floatingPopulation: Nullable(Type.Integer()),
  caseCount: Count,
  areaKm2: Type.Number(),
  caseDensityPerKm2: Type.Number(),
  designated: Type.Boolean({ description: 'designated a key village in the reference data' }),
  reasons: Type.Array(KeyVillageReason),
})
export type KeyVillage = Static<typeof KeyVillage>

export const KeyVillageList = Type.Object({ densityThreshold: Type.Number(), items: Type.Array(KeyVillage) }, { description: 'key villages, by code' })
export type KeyVillageList = Static<typeof KeyVillageList>

// ---- targets ------------------------------------------------------------------------------

/** A figure per target measure (domain/targets.ts TARGET_FIGURES). */
const figureSet = <T extends TSchema>(t: T, description?: string) =>
  Type.Object({ demolishedArea: t, casesClosed: t, regreenedArea: t }, description ? { description } : {})
const Figure = Type.Number()
const NullableFigure = Nullable(Type.Number())

export const Milestone = Type.Object(
  {
    date: Type.String({ format: 'date', description: 'Beijing date, inside the target’s year' }),
    share: Type.Number({ description: 'share of the target due by the date, in (0, 1]' }),
  },
  { additionalProperties: false },
)
export type Milestone = Static<typeof Milestone>

/** PUT /api/targets/:adminCode/:year; a figure left out or null has no target. */
export const TargetBody = Type.Object(
  {
    demolishedArea: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1e11 }), Type.Null()], { description: 'm² of demolished land (占地)' })),
    casesClosed: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000 }))),
    regreenedArea: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e11 }))),
    milestones: Type.Optional(Type.Array(Milestone, { maxItems: 24 })),
  },
  { additionalProperties: false },
)
export type TargetBody = Static<typeof TargetBody>

export const MilestoneState = Type.Object({
  ...Milestone.properties,
  due: Type.Boolean({ description: 'the date has passed' }),
  required: figureSet(NullableFigure),
  achievedByDate: figureSet(Figure),
  met: Nullable(Type.Boolean({ description: 'met on every figure with a target; false once due and not met; null while open' })),
})
export type MilestoneState = Static<typeof MilestoneState>

/** A unit's target of a year: what was achieved, carried, progress, milestones. */
export const TargetView = Type.Object({
  adminCode: Type.String(),
  name: Type.String(),
  level: Type.Enum(['district', 'town', 'village']),
  year: Type.Integer(),
  version: Type.Integer({ description: 'the ETag' }),
  target: figureSet(NullableFigure),
  achieved: figureSet(Figure),
  carriedIn: figureSet(Figure),
  carriedOut: figureSet(Figure),
  progress: figureSet(Nullable(Type.Number({ description: '%, two decimals, not capped at 100' }))),
  milestones: Type.Array(MilestoneState),
}, { description: 'a unit’s target of a year; ETag = version' })
export type TargetView = Static<typeof TargetView>

export const TargetList = Type.Object({ year: Type.Integer(), items: Type.Array(TargetView) }, { description: 'the year’s targets, by admin code' })
export type TargetList = Static<typeof TargetList>

export const BURNDOWN_STEPS = ['day', 'week'] as const
export const BurndownStep = Type.Enum(BURNDOWN_STEPS)
export type BurndownStep = Static<typeof BurndownStep>

export const BurndownPoint = Type.Object({
  date: Type.String({ format: 'date' }),
  remaining: figureSet(NullableFigure),
  ideal: figureSet(NullableFigure, 'a straight line from the whole target (less what was carried in) on 1 January to 0 on 31 December'),
})
export type BurndownPoint = Static<typeof BurndownPoint>

/** GET /api/targets/burndown: the remaining work of one target, step by step. */
export const Burndown = Type.Object({
  adminCode: Type.String(),
  year: Type.Integer(),
  step: BurndownStep,
  target: figureSet(NullableFigure),
  carriedIn: figureSet(Figure),
  series: Type.Array(BurndownPoint),
}, { description: 'the remaining work of a target, step by step' })
export type Burndown = Static<typeof Burndown>
