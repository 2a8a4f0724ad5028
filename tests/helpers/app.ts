// An app on a fresh database, and signing in as a user of a given role and scope.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig, type Config } from '../../server/src/config.ts'
import type { Db } from '../../server/src/db/db.ts'
import type { Role } from '../../server/src/domain/roles.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { isRoutingDb, type RoutingDb } from '../../server/src/db/routing.db.ts'
import { LSN_COOKIE } from '../../server/src/http/read-routing.ts'
import { freshDb, replicaCaughtUp, type Fixture } from './db.ts'

export const DISTRICT = '110111'

export interface TestApp {
  app: FastifyInstance
  db: Db
  /** Where this app keeps uploaded files (a temporary folder removed by close). */
  uploadDir: string
  /** Creates a user and signs in; returns the Cookie header to send. */
  signIn(role: Role, scopeCode?: string): Promise<string>
  close(): Promise<void>
}

let userSeq = 0

export async function testApp(fixture: Fixture = 'tiny', settings: Partial<Config> = {}): Promise<TestApp> {
  const db = await freshDb(fixture)
  const uploadDir = mkdtempSync(join(tmpdir(), 'chaiwei-uploads-'))
  const config = { ...loadConfig({}), cookieSecure: true, logLevel: 'silent' as const, uploadDir, ...settings }
  const app = await buildApp({ config, db, logger: false, checkResponses: true })
  if (isRoutingDb(db)) readsFromCaughtUpReplica(app, db)
  return {
    app,
    db,
    uploadDir,
    async signIn(role, scopeCode = DISTRICT) {
      const username = `t-${role}-${++userSeq}`
      const password = 'correct horse battery'
      await createUser(db, { username, password, role, scopeCode })
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
      const cookie = res.cookies.find((c) => c.name === 'chaiwei_session')
      if (!cookie) throw new Error('no session cookie')
      return `chaiwei_session=${cookie.value}`
    },
    async close() {
      await app.close()
      await db.close()
      rmSync(uploadDir, { recursive: true, force: true })
    },
  }
}

/**
 * With a read replica (DATABASE_READ_URL), the tests send their own Cookie header, so the cw_lsn
 * cookie a write sets is not sent back as a browser would. Instead each GET or HEAD carries the
 * primary's position at that moment (the tests read what they wrote, through the API or straight
 * into t.db), after waiting a little for the replica to replay that far: a replica that has is
 * asked, so the tests' GETs run on the replica (a GET that writes fails there, or is logged:
 * db/routing.db.ts); one that has not yet leaves the read to the primary, as for any client.
 * tests/api/replica.test.ts shows the cookie itself at work.
 */
function readsFromCaughtUpReplica(app: FastifyInstance, db: RoutingDb) {
  const inject = app.inject.bind(app)
  const wrapped = async (opts: string | { method?: string; headers?: Record<string, string | string[] | undefined> }) => {
    const method = typeof opts === 'object' ? String(opts.method ?? 'GET').toUpperCase() : 'GET'
    if (method !== 'GET' && method !== 'HEAD') return inject(opts as never)
    const lsn = await replicaCaughtUp(db.primary, db.replica, 50, true)
    const o: { url?: string; headers?: Record<string, string | string[] | undefined> } = typeof opts === 'string' ? { url: opts } : opts
    const headers = { ...o.headers }
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie') ?? 'cookie'
    const cookie = headers[key]
    headers[key] = `${cookie ? `${String(cookie)}; ` : ''}${LSN_COOKIE}=${encodeURIComponent(lsn)}`
    return inject({ ...o, headers } as never)
  }
  ;(app as unknown as { inject: unknown }).inject = (...args: unknown[]) => (args.length === 1 ? wrapped(args[0] as never) : (inject as (...a: unknown[]) => unknown)(...args))
}
