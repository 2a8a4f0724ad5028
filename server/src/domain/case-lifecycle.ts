// The life of a ledger case (shared/DOMAIN.md, seeds 002 and 003) as an explicit state machine.
// Pure: no I/O. The repo applies what `planTransition` returns and writes the history row.
//
//   identified ─notify→ notified ─issue_order→ order_issued
//        │                 │                      │
//        └──── demolish / regularise / defer ─────┤ (demolish also from identified: 新生违建快拆)
//                                                 ├─confiscate→ confiscated ─┐
//                                                 ├─demolish──→ demolished ──┴─accept→ accepted ─close→ closed
//   deferred ─resume→ order_issued                │
//   regularised ─close→ closed                    └─defer→ deferred

export const CASE_STATUSES = [
  'identified', 'notified', 'order_issued', 'demolished', 'confiscated', 'regularised', 'deferred', 'accepted', 'closed',
] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

export const DEMOLITION_KINDS = ['self_demolition', 'assisted_demolition', 'enforced_demolition'] as const
export type DemolitionKind = (typeof DEMOLITION_KINDS)[number]
export const REUSES = ['road', 'greening', 'landscape', 'parking', 'market', 'farmland', 'other'] as const
export type Reuse = (typeof REUSES)[number]

export type CaseAction = 'notify' | 'issue_order' | 'demolish' | 'confiscate' | 'regularise' | 'defer' | 'resume' | 'accept' | 'close'

/** What the caller sends with an action; each action requires exactly the fields its step needs. */
export interface TransitionInput {
  action: CaseAction
  /** When it happened (ISO 8601); never in the future. */
  at: string
  reason?: string
  deadline?: string
  disposal?: DemolitionKind
  demolishedLandAreaM2?: number
  demolishedFloorAreaM2?: number
  reuse?: Reuse
  regreenedAreaM2?: number
  permitRef?: string
}

/** The parts of a case the rules read. */
export interface CaseState {
  status: CaseStatus
  foundAt: string
  orderIssuedAt: string | null
  deadline: string | null
  disposedAt: string | null
  landAreaM2: number | null
}

/** Column values to write, keyed by column name. */
export type CaseChanges = Record<string, string | number | null>

export interface Transition {
  from: CaseStatus
  to: CaseStatus
  changes: CaseChanges
}

export class TransitionError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

interface Rule {
  from: readonly CaseStatus[]
  to: CaseStatus
}

const RULES: Record<CaseAction, Rule> = {
  notify: { from: ['identified'], to: 'notified' },
  issue_order: { from: ['identified', 'notified'], to: 'order_issued' },
  demolish: { from: ['identified', 'notified', 'order_issued'], to: 'demolished' },
  confiscate: { from: ['order_issued'], to: 'confiscated' },
  regularise: { from: ['identified', 'notified', 'order_issued'], to: 'regularised' },
  defer: { from: ['identified', 'notified', 'order_issued'], to: 'deferred' },
  resume: { from: ['deferred'], to: 'order_issued' },
  accept: { from: ['demolished', 'confiscated'], to: 'accepted' },
  close: { from: ['accepted', 'regularised'], to: 'closed' },
}

export const CASE_ACTIONS = Object.keys(RULES) as CaseAction[]

/** Actions allowed from a status, in a stable order: what the UI offers. */
export function allowedActions(status: CaseStatus): CaseAction[] {
  return CASE_ACTIONS.filter((a) => RULES[a].from.includes(status))
}

/** One structure is at most 1 km² (DOMAIN.md: larger is absurd for one site). */
export const MAX_SITE_AREA_M2 = 1_000_000

function required<T>(value: T | undefined | null, field: string, action: CaseAction): T {
  if (value === undefined || value === null || value === '') throw new TransitionError(`${action} needs ${field}`, field)
  return value
}

function area(value: number | undefined, field: string, action: CaseAction, max: number): number {
  const v = required(value, field, action)
  if (!Number.isFinite(v) || v < 0) throw new TransitionError(`${field} must be a number of square metres ≥ 0`, field)
  if (v > max) throw new TransitionError(`${field} ${v} m² is more than ${max} m² for one site; check the figure`, field)
  return v
}

function forbidUnexpected(input: TransitionInput, allowed: readonly (keyof TransitionInput)[]) {
  for (const key of Object.keys(input) as (keyof TransitionInput)[]) {
    if (key !== 'action' && key !== 'at' && !allowed.includes(key) && input[key] !== undefined) {
      throw new TransitionError(`${input.action} does not take ${key}`, key)
    }
  }
}

/**
 * Checks an action against the case and returns the status change and the columns to write,
 * or throws a TransitionError naming the offending field (or the allowed actions).
 */
export function planTransition(state: CaseState, input: TransitionInput, now: Date): Transition {
  const rule = RULES[input.action]
  if (!rule) throw new TransitionError(`unknown action ${String(input.action)}; actions are ${CASE_ACTIONS.join(', ')}`, 'action')
  if (!rule.from.includes(state.status)) {
    const allowed = allowedActions(state.status)
    throw new TransitionError(
      `a case that is ${state.status} cannot ${input.action}; allowed: ${allowed.length ? allowed.join(', ') : 'none (the case is closed; re-inspect it instead)'}`,
      'action',
    )
  }
  const at = required(input.at, 'at', input.action)
  const when = Date.parse(at)
  if (Number.isNaN(when)) throw new TransitionError(`at ${at} is not a date-time`, 'at')
  if (when > now.getTime() + 5 * 60_000) throw new TransitionError(`at ${at} is in the future`, 'at')
  if (when < Date.parse(state.foundAt)) throw new TransitionError(`at ${at} is before the case was found (${state.foundAt})`, 'at')
  // A step after the order cannot predate it (the order is replaced only by resume, after a deferral).
  if (state.status === 'order_issued' && state.orderIssuedAt && when < Date.parse(state.orderIssuedAt)) {
    throw new TransitionError(`at ${at} is before the order was issued (${state.orderIssuedAt})`, 'at')
  }

  const changes: CaseChanges = {}
  switch (input.action) {
    case 'notify':
      forbidUnexpected(input, ['reason'])
      changes.notified_at = at
      break
    case 'issue_order':
    case 'resume': {
      forbidUnexpected(input, ['deadline', 'reason'])
      const deadline = required(input.deadline, 'deadline', input.action)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(deadline) || Number.isNaN(Date.parse(deadline))) throw new TransitionError(`deadline ${deadline} is not a date (YYYY-MM-DD)`, 'deadline')
      if (deadline < at.slice(0, 10)) throw new TransitionError(`deadline ${deadline} is before the order (${at.slice(0, 10)})`, 'deadline')
      changes.order_issued_at = at
      changes.deadline = deadline
      if (input.action === 'resume') changes.disposal = null
      break
    }
    case 'demolish': {
      forbidUnexpected(input, ['disposal', 'demolishedLandAreaM2', 'demolishedFloorAreaM2', 'reuse', 'regreenedAreaM2', 'reason'])
      const kind = required(input.disposal, 'disposal', input.action)
      if (!DEMOLITION_KINDS.includes(kind)) throw new TransitionError(`disposal must be one of ${DEMOLITION_KINDS.join(', ')}`, 'disposal')
      if (kind === 'enforced_demolition' && state.status !== 'order_issued') {
        throw new TransitionError('enforced demolition needs an order issued first (限期拆除决定)', 'disposal')
      }
      const land = area(input.demolishedLandAreaM2, 'demolishedLandAreaM2', input.action, MAX_SITE_AREA_M2)
      const floor = area(input.demolishedFloorAreaM2, 'demolishedFloorAreaM2', input.action, MAX_SITE_AREA_M2 * 50)
      if (input.reuse !== undefined && !REUSES.includes(input.reuse)) throw new TransitionError(`reuse must be one of ${REUSES.join(', ')}`, 'reuse')
      if (input.regreenedAreaM2 !== undefined && input.reuse !== 'greening' && input.reuse !== 'landscape') {
        throw new TransitionError('regreenedAreaM2 is recorded with reuse greening or landscape', 'regreenedAreaM2')
      }
      const green = input.reuse === 'greening' ? area(input.regreenedAreaM2, 'regreenedAreaM2', input.action, MAX_SITE_AREA_M2) : (input.regreenedAreaM2 ?? null)
      if (green !== null && green > land) throw new TransitionError(`regreenedAreaM2 ${green} is more than the demolished land area ${land}`, 'regreenedAreaM2')
      Object.assign(changes, {
        disposal: kind,
        disposed_at: at,
        demolished_land_area_m2: land,
        demolished_floor_area_m2: floor,
        reuse: input.reuse ?? null,
        regreened_area_m2: green,
      })
      break
    }
    case 'confiscate':
      forbidUnexpected(input, ['reason'])
      Object.assign(changes, { disposal: 'confiscation', disposed_at: at })
      break
    case 'regularise':
      forbidUnexpected(input, ['permitRef', 'reason'])
      Object.assign(changes, { disposal: 'regularisation', disposed_at: at, disposal_reason: `permit ${required(input.permitRef, 'permitRef', input.action)}` })
      break
    case 'defer':
      forbidUnexpected(input, ['reason'])
      Object.assign(changes, { disposal: 'deferral', disposal_reason: required(input.reason, 'reason', input.action) })
      break
    case 'accept':
      forbidUnexpected(input, ['reason'])
      if (state.disposedAt && when < Date.parse(state.disposedAt)) throw new TransitionError(`at ${at} is before the disposal (${state.disposedAt})`, 'at')
      changes.accepted_at = at
      break
    case 'close':
      forbidUnexpected(input, ['reason'])
      changes.closed_at = at
      break
  }
  return { from: state.status, to: rule.to, changes: { ...changes, status: rule.to } }
}

/** Clocks of DOMAIN.md: reach a new violation within 1 hour, remove it within 3 days; order deadlines. */
export const REACH_WITHIN_MS = 60 * 60 * 1000
export const REMOVE_WITHIN_MS = 3 * 24 * 60 * 60 * 1000

export interface Overdue {
  reach: boolean
  removal: boolean
  deadline: boolean
}

const OPEN: readonly CaseStatus[] = ['identified', 'notified', 'order_issued']

/** The 1-hour and 3-day clocks run only for new construction (新生违建); every order has its deadline. */
export function overdue(
  c: { status: CaseStatus; newConstruction: boolean; foundAt: string; reachedAt: string | null; deadline: string | null },
  now: Date,
): Overdue {
  const found = Date.parse(c.foundAt)
  const open = OPEN.includes(c.status)
  return {
    reach: c.newConstruction && c.reachedAt === null && open && now.getTime() - found > REACH_WITHIN_MS,
    removal: c.newConstruction && open && now.getTime() - found > REMOVE_WITHIN_MS,
    deadline: c.status === 'order_issued' && c.deadline !== null && c.deadline < now.toISOString().slice(0, 10),
  }
}
