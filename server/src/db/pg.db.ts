// The real PostgreSQL + PostGIS server, through a pg pool.
import pg from 'pg'
import { DbStartupError, valueParsers, type Db, type Queryable, type QueryOptions, type QueryResult } from './db.ts'

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const parse = valueParsers[oid]
    return parse ?? pg.types.getTypeParser(oid, format)
  },
}

/** "postgres://user:secret@host:5432/db" without the password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'DATABASE_URL (unparseable)'
  }
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const values = params as unknown[] | undefined
      const r = options?.prepareAs ? await client.query({ name: options.prepareAs, text: sql, values }) : await client.query(sql, values)
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 }
    },
    async exec(sql: string) {
      await client.query(sql) // no parameters: simple protocol, several statements allowed
    },
  }
}

export interface PgDbOptions {
  statementTimeoutMs?: number
  max?: number
  /** How long to wait for a connection (default 10 s; a read replica waits less: the primary can answer). */
  connectionTimeoutMs?: number
  /** false: no check at opening (a read replica may be down now and come back later). */
  check?: boolean
}

export async function openPgDb(url: string, opts: PgDbOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    types,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    // An interactive app runs many short statements at once: JIT compilation (tens of ms) and
    // parallel workers (started per statement) cost more than they save for it (decision 77).
    options: '-c jit=off -c max_parallel_workers_per_gather=0',
  })
  pool.on('error', () => {
    /* an idle client died (server restart); the pool replaces it on next use */
  })
  if (opts.check !== false) await checkPostgis(pool, url)
  return pgDb(pool)
}

async function checkPostgis(pool: pg.Pool, url: string): Promise<void> {
  try {
    const r = await pool.query<{ postgis: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') AS postgis",
    )
    if (!r.rows[0]?.postgis) {
      await pool.end()
      throw new DbStartupError(
        `the PostgreSQL server at ${redactUrl(url)} has no PostGIS extension available; install PostGIS 3 there (Debian: postgresql-15-postgis-3)`,
      )
    }
  } catch (err) {
    if (err instanceof DbStartupError) throw err
    await pool.end().catch(() => {})
    const e = err as Error & { code?: string }
    throw new DbStartupError(`cannot use the database at ${redactUrl(url)}: ${e.code ? `${e.code} ` : ''}${e.message}`)
  }
}

function pgDb(pool: pg.Pool): Db {
  const base = wrap(pool)
  return {
    kind: 'postgis',
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
}
