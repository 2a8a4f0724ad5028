import { InputError } from './errors.ts'
// The life of a satellite-change patch (卫片图斑): a lead, screened on import, verified on site
// (外业核查) and classified. Pure: no I/O. The repo gathers the facts (photos near the patch,
// the case to link) and applies what `planDetectionAction` returns.
//
//   pending ─assign→ assigned ─assign→ assigned (handed to someone else)
//      │                │
//      └────verify──────┴──→ verified: violation (a case) | legal (permit) | false_change (cause)
//   verified ─reopen→ pending (a correction, with its reason; the case it opened stays in the ledger)

export const DETECTION_STATUSES = ['pending', 'assigned', 'verified'] as const
export type DetectionStatus = (typeof DETECTION_STATUSES)[number]

export const DETECTION_RESULTS = ['violation', 'legal', 'false_change'] as const
export type DetectionResult = (typeof DETECTION_RESULTS)[number]

/** 伪变化 causes: what the imagery showed that was not construction. */
export const FALSE_CHANGE_CAUSES = [
  'shadow', 'vegetation', 'temporary_structure', 'misregistration', 'cloud', 'greenhouse_film', 'water', 'farming', 'other',
] as const
export type FalseChangeCause = (typeof FALSE_CHANGE_CAUSES)[number]

export const CHANGE_TYPES = ['new_building', 'extension', 'land_cleared', 'other'] as const

export type DetectionAction = 'assign' | 'verify' | 'reopen'

const RULES: Record<DetectionAction, { from: readonly DetectionStatus[]; to: DetectionStatus }> = {
  assign: { from: ['pending', 'assigned'], to: 'assigned' },
  verify: { from: ['pending', 'assigned'], to: 'verified' },
  reopen: { from: ['verified'], to: 'pending' },
}

export const DETECTION_ACTIONS = Object.keys(RULES) as DetectionAction[]

export function allowedDetectionActions(status: DetectionStatus): DetectionAction[] {
  return DETECTION_ACTIONS.filter((a) => RULES[a].from.includes(status))
}

/** A new ledger case opened by verifying a patch as a violation (the rest comes from the patch). */
export interface NewCaseFromPatch {
  use: 'residential' | 'storage' | 'commercial' | 'office' | 'other'
  floors?: number
  locationText?: string
  newConstruction?: boolean
}

export interface DetectionActionInput {
  action: DetectionAction
  /** When it happened (ISO 8601): the site visit for verify. Defaults to now for assign/reopen. */
  at?: string
  /** assign: who goes (a user id); their scope must cover the patch. */
  assigneeId?: number
  dueAt?: string
  note?: string
  /** verify */
  result?: DetectionResult
  /** verify legal: the planning permit (规划许可) reference. */
  permitRef?: string
  /** verify false_change: the cause; `note` is required with 'other'. */
  cause?: FalseChangeCause
  /** verify violation: link an existing case (e.g. the open case screening found) … */
  caseId?: number
  /** … or open a new one. */
  newCase?: NewCaseFromPatch
  /** verify without a photo near the patch: why (e.g. no access, dog, refused entry). */
  noPhotoReason?: string
  /** reopen: why the result is withdrawn. */
  reason?: string
}

export interface DetectionState {
  status: DetectionStatus
  /** The batch's after-image date: nothing on site is verified before the change was imaged. */
  afterDate: string
}

/** What the repo found about photos of this patch. */
export interface PhotoEvidence {
  /** Photos attached to the patch. */
  photos: number
  /** Photos whose EXIF GPS lies within maxM of the patch. */
  near: number
  /** Distance of the nearest geotagged photo in metres, null when none has a position. */
  nearestM: number | null
  maxM: number
}

export class DetectionActionError extends InputError {}

export interface DetectionPlan {
  from: DetectionStatus
  to: DetectionStatus
  /** Columns to write on the patch. */
  changes: Record<string, string | number | null>
  /** verify violation: link this case, or open one (caseId null, newCase set). */
  link?: { caseId: number } | { newCase: NewCaseFromPatch }
}

function need<T>(v: T | undefined | null, field: string, why: string): T {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw new DetectionActionError(why, field)
  return v
}

const ACTION_FIELDS: Record<DetectionAction, readonly (keyof DetectionActionInput)[]> = {
  assign: ['assigneeId', 'dueAt', 'note', 'at'],
  verify: ['at', 'result', 'permitRef', 'cause', 'caseId', 'newCase', 'noPhotoReason', 'note'],
  reopen: ['reason', 'at'],
}

/**
 * Checks an action against the patch and the evidence; returns what to write or throws a
 * DetectionActionError naming the field at fault (or, for a wrong step, the allowed actions).
 */
export function planDetectionAction(state: DetectionState, input: DetectionActionInput, evidence: PhotoEvidence | null, now: Date): DetectionPlan {
  const rule = RULES[input.action]
  if (!rule) throw new DetectionActionError(`unknown action ${String(input.action)}; actions are ${DETECTION_ACTIONS.join(', ')}`, 'action')
  if (!rule.from.includes(state.status)) {
    const allowed = allowedDetectionActions(state.status)
    throw new DetectionActionError(`a patch that is ${state.status} cannot ${input.action}; allowed: ${allowed.join(', ')}`, 'action')
  }
  for (const key of Object.keys(input) as (keyof DetectionActionInput)[]) {
    if (key !== 'action' && input[key] !== undefined && !ACTION_FIELDS[input.action].includes(key)) {
      throw new DetectionActionError(`${input.action} does not take ${key}`, key)
    }
  }
  const at = input.at ?? now.toISOString()
  const when = Date.parse(at)
  if (Number.isNaN(when)) throw new DetectionActionError(`at ${at} is not a date-time`, 'at')
  if (when > now.getTime() + 5 * 60_000) throw new DetectionActionError(`at ${at} is in the future`, 'at')

  const changes: DetectionPlan['changes'] = { status: rule.to }
  switch (input.action) {
    case 'assign': {
      need(input.assigneeId, 'assigneeId', 'assign needs assigneeId: the user who goes on site')
      if (input.dueAt !== undefined && Number.isNaN(Date.parse(input.dueAt))) throw new DetectionActionError(`dueAt ${input.dueAt} is not a date-time`, 'dueAt')
      return { from: state.status, to: rule.to, changes }
    }
    case 'reopen': {
      need(input.reason, 'reason', 'reopen needs a reason: why the recorded result is withdrawn')
      Object.assign(changes, {
        result: null, result_reason: null, result_note: null, permit_ref: null, verified_at: null, verified_by: null, case_id: null, no_photo_reason: null,
      })
      return { from: state.status, to: rule.to, changes }
    }
    case 'verify':
      break
  }
  if (at.slice(0, 10) < state.afterDate) {
    throw new DetectionActionError(`at ${at} is before the after image (${state.afterDate}); a site check follows the imagery`, 'at')
  }
  const result = need(input.result, 'result', `verify needs result: one of ${DETECTION_RESULTS.join(', ')}`)
  if (!DETECTION_RESULTS.includes(result)) throw new DetectionActionError(`result must be one of ${DETECTION_RESULTS.join(', ')}`, 'result')
  const only = (allowed: (keyof DetectionActionInput)[]) => {
    for (const f of ['permitRef', 'cause', 'caseId', 'newCase'] as const) {
      if (input[f] !== undefined && !allowed.includes(f)) throw new DetectionActionError(`a ${result} result does not take ${f}`, f)
    }
  }
  Object.assign(changes, { result, verified_at: at, result_reason: null, result_note: input.note?.trim() || null, permit_ref: null })
  let link: DetectionPlan['link']
  if (result === 'legal') {
    only(['permitRef'])
    changes.permit_ref = need(input.permitRef, 'permitRef', 'a legal result needs permitRef: the planning permit (规划许可) it was built under').trim()
  } else if (result === 'false_change') {
    only(['cause'])
    const cause = need(input.cause, 'cause', `a false change needs its cause: one of ${FALSE_CHANGE_CAUSES.join(', ')}`)
    if (!FALSE_CHANGE_CAUSES.includes(cause)) throw new DetectionActionError(`cause must be one of ${FALSE_CHANGE_CAUSES.join(', ')}`, 'cause')
    if (cause === 'other') need(input.note, 'note', "a false change of cause 'other' needs a note saying what it was")
    changes.result_reason = cause
  } else {
    only(['caseId', 'newCase'])
    if (input.caseId !== undefined && input.newCase !== undefined) throw new DetectionActionError('give caseId (link a case) or newCase (open one), not both', 'caseId')
    if (input.caseId !== undefined) link = { caseId: input.caseId }
    else link = { newCase: need(input.newCase, 'newCase', 'a violation needs caseId (link the case it is) or newCase (open one, with its use)') }
  }
  // Evidence: a geotagged photo taken near the patch, or a recorded reason why there is none.
  const reason = input.noPhotoReason?.trim()
  if (evidence && evidence.near === 0 && !reason) {
    const found =
      evidence.photos === 0
        ? 'the patch has no photo'
        : evidence.nearestM === null
          ? `none of its ${evidence.photos} photos has a GPS position`
          : `its nearest photo was taken ${Math.round(evidence.nearestM)} m away`
    throw new DetectionActionError(
      `verify needs a geotagged site photo within ${evidence.maxM} m of the patch, or noPhotoReason saying why there is none; ${found}`,
      'photo',
    )
  }
  changes.no_photo_reason = evidence && evidence.near > 0 ? null : (reason ?? null)
  return { from: state.status, to: rule.to, changes, ...(link ? { link } : {}) }
}

/** A patch is overdue when the batch's deadline passed and it is not verified (dates in Beijing time). */
export function detectionOverdue(status: DetectionStatus, deadline: string | null, today: string): boolean {
  return status !== 'verified' && deadline !== null && deadline < today
}

