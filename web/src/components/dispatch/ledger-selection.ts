// The ledger view's current selection (its filter, kept in the URL hash as `ledger=`), read for
// dispatch: what it says in words, how many cases it holds, and their ids.
import { listCases, parseLedgerView, type CaseFilter } from '../../ledger-api.ts'
import type { I18n } from '../../i18n/i18n.tsx'
import { ledgerQueryFromHash } from '../../url-state.ts'

/** The server takes at most this many ids in one assignment. */
export const MAX_IDS = 5000
const PAGE = 1000

export function currentLedgerFilter(): CaseFilter {
  return parseLedgerView(ledgerQueryFromHash(window.location.hash)).filter
}

/** The filter in words: 南庄子村 is its code; statuses, uses, sources and flags by their labels. */
export function ledgerFilterText(f: CaseFilter, i18n: Pick<I18n, 't' | 'label'>): string {
  const parts: string[] = []
  if (f.admin) parts.push(f.admin)
  if (f.status?.length) parts.push(f.status.map((s) => i18n.label('caseStatus', s)).join('、'))
  if (f.use?.length) parts.push(f.use.map((s) => i18n.label('caseUse', s)).join('、'))
  if (f.source?.length) parts.push(f.source.map((s) => i18n.label('caseSource', s)).join('、'))
  if (f.flags?.length) parts.push(f.flags.map((s) => i18n.label('caseFlag', s)).join('、'))
  if (f.overdue && f.overdue !== 'any') parts.push(i18n.t(`overdue.${f.overdue}`))
  if (f.overdue === 'any') parts.push(i18n.t('dispatch.overdue'))
  if (f.foundFrom || f.foundTo) parts.push(`${f.foundFrom ?? ''}–${f.foundTo ?? ''}`)
  if (f.locationPending) parts.push(i18n.t('ledger.pendingBadge'))
  return parts.join('；')
}

export async function ledgerCount(f: CaseFilter, signal?: AbortSignal): Promise<number> {
  return (await listCases({ ...f, sort: 'case_no', limit: 1, offset: 0 }, signal)).total
}

/** Every case id of the selection (at most MAX_IDS). */
export async function ledgerCaseIds(f: CaseFilter): Promise<number[]> {
  const ids: number[] = []
  for (let offset = 0; offset < MAX_IDS; offset += PAGE) {
    const page = await listCases({ ...f, sort: 'case_no', limit: PAGE, offset })
    ids.push(...page.items.map((r) => r.id))
    if (page.items.length < PAGE || ids.length >= page.total) break
  }
  return ids.slice(0, MAX_IDS)
}
