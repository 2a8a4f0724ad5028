// A fresh database per test file, on the backend the run asks for:
//  * DATABASE_URL unset: an in-memory PGlite loaded from a migrated (and optionally seeded)
//    snapshot, built once per change of migrations/sample code and cached in the OS temp folder;
//  * DATABASE_URL set: a new database cloned from a template database built the same way,
//    dropped when the test closes it;
//  * DATABASE_READ_URL set too (a hot standby of DATABASE_URL's server): that database behind a
//    RoutingDb whose replica is the same database on the standby, once the standby has it.
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
import { parseLsn, RoutingDb } from '../../server/src/db/routing.db.ts'

export type Fixture = 'schema' | 'tiny'

const ROOT = resolve(import.meta.dirname, '../..')
export const DATABASE_URL = process.env.DATABASE_URL || undefined
export const BACKEND = DATABASE_URL ? 'postgis' : 'pglite'
/** A hot standby of DATABASE_URL's server: the per-test databases are read there too. */
export const DATABASE_READ_URL = (DATABASE_URL && process.env.DATABASE_READ_URL) || undefined

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

function urlFor(database: string, server = DATABASE_URL!): string {
  const u = new URL(server)
  u.pathname = `/${database}`
  return u.toString()
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Resolves with the primary's position once the standby has replayed everything the primary had
 * written when called; after timeoutMs it throws, or with soft, resolves all the same.
 */
export async function replicaCaughtUp(primary: Db, replica: Db, timeoutMs = 30_000, soft = false): Promise<string> {
  const text = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn
  const target = parseLsn(text)!
  const until = Date.now() + timeoutMs
  for (;;) {
    const at = (await replica.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn')).rows[0]?.lsn
    if (at && parseLsn(at)! >= target) return text
    if (Date.now() > until) {
      if (soft) return text
      throw new Error(`the read replica did not replay to ${text} within ${timeoutMs} ms (it is at ${at})`)
    }
    await sleep(2)
  }
}

/** The database `name` on the standby, once the standby has it (a replica sees only what was committed). */
async function onReplica(primary: Db, name: string): Promise<Db> {
  const server = await openPgDb(urlFor('postgres', DATABASE_READ_URL), { max: 1, check: false })
  try {
    await replicaCaughtUp(primary, server)
  } finally {
    await server.close()
  }
  return openPgDb(urlFor(name, DATABASE_READ_URL), { max: 4, check: false, connectionTimeoutMs: 2000 })
}

/** With DATABASE_READ_URL: the test database behind a RoutingDb reading from the standby. */
async function withReplica(primary: Db, name: string): Promise<Db> {
  if (!DATABASE_READ_URL) return primary
  const replica = await onReplica(primary, name)
  // a warning here is a test's business (a GET that writes): printed, the test's own assertions decide
  return new RoutingDb(primary, replica, { log: { warn: (obj, msg) => process.stderr.write(`read routing: ${msg} ${JSON.stringify(obj)}\n`) } })
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

/**
 * Creates database `name` as a copy of the fixture's template, building the template first if this
 * version of the migrations and sample has none. Runs under one advisory lock, so a test run of
 * another version (which drops templates it does not use) cannot drop the template between the
 * check and the copy.
 */
async function copyOfTemplate(fixture: Fixture, name: string): Promise<void> {
  const template = `chaiwei_tpl_${fixture}_${fixtureHash(fixture)}`
  await admin(async (c) => {
    await c.query('SELECT pg_advisory_lock(727100002)')
    try {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])
      if (!exists.rowCount) await buildTemplate(c, fixture, template)
      await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
    } finally {
      await c.query('SELECT pg_advisory_unlock(727100002)')
    }
  })
}

async function buildTemplate(c: pg.Client, fixture: Fixture, template: string): Promise<void> {
  // templates of older migrations are dead weight; drop those nobody is using
  const stale = await c.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2`, [`chaiwei_tpl_${fixture}_%`, template])
  for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => {})
  await c.query(`CREATE DATABASE ${template}`)
  const db = await openPgDb(urlFor(template), { max: 2 })
  try {
    await fill(db, fixture)
  } catch (err) {
    await db.close()
    await c.query(`DROP DATABASE ${template}`)
    throw err
  }
  await db.close()
}

export async function freshDb(fixture: Fixture = 'tiny', backend: 'pglite' | 'postgis' = BACKEND): Promise<Db> {
  if (backend === 'postgis' && !DATABASE_URL) throw new Error('this test needs DATABASE_URL: a PostgreSQL server with PostGIS')
  if (backend === 'pglite') {
    const file = await snapshotFile(fixture)
    return openPgliteDb({ snapshot: new Blob([readFileSync(file)]) })
  }
  return (await freshServerDatabase(fixture)).db
}

/**
 * A new database on the real server, with the URLs a separate process (a server started by a test)
 * opens it by; db drops it when closed.
 */
export async function freshServerDatabase(fixture: Fixture = 'tiny'): Promise<{ db: Db; url: string; readUrl: string | undefined }> {
  if (!DATABASE_URL) throw new Error('this test needs DATABASE_URL: a PostgreSQL server with PostGIS')
  const name = `chaiwei_t_${randomBytes(6).toString('hex')}`
  await copyOfTemplate(fixture, name)
  const db = await openPgDb(urlFor(name), { max: 4 })
  const routed = await withReplica({
    ...db,
    async close() {
      await db.close()
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`))
    },
  }, name)
  return { db: routed, url: urlFor(name), readUrl: DATABASE_READ_URL && urlFor(name, DATABASE_READ_URL) }
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
