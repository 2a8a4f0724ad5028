// Embedded PostgreSQL (PGlite, WASM) with its PostGIS build: the zero-setup backend.
// Its PostGIS has no protobuf, so ST_AsMVT is missing here; the tile code encodes in JS on this backend.
import { mkdirSync } from 'node:fs'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { DbStartupError, valueParsers, type Db, type Queryable, type QueryResult } from './db.ts'

function wrap(conn: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await conn.query<R>(sql, params as unknown[] | undefined)
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }
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

export async function openPgliteDb(source: PgliteSource): Promise<Db> {
  if (source.dataDir) mkdirSync(source.dataDir, { recursive: true })
  let pg: PGlite
  try {
    pg = await PGlite.create({
      ...(source.dataDir ? { dataDir: source.dataDir } : {}),
      ...(source.snapshot ? { loadDataDir: source.snapshot } : {}),
      extensions: { postgis },
      parsers: valueParsers,
    })
  } catch (err) {
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
    },
    // Exposed for the test harness, which snapshots a migrated database once and loads it per test.
    dump: () => pg.dumpDataDir('none'),
  } as Db & { dump: () => Promise<Blob | File> }
}
