// The public pages' API client (举报, 查询, 公示): no account, no session. Errors are problem+json
// and thrown as ApiError (api.ts), whose `problem` carries the server's code, field and detailZh.
//
// The answers' types come from the server's schemas (server/src/schemas/public.schema.ts), imported
// as types only.
import { ApiError, request, uploadForm } from './api.ts'
import type { Captcha, Disclosure, PublicReportStatus, ReportReceipt, ReportRules } from '../../server/src/schemas/public.schema.ts'
import type { DisclosureStage, ReportService } from '../../server/src/domain/public-reports.ts'

export type { Captcha, DisclosedCase, Disclosure, PublicReportStatus, ReportReceipt, ReportRules } from '../../server/src/schemas/public.schema.ts'
export type PublicStep = PublicReportStatus['steps'][number]

async function json<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request('GET', path, undefined, signal)
  return (await res.json()) as T
}

export function getReportRules(signal?: AbortSignal): Promise<ReportRules> {
  return json<ReportRules>('/api/public/report-rules', signal)
}

export function getCaptcha(signal?: AbortSignal): Promise<Captcha> {
  return json<Captcha>('/api/public/captcha', signal)
}

/** The SVG the server drew, as an image source (never inserted as markup). */
export function captchaImageSrc(captcha: Captcha): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(captcha.svg)}`
}

export function getReportStatus(code: string, signal?: AbortSignal): Promise<PublicReportStatus> {
  return json<PublicReportStatus>(`/api/public/reports/${encodeURIComponent(code)}`, signal)
}

export interface DisclosureQuery {
  village?: string
  stage?: DisclosureStage
  limit?: number
  offset?: number
}

export function getDisclosure(q: DisclosureQuery = {}, signal?: AbortSignal): Promise<Disclosure> {
  const params = new URLSearchParams()
  if (q.village) params.set('village', q.village)
  if (q.stage) params.set('stage', q.stage)
  if (q.limit !== undefined) params.set('limit', String(q.limit))
  if (q.offset !== undefined) params.set('offset', String(q.offset))
  const qs = params.toString()
  return json<Disclosure>(`/api/public/disclosure${qs ? `?${qs}` : ''}`, signal)
}

export interface NewReport {
  serviceCode: ReportService
  description: string
  lon: number
  lat: number
  locationSource: 'map' | 'gps'
  contactName?: string
  contactPhone?: string
  captchaId?: string
  captchaAnswer?: string
  photos: readonly File[]
}

/** Multipart POST with progress: the text fields first, then the `photo` parts (the server reads the stream in order). */
function postMultipart<T>(url: string, fields: readonly [string, string][], photos: readonly File[], onProgress?: (fraction: number) => void): Promise<T> {
  return uploadForm<T>(url, fields, photos.map((p, i) => ({ part: 'photo', file: p, name: p.name || `photo-${i + 1}.jpg` })), { onProgress })
}

export function submitReport(report: NewReport, onProgress?: (fraction: number) => void): Promise<ReportReceipt> {
  const fields: [string, string][] = [
    ['serviceCode', report.serviceCode],
    ['description', report.description],
    ['lon', String(report.lon)],
    ['lat', String(report.lat)],
    ['locationSource', report.locationSource],
  ]
  if (report.contactName?.trim()) fields.push(['contactName', report.contactName.trim()])
  if (report.contactPhone?.trim()) fields.push(['contactPhone', report.contactPhone.trim()])
  if (report.captchaId) {
    fields.push(['captchaId', report.captchaId])
    fields.push(['captchaAnswer', report.captchaAnswer ?? ''])
  }
  return postMultipart<ReportReceipt>('/api/public/reports', fields, report.photos, onProgress)
}

export function addReportInfo(code: string, description: string, photos: readonly File[], onProgress?: (fraction: number) => void): Promise<PublicReportStatus> {
  return postMultipart<PublicReportStatus>(`/api/public/reports/${encodeURIComponent(code)}/info`, [['description', description]], photos, onProgress)
}

/** The problem's code ('captcha_required', 'captcha_wrong', ...), when the error is an API answer. */
export function problemCode(e: unknown): string | undefined {
  return e instanceof ApiError ? e.problem?.code : undefined
}
