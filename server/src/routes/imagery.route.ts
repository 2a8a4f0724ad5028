// The sample district's synthetic before/after imagery (imagery/sample-imagery.ts), as XYZ PNG tiles
// computed on request from the batch's patches, the buildings and the parcels in the caller's
// scope. Real batches point their imagery at XYZ, WMTS or COG URLs instead.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IMAGERY_MINZOOM, renderTile, tileBbox } from '../imagery/sample-imagery.ts'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { binary, NoContent } from '../http/contract.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { getBatch, imageryFeatures } from '../repos/detection-batches.repo.ts'

const CACHE_ENTRIES = 2000

export const imageryRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  // Sample imagery does not change while the app runs: tiles are kept (by scope) once drawn.
  const cache = new Map<string, Uint8Array | null>()
  app.get(
    '/api/imagery/sample/:batchId/:side/:z/:x/:y.png',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['patches'],
        summary: `Synthetic before/after imagery of a sample batch (XYZ, 256 px PNG); 204 below zoom ${IMAGERY_MINZOOM}`,
        params: Type.Object({
          batchId: Type.Integer({ minimum: 1 }),
          side: Type.Enum(['before', 'after']),
          z: Type.Integer({ minimum: 0, maximum: 22 }),
          x: Type.Integer({ minimum: 0 }),
          y: Type.Integer({ minimum: 0 }),
        }),
        response: { 200: binary('image/png', '256 px PNG tile'), 204: NoContent },
      },
    },
    async (request, reply) => {
      const { batchId, side, z, x, y } = request.params
      const n = 2 ** z
      if (x >= n || y >= n) throw badRequest(`tile ${z}/${x}/${y} is outside the tile matrix`)
      const { scope } = principalOf(request)
      const key = `${batchId}/${side}/${z}/${x}/${y}/${scope}`
      let png = cache.get(key)
      if (png === undefined) {
        if (!(await getBatch(db, batchId, scope))) throw notFound(`no batch ${batchId}`)
        png = z < IMAGERY_MINZOOM ? null : renderTile(z, x, y, side, await imageryFeatures(db, batchId, scope, tileBbox(z, x, y)))
        cache.set(key, png)
        if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!)
      }
      reply.header('cache-control', 'private, max-age=3600')
      if (!png) return reply.code(204).send(null)
      // the PNG's bytes, sent as they are (binary() declares them as a string of format binary)
      return reply.type('image/png').send(Buffer.from(png) as unknown as string)
    },
  )
}
