import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'
import { getMeta } from '../repos/app-meta.repo.ts'
import { LAYERS } from '../sources/layers.ts'
import { DETAIL_ZOOM } from '../sources/tiles.ts'
import { VERSION } from '../version.ts'

const Meta = Type.Object({
  product: Type.Literal('chaiwei'),
  version: Type.String(),
  district: Type.Union([
    Type.Null(),
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      bbox: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
      center: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
    }),
  ]),
  sample: Type.Union([Type.Null(), Type.Object({ size: Type.String(), synthetic: Type.Boolean() })]),
  layers: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      minzoom: Type.Integer(),
      maxzoom: Type.Integer(),
      geometryType: Type.String(),
      aggregateBelowZoom: Type.Union([Type.Integer(), Type.Null()], { description: 'below this zoom tiles carry grid points with count and area_m2' }),
      aggregateAboveFeatures: Type.Union([Type.Integer(), Type.Null()], { description: 'a tile with more features than this carries grid points with count and area_m2 instead' }),
      tiles: Type.String(),
    }),
  ),
})

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
        layers: LAYERS.map((l) => ({
          id: l.id,
          title: l.title,
          minzoom: l.minzoom,
          maxzoom: DETAIL_ZOOM,
          geometryType: l.geometryKind,
          aggregateBelowZoom: l.aggregate?.belowZoom || null,
          aggregateAboveFeatures: l.aggregate?.maxFeatures ?? null,
          tiles: `/ogc/collections/${l.id}/tiles/WebMercatorQuad/{z}/{y}/{x}`,
        })),
      }
    },
  )
}
