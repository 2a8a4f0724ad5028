import type { Config } from '../config.ts'
import { DbStartupError, type Db } from './db.ts'
import { openPgDb, redactUrl } from './pg.db.ts'
import { openPgliteDb } from './pglite.db.ts'
import { RoutingDb, type RoutingLog } from './routing.db.ts'

/** DATABASE_URL set: the real server; unset: the embedded database in config.dataDir. */
export function openDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  return config.databaseUrl ? openPgDb(config.databaseUrl) : openPgliteDb({ dataDir: config.dataDir })
}

const stderrLog: RoutingLog = {
  warn: (obj, msg) => process.stderr.write(`chaiwei: ${msg} ${JSON.stringify(obj)}\n`),
}

/**
 * With DATABASE_READ_URL: the primary and its read replica behind one Db (db/routing.db.ts).
 * A replica that is not a standby of this very primary refuses to start (reads would silently come
 * from another database); one that cannot be reached now is only warned about: reads use the
 * primary until it answers.
 */
export async function withReadReplica(primary: Db, config: Pick<Config, 'databaseReadUrl'>, log: RoutingLog = stderrLog): Promise<Db> {
  if (!config.databaseReadUrl) return primary
  const replica = await openPgDb(config.databaseReadUrl, { check: false, connectionTimeoutMs: 2000 })
  try {
    await checkReplica(primary, replica, config.databaseReadUrl)
  } catch (err) {
    if (err instanceof DbStartupError) {
      await replica.close().catch(() => {})
      throw err
    }
    const e = err as Error & { code?: string }
    log.warn({ code: e.code, reason: e.message }, `the read replica at ${redactUrl(config.databaseReadUrl)} does not answer; reads use the primary until it does`)
  }
  return new RoutingDb(primary, replica, { log })
}

interface Identity {
  standby: boolean
  database: string
  system: string | null
}

const IDENTITY = `SELECT pg_is_in_recovery() AS standby, current_database() AS database,
  (SELECT system_identifier::text FROM pg_control_system()) AS system`

async function checkReplica(primary: Db, replica: Db, url: string): Promise<void> {
  const [p, r] = await Promise.all([primary.query<Identity>(IDENTITY), replica.query<Identity>(IDENTITY)])
  const want = p.rows[0]!
  const got = r.rows[0]!
  const where = `DATABASE_READ_URL (${redactUrl(url)})`
  if (!got.standby) throw new DbStartupError(`${where} is not a hot standby (pg_is_in_recovery() is false); point it at a streaming replica of DATABASE_URL`)
  if (want.system !== null && got.system !== null && want.system !== got.system) {
    throw new DbStartupError(`${where} is a standby of another server (system identifier ${got.system}, DATABASE_URL's is ${want.system})`)
  }
  if (want.database !== got.database) throw new DbStartupError(`${where} names the database ${got.database}; DATABASE_URL names ${want.database}`)
}
