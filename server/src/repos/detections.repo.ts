// Satellite-change patches: the list with filters and counts, one patch with its screening and
// assignment, and the actions of its lifecycle (assign, verify, reopen). Every action bumps
// `version` (the ETag) and appends to detection_history in the same transaction; verifying a
// violation opens (or links) the ledger case in that transaction too.
import type { Db, Queryable } from '../db/db.ts'
import {
  allowedDetectionActions, detectionOverdue, planDetectionAction,
  type DetectionActionInput, type DetectionResult, type DetectionStatus, type PhotoEvidence,
} from '../domain/detection-lifecycle.ts'
import type { DetectionSortKey, ScreeningFlag } from '../domain/detection-types.ts'
import type { Role } from '../domain/roles.ts'
import type {
  Assignee, Assignment, DetectionCounts, DetectionHistoryEntry, DetectionList, DetectionListRow, DetectionRecord, DetectionScreening,
} from '../schemas/detections.schema.ts'
import { assignTarget, finishAssignmentOf, openAssignmentOf } from './assignments.repo.ts'
import { createCase, editCase, getCase } from './cases.repo.ts'
import { statusTrail } from './status-trail.repo.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { holdsScope, inScope, inUnit } from './scope.sql.ts'
import { holds, scopeOf, type Scope } from '../domain/scope.ts'
import { beijingDateSql } from './beijing.sql.ts'
import { beijingToday } from '../domain/beijing-clock.ts'
import { InputError } from '../domain/errors.ts'
import { FIELD_WORKER_ROLES } from '../domain/field-work.ts'

type Row = Record<string, unknown>

/** Roles that go on site and record what they found. */
export const VERIFIER_ROLES: readonly Role[] = FIELD_WORKER_ROLES

export class DetectionInputError extends InputError {}

const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

/** Aggregates over `d` (detections) joined to `b` (its batch); `today` is a date parameter. */
export function countsSelect(today: string): string {
  return `count(*) AS total,
    count(*) FILTER (WHERE d.status = 'pending') AS pending,
    count(*) FILTER (WHERE d.status = 'assigned') AS assigned,
    count(*) FILTER (WHERE d.status = 'verified') AS verified,
    count(*) FILTER (WHERE d.result = 'violation') AS violation,
    count(*) FILTER (WHERE d.result = 'legal') AS legal,
    count(*) FILTER (WHERE d.result = 'false_change') AS false_change,
    count(*) FILTER (WHERE d.status <> 'verified' AND b.deadline < ${today}::date) AS overdue,
    count(*) FILTER (WHERE d.status = 'verified' AND ${beijingDateSql('d.verified_at')} > b.deadline) AS verified_late,
    coalesce(round(sum(d.area_m2)), 0) AS area`
}

export function toCounts(r: Row): DetectionCounts {
  const total = Number(r.total ?? 0)
  const verified = Number(r.verified ?? 0)
  const falseChange = Number(r.false_change ?? 0)
  return {
    total,
    pending: Number(r.pending ?? 0),
    assigned: Number(r.assigned ?? 0),
    verified,
    violation: Number(r.violation ?? 0),
    legal: Number(r.legal ?? 0),
    falseChange,
    overdue: Number(r.overdue ?? 0),
    verifiedLate: Number(r.verified_late ?? 0),
    verificationRate: total > 0 ? verified / total : null,
    falseChangeRate: verified > 0 ? falseChange / verified : null,
    areaM2: Number(r.area ?? 0),
  }
}

// ---- the list ----

export const DETECTION_SORTS: Readonly<Record<DetectionSortKey, string>> = {
  patch_no: 'd.patch_no', area_m2: 'd.area_m2', status: 'd.status', admin_code: 'd.admin_code', verified_at: 'd.verified_at', confidence: 'd.confidence',
}

export interface DetectionFilter {
  scope: Scope
  batchId?: number
  admin?: string
  status?: DetectionStatus[]
  result?: DetectionResult[]
  changeType?: string[]
  /** Every flag must be set in the screening. */
  flags?: ScreeningFlag[]
  overdue?: boolean
  /** Patches assigned (open assignment) to this user. */
  assignee?: number
  /** Inside this [w, s, e, n] box (lon/lat). */
  bbox?: [number, number, number, number]
  sort: DetectionSortKey
  descending: boolean
  limit: number
  offset: number
}

export async function listDetections(db: Queryable, f: DetectionFilter, now = new Date()): Promise<DetectionList> {
  const today = beijingToday(now)
  const params: unknown[] = [f.scope, today]
  const add = (v: unknown) => `$${params.push(v)}`
  const where = [inScope('d.admin_code', '$1')]
  if (f.batchId !== undefined) where.push(`d.batch_id = ${add(f.batchId)}`)
  if (f.admin) where.push(inUnit('d.admin_code', add(f.admin)))
  if (f.status?.length) where.push(`d.status = ANY(${add(f.status)}::text[])`)
  if (f.result?.length) where.push(`d.result = ANY(${add(f.result)}::text[])`)
  if (f.changeType?.length) where.push(`d.change_type = ANY(${add(f.changeType)}::text[])`)
  if (f.flags?.length) where.push(`d.screening->'flags' @> ${add(JSON.stringify(f.flags))}::jsonb`)
  if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'NOT '}coalesce(d.status <> 'verified' AND b.deadline < $2::date, false)`)
  if (f.assignee !== undefined) where.push(`EXISTS (SELECT 1 FROM assignments s WHERE s.detection_id = d.id AND s.status = 'open' AND s.assignee_id = ${add(f.assignee)})`)
  if (f.bbox) where.push(`d.geom && ST_MakeEnvelope(${add(f.bbox[0])}, ${add(f.bbox[1])}, ${add(f.bbox[2])}, ${add(f.bbox[3])}, 4326)`)
  const w = where.join(' AND ')
  const from = 'FROM detections d JOIN detection_batches b ON b.id = d.batch_id'
  const counts = await db.query<Row>(`SELECT ${countsSelect('$2')} ${from} WHERE ${w}`, params)
  const order = `${DETECTION_SORTS[f.sort]} ${f.descending ? 'DESC' : 'ASC'} NULLS LAST, d.id`
  const rows = await db.query<Row>(
    `SELECT d.id, d.batch_id, d.patch_no, d.admin_code, a.name AS admin_name, d.change_type, d.confidence, d.area_m2, d.status, d.result,
            d.case_id, d.screening->'flags' AS flags, ${ts('d.verified_at')} AS verified_at, d.version, b.deadline, $2::date AS today
     ${from} JOIN admin_units a ON a.code = d.admin_code
     WHERE ${w} ORDER BY ${order} LIMIT ${add(f.limit)} OFFSET ${add(f.offset)}`,
    params,
  )
  const c = toCounts(counts.rows[0] ?? {})
  return { total: c.total, counts: c, items: rows.rows.map((r) => toListRow(r, today)) }
}

function toListRow(r: Row, today: string): DetectionListRow {
  const status = r.status as DetectionStatus
  return {
    id: r.id as number,
    batchId: r.batch_id as number,
    patchNo: r.patch_no as string,
    adminCode: r.admin_code as string,
    adminName: r.admin_name as string,
    changeType: r.change_type as DetectionListRow['changeType'],
    confidence: r.confidence as number | null,
    areaM2: r.area_m2 as number,
    status,
    result: r.result as DetectionResult | null,
    caseId: r.case_id as number | null,
    flags: (r.flags as ScreeningFlag[] | null) ?? [],
    overdue: detectionOverdue(status, r.deadline as string | null, today),
    verifiedAt: r.verified_at as string | null,
    version: r.version as number,
  }
}

// ---- one patch ----

const SELECT_ONE = `
  SELECT d.id, d.batch_id, d.patch_no, d.admin_code, a.name AS admin_name, d.change_type, d.confidence, d.area_m2, d.recorded_area_m2,
         d.status, d.result, d.result_reason, d.result_note, d.permit_ref, d.no_photo_reason, d.case_id, c.case_no,
         d.screening, d.screening->'flags' AS flags, d.source_attributes, d.version, ${ts('d.verified_at')} AS verified_at, vu.username AS verified_by,
         b.name AS batch_name, b.deadline, b.before_date, b.after_date,
         ST_AsGeoJSON(d.geom, 8) AS geometry, ST_XMin(d.geom) AS w, ST_YMin(d.geom) AS s, ST_XMax(d.geom) AS e, ST_YMax(d.geom) AS n
  FROM detections d JOIN detection_batches b ON b.id = d.batch_id JOIN admin_units a ON a.code = d.admin_code
       LEFT JOIN cases c ON c.id = d.case_id LEFT JOIN users vu ON vu.id = d.verified_by`

async function openAssignment(db: Queryable, detectionId: number): Promise<Assignment | null> {
  const r = await db.query<Row>(
    `SELECT s.id, s.assignee_id, u.username, s.note, ${ts('s.due_at')} AS due_at, s.status, ${ts('s.assigned_at')} AS assigned_at
     FROM assignments s JOIN users u ON u.id = s.assignee_id WHERE s.detection_id = $1 AND s.status = 'open' ORDER BY s.id DESC LIMIT 1`,
    [detectionId],
  )
  const a = r.rows[0]
  return a
    ? { id: a.id as number, assignee: a.username as string, assigneeId: a.assignee_id as number, note: a.note as string | null, dueAt: a.due_at as string | null, status: a.status as Assignment['status'], assignedAt: a.assigned_at as string }
    : null
}

export async function getDetection(db: Queryable, id: number, scope: Scope, photoMaxM: number, now = new Date()): Promise<DetectionRecord | null> {
  const r = await db.query<Row>(`${SELECT_ONE} WHERE d.id = $1 AND ${inScope('d.admin_code', '$2')}`, [id, scope])
  const row = r.rows[0]
  if (!row) return null
  const status = row.status as DetectionStatus
  const { maxM: _maxM, ...photos } = await photoEvidence(db, id, photoMaxM)
  return {
    ...toListRow(row, beijingToday(now)),
    batchName: row.batch_name as string,
    deadline: row.deadline as string | null,
    beforeDate: row.before_date as string,
    afterDate: row.after_date as string,
    recordedAreaM2: row.recorded_area_m2 as number | null,
    resultReason: row.result_reason as string | null,
    resultNote: row.result_note as string | null,
    permitRef: row.permit_ref as string | null,
    noPhotoReason: row.no_photo_reason as string | null,
    verifiedBy: row.verified_by as string | null,
    caseNo: row.case_no as string | null,
    screening: row.screening as DetectionScreening,
    sourceAttributes: row.source_attributes as Record<string, unknown>,
    geometry: JSON.parse(row.geometry as string),
    bbox: [row.w as number, row.s as number, row.e as number, row.n as number],
    assignment: await openAssignment(db, id),
    allowedActions: allowedDetectionActions(status),
    photoMaxM,
    photos,
  }
}

/** Photos of the patch and how many were taken within maxM of it (EXIF GPS, distance on the ellipsoid). */
export async function photoEvidence(db: Queryable, detectionId: number, maxM: number): Promise<PhotoEvidence> {
  const r = await db.query<{ photos: number; near: number; nearest: number | null }>(
    `SELECT count(*) AS photos,
            count(*) FILTER (WHERE ST_DWithin(t.location::geography, d.geom::geography, $2)) AS near,
            min(ST_Distance(t.location::geography, d.geom::geography)) AS nearest
     FROM attachments t JOIN detections d ON d.id = t.detection_id
     WHERE t.detection_id = $1 AND t.kind = 'photo'`,
    [detectionId, maxM],
  )
  const e = r.rows[0]!
  return { photos: Number(e.photos), near: Number(e.near), nearestM: e.nearest === null ? null : Number(e.nearest), maxM }
}

/** Users who may be sent to verify the patch: verifier roles whose scope covers it. */
export async function assignableUsers(db: Queryable, adminCode: string): Promise<Assignee[]> {
  const r = await db.query<Row>(
    `SELECT id, username, display_name, role FROM users
     WHERE NOT disabled AND role = ANY($2::text[]) AND ${holdsScope('scope_code', '$1')} ORDER BY role = 'field' DESC, username`,
    [adminCode, VERIFIER_ROLES],
  )
  return r.rows.map((u) => ({ id: u.id as number, username: u.username as string, displayName: u.display_name as string, role: u.role as Role }))
}

/** A Db whose transaction() runs inside `tx`: lets createCase and editCase join this transaction. */
function within(db: Db, tx: Queryable): Db {
  return { kind: db.kind, query: tx.query.bind(tx), exec: tx.exec.bind(tx), transaction: (fn) => fn(tx), close: async () => {} }
}

export interface ActingUser {
  id: number
  scope: Scope
}

/**
 * Applies a lifecycle action if the caller saw the current version. The patch row is locked for the
 * check and the write; a refused stale write is recorded after the rollback.
 */
export async function actOnDetection(
  db: Db,
  id: number,
  user: ActingUser,
  expectedVersion: number,
  input: DetectionActionInput,
  photoMaxM: number,
  now = new Date(),
): Promise<DetectionRecord | null> {
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<Row>(
      `SELECT d.id, d.status, d.version, d.admin_code, d.result, d.case_id, d.screening, b.after_date
       FROM detections d JOIN detection_batches b ON b.id = d.batch_id
       WHERE d.id = $1 AND ${inScope('d.admin_code', '$2')} FOR UPDATE OF d`,
      [id, user.scope],
    )
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { kind: 'stale' as const, version: row.version as number }
    const evidence = input.action === 'verify' ? await photoEvidence(tx, id, photoMaxM) : null
    const plan = planDetectionAction({ status: row.status as DetectionStatus, afterDate: row.after_date as string }, input, evidence, now)
    const after: Record<string, unknown> = { ...plan.changes }

    if (input.action === 'assign') {
      const who = await tx.query<Row>(`SELECT id, role, scope_code, disabled FROM users WHERE id = $1`, [input.assigneeId])
      const u = who.rows[0]
      if (!u || u.disabled) throw new DetectionInputError(`no user ${input.assigneeId}`, 'assigneeId')
      if (!VERIFIER_ROLES.includes(u.role as Role)) throw new DetectionInputError(`user ${input.assigneeId} is ${String(u.role)}; patches go to ${VERIFIER_ROLES.join(', ')}`, 'assigneeId')
      if (!holds(scopeOf(u.scope_code as string), row.admin_code as string)) {
        throw new DetectionInputError(`user ${input.assigneeId} works in ${String(u.scope_code)}, which does not cover the patch (${String(row.admin_code)})`, 'assigneeId')
      }
      const target = { kind: 'detection' as const, id }
      const prior = await openAssignmentOf(tx, target)
      const assignmentId = await assignTarget(tx, target, row.admin_code as string, { userId: input.assigneeId!, teamId: null }, { note: input.note ?? null, dueAt: input.dueAt ?? null }, user.id, prior?.id ?? null)
      Object.assign(after, { assignment_id: assignmentId, assignee_id: input.assigneeId, due_at: input.dueAt ?? null })
    }

    if (input.action === 'verify') {
      plan.changes.verified_by = user.id
      const scoped = within(db, tx)
      if (plan.link && 'caseId' in plan.link) {
        const c = await getCase(tx, plan.link.caseId, user.scope)
        if (!c) throw new DetectionInputError(`no case ${plan.link.caseId} in your area`, 'caseId')
        plan.changes.case_id = c.id
        const linked = await tx.query(`UPDATE cases SET detection_id = $2 WHERE id = $1 AND detection_id IS NULL RETURNING id`, [c.id, id])
        if (linked.rowCount > 0) {
          await tx.query(`INSERT INTO case_history (case_id, user_id, action, after) VALUES ($1, $2, 'link_detection', $3)`, [c.id, user.id, JSON.stringify({ detection_id: id })])
        }
      } else if (plan.link) {
        const screening = row.screening as { farmlandM2?: number; basicFarmlandM2?: number }
        const onFarmland = (screening.farmlandM2 ?? 0) + (screening.basicFarmlandM2 ?? 0) > 0
        const geometry = await tx.query<{ g: string }>(`SELECT ST_AsGeoJSON(geom, 8) AS g FROM detections WHERE id = $1`, [id])
        const nc = plan.link.newCase
        const at = plan.changes.verified_at as string
        const created = await createCase(
          scoped,
          {
            geometry: JSON.parse(geometry.rows[0]!.g),
            use: nc.use,
            source: 'satellite',
            foundAt: at,
            ...(nc.floors !== undefined ? { floors: nc.floors } : {}),
            ...(nc.locationText ? { locationText: nc.locationText } : {}),
            newConstruction: nc.newConstruction ?? true,
            ...(onFarmland ? { flags: ['farmland' as const] } : {}),
          },
          user.id,
          user.scope,
          now,
        )
        // The team is on site as it verifies: the 1-hour clock of a new violation stops here.
        await editCase(scoped, created.id, user.scope, created.version, { reachedAt: at, reason: `卫片图斑核查 (patch ${id})` }, user.id, now)
        await tx.query(`UPDATE cases SET detection_id = $2 WHERE id = $1`, [created.id, id])
        await tx.query(`INSERT INTO case_history (case_id, user_id, action, after) VALUES ($1, $2, 'link_detection', $3)`, [created.id, user.id, JSON.stringify({ detection_id: id })])
        plan.changes.case_id = created.id
      }
      await finishAssignmentOf(tx, { kind: 'detection', id }, user.id)
      Object.assign(after, { case_id: plan.changes.case_id ?? null, photos: evidence })
    }

    const columns = Object.keys(plan.changes)
    const before = await tx.query<Row>(`SELECT ${columns.join(', ')} FROM detections WHERE id = $1`, [id])
    // Column names come from planDetectionAction's fixed set, never from the request.
    await tx.query(
      `UPDATE detections SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, ...columns.map((c) => plan.changes[c])],
    )
    await tx.query(
      `INSERT INTO detection_history (detection_id, user_id, action, from_status, to_status, reason, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, user.id, input.action, plan.from, plan.to, input.reason ?? input.noPhotoReason ?? input.note ?? null, JSON.stringify(before.rows[0]), JSON.stringify(after)],
    )
    return { kind: 'done' as const }
  })
  if (outcome === null) return null
  if (outcome.kind === 'stale') await refuseStaleWrite(db, 'patch', { table: 'detection_history', key: { detection_id: id } }, user.id, expectedVersion, outcome.version, input)
  return getDetection(db, id, user.scope, photoMaxM, now)
}

export async function detectionHistory(db: Queryable, id: number): Promise<DetectionHistoryEntry[]> {
  return (await statusTrail(db, 'detection', id)).map(({ before: _before, ...entry }) => entry)
}

/** Whether the patch exists in the caller's scope (for routes that only need the check). */
export async function detectionInScope(db: Queryable, id: number, scope: Scope): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM detections WHERE id = $1 AND ${inScope('admin_code', '$2')}`, [id, scope])
  return r.rowCount > 0
}
