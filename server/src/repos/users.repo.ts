// Users and their sessions. Session tokens are random; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/db.ts'
import { hashPassword, passwordProblem, verifyPassword } from '../domain/passwords.ts'
import type { Role } from '../domain/roles.ts'
import { InputError, Refusal } from '../domain/errors.ts'
import type { User } from '../schemas/map.schema.ts'

export type { User }

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

export class DuplicateUserError extends Refusal {
  constructor(message: string) {
    super('conflict', message, { code: 'user_exists', field: 'username' })
  }
}

/** A password the policy refuses (domain/passwords.ts passwordProblem). */
export class WeakPasswordError extends InputError {
  constructor(zh: string, en: string) {
    super(en, 'password', zh, 'weak_password')
  }
}

/** Consecutive failed sign-ins that lock an account, and for how long. */
export const SIGN_IN_LOCKOUT = { failures: 5, minutes: 15 } as const

export interface NewUser {
  username: string
  password: string
  role: Role
  scopeCode: string
  displayName?: string
}

export async function createUser(db: Queryable, u: NewUser): Promise<User> {
  const weak = passwordProblem(u.password, u.username)
  if (weak) throw new WeakPasswordError(weak.zh, weak.en)
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

export type SignIn = { user: User } | { locked: Date } | null

/**
 * The user when the password matches an enabled, unlocked account; `locked` while the account is
 * locked; else null (one answer for a wrong password and an unknown user). SIGN_IN_LOCKOUT.failures
 * wrong passwords in a row lock the account for SIGN_IN_LOCKOUT.minutes; a right one resets the count.
 */
export async function authenticate(db: Queryable, username: string, password: string): Promise<SignIn> {
  const r = await db.query<UserRow & { password_hash: string; locked_until: Date | null }>(
    `SELECT id, username, display_name, role, scope_code, password_hash,
            CASE WHEN locked_until > now() THEN locked_until END AS locked_until
     FROM users WHERE lower(username) = lower($1) AND NOT disabled`,
    [username],
  )
  const row = r.rows[0]
  if (!row) return null
  if (row.locked_until) return { locked: new Date(row.locked_until) }
  if (await verifyPassword(password, row.password_hash)) {
    await db.query('UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1 AND failed_sign_ins > 0', [row.id])
    return { user: toUser(row) }
  }
  const failed = await db.query<{ locked_until: Date | null }>(
    // a lock that has run out starts the count again
    `UPDATE users u SET failed_sign_ins = c.n, locked_until = CASE WHEN c.n >= $2 THEN now() + make_interval(mins => $3) END
     FROM (SELECT CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_sign_ins + 1 END AS n FROM users WHERE id = $1) c
     WHERE u.id = $1 RETURNING u.locked_until`,
    [row.id, SIGN_IN_LOCKOUT.failures, SIGN_IN_LOCKOUT.minutes],
  )
  const locked = failed.rows[0]?.locked_until
  return locked ? { locked: new Date(locked) } : null
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
