// Sign-in hardening and browser defences (docs/security.md): security headers, per-address rate
// limit, per-account lockout, session rotation, cross-site writes refused, password policy.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { createUser, WeakPasswordError } from '../../server/src/repos/users.repo.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp('schema')
})
afterAll(() => t.close())

let seq = 0
async function newUser(password = 'a long enough secret 9') {
  const username = `sec-user-${++seq}`
  await createUser(t.db, { username, password, role: 'viewer', scopeCode: '110111' })
  return { username, password }
}

/** Each test signs in from its own address, so the per-address limit of one test does not reach another. */
const login = (username: string, password: string, remoteAddress: string, cookie?: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress, ...(cookie ? { headers: { cookie } } : {}) })

const sessionCookie = (res: Awaited<ReturnType<typeof login>>) => {
  const c = res.cookies.find((x) => x.name === 'chaiwei_session')
  assert.ok(c, 'a session cookie')
  return `chaiwei_session=${c.value}`
}

test('every answer carries a CSP that allows only our scripts and no framing, and nosniff', async () => {
  for (const url of ['/api/auth/me', '/health', '/no-such-page']) {
    const res = await t.app.inject(url)
    const csp = String(res.headers['content-security-policy'])
    assert.match(csp, /script-src 'self'(;|$)/, url)
    assert.match(csp, /frame-ancestors 'none'/, url)
    assert.match(csp, /object-src 'none'/, url)
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url)
  }
})

test('five wrong passwords in a row lock the account for 15 minutes, even against the right password', async () => {
  const u = await newUser()
  const other = await newUser()
  for (let i = 1; i <= 4; i++) assert.equal((await login(u.username, 'wrong guess 123', '10.1.0.1')).statusCode, 401, `attempt ${i}`)
  const fifth = await login(u.username, 'wrong guess 123', '10.1.0.1')
  assert.equal(fifth.statusCode, 429)
  assert.equal(fifth.json().code, 'account_locked')
  const right = await login(u.username, u.password, '10.1.0.2')
  assert.equal(right.statusCode, 429, 'locked means locked, from any address')
  assert.equal(right.json().code, 'account_locked')
  assert.match(right.json().detailZh, /已锁定/)
  const retry = Number(right.headers['retry-after'])
  assert.ok(retry > 14 * 60 && retry <= 15 * 60, `Retry-After ${retry}`)
  assert.equal(right.cookies.length, 0)
  // another account is not affected
  assert.equal((await login(other.username, other.password, '10.1.0.1')).statusCode, 200)
})

test('a right password resets the count; a lock that ran out starts it again', async () => {
  const u = await newUser()
  for (let i = 0; i < 4; i++) await login(u.username, 'wrong guess 123', '10.2.0.1')
  assert.equal((await login(u.username, u.password, '10.2.0.1')).statusCode, 200)
  for (let i = 0; i < 4; i++) assert.equal((await login(u.username, 'wrong guess 123', '10.2.0.1')).statusCode, 401, 'the count restarted at 0')
  assert.equal((await login(u.username, 'wrong guess 123', '10.2.0.1')).statusCode, 429)
  await t.db.query(`UPDATE users SET locked_until = now() - interval '1 second' WHERE username = $1`, [u.username])
  assert.equal((await login(u.username, 'wrong guess 123', '10.2.0.1')).statusCode, 401, 'one more wrong password after the lock does not lock again')
  assert.equal((await login(u.username, u.password, '10.2.0.1')).statusCode, 200)
})

test('one address gets 30 sign-in attempts a minute, then 429 with Retry-After, whoever it tries', async () => {
  const u = await newUser()
  for (let i = 0; i < 30; i++) {
    const res = await login(`nobody-${i}`, 'whatever it is', '10.3.0.1')
    assert.equal(res.statusCode, 401, `attempt ${i + 1}`)
  }
  const limited = await login(u.username, u.password, '10.3.0.1')
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.json().code, 'rate_limited')
  assert.match(limited.json().detailZh, /秒后再试/)
  assert.ok(Number(limited.headers['retry-after']) > 0)
  // the account itself was never tried with a wrong password: it signs in from elsewhere
  assert.equal((await login(u.username, u.password, '10.3.0.2')).statusCode, 200)
})

test('signing in ends the session the browser already had (no session fixation)', async () => {
  const a = await newUser()
  const b = await newUser()
  const first = sessionCookie(await login(a.username, a.password, '10.4.0.1'))
  const second = sessionCookie(await login(b.username, b.password, '10.4.0.1', first))
  assert.equal((await t.app.inject({ url: '/api/auth/me', headers: { cookie: first } })).statusCode, 401, 'the old session is over')
  const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie: second } })
  assert.equal(me.json().user.username, b.username)
})

test('a cookie-carrying write from another site is refused and changes nothing; same-site and API clients pass', async () => {
  const u = await newUser()
  const cookie = sessionCookie(await login(u.username, u.password, '10.5.0.1'))
  const logout = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, host: 'gis.example.gov.cn', ...headers } })
  const me = () => t.app.inject({ url: '/api/auth/me', headers: { cookie } })

  const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }]
  for (const headers of crossSite) {
    const res = await logout(headers)
    assert.equal(res.statusCode, 403, JSON.stringify(headers))
    assert.equal(res.json().code, 'cross_site_request')
    assert.equal((await me()).statusCode, 200, 'still signed in')
  }
  assert.equal((await logout({ origin: 'https://gis.example.gov.cn', 'sec-fetch-site': 'same-origin' })).statusCode, 204)
  assert.equal((await me()).statusCode, 401)

  // a script or QGIS sends neither header
  const again = sessionCookie(await login(u.username, u.password, '10.5.0.1'))
  const plain = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: again } })
  assert.equal(plain.statusCode, 204)
})

test('accounts get passwords of at least 10 characters that are not the username or a common one', async () => {
  const weak = [
    ['short 1', /at least 10/],
    ['1234567890', /common/],
    ['Password123', /common/],
    ['aaaaaaaaaaaa', /repeated/],
    ['zhangsan-2026!', /username/],
  ] as const
  for (const [password, why] of weak) {
    await assert.rejects(createUser(t.db, { username: 'zhangsan', password, role: 'viewer', scopeCode: '110111' }), (err: unknown) => {
      assert.ok(err instanceof WeakPasswordError, password)
      assert.match(err.message, why, password)
      return true
    })
  }
  const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE username = 'zhangsan'`)
  assert.equal(n.rows[0]!.n, 0)
})
