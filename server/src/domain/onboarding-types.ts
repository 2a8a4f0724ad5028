// The shapes of the onboarding API (docs/api-onboarding.md): the reference layers, an import as
// the API shows it, a load of the history, the district's status. Shared by the server and the web
// client (web/src/onboarding-api.ts imports them), so the two cannot drift apart. Pure: no I/O and
// no Node APIs (the web app compiles this module; reference-layers.ts, which does not, re-exports
// the layer keys and mappings from here).
import type { Scope } from './scope.ts'

/** The layers in loading order. */
export const LAYER_KEYS = ['admin_units', 'parcels', 'buildings', 'roads', 'ring_roads', 'waters', 'reference_areas', 'permits'] as const
export type LayerKey = (typeof LAYER_KEYS)[number]

export type FieldKind = 'text' | 'code' | 'enum' | 'integer' | 'number' | 'boolean' | 'date'

/** A mapping source: a field of the file, a constant, or nothing. */
export type MappingSource = string | { value: string | number | boolean } | null
export type LayerMapping = Record<string, MappingSource>

export type LayerImportState = 'reading' | 'needs_crs' | 'staged' | 'committing' | 'committed' | 'failed' | 'cancelled'
export type LoadMode = 'replace' | 'append'
export type Phase = 'reading' | 'checking' | 'writing' | 'deriving'

/** A field of the file with a few of its values. */
export interface FieldInfo {
  name: string
  samples: string[]
}

/** What a commit re-derived (buffer zones, links, screenings), its message "中文 / English". */
export interface Derived {
  what: string
  message: string
  count?: number
}

export interface CommitResult {
  mode: LoadMode
  inserted: number
  updated: number
  deleted: number
  skipped: number
  derived: Derived[]
  loadId: number
}

/** A problem of one staged feature (`field`: the target field it concerns, where one does). */
export interface LayerProblem {
  featureNo: number
  code: string
  field?: string
  message: string
}

/** A target field as the API shows it (its values without their synonyms). */
export interface ImportTarget {
  key: string
  zh: string
  en: string
  required: boolean
  kind: FieldKind
  values?: { key: string; zh: string }[]
}

/** An import as the API shows it ("The import view"). */
export interface LayerImportView {
  id: string
  layer: LayerKey
  state: LayerImportState
  progress: { phase: Phase | null; done: number; total: number | null }
  fileName: string
  format: string | null
  /** the layer of the file read (a GeoPackage's table, a KML folder) */
  layerName: string | null
  crs: { code: string; name: string; source: string | null } | null
  encoding: string | null
  featureCount: number
  validCount: number
  bounds: [number, number, number, number] | null
  fields: FieldInfo[]
  targets: ImportTarget[]
  mapping: LayerMapping
  presets: { id: number; name: string; mapping: LayerMapping }[]
  problems: LayerProblem[]
  problemCount: number
  problemCounts: Record<string, number>
  warnings: { code: string; message: string }[]
  error: { code: string; message: string; messageEn?: string } | null
  result: CommitResult | null
}

/** One load of the history (GET /api/layer-loads). */
export interface LayerLoad {
  id: number
  at: string
  user: { id: number | null; username: string | null }
  scope: Scope
  layer: LayerKey
  fileName: string
  format: string | null
  crs: string | null
  encoding: string | null
  mode: LoadMode
  onlyValid: boolean
  features: number
  inserted: number
  updated: number
  deleted: number
  skipped: number
  mapping: LayerMapping
  derived: Derived[]
}

/** What the district has loaded and what it still lacks (GET /api/onboarding/status). */
export interface OnboardingStatus {
  district: { code: string; name: string } | null
  layers: { layer: LayerKey; count: number; lastLoad: LayerLoad | null }[]
  missing: LayerKey[]
  cases: number
  casesPendingLocation: number
}
