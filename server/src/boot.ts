// Getting a database ready to serve: open it, migrate it, and on a first start with sample data
// fill it and create one demo account per role. Shared by the server and the CLI.
//
// The sample generator lives in data/sample, which builds on the server (its db, repos and domain);
// server code never imports it back. The process entry that wants sample data passes a
// SampleLoader in (start.ts and cli.ts at the repository root do).
import { ConfigError, type Config } from './config.ts'
import type { Db } from './db/db.ts'
import { migrate } from './db/migrate.ts'
import { openDb } from './db/open.ts'
import { generatePassword } from './domain/passwords.ts'
import { ROLES, type Role } from './domain/roles.ts'
import { firstChildUnit, getDistrict, hasAdminUnits } from './repos/admin-units.repo.ts'
import { getMeta } from './repos/app-meta.repo.ts'
import { countUsers, createUser } from './repos/users.repo.ts'

export interface BootLog {
  info(message: string): void
}

export type SampleSize = Exclude<Config['sample'], 'none'>

/** What a sample load reports: rows made per table and how long it took. */
export interface SampleSummary {
  counts: Record<string, number>
  ms: number
}

/** Fills an empty, migrated database with the sample district of the given size, in one transaction. */
export type SampleLoader = (db: Db, size: SampleSize, onProgress: (message: string) => void) => Promise<SampleSummary>

/**
 * Opens and migrates the database; on an empty one with CHAIWEI_SAMPLE other than none, loads the
 * sample through loadSample (refused with a ConfigError when the entry gave none).
 */
export async function prepareDatabase(config: Config, log: BootLog, loadSample?: SampleLoader): Promise<Db> {
  const db = await openDb(config)
  try {
    const applied = await migrate(db)
    if (applied.length) log.info(`migrations applied: ${applied.join(', ')}`)
    if (config.sample !== 'none' && !(await hasAdminUnits(db))) {
      if (!loadSample) {
        throw new ConfigError(`CHAIWEI_SAMPLE=${config.sample} asks for sample data in an empty database, but this entry point has no sample generator: start with \`npm start\` (start.ts), or set CHAIWEI_SAMPLE=none`)
      }
      await seedSample(db, config.sample, log, loadSample)
    }
    return db
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
}

export async function seedSample(db: Db, size: SampleSize, log: BootLog, loadSample: SampleLoader): Promise<void> {
  log.info(`loading the ${size} sample district (synthetic geometry; real admin names and codes)…`)
  const summary = await loadSample(db, size, (m) => log.info(`sample: ${m}`))
  log.info(`sample loaded in ${(summary.ms / 1000).toFixed(1)} s: ${Object.entries(summary.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  if ((await countUsers(db)) === 0) {
    const accounts = await createDemoAccounts(db)
    // Printed once, never stored in clear: the only time anyone sees these passwords.
    const lines = accounts.map((a) => `  ${a.username.padEnd(14)} ${a.password}   (${a.role}, scope ${a.scopeCode})`)
    process.stdout.write(`\nDemo accounts, shown only now (username, password):\n${lines.join('\n')}\n\n`)
  }
}

/** One account per role; field and viewer are scoped to a village and a town to show scoping. */
export async function createDemoAccounts(db: Db) {
  const district = await getDistrict(db)
  if (!district) throw new Error('no district loaded; cannot create demo accounts')
  const town = (await firstChildUnit(db, district.code)) ?? district.code
  const village = (await firstChildUnit(db, town)) ?? town
  const scopeFor: Record<Role, string> = { admin: district.code, planner: district.code, analyst: district.code, field: village, viewer: town }
  const accounts = []
  for (const role of ROLES) {
    const password = generatePassword()
    const user = await createUser(db, { username: `demo-${role}`, password, role, scopeCode: scopeFor[role], displayName: `演示${role}` })
    accounts.push({ ...user, password })
  }
  return accounts
}

export async function sampleInfo(db: Db) {
  return getMeta<{ size: string; counts: Record<string, number> }>(db, 'sample')
}
