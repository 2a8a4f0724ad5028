// The code lists of the patch (卫片图斑) API, shared by the server and the web client (the API's
// shapes are in server/src/schemas/detections.schema.ts, built from these). Pure: no I/O.

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

/** The attributes an import maps from the file's fields (patch-import.ts guesses them). */
export const MAPPING_KEYS = ['patchNo', 'beforeDate', 'afterDate', 'changeType', 'area', 'confidence'] as const
export type MappingKey = (typeof MAPPING_KEYS)[number]
