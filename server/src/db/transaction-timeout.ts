// A long write (an import's commit) gets its own statement timeout for its transaction instead of
// the pool's. Only the real server has one to lift: PGlite runs statements without a timeout.
import type { Db, Queryable } from './db.ts'

export async function setTransactionTimeout(db: Db, tx: Queryable, ms: number): Promise<void> {
  if (db.kind === 'postgis') await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [`${Math.max(1, Math.round(ms))}ms`])
}
