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

export const ROLES = ['admin', 'planner', 'analyst', 'field', 'viewer'] as const
export type KnownRole = (typeof ROLES)[number]

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value)
}
