// The planning code lists (整治区域 zone types), shared by the server, its schemas and the web
// client. The planning API's shapes are in schemas/planning.schema.ts. Pure: no I/O.

export const ZONE_TYPES = ['rectification_area', 'key_village', 'violation_free', 'other'] as const
export type ZoneType = (typeof ZONE_TYPES)[number]
