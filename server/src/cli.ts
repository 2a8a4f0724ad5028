// Operator commands:
//   migrate                                   apply pending migrations
//   seed [tiny|demo|city]                     load sample data into an empty database
//   create-user --username U --role R [--scope CODE] [--display-name N] [--password-stdin]
// A real deployment creates its first admin with create-user; without --password-stdin a
// password is generated and printed once.
// `npm run migrate|seed|user:create` run cli.ts at the repository root, which calls runCli with the
// sample generator (data/sample); run directly, this file does everything but seed.
import { parseArgs } from 'node:util'
import { text } from 'node:stream/consumers'
import { ConfigError, loadConfig } from './config.ts'
import { DbStartupError } from './db/db.ts'
import { migrate, MigrationError } from './db/migrate.ts'
import { openDb } from './db/open.ts'
import { generatePassword } from './domain/passwords.ts'
import { isAdminCode, isRole, ROLES } from './domain/roles.ts'
import { adminUnitExists, getDistrict, hasAdminUnits } from './repos/admin-units.repo.ts'
import { createUser, DuplicateUserError, WeakPasswordError } from './repos/users.repo.ts'
import { seedSample, type SampleLoader } from './boot.ts'
import { isProcessEntry } from './process-entry.ts'

export interface CliOptions {
  /** What `seed` loads with; absent: seed is refused. */
  loadSample?: SampleLoader
}

class UsageError extends Error {}

const log = { info: (m: string) => process.stdout.write(`${m}\n`) }

async function run(argv: string[], options: CliOptions) {
  const [command, ...rest] = argv
  const config = loadConfig()
  if (command !== 'migrate' && command !== 'seed' && command !== 'create-user') {
    throw new UsageError('usage: cli.ts migrate | seed [tiny|demo|city] | create-user --username U --role R [--scope CODE] [--password-stdin]')
  }
  const db = await openDb(config)
  try {
    const applied = await migrate(db)
    log.info(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema is current')
    if (command === 'seed') {
      const size = rest[0] ?? 'demo'
      if (size !== 'tiny' && size !== 'demo' && size !== 'city') throw new UsageError(`unknown sample size ${size}; use tiny, demo or city`)
      if (await hasAdminUnits(db)) throw new UsageError('the database already holds data; sample data only goes into an empty database')
      if (!options.loadSample) throw new UsageError('seed needs the sample generator: run `npm run seed` (cli.ts at the repository root)')
      await seedSample(db, size, log, options.loadSample)
    }
    if (command === 'create-user') {
      const { values } = parseArgs({
        args: rest,
        options: {
          username: { type: 'string' },
          role: { type: 'string' },
          scope: { type: 'string' },
          'display-name': { type: 'string' },
          'password-stdin': { type: 'boolean', default: false },
        },
        strict: true,
      })
      if (!values.username) throw new UsageError('--username is required')
      if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
      const scope = values.scope ?? (await getDistrict(db))?.code
      if (!scope) throw new UsageError('--scope is required while no district is loaded (e.g. --scope 110111)')
      if (!isAdminCode(scope)) throw new UsageError(`--scope ${scope} is not an admin-unit code of 6, 9 or 12 digits`)
      if ((await getDistrict(db)) && !(await adminUnitExists(db, scope))) throw new UsageError(`--scope ${scope}: no such admin unit`)
      const password = values['password-stdin'] ? (await text(process.stdin)).replace(/\r?\n$/, '') : generatePassword()
      const user = await createUser(db, {
        username: values.username,
        password,
        role: values.role,
        scopeCode: scope,
        displayName: values['display-name'] ?? values.username,
      })
      log.info(`created ${user.role} ${user.username} (scope ${user.scopeCode})`)
      if (!values['password-stdin']) log.info(`password (shown only now): ${password}`)
    }
  } finally {
    await db.close()
  }
}

/** Runs one operator command from argv; a problem ends the process with one line. */
export function runCli(argv: string[], options: CliOptions = {}): void {
  run(argv, options).catch((err: unknown) => {
    const known = [UsageError, ConfigError, DbStartupError, MigrationError, DuplicateUserError, WeakPasswordError].some((E) => err instanceof E)
    process.stderr.write(`chaiwei: ${(err as Error).message}\n`)
    if (!known) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
    process.exit(1)
  })
}

if (isProcessEntry(import.meta.url)) runCli(process.argv.slice(2))
