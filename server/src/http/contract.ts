// The HTTP contract: every route declares the shape of what it takes and what it answers (TypeBox),
// and the OpenAPI document is made from those declarations. A route without a declared answer
// refuses to register. Declared answers are also what fast-json-stringify writes: a field a handler
// returns but the schema does not name is silently dropped, so the test apps switch on a strict
// check (checkResponses) that fails such a response loudly instead.
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { Type, type TSchema } from 'typebox'
import { HttpProblem } from './problem.ts'

/** RFC 9457 problem+json as http/problem.ts writes it; refusals add their own facts (limits, versions). */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'what went wrong and how to fix it, in English' }),
    detailZh: Type.Optional(Type.String({ description: 'the same in Chinese' })),
    code: Type.Optional(Type.String({ description: 'a stable key clients may branch on' })),
    field: Type.Optional(Type.String({ description: 'the request field at fault' })),
  },
  { additionalProperties: true, description: 'problem+json (RFC 9457)' },
)

/** A response that is not JSON (tiles, images, workbooks): its media type, documented, never serialized. */
export function binary(contentType: string, description: string) {
  return { description, content: { [contentType]: { schema: Type.String({ format: 'binary' }) } } }
}

/**
 * A multipart/form-data body, for the OpenAPI document only: the parts are read as a stream by
 * http/gis-upload.ts (which checks them), so the schema has no `type` and validates nothing here.
 */
export function multipartBody(fields: Record<string, { description: string; binary?: boolean }>) {
  const properties = Object.fromEntries(
    Object.entries(fields).map(([name, f]) => [name, f.binary ? { type: 'string', format: 'binary', description: f.description } : { type: 'string', description: f.description }]),
  )
  return { content: { 'multipart/form-data': { schema: { properties } } } }
}

/** An empty success (204 or a 200 that says only that it was done). */
export const NoContent = Type.Null({ description: 'no content' })

const ERROR_RESPONSES = { '4xx': Problem, '5xx': Problem }

type ResponseSchemas = Record<string, unknown>

/** Routes that are not part of the API (the web app's files, the API document itself). */
function isApiRoute(route: RouteOptions): boolean {
  const schema = route.schema as (FastifySchema & { hide?: boolean }) | undefined
  if (schema?.hide) return false
  return route.url === '/health' || route.url.startsWith('/api/') || route.url === '/ogc' || route.url.startsWith('/ogc/')
}

export function registerContract(app: FastifyInstance, { checkResponses }: { checkResponses: boolean }) {
  app.addHook('onRoute', (route) => {
    if (!isApiRoute(route)) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (methods.every((m) => m === 'HEAD')) return // Fastify's own HEAD twin of a GET
    const schema = (route.schema ?? {}) as FastifySchema & { response?: ResponseSchemas }
    const declared = Object.keys(schema.response ?? {}).some((code) => /^2(\d\d|xx)$/.test(code))
    if (!declared) throw new Error(`route ${methods.join(',')} ${route.url} declares no success response schema (http/contract.ts)`)
    route.schema = { ...schema, response: { ...ERROR_RESPONSES, ...schema.response } }
  })
  app.setValidatorCompiler(requestValidators())
  if (checkResponses) registerResponseCheck(app)
}

/**
 * Request validation: the URL's parts (query, params, headers) are strings and are coerced to the
 * declared types; a JSON body is typed already and is not, because coercion picks the first branch
 * of a union, so a `null` sent to clear a field arrived as `false`, `0` or `''` (and with null first,
 * a `false` arrived as null).
 */
function requestValidators() {
  const options = { strict: false, allErrors: false, removeAdditional: false, useDefaults: true, addUsedSchema: false } as const
  const url = addFormats.default(new Ajv({ ...options, coerceTypes: 'array' }))
  const body = addFormats.default(new Ajv({ ...options, coerceTypes: false }))
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? body : url).compile(schema)
}

/**
 * Validates each JSON answer, before it is serialized, against the route's declared schema with
 * every object closed (additionalProperties: false unless the schema says otherwise): a field the
 * schema forgot, a wrong type or a missing required field becomes a 500 naming the fault.
 */
function registerResponseCheck(app: FastifyInstance) {
  const ajv = addFormats.default(new Ajv({ strict: false, allErrors: true, coerceTypes: false }))
  const compiled = new WeakMap<object, ValidateFunction>()
  app.addHook('preSerialization', async (request, reply, payload) => {
    const responses = (request.routeOptions.schema as { response?: ResponseSchemas } | undefined)?.response
    if (!responses || payload === null || typeof payload !== 'object' || Buffer.isBuffer(payload)) return payload
    const status = reply.statusCode
    const entry = (responses[status] ?? responses[`${String(status)[0]}xx`] ?? responses.default) as TSchema | { content: Record<string, { schema: TSchema }> } | undefined
    if (!entry) throw new HttpProblem(500, 'Response Contract Broken', `${request.method} ${request.routeOptions.url} answered ${status}, which its schema does not declare`)
    const schema = 'content' in entry && entry.content ? entry.content[String(reply.getHeader('content-type') ?? '').split(';')[0]!]?.schema : (entry as TSchema)
    if (!schema) return payload
    let validate = compiled.get(schema)
    if (!validate) {
      validate = ajv.compile(closed(schema) as object)
      compiled.set(schema, validate)
    }
    // As the client receives it: Dates as ISO strings, undefined members gone.
    if (!validate(JSON.parse(JSON.stringify(payload)))) {
      const faults = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`)
      throw new HttpProblem(500, 'Response Contract Broken', `${request.method} ${request.routeOptions.url} answered ${status} outside its schema: ${faults.join('; ')}`)
    }
    return payload
  })
}

/** A copy of the schema with every object that does not say otherwise closed to undeclared members. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'properties' || key === '$defs' || key === 'patternProperties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, closed(v)])) : closed(value)
  if ((out.type === 'object' || out.properties) && out.additionalProperties === undefined && out.patternProperties === undefined) out.additionalProperties = false
  return out
}
