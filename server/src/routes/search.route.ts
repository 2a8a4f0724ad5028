import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { search } from '../repos/search.repo.ts'
import { SearchQuery, SearchResults } from '../schemas/map.schema.ts'

export const searchRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/search',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['map'],
        summary: 'Find villages, towns, admin codes, case and patch numbers within your scope',
        querystring: SearchQuery,
        response: { 200: SearchResults },
      },
    },
    async (request) => ({
      results: await search(db, request.query.q.trim(), principalOf(request).scope, request.query.limit ?? 10),
    }),
  )
}
