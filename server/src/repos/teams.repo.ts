// 外业 teams: a name, a kind, an area (admin unit), a leader and members. Every write bumps
// `version` (the ETag) and appends to field_history in the same transaction.
import type { Db, Queryable } from '../db/db.ts'
import { InputError } from '../domain/errors.ts'
import { FIELD_WORKER_ROLES } from '../domain/field-work.ts'
import type { Role } from '../domain/roles.ts'
import { holds, scopeOf, type Scope } from '../domain/scope.ts'
import type { NewTeamBody, Person, Team, TeamPatchBody } from '../schemas/field.schema.ts'
import { inScope } from './scope.sql.ts'
import { refuseStaleWrite } from './stale-version.ts'

type Row = Record<string, unknown>

export const personSql = (alias: string) =>
  `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object('id', ${alias}.id, 'displayName', coalesce(${alias}.display_name, ${alias}.username), 'role', ${alias}.role, 'scopeCode', ${alias}.scope_code) END`

const TEAM_SELECT = `
  SELECT t.id, t.name, t.kind, t.admin_code, u.name AS admin_name, t.version, ${personSql('l')} AS leader,
         coalesce((SELECT json_agg(${personSql('m')} ORDER BY coalesce(m.display_name, m.username), m.id)
                   FROM team_members tm JOIN users m ON m.id = tm.user_id WHERE tm.team_id = t.id), '[]') AS members,
         (SELECT count(*) FROM assignments a WHERE a.team_id = t.id AND a.status = 'open')::int AS open,
         (SELECT count(*) FROM assignments a WHERE a.team_id = t.id AND a.status = 'open' AND a.due_at < now())::int AS overdue,
         (SELECT count(*) FROM assignments a WHERE a.team_id = t.id AND a.status = 'done' AND a.closed_at > now() - interval '7 days')::int AS done_week
  FROM teams t JOIN admin_units u ON u.code = t.admin_code LEFT JOIN users l ON l.id = t.leader_id`

const toTeam = (r: Row): Team => ({
  id: r.id as number,
  name: r.name as string,
  kind: r.kind as Team['kind'],
  adminCode: r.admin_code as string,
  adminName: r.admin_name as string,
  leader: (r.leader as Person | null) ?? null,
  members: r.members as Person[],
  load: { open: r.open as number, overdue: r.overdue as number, doneThisWeek: r.done_week as number },
  version: r.version as number,
})

/** Teams whose area lies in the scope, and the teams the user is a member of. */
export async function listTeams(db: Queryable, scope: Scope, userId: number): Promise<Team[]> {
  const r = await db.query<Row>(
    `${TEAM_SELECT} WHERE ${inScope('t.admin_code', '$1')} OR EXISTS (SELECT 1 FROM team_members x WHERE x.team_id = t.id AND x.user_id = $2)
     ORDER BY t.admin_code, t.name`,
    [scope, userId],
  )
  return r.rows.map(toTeam)
}

export async function getTeam(db: Queryable, id: number, scope: Scope): Promise<Team | null> {
  const r = await db.query<Row>(`${TEAM_SELECT} WHERE t.id = $1 AND ${inScope('t.admin_code', '$2')}`, [id, scope])
  return r.rows[0] ? toTeam(r.rows[0]) : null
}

/** The users a team of `area` may hold: field workers whose own scope covers the whole area. */
async function checkPeople(db: Queryable, ids: readonly number[], area: string, field: string): Promise<void> {
  if (ids.length === 0) return
  const r = await db.query<Row>(`SELECT id, role, scope_code, disabled FROM users WHERE id = ANY($1::bigint[])`, [ids])
  const found = new Map(r.rows.map((u) => [Number(u.id), u]))
  for (const id of ids) {
    const u = found.get(id)
    if (!u || u.disabled) throw new InputError(`no user ${id}`, field, `没有用户 ${id}`, 'no_such_user')
    if (!FIELD_WORKER_ROLES.includes(u.role as Role)) {
      throw new InputError(`user ${id} is ${String(u.role)}; teams hold ${FIELD_WORKER_ROLES.join(', ')}`, field, `用户 ${id} 的角色不能承担外业任务`, 'not_field_worker')
    }
    if (!holds(scopeOf(u.scope_code as string), area)) {
      throw new InputError(`user ${id} works in ${String(u.scope_code)}, which does not cover the team's area ${area}`, field, `用户 ${id} 的工作范围不覆盖该队伍的区域`, 'outside_area')
    }
  }
}

async function checkArea(db: Queryable, code: string, scope: Scope): Promise<void> {
  const r = await db.query(`SELECT 1 FROM admin_units WHERE code = $1`, [code])
  if (r.rowCount === 0 || !holds(scope, code)) throw new InputError(`no admin unit ${code} in your area`, 'adminCode', `您的范围内没有行政区划 ${code}`, 'no_such_unit')
}

async function setMembers(tx: Queryable, teamId: number, memberIds: readonly number[]): Promise<void> {
  await tx.query(`DELETE FROM team_members WHERE team_id = $1`, [teamId])
  await tx.query(`INSERT INTO team_members (team_id, user_id) SELECT $1, unnest($2::bigint[])`, [teamId, memberIds])
}

const memberList = (leaderId: number | null | undefined, memberIds: readonly number[]) =>
  leaderId && !memberIds.includes(leaderId) ? [leaderId, ...memberIds] : [...memberIds]

export async function createTeam(db: Db, input: NewTeamBody, scope: Scope, userId: number): Promise<Team> {
  await checkArea(db, input.adminCode, scope)
  const members = memberList(input.leaderId, input.memberIds)
  await checkPeople(db, members, input.adminCode, 'memberIds')
  const id = await db.transaction(async (tx) => {
    const taken = await tx.query(`SELECT 1 FROM teams WHERE admin_code = $1 AND name = $2`, [input.adminCode, input.name.trim()])
    if (taken.rowCount > 0) throw new InputError(`a team named ${input.name.trim()} already works in ${input.adminCode}`, 'name', '该区域已有同名队伍', 'team_exists')
    const r = await tx.query<{ id: number }>(
      `INSERT INTO teams (name, kind, admin_code, leader_id) VALUES ($1, $2, $3, $4) RETURNING id`,
      [input.name.trim(), input.kind, input.adminCode, input.leaderId ?? null],
    )
    const teamId = r.rows[0]!.id
    await setMembers(tx, teamId, members)
    await tx.query(`INSERT INTO field_history (team_id, user_id, action, after) VALUES ($1, $2, 'create', $3)`, [teamId, userId, JSON.stringify({ ...input, memberIds: members })])
    return teamId
  })
  return (await getTeam(db, id, scope))!
}

export async function editTeam(db: Db, id: number, patch: TeamPatchBody, scope: Scope, expectedVersion: number, userId: number): Promise<Team | null> {
  const current = await getTeam(db, id, scope)
  if (!current) return null
  const area = patch.adminCode ?? current.adminCode
  if (patch.adminCode !== undefined) await checkArea(db, patch.adminCode, scope)
  const leaderId = patch.leaderId === undefined ? current.leader?.id ?? null : patch.leaderId
  const members = memberList(leaderId, patch.memberIds ?? current.members.map((m) => m.id))
  await checkPeople(db, members, area, patch.memberIds ? 'memberIds' : 'adminCode')
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<{ version: number }>(`SELECT version FROM teams WHERE id = $1 FOR UPDATE`, [id])
    const found = r.rows[0]!.version
    if (found !== expectedVersion) return { stale: found }
    if (patch.name !== undefined && patch.name.trim() !== current.name) {
      const taken = await tx.query(`SELECT 1 FROM teams WHERE admin_code = $1 AND name = $2 AND id <> $3`, [area, patch.name.trim(), id])
      if (taken.rowCount > 0) throw new InputError(`a team named ${patch.name.trim()} already works in ${area}`, 'name', '该区域已有同名队伍', 'team_exists')
    }
    await tx.query(
      `UPDATE teams SET name = $2, kind = $3, admin_code = $4, leader_id = $5, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, patch.name?.trim() ?? current.name, patch.kind ?? current.kind, area, leaderId],
    )
    await setMembers(tx, id, members)
    const before = { name: current.name, kind: current.kind, adminCode: current.adminCode, leaderId: current.leader?.id ?? null, memberIds: current.members.map((m) => m.id) }
    await tx.query(`INSERT INTO field_history (team_id, user_id, action, before, after) VALUES ($1, $2, 'edit', $3, $4)`, [id, userId, JSON.stringify(before), JSON.stringify({ ...patch, memberIds: members })])
    return null
  })
  if (outcome) await refuseStaleWrite(db, 'team', { table: 'field_history', key: { team_id: id } }, userId, expectedVersion, outcome.stale, patch)
  return getTeam(db, id, scope)
}

/** The teams a user belongs to. */
export async function teamsOf(db: Queryable, userId: number): Promise<number[]> {
  const r = await db.query<{ team_id: number }>(`SELECT team_id FROM team_members WHERE user_id = $1`, [userId])
  return r.rows.map((x) => x.team_id)
}
