// The rate limits are counted in the database (migration 020, http/rate-limit-store.ts), so several
// app processes (CHAIWEI_WORKERS, or machines behind one address) hold an address to one limit, not
// one each. Two apps on the same database stand for two workers; the sign-in limit is the example.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import { pruneRateLimits } from '../../server/src/http/rate-limit-store.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
/** Another app process on the same database, as a second worker behind the same address. */
let second: FastifyInstance
beforeAll(async () => {
  t = await testApp('schema')
  second = await buildApp({ config: { ...loadConfig({}), cookieSecure: true, logLevel: 'silent', uploadDir: t.uploadDir }, db: t.db, logger: false, checkResponses: true })
})
afterAll(async () => {
  await second.close()
  await t.close()
})

/** A sign-in attempt as an unknown user (401; no account gets locked), from `address`. */
let seq = 0
const attempt = (app: FastifyInstance, address: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `nobody-${++seq}`, password: 'whatever it is' }, remoteAddress: address })

/** Uses up `address`'s sign-in attempts, alternately through the two apps; returns the limit. */
async function useUp(address: string): Promise<number> {
  const apps = [t.app, second]
  const first = await attempt(t.app, address)
  assert.equal(first.statusCode, 401, first.body)
  // the limit as the plugin announces it (SIGN_INS_PER_MINUTE in routes/auth.route.ts)
  const limit = Number(first.headers['x-ratelimit-limit'])
  assert.ok(Number.isInteger(limit) && limit >= 2, `x-ratelimit-limit ${first.headers['x-ratelimit-limit']}`)
  for (let i = 1; i < limit; i++) {
    const res = await attempt(apps[i % 2]!, address)
    assert.equal(res.statusCode, 401, `attempt ${i + 1} of ${limit} (app ${i % 2 ? 'B' : 'A'}) is not refused`)
    // what remains counts the other app's attempts too
    assert.equal(Number(res.headers['x-ratelimit-remaining']), limit - i - 1, `attempt ${i + 1}`)
  }
  return limit
}

const hitsOf = async (address: string) =>
  (await t.db.query<{ hits: number }>(`SELECT hits FROM rate_limit_hits WHERE client = $1`, [address])).rows.map((r) => r.hits)

test('two app processes on one database hold an address to one sign-in limit, whichever gets the next attempt', async () => {
  const address = '203.0.113.7'
  const limit = await useUp(address)
  assert.deepEqual(await hitsOf(address), [limit], 'one counter for the address, in the database')
  for (const [name, app] of [['A', t.app], ['B', second]] as const) {
    const res = await attempt(app, address)
    assert.equal(res.statusCode, 429, `app ${name}: ${res.body}`)
    assert.equal(res.json().code, 'rate_limited')
    assert.match(res.json().detailZh, /秒后再试/)
    // the window's time left comes from the database: within the minute, and the header agrees
    const retry = res.json().retryAfterSeconds
    assert.ok(retry > 0 && retry <= 60, `retryAfterSeconds ${retry}`)
    assert.equal(Number(res.headers['retry-after']), retry)
  }
  // another address is not held back, on either app
  assert.equal((await attempt(second, '203.0.113.8')).statusCode, 401)
  assert.equal((await attempt(t.app, '203.0.113.8')).statusCode, 401)
})

test('once the window has passed the address may try again, and the passed counters are pruned', async () => {
  const address = '203.0.113.9'
  const limit = await useUp(address)
  assert.equal((await attempt(second, address)).statusCode, 429)
  // Waiting out the minute is too slow for a test: the window's end is moved into the past in the
  // database instead, which is what the clock would have done by then.
  await t.db.query(`UPDATE rate_limit_hits SET resets_at = now() - interval '1 second' WHERE client = $1`, [address])
  const again = await attempt(second, address)
  assert.equal(again.statusCode, 401, again.body)
  assert.equal(Number(again.headers['x-ratelimit-remaining']), limit - 1, 'a new window, counted from 1')
  assert.equal((await attempt(t.app, address)).statusCode, 401)
  assert.deepEqual(await hitsOf(address), [2])

  // pruning deletes only the counters whose window has passed
  const live = '203.0.113.10'
  assert.equal((await attempt(t.app, live)).statusCode, 401)
  await t.db.query(`UPDATE rate_limit_hits SET resets_at = now() - interval '1 second' WHERE client = $1`, [address])
  assert.ok((await pruneRateLimits(t.db)) >= 1)
  assert.deepEqual(await hitsOf(address), [])
  assert.deepEqual(await hitsOf(live), [1])
})

test('a counter that cannot be written fails the request (500) instead of letting it through uncounted', async () => {
  const address = '203.0.113.11'
  await t.db.query(`ALTER TABLE rate_limit_hits RENAME TO rate_limit_hits_away`)
  try {
    const res = await attempt(second, address)
    assert.equal(res.statusCode, 500, res.body)
    assert.doesNotMatch(res.body, /rate_limit_hits|relation|INSERT/, 'no SQL in the answer')
  } finally {
    await t.db.query(`ALTER TABLE rate_limit_hits_away RENAME TO rate_limit_hits`)
  }
  assert.equal((await attempt(second, address)).statusCode, 401, 'counted again once the table is back')
})
