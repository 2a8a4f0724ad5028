// 自建房安全排查 (issue 14), the web client: house files (一户一档) with their ETag, the measures,
// 销号, a case opened from a file, history, photos and the appraisal report, and the worklist of
// self-built houses without a file. Shapes are the server's schemas (imported as types only); the
// code lists and rules come from its pure domain module, so the form checks what the server checks.
import { request, uploadFile } from './api.ts'
import {
  BUSINESS_KINDS, GRADES, HAZARDS, HOUSE_USES, MEASURE_KINDS, OWNER_TYPES, STRUCTURES, SURVEY_STATUSES, isFocus, needsMeasures, surveyFieldProblem,
  type Grade, type Hazard, type HouseUse, type SurveyStatus,
} from '../../server/src/domain/house-survey.ts'
import type { Measure, NewSurveyBody, Survey, SurveyList, SurveyPatchBody, Worklist } from '../../server/src/schemas/surveys.schema.ts'
import type { Attachment } from '../../server/src/schemas/cases.schema.ts'

export { BUSINESS_KINDS, GRADES, HAZARDS, HOUSE_USES, MEASURE_KINDS, OWNER_TYPES, STRUCTURES, SURVEY_STATUSES, isFocus, needsMeasures, surveyFieldProblem }
export type { Attachment, Grade, Hazard, HouseUse, Measure, NewSurveyBody, Survey, SurveyList, SurveyPatchBody, SurveyStatus, Worklist }
export type WorklistItem = Worklist['items'][number]
export type MeasureKind = (typeof MEASURE_KINDS)[number]

export interface Versioned<T> {
  data: T
  etag: string
}

const etagOf = (version: number) => `"v${version}"`

async function versioned(res: Response): Promise<Versioned<Survey>> {
  const data = (await res.json()) as Survey
  return { data, etag: res.headers.get('etag') ?? etagOf(data.version) }
}

export interface SurveyFilter {
  adminCode?: string
  status?: SurveyStatus
  hazard?: Hazard
  grade?: Grade
  overdue?: boolean
  limit?: number
  offset?: number
}

const query = (q: Record<string, unknown>) => new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '' && v !== false).map(([k, v]) => [k, String(v)])).toString()

export async function listSurveys(q: SurveyFilter = {}, signal?: AbortSignal): Promise<SurveyList> {
  return (await (await request('GET', `/api/surveys?${query({ ...q })}`, undefined, signal)).json()) as SurveyList
}

export async function getSurvey(id: number, signal?: AbortSignal): Promise<Versioned<Survey>> {
  return versioned(await request('GET', `/api/surveys/${id}`, undefined, signal))
}

/** A new file (201); 409 survey_exists (problem.surveyId) when the building has one already. */
export async function createSurvey(body: NewSurveyBody): Promise<Versioned<Survey>> {
  return versioned(await request('POST', '/api/surveys', body))
}

export async function editSurvey(id: number, etag: string, patch: SurveyPatchBody): Promise<Versioned<Survey>> {
  return versioned(await request('PATCH', `/api/surveys/${id}`, patch, undefined, { 'If-Match': etag }))
}

export async function addMeasure(id: number, etag: string, m: { kind: MeasureKind; deadline: string; note?: string }): Promise<Versioned<Survey>> {
  return versioned(await request('POST', `/api/surveys/${id}/measures`, m, undefined, { 'If-Match': etag }))
}

export async function finishMeasure(id: number, measureId: number, etag: string): Promise<Versioned<Survey>> {
  return versioned(await request('POST', `/api/surveys/${id}/measures/${measureId}/done`, undefined, undefined, { 'If-Match': etag }))
}

/** 销号: every measure done (409 cannot_resolve otherwise). */
export async function resolveSurvey(id: number, etag: string): Promise<Versioned<Survey>> {
  return versioned(await request('POST', `/api/surveys/${id}/resolve`, undefined, undefined, { 'If-Match': etag }))
}

export const SURVEY_CASE_USES = ['residential', 'storage', 'commercial', 'office', 'other'] as const
export type SurveyCaseUse = (typeof SURVEY_CASE_USES)[number]

/** 发现违建 → 立案: a ledger case at the house, linked to the file. */
export async function openSurveyCase(id: number, etag: string, body: { use: SurveyCaseUse; note?: string }): Promise<Versioned<Survey>> {
  return versioned(await request('POST', `/api/surveys/${id}/case`, body, undefined, { 'If-Match': etag }))
}

export interface SurveyHistoryEntry {
  id: number
  at: string
  user: string | null
  action: string
  fromStatus: string | null
  toStatus: string | null
  before: unknown
  after: unknown
}

export async function surveyHistory(id: number, signal?: AbortSignal): Promise<SurveyHistoryEntry[]> {
  return ((await (await request('GET', `/api/surveys/${id}/history`, undefined, signal)).json()) as { items: SurveyHistoryEntry[] }).items
}

export async function surveyAttachments(id: number, signal?: AbortSignal): Promise<Attachment[]> {
  return ((await (await request('GET', `/api/surveys/${id}/attachments`, undefined, signal)).json()) as { attachments: Attachment[] }).attachments
}

/** A photo or the appraisal report (PDF), sent as it is (EXIF kept). */
export function uploadSurveyAttachment(id: number, file: File, onProgress?: (f: number) => void): Promise<Attachment> {
  return uploadFile<Attachment>(`/api/surveys/${id}/attachments`, { stage: 'inspection' }, file, { onProgress })
}

export const attachmentUrl = (id: number) => `/api/attachments/${id}/content`

/** The worklist the phone reads: always this URL, so the service worker's copy answers it offline. */
export const FIELD_WORKLIST_URL = '/api/surveys/worklist?limit=2000'

export async function getWorklist(q: { adminCode?: string; limit?: number } = {}, signal?: AbortSignal): Promise<Worklist> {
  return (await (await request('GET', `/api/surveys/worklist?${query({ ...q })}`, undefined, signal)).json()) as Worklist
}

export async function getFieldWorklist(signal?: AbortSignal): Promise<Worklist> {
  return (await (await request('GET', FIELD_WORKLIST_URL, undefined, signal)).json()) as Worklist
}

/** The values a form holds for a file: every field of NewSurveyBody but the place. */
export type SurveyValues = Omit<NewSurveyBody, 'buildingId' | 'point' | 'surveyedAt'>

export function emptySurvey(floors = 1): SurveyValues {
  return {
    addressText: null, ownerType: 'individual', ownerName: null, ownerPhone: null, floors, structure: 'brick_concrete', builtYear: null,
    use: 'residential', businessKind: null, rented: false, residents: 0, workers: 0, businessLicence: null, appraisal: 'none', appraisalGrade: null, hazard: 'none',
  }
}

export function valuesOf(s: Survey): SurveyValues {
  return {
    addressText: s.addressText, ownerType: s.ownerType, ownerName: s.owner?.name ?? null, ownerPhone: s.owner?.phone ?? null, floors: s.floors, structure: s.structure,
    builtYear: s.builtYear, use: s.use, businessKind: s.businessKind, rented: s.rented, residents: s.residents, workers: s.workers,
    businessLicence: s.businessLicence, appraisal: s.appraisal, appraisalGrade: s.appraisalGrade, hazard: s.hazard,
  }
}

/** The fields of `next` that differ from `base` (a PATCH of only what changed). */
export function changedValues(base: SurveyValues, next: SurveyValues, withOwner: boolean): SurveyPatchBody {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(next) as (keyof SurveyValues)[]) {
    if (!withOwner && (k === 'ownerName' || k === 'ownerPhone')) continue
    if (next[k] !== base[k]) out[k] = next[k] ?? null
  }
  return out as SurveyPatchBody
}

/** Metres between two lon/lat points (equirectangular: fine for choosing the nearest house). */
export function metresBetween(a: readonly [number, number], b: readonly [number, number]): number {
  const k = Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180)
  return Math.hypot((a[0] - b[0]) * k, a[1] - b[1]) * 111_320
}
