// The ledger (台账) part of the API client: the case table, one case with its ETag, lifecycle
// transitions and edits with If-Match, the history, and photo uploads (XMLHttpRequest, for the
// progress bar). See docs/api.md "The ledger".
import { ApiError, request, uploadFile } from './api.ts'
import { CASE_SOURCES, CASE_STATUSES, CASE_USES, isOneOf } from './codes.ts'
// The code lists come from the server's domain module, the response shapes from its schemas (types
// only: TypeBox stays out of the bundle): one definition each.
import { CASE_FLAGS, CASE_SORT_KEYS, type CaseSortKey, type ImportMode } from '../../server/src/domain/case-types.ts'
import type {
  Attachment, AttachmentList, CaseHistory, CaseList, CaseListRow, CaseRecord, CaseTotals, InspectionResult, LedgerImportJob, LedgerImportProblem, LedgerImportProgress,
  LedgerImportResult, Overdue,
} from '../../server/src/schemas/cases.schema.ts'
import type { HistoryEntry } from '../../server/src/schemas/common.schema.ts'

export { CASE_FLAGS, CASE_SORT_KEYS }
export type { Attachment, CaseList, CaseSortKey, CaseTotals, HistoryEntry, ImportMode, InspectionResult, LedgerImportResult, Overdue }
export type CaseRow = CaseListRow
export type CaseDetail = CaseRecord

export const OVERDUE_KINDS = ['deadline', 'reach', 'removal', 'any'] as const
export type OverdueKind = (typeof OVERDUE_KINDS)[number]

export interface CaseFilter {
  admin?: string
  status?: string[]
  use?: string[]
  source?: string[]
  flags?: string[]
  overdue?: OverdueKind | ''
  foundFrom?: string
  foundTo?: string
  /** 待定位 only: cases placed at their village until located (the field teams' list). */
  locationPending?: boolean
}

export interface CaseQuery extends CaseFilter {
  /** A sort key, `-` in front for descending. */
  sort: string
  limit: number
  offset: number
  /** A case to show: the server answers with the page that holds it. */
  locate?: number
}

/** What the table shows, as kept in the URL: the filter, the sort and the first row. */
export interface LedgerView {
  filter: CaseFilter
  sort: string
  offset: number
}

export const DEFAULT_SORT = '-found_at'

/** The selection alone (no sort or page), as the table and the exports both read it. */
export function selectionQueryString(filter: CaseFilter): string {
  const p = new URLSearchParams(caseQueryString({ ...filter, sort: '', limit: 0, offset: 0 }))
  for (const k of ['sort', 'limit', 'offset']) p.delete(k)
  return p.toString().replace(/%2C/g, ',')
}

export type ExportFormat = 'csv' | 'geojson' | 'gpkg'

/** Download address of the selection in a format (lang: the headers' language). */
export function exportUrl(filter: CaseFilter, format: ExportFormat, lang: 'zh' | 'en'): string {
  const q = selectionQueryString(filter)
  return `/api/ledger/export.${format}?${q ? `${q}&` : ''}lang=${lang}`
}

/** 一村一台账: a village's ledger (one sheet), or a town's (a sheet per village); null above a town. */
export function villageBooksUrl(admin: string | undefined, lang: 'zh' | 'en'): string | null {
  if (admin?.length === 12) return `/api/ledger/export.xlsx?village=${admin}&lang=${lang}`
  if (admin?.length === 9) return `/api/ledger/export.xlsx?town=${admin}&lang=${lang}`
  return null
}

export const TEMPLATE_URL = '/api/ledger/template.xlsx'

export type ImportProblem = LedgerImportProblem

/** How far a background import has got (GET /api/ledger/imports/{id}). */
export type ImportProgress = LedgerImportProgress

export interface ImportCallbacks {
  /** The upload: bytes sent, 0–1. */
  onUpload?(fraction: number): void
  /** A large file, imported in the background: its progress, polled. */
  onServer?(progress: ImportProgress): void
}

/** Seconds between two polls of a background import. */
const POLL_MS = 1000

/**
 * Uploads a ledger file. A small file is answered when imported; a large one (202) is polled until
 * it is done. A refused file rejects with ApiError whose problem holds the same fields.
 */
export async function importLedgerFile(file: File, mode: ImportMode, cb: ImportCallbacks = {}, signal?: AbortSignal): Promise<LedgerImportResult> {
  const first = await uploadFile<LedgerImportResult | LedgerImportJob>('/api/ledger/import', { mode }, file, cb.onUpload ? { onProgress: cb.onUpload } : {})
  if (!('state' in first)) return first
  let job = first
  while (job.state === 'running') {
    cb.onServer?.(job.progress)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError')
    job = (await (await request('GET', `/api/ledger/imports/${job.id}`, undefined, signal)).json()) as LedgerImportJob
  }
  if (job.state === 'failed' || !job.result) {
    const problem = job.error ?? null
    throw new ApiError(problem?.status ?? 500, problem, problem?.detail ?? 'the import failed')
  }
  return job.result
}

/** The table's view as a query string in the API's own words (no limit: that is the page size). */
export function ledgerViewString(v: LedgerView): string {
  const p = new URLSearchParams(caseQueryString({ ...v.filter, sort: v.sort, limit: 0, offset: v.offset }))
  p.delete('limit')
  if (v.sort === DEFAULT_SORT) p.delete('sort')
  if (v.offset === 0) p.delete('offset')
  return p.toString().replace(/%2C/g, ',')
}

/** The inverse of ledgerViewString; anything unknown or malformed (a hand-edited link) is dropped. */
export function parseLedgerView(qs: string): LedgerView {
  const p = new URLSearchParams(qs)
  const list = (key: string, codes: readonly string[]) => (p.get(key) ?? '').split(',').filter((c) => isOneOf(codes, c))
  const filter: CaseFilter = {}
  const admin = p.get('admin') ?? ''
  if (/^\d{6}(\d{3}(\d{3})?)?$/.test(admin)) filter.admin = admin
  const lists = { status: list('status', CASE_STATUSES), use: list('use', CASE_USES), source: list('source', CASE_SOURCES), flags: list('flags', CASE_FLAGS) }
  for (const [k, v] of Object.entries(lists)) if (v.length) filter[k as keyof typeof lists] = v
  const overdue = p.get('overdue') ?? ''
  if (isOneOf(OVERDUE_KINDS, overdue)) filter.overdue = overdue
  for (const k of ['foundFrom', 'foundTo'] as const) {
    const d = p.get(k) ?? ''
    if (/^\d{4}-\d{2}-\d{2}/.test(d)) filter[k] = d
  }
  if (p.get('locationPending') === 'true') filter.locationPending = true
  const sort = p.get('sort') ?? DEFAULT_SORT
  const offset = Number(p.get('offset') ?? 0)
  return {
    filter,
    sort: isOneOf(CASE_SORT_KEYS, sort.replace(/^-/, '')) ? sort : DEFAULT_SORT,
    offset: Number.isInteger(offset) && offset >= 0 ? offset : 0,
  }
}

export function caseQueryString(q: CaseQuery): string {
  const p = new URLSearchParams()
  if (q.admin) p.set('admin', q.admin)
  for (const k of ['status', 'use', 'source', 'flags'] as const) {
    const v = q[k]
    if (v && v.length) p.set(k, v.join(','))
  }
  if (q.overdue) p.set('overdue', q.overdue)
  if (q.foundFrom) p.set('foundFrom', q.foundFrom)
  if (q.foundTo) p.set('foundTo', q.foundTo)
  if (q.locationPending) p.set('locationPending', 'true')
  p.set('sort', q.sort)
  p.set('limit', String(q.limit))
  p.set('offset', String(q.offset))
  if (q.locate) p.set('locate', String(q.locate))
  return p.toString()
}

export async function listCases(q: CaseQuery, signal?: AbortSignal): Promise<CaseList> {
  const res = await request('GET', `/api/cases?${caseQueryString(q)}`, undefined, signal)
  return (await res.json()) as CaseList
}


/** A case and the ETag to send back with If-Match. */
export interface VersionedCase {
  data: CaseDetail
  etag: string
}

async function versioned(res: Response): Promise<VersionedCase> {
  const data = (await res.json()) as CaseDetail
  return { data, etag: res.headers.get('etag') ?? `"v${data.version}"` }
}

export async function getCase(id: number, signal?: AbortSignal): Promise<VersionedCase> {
  return versioned(await request('GET', `/api/cases/${id}`, undefined, signal))
}

export async function transitionCase(id: number, etag: string, body: Record<string, unknown>): Promise<VersionedCase> {
  return versioned(await request('POST', `/api/cases/${id}/transitions`, body, undefined, { 'If-Match': etag }))
}

export async function editCase(id: number, etag: string, body: Record<string, unknown>): Promise<VersionedCase> {
  return versioned(await request('PATCH', `/api/cases/${id}`, body, undefined, { 'If-Match': etag }))
}

export async function caseHistory(id: number, signal?: AbortSignal): Promise<HistoryEntry[]> {
  const res = await request('GET', `/api/cases/${id}/history`, undefined, signal)
  return ((await res.json()) as CaseHistory).history
}

export async function listAttachments(id: number, signal?: AbortSignal): Promise<Attachment[]> {
  const res = await request('GET', `/api/cases/${id}/attachments`, undefined, signal)
  return ((await res.json()) as AttachmentList).attachments
}

export const attachmentUrl = (id: number) => `/api/attachments/${id}/content`

/**
 * Uploads the file exactly as it is (no re-encoding: that would strip the EXIF time and GPS).
 * `clientId` makes a retry of the same file idempotent on the server.
 */
export function uploadAttachment(
  caseId: number,
  file: Blob & { name?: string },
  opts: { clientId: string; stage?: string; onProgress?(fraction: number): void },
): Promise<Attachment> {
  const fields: Record<string, string> = opts.stage ? { stage: opts.stage, clientId: opts.clientId } : { clientId: opts.clientId }
  return uploadFile<Attachment>(`/api/cases/${caseId}/attachments`, fields, file, { fallbackName: 'photo.jpg', ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
}

/** 回头看: re-inspects a closed case (no If-Match); a rebound opens a new, linked case. */
export async function reinspectCase(id: number, body: { at: string; result: 'clean' | 'rebound'; note?: string }): Promise<InspectionResult> {
  const res = await request('POST', `/api/cases/${id}/inspections`, body)
  return (await res.json()) as InspectionResult
}
