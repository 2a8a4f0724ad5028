import type { Queryable } from './db.ts'

/** The cheapest round trip: resolves when the database answers, throws when it does not. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1')
}
