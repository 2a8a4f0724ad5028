// The onboarding part of the API client (docs/api-onboarding.md): what the district has loaded,
// the history of loads, and a reference-layer import from upload to commit. Administrators only
// (the status is readable by everyone signed in).
import { ApiError, request, uploadFile } from './api.ts'
import type { Lang } from './i18n/messages.ts'
import type { LayerKey, LoadMode } from '../../server/src/domain/onboarding-types.ts'
import type { LayerImportView, LayerLoad, LayerMapping, OnboardingStatus } from '../../server/src/schemas/onboarding.schema.ts'

export type { LayerKey, LoadMode } from '../../server/src/domain/onboarding-types.ts'
export type { ImportTarget, LayerImportView, LayerLoad, LayerMapping, MappingSource, OnboardingStatus } from '../../server/src/schemas/onboarding.schema.ts'

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
): Promise<LayerImportView> {
  const fields: Record<string, string> = { layer }
  if (opts.crs) fields.crs = opts.crs
  if (opts.encoding) fields.encoding = opts.encoding
  return uploadFile<LayerImportView>('/api/layer-imports', fields, file, onProgress ? { onProgress } : {})
}

export async function getLayerImport(id: string, signal?: AbortSignal): Promise<LayerImportView> {
  return (await (await request('GET', `/api/layer-imports/${id}`, undefined, signal)).json()) as LayerImportView
}

export async function updateLayerImport(id: string, body: { crs?: string; encoding?: string; mapping?: LayerMapping }): Promise<LayerImportView> {
  return (await (await request('PATCH', `/api/layer-imports/${id}`, body)).json()) as LayerImportView
}

export async function layerImportFeatures(id: string, signal?: AbortSignal): Promise<GeoJSON.FeatureCollection> {
  return (await (await request('GET', `/api/layer-imports/${id}/features?limit=2000`, undefined, signal)).json()) as GeoJSON.FeatureCollection
}

export async function commitLayerImport(id: string, body: { mode: LoadMode; onlyValid: boolean; presetName?: string }): Promise<LayerImportView> {
  return (await (await request('POST', `/api/layer-imports/${id}/commit`, body)).json()) as LayerImportView
}

export async function cancelLayerImport(id: string): Promise<void> {
  await request('DELETE', `/api/layer-imports/${id}`)
}
