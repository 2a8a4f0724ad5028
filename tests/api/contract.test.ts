// The HTTP contract (server/src/http/contract.ts): every route declares what it answers, the
// OpenAPI document shows it, and a handler that strays from its declaration fails loudly in the
// test apps instead of having fields silently dropped by the serializer.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { registerContract } from '../../server/src/http/contract.ts'
import { registerProblemHandlers } from '../../server/src/http/problem.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp('schema')
})
afterAll(() => t.close())

interface Operation {
  parameters?: { in: string; name: string }[]
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>
}

function operations(doc: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })))
}

test('every API operation documents its success answer with a schema, and problem+json for errors', async () => {
  const ops = operations((await t.app.inject('/api/openapi.json')).json())
  assert.ok(ops.length > 80, `the document lists ${ops.length} operations`)
  const undocumented = ops.filter(({ op }) => {
    const [code, success] = Object.entries(op.responses).find(([c]) => c.startsWith('2')) ?? []
    if (!success || success.description === 'Default Response') return true
    if (code === '204') return false // no content to describe
    return !success.content || Object.values(success.content).some((c) => !c.schema || Object.keys(c.schema).length === 0)
  })
  assert.deepEqual(undocumented.map((o) => o.name), [])
  const withoutProblem = ops.filter(({ op }) => !op.responses['4XX'] && !op.responses['4xx'])
  assert.deepEqual(withoutProblem.map((o) => o.name), [])
})

test('every path parameter is declared with a schema', async () => {
  const ops = operations((await t.app.inject('/api/openapi.json')).json())
  const missing = ops.flatMap(({ name, path, op }) =>
    [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((p) => !op.parameters?.some((q) => q.in === 'path' && q.name === p)).map((p) => `${name} {${p}}`),
  )
  assert.deepEqual(missing, [])
})

test('a route that declares no answer refuses to register: the app does not start', async () => {
  const app = Fastify({ logger: false })
  registerContract(app, { checkResponses: false })
  assert.throws(() => app.get('/api/undeclared', async () => ({ id: 1 })), /route GET \/api\/undeclared declares no success response schema/)
  await app.close()
})

/** A bare app with the contract on, and one route answering whatever `answer` holds. */
async function contractApp(answer: () => unknown) {
  const app = Fastify({ logger: false })
  registerProblemHandlers(app)
  registerContract(app, { checkResponses: true })
  app.get('/api/thing', { schema: { response: { 200: Type.Object({ id: Type.Integer(), name: Type.String(), note: Type.Optional(Type.String()) }) } } }, async () => answer())
  await app.ready()
  return app
}

test('the strict check fails an answer with a field the schema does not declare, naming it', async () => {
  const app = await contractApp(() => ({ id: 1, name: 'a', secret: 'x' }))
  const res = await app.inject('/api/thing')
  assert.equal(res.statusCode, 500)
  assert.match(res.json().detail, /outside its schema: .*must NOT have additional properties \(secret\)/)
  await app.close()
})

test('the strict check fails a wrong type and a missing field, and passes a faithful answer', async () => {
  for (const [answer, fault] of [[{ id: '1', name: 'a' }, /\/id must be integer/], [{ id: 1 }, /must have required property 'name'/]] as const) {
    const app = await contractApp(() => answer)
    const res = await app.inject('/api/thing')
    assert.equal(res.statusCode, 500)
    assert.match(res.json().detail, fault)
    await app.close()
  }
  const app = await contractApp(() => ({ id: 1, name: 'a', note: undefined }))
  const res = await app.inject('/api/thing')
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { id: 1, name: 'a' })
  await app.close()
})

test('without the check, the serializer keeps only declared fields: why every field must be declared', async () => {
  const app = Fastify({ logger: false })
  registerContract(app, { checkResponses: false })
  app.get('/api/thing', { schema: { response: { 200: Type.Object({ id: Type.Integer() }) } } }, async () => ({ id: 1, forgotten: 'gone' }))
  assert.deepEqual((await app.inject('/api/thing')).json(), { id: 1 })
  await app.close()
})
