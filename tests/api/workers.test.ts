// Several server processes behind one port (CHAIWEI_WORKERS, node:cluster): what one worker writes,
// every worker reads, tiles included (each worker has its own tile cache, voided through the
// database's tile_invalidations). Real server only: the embedded database is one process's.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { tileAt } from '../helpers/tiles.ts'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import type { Db } from '../../server/src/db/db.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { DATABASE_URL, freshServerDatabase } from '../helpers/db.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const WORKERS = 2

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One request on a connection of its own (agent: false), so the cluster spreads them over the workers. */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', fail)
    req.end(payload)
  })
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => done(port))
    })
  })
}

function cookieOf(res: Answer, name: string): string | undefined {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  return set.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`))
}

test('CHAIWEI_WORKERS above 1 needs the real server: with the embedded database the process refuses with one line', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, CHAIWEI_WORKERS: '2' }, encoding: 'utf8', timeout: 60_000,
  })
  assert.equal(r.status, 1)
  assert.match(r.stderr.trim(), /^chaiwei: cannot start: CHAIWEI_WORKERS=2 needs DATABASE_URL/)
})

let server: ChildProcess | null = null
let db: Db
let port: number
let uploadDir: string
let output = ''

beforeAll(async () => {
  if (!DATABASE_URL) return
  const made = await freshServerDatabase('tiny')
  db = made.db
  await createUser(db, { username: 'workers-admin', password: 'workers password 1', role: 'admin', scopeCode: '110111' })
  port = await freePort()
  uploadDir = mkdtempSync(join(tmpdir(), 'chaiwei-uploads-'))
  server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: made.url, ...(made.readUrl ? { DATABASE_READ_URL: made.readUrl } : {}),
      CHAIWEI_WORKERS: String(WORKERS), CHAIWEI_SAMPLE: 'none', PORT: String(port), HOST: '127.0.0.1',
      CHAIWEI_LOG_LEVEL: 'warn', CHAIWEI_COOKIE_SECURE: 'false', CHAIWEI_UPLOAD_DIR: uploadDir, CHAIWEI_WEB_DIR: join(uploadDir, 'no-web'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout!.on('data', (d: Buffer) => void (output += d.toString()))
  server.stderr!.on('data', (d: Buffer) => void (output += d.toString()))
  const until = Date.now() + 120_000
  while (!output.includes(`with ${WORKERS} workers`)) {
    if (server.exitCode !== null || Date.now() > until) throw new Error(`the server did not start:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
})

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r))
    server.kill('SIGTERM')
    await exited
  }
  await db?.close()
  if (uploadDir) rmSync(uploadDir, { recursive: true, force: true })
})

test('a write through one worker is read by all of them at once, tiles included', async ({ skip }) => {
  skip(!DATABASE_URL, 'needs DATABASE_URL (the real server); the refusal above runs instead')
  const login = await call(port, 'POST', '/api/auth/login', {}, { username: 'workers-admin', password: 'workers password 1' })
  assert.equal(login.status, 200, login.body.toString())
  const session = cookieOf(login, 'chaiwei_session')!
  const c = (await db.query<{ id: number; version: number; use: string; lon: number; lat: number }>(
    "SELECT id, version, use, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cases WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1",
  )).rows[0]!
  const { z, x, y } = tileAt(c.lon, c.lat, 15)
  const tilePath = `/ogc/collections/cases/tiles/WebMercatorQuad/${z}/${y}/${x}`
  const useInTile = (body: Buffer) => {
    const layer = new VectorTile(new PbfReader(body)).layers.cases!
    for (let i = 0; i < layer.length; i++) if (layer.feature(i).properties.id === c.id) return layer.feature(i).properties.use
    return undefined
  }

  // every worker makes the tile once and then serves it from its own cache: one miss per worker
  const warm: string[] = []
  for (let i = 0; i < 3 * WORKERS; i++) {
    const t = await call(port, 'GET', tilePath, { cookie: session })
    assert.equal(t.status, 200)
    assert.equal(useInTile(t.body), c.use)
    warm.push(String(t.headers['x-tile-cache']))
  }
  assert.equal(warm.filter((h) => h === 'miss').length, WORKERS, `${WORKERS} processes answered, each with its own cache: ${warm.join(',')}`)

  const changed = c.use === 'storage' ? 'office' : 'storage'
  const edit = await call(port, 'PATCH', `/api/cases/${c.id}`, { cookie: session, 'if-match': `"v${c.version}"` }, { use: changed, reason: 'workers test' })
  assert.equal(edit.status, 200, edit.body.toString())
  // a browser sends back what it was given: the session, and with a read replica the write's position
  const position = cookieOf(edit, 'cw_lsn')
  const cookie = position ? `${session}; ${position}` : session

  for (let i = 0; i < 10 * WORKERS; i++) {
    const r = await call(port, 'GET', `/api/cases/${c.id}`, { cookie })
    assert.equal(r.status, 200)
    assert.equal(JSON.parse(r.body.toString()).use, changed, `read ${i} after the write`)
  }
  for (let i = 0; i < 3 * WORKERS; i++) {
    const t = await call(port, 'GET', tilePath, { cookie })
    assert.equal(t.status, 200)
    assert.equal(useInTile(t.body), changed, `tile ${i} after the write (x-tile-cache: ${String(t.headers['x-tile-cache'])})`)
  }
})

test('SIGTERM closes every worker and the supervisor ends cleanly', async ({ skip }) => {
  skip(!DATABASE_URL, 'needs DATABASE_URL')
  const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)))
  server!.kill('SIGTERM')
  assert.equal(await exited, 0, output)
  await assert.rejects(call(port, 'GET', '/health'), /ECONNREFUSED/)
})
