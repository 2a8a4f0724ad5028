// Idempotency keys of writes (http/idempotency.ts): a key is claimed before the write runs and
// holds the first answer once it is sent, so a replay gets that answer instead of a second write.
import type { Queryable } from '../db/db.ts'

export interface StoredAnswer {
  method: string
  url: string
  /** null while the first request is still running */
  status: number | null
  contentType: string | null
  body: string | null
  etag: string | null
  ageMs: number
}

/** How long keys are kept: longer than any phone stays offline with a queue. */
const KEEP = '30 days'

/** Claims the key for this request; null when claimed, else what the key already holds. */
export async function claimKey(db: Queryable, userId: number, key: string, method: string, url: string): Promise<StoredAnswer | null> {
  const r = await db.query(
    `INSERT INTO idempotent_requests (user_id, key, method, url) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
    [userId, key, method, url],
  )
  if (r.rowCount > 0) {
    await db.query(`DELETE FROM idempotent_requests WHERE user_id = $1 AND created_at < now() - interval '${KEEP}'`, [userId])
    return null
  }
  const s = await db.query<Record<string, unknown>>(
    `SELECT method, url, status, content_type, body, etag, (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms
     FROM idempotent_requests WHERE user_id = $1 AND key = $2`,
    [userId, key],
  )
  const row = s.rows[0]
  if (!row) return claimKey(db, userId, key, method, url) // released between the two statements
  return {
    method: row.method as string, url: row.url as string, status: row.status as number | null,
    contentType: row.content_type as string | null, body: row.body as string | null, etag: row.etag as string | null, ageMs: row.age_ms as number,
  }
}

export async function storeAnswer(db: Queryable, userId: number, key: string, a: { status: number; contentType: string | null; body: string | null; etag: string | null }): Promise<void> {
  await db.query(
    `UPDATE idempotent_requests SET status = $3, content_type = $4, body = $5, etag = $6 WHERE user_id = $1 AND key = $2`,
    [userId, key, a.status, a.contentType, a.body, a.etag],
  )
}

/** Frees a key whose request failed on the server (5xx), so a retry runs it again. */
export async function releaseKey(db: Queryable, userId: number, key: string): Promise<void> {
  await db.query(`DELETE FROM idempotent_requests WHERE user_id = $1 AND key = $2`, [userId, key])
}
