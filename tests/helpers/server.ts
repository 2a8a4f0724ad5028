// The whole app listening on a free port over a fresh database with the tiny sample and one
// admin account: what the browser tests drive.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { freshDb } from './db.ts'

export interface TestServer {
  url: string
  login: { username: string; password: string }
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const db = await freshDb('tiny')
  const login = { username: 'e2e-admin', password: 'e2e password 1' }
  await createUser(db, { ...login, role: 'admin', scopeCode: '110111', displayName: '测试管理员' })
  const uploadDir = mkdtempSync(join(tmpdir(), 'chaiwei-uploads-'))
  const config = { ...loadConfig({}), logLevel: 'warn' as const, uploadDir }
  const app = await buildApp({ config, db })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://localhost:${address.port}`,
    login,
    async close() {
      await app.close()
      await db.close()
      rmSync(uploadDir, { recursive: true, force: true })
    },
  }
}
