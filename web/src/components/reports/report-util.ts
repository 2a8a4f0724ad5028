// Small helpers the triage view (举报受理) shares: the service's name, excerpts, the default public
// wording of each action, and the errors that need handling (412 reload, 401 session).
import { ApiError } from '../../api.ts'
import { translate } from '../../i18n/i18n.tsx'
import type { Lang, MessageKey } from '../../i18n/messages.ts'
import { SERVICE_NAMES, type ReportService, type TriageAction } from '../../reports-api.ts'

export const serviceName = (code: ReportService, lang: Lang) => (lang === 'en' ? SERVICE_NAMES[code].en : SERVICE_NAMES[code].zh)

/** The first `n` characters of a text on one line, with an ellipsis when cut. */
export function excerpt(text: string, n = 60): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > n ? `${line.slice(0, n)}…` : line
}

export const metres = (m: number) => `${Math.round(m)} m`

/**
 * What the reporter reads after an action, as first offered: always in Chinese (the public pages'
 * language and the office's), whatever language the officer's screen is in; the officer edits it.
 * For reject and ask_more it is an opening the officer must finish (the reason, the question).
 */
export function defaultPublicNote(action: TriageAction, vars: { caseNo?: string } = {}): string {
  if (action === 'link' && !vars.caseNo) return translate('zh-CN', 'reports.note.linkAny')
  return translate('zh-CN', `reports.note.${action}` as MessageKey, { caseNo: vars.caseNo ?? '' })
}

/** Ready-made reasons and questions (Chinese, as the note is), appended to the note by a click. */
export const REJECT_REASONS = ['reports.reason.permit', 'reports.reason.noViolation', 'reports.reason.outside', 'reports.reason.duplicate'] as const
export const ASK_QUESTIONS = ['reports.ask.place', 'reports.ask.photos', 'reports.ask.when'] as const

export function appendPhrase(note: string, phrase: string): string {
  const t = note.trimEnd()
  if (!t) return `${phrase}。`
  if (/[：:]$/.test(t)) return `${t}${phrase}。`
  return `${t.replace(/[。.]$/, '')}；${phrase}。`
}

/** A note for reject or ask_more says something beyond its opening. */
export function noteIsFinished(action: TriageAction, note: string): boolean {
  const t = note.trim()
  if (!t) return false
  if (action !== 'reject' && action !== 'ask_more') return true
  return t !== defaultPublicNote(action).trim()
}

export const isStale = (e: unknown) => e instanceof ApiError && e.status === 412
export const isSessionLost = (e: unknown) => e instanceof ApiError && e.status === 401
