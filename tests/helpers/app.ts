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
import { freshDb, type Fixture } from './db.ts'

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
