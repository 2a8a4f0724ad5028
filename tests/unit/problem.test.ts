// A failure inside a handler answers 500 problem+json that names the request id and nothing else:
// no SQL, no stack, no message of the error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { registerProblemHandlers } from '../../server/src/http/problem.ts'

test('a 5xx never leaks the SQL, the message or the stack of the error', async () => {
  const app = Fastify({ logger: false })
  registerProblemHandlers(app)
  app.get('/boom', async () => {
    const err = new Error('syntax error at or near "FROM" in SELECT password_hash FROM users WHERE id = 1')
    Object.assign(err, { code: '42601' })
    throw err
  })
  const res = await app.inject('/boom')
  assert.equal(res.statusCode, 500)
  assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  const body = res.json()
  assert.match(body.detail, /quote request id \S+ to the administrator/)
  assert.doesNotMatch(res.body, /SELECT|password_hash|users|42601|at .*\.ts/)
  await app.close()
})
