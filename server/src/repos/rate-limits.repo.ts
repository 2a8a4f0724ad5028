// Rate-limit counters shared by every app process (migration 020; the store that uses them is
// http/rate-limit-store.ts). Times are the database's clock, so processes on several machines agree
// on when a window ends. Callers pass the primary: these statements write (or must see the writes).
import type { Queryable } from '../db/db.ts'

export interface RateLimitCount {
  /** Hits in the current window, this one included. */
  hits: number
  /** Milliseconds until the window ends. */
  ttlMs: number
}

const TTL_MS = `greatest(0, ceil(extract(epoch FROM resets_at - now()) * 1000))::bigint`

/**
 * Counts one hit of `client` on `bucket` and returns the count in the window: one statement, so two
 * processes counting at once both count (the second waits for the first's row and adds to it).
 * A window that has passed starts again at 1 for `windowMs`.
 */
export async function countRateLimitHit(db: Queryable, bucket: string, client: string, windowMs: number): Promise<RateLimitCount> {
  const r = await db.query<{ hits: number; ttl_ms: number }>(
    `INSERT INTO rate_limit_hits AS h (bucket, client, hits, resets_at)
     VALUES ($1, $2, 1, now() + $3::double precision * interval '1 millisecond')
     ON CONFLICT (bucket, client) DO UPDATE SET
       hits = CASE WHEN h.resets_at <= now() THEN 1 ELSE least(h.hits, 2147483646) + 1 END,
       resets_at = CASE WHEN h.resets_at <= now() THEN EXCLUDED.resets_at ELSE h.resets_at END
     RETURNING hits, ${TTL_MS} AS ttl_ms`,
    [bucket, client, windowMs],
    { prepareAs: 'rate_limit_hit' },
  )
  const row = r.rows[0]!
  return { hits: row.hits, ttlMs: row.ttl_ms }
}

/** The count in the current window without counting (0 and 0 when there is none). */
export async function readRateLimitHits(db: Queryable, bucket: string, client: string): Promise<RateLimitCount> {
  const r = await db.query<{ hits: number; ttl_ms: number }>(
    `SELECT hits, ${TTL_MS} AS ttl_ms FROM rate_limit_hits WHERE bucket = $1 AND client = $2 AND resets_at > now()`,
    [bucket, client],
  )
  const row = r.rows[0]
  return row ? { hits: row.hits, ttlMs: row.ttl_ms } : { hits: 0, ttlMs: 0 }
}

/** Deletes the counters whose window has passed; returns how many. */
export async function pruneRateLimitHits(db: Queryable): Promise<number> {
  return (await db.query(`DELETE FROM rate_limit_hits WHERE resets_at <= now()`)).rowCount
}
