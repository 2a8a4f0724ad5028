// The process: read config, prepare the database, listen, and close cleanly on a signal.
// Any startup problem ends the process with one line naming it.
import { ConfigError, loadConfig } from './config.ts'
import { DbStartupError, type Db } from './db/db.ts'
import { MigrationError } from './db/migrate.ts'
import { buildApp } from './app.ts'
import { prepareDatabase } from './boot.ts'

function fail(err: unknown): never {
  const known = err instanceof ConfigError || err instanceof DbStartupError || err instanceof MigrationError
  process.stderr.write(`chaiwei: cannot start: ${(err as Error).message}\n`)
  if (!known) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
  process.exit(1)
}

async function main() {
  const config = loadConfig()
  const log = { info: (m: string) => process.stdout.write(`${m}\n`) }
  log.info(`chaiwei: database ${config.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded, in ${config.dataDir}`}`)
  const db: Db = await prepareDatabase(config, log)
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

main().catch(fail)
