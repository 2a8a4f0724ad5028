import type { Config } from '../config.ts'
import type { Db } from './db.ts'
import { openPgDb } from './pg.db.ts'
import { openPgliteDb } from './pglite.db.ts'

/** DATABASE_URL set: the real server; unset: the embedded database in config.dataDir. */
export function openDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  return config.databaseUrl ? openPgDb(config.databaseUrl) : openPgliteDb({ dataDir: config.dataDir })
}
