// A fresh database per test file, on the backend the run asks for:
//  * DATABASE_URL unset: an in-memory PGlite loaded from a migrated (and optionally seeded)
//    snapshot, built once per change of migrations/sample code and cached in the OS temp folder;
//  * DATABASE_URL set: a new database cloned from a template database built the same way,
//    dropped when the test closes it.
// No test shares mutable state with another.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import type { Db } from '../../server/src/db/db.ts'
import { migrate, MIGRATIONS_DIR } from '../../server/src/db/migrate.ts'
import { openPgDb } from '../../server/src/db/pg.db.ts'
import { openPgliteDb } from '../../server/src/db/pglite.db.ts'

export type Fixture = 'schema' | 'tiny'

const ROOT = resolve(import.meta.dirname, '../..')
export const DATABASE_URL = process.env.DATABASE_URL || undefined
export const BACKEND = DATABASE_URL ? 'postgis' : 'pglite'

/** Changes whenever what a snapshot holds could change. */
function fixtureHash(fixture: Fixture): string {
  const h = createHash('sha256').update(fixture)
  // the numbered migrations and the function files; for tiny, the generator and the server code it draws with
  const dirs = [MIGRATIONS_DIR, join(MIGRATIONS_DIR, 'functions'), ...(fixture === 'tiny' ? [join(ROOT, 'data/sample'), join(ROOT, 'server/src/imagery')] : [])]
  for (const dir of dirs) {
    for (const f of readdirSync(dir).sort()) {
      if (/\.(sql|ts)$/.test(f)) h.update(f).update(readFileSync(join(dir, f)))
    }
  }
  return h.digest('hex').slice(0, 16)
}

async function fill(db: Db, fixture: Fixture) {
  await migrate(db)
  if (fixture === 'tiny') {
    // imported here so schema-only tests do not load the generator
    const { loadSample } = await import('../../data/sample/load-sample.ts')
    await loadSample(db, 'tiny')
  }
}

// ---- embedded ----

const SNAPSHOT_DIR = join(tmpdir(), 'chaiwei-test-snapshots')

async function withFileLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch {
      // another test process is building the same snapshot; a lock older than 5 minutes is stale
      if (Date.now() - statSync(lockDir, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lockDir, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

async function snapshotFile(fixture: Fixture): Promise<string> {
  mkdirSync(SNAPSHOT_DIR, { recursive: true })
  const file = join(SNAPSHOT_DIR, `${fixture}-${fixtureHash(fixture)}.tar`)
  if (existsSync(file)) return file
  return withFileLock(`${file}.lock`, async () => {
    if (existsSync(file)) return file
    const db = (await openPgliteDb({})) as Db & { dump(): Promise<Blob> }
    await fill(db, fixture)
    const blob = await db.dump()
    await db.close()
    writeFileSync(`${file}.tmp`, Buffer.from(await blob.arrayBuffer()))
    renameSync(`${file}.tmp`, file)
    return file
  })
}

// ---- real server ----

function urlFor(database: string): string {
  const u = new URL(DATABASE_URL!)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: DATABASE_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function templateDatabase(fixture: Fixture): Promise<string> {
  const name = `chaiwei_tpl_${fixture}_${fixtureHash(fixture)}`
  await admin(async (c) => {
    await c.query('SELECT pg_advisory_lock(727100002)')
    try {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (exists.rowCount) return
      // templates of older migrations are dead weight; drop those nobody is using
      const stale = await c.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2`, [`chaiwei_tpl_${fixture}_%`, name])
      for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => {})
      await c.query(`CREATE DATABASE ${name}`)
      const db = await openPgDb(urlFor(name), { max: 2 })
      try {
        await fill(db, fixture)
      } catch (err) {
        await db.close()
        await c.query(`DROP DATABASE ${name}`)
        throw err
      }
      await db.close()
    } finally {
      await c.query('SELECT pg_advisory_unlock(727100002)')
    }
  })
  return name
}

export async function freshDb(fixture: Fixture = 'tiny', backend: 'pglite' | 'postgis' = BACKEND): Promise<Db> {
  if (backend === 'postgis' && !DATABASE_URL) throw new Error('this test needs DATABASE_URL: a PostgreSQL server with PostGIS')
  if (backend === 'pglite') {
    const file = await snapshotFile(fixture)
    return openPgliteDb({ snapshot: new Blob([readFileSync(file)]) })
  }
  const template = await templateDatabase(fixture)
  const name = `chaiwei_t_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
  const db = await openPgDb(urlFor(name), { max: 4 })
  return {
    ...db,
    async close() {
      await db.close()
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`))
    },
  }
}

/** A database with nothing in it (not even PostGIS installed): for migration-runner tests. */
export async function emptyDb(): Promise<Db> {
  if (!DATABASE_URL) return openPgliteDb({})
  const name = `chaiwei_e_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  const db = await openPgDb(urlFor(name), { max: 2 })
  return {
    ...db,
    async close() {
      await db.close()
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`))
    },
  }
}
