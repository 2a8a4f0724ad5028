// The onboarding part of the API client (docs/api-onboarding.md): what the district has loaded,
// the history of loads, and a reference-layer import from upload to commit. Administrators only
// (the status is readable by everyone signed in).
import { ApiError, request, uploadFile } from './api.ts'
import type { Lang } from './i18n/messages.ts'

/** The layers in loading order, as server/src/domain/reference-layers.ts names them (that module
 *  uses Node's Buffer, so the web app keeps its own copy of the list; the status lists them too). */
export const LAYER_KEYS = ['admin_units', 'parcels', 'buildings', 'roads', 'ring_roads', 'waters', 'reference_areas', 'permits'] as const
export type LayerKey = (typeof LAYER_KEYS)[number]

export type LoadMode = 'replace' | 'append'

export interface LayerLoad {
  id: number
  at: string
  user: { id: number | null; username: string | null }
  scope: string
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
  derived: Derived[]
}

export interface OnboardingStatus {
  district: { code: string; name: string } | null
  layers: { layer: LayerKey; count: number; lastLoad: LayerLoad | null }[]
  missing: LayerKey[]
  cases: number
  casesPendingLocation: number
}

export interface Derived {
  what: string
  message: string
  count?: number
}

/** A mapping source: a field of the file, a constant, or nothing. */
export type MappingSource = string | { value: string | number | boolean } | null
export type LayerMapping = Record<string, MappingSource>

export interface ImportTarget {
  key: string
  zh: string
  en: string
  required: boolean
  kind: 'text' | 'code' | 'enum' | 'integer' | 'number' | 'boolean' | 'date'
  values?: { key: string; zh: string }[]
}

export interface LayerImportProblem {
  featureNo: number
  code: string
  field?: string | null
  message: string
}

export type LayerImportState = 'reading' | 'needs_crs' | 'staged' | 'committing' | 'committed' | 'failed' | 'cancelled'

export interface LayerImport {
  id: string
  layer: LayerKey
  state: LayerImportState
  progress: { phase: 'reading' | 'checking' | 'writing' | 'deriving' | null; done: number; total: number | null } | null
  fileName: string
  format: string | null
  layerName: string | null
  crs: { code: string; name: string; source: string | null } | null
  encoding: string | null
  featureCount: number
  validCount: number
  bounds: [number, number, number, number] | null
  fields: { name: string; samples: string[] }[]
  targets: ImportTarget[]
  mapping: LayerMapping
  presets: { id: number; name: string; mapping: LayerMapping }[]
  problems: LayerImportProblem[]
  problemCount: number
  problemCounts: Record<string, number>
  warnings: { code: string; message: string }[]
  error: { code: string; message: string; messageEn?: string } | null
  result: { mode: LoadMode; inserted: number; updated: number; deleted: number; skipped: number; derived: Derived[] } | null
}

/** The map sources (meta.layers ids) whose tiles a load of `layer` changes. */
export const TILE_SOURCES: Readonly<Record<LayerKey, readonly string[]>> = {
  admin_units: ['admin-units', 'buffer-zones'],
  parcels: ['parcels', 'detections'],
  buildings: ['buildings', 'detections'],
  roads: ['roads', 'buffer-zones', 'detections'],
  ring_roads: ['roads', 'buffer-zones', 'detections'],
  waters: ['waters', 'buffer-zones', 'detections'],
  reference_areas: ['reference-areas', 'buffer-zones', 'detections'],
  permits: ['detections'],
}

/** The server's sentence for a failed call in the UI's language (problem+json detailZh / detail). */
export function problemMessage(e: unknown, lang: Lang): string {
  if (e instanceof ApiError) return (lang === 'zh-CN' ? e.problem?.detailZh : undefined) ?? e.message
  return e instanceof Error ? e.message : String(e)
}

export async function getOnboardingStatus(signal?: AbortSignal): Promise<OnboardingStatus> {
  return (await (await request('GET', '/api/onboarding/status', undefined, signal)).json()) as OnboardingStatus
}

export async function listLayerLoads(limit = 50, signal?: AbortSignal): Promise<LayerLoad[]> {
  const res = await request('GET', `/api/layer-loads?limit=${limit}`, undefined, signal)
  return ((await res.json()) as { loads: LayerLoad[] }).loads
}

export function startLayerImport(
  layer: LayerKey, file: Blob & { name?: string }, opts: { crs?: string; encoding?: string }, onProgress?: (f: number) => void,
): Promise<LayerImport> {
  const fields: Record<string, string> = { layer }
  if (opts.crs) fields.crs = opts.crs
  if (opts.encoding) fields.encoding = opts.encoding
  return uploadFile<LayerImport>('/api/layer-imports', fields, file, onProgress ? { onProgress } : {})
}

export async function getLayerImport(id: string, signal?: AbortSignal): Promise<LayerImport> {
  return (await (await request('GET', `/api/layer-imports/${id}`, undefined, signal)).json()) as LayerImport
}

export async function updateLayerImport(id: string, body: { crs?: string; encoding?: string; mapping?: LayerMapping }): Promise<LayerImport> {
  return (await (await request('PATCH', `/api/layer-imports/${id}`, body)).json()) as LayerImport
}

export async function layerImportFeatures(id: string, signal?: AbortSignal): Promise<GeoJSON.FeatureCollection> {
  return (await (await request('GET', `/api/layer-imports/${id}/features?limit=2000`, undefined, signal)).json()) as GeoJSON.FeatureCollection
}

export async function commitLayerImport(id: string, body: { mode: LoadMode; onlyValid: boolean; presetName?: string }): Promise<LayerImport> {
  return (await (await request('POST', `/api/layer-imports/${id}/commit`, body)).json()) as LayerImport
}

export async function cancelLayerImport(id: string): Promise<void> {
  await request('DELETE', `/api/layer-imports/${id}`)
}
