import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { search } from '../repos/search.repo.ts'

const Hit = Type.Object({
  kind: Type.Enum(['district', 'town', 'village', 'case', 'detection']),
  id: Type.String({ description: 'admin code, case id or patch id' }),
  label: Type.String(),
  adminCode: Type.String(),
  bbox: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
})

export const searchRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/search',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['map'],
        summary: 'Find villages, towns, admin codes, case and patch numbers within your scope',
        querystring: Type.Object(
          { q: Type.String({ minLength: 1, maxLength: 100 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(Hit) }) },
      },
    },
    async (request) => ({
      results: await search(db, request.query.q.trim(), principalOf(request).scope, request.query.limit ?? 10),
    }),
  )
}
