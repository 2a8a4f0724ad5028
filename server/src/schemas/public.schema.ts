// The public's side (docs/public.md): reports sent without an account and looked up by receipt code,
// the staff's triage queue, Open311 GeoReport v2, and the published ledger (公示). What the public
// can read is declared here field by field: nothing personal is in any public shape.
import { Type, type Static } from 'typebox'
import { Nullable } from './common.schema.ts'
import { DISCLOSURE_STAGES, PUBLIC_CASE_STAGES, REPORT_SERVICES, REPORT_STATUSES, TRIAGE_ACTIONS } from '../domain/public-reports.ts'
import { CASE_USES } from '../domain/case-types.ts'

const Lon = Type.Number({ minimum: -180, maximum: 180 })
const Lat = Type.Number({ minimum: -90, maximum: 90 })

// --- the reporter -----------------------------------------------------------------------------

export const Captcha = Type.Object(
  { id: Type.String({ format: 'uuid' }), svg: Type.String({ description: 'an SVG image of the characters to type' }), expiresAt: Type.String({ format: 'date-time' }) },
  { description: 'a CAPTCHA challenge, answered once within 10 minutes' },
)
export type Captcha = Static<typeof Captcha>

export const ReportRules = Type.Object(
  {
    captchaRequired: Type.Boolean({ description: 'this address has reported in the last 24 hours: the next report needs a CAPTCHA' }),
    maxPhotos: Type.Integer(),
    maxPhotoBytes: Type.Integer(),
    maxDescription: Type.Integer(),
    services: Type.Array(Type.Object({ code: Type.Enum(REPORT_SERVICES), nameZh: Type.String(), nameEn: Type.String(), descriptionZh: Type.String() })),
    bbox: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: 'the district: [west, south, east, north]' }),
    districtName: Type.String(),
  },
  { description: 'what the report form needs to know before it is sent' },
)
export type ReportRules = Static<typeof ReportRules>

export const ReportReceipt = Type.Object(
  {
    id: Type.Integer({ description: 'the report number (also the Open311 service_request_id)' }),
    receiptCode: Type.String({ description: '查询码: the only way to look the report up; shown once, never stored in the clear' }),
    status: Type.Enum(REPORT_STATUSES),
    submittedAt: Type.String({ format: 'date-time' }),
    villageName: Type.String(),
  },
  { description: 'the report was received' },
)
export type ReportReceipt = Static<typeof ReportReceipt>

export const PublicStep = Type.Object({
  at: Type.String({ format: 'date-time' }),
  action: Type.String({ description: 'submit, add_info, ask_more, accept, link, reject' }),
  status: Nullable(Type.Enum(REPORT_STATUSES)),
  note: Nullable(Type.String({ description: "the office's words to the reporter" })),
})

export const PublicReportStatus = Type.Object(
  {
    id: Type.Integer(),
    status: Type.Enum(REPORT_STATUSES),
    serviceCode: Type.Enum(REPORT_SERVICES),
    description: Type.String({ description: 'what the reporter wrote (only the holder of the receipt code reads it)' }),
    villageName: Type.String(),
    submittedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    photos: Type.Array(Type.Object({ id: Type.Integer(), url: Type.String() })),
    steps: Type.Array(PublicStep),
    caseStage: Nullable(Type.Enum(PUBLIC_CASE_STAGES, { description: 'where the case this report led to stands' })),
    caseNo: Nullable(Type.String()),
    reward: Nullable(Type.Enum(['eligible', 'not_eligible'] as const)),
    canAddInfo: Type.Boolean({ description: 'the office asked for more: the reporter may add text and photos' }),
  },
  { description: "a report as its reporter sees it, with each step's public wording" },
)
export type PublicReportStatus = Static<typeof PublicReportStatus>

export const ReceiptParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }) })
export const ReceiptPhotoParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }), photoId: Type.Integer({ minimum: 1 }) })

// --- the staff's triage -------------------------------------------------------------------------

export const NearbyCase = Type.Object({
  id: Type.Integer(),
  caseNo: Type.String(),
  status: Type.String(),
  distanceM: Type.Number(),
})

export const StaffReport = Type.Object(
  {
    id: Type.Integer(),
    status: Type.Enum(REPORT_STATUSES),
    serviceCode: Type.Enum(REPORT_SERVICES),
    description: Type.String(),
    adminCode: Type.String(),
    villageName: Type.String(),
    townName: Type.String(),
    lon: Lon,
    lat: Lat,
    locationSource: Type.Enum(['map', 'gps'] as const),
    via: Type.Enum(['web', 'open311'] as const),
    submittedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    photoCount: Type.Integer(),
    groupId: Type.Integer({ description: 'reports of one place share a group: the smallest id among open reports within 50 m of each other' }),
    groupSize: Type.Integer(),
    nearbyCases: Type.Array(NearbyCase, { description: 'cases of the ledger within 100 m, nearest first (at most 3)' }),
    caseId: Nullable(Type.Integer()),
    caseNo: Nullable(Type.String()),
    reward: Nullable(Type.Enum(['eligible', 'not_eligible'] as const)),
    rewardReason: Nullable(Type.String()),
    version: Type.Integer(),
  },
  { description: 'a report in the triage queue' },
)
export type StaffReport = Static<typeof StaffReport>

export const StaffReportList = Type.Object({ items: Type.Array(StaffReport), total: Type.Integer() }, { description: 'the triage queue' })
export type StaffReportList = Static<typeof StaffReportList>

export const ReportHistoryEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  user: Nullable(Type.String({ description: 'null: the reporter' })),
  action: Type.String(),
  fromStatus: Nullable(Type.String()),
  toStatus: Nullable(Type.String()),
  publicNote: Nullable(Type.String()),
  internalNote: Nullable(Type.String()),
})

export const StaffReportDetail = Type.Object(
  {
    ...StaffReport.properties,
    contact: Type.Optional(Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()) }, { description: 'only for the roles that handle personal data' })),
    photos: Type.Array(Type.Object({ id: Type.Integer(), url: Type.String(), width: Type.Integer(), height: Type.Integer() })),
    history: Type.Array(ReportHistoryEntry),
    duplicates: Type.Array(Type.Object({ id: Type.Integer(), status: Type.Enum(REPORT_STATUSES), distanceM: Type.Number(), version: Type.Integer(), caseId: Nullable(Type.Integer()), caseNo: Nullable(Type.String()) }), {
      description: 'the other reports of its group',
    }),
  },
  { description: 'one report for the staff who handle it' },
)
export type StaffReportDetail = Static<typeof StaffReportDetail>

export const StaffReportQuery = Type.Object({
  status: Type.Optional(Type.Enum(['open', 'all', ...REPORT_STATUSES] as const, { description: 'open (default): submitted and more_info' })),
  adminCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
})

export const TriageBody = Type.Object(
  {
    action: Type.Enum(TRIAGE_ACTIONS),
    caseId: Type.Optional(Type.Integer({ minimum: 1, description: 'link: the case of the ledger this report is about' })),
    use: Type.Optional(Type.Enum(CASE_USES, { description: 'accept: the new case’s use (default other)' })),
    publicNote: Type.Optional(Type.String({ maxLength: 500, description: 'what the reporter reads; required to reject or ask for more' })),
    internalNote: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
)
export type TriageBody = Static<typeof TriageBody>

export const ReportPhotoParams = Type.Object({ id: Type.Integer({ minimum: 1 }), photoId: Type.Integer({ minimum: 1 }) })

// --- 公示 -------------------------------------------------------------------------------------

export const DisclosureSettings = Type.Object(
  {
    stages: Type.Array(Type.Enum(DISCLOSURE_STAGES), { uniqueItems: true, description: 'the stages of the ledger published; none: nothing is published' }),
    locationGridM: Type.Integer({ minimum: 100, maximum: 2000, description: 'published positions are snapped to a grid of this many metres' }),
    officeName: Type.String({ maxLength: 100 }),
    noticeNote: Type.String({ maxLength: 1000, description: 'printed under each village notice (how to object, whom to call)' }),
    version: Type.Integer(),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'what the office publishes (公示)' },
)
export type DisclosureSettings = Static<typeof DisclosureSettings>

export const DisclosureSettingsBody = Type.Object(
  {
    stages: Type.Array(Type.Enum(DISCLOSURE_STAGES), { uniqueItems: true, maxItems: 3 }),
    locationGridM: Type.Integer({ minimum: 100, maximum: 2000 }),
    officeName: Type.String({ maxLength: 100 }),
    noticeNote: Type.String({ maxLength: 1000 }),
  },
  { additionalProperties: false },
)
export type DisclosureSettingsBody = Static<typeof DisclosureSettingsBody>

export const DisclosedCase = Type.Object(
  {
    caseNo: Type.String(),
    stage: Type.Enum(DISCLOSURE_STAGES),
    townName: Type.String(),
    villageCode: Type.String(),
    villageName: Type.String(),
    use: Type.Enum(CASE_USES),
    landAreaM2: Nullable(Type.Number({ description: 'recorded, else computed' })),
    floorAreaM2: Nullable(Type.Number({ description: 'recorded, else computed' })),
    foundOn: Type.String({ format: 'date', description: 'Beijing date' }),
    orderIssuedOn: Nullable(Type.String({ format: 'date' })),
    deadline: Nullable(Type.String({ format: 'date' })),
    disposal: Nullable(Type.String({ description: 'self_demolition, assisted_demolition, enforced_demolition or confiscation' })),
    disposedOn: Nullable(Type.String({ format: 'date' })),
    demolishedLandAreaM2: Nullable(Type.Number()),
    demolishedFloorAreaM2: Nullable(Type.Number()),
    closedOn: Nullable(Type.String({ format: 'date' })),
    lon: Type.Number({ description: 'generalised: the centre of the grid cell the site lies in' }),
    lat: Type.Number(),
  },
  { description: 'a published case: no parties, no address text, no exact place, no photos' },
)
export type DisclosedCase = Static<typeof DisclosedCase>

export const DisclosedVillage = Type.Object({ code: Type.String(), name: Type.String(), townName: Type.String(), count: Type.Integer() })

export const Disclosure = Type.Object(
  {
    officeName: Type.String(),
    noticeNote: Type.String(),
    stages: Type.Array(Type.Enum(DISCLOSURE_STAGES)),
    locationGridM: Type.Integer(),
    villages: Type.Array(DisclosedVillage, { description: 'villages with published cases' }),
    items: Type.Array(DisclosedCase),
    total: Type.Integer(),
    asOf: Type.String({ format: 'date-time' }),
  },
  { description: 'the published ledger (公示)' },
)
export type Disclosure = Static<typeof Disclosure>

export const DisclosureQuery = Type.Object({
  village: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
  stage: Type.Optional(Type.Enum(DISCLOSURE_STAGES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})

// --- Open311 GeoReport v2 ---------------------------------------------------------------------------

export const Open311Service = Type.Object({
  service_code: Type.String(),
  service_name: Type.String(),
  description: Type.String(),
  metadata: Type.Boolean(),
  type: Type.String(),
  keywords: Type.String(),
  group: Type.String(),
})
export const Open311Services = Type.Array(Open311Service, { description: 'GeoReport v2 service list' })

export const Open311Request = Type.Object({
  service_request_id: Type.String(),
  status: Type.Enum(['open', 'closed'] as const),
  status_notes: Nullable(Type.String()),
  service_name: Type.String(),
  service_code: Type.String(),
  agency_responsible: Type.String(),
  service_notice: Nullable(Type.String()),
  requested_datetime: Type.String({ format: 'date-time' }),
  updated_datetime: Type.String({ format: 'date-time' }),
  expected_datetime: Nullable(Type.String()),
  address: Type.String({ description: 'the village, never a street address' }),
  zipcode: Nullable(Type.String()),
  lat: Type.Number({ description: 'generalised to the disclosure grid' }),
  long: Type.Number(),
  media_url: Nullable(Type.String()),
})
export const Open311Requests = Type.Array(Open311Request, { description: 'GeoReport v2 service requests (no description or contact: those stay with the office)' })

export const Open311Created = Type.Array(
  Type.Object({ service_request_id: Type.String(), service_notice: Type.String(), account_id: Nullable(Type.String()), token: Type.String({ description: 'the receipt code (查询码)' }) }),
  { description: 'the request was received' },
)

export const Open311RequestsQuery = Type.Object({
  service_request_id: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated ids' })),
  service_code: Type.Optional(Type.String({ maxLength: 100 })),
  start_date: Type.Optional(Type.String({ format: 'date-time' })),
  end_date: Type.Optional(Type.String({ format: 'date-time' })),
  status: Type.Optional(Type.String({ maxLength: 20, description: 'open, closed or both comma-separated' })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
})

export const Open311CreateBody = Type.Object(
  {
    api_key: Type.String({ minLength: 1, maxLength: 200 }),
    service_code: Type.Enum(REPORT_SERVICES),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    long: Type.Number({ minimum: -180, maximum: 180 }),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
    address_string: Type.Optional(Type.String({ maxLength: 300 })),
    first_name: Type.Optional(Type.String({ maxLength: 50 })),
    last_name: Type.Optional(Type.String({ maxLength: 50 })),
    phone: Type.Optional(Type.String({ maxLength: 30 })),
    email: Type.Optional(Type.String({ maxLength: 200 })),
    device_id: Type.Optional(Type.String({ maxLength: 200 })),
    account_id: Type.Optional(Type.String({ maxLength: 200 })),
    media_url: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export type Open311CreateBody = Static<typeof Open311CreateBody>
