// Users and their sessions. Session tokens are random; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/db.ts'
import { hashPassword, verifyPassword } from '../domain/passwords.ts'
import type { Role } from '../domain/roles.ts'

export interface User {
  id: number
  username: string
  displayName: string
  role: Role
  scopeCode: string
}

interface UserRow {
  id: number
  username: string
  display_name: string
  role: Role
  scope_code: string
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  scopeCode: r.scope_code,
})

export class DuplicateUserError extends Error {}

export interface NewUser {
  username: string
  password: string
  role: Role
  scopeCode: string
  displayName?: string
}

export async function createUser(db: Queryable, u: NewUser): Promise<User> {
  const hash = await hashPassword(u.password)
  try {
    const r = await db.query<UserRow>(
      `INSERT INTO users (username, display_name, role, scope_code, password_hash)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING id, username, display_name, role, scope_code`,
      [u.username, u.displayName ?? u.username, u.role, u.scopeCode, hash],
    )
    return toUser(r.rows[0]!)
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new DuplicateUserError(`user ${u.username} already exists`)
    throw err
  }
}

export async function countUsers(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')
  return r.rows[0]!.n
}

/** The user when the password matches an enabled account, else null (one answer for both cases). */
export async function authenticate(db: Queryable, username: string, password: string): Promise<User | null> {
  const r = await db.query<UserRow & { password_hash: string }>(
    `SELECT id, username, display_name, role, scope_code, password_hash
     FROM users WHERE lower(username) = lower($1) AND NOT disabled`,
    [username],
  )
  const row = r.rows[0]
  if (!row) return null
  return (await verifyPassword(password, row.password_hash)) ? toUser(row) : null
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')

export async function openSession(db: Queryable, userId: number, hours: number): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (token_hash, user_id, expires_at)
     VALUES ($1, $2, now() + make_interval(hours => $3)) RETURNING expires_at`,
    [tokenHash(token), userId, hours],
  )
  return { token, expiresAt: r.rows[0]!.expires_at }
}

export async function userForSession(db: Queryable, token: string): Promise<User | null> {
  const r = await db.query<UserRow>(
    `SELECT u.id, u.username, u.display_name, u.role, u.scope_code
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [tokenHash(token)],
  )
  return r.rows[0] ? toUser(r.rows[0]) : null
}

export async function closeSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash(token)])
}
