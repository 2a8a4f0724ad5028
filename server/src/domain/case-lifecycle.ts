import { beijingToday } from './beijing-clock.ts'
import { InputError } from './errors.ts'
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
/** Every disposal a case records: the three demolitions and the other ways a case ends its order. */
export const DISPOSALS = [...DEMOLITION_KINDS, 'confiscation', 'regularisation', 'deferral'] as const
export type Disposal = (typeof DISPOSALS)[number]
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

/** A step the lifecycle does not allow, or a value it needs that is missing (with the Chinese for import reports). */
export class TransitionError extends InputError {}

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
  if (value === undefined || value === null || value === '') throw new TransitionError(`${action} needs ${field}`, field, `“${ACTION_ZH[action]}”须填写 ${field}`)
  return value
}

function area(value: number | undefined, field: string, action: CaseAction, max: number): number {
  const v = required(value, field, action)
  if (!Number.isFinite(v) || v < 0) throw new TransitionError(`${field} must be a number of square metres ≥ 0`, field, '面积须为不小于 0 的平方米数')
  if (v > max) throw new TransitionError(`${field} ${v} m² is more than ${max} m² for one site; check the figure`, field, `面积 ${v} ㎡ 超过一处违建的上限 ${max} ㎡，请核对`)
  return v
}

/** The steps' Chinese names (the seeds' words), for messages. */
export const ACTION_ZH: Readonly<Record<CaseAction, string>> = {
  notify: '宣传告知', issue_order: '限期拆除决定', demolish: '拆除', confiscate: '没收', regularise: '补办手续',
  defer: '暂缓', resume: '恢复执行', accept: '验收', close: '销账',
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
      `处于“${STATUS_ZH[state.status]}”的案件不能“${ACTION_ZH[input.action]}”`,
    )
  }
  const at = required(input.at, 'at', input.action)
  const when = Date.parse(at)
  if (Number.isNaN(when)) throw new TransitionError(`at ${at} is not a date-time`, 'at', `时间 ${at} 不是日期`)
  if (when > now.getTime() + 5 * 60_000) throw new TransitionError(`at ${at} is in the future`, 'at', `“${ACTION_ZH[input.action]}”时间在未来`)
  if (when < Date.parse(state.foundAt)) throw new TransitionError(`at ${at} is before the case was found (${state.foundAt})`, 'at', `“${ACTION_ZH[input.action]}”时间早于发现时间`)
  // A step after the order cannot predate it (the order is replaced only by resume, after a deferral).
  if (state.status === 'order_issued' && state.orderIssuedAt && when < Date.parse(state.orderIssuedAt)) {
    throw new TransitionError(`at ${at} is before the order was issued (${state.orderIssuedAt})`, 'at', `“${ACTION_ZH[input.action]}”时间早于限期拆除决定时间`)
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
      if (deadline < at.slice(0, 10)) throw new TransitionError(`deadline ${deadline} is before the order (${at.slice(0, 10)})`, 'deadline', `整改期限 ${deadline} 早于限期拆除决定时间`)
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
        throw new TransitionError('enforced demolition needs an order issued first (限期拆除决定)', 'disposal', '强拆须先下达限期拆除决定')
      }
      const land = area(input.demolishedLandAreaM2, 'demolishedLandAreaM2', input.action, MAX_SITE_AREA_M2)
      const floor = area(input.demolishedFloorAreaM2, 'demolishedFloorAreaM2', input.action, MAX_SITE_AREA_M2 * 50)
      if (input.reuse !== undefined && !REUSES.includes(input.reuse)) throw new TransitionError(`reuse must be one of ${REUSES.join(', ')}`, 'reuse')
      if (input.regreenedAreaM2 !== undefined && input.reuse !== 'greening' && input.reuse !== 'landscape') {
        throw new TransitionError('regreenedAreaM2 is recorded with reuse greening or landscape', 'regreenedAreaM2', '复绿面积只随“建绿”或“添景”的再利用方式填写')
      }
      const green = input.reuse === 'greening' ? area(input.regreenedAreaM2, 'regreenedAreaM2', input.action, MAX_SITE_AREA_M2) : (input.regreenedAreaM2 ?? null)
      if (green !== null && green > land) throw new TransitionError(`regreenedAreaM2 ${green} is more than the demolished land area ${land}`, 'regreenedAreaM2', `复绿面积 ${green} ㎡ 大于拆除占地面积 ${land} ㎡`)
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
      if (state.disposedAt && when < Date.parse(state.disposedAt)) throw new TransitionError(`at ${at} is before the disposal (${state.disposedAt})`, 'at', '验收时间早于处置时间')
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
    deadline: c.status === 'order_issued' && c.deadline !== null && c.deadline < beijingToday(now),
  }
}

// ---- a case carried over from an existing ledger (台账迁移) ----

/** The statuses' Chinese names (the seeds' words), for messages. */
export const STATUS_ZH: Readonly<Record<CaseStatus, string>> = {
  identified: '排查认定', notified: '宣传告知', order_issued: '限期拆除决定', demolished: '已拆除', confiscated: '没收',
  regularised: '补办手续', deferred: '暂缓', accepted: '验收', closed: '销账',
}

/** What a ledger row says about a case's progress. Dates are ISO instants, deadline a YYYY-MM-DD date. */
export interface MigratedState {
  status: CaseStatus
  foundAt: string
  notifiedAt?: string | null
  orderIssuedAt?: string | null
  deadline?: string | null
  disposal?: Disposal | null
  disposedAt?: string | null
  demolishedLandAreaM2?: number | null
  demolishedFloorAreaM2?: number | null
  reuse?: Reuse | null
  regreenedAreaM2?: number | null
  acceptedAt?: string | null
  closedAt?: string | null
  /** 暂缓原因; for a regularised case, the permit it names. */
  disposalReason?: string | null
}
export type MigratedField = Exclude<keyof MigratedState, 'foundAt'> | 'foundAt'

export interface MigrationIssue {
  field: MigratedField
  en: string
  zh: string
}

export interface MigratedPlan {
  /** The columns the case is written with (status included), as the steps it went through wrote them. */
  changes: CaseChanges
  /** The steps, in order: what the case went through to reach its status. */
  actions: CaseAction[]
}

/** The column each progress field is written to, for "this status does not record that" checks. */
const MIGRATED_COLUMNS: Readonly<Record<Exclude<MigratedField, 'status' | 'foundAt'>, string>> = {
  notifiedAt: 'notified_at', orderIssuedAt: 'order_issued_at', deadline: 'deadline', disposal: 'disposal', disposedAt: 'disposed_at',
  demolishedLandAreaM2: 'demolished_land_area_m2', demolishedFloorAreaM2: 'demolished_floor_area_m2', reuse: 'reuse',
  regreenedAreaM2: 'regreened_area_m2', acceptedAt: 'accepted_at', closedAt: 'closed_at', disposalReason: 'disposal_reason',
}

/** The disposal step each disposal is recorded by. */
const DISPOSAL_ACTION: Readonly<Record<Disposal, CaseAction>> = {
  self_demolition: 'demolish', assisted_demolition: 'demolish', enforced_demolition: 'demolish',
  confiscation: 'confiscate', regularisation: 'regularise', deferral: 'defer',
}

/** The disposals a status can be reached with (through the transitions of RULES). */
const DISPOSALS_FOR: Readonly<Partial<Record<CaseStatus, readonly Disposal[]>>> = {
  demolished: DEMOLITION_KINDS,
  confiscated: ['confiscation'],
  regularised: ['regularisation'],
  deferred: ['deferral'],
  accepted: [...DEMOLITION_KINDS, 'confiscation'],
  closed: [...DEMOLITION_KINDS, 'confiscation', 'regularisation'],
}

/** Dates that must come in this order when given (found ≤ notified ≤ order ≤ disposed ≤ accepted ≤ closed). */
const DATE_ORDER: readonly { field: MigratedField; zh: string }[] = [
  { field: 'foundAt', zh: '发现时间' }, { field: 'notifiedAt', zh: '告知时间' }, { field: 'orderIssuedAt', zh: '限期拆除决定时间' },
  { field: 'disposedAt', zh: '拆除（处置）时间' }, { field: 'acceptedAt', zh: '验收时间' }, { field: 'closedAt', zh: '销账时间' },
]

const given = (v: unknown) => v !== undefined && v !== null && v !== ''

/**
 * Checks a case carried over from an existing ledger in the progress it already has, by replaying
 * the steps that lead to its status through planTransition (the one state machine): a demolished,
 * accepted or closed case needs its disposal and disposal date (and demolished areas), closed needs
 * its closing date, dates run in order, a deadline needs its order, regularised needs 补办手续,
 * deferred a reason. Returns the columns to write, or the first problem, naming the field.
 */
export function checkMigratedState(s: MigratedState, now: Date): MigratedPlan | MigrationIssue {
  const issue = (field: MigratedField, en: string, zh: string): MigrationIssue => ({ field, en, zh })
  // Dates in order first: the clearest message for the most common slip.
  let prev: { field: MigratedField; zh: string; at: number } | null = null
  for (const d of DATE_ORDER) {
    const v = s[d.field] as string | null | undefined
    if (!given(v)) continue
    const at = Date.parse(v!)
    if (prev && at < prev.at) {
      return issue(d.field, `${d.field} ${v} is before ${prev.field}`, `${d.zh}早于${prev.zh}`)
    }
    prev = { ...d, at }
  }
  if (given(s.deadline) && !given(s.orderIssuedAt)) {
    return issue('deadline', 'a deadline needs the date the order was issued (orderIssuedAt)', '填写了整改期限，但没有限期拆除决定时间')
  }

  const steps: TransitionInput[] = []
  if (given(s.notifiedAt)) steps.push({ action: 'notify', at: s.notifiedAt! })
  if (given(s.orderIssuedAt)) {
    if (!given(s.deadline)) return issue('deadline', 'an order (限期拆除决定) needs its deadline', '填写了限期拆除决定时间，须同时填写整改期限')
    steps.push({ action: 'issue_order', at: s.orderIssuedAt!, deadline: s.deadline! })
  }
  if (s.status === 'notified' && !given(s.notifiedAt)) return issue('notifiedAt', 'a notified case needs the date it was notified', '状态为宣传告知，须填写告知时间')
  if (s.status === 'order_issued' && !given(s.orderIssuedAt)) return issue('orderIssuedAt', 'an order_issued case needs the date of the order', '状态为限期拆除决定，须填写限期拆除决定时间')

  const allowed = DISPOSALS_FOR[s.status]
  if (allowed) {
    if (!given(s.disposal)) return issue('disposal', `a ${s.status} case needs its disposal (${allowed.join(', ')})`, `状态为${STATUS_ZH[s.status]}，须填写处置方式`)
    const disposal = s.disposal!
    if (!allowed.includes(disposal)) return issue('disposal', `a ${s.status} case cannot have disposal ${disposal}`, `状态“${STATUS_ZH[s.status]}”与处置方式不符`)
    const action = DISPOSAL_ACTION[disposal]
    if (action === 'defer') {
      if (!given(s.disposalReason)) return issue('disposalReason', 'a deferred case needs the reason it is deferred', '状态为暂缓，须填写暂缓原因')
      // a deferral records no date of its own: it is stated as of the latest step before it
      steps.push({ action, at: s.orderIssuedAt ?? s.notifiedAt ?? s.foundAt, reason: s.disposalReason! })
    } else {
      if (!given(s.disposedAt)) return issue('disposedAt', `a ${s.status} case needs the date of its disposal`, `状态为${STATUS_ZH[s.status]}，须填写拆除（处置）时间`)
      if (action === 'demolish') {
        if (!given(s.demolishedLandAreaM2)) return issue('demolishedLandAreaM2', 'a demolished case needs its demolished land area', '已拆除的案件须填写拆除占地面积')
        if (!given(s.demolishedFloorAreaM2)) return issue('demolishedFloorAreaM2', 'a demolished case needs its demolished floor area', '已拆除的案件须填写拆除建筑面积')
        steps.push({
          action, at: s.disposedAt!, disposal: disposal as DemolitionKind,
          demolishedLandAreaM2: s.demolishedLandAreaM2!, demolishedFloorAreaM2: s.demolishedFloorAreaM2!,
          ...(given(s.reuse) ? { reuse: s.reuse! } : {}), ...(given(s.regreenedAreaM2) ? { regreenedAreaM2: s.regreenedAreaM2! } : {}),
        })
      } else if (action === 'regularise') {
        // the step needs a permit; a ledger that names none leaves the reason empty (below)
        steps.push({ action, at: s.disposedAt!, permitRef: s.disposalReason ?? 'unnamed' })
      } else {
        steps.push({ action, at: s.disposedAt! })
      }
    }
    if ((s.status === 'accepted' || s.status === 'closed') && disposal !== 'regularisation') {
      if (!given(s.acceptedAt)) return issue('acceptedAt', `a ${s.status} case needs the date it was accepted`, `状态为${STATUS_ZH[s.status]}，须填写验收时间`)
      steps.push({ action: 'accept', at: s.acceptedAt! })
    }
    if (s.status === 'closed') {
      if (!given(s.closedAt)) return issue('closedAt', 'a closed case needs the date it was closed', '状态为销账，须填写销账时间')
      steps.push({ action: 'close', at: s.closedAt! })
    }
  }

  const FIELD_OF: Partial<Record<CaseAction, MigratedField>> = {
    notify: 'notifiedAt', issue_order: 'orderIssuedAt', demolish: 'disposedAt', confiscate: 'disposedAt', regularise: 'disposedAt',
    defer: 'disposalReason', accept: 'acceptedAt', close: 'closedAt',
  }
  const INPUT_FIELD: Readonly<Record<string, MigratedField>> = {
    deadline: 'deadline', disposal: 'disposal', demolishedLandAreaM2: 'demolishedLandAreaM2', demolishedFloorAreaM2: 'demolishedFloorAreaM2',
    reuse: 'reuse', regreenedAreaM2: 'regreenedAreaM2', reason: 'disposalReason', permitRef: 'disposalReason',
  }
  let state: CaseState = { status: 'identified', foundAt: s.foundAt, orderIssuedAt: null, deadline: null, disposedAt: null, landAreaM2: null }
  const changes: CaseChanges = { status: 'identified' }
  for (const step of steps) {
    let t: Transition
    try {
      t = planTransition(state, step, now)
    } catch (err) {
      if (!(err instanceof TransitionError)) throw err
      const field = (err.field && INPUT_FIELD[err.field]) || FIELD_OF[step.action] || 'status'
      return issue(field, `${step.action}: ${err.message}`, `“${ACTION_ZH[step.action]}”不符合办案流程：${err.zh ?? err.message}`)
    }
    Object.assign(changes, t.changes)
    state = {
      ...state, status: t.to,
      orderIssuedAt: (changes.order_issued_at as string | undefined) ?? state.orderIssuedAt,
      deadline: (changes.deadline as string | undefined) ?? state.deadline,
      disposedAt: (changes.disposed_at as string | undefined) ?? state.disposedAt,
    }
  }
  if (changes.disposal === 'regularisation' && !given(s.disposalReason)) changes.disposal_reason = null
  if (changes.status !== s.status) return issue('status', `status ${s.status} cannot be reached from what the row gives`, `状态“${STATUS_ZH[s.status]}”与所填进度不符`)
  // A value the case's steps never record (a disposal date on an identified case …) is a slip, not data to drop.
  for (const [field, column] of Object.entries(MIGRATED_COLUMNS) as [Exclude<MigratedField, 'status' | 'foundAt'>, string][]) {
    if (given(s[field]) && !(column in changes)) {
      return issue(field, `a ${s.status} case does not record ${field}`, `状态为${STATUS_ZH[s.status]}的案件不填写此项`)
    }
  }
  return { changes, actions: steps.map((x) => x.action) }
}

export const isMigrationIssue = (x: MigratedPlan | MigrationIssue): x is MigrationIssue => 'zh' in x
