// The public's side: reports of suspected violations (有奖举报), their triage, and what the office
// publishes of its ledger (公示). Pure logic and code lists, shared with the web client
// (docs/public.md). The API shapes are in schemas/public.schema.ts.
import type { CaseStatus, Disposal } from './case-lifecycle.ts'

/** What a resident can report (the Open311 service list). */
export const REPORT_SERVICES = ['new_building', 'extension', 'land_occupation', 'other'] as const
export type ReportService = (typeof REPORT_SERVICES)[number]

export const SERVICE_NAMES: Readonly<Record<ReportService, { zh: string; en: string; descriptionZh: string }>> = {
  new_building: { zh: '新建违法建筑', en: 'New illegal building', descriptionZh: '未经批准新建的房屋、棚房、围墙等' },
  extension: { zh: '违法加层扩建', en: 'Illegal extension or extra floor', descriptionZh: '在原有房屋上加层、扩建、搭建' },
  land_occupation: { zh: '违法占地', en: 'Illegal land occupation', descriptionZh: '占用耕地、林地、河道等建房或硬化' },
  other: { zh: '其他违法建设', en: 'Other illegal construction', descriptionZh: '开墙打洞、高墙大院等其他情形' },
}

export const REPORT_STATUSES = ['submitted', 'more_info', 'accepted', 'rejected'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]

/** Triage actions: accept into a new case (source 举报), link to a case already in the ledger,
 *  reject with a reason, or ask the reporter for more. */
export const TRIAGE_ACTIONS = ['accept', 'link', 'reject', 'ask_more'] as const
export type TriageAction = (typeof TRIAGE_ACTIONS)[number]

/** The status a triage action leads to, or why it cannot be taken now. */
export function triageTarget(from: ReportStatus, action: TriageAction): { to: ReportStatus } | { refused: string } {
  if (from === 'accepted' || from === 'rejected') return { refused: `the report is already ${from}` }
  switch (action) {
    case 'accept':
    case 'link':
      return { to: 'accepted' }
    case 'reject':
      return { to: 'rejected' }
    case 'ask_more':
      return from === 'more_info' ? { refused: 'the reporter has already been asked for more and has not answered yet' } : { to: 'more_info' }
  }
}

/** Where the case a report led to stands, in the words a reporter reads. */
export const PUBLIC_CASE_STAGES = ['in_progress', 'order_issued', 'demolished', 'regularised', 'deferred', 'closed'] as const
export type PublicCaseStage = (typeof PUBLIC_CASE_STAGES)[number]

export function publicCaseStage(status: CaseStatus): PublicCaseStage {
  switch (status) {
    case 'identified':
    case 'notified':
      return 'in_progress'
    case 'order_issued':
      return 'order_issued'
    case 'demolished':
    case 'confiscated':
    case 'accepted':
      return 'demolished'
    case 'regularised':
      return 'regularised'
    case 'deferred':
      return 'deferred'
    case 'closed':
      return 'closed'
  }
}

/** The stages of the ledger an office may publish (公示). */
export const DISCLOSURE_STAGES = ['order_issued', 'demolished', 'closed'] as const
export type DisclosureStage = (typeof DISCLOSURE_STAGES)[number]

/** Case statuses each published stage covers. A regularised (now lawful) or deferred (public-interest
 *  exception) case is never published, whatever its status. */
export const DISCLOSURE_STATUSES: Readonly<Record<DisclosureStage, readonly CaseStatus[]>> = {
  order_issued: ['order_issued'],
  demolished: ['demolished', 'confiscated', 'accepted'],
  closed: ['closed'],
}
export const NEVER_DISCLOSED: readonly Disposal[] = ['regularisation', 'deferral']

export function disclosureStageOf(status: CaseStatus): DisclosureStage | null {
  for (const stage of DISCLOSURE_STAGES) if (DISCLOSURE_STATUSES[stage].includes(status)) return stage
  return null
}

// 查询码: 12 characters of Crockford's base32 (no I, L, O, U: nothing to misread over the phone),
// written in groups of four. 60 random bits: guessing one is hopeless at any rate limit.
const RECEIPT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A receipt code from 8 random bytes (the caller supplies them: crypto in the server). */
export function receiptCodeFrom(random: Uint8Array): string {
  if (random.length < 8) throw new Error('a receipt code needs 8 random bytes')
  let bits = 0n
  for (const b of random.subarray(0, 8)) bits = (bits << 8n) | BigInt(b)
  let code = ''
  for (let i = 0; i < 12; i++) {
    code += RECEIPT_ALPHABET[Number(bits & 31n)]
    bits >>= 5n
  }
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`
}

/** A typed-in receipt code in its canonical form (case, spaces and dashes forgiven; O→0, I/L→1), or null. */
export function normaliseReceiptCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (!/^[0-9A-HJKMNP-TV-Z]{12}$/.test(s)) return null
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`
}

/** Mainland mobile or landline, as residents write them (spaces and dashes allowed). */
export function isPhoneNumber(s: string): boolean {
  const digits = s.replace(/[\s-]/g, '')
  return /^(\+?86)?1[3-9][0-9]{9}$/.test(digits) || /^0[0-9]{2,3}[0-9]{7,8}$/.test(digits)
}
