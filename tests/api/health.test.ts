import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'
import { BACKEND } from '../helpers/db.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp('schema')
})
afterAll(() => t.close())

test('GET /health names the database backend and the version', async () => {
  const res = await t.app.inject('/health')
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'ok', db: BACKEND, version: '0.1.0' })
})

test('the OpenAPI document lists the routes, and interactive docs are served', async () => {
  const res = await t.app.inject('/api/openapi.json')
  assert.equal(res.statusCode, 200)
  const doc = res.json()
  assert.equal(doc.openapi, '3.1.0')
  for (const path of ['/health', '/api/auth/login', '/api/meta', '/ogc/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}']) {
    assert.ok(doc.paths[path], `missing ${path}`)
  }
  const ui = await t.app.inject('/docs/')
  assert.equal(ui.statusCode, 200)
  assert.match(ui.headers['content-type'] as string, /text\/html/)
})

test('an unknown API path is a problem+json 404', async () => {
  const res = await t.app.inject('/api/nothing-here')
  assert.equal(res.statusCode, 404)
  assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
  assert.equal(res.json().detail, 'no route GET /api/nothing-here')
})
