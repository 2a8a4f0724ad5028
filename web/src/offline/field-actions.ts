// What a field user does to a task, as queued writes (outbox.ts): each is stored on the phone
// first and sent when it can be. Photos go before the step they prove (a patch is verified with a
// site photo within reach), because the outbox sends in the order things were done.
import type { Task } from '../field-api.ts'
import type { NewSurveyBody } from '../survey-api.ts'
import { enqueue, type QueuedOp } from './outbox.ts'

export interface Actor {
  userId: number
}

const caseUrl = (id: number) => `/api/cases/${id}`
const patchUrl = (id: number) => `/api/detections/${id}`

/** A site photo of the task's case or patch, uploaded exactly as taken (EXIF time and GPS kept). */
export function queuePhoto(actor: Actor, task: Task, photo: Blob, name: string, stage: string): Promise<QueuedOp> {
  const { kind, id, label } = task.target
  if (kind === 'parcel') throw new Error('parcels take no photos')
  const url = `${kind === 'case' ? caseUrl(id) : patchUrl(id)}/attachments`
  return enqueue({
    userId: actor.userId, method: 'POST', url, record: { kind, id }, label: `照片 ${label}`,
    photo: { blob: photo, name, fields: { stage } },
  })
}

export interface VerifyInput {
  at: string
  result: 'violation' | 'legal' | 'false_change'
  use?: string
  floors?: number
  locationText?: string
  permitRef?: string
  cause?: string
  note?: string
  noPhotoReason?: string
}

/** 外业核查 of a patch: a violation opens a new case (the 1-hour clock stops: the team is on site). */
export function queueVerify(actor: Actor, task: Task, ifMatch: string, v: VerifyInput): Promise<QueuedOp> {
  const body: Record<string, unknown> = { action: 'verify', at: v.at, result: v.result }
  if (v.result === 'violation') body.newCase = { use: v.use ?? 'residential', ...(v.floors ? { floors: v.floors } : {}), ...(v.locationText ? { locationText: v.locationText } : {}) }
  if (v.result === 'legal' && v.permitRef) body.permitRef = v.permitRef
  if (v.result === 'false_change' && v.cause) body.cause = v.cause
  if (v.note) body.note = v.note
  if (v.noPhotoReason) body.noPhotoReason = v.noPhotoReason
  return enqueue({
    userId: actor.userId, method: 'POST', url: `${patchUrl(task.target.id)}/actions`, body, ifMatch,
    record: { kind: 'detection', id: task.target.id }, label: `核查 ${task.target.label}`,
  })
}

export interface DemolishInput {
  at: string
  disposal: 'self_demolition' | 'assisted_demolition' | 'enforced_demolition'
  demolishedLandAreaM2?: number
  demolishedFloorAreaM2?: number
}

export function queueDemolition(actor: Actor, task: Task, ifMatch: string, d: DemolishInput): Promise<QueuedOp> {
  const body = { action: 'demolish', ...d }
  return enqueue({
    userId: actor.userId, method: 'POST', url: `${caseUrl(task.target.id)}/transitions`, body, ifMatch,
    record: { kind: 'case', id: task.target.id }, label: `拆除 ${task.target.label}`,
  })
}

/** Site details of a case; `base` is what the fields held when the user started (shown beside a conflict). */
export function queueCaseEdit(actor: Actor, task: Task, ifMatch: string, fields: Record<string, unknown>, base: Record<string, unknown>, label: string): Promise<QueuedOp> {
  return enqueue({
    userId: actor.userId, method: 'PATCH', url: caseUrl(task.target.id), body: fields, base, ifMatch,
    record: { kind: 'case', id: task.target.id }, label: `${label} ${task.target.label}`,
  })
}

/** The task is done (its assignment closes). */
export function queueTaskDone(actor: Actor, task: Task): Promise<QueuedOp> {
  return enqueue({
    userId: actor.userId, method: 'PATCH', url: `/api/assignments/${task.id}`, body: { status: 'done' }, ifMatch: `"v${task.version}"`,
    record: { kind: 'assignment', id: task.id }, label: `完成 ${task.target.label}`,
  })
}

/**
 * 自建房排查: a new house file (一户一档), made on the phone. The file has no id until the server
 * numbers it, so it is queued under a negative local id; its photos (queueSurveyPhoto) wait behind
 * it on that record and go to the id its creation got. Returns the local id for the photos.
 */
export async function queueSurvey(actor: Actor, body: NewSurveyBody, label: string): Promise<{ op: QueuedOp; localId: number }> {
  const localId = -Date.now()
  const op = await enqueue({ userId: actor.userId, method: 'POST', url: '/api/surveys', body, record: { kind: 'survey', id: localId }, label: `建档 ${label}` })
  return { op, localId }
}

/** A photo of a house file queued by queueSurvey (`localId`) or of a file the server has (its id). */
export function queueSurveyPhoto(actor: Actor, surveyId: number, photo: Blob, name: string, label: string): Promise<QueuedOp> {
  return enqueue({
    userId: actor.userId, method: 'POST', url: `/api/surveys/${surveyId < 0 ? '{id}' : surveyId}/attachments`, record: { kind: 'survey', id: surveyId },
    label: `照片 ${label}`, photo: { blob: photo, name, fields: { stage: 'inspection' } },
  })
}
