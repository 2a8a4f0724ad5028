// The coded values the API and the vector tiles carry. One list per attribute, in the order the
// legend and later the charts show them. Labels live in i18n/messages.ts, colours in theme/colors.ts.

export const CASE_STATUSES = [
  'identified',
  'notified',
  'order_issued',
  'demolished',
  'confiscated',
  'regularised',
  'deferred',
  'accepted',
  'closed',
] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

export const CASE_USES = ['residential', 'storage', 'commercial', 'office', 'other'] as const
export type CaseUse = (typeof CASE_USES)[number]

export const BUILDING_USES = ['residential', 'storage', 'commercial', 'office', 'industrial', 'public', 'other'] as const
export type BuildingUse = (typeof BUILDING_USES)[number]

export const LAND_CLASSES = [
  'farmland',
  'basic_farmland',
  'homestead',
  'collective_construction',
  'state_construction',
  'forest',
  'garden',
  'water',
  'road',
  'other',
] as const
export type LandClass = (typeof LAND_CLASSES)[number]

export const ROAD_CLASSES = ['expressway', 'national', 'provincial', 'county', 'village'] as const
export type RoadClass = (typeof ROAD_CLASSES)[number]

export const WATER_KINDS = ['river', 'stream', 'reservoir'] as const
export type WaterKind = (typeof WATER_KINDS)[number]

export const REFERENCE_AREA_KINDS = ['residential', 'scenic', 'enterprise'] as const
export type ReferenceAreaKind = (typeof REFERENCE_AREA_KINDS)[number]

export const ADMIN_LEVELS = ['district', 'town', 'village'] as const
export type AdminLevel = (typeof ADMIN_LEVELS)[number]

// Satellite-change patches (卫片图斑): verification status, then the result once verified.
export const DETECTION_STATUSES = ['pending', 'assigned', 'verified'] as const
export type DetectionStatus = (typeof DETECTION_STATUSES)[number]
export const DETECTION_RESULTS = ['violation', 'legal', 'false_change'] as const
export type DetectionResult = (typeof DETECTION_RESULTS)[number]
export const CHANGE_TYPES = ['new_building', 'extension', 'land_cleared', 'other'] as const

// Planners' rectification zones (整治区域): the server's list.
export { ZONE_TYPES, type ZoneType } from '../../server/src/domain/planning-types.ts'

// Buffer zones (四道六边, ring-road bands): the family, and the class within it.
export const BUFFER_FAMILIES = ['road', 'side', 'ring_band'] as const
export type BufferFamily = (typeof BUFFER_FAMILIES)[number]
export const BUFFER_CLASSES = [
  'expressway',
  'national',
  'provincial',
  'county',
  'village',
  'river',
  'stream',
  'reservoir',
  'residential',
  'scenic',
  'enterprise',
  'ring6',
] as const

// Attributes only the inspector shows.
export const STRUCTURES = ['brick_concrete', 'brick_wood', 'steel', 'frame', 'simple', 'other'] as const
export const SAFETY_GRADES = ['A', 'B', 'C', 'D'] as const
export const OWNER_TYPES = ['collective', 'state', 'individual', 'enterprise'] as const
export const OWNERSHIPS = ['collective', 'state', 'enterprise', 'government_social', 'individual'] as const
export const CASE_SOURCES = ['satellite', 'patrol', 'report', 'self_check', 'assigned'] as const
export const DISPOSALS = [
  'self_demolition',
  'assisted_demolition',
  'enforced_demolition',
  'confiscation',
  'regularisation',
  'deferral',
] as const
export const REUSES = ['road', 'greening', 'landscape', 'parking', 'market', 'farmland', 'other'] as const

export const ROLES = ['admin', 'planner', 'analyst', 'field', 'viewer'] as const
export type KnownRole = (typeof ROLES)[number]

/** Domains of coded values that have labels (`<domain>.<code>` in i18n/messages.ts). */
export type CodeDomain =
  | 'caseStatus'
  | 'caseUse'
  | 'buildingUse'
  | 'landClass'
  | 'roadClass'
  | 'waterKind'
  | 'referenceAreaKind'
  | 'adminLevel'
  | 'role'
  | 'detectionStatus'
  | 'detectionResult'
  | 'changeType'
  | 'zoneType'
  | 'bufferFamily'
  | 'bufferClass'
  | 'structure'
  | 'safetyGrade'
  | 'ownerType'
  | 'ownership'
  | 'caseSource'
  | 'disposal'
  | 'reuse'
  | 'caseFlag'

/**
 * Which label domain translates a coded property of a collection (OGC collection id -> property
 * -> domain). A property not listed here is shown as it is.
 */
export const PROPERTY_DOMAINS: Readonly<Record<string, Readonly<Record<string, CodeDomain>>>> = {
  'admin-units': { level: 'adminLevel' },
  parcels: { land_class: 'landClass', owner_type: 'ownerType' },
  buildings: { use: 'buildingUse', structure: 'structure', safety_grade: 'safetyGrade' },
  roads: { road_class: 'roadClass' },
  waters: { kind: 'waterKind' },
  'reference-areas': { kind: 'referenceAreaKind' },
  cases: { use: 'caseUse', ownership: 'ownership', source: 'caseSource', status: 'caseStatus', disposal: 'disposal', reuse: 'reuse' },
  detections: { change_type: 'changeType', status: 'detectionStatus', result: 'detectionResult' },
  zones: { zone_type: 'zoneType' },
  'buffer-zones': { family: 'bufferFamily', class: 'bufferClass' },
}

/**
 * Properties that name another feature: the inspector links them (collection of the target).
 * Admin codes are also shown with the unit's name.
 */
export const REFERENCE_PROPERTIES: Readonly<Record<string, string>> = {
  admin_code: 'admin-units',
  parent_code: 'admin-units',
  parcel_id: 'parcels',
  case_id: 'cases',
  reopened_from: 'cases',
}

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value)
}
