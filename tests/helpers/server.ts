// The whole app listening on a free port over a fresh database (the tiny sample, or the schema
// alone) with one admin account: what the browser tests drive.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Db } from '../../server/src/db/db.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { freshDb, type Fixture } from './db.ts'

export interface TestServer {
  url: string
  login: { username: string; password: string }
  /** The server's database, for a test that sets things up (more users) or checks what was stored. */
  db: Db
  close(): Promise<void>
}

export interface TestServerOptions {
  /** 'tiny': the tiny sample (default); 'schema': an empty database, as CHAIWEI_SAMPLE=none leaves it */
  fixture?: Fixture
  /** the district administrator to create (default e2e-admin, 测试管理员) */
  user?: { username: string; password: string; displayName: string }
}

export async function startTestServer({ fixture = 'tiny', user = { username: 'e2e-admin', password: 'e2e password 1', displayName: '测试管理员' } }: TestServerOptions = {}): Promise<TestServer> {
  const db = await freshDb(fixture)
  const login = { username: user.username, password: user.password }
  await createUser(db, { ...login, role: 'admin', scopeCode: '110111', displayName: user.displayName })
  const uploadDir = mkdtempSync(join(tmpdir(), 'chaiwei-uploads-'))
  const config = { ...loadConfig({}), logLevel: 'warn' as const, uploadDir }
  const app = await buildApp({ config, db, checkResponses: true })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://localhost:${address.port}`,
    login,
    db,
    async close() {
      await app.close()
      await db.close()
      rmSync(uploadDir, { recursive: true, force: true })
    },
  }
}
