import type { Queryable } from '../db/db.ts'

export async function getMeta<T>(db: Queryable, key: string): Promise<T | null> {
  const r = await db.query<{ value: T }>('SELECT value FROM app_meta WHERE key = $1', [key])
  return r.rows[0]?.value ?? null
}

export async function setMeta(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO app_meta (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  )
}
