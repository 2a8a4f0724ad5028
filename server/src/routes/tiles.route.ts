// OGC API - Tiles (WebMercatorQuad, Mapbox Vector Tiles): tiles, tileset metadata, TileJSON.
import type { FastifyRequest } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { binary, NoContent } from '../http/contract.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'
import { LAYERS, type LayerSource } from '../sources/layers.ts'
import { DETAIL_ZOOM, MAX_ZOOM, pruneTileInvalidations, TileService } from '../sources/tiles.ts'
import { TileJson, TileMatrixSet, TileMatrixSets, Tileset, Tilesets } from '../schemas/map.schema.ts'

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile'
const TMS_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad'
const WEB_MERCATOR_HALF = 20037508.3427892

const TileParams = Type.Object({
  collectionId: Type.String(),
  z: Type.Integer({ minimum: 0, maximum: MAX_ZOOM }),
  y: Type.Integer({ minimum: 0 }),
  x: Type.Integer({ minimum: 0 }),
})

/** `r` (a client's cache-buster), `f` (OGC's format parameter) and the narrowing filters some layers take (checked by tileFiltersOf). */
const TileQuery = Type.Object(
  {
    r: Type.Optional(Type.String({ description: 'ignored: a cache-buster' })),
    f: Type.Optional(Type.String({ description: 'ignored: the format is MVT' })),
    ...Object.fromEntries(
      [...new Set(LAYERS.flatMap((l) => Object.keys(l.tileFilters ?? {})))].map((name) => [
        name,
        Type.Optional(Type.String({ description: `tiles of ${LAYERS.filter((l) => l.tileFilters?.[name]).map((l) => l.id).join(', ')} only: a positive integer` })),
      ]),
    ),
  },
  { additionalProperties: true, description: 'any other parameter is refused (400)' },
)

const base = (request: FastifyRequest) => `${request.protocol}://${request.host}`
const tileTemplate = (request: FastifyRequest, layer: LayerSource) =>
  `${base(request)}/ogc/collections/${layer.id}/tiles/WebMercatorQuad/{z}/{y}/{x}`

/** The attributes a tile of this layer carries, for TileJSON's vector_layers and the tileset. */
function tileFields(layer: LayerSource): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const c of layer.tileColumns) {
    const p = layer.properties.find((q) => q.name === c)
    fields[c] = p?.type === 'integer' || p?.type === 'number' ? 'Number' : p?.type === 'boolean' ? 'Boolean' : 'String'
  }
  for (const name of Object.keys(layer.tileExpressions ?? {})) fields[name] = 'Boolean'
  const agg = layer.aggregate
  if (agg) {
    const where = [agg.belowZoom > 0 ? `below zoom ${agg.belowZoom}` : '', agg.maxFeatures ? `in tiles with over ${agg.maxFeatures} features` : '']
      .filter(Boolean)
      .join(' and ')
    fields.count = `Number (${where}: features in the grid cell${agg.groupBy ? ` with this ${agg.groupBy}` : ''})`
    fields.area_m2 = `Number (${where}: summed area in the grid cell, m²)`
  }
  return fields
}

/** A tile request's narrowing parameters, checked against the layer's allow-list; `r` (a client's
 *  cache-buster) and `f` (OGC's format parameter) are ignored, anything else is a 400 rather than a silently unfiltered tile. */
function tileFiltersOf(layer: LayerSource, query: Record<string, string>): Record<string, number> {
  const filters: Record<string, number> = {}
  for (const [name, raw] of Object.entries(query)) {
    if (name === 'r' || name === 'f') continue
    if (!layer.tileFilters?.[name]) {
      const allowed = Object.keys(layer.tileFilters ?? {})
      throw badRequest(`${name}: tiles of ${layer.id} take ${allowed.length ? allowed.join(', ') : 'no parameters'}`, { field: name })
    }
    const value = Number(raw)
    if (!Number.isSafeInteger(value) || value < 1) throw badRequest(`${name} must be a positive integer`, { field: name })
    filters[name] = value
  }
  return filters
}

export const tileRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tiles = new TileService(LAYERS, app.log)
  const access = { access: { roles: READERS } }
  const layerOf = (id: string) => {
    const layer = tiles.layer(id)
    if (!layer) throw notFound(`no collection ${id}; collections: ${LAYERS.map((l) => l.id).join(', ')}`)
    return layer
  }

  // The invalidation log only needs to outlive the cache entries it could void.
  const prune = setInterval(() => pruneTileInvalidations(db).catch((err) => app.log.warn({ err }, 'pruning tile invalidations failed')), 15 * 60_000)
  prune.unref()
  app.addHook('onClose', async () => clearInterval(prune))

  app.get(
    '/ogc/collections/:collectionId/tiles/WebMercatorQuad/:z/:y/:x',
    {
      // Made and cached on the primary: the cache's freshness check compares database snapshots,
      // and a hot standby's pg_current_snapshot() does not list the primary's running transactions.
      config: { ...access, readFrom: 'primary' as const },
      schema: {
        tags: ['tiles'],
        summary: 'A vector tile of one collection (z/row/col); 204 when empty',
        description: 'Private to the signed-in user (tiles differ by scope); revalidate with If-None-Match (304).',
        params: TileParams,
        querystring: TileQuery,
        response: { 200: binary(MVT_TYPE, 'Mapbox Vector Tile'), 204: NoContent, 304: Type.Null({ description: 'Not Modified: the tile still has the ETag sent in If-None-Match' }) },
      },
    },
    async (request, reply) => {
      const { collectionId, z, x, y } = request.params
      const layer = layerOf(collectionId)
      const n = 2 ** z
      if (x >= n || y >= n) throw badRequest(`tile ${z}/${y}/${x} is outside the tile matrix: at zoom ${z} row and column run from 0 to ${n - 1}`)
      const result = await tiles.get(db, layer, { z, x, y, scope: principalOf(request).scope, filters: tileFiltersOf(layer, request.query as Record<string, string>) })
      // Tiles differ per user scope: private to the browser, revalidated by ETag.
      reply.header('cache-control', 'private, no-cache').header('vary', 'cookie').header('x-tile-cache', result.cache)
      if (!result.tile) return reply.code(204).send(null)
      reply.header('etag', result.etag!)
      if (request.headers['if-none-match'] === result.etag) return reply.code(304).send(null)
      // the tile's bytes, sent as they are (binary() declares them as a string of format binary)
      return reply.type(MVT_TYPE).send(Buffer.from(result.tile) as unknown as string)
    },
  )

  const CollectionParams = Type.Object({ collectionId: Type.String() })

  app.get(
    '/ogc/collections/:collectionId/tiles',
    { config: access, schema: { tags: ['tiles'], summary: 'Vector tilesets of a collection', params: CollectionParams, response: { 200: Tilesets } } },
    async (request): Promise<Tilesets> => {
      const layer = layerOf(request.params.collectionId)
      const self = `${base(request)}/ogc/collections/${layer.id}/tiles`
      return {
        links: [{ href: self, rel: 'self', type: 'application/json' }],
        tilesets: [
          {
            title: `${layer.title} (WebMercatorQuad)`,
            dataType: 'vector',
            crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
            tileMatrixSetURI: TMS_URI,
            links: [
              { href: `${self}/WebMercatorQuad`, rel: 'self', type: 'application/json', title: 'tileset metadata' },
              { href: `${base(request)}/ogc/tileMatrixSets/WebMercatorQuad`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: 'application/json' },
            ],
          },
        ],
      }
    },
  )

  app.get(
    '/ogc/collections/:collectionId/tiles/WebMercatorQuad',
    { config: access, schema: { tags: ['tiles'], summary: 'Tileset metadata', params: CollectionParams, response: { 200: Tileset } } },
    async (request): Promise<Tileset> => {
      const layer = layerOf(request.params.collectionId)
      const self = `${base(request)}/ogc/collections/${layer.id}/tiles/WebMercatorQuad`
      return {
        title: layer.title,
        dataType: 'vector',
        crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
        tileMatrixSetURI: TMS_URI,
        tileMatrixSetLimits: [],
        layers: [{ id: layer.id, dataType: 'vector', geometryDimension: layer.geometryKind === 'line' ? 1 : layer.geometryKind === 'point' ? 0 : 2, minTileMatrix: String(layer.minzoom), maxTileMatrix: String(MAX_ZOOM), propertiesSchema: { type: 'object', properties: Object.fromEntries(Object.entries(tileFields(layer)).map(([k, v]) => [k, { description: v }])) } }],
        links: [
          { href: self, rel: 'self', type: 'application/json' },
          { href: tileTemplate(request, layer).replace('{z}/{y}/{x}', '{tileMatrix}/{tileRow}/{tileCol}'), rel: 'item', type: MVT_TYPE, templated: true },
          { href: `${self}/tilejson.json`, rel: 'alternate', type: 'application/json', title: 'TileJSON' },
          { href: `${base(request)}/ogc/tileMatrixSets/WebMercatorQuad`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: 'application/json' },
        ],
      }
    },
  )

  app.get(
    '/ogc/collections/:collectionId/tiles/WebMercatorQuad/tilejson.json',
    { config: access, schema: { tags: ['tiles'], summary: 'TileJSON 3.0 for MapLibre', params: CollectionParams, response: { 200: TileJson } } },
    async (request): Promise<TileJson> => {
      const layer = layerOf(request.params.collectionId)
      const district = await getDistrict(db)
      return {
        tilejson: '3.0.0',
        name: layer.title,
        scheme: 'xyz',
        tiles: [tileTemplate(request, layer)],
        minzoom: layer.minzoom,
        maxzoom: DETAIL_ZOOM,
        ...(district ? { bounds: district.bbox, center: [...district.center, 10] } : {}),
        vector_layers: [{ id: layer.id, description: layer.description, minzoom: layer.minzoom, maxzoom: DETAIL_ZOOM, fields: tileFields(layer) }],
      }
    },
  )

  app.get('/ogc/tileMatrixSets', { config: access, schema: { tags: ['tiles'], summary: 'Tile matrix sets', response: { 200: TileMatrixSets } } }, async (request): Promise<TileMatrixSets> => ({
    tileMatrixSets: [{ id: 'WebMercatorQuad', title: 'Google Maps Compatible for the World', uri: TMS_URI, links: [{ href: `${base(request)}/ogc/tileMatrixSets/WebMercatorQuad`, rel: 'self', type: 'application/json' }] }],
  }))

  app.get('/ogc/tileMatrixSets/WebMercatorQuad', { config: access, schema: { tags: ['tiles'], summary: 'The WebMercatorQuad definition', response: { 200: TileMatrixSet } } }, async (): Promise<TileMatrixSet> => ({
    id: 'WebMercatorQuad',
    title: 'Google Maps Compatible for the World',
    uri: TMS_URI,
    crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
    orderedAxes: ['X', 'Y'],
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
    tileMatrices: Array.from({ length: MAX_ZOOM + 1 }, (_, z) => ({
      id: String(z),
      scaleDenominator: 559082264.0287178 / 2 ** z,
      cellSize: 156543.03392804097 / 2 ** z,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: [-WEB_MERCATOR_HALF, WEB_MERCATOR_HALF],
      tileWidth: 256,
      tileHeight: 256,
      matrixWidth: 2 ** z,
      matrixHeight: 2 ** z,
    })),
  }))
}
