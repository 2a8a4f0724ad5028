// The process: read config, prepare the database, listen, and close cleanly on a signal.
// Any startup problem ends the process with one line naming it.
//
// `npm start` runs start.ts at the repository root, which calls startServer with the sample
// generator (data/sample). Run directly (`node --import tsx server/src/main.ts`), this is the server
// without it: fine for a database that holds data or with CHAIWEI_SAMPLE=none; an empty database
// with sample data asked for is refused with one line.
//
// CHAIWEI_WORKERS=N (N > 1, real server only): this process migrates (and loads the sample) once,
// then forks N workers (node:cluster) that share the port and only open the database; a worker that
// dies is replaced. State the workers share lives in the database (sessions, CAPTCHAs, sign-in
// lockouts, idempotency keys, tile invalidations); what is per process is listed in docs/scaling.md.
import cluster from 'node:cluster'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { DbStartupError, type Db } from './db/db.ts'
import { MigrationError } from './db/migrate.ts'
import { openDb, withReadReplica } from './db/open.ts'
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

const log = { info: (m: string) => process.stdout.write(`${m}\n`) }

async function main(options: ServerOptions) {
  const config = loadConfig()
  if (config.workers > 1 && cluster.isPrimary) return supervise(config, options)
  if (cluster.isPrimary) {
    log.info(`chaiwei: database ${config.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded, in ${config.dataDir}`}${config.databaseReadUrl ? ', reads from its replica (DATABASE_READ_URL)' : ''}`)
  }
  // a worker finds the database ready: its supervisor migrated it before forking
  const primary: Db = cluster.isWorker ? await openDb(config) : await prepareDatabase(config, log, options.loadSample)
  const db = await withReadReplica(primary, config).catch(async (err: unknown) => {
    await primary.close().catch(() => {})
    throw err
  })
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
  if (cluster.isPrimary) log.info(`chaiwei is serving at http://localhost:${config.port} (API docs at /docs)`)
}

/** The supervisor of CHAIWEI_WORKERS processes: prepares the database once, forks, replaces the dead. */
async function supervise(config: Config, options: ServerOptions) {
  log.info(`chaiwei: database PostgreSQL server (DATABASE_URL)${config.databaseReadUrl ? ', reads from its replica (DATABASE_READ_URL)' : ''}; ${config.workers} worker processes`)
  const db = await prepareDatabase(config, log, options.loadSample)
  await db.close()
  let stopping = false
  let listening = 0
  let quickDeaths = 0
  const fork = () => {
    const startedAt = Date.now()
    const worker = cluster.fork()
    worker.once('listening', () => {
      if (++listening === config.workers) log.info(`chaiwei is serving at http://localhost:${config.port} with ${config.workers} workers (API docs at /docs)`)
    })
    worker.once('exit', (code, signal) => {
      if (stopping) return
      // a worker that cannot start (database gone, bad replica) would be forked forever: give up after a few
      quickDeaths = Date.now() - startedAt < 10_000 ? quickDeaths + 1 : 0
      if (quickDeaths >= 3) {
        process.stderr.write('chaiwei: cannot start: workers keep ending at startup (see the lines above)\n')
        stopping = true
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
        process.exitCode = 1
        return
      }
      process.stderr.write(`chaiwei: worker ${worker.process.pid} ended (${signal ?? `code ${code}`}); starting another\n`)
      setTimeout(fork, 500 * quickDeaths)
    })
  }
  for (let i = 0; i < config.workers; i++) fork()
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: closing ${config.workers} workers`)
    // each worker finishes its requests and closes its database (its own handler in main)
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM')
    setTimeout(() => process.exit(1), 15_000).unref()
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

/** Runs the server process; a startup problem ends it with one line. */
export function startServer(options: ServerOptions = {}): void {
  main(options).catch(fail)
}

if (isProcessEntry(import.meta.url)) startServer()
