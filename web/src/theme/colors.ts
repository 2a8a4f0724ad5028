// The one place that decides the colours of coded values. The map style, the legend and (later)
// the charts all read from here, so a status is the same colour everywhere.
//
// Case status: open work in warm colours (red -> orange -> magenta as it escalates), disposals in
// greens/teal/brown, the end of the lifecycle in blue/grey, the public-interest deferral in
// lavender. Chosen to stay distinguishable from each other and from the light basemap.
import type {
  AdminLevel,
  BufferFamily,
  BuildingUse,
  CaseStatus,
  DetectionResult,
  DetectionStatus,
  LandClass,
  ReferenceAreaKind,
  RoadClass,
  WaterKind,
  ZoneType,
} from '../codes.ts'

export const caseStatusColors: Readonly<Record<CaseStatus, string>> = {
  identified: '#e31a1c',
  notified: '#fd8d3c',
  order_issued: '#c51b8a',
  demolished: '#1a9850',
  confiscated: '#8c510a',
  regularised: '#35978f',
  deferred: '#9e9ac8',
  accepted: '#2c7fb8',
  closed: '#6f6f6f',
}
/**
 * A case past one of its clocks (order deadline, 1-hour reach, 3-day removal): a halo around the
 * status colour on the map, the badge in the ledger. Bright orange-red, apart from every status.
 */
export const overdueColor = '#ff5a00'
/** A case whose status the client does not know yet (a newer server). */
export const caseStatusFallback = '#000000'

export const buildingUseColors: Readonly<Record<BuildingUse, string>> = {
  residential: '#e3c29b',
  storage: '#bfae8e',
  commercial: '#e6a3a3',
  office: '#a9b7d6',
  industrial: '#b6a3cc',
  public: '#9fcfc0',
  other: '#cdcdcd',
}

export const landClassColors: Readonly<Record<LandClass, string>> = {
  farmland: '#efe39a',
  basic_farmland: '#e2cf5e',
  homestead: '#f5cfa8',
  collective_construction: '#eab08a',
  state_construction: '#d99a8a',
  forest: '#a9d39e',
  garden: '#c7e3a1',
  water: '#a6cee3',
  road: '#d4d4d4',
  other: '#e8e8e8',
}

export const roadClassColors: Readonly<Record<RoadClass, string>> = {
  expressway: '#e07b39',
  national: '#f0a04b',
  provincial: '#f6c85f',
  county: '#fffdf5',
  village: '#ffffff',
}
/** The ring road (六环, ring_no 6) is drawn over its class colour in this one. */
export const ringRoadColor = '#7b3294'
export const roadCasingColor = '#b3a58c'

export const waterColors: Readonly<Record<WaterKind, string>> = {
  river: '#5b9fd1',
  stream: '#8fc1e3',
  reservoir: '#a6cee3',
}
export const waterOutlineColor = '#5b9fd1'

export const referenceAreaColors: Readonly<Record<ReferenceAreaKind, string>> = {
  residential: '#f2a45f',
  scenic: '#5fae5a',
  enterprise: '#8c7fbf',
}

export const adminColors: Readonly<Record<AdminLevel, { fill: string; line: string }>> = {
  district: { fill: '#fbfaf5', line: '#5e4f8c' },
  town: { fill: '#f7f5ee', line: '#7d70a6' },
  village: { fill: '#f9f8f2', line: '#b6aec9' },
}

/**
 * Buildings below the aggregation zoom: grid cells of about 8 px, drawn as circles coloured by
 * the number of buildings in the cell. Beige to dark brown, the family of the building fills, so
 * the density view reads as "buildings" and stays apart from the case colours on top.
 * `count` is the lower bound of each class.
 */
export const buildingDensityStops: readonly { count: number; color: string }[] = [
  { count: 1, color: '#efe4cc' },
  { count: 5, color: '#e0c9a0' },
  { count: 20, color: '#cdaa78' },
  { count: 50, color: '#b38b58' },
  { count: 150, color: '#94703f' },
  { count: 400, color: '#73552d' },
]
export const buildingDensityStroke = '#8a7050'

/**
 * Satellite-change patches: before verification by status (gold pending, cyan assigned), after
 * it by result (red a real violation, green legal, grey a false change). Drawn as outlines with a
 * faint fill, so a case on the same spot (filled) stays readable.
 */
export const detectionStatusColors: Readonly<Record<DetectionStatus, string>> = {
  pending: '#d4a900',
  assigned: '#0a9bc9',
  verified: '#555555',
}
export const detectionResultColors: Readonly<Record<DetectionResult, string>> = {
  violation: '#d7301f',
  legal: '#3a9a3a',
  false_change: '#8a8a8a',
}
export const detectionFallback = '#000000'

/** Planners' zones: heavy dashed outlines. */
export const zoneTypeColors: Readonly<Record<ZoneType, string>> = {
  rectification_area: '#4a1486',
  key_village: '#b2182b',
  violation_free: '#1b7837',
  other: '#4d4d4d',
}
export const zoneFallback = '#4d4d4d'

/** Buffer zones (四道六边 and ring-road bands): translucent bands. */
export const bufferFamilyColors: Readonly<Record<BufferFamily, string>> = {
  road: '#f4a582',
  side: '#6baed6',
  ring_band: '#b99ad6',
}
export const bufferFallback = '#bbbbbb'

/** Parcel boundaries (from zoom 15). */
export const parcelLineColor = '#a39c88'
/** Building outlines (from zoom 15). */
export const buildingLineColor = '#9b8f7a'

/** The feature under the mouse, and the one open in the inspector. */
export const hoverColor = '#00b3ff'
export const selectedColor = '#ff00a8'
export const selectedCasing = '#ffffff'

/** The map's background: land outside every polygon we draw. */
export const mapBackground = '#ece9e0'
export const labelColor = '#3d3a4f'
export const labelHalo = '#ffffff'

/**
 * The ledger aggregated in hexagons (deck.gl, below the cases' detail zoom): light to dark by what a
 * hexagon weighs (cases, demolished area or one status). Yellow to deep red, apart from the building
 * density browns and warm enough to read as "the ledger".
 */
export const caseHexRamp: readonly string[] = ['#ffffb2', '#fed976', '#feb24c', '#fd8d3c', '#f03b20', '#bd0026']

/** 3D buildings by safety grade (self-built houses): A safe to D dangerous; others neutral. */
export const safetyGradeColors: Readonly<Record<'A' | 'B' | 'C' | 'D', string>> = {
  A: '#1a9850',
  B: '#a6d96a',
  C: '#fdae61',
  D: '#d7191c',
}
export const ungradedBuildingColor = '#c8c4bb'
