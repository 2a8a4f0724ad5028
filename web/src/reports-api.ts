// The staff's side of public reports (举报受理): the triage queue, one report with its ETag, the
// triage actions with If-Match, and the disclosure (公示) settings. The shapes are the server's
// schemas (server/src/schemas/public.schema.ts), imported as types only; the code lists come from
// its domain module. See docs/public.md.
import { request, type SearchHit } from './api.ts'
import { REPORT_SERVICES, REPORT_STATUSES, SERVICE_NAMES, TRIAGE_ACTIONS, DISCLOSURE_STAGES, type ReportService, type ReportStatus, type TriageAction, type DisclosureStage } from '../../server/src/domain/public-reports.ts'
import type {
  DisclosureSettings, DisclosureSettingsBody, StaffReport, StaffReportDetail, StaffReportList, TriageBody,
} from '../../server/src/schemas/public.schema.ts'

export { DISCLOSURE_STAGES, REPORT_SERVICES, REPORT_STATUSES, SERVICE_NAMES, TRIAGE_ACTIONS }
export type { DisclosureSettings, DisclosureSettingsBody, DisclosureStage, ReportService, ReportStatus, StaffReport, StaffReportDetail, StaffReportList, TriageAction, TriageBody }

/** The queue's status filter: open (submitted and more_info, the default), all, or one status. */
export const REPORT_FILTERS = ['open', 'all', ...REPORT_STATUSES] as const
export type ReportFilter = (typeof REPORT_FILTERS)[number]

/** Statuses a triage action may still be taken from. */
export const OPEN_STATUSES: readonly ReportStatus[] = ['submitted', 'more_info']
export const isOpen = (s: ReportStatus) => OPEN_STATUSES.includes(s)

/** The ETag a record's version is sent back as (server/src/http/etag.ts). */
export const etagOf = (version: number) => `"v${version}"`

export interface Versioned<T> {
  data: T
  etag: string
}

async function versioned<T extends { version: number }>(res: Response): Promise<Versioned<T>> {
  const data = (await res.json()) as T
  return { data, etag: res.headers.get('etag') ?? etagOf(data.version) }
}

export async function listReports(q: { status?: ReportFilter; adminCode?: string; limit?: number } = {}, signal?: AbortSignal): Promise<StaffReportList> {
  const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]))
  return (await (await request('GET', `/api/reports?${params}`, undefined, signal)).json()) as StaffReportList
}

export async function getReport(id: number, signal?: AbortSignal): Promise<Versioned<StaffReportDetail>> {
  return versioned<StaffReportDetail>(await request('GET', `/api/reports/${id}`, undefined, signal))
}

/** One triage step; `etag` is the report's as read (412 when someone acted first). */
export async function triageReport(id: number, etag: string, body: TriageBody): Promise<Versioned<StaffReportDetail>> {
  return versioned<StaffReportDetail>(await request('POST', `/api/reports/${id}/triage`, body, undefined, { 'If-Match': etag }))
}

export const reportPhotoUrl = (reportId: number, photoId: number) => `/api/reports/${reportId}/photos/${photoId}`

export async function getDisclosureSettings(signal?: AbortSignal): Promise<Versioned<DisclosureSettings>> {
  return versioned<DisclosureSettings>(await request('GET', '/api/disclosure/settings', undefined, signal))
}

export async function saveDisclosureSettings(etag: string, body: DisclosureSettingsBody): Promise<Versioned<DisclosureSettings>> {
  return versioned<DisclosureSettings>(await request('PUT', '/api/disclosure/settings', body, undefined, { 'If-Match': etag }))
}

/** A case of the ledger by its number (exact first, else the only prefix match), through /api/search. */
export async function findCaseByNo(caseNo: string, signal?: AbortSignal): Promise<{ id: number; caseNo: string } | null> {
  const q = caseNo.trim()
  if (!q) return null
  const res = await request('GET', `/api/search?${new URLSearchParams({ q, limit: '10' })}`, undefined, signal)
  const hits = ((await res.json()) as { results: SearchHit[] }).results.filter((h) => h.kind === 'case')
  const exact = hits.find((h) => h.label.toUpperCase() === q.toUpperCase())
  const hit = exact ?? (hits.length === 1 ? hits[0] : undefined)
  return hit ? { id: Number(hit.id), caseNo: hit.label } : null
}

/** The reports of one place together: groups in the order the queue gives them, each earliest first. */
export interface ReportGroup {
  groupId: number
  items: StaffReport[]
}

export function groupReports(items: readonly StaffReport[]): ReportGroup[] {
  const groups = new Map<number, StaffReport[]>()
  for (const r of items) {
    const g = groups.get(r.groupId)
    if (g) g.push(r)
    else groups.set(r.groupId, [r])
  }
  return [...groups].map(([groupId, list]) => ({
    groupId,
    items: list.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id - b.id),
  }))
}
