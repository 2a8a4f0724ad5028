// The shapes of the planning API (整治区域 zones and 重点村 key villages, docs/api-analysis.md),
// shared by the server and the web client (web/src/analysis-api.ts imports them), so the two
// cannot drift apart. Pure: no I/O.
import type { MultiPolygon, Polygon } from 'geojson'

export type ZoneGeometry = Polygon | MultiPolygon

export const ZONE_TYPES = ['rectification_area', 'key_village', 'violation_free', 'other'] as const
export type ZoneType = (typeof ZONE_TYPES)[number]

/** A zone's own targets; a figure left out has no target. */
export interface ZoneTargets {
  demolishedArea?: number
  casesClosed?: number
  regreenedArea?: number
}

export interface Zone {
  id: number
  name: string
  zoneType: ZoneType
  adminCode: string
  adminName: string
  periodStart: string | null
  periodEnd: string | null
  responsibleUnit: string | null
  targets: ZoneTargets
  areaM2: number
  version: number
  updatedAt: string
  /** Left out where the list was asked for without geometry. */
  geometry?: ZoneGeometry
}

/** A zone's own fields as a client sends them (its shape comes separately). */
export interface ZoneFields {
  name: string
  zoneType: ZoneType
  periodStart?: string | null
  periodEnd?: string | null
  responsibleUnit?: string | null
  targets?: ZoneTargets
}

/**
 * A zone as zone_history stores it: the table's columns under their SQL names (zone_type, area_m2,
 * …), only the changed ones in an edit, plus how a new zone was made (fromVillages, fromFile, …).
 */
export type ZoneSnapshot = Record<string, unknown> & { version?: number }

export interface ZoneHistoryEntry {
  id: number
  at: string
  user: string | null
  action: string
  before: ZoneSnapshot | null
  after: ZoneSnapshot | null
}

export interface KeyVillageReason {
  code: 'floating_gt_registered' | 'floating_gt_1000' | 'case_density'
  detail: string
}

export interface KeyVillage {
  code: string
  name: string
  townCode: string
  townName: string
  registeredPopulation: number | null
  floatingPopulation: number | null
  caseCount: number
  areaKm2: number
  caseDensityPerKm2: number
  designated: boolean
  reasons: KeyVillageReason[]
}
