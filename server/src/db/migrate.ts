// Applies migrations/NNN_name.sql in order, each in its own transaction, and records them.
// A failure rolls that file back whole and throws naming the file; applied files must not change.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Db } from './db.ts'

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../../migrations')
const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/
// Serialises concurrent migrators (two app processes starting at once against one server).
const LOCK_KEY = 727_100_001

export class MigrationError extends Error {}

export interface Migration {
  name: string
  sql: string
  checksum: string
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const names = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Set<string>()
  return names.map((name) => {
    const m = FILE_NAME.exec(name)
    if (!m) throw new MigrationError(`migration ${name}: file name must look like 001_name.sql (lower case, digits, underscores)`)
    if (seen.has(m[1]!)) throw new MigrationError(`migration ${name}: number ${m[1]} is used twice`)
    seen.add(m[1]!)
    const sql = readFileSync(join(dir, name), 'utf8')
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  })
}

/** Returns the names applied by this call (empty when the schema is current). */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir)
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
  const applied = new Map(
    (await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [r.name, r.checksum]),
  )
  for (const [name, checksum] of applied) {
    const file = migrations.find((m) => m.name === name)
    if (!file) throw new MigrationError(`migration ${name} is recorded in the database but its file is missing from migrations/`)
    if (file.checksum !== checksum) throw new MigrationError(`migration ${name} was changed after it was applied; add a new migration instead`)
  }
  const done: string[] = []
  for (const m of migrations) {
    if (applied.has(m.name)) continue
    try {
      const ran = await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
        const again = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [m.name])
        if (again.rowCount > 0) return false // another process applied it while we waited
        await tx.exec(m.sql)
        await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum])
        return true
      })
      if (ran) done.push(m.name)
    } catch (err) {
      throw new MigrationError(`migration ${m.name} failed and was rolled back: ${(err as Error).message}`)
    }
  }
  return done
}
