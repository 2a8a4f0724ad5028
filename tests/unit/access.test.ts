// The access rule is structural: a route that forgets to declare who may call it, or a public
// write, stops the app from starting at all.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import type { Db } from '../../server/src/db/db.ts'
import { registerAccess } from '../../server/src/http/access.ts'

const noDb = {} as Db

async function appWith(register: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify()
  await app.register(cookie)
  registerAccess(app, noDb)
  register(app)
  await app.ready()
  return app
}

test('an /api route without declared access refuses to register', async () => {
  await assert.rejects(appWith((app) => app.get('/api/things', async () => [])), /GET \/api\/things declares no access/)
})

test('a public write refuses to register', async () => {
  await assert.rejects(
    appWith((app) => app.post('/api/cases', { config: { access: 'public' } }, async () => ({}))),
    /POST \/api\/cases is a write and cannot be public/,
  )
})

test('a public read and a role-guarded write register', async () => {
  const app = await appWith((a) => {
    a.get('/api/public-thing', { config: { access: 'public' } }, async () => ({}))
    a.post('/api/cases', { config: { access: { roles: ['planner'] } } }, async () => ({}))
  })
  const res = await app.inject({ method: 'POST', url: '/api/cases', payload: {} })
  assert.equal(res.statusCode, 401)
})
