// The survey's figures (自建房排查统计), its overdue measures and its workbook in and out: the client
// of /api/surveys/statistics, /api/surveys?overdue=true, template.xlsx, export.xlsx and import.
// The answers' types come from the server's schema, imported as types only.
import { request, uploadFile } from './api.ts'
import type { Measure, Survey, SURVEY_GROUPINGS, SurveyFigures, SurveyImportResult, SurveyList, SurveyStatistics } from '../../server/src/schemas/surveys.schema.ts'

export type { Measure, Survey, SurveyFigures, SurveyImportResult, SurveyStatistics }
export type SurveyGrouping = (typeof SURVEY_GROUPINGS)[number]
export type SurveyImportProblem = SurveyImportResult['problems'][number]
export type MeasureKind = Measure['kind']

/** The groupings in the order the switch offers them (the schema's own order). */
export const GROUPINGS: readonly SurveyGrouping[] = ['town', 'village', 'grade', 'hazard', 'use']
/** The groupings by admin unit, which count the self-built houses to survey per unit. */
export const isAdminGrouping = (by: SurveyGrouping) => by === 'town' || by === 'village'

export async function getSurveyStatistics(by: SurveyGrouping, adminCode: string | null, signal?: AbortSignal): Promise<SurveyStatistics> {
  const params = new URLSearchParams({ by })
  if (adminCode) params.set('adminCode', adminCode)
  return (await (await request('GET', `/api/surveys/statistics?${params}`, undefined, signal)).json()) as SurveyStatistics
}

/** The files with a measure past its deadline (the server's page size is at most 1000). */
export async function listOverdueSurveys(adminCode: string | null, signal?: AbortSignal, limit = 500): Promise<SurveyList> {
  const params = new URLSearchParams({ overdue: 'true', limit: String(limit) })
  if (adminCode) params.set('adminCode', adminCode)
  return (await (await request('GET', `/api/surveys?${params}`, undefined, signal)).json()) as SurveyList
}

export const SURVEY_TEMPLATE_URL = '/api/surveys/template.xlsx'

export function surveyExportUrl(adminCode: string | null): string {
  return adminCode ? `/api/surveys/export.xlsx?${new URLSearchParams({ adminCode })}` : '/api/surveys/export.xlsx'
}

/** Sends a survey workbook; the result lists the problems when the server wrote nothing. */
export function importSurveyWorkbook(file: Blob & { name?: string }, onProgress?: (fraction: number) => void): Promise<SurveyImportResult> {
  return uploadFile<SurveyImportResult>('/api/surveys/import', {}, file, { fallbackName: 'survey.xlsx', ...(onProgress ? { onProgress } : {}) })
}

/** Today in Beijing (the date the server compares deadlines with), YYYY-MM-DD. */
export function beijingToday(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10)
}

/** Whole days from a deadline to today (positive when it has passed). */
export function daysOverdue(deadline: string, today = beijingToday()): number {
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${deadline}T00:00:00Z`)) / 86_400_000)
}
