// A failure inside a handler answers 500 problem+json that names the request id and nothing else:
// no SQL, no stack, no message of the error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { registerProblemHandlers } from '../../server/src/http/problem.ts'
import { TransitionError } from '../../server/src/domain/case-lifecycle.ts'
import { StaleVersionError } from '../../server/src/repos/stale-version.ts'
import { GeometryInputError, ZoneInUseError } from '../../server/src/repos/zones.repo.ts'

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

test('every refusal of the one family answers problem+json with its status, both languages, code, field and facts', async () => {
  const app = Fastify({ logger: false })
  registerProblemHandlers(app)
  const cases: [string, Error, number][] = [
    ['/input', new TransitionError('deadline 2026-01-01 is before the order', 'deadline', '整改期限早于限期拆除决定时间'), 400],
    ['/stale', new StaleVersionError('case', 7), 412],
    ['/in-use', new ZoneInUseError('zone 3 is assigned to a field team'), 409],
    ['/too-big', new GeometryInputError('geometry has 9000 vertices; at most 5000', 413, 'geometry', { limit: 5000 }), 413],
    ['/outside', new GeometryInputError('the zone lies outside the district', 422), 422],
  ]
  for (const [url, err] of cases) app.get(url, async () => { throw err })
  const bodies: Record<string, Record<string, unknown>> = {}
  for (const [url, , status] of cases) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, status, url)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/)
    bodies[url] = res.json()
  }
  assert.deepEqual(
    { detail: bodies['/input']!.detail, detailZh: bodies['/input']!.detailZh, field: bodies['/input']!.field },
    { detail: 'deadline 2026-01-01 is before the order', detailZh: '整改期限早于限期拆除决定时间', field: 'deadline' },
  )
  assert.deepEqual([bodies['/stale']!.code, bodies['/stale']!.currentVersion, typeof bodies['/stale']!.detailZh], ['stale_version', 7, 'string'])
  assert.equal(bodies['/in-use']!.code, 'zone_in_use')
  assert.deepEqual([bodies['/too-big']!.field, bodies['/too-big']!.limit], ['geometry', 5000])
  await app.close()
})
