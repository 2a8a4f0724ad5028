import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { ping } from '../db/ping.ts'
import { Health } from '../schemas/map.schema.ts'
import { VERSION } from '../version.ts'

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness and database check', response: { 200: Health, 503: Health } } },
    async (request, reply) => {
      try {
        await ping(db)
        return { status: 'ok' as const, db: db.kind, version: VERSION }
      } catch (err) {
        request.log.error({ err }, 'health check: database unreachable')
        return reply.code(503).send({ status: 'error' as const, db: db.kind, version: VERSION })
      }
    },
  )
}
