// OGC API Tiles, WebMercatorQuad, as Mapbox Vector Tiles (the tile resource only, for now).
import { createHash } from 'node:crypto'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { LAYERS } from '../sources/layers.ts'
import { MAX_ZOOM, tileMaker } from '../sources/tiles.ts'

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile'

const TileParams = Type.Object({
  collectionId: Type.String(),
  z: Type.Integer({ minimum: 0, maximum: MAX_ZOOM }),
  y: Type.Integer({ minimum: 0 }),
  x: Type.Integer({ minimum: 0 }),
})

export const tileRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const makers = new Map(LAYERS.map((l) => [l.id, tileMaker(l)]))

  app.get(
    '/ogc/collections/:collectionId/tiles/WebMercatorQuad/:z/:y/:x',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['tiles'],
        summary: 'A vector tile of one collection (z/row/col); 204 when empty',
        params: TileParams,
      },
    },
    async (request, reply) => {
      const { collectionId, z, x, y } = request.params
      const maker = makers.get(collectionId)
      if (!maker) throw notFound(`no collection ${collectionId}; collections: ${[...makers.keys()].join(', ')}`)
      const n = 2 ** z
      if (x >= n || y >= n) throw badRequest(`tile ${z}/${y}/${x} is outside the tile matrix: at zoom ${z} row and column run from 0 to ${n - 1}`)
      const tile = await maker.make(db, { z, x, y, scope: principalOf(request).scope })
      // Tiles differ per user scope: private to the browser, revalidated by ETag.
      reply.header('cache-control', 'private, no-cache').header('vary', 'cookie')
      if (!tile) return reply.code(204).send()
      const etag = `"${createHash('sha1').update(tile).digest('base64url')}"`
      reply.header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(MVT_TYPE).send(Buffer.from(tile))
    },
  )
}
