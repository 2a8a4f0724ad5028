// CAPTCHA challenges, kept in the database so that any app process can check an answer. A challenge
// is answered once: right or wrong, it is spent, so each guess costs a new challenge.
import { createHash, randomUUID } from 'node:crypto'
import type { Queryable } from '../db/db.ts'

const LIFETIME_MS = 10 * 60_000
const hashOf = (id: string, answer: string) => createHash('sha256').update(`${id}:${answer.trim().toLowerCase()}`).digest('hex')

export async function newChallenge(db: Queryable, answer: string, now = new Date()): Promise<{ id: string; expiresAt: string }> {
  const id = randomUUID()
  const expiresAt = new Date(now.getTime() + LIFETIME_MS).toISOString()
  // expired challenges go as new ones come: the table stays the size of ten minutes of traffic
  await db.query(`DELETE FROM captcha_challenges WHERE expires_at < $1`, [now.toISOString()])
  await db.query(`INSERT INTO captcha_challenges (id, answer_hash, expires_at) VALUES ($1, $2, $3)`, [id, hashOf(id, answer), expiresAt])
  return { id, expiresAt }
}

export type ChallengeOutcome = 'passed' | 'wrong' | 'unknown'

/** Spends the challenge and says whether the answer was right; unknown: never issued, expired or spent. */
export async function answerChallenge(db: Queryable, id: string, answer: string, now = new Date()): Promise<ChallengeOutcome> {
  const r = await db.query<{ answer_hash: string }>(
    `UPDATE captcha_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at >= $2 RETURNING answer_hash`,
    [id, now.toISOString()],
  )
  const row = r.rows[0]
  if (!row) return 'unknown'
  return row.answer_hash === hashOf(id, answer) ? 'passed' : 'wrong'
}
