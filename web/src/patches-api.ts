// The patch (卫片图斑) part of the API client: batches and their dashboards and exports, the patch
// list, one patch with its ETag, lifecycle actions with If-Match, photos, history, and the import
// wizard's calls (docs/api-patches.md).
import { request, uploadFile } from './api.ts'
import { FALSE_CHANGE_CAUSES } from '../../server/src/domain/detection-lifecycle.ts'
import { EXPORT_FORMATS, SCREENING_FLAGS, type BatchIssuer, type ExportFormat } from '../../server/src/domain/detection-types.ts'
import type {
  Assignee, BatchDashboard, BatchImagery, BatchSummary, DetectionCounts, DetectionHistoryEntry, DetectionImport, DetectionList, DetectionListRow,
  DetectionRecord, ImagerySource, ImportCommitted, ImportProblem,
} from '../../server/src/schemas/detections.schema.ts'
import type { Attachment } from './ledger-api.ts'

export { EXPORT_FORMATS, FALSE_CHANGE_CAUSES, SCREENING_FLAGS }
export type {
  Assignee, BatchDashboard, BatchImagery, BatchSummary, DetectionCounts, DetectionHistoryEntry, DetectionImport, DetectionList, DetectionListRow,
  DetectionRecord, ExportFormat, ImagerySource, ImportCommitted, ImportProblem,
}

export async function listBatches(signal?: AbortSignal): Promise<BatchSummary[]> {
  const res = await request('GET', '/api/detection-batches', undefined, signal)
  return ((await res.json()) as { batches: BatchSummary[] }).batches
}

/** Screens every patch of the batch again, in the background (after cases or parcels changed). */
/** One batch with its imagery (before / after). */
export async function getBatch(batchId: number, signal?: AbortSignal): Promise<BatchSummary> {
  return (await (await request('GET', `/api/detection-batches/${batchId}`, undefined, signal)).json()) as BatchSummary
}

export async function rescreenBatch(batchId: number): Promise<void> {
  await request('POST', `/api/detection-batches/${batchId}/screen`)
}

export async function getDashboard(batchId: number, signal?: AbortSignal): Promise<BatchDashboard> {
  const res = await request('GET', `/api/detection-batches/${batchId}/dashboard`, undefined, signal)
  return (await res.json()) as BatchDashboard
}

export const exportUrl = (batchId: number, format?: ExportFormat) => `/api/detection-batches/${batchId}/export${format ? `?format=${format}` : ''}`

export interface PatchFilter {
  batch?: number
  admin?: string
  status?: string[]
  result?: string[]
  flags?: string[]
  overdue?: boolean
  mine?: boolean
}

export interface PatchQuery extends PatchFilter {
  sort: string
  limit: number
  offset: number
}

export function patchQueryString(q: PatchQuery): string {
  const p = new URLSearchParams()
  if (q.batch) p.set('batch', String(q.batch))
  if (q.admin) p.set('admin', q.admin)
  for (const k of ['status', 'result', 'flags'] as const) {
    const v = q[k]
    if (v && v.length) p.set(k, v.join(','))
  }
  if (q.overdue) p.set('overdue', 'true')
  if (q.mine) p.set('assignee', 'me')
  p.set('sort', q.sort)
  p.set('limit', String(q.limit))
  p.set('offset', String(q.offset))
  return p.toString()
}

export async function listPatches(q: PatchQuery, signal?: AbortSignal): Promise<DetectionList> {
  const res = await request('GET', `/api/detections?${patchQueryString(q)}`, undefined, signal)
  return (await res.json()) as DetectionList
}

export interface VersionedPatch {
  data: DetectionRecord
  etag: string
}

async function versioned(res: Response): Promise<VersionedPatch> {
  const data = (await res.json()) as DetectionRecord
  return { data, etag: res.headers.get('etag') ?? `"v${data.version}"` }
}

export async function getPatch(id: number, signal?: AbortSignal): Promise<VersionedPatch> {
  return versioned(await request('GET', `/api/detections/${id}`, undefined, signal))
}

export async function actOnPatch(id: number, etag: string, body: Record<string, unknown>): Promise<VersionedPatch> {
  return versioned(await request('POST', `/api/detections/${id}/actions`, body, undefined, { 'If-Match': etag }))
}

export async function patchHistory(id: number, signal?: AbortSignal): Promise<DetectionHistoryEntry[]> {
  const res = await request('GET', `/api/detections/${id}/history`, undefined, signal)
  return ((await res.json()) as { history: DetectionHistoryEntry[] }).history
}

export async function assignees(id: number, signal?: AbortSignal): Promise<Assignee[]> {
  const res = await request('GET', `/api/detections/${id}/assignees`, undefined, signal)
  return ((await res.json()) as { users: Assignee[] }).users
}

export async function patchPhotos(id: number, signal?: AbortSignal): Promise<Attachment[]> {
  const res = await request('GET', `/api/detections/${id}/attachments`, undefined, signal)
  return ((await res.json()) as { attachments: Attachment[] }).attachments
}

export async function uploadPatchPhoto(id: number, file: Blob & { name?: string }, clientId: string, onProgress?: (f: number) => void): Promise<Attachment> {
  return uploadFile<Attachment>(`/api/detections/${id}/attachments`, { stage: 'verification', clientId }, file, { fallbackName: 'photo.jpg', ...(onProgress ? { onProgress } : {}) })
}

// --- the import wizard (docs/api-patches.md "Import") ---

export async function startImport(file: Blob & { name?: string }, opts: { crs?: string; encoding?: string }, onProgress?: (f: number) => void): Promise<DetectionImport> {
  const fields: Record<string, string> = {}
  if (opts.crs) fields.crs = opts.crs
  if (opts.encoding) fields.encoding = opts.encoding
  return uploadFile<DetectionImport>('/api/detection-imports', fields, file, onProgress ? { onProgress } : {})
}

export async function getImport(id: string, signal?: AbortSignal): Promise<DetectionImport> {
  return (await (await request('GET', `/api/detection-imports/${id}`, undefined, signal)).json()) as DetectionImport
}

export async function updateImport(id: string, body: { crs?: string; encoding?: string; mapping?: Record<string, string | null>; repair?: boolean }): Promise<DetectionImport> {
  return (await (await request('PATCH', `/api/detection-imports/${id}`, body)).json()) as DetectionImport
}

export async function importPreview(id: string, signal?: AbortSignal): Promise<GeoJSON.FeatureCollection> {
  return (await (await request('GET', `/api/detection-imports/${id}/preview`, undefined, signal)).json()) as GeoJSON.FeatureCollection
}

export interface NewBatch {
  name: string
  issuer: BatchIssuer
  beforeDate: string
  afterDate: string
  deadline?: string
}

export async function commitImport(id: string, batch: NewBatch, onlyValid: boolean): Promise<ImportCommitted> {
  return (await (await request('POST', `/api/detection-imports/${id}/commit`, { batch, onlyValid })).json()) as ImportCommitted
}

export async function discardImport(id: string): Promise<void> {
  await request('DELETE', `/api/detection-imports/${id}`)
}

/** Edits a batch's deadline or imagery; `version` is the batch's as read (If-Match). */
export async function editBatch(id: number, version: number, body: { deadline?: string | null; imagery?: BatchImagery }): Promise<BatchSummary> {
  return (await (await request('PATCH', `/api/detection-batches/${id}`, body, undefined, { 'If-Match': `"v${version}"` })).json()) as BatchSummary
}
