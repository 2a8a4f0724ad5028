// 外业 assignments: a case, a patch or a parcel given to a person or a team, with a due time and a
// note. At most one open assignment per thing (assigning again reassigns). Every change is in
// field_history; a patch given out also moves to 'assigned' with its own history row.
import type { Db, Queryable } from '../db/db.ts'
import { InputError, Refusal } from '../domain/errors.ts'
import { compareTasks, FIELD_WORKER_ROLES, nextDeadline, type TaskKind } from '../domain/field-work.ts'
import type { Role } from '../domain/roles.ts'
import { holds, scopeOf, type Scope } from '../domain/scope.ts'
import type { AssignBody, Assignment, AssignmentList, AssignmentPatchBody, AssignmentQuery, AssignResult, Person, Task, TaskQuery } from '../schemas/field.schema.ts'
import { holdsScope, inScope, inUnit } from './scope.sql.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { personSql } from './teams.repo.ts'

type Row = Record<string, unknown>

/** The thing an assignment is about, live from its own table (its area, clocks and version). */
const TARGET_FROM = `
  FROM assignments a
  LEFT JOIN cases c ON c.id = a.case_id
  LEFT JOIN detections d ON d.id = a.detection_id
  LEFT JOIN detection_batches b ON b.id = d.batch_id
  LEFT JOIN parcels p ON p.id = a.parcel_id
  LEFT JOIN users ua ON ua.id = a.assignee_id
  LEFT JOIN teams t ON t.id = a.team_id
  LEFT JOIN users ub ON ub.id = a.assigned_by
  CROSS JOIN LATERAL (SELECT coalesce(c.admin_code, d.admin_code, p.admin_code) AS code, coalesce(c.geom, d.geom, p.geom) AS geom) x
  JOIN admin_units au ON au.code = x.code`

const ASSIGNMENT_COLUMNS = `
  a.id, a.status, a.due_at, a.note, a.assigned_at, a.closed_at, a.version,
  (a.status = 'open' AND a.due_at < now()) AS overdue,
  ${personSql('ua')} AS assignee,
  CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('id', t.id, 'name', t.name) END AS team,
  coalesce(ub.display_name, ub.username) AS assigned_by,
  CASE WHEN a.case_id IS NOT NULL THEN 'case' WHEN a.detection_id IS NOT NULL THEN 'detection' ELSE 'parcel' END AS kind,
  coalesce(a.case_id, a.detection_id, a.parcel_id) AS target_id,
  coalesce(c.case_no, d.patch_no, p.parcel_no) AS label,
  coalesce(c.status, d.status, 'parcel') AS target_status,
  coalesce(c.version, d.version, p.version) AS target_version,
  x.code AS admin_code, au.name AS admin_name,
  ST_X(ST_PointOnSurface(x.geom)) AS px, ST_Y(ST_PointOnSurface(x.geom)) AS py,
  ST_XMin(x.geom) AS w, ST_YMin(x.geom) AS s, ST_XMax(x.geom) AS e, ST_YMax(x.geom) AS n,
  CASE WHEN c.new_construction AND c.reached_at IS NULL AND c.status IN ('identified', 'notified', 'order_issued') THEN c.found_at + interval '1 hour' END AS reach_by,
  CASE WHEN c.new_construction AND c.status IN ('identified', 'notified', 'order_issued') THEN c.found_at + interval '3 days' END AS remove_by,
  to_char(coalesce(CASE WHEN c.status = 'order_issued' THEN c.deadline END, CASE WHEN d.status <> 'verified' THEN b.deadline END), 'YYYY-MM-DD') AS deadline`

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString())

function toAssignment(r: Row): Assignment {
  return {
    id: r.id as number,
    status: r.status as Assignment['status'],
    assignee: (r.assignee as Person | null) ?? null,
    team: (r.team as Assignment['team']) ?? null,
    dueAt: iso(r.due_at),
    note: (r.note as string | null) ?? null,
    assignedBy: (r.assigned_by as string | null) ?? null,
    assignedAt: iso(r.assigned_at)!,
    closedAt: iso(r.closed_at),
    overdue: r.overdue === true,
    target: {
      kind: r.kind as TaskKind,
      id: r.target_id as number,
      label: r.label as string,
      status: r.target_status as string,
      adminCode: r.admin_code as string,
      adminName: r.admin_name as string,
      point: [r.px as number, r.py as number],
      bbox: [r.w as number, r.s as number, r.e as number, r.n as number],
      reachBy: iso(r.reach_by),
      removeBy: iso(r.remove_by),
      deadline: (r.deadline as string | null) ?? null,
      version: r.target_version as number,
    },
    version: r.version as number,
  }
}

export async function getAssignment(db: Queryable, id: number, scope: Scope): Promise<Assignment | null> {
  const r = await db.query<Row>(`SELECT ${ASSIGNMENT_COLUMNS} ${TARGET_FROM} WHERE a.id = $1 AND ${inScope('x.code', '$2')}`, [id, scope])
  return r.rows[0] ? toAssignment(r.rows[0]) : null
}

export async function listAssignments(db: Queryable, q: AssignmentQuery, scope: Scope): Promise<AssignmentList> {
  const params: unknown[] = [scope]
  const add = (v: unknown) => `$${params.push(v)}`
  const where = [inScope('x.code', '$1')]
  if (q.status) where.push(`a.status = ${add(q.status)}`)
  if (q.teamId) where.push(`a.team_id = ${add(q.teamId)}`)
  if (q.assigneeId) where.push(`a.assignee_id = ${add(q.assigneeId)}`)
  if (q.kind) where.push(`a.${q.kind === 'case' ? 'case_id' : q.kind === 'detection' ? 'detection_id' : 'parcel_id'} IS NOT NULL`)
  if (q.admin) where.push(inUnit('x.code', add(q.admin)))
  if (q.overdue !== undefined) where.push(`${q.overdue ? '' : 'NOT '}coalesce(a.status = 'open' AND a.due_at < now(), false)`)
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${TARGET_FROM} WHERE ${where.join(' AND ')}`, params)
  const r = await db.query<Row>(
    `SELECT ${ASSIGNMENT_COLUMNS} ${TARGET_FROM} WHERE ${where.join(' AND ')}
     ORDER BY a.status = 'open' DESC, a.due_at NULLS LAST, a.id LIMIT ${add(q.limit ?? 100)} OFFSET ${add(q.offset ?? 0)}`,
    params,
  )
  return { total: total.rows[0]!.n, items: r.rows.map(toAssignment) }
}

/** A field user's open tasks: given to them or to a team they are in, within their scope. */
export async function myTasks(db: Queryable, userId: number, scope: Scope, q: TaskQuery): Promise<Task[]> {
  const here = q.lon !== undefined && q.lat !== undefined
  const r = await db.query<Row>(
    `SELECT ${ASSIGNMENT_COLUMNS},
            ${here ? `ST_Distance(x.geom::geography, ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography)` : 'NULL::float8'} AS distance_m
     ${TARGET_FROM}
     WHERE a.status = 'open' AND ${inScope('x.code', '$2')}
       AND (a.assignee_id = $1 OR a.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1))`,
    here ? [userId, scope, q.lon, q.lat] : [userId, scope],
  )
  const tasks = r.rows.map((row) => {
    const a = toAssignment(row)
    return {
      ...a,
      distanceM: row.distance_m === null ? null : Math.round(row.distance_m as number),
      nextDeadline: nextDeadline([a.dueAt, a.target.reachBy, a.target.removeBy, a.target.deadline]),
    }
  })
  return tasks.sort(compareTasks(q.sort ?? 'deadline'))
}

/** One thing work is about. */
export interface AssignmentTarget {
  kind: TaskKind
  id: number
}

const KIND_COLUMN: Readonly<Record<TaskKind, string>> = { case: 'case_id', detection: 'detection_id', parcel: 'parcel_id' }
const KIND_TABLE: Readonly<Record<TaskKind, string>> = { case: 'cases', detection: 'detections', parcel: 'parcels' }

/** Exactly one way of picking what to assign; a zone or a village picks open cases and unverified patches. */
async function picked(db: Queryable, body: AssignBody, scope: Scope): Promise<{ picks: AssignmentTarget[]; missing: AssignmentTarget[] }> {
  const ways = (['cases', 'detections', 'parcels', 'zoneId', 'village'] as const).filter((k) => body[k] !== undefined)
  if (ways.length !== 1) throw new InputError('pick what to assign in one way: cases, detections, parcels, zoneId or village', ways[1] ?? 'cases', '请用一种方式选择要分派的对象：案件、图斑、地块、整治区域或村', 'pick_one_way')
  if ((body.zoneId !== undefined || body.village !== undefined) !== (body.kinds !== undefined)) {
    throw new InputError('kinds goes with zoneId or village (and only with them)', 'kinds', 'kinds 只能与 zoneId 或 village 一起使用', 'kinds_with_area')
  }
  const lists: [TaskKind, number[] | undefined][] = [['case', body.cases], ['detection', body.detections], ['parcel', body.parcels]]
  for (const [kind, ids] of lists) {
    if (!ids) continue
    const r = await db.query<{ id: number }>(`SELECT id FROM ${KIND_TABLE[kind]} WHERE id = ANY($1::bigint[]) AND ${inScope('admin_code', '$2')}`, [ids, scope])
    const found = new Set(r.rows.map((x) => x.id))
    return { picks: ids.filter((id) => found.has(id)).map((id) => ({ kind, id })), missing: ids.filter((id) => !found.has(id)).map((id) => ({ kind, id })) }
  }
  const kinds = body.kinds!
  const area = body.zoneId !== undefined
    ? { join: `JOIN zones z ON z.id = $2 AND ${inScope('z.admin_code', '$1')} AND ST_Intersects(z.geom, t.geom)`, param: body.zoneId }
    : { join: '', cond: inUnit('t.admin_code', '$2'), param: body.village }
  if (body.zoneId !== undefined) {
    const z = await db.query(`SELECT 1 FROM zones WHERE id = $1 AND ${inScope('admin_code', '$2')}`, [body.zoneId, scope])
    if (z.rowCount === 0) throw new Refusal('not_found', `no zone ${body.zoneId} in your area`, { field: 'zoneId', zh: `您的范围内没有整治区域 ${body.zoneId}` })
  }
  const picks: AssignmentTarget[] = []
  const open = { case: `t.status IN ('identified', 'notified', 'order_issued')`, detection: `t.status IN ('pending', 'assigned')` }
  for (const kind of kinds) {
    const r = await db.query<{ id: number }>(
      `SELECT t.id FROM ${KIND_TABLE[kind]} t ${area.join}
       WHERE ${inScope('t.admin_code', '$1')} AND ${open[kind]} ${'cond' in area ? `AND ${area.cond}` : ''} ORDER BY t.id LIMIT 5001`,
      [scope, area.param],
    )
    picks.push(...r.rows.map((x) => ({ kind, id: x.id })))
  }
  if (picks.length > 5000) throw new InputError('more than 5000 things picked; assign a smaller area', 'zoneId' in body ? 'zoneId' : 'village', '一次最多分派 5000 项，请缩小范围', 'too_many')
  return { picks, missing: [] }
}

/** The person or team work goes to, checked against the things' area. */
async function checkAssignee(db: Queryable, body: { assigneeId?: number; teamId?: number }, scope: Scope): Promise<{ userId: number | null; teamId: number | null; area: string }> {
  if ((body.assigneeId === undefined) === (body.teamId === undefined)) {
    throw new InputError('give the work to one person (assigneeId) or one team (teamId)', 'assigneeId', '请指定一名人员或一支队伍', 'one_assignee')
  }
  if (body.teamId !== undefined) {
    const r = await db.query<{ admin_code: string }>(`SELECT admin_code FROM teams WHERE id = $1 AND ${inScope('admin_code', '$2')}`, [body.teamId, scope])
    if (!r.rows[0]) throw new InputError(`no team ${body.teamId} in your area`, 'teamId', `您的范围内没有队伍 ${body.teamId}`, 'no_such_team')
    return { userId: null, teamId: body.teamId, area: r.rows[0].admin_code }
  }
  const r = await db.query<Row>(`SELECT role, scope_code, disabled FROM users WHERE id = $1`, [body.assigneeId])
  const u = r.rows[0]
  if (!u || u.disabled) throw new InputError(`no user ${body.assigneeId}`, 'assigneeId', `没有用户 ${body.assigneeId}`, 'no_such_user')
  if (!FIELD_WORKER_ROLES.includes(u.role as Role)) {
    throw new InputError(`user ${body.assigneeId} is ${String(u.role)}; field work goes to ${FIELD_WORKER_ROLES.join(', ')}`, 'assigneeId', '该用户的角色不能承担外业任务', 'not_field_worker')
  }
  return { userId: body.assigneeId!, teamId: null, area: u.scope_code as string }
}

/**
 * Gives one thing to a person or a team: the open assignment it had (`prior`) is cancelled as a
 * reassignment and the new one made, both in field_history. The one way an assignment is opened
 * (the patch page's assign action uses it too), so "one open per thing" and the trace hold everywhere.
 */
export async function assignTarget(
  tx: Queryable, target: AssignmentTarget, adminCode: string, who: { userId: number | null; teamId: number | null },
  opts: { note: string | null; dueAt: string | null }, byUserId: number, prior: number | null,
): Promise<number> {
  if (prior !== null) {
    await tx.query(`UPDATE assignments SET status = 'cancelled', closed_at = now(), version = version + 1, updated_at = now() WHERE id = $1`, [prior])
    await tx.query(`INSERT INTO field_history (assignment_id, user_id, action, before, after) VALUES ($1, $2, 'reassign', $3, $4)`,
      [prior, byUserId, JSON.stringify({ status: 'open' }), JSON.stringify({ status: 'cancelled', assigneeId: who.userId, teamId: who.teamId })])
  }
  const a = await tx.query<{ id: number }>(
    `INSERT INTO assignments (assignee_id, team_id, admin_code, ${KIND_COLUMN[target.kind]}, note, due_at, assigned_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [who.userId, who.teamId, adminCode, target.id, opts.note, opts.dueAt, byUserId],
  )
  const id = a.rows[0]!.id
  const after = { kind: target.kind, targetId: target.id, assigneeId: who.userId, teamId: who.teamId, dueAt: opts.dueAt, note: opts.note }
  await tx.query(`INSERT INTO field_history (assignment_id, user_id, action, after) VALUES ($1, $2, 'assign', $3)`, [id, byUserId, JSON.stringify(after)])
  return id
}

/** Closes the open assignment of a thing whose work is done (a patch verified), with its history row. */
export async function finishAssignmentOf(tx: Queryable, target: AssignmentTarget, byUserId: number): Promise<void> {
  const open = await openAssignmentOf(tx, target)
  if (!open) return
  await tx.query(`UPDATE assignments SET status = 'done', closed_at = now(), version = version + 1, updated_at = now() WHERE id = $1`, [open.id])
  await tx.query(`INSERT INTO field_history (assignment_id, user_id, action, before, after) VALUES ($1, $2, 'done', $3, $4)`,
    [open.id, byUserId, JSON.stringify({ status: 'open' }), JSON.stringify({ status: 'done', by: `${target.kind} ${target.id}` })])
}

/** The open assignment of a thing, locked for a change. */
export async function openAssignmentOf(tx: Queryable, target: AssignmentTarget): Promise<{ id: number; assigneeId: number | null; teamId: number | null } | null> {
  const r = await tx.query<Row>(`SELECT id, assignee_id, team_id FROM assignments WHERE ${KIND_COLUMN[target.kind]} = $1 AND status = 'open' FOR UPDATE`, [target.id])
  const row = r.rows[0]
  return row ? { id: Number(row.id), assigneeId: row.assignee_id === null ? null : Number(row.assignee_id), teamId: row.team_id === null ? null : Number(row.team_id) } : null
}

/** Gives each picked thing to the assignee; things given to someone else are skipped unless `reassign`. */
export async function assign(db: Db, body: AssignBody, scope: Scope, userId: number): Promise<AssignResult> {
  const who = await checkAssignee(db, body, scope)
  const { picks, missing } = await picked(db, body, scope)
  const skipped: AssignResult['skipped'] = missing.map((p) => ({ ...p, reason: `no ${p.kind} ${p.id} in your area`, reasonZh: '不在您的范围内' }))
  let created = 0
  let reassigned = 0
  const ids: number[] = []
  await db.transaction(async (tx) => {
    for (const p of picks) {
      const t = await tx.query<Row>(`SELECT admin_code, ${p.kind === 'parcel' ? 'NULL' : 'status'} AS status FROM ${KIND_TABLE[p.kind]} WHERE id = $1 FOR UPDATE`, [p.id])
      const target = t.rows[0]!
      if (!holds(scopeOf(who.area), target.admin_code as string)) {
        skipped.push({ ...p, reason: `${who.teamId ? 'the team' : 'the person'} works in ${who.area}, which does not cover ${String(target.admin_code)}`, reasonZh: '不在该人员或队伍的工作范围内' })
        continue
      }
      if ((p.kind === 'case' && target.status === 'closed') || (p.kind === 'detection' && target.status === 'verified')) {
        skipped.push({ ...p, reason: `the ${p.kind} is already ${String(target.status)}`, reasonZh: p.kind === 'case' ? '案件已销账' : '图斑已核查' })
        continue
      }
      const prior = await openAssignmentOf(tx, p)
      if (prior && prior.assigneeId === who.userId && prior.teamId === who.teamId) {
        skipped.push({ ...p, reason: 'already given to them', reasonZh: '已分派给该人员或队伍' })
        continue
      }
      if (prior && !body.reassign) {
        skipped.push({ ...p, reason: 'already given to someone else; send reassign: true to move it', reasonZh: '已分派给他人，可改派' })
        continue
      }
      const id = await assignTarget(tx, p, target.admin_code as string, who, { note: body.note ?? null, dueAt: body.dueAt ?? null }, userId, prior?.id ?? null)
      ids.push(id)
      if (p.kind === 'detection') {
        // The patch's own lifecycle: pending → assigned, in its history like an assignment made on the patch.
        await tx.query(`UPDATE detections SET status = 'assigned', version = version + 1, updated_at = now() WHERE id = $1`, [p.id])
        await tx.query(
          `INSERT INTO detection_history (detection_id, user_id, action, from_status, to_status, reason, after) VALUES ($1, $2, 'assign', $3, 'assigned', $4, $5)`,
          [p.id, userId, target.status, body.note ?? null, JSON.stringify({ assignment_id: id, assignee_id: who.userId, team_id: who.teamId, due_at: body.dueAt ?? null })],
        )
      }
      if (prior) reassigned++
      else created++
    }
  })
  // the first 500 made, read back in one statement
  const r = await db.query<Row>(`SELECT ${ASSIGNMENT_COLUMNS} ${TARGET_FROM} WHERE a.id = ANY($1::bigint[]) AND ${inScope('x.code', '$2')} ORDER BY a.id`, [ids.slice(0, 500), scope])
  return { created, reassigned, skipped, items: r.rows.map(toAssignment) }
}

/** Reassigns, moves the due time, edits the note, or closes an assignment (done / cancelled). */
export async function editAssignment(db: Db, id: number, patch: AssignmentPatchBody, scope: Scope, expectedVersion: number, userId: number): Promise<Assignment | null> {
  const current = await getAssignment(db, id, scope)
  if (!current) return null
  if (current.status !== 'open') throw new Refusal('conflict', `the assignment is ${current.status}; assign the ${current.target.kind} again instead`, { code: 'assignment_closed', zh: '该任务已结束，请重新分派' })
  const moving = patch.assigneeId !== undefined || patch.teamId !== undefined
  const who = moving ? await checkAssignee(db, patch, scope) : null
  if (who && !holds(scopeOf(who.area), current.target.adminCode)) {
    throw new InputError(`${who.teamId ? 'the team' : 'the person'} works in ${who.area}, which does not cover ${current.target.adminCode}`, who.teamId ? 'teamId' : 'assigneeId', '不在该人员或队伍的工作范围内', 'outside_area')
  }
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<{ version: number }>(`SELECT version FROM assignments WHERE id = $1 FOR UPDATE`, [id])
    const found = r.rows[0]!.version
    if (found !== expectedVersion) return { stale: found }
    const sets: string[] = []
    const params: unknown[] = [id]
    const set = (column: string, value: unknown) => sets.push(`${column} = $${params.push(value)}`)
    if (who) {
      set('assignee_id', who.userId)
      set('team_id', who.teamId)
    }
    if (patch.dueAt !== undefined) set('due_at', patch.dueAt)
    if (patch.note !== undefined) set('note', patch.note)
    if (patch.status !== undefined) {
      set('status', patch.status)
      sets.push('closed_at = now()')
    }
    await tx.query(`UPDATE assignments SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`, params)
    const before = { assigneeId: current.assignee?.id ?? null, teamId: current.team?.id ?? null, dueAt: current.dueAt, note: current.note, status: current.status }
    const action = patch.status ?? (who ? 'reassign' : 'edit')
    await tx.query(`INSERT INTO field_history (assignment_id, user_id, action, before, after) VALUES ($1, $2, $3, $4, $5)`, [id, userId, action, JSON.stringify(before), JSON.stringify(patch)])
    return null
  })
  if (outcome) await refuseStaleWrite(db, 'assignment', { table: 'field_history', key: { assignment_id: id } }, userId, expectedVersion, outcome.stale, patch)
  return getAssignment(db, id, scope)
}

/** Users work in `area` may go to: field workers whose scope covers it (the caller checks the area is in theirs). */
export async function fieldWorkers(db: Queryable, area: string): Promise<Person[]> {
  const r = await db.query<Row>(
    `SELECT ${personSql('u')} AS p FROM users u
     WHERE NOT u.disabled AND u.role = ANY($1::text[]) AND ${holdsScope('u.scope_code', '$2')}
     ORDER BY coalesce(u.display_name, u.username), u.id`,
    [FIELD_WORKER_ROLES, area],
  )
  return r.rows.map((x) => x.p as Person)
}
