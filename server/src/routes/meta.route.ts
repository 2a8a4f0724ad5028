import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'
import { getMeta } from '../repos/app-meta.repo.ts'
import { Meta } from '../schemas/map.schema.ts'
import { LAYERS } from '../sources/layers.ts'
import { DETAIL_ZOOM } from '../sources/tiles.ts'
import { VERSION } from '../version.ts'

/** The layers as /api/meta lists them: what the web app builds its style from. */
export const metaLayers = () =>
  LAYERS.map((l) => ({
    id: l.id,
    title: l.title,
    minzoom: l.minzoom,
    maxzoom: DETAIL_ZOOM,
    geometryType: l.geometryKind,
    aggregateBelowZoom: l.aggregate?.belowZoom || null,
    aggregateAboveFeatures: l.aggregate?.maxFeatures ?? null,
    tiles: `/ogc/collections/${l.id}/tiles/WebMercatorQuad/{z}/{y}/{x}`,
  }))

/** What the web app needs to start: the district's extent, whether data is synthetic, the layers. */
export const metaRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/meta',
    { config: { access: { roles: READERS } }, schema: { tags: ['system'], summary: 'District, sample data and layers', response: { 200: Meta } } },
    async () => {
      const [district, sample] = await Promise.all([getDistrict(db), getMeta<{ size: string }>(db, 'sample')])
      return {
        product: 'chaiwei' as const,
        version: VERSION,
        district,
        sample: sample ? { size: sample.size, synthetic: true } : null,
        layers: metaLayers(),
      }
    },
  )
}
