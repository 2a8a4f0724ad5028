import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { createUser } from '../../server/src/repos/users.repo.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp('schema')
  await createUser(t.db, { username: 'wang.planner', password: 'right password 1', role: 'planner', scopeCode: '110111' })
})
afterAll(() => t.close())

const login = (username: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })

test('signing in sets an httpOnly, Secure session cookie and returns the user', async () => {
  const res = await login('wang.planner', 'right password 1')
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json().user, { id: res.json().user.id, username: 'wang.planner', displayName: 'wang.planner', role: 'planner', scopeCode: '110111' })
  const cookie = res.cookies.find((c) => c.name === 'chaiwei_session')
  assert.ok(cookie)
  assert.equal(cookie.httpOnly, true)
  assert.equal(cookie.secure, true)
  assert.equal(cookie.sameSite, 'Lax')
})

test('a wrong password and an unknown user get the same 401 problem', async () => {
  for (const res of [await login('wang.planner', 'wrong password'), await login('nobody', 'whatever it is')]) {
    assert.equal(res.statusCode, 401)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    assert.equal(res.json().detail, 'wrong username or password')
    assert.equal(res.cookies.length, 0)
  }
})

test('a malformed sign-in body is a 400 naming the field', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'wang.planner' } })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().detail, /password/)
  assert.equal(res.json().field, 'password')
})

test('reading without a session is refused; with one, /api/auth/me says who you are', async () => {
  const anonymous = await t.app.inject('/api/auth/me')
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json().detail, 'sign in first')
  const cookie = await t.signIn('analyst', '110111008')
  const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie } })
  assert.equal(me.statusCode, 200)
  assert.equal(me.json().user.role, 'analyst')
  assert.equal(me.json().user.scopeCode, '110111008')
})

test('signing out ends the session on the server, not just in the browser', async () => {
  const cookie = await t.signIn('viewer')
  const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })
  assert.equal(out.statusCode, 204)
  const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie } })
  assert.equal(me.statusCode, 401)
  assert.equal(me.json().detail, 'your session has ended; sign in again')
})

test('a forged session token is refused', async () => {
  const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie: 'chaiwei_session=forged-token' } })
  assert.equal(me.statusCode, 401)
})

test('sessions are stored only as hashes: the table never holds the cookie value', async () => {
  const cookie = await t.signIn('field')
  const token = cookie.split('=')[1]!
  const r = await t.db.query('SELECT 1 FROM sessions WHERE token_hash = $1', [token])
  assert.equal(r.rowCount, 0)
})
