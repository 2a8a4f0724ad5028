// The process: read config, prepare the database, listen, and close cleanly on a signal.
// Any startup problem ends the process with one line naming it.
//
// `npm start` runs start.ts at the repository root, which calls startServer with the sample
// generator (data/sample). Run directly (`node --import tsx server/src/main.ts`), this is the server
// without it: fine for a database that holds data or with CHAIWEI_SAMPLE=none; an empty database
// with sample data asked for is refused with one line.
import { ConfigError, loadConfig } from './config.ts'
import { DbStartupError, type Db } from './db/db.ts'
import { MigrationError } from './db/migrate.ts'
import { buildApp } from './app.ts'
import { prepareDatabase, type SampleLoader } from './boot.ts'
import { isProcessEntry } from './process-entry.ts'

export interface ServerOptions {
  /** Loads sample data into an empty database on a first start (CHAIWEI_SAMPLE); absent: none can be loaded. */
  loadSample?: SampleLoader
}

function fail(err: unknown): never {
  const known = err instanceof ConfigError || err instanceof DbStartupError || err instanceof MigrationError
  process.stderr.write(`chaiwei: cannot start: ${(err as Error).message}\n`)
  if (!known) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
  process.exit(1)
}

async function main(options: ServerOptions) {
  const config = loadConfig()
  const log = { info: (m: string) => process.stdout.write(`${m}\n`) }
  log.info(`chaiwei: database ${config.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded, in ${config.dataDir}`}`)
  const db: Db = await prepareDatabase(config, log, options.loadSample)
  const app = await buildApp({ config, db })
  let closing = false
  const close = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info(`${signal}: closing`)
    const timer = setTimeout(() => process.exit(1), 10_000)
    // In-flight requests finish first; then the database is closed, which flushes the embedded one.
    await app.close().catch((err) => app.log.error({ err }, 'close failed'))
    await db.close().catch((err) => app.log.error({ err }, 'database close failed'))
    clearTimeout(timer)
    process.exit(0)
  }
  process.on('SIGINT', () => void close('SIGINT'))
  process.on('SIGTERM', () => void close('SIGTERM'))
  await app.listen({ port: config.port, host: config.host })
  log.info(`chaiwei is serving at http://localhost:${config.port} (API docs at /docs)`)
}

/** Runs the server process; a startup problem ends it with one line. */
export function startServer(options: ServerOptions = {}): void {
  main(options).catch(fail)
}

if (isProcessEntry(import.meta.url)) startServer()
