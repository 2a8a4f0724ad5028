// Applies migrations/NNN_name.sql in order, each in its own transaction, and records them.
// A failure rolls that file back whole and throws naming the file; applied files must not change.
// Then the function files, migrations/functions/*.sql: logic that lives in the database (the
// 四道六边 geometry, its triggers' functions) as CREATE OR REPLACE statements, applied again
// whenever their text changes, so it is edited in place instead of by copying it into a new
// numbered file. They run after every numbered file and must only (re)define functions.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
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

const FUNCTION_FILE = /^[a-z0-9_]+\.sql$/
/** Function files are recorded in schema_migrations under this prefix. */
const FUNCTIONS = 'functions/'

/** migrations/functions/*.sql, by name (none when the folder is absent). */
export function readFunctionFiles(dir = MIGRATIONS_DIR): Migration[] {
  const folder = join(dir, 'functions')
  if (!existsSync(folder)) return []
  return readdirSync(folder).filter((f) => f.endsWith('.sql')).sort().map((name) => {
    if (!FUNCTION_FILE.test(name)) throw new MigrationError(`function file ${name}: name it like buffer_zones.sql (lower case, digits, underscores)`)
    const sql = readFileSync(join(folder, name), 'utf8')
    return { name: `${FUNCTIONS}${name}`, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  })
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
    if (name.startsWith(FUNCTIONS)) continue
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
  for (const f of readFunctionFiles(dir)) {
    if (applied.get(f.name) === f.checksum) continue
    try {
      const ran = await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
        const again = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1 AND checksum = $2', [f.name, f.checksum])
        if (again.rowCount > 0) return false
        await tx.exec(f.sql)
        await tx.query(
          `INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
          [f.name, f.checksum],
        )
        return true
      })
      if (ran) done.push(f.name)
    } catch (err) {
      throw new MigrationError(`function file ${f.name} failed and was rolled back: ${(err as Error).message}`)
    }
  }
  return done
}
