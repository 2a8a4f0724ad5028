// Offline clients replay queued writes; a replay must not write twice. A write sent with an
// `Idempotency-Key` header (a UUID the client made when the user acted) runs once per signed-in
// user: a repeat with the same key gets the first answer again (status, body, ETag) with
// `Idempotent-Replayed: true`, whether or not the first answer ever reached the client (a tab killed
// mid-sync). A repeat while the first is still running gets 409 and Retry-After; a key reused for
// a different request gets 422. A first request that failed on the server (5xx) frees its key.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '../db/db.ts'
import { claimKey, releaseKey, storeAnswer } from '../repos/idempotency.repo.ts'
import { HttpProblem } from './problem.ts'

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A claimed key whose request has not answered in this long was cut off (a server stopped mid-write). */
const ABANDONED_MS = 10 * 60 * 1000

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: number; key: string } | null
  }
}

function keyOf(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key']
  if (raw === undefined || !WRITES.has(request.method)) return null
  const key = (Array.isArray(raw) ? raw[0] : raw)!.trim().replace(/^"(.*)"$/, '$1')
  if (!UUID.test(key)) throw new HttpProblem(400, 'Bad Request', 'Idempotency-Key must be a UUID the client made for this one operation', { field: 'Idempotency-Key', code: 'bad_idempotency_key', detailZh: 'Idempotency-Key 必须是 UUID' })
  return key.toLowerCase()
}

export function registerIdempotency(app: FastifyInstance, db: Db) {
  app.decorateRequest('idempotency', null)

  // preHandler: after the access check (the key belongs to the signed-in user) and body validation
  // (a malformed request is refused without claiming its key).
  app.addHook('preHandler', async (request, reply) => {
    const key = keyOf(request)
    const userId = request.principal?.user.id
    if (!key || userId === undefined) return
    const url = request.url
    let stored = await claimKey(db, userId, key, request.method, url)
    if (stored && stored.status === null && stored.ageMs > ABANDONED_MS) {
      await releaseKey(db, userId, key)
      stored = await claimKey(db, userId, key, request.method, url)
    }
    if (!stored) {
      request.idempotency = { userId, key }
      return
    }
    if (stored.method !== request.method || stored.url !== url) {
      throw new HttpProblem(422, 'Unprocessable Content', `Idempotency-Key ${key} was used for ${stored.method} ${stored.url}; make a new key for each operation`, { code: 'idempotency_key_reused', detailZh: '该 Idempotency-Key 已用于另一个操作' })
    }
    if (stored.status === null) {
      reply.header('retry-after', '1')
      throw new HttpProblem(409, 'Conflict', 'the first request with this Idempotency-Key is still running; retry in a moment', { code: 'idempotent_in_progress', detailZh: '该操作正在处理中，请稍后重试' })
    }
    reply.code(stored.status).header('idempotent-replayed', 'true')
    if (stored.contentType) reply.type(stored.contentType)
    if (stored.etag) reply.header('etag', stored.etag)
    return reply.send(stored.body ?? '')
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency
    if (!claim) return payload
    request.idempotency = null
    if (reply.statusCode >= 500) {
      await releaseKey(db, claim.userId, claim.key)
      return payload
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null
    const etag = reply.getHeader('etag')
    await storeAnswer(db, claim.userId, claim.key, {
      status: reply.statusCode, contentType: (reply.getHeader('content-type') as string | undefined) ?? null, body, etag: typeof etag === 'string' ? etag : null,
    })
    return payload
  })
}
