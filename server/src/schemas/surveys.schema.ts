// 自建房安全排查 (docs/survey.md): a house's file, its measures, worklists and statistics.
import { Type, type Static } from 'typebox'
import { Geometry, Nullable } from './common.schema.ts'
import { BUSINESS_KINDS, GRADES, HAZARDS, HOUSE_USES, MEASURE_KINDS, OWNER_TYPES, STRUCTURES, SURVEY_STATUSES } from '../domain/house-survey.ts'

const AdminCode = Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })

export const Measure = Type.Object({
  id: Type.Integer(),
  kind: Type.Enum(MEASURE_KINDS),
  deadline: Type.String({ format: 'date' }),
  note: Nullable(Type.String()),
  doneAt: Nullable(Type.String({ format: 'date-time' })),
  overdue: Type.Boolean({ description: 'not done and its deadline (a Beijing date) has passed' }),
})
export type Measure = Static<typeof Measure>

const surveyFields = {
  addressText: Nullable(Type.String({ maxLength: 200 })),
  ownerType: Type.Enum(OWNER_TYPES),
  floors: Type.Integer({ minimum: 1, maximum: 50 }),
  structure: Type.Enum(STRUCTURES),
  builtYear: Nullable(Type.Integer({ minimum: 1900, maximum: 2100 })),
  use: Type.Enum(HOUSE_USES),
  businessKind: Nullable(Type.Enum(BUSINESS_KINDS)),
  rented: Type.Boolean(),
  residents: Type.Integer({ minimum: 0, maximum: 10000 }),
  workers: Type.Integer({ minimum: 0, maximum: 10000 }),
  businessLicence: Nullable(Type.Boolean({ description: 'null for a residential house' })),
  appraisal: Type.Enum(['none', 'done'] as const),
  appraisalGrade: Nullable(Type.Enum(GRADES)),
  hazard: Type.Enum(HAZARDS),
}

export const Survey = Type.Object(
  {
    id: Type.Integer(),
    buildingId: Nullable(Type.Integer()),
    adminCode: Type.String(),
    villageName: Type.String(),
    townName: Type.String(),
    ...surveyFields,
    owner: Type.Optional(Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()) }, { description: 'only for the roles that handle personal data' })),
    appraisalReportId: Nullable(Type.Integer()),
    status: Type.Enum(SURVEY_STATUSES),
    caseId: Nullable(Type.Integer()),
    caseNo: Nullable(Type.String()),
    surveyedAt: Type.String({ format: 'date-time' }),
    resolvedAt: Nullable(Type.String({ format: 'date-time' })),
    measures: Type.Array(Measure),
    needsMeasures: Type.Boolean(),
    geometry: Geometry,
    lon: Type.Number(),
    lat: Type.Number(),
    version: Type.Integer(),
  },
  { description: 'one self-built house’s file (一户一档)' },
)
export type Survey = Static<typeof Survey>

export const SurveyList = Type.Object({ items: Type.Array(Survey), total: Type.Integer() }, { description: 'house files' })
export type SurveyList = Static<typeof SurveyList>

export const SurveyQuery = Type.Object({
  adminCode: Type.Optional(AdminCode),
  status: Type.Optional(Type.Enum(SURVEY_STATUSES)),
  hazard: Type.Optional(Type.Enum(HAZARDS)),
  grade: Type.Optional(Type.Enum(GRADES)),
  overdue: Type.Optional(Type.Boolean({ description: 'only files with a measure past its deadline' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})

export const NewSurveyBody = Type.Object(
  {
    buildingId: Type.Optional(Type.Integer({ minimum: 1, description: 'the footprint surveyed; else give a point' })),
    point: Type.Optional(Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })], { description: '[lon, lat] of a house without a footprint' })),
    ...surveyFields,
    ownerName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    ownerPhone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
    surveyedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)
export type NewSurveyBody = Static<typeof NewSurveyBody>

export const SurveyPatchBody = Type.Partial(
  Type.Object({ ...surveyFields, ownerName: Nullable(Type.String({ maxLength: 50 })), ownerPhone: Nullable(Type.String({ maxLength: 30 })), appraisalReportId: Nullable(Type.Integer({ minimum: 1 })) }),
  { additionalProperties: false, minProperties: 1 },
)
export type SurveyPatchBody = Static<typeof SurveyPatchBody>

export const NewMeasureBody = Type.Object(
  { kind: Type.Enum(MEASURE_KINDS), deadline: Type.String({ format: 'date' }), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
)
export const MeasureParams = Type.Object({ id: Type.Integer({ minimum: 1 }), measureId: Type.Integer({ minimum: 1 }) })
export const SurveyCaseBody = Type.Object(
  { use: Type.Enum(['residential', 'storage', 'commercial', 'office', 'other'] as const), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
)

export const WorklistItem = Type.Object({
  buildingId: Type.Integer(),
  adminCode: Type.String(),
  villageName: Type.String(),
  floors: Type.Integer(),
  rented: Type.Boolean(),
  use: Nullable(Type.String()),
  focus: Type.Boolean({ description: '3+ floors, rented or used for business: survey first' }),
  lon: Type.Number(),
  lat: Type.Number(),
})
export const Worklist = Type.Object(
  { items: Type.Array(WorklistItem), total: Type.Integer(), surveyed: Type.Integer({ description: 'self-built houses of the area already with a file' }) },
  { description: 'self-built houses of an area without a file yet, focus first' },
)
export type Worklist = Static<typeof Worklist>
export const WorklistQuery = Type.Object({ adminCode: Type.Optional(AdminCode), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })) })

export const SURVEY_GROUPINGS = ['town', 'village', 'grade', 'hazard', 'use'] as const
export const SurveyFigures = Type.Object({
  selfBuilt: Type.Integer({ description: '自建房 of the area (footprints flagged self-built)' }),
  surveyed: Type.Integer({ description: '已排查录入: files' }),
  floors3plus: Type.Integer({ description: '3 层及以上' }),
  business: Type.Integer({ description: '经营性自建房' }),
  businessWithoutLicence: Type.Integer({ description: '经营性且无营业执照' }),
  rented: Type.Integer({ description: '出租' }),
  withoutAppraisal: Type.Integer({ description: '未鉴定' }),
  appraised: Type.Integer(),
  gradeC: Type.Integer(),
  gradeD: Type.Integer(),
  hazards: Type.Integer({ description: '存在隐患' }),
  rectifying: Type.Integer(),
  resolved: Type.Integer(),
  overdueMeasures: Type.Integer({ description: 'measures past their deadline' }),
})
export type SurveyFigures = Static<typeof SurveyFigures>
export const SurveyStatistics = Type.Object(
  {
    by: Type.Enum(SURVEY_GROUPINGS),
    total: SurveyFigures,
    groups: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), figures: SurveyFigures })),
  },
  { description: 'survey figures as the seeds report them' },
)
export type SurveyStatistics = Static<typeof SurveyStatistics>
export const SurveyStatisticsQuery = Type.Object({ by: Type.Optional(Type.Enum(SURVEY_GROUPINGS)), adminCode: Type.Optional(AdminCode) })

export const SurveyImportResult = Type.Object(
  {
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    problems: Type.Array(Type.Object({ row: Type.Integer(), field: Type.String(), message: Type.String(), messageZh: Type.String() })),
  },
  { description: 'what the survey workbook did; nothing is written when any row has a problem' },
)
export type SurveyImportResult = Static<typeof SurveyImportResult>
