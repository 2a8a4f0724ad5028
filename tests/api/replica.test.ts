// A read replica answers reads, the primary answers writes, and a client reads its own writes even
// while the replica lags (db/routing.db.ts, http/read-routing.ts, docs/scaling.md).
//
// With DATABASE_READ_URL (CI: a hot standby on port 5433) this runs on the real standby and pauses its
// replay. Without it, the "replica" is a second copy of the same database that never replays
// anything, which is a replica paused for good: the routing is the same code either way.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Db } from '../../server/src/db/db.ts'
import { openPgDb } from '../../server/src/db/pg.db.ts'
import { isRoutingDb, RoutingDb, sqlPositions } from '../../server/src/db/routing.db.ts'
import { LSN_COOKIE, LSN_COOKIE_SECONDS } from '../../server/src/http/read-routing.ts'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { DATABASE_READ_URL, DATABASE_URL, freshDb, replicaCaughtUp } from '../helpers/db.ts'

const REAL = DATABASE_READ_URL !== undefined
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const routedTtl = 5 // the RoutingDb's default reuse of the replica position, in ms

let routed: RoutingDb
let copy: Db | null = null // the never-replaying copy, without a real standby
let standbyAdmin: Db | null = null // the standby's postgres database, to pause and resume replay
let app: FastifyInstance
let uploadDir: string
const warnings: string[] = []
const log = { warn: (_obj: object, msg: string) => void warnings.push(msg) }

async function makeApp(db: Db, logTo = log) {
  const config = { ...loadConfig({}), cookieSecure: true, logLevel: 'silent' as const, uploadDir }
  const a = await buildApp({ config, db, logger: false, checkResponses: true })
  if (isRoutingDb(db)) db.useLog(logTo)
  return a
}

/** Without a standby: copy rows made on the primary (users, sessions) to the copy, as replay would. */
async function replicate(table: 'users' | 'sessions') {
  if (!copy) return
  const rows = (await routed.primary.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM ${table} x`)).rows
  for (const { j } of rows) {
    await copy.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::${table}, $1::json) ON CONFLICT DO NOTHING`, [j])
  }
}

async function caughtUp() {
  if (REAL) await replicaCaughtUp(routed.primary, routed.replica)
  else await Promise.all([replicate('users'), replicate('sessions')])
  await sleep(routedTtl + 5) // past the cached replica position
}

async function signIn(username: string): Promise<string> {
  const password = 'correct horse battery'
  await createUser(routed.primary, { username, password, role: 'planner', scopeCode: '110111' })
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  assert.equal(res.statusCode, 200, res.body)
  return `chaiwei_session=${res.cookies.find((c) => c.name === 'chaiwei_session')!.value}`
}

let alice: string
let bob: string
let aCase: { id: number; version: number; use: string }

beforeAll(async () => {
  uploadDir = mkdtempSync(join(tmpdir(), 'chaiwei-uploads-'))
  if (REAL) {
    routed = (await freshDb('tiny')) as RoutingDb
    assert.ok(isRoutingDb(routed), 'with DATABASE_READ_URL the test database reads from the standby')
    const u = new URL(DATABASE_READ_URL!)
    u.pathname = '/postgres'
    standbyAdmin = await openPgDb(u.toString(), { max: 1, check: false })
  } else {
    const primary = await freshDb('tiny')
    copy = await freshDb('tiny')
    const sql = sqlPositions(primary, copy)
    const replayed = await sql.primary() // the copy holds what the primary held now, and never more
    routed = new RoutingDb(primary, copy, { log, positions: { primary: sql.primary, replica: async () => replayed }, positionTtlMs: routedTtl })
  }
  app = await makeApp(routed)
  alice = await signIn('replica-alice')
  bob = await signIn('replica-bob')
  aCase = (await routed.primary.query<{ id: number; version: number; use: string }>(
    "SELECT id, version, use FROM cases WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1",
  )).rows[0]!
  await caughtUp()
})

afterAll(async () => {
  await app.close()
  await routed.close()
  await copy?.close().catch(() => {}) // closed by routed already
  await standbyAdmin?.close()
  rmSync(uploadDir, { recursive: true, force: true })
})

const read = (cookie: string) => app.inject({ url: `/api/cases/${aCase.id}`, headers: { cookie } })

test('reads, the session lookup included, are answered by the replica; no statement reaches the primary', async () => {
  const before = { ...routed.stats }
  const res = await read(alice)
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().use, aCase.use)
  assert.ok(routed.stats.replica >= before.replica + 2, 'the session and the case came from the replica')
  assert.equal(routed.stats.primary, before.primary)
  assert.equal(res.cookies.find((c) => c.name === LSN_COOKIE), undefined, 'a read sets no position cookie')
  if (REAL) {
    const where = 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby'
    const onReplica = await routed.run({ target: 'replica', write: false, usedPrimary: false }, () => routed.query<{ port: number; standby: boolean }>(where))
    assert.deepEqual(onReplica.rows[0], { port: Number(new URL(DATABASE_READ_URL!).port || 5432), standby: true })
    const outside = await routed.query<{ port: number; standby: boolean }>(where)
    assert.deepEqual(outside.rows[0], { port: Number(new URL(DATABASE_URL!).port || 5432), standby: false }, 'outside a request: the primary')
  }
})

test('a client that wrote reads its write while replay is paused; another client reads the lagging replica', async () => {
  const changed = aCase.use === 'storage' ? 'office' : 'storage'
  if (standbyAdmin) await standbyAdmin.query('SELECT pg_wal_replay_pause()')
  try {
    const edit = await app.inject({
      method: 'PATCH', url: `/api/cases/${aCase.id}`, headers: { cookie: alice, 'if-match': `"v${aCase.version}"` }, payload: { use: changed, reason: 'replica test' },
    })
    assert.equal(edit.statusCode, 200, edit.body)
    const position = edit.cookies.find((c) => c.name === LSN_COOKIE)
    assert.ok(position, 'a write sets the position cookie')
    assert.match(decodeURIComponent(position.value), /^[0-9A-F]+\/[0-9A-F]+$/)
    assert.deepEqual([position.httpOnly, position.sameSite, position.maxAge, position.path], [true, 'Lax', LSN_COOKIE_SECONDS, '/'])
    const aliceCookie = `${alice}; ${LSN_COOKIE}=${position.value}`

    const primaryBefore = routed.stats.primary
    for (let i = 0; i < 5; i++) {
      const mine = await read(aliceCookie)
      assert.equal(mine.statusCode, 200, mine.body)
      assert.equal(mine.json().use, changed, 'the writer sees the write at once')
    }
    assert.ok(routed.stats.primary > primaryBefore, 'from the primary, the replica being behind this client')

    const theirs = await read(bob)
    assert.equal(theirs.statusCode, 200, theirs.body)
    assert.equal(theirs.json().use, aCase.use, 'a client without the cookie reads the replica, which has not replayed the write')
    const noCookie = await read(alice)
    assert.equal(noCookie.json().use, aCase.use, 'the cookie, not the user, carries the position')
  } finally {
    if (standbyAdmin) await standbyAdmin.query('SELECT pg_wal_replay_resume()')
  }
  if (!REAL) return
  await caughtUp()
  const replicaBefore = routed.stats.replica
  const primaryBefore = routed.stats.primary
  const theirs = await read(bob)
  assert.equal(theirs.json().use, changed, 'replay resumed: everyone sees it')
  assert.ok(routed.stats.replica > replicaBefore)
  assert.equal(routed.stats.primary, primaryBefore)
})

test('a GET that writes (a new CAPTCHA) is answered by the primary', async () => {
  const fallbacks = routed.stats.fallbacks
  const res = await app.inject({ url: '/api/public/captcha' })
  assert.equal(res.statusCode, 200, res.body)
  const stored = await routed.primary.query('SELECT 1 FROM captcha_challenges WHERE id = $1', [res.json().id])
  assert.equal(stored.rowCount, 1)
  assert.equal(routed.stats.fallbacks, fallbacks, 'sent to the primary up front, not after failing on the replica')
  if (REAL) {
    // one missing from the list fails on the standby (25006) and is sent again to the primary, with a warning
    const seen = warnings.length
    const w = await routed.run({ target: 'replica', write: false, usedPrimary: false }, () =>
      routed.query(`INSERT INTO app_meta (key, value) VALUES ('replica-test', '1') ON CONFLICT (key) DO NOTHING RETURNING key`))
    assert.equal(w.rowCount, 1)
    assert.equal(warnings.length, seen + 1)
    assert.match(warnings.at(-1)!, /tried to write on the read replica/)
  }
})

test('a replica that is down: reads fall back to the primary with one warning, not errors', async () => {
  const downLog: string[] = []
  const dead: Db = DATABASE_URL
    ? await openPgDb('postgres://postgres@127.0.0.1:1/chaiwei', { check: false, connectionTimeoutMs: 1000 })
    : {
        kind: 'pglite',
        query: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
        exec: () => Promise.reject(new Error('unused')),
        transaction: () => Promise.reject(new Error('unused')),
        close: async () => {},
      }
  // the primary is shared with the other tests' app: only the dead replica is closed here
  const down = new RoutingDb({ ...routed.primary, close: async () => {} }, dead, { log: { warn: (_o, m) => void downLog.push(m) } })
  const other = await makeApp(down, { warn: (_o, m) => void downLog.push(m) })
  try {
    for (let i = 0; i < 4; i++) {
      const res = await other.inject({ url: `/api/cases/${aCase.id}`, headers: { cookie: bob } })
      assert.equal(res.statusCode, 200, res.body)
    }
    const withPosition = await other.inject({ url: `/api/cases/${aCase.id}`, headers: { cookie: `${bob}; ${LSN_COOKIE}=0/1` } })
    assert.equal(withPosition.statusCode, 200, withPosition.body)
    assert.equal(downLog.length, 1, downLog.join('\n'))
    assert.match(downLog[0]!, /read replica unavailable; reads go to the primary/)
    assert.equal(down.stats.fallbacks, 1, 'tried once, then left alone for a while')
    assert.equal(down.stats.replica, 0)
    assert.equal(down.replicaDown, true)
  } finally {
    await other.close()
    await down.close()
  }
})
