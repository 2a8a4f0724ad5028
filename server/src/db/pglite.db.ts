// Embedded PostgreSQL (PGlite, WASM) with its PostGIS build: the zero-setup backend.
// Its PostGIS has no protobuf, so ST_AsMVT is missing here; the tile code encodes in JS on this backend.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { DbStartupError, valueParsers, type Db, type Queryable, type QueryResult } from './db.ts'

function wrap(conn: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await conn.query<R>(sql, params as unknown[] | undefined)
      // pg's rowCount counts returned rows for SELECT and touched rows for writes; PGlite reports
      // affectedRows = 0 for a SELECT, so returned rows win when there are any.
      return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0) }
    },
    async exec(sql: string) {
      await conn.exec(sql)
    },
  }
}

export interface PgliteSource {
  /** A folder to persist in; undefined keeps the database in memory. */
  dataDir?: string
  /** A data-dir tarball (PGlite.dumpDataDir) to start from: tests load a migrated snapshot this way. */
  snapshot?: Blob | File
}

/**
 * PGlite is one process's database: a second process on the same folder would corrupt it.
 * A lock file beside the folder holds the owner's pid; a stale one (dead pid) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'))
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new DbStartupError(`the embedded database in ${dataDir} is in use by process ${pid}; stop it first`)
    }
  } catch (err) {
    if (err instanceof DbStartupError) throw err
  }
  writeFileSync(lockFile, String(process.pid))
  return () => rmSync(lockFile, { force: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function openPgliteDb(source: PgliteSource): Promise<Db> {
  let unlock = () => {}
  if (source.dataDir) {
    mkdirSync(source.dataDir, { recursive: true })
    unlock = lockDataDir(source.dataDir)
  }
  let pg: PGlite
  try {
    pg = await PGlite.create({
      ...(source.dataDir ? { dataDir: source.dataDir } : {}),
      ...(source.snapshot ? { loadDataDir: source.snapshot } : {}),
      extensions: { postgis },
      parsers: valueParsers,
    })
  } catch (err) {
    unlock()
    throw new DbStartupError(`cannot open the embedded database in ${source.dataDir ?? 'memory'}: ${(err as Error).message}`)
  }
  const base = wrap(pg)
  return {
    kind: 'pglite',
    ...base,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrap(tx)))
    },
    async close() {
      await pg.close()
      unlock()
    },
    // Exposed for the test harness, which snapshots a migrated database once and loads it per test.
    dump: () => pg.dumpDataDir('none'),
  } as Db & { dump: () => Promise<Blob | File> }
}
