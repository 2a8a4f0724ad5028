// The map's and the system's answers: health, the app's meta, the signed-in user, search, OGC API
// Features (landing, conformance, collections, queryables, items) and OGC API Tiles metadata. The
// routes declare these schemas, the repos return their Static types, and the web client
// (web/src/api.ts) imports those types with `import type`.
import { Type, type Static } from 'typebox'
import { ROLES } from '../domain/roles.ts'
import { Bbox, Geometry, Nullable } from './common.schema.ts'



// --- system ---------------------------------------------------------------------------------------

export const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
    db: Type.Union([Type.Literal('postgis'), Type.Literal('pglite')]),
    version: Type.String(),
  },
  { description: 'whether the server reaches its database, which backend, and the version' },
)
export type Health = Static<typeof Health>

/** The district this database serves: its extent and where the map opens. */
export const District = Type.Object({
  code: Type.String(),
  name: Type.String(),
  bbox: Bbox,
  center: Type.Tuple([Type.Number(), Type.Number()], { description: '[longitude, latitude]' }),
})
export type District = Static<typeof District>

/** A map layer: an OGC collection and its vector tiles. */
export const LayerInfo = Type.Object({
  id: Type.String(),
  title: Type.String(),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  geometryType: Type.String(),
  aggregateBelowZoom: Nullable(Type.Integer({ description: 'below this zoom tiles carry grid points with count and area_m2' })),
  aggregateAboveFeatures: Nullable(Type.Integer({ description: 'a tile with more features than this carries grid points with count and area_m2 instead' })),
  tiles: Type.String({ description: 'OGC API Tiles template with {z}/{y}/{x}: row before column' }),
})
export type LayerInfo = Static<typeof LayerInfo>

/** What the web app needs to start (GET /api/meta). */
export const Meta = Type.Object(
  {
    product: Type.Literal('chaiwei'),
    version: Type.String(),
    district: Type.Union([District, Type.Null()], { description: 'null until a district is loaded' }),
    sample: Nullable(Type.Object({ size: Type.String(), synthetic: Type.Boolean() })),
    layers: Type.Array(LayerInfo),
  },
  { description: "the district's extent, whether its data are synthetic, and the map layers" },
)
export type Meta = Static<typeof Meta>

// --- auth -----------------------------------------------------------------------------------------

export const User = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Enum(ROLES),
  scopeCode: Type.String({ description: 'admin-unit code the user sees and edits within' }),
})
export type User = Static<typeof User>

export const SignedIn = Type.Object({ user: User }, { description: 'the signed-in user' })

export const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)

// --- search ---------------------------------------------------------------------------------------

export const SEARCH_KINDS = ['district', 'town', 'village', 'case', 'detection'] as const

export const SearchHit = Type.Object({
  kind: Type.Enum(SEARCH_KINDS),
  id: Type.String({ description: 'admin code, case id or patch id' }),
  label: Type.String(),
  adminCode: Type.String({ description: 'the admin unit the hit lies in (its own code for admin units)' }),
  bbox: Bbox,
})
export type SearchHit = Static<typeof SearchHit>
export type SearchKind = SearchHit['kind']

export const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 100 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) },
  { additionalProperties: false },
)

export const SearchResults = Type.Object({ results: Type.Array(SearchHit) }, { description: 'the hits, exact matches first' })

// --- OGC API Features -----------------------------------------------------------------------------

export const Link = Type.Object({
  href: Type.String(),
  rel: Type.String(),
  type: Type.String(),
  title: Type.Optional(Type.String()),
  templated: Type.Optional(Type.Boolean({ description: 'href is a URI template' })),
})
export type Link = Static<typeof Link>

export const Landing = Type.Object({ title: Type.String(), description: Type.String(), links: Type.Array(Link) })
export type Landing = Static<typeof Landing>

export const Conformance = Type.Object({ conformsTo: Type.Array(Type.String()) })
export type Conformance = Static<typeof Conformance>

export const Collection = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  itemType: Type.Literal('feature'),
  crs: Type.Array(Type.String()),
  storageCrs: Type.String(),
  extent: Type.Object({
    spatial: Type.Object({ bbox: Type.Array(Bbox, { description: 'empty when the scope holds no feature' }), crs: Type.String() }),
    temporal: Type.Optional(
      Type.Object({
        // [start, end], null for an open end (an array, not a tuple: fast-json-stringify cannot serialize tuple items without a type)
        interval: Type.Array(Type.Array(Nullable(Type.String({ format: 'date-time' })), { minItems: 2, maxItems: 2 })),
        trs: Type.String(),
      }),
    ),
  }),
  links: Type.Array(Link),
})
export type Collection = Static<typeof Collection>

export const Collections = Type.Object({ links: Type.Array(Link), collections: Type.Array(Collection) })
export type Collections = Static<typeof Collections>

// The queryables are a JSON Schema document, so their members include `$schema`, `$id` and `$ref`.
// Named as properties, those keys would read as keywords of this schema to the tools that walk it
// (the OpenAPI generator resolves every `$id` and `$ref` it meets), so they are pattern properties.

/** One property in a collection's queryables (JSON Schema): `title` is the Chinese label; the geometry has a `$ref`. */
export const QueryableProperty = Type.Object(
  {
    title: Type.String(),
    type: Type.Optional(Type.String()),
    format: Type.Optional(Type.String()),
    enum: Type.Optional(Type.Array(Type.String())),
  },
  { patternProperties: { '^[$]ref$': Type.String({ description: 'the geometry: a GeoJSON schema' }) }, additionalProperties: false },
)
export type QueryableProperty = Static<typeof QueryableProperty> & { $ref?: string }

/** The properties a filter may name, as a JSON Schema document (OGC API Features Part 3) with `$schema` and `$id`. */
export const Queryables = Type.Object(
  {
    type: Type.Literal('object'),
    title: Type.String(),
    properties: Type.Record(Type.String(), QueryableProperty),
    additionalProperties: Type.Boolean(),
  },
  { patternProperties: { '^[$](schema|id)$': Type.String({ description: '$schema (JSON Schema 2020-12) and $id (this URL)' }) }, additionalProperties: false },
)
export type Queryables = Static<typeof Queryables> & { $schema: string; $id: string }

/**
 * A feature's geometry in the CRS asked for (Content-Crs names it). Outside EPSG:4326 and CRS84,
 * PostGIS's ST_AsGeoJSON also names it in a `crs` member (the 2008 GeoJSON form).
 */
export const ItemGeometry = Type.Object(
  {
    ...Geometry.properties,
    crs: Type.Optional(Type.Object({ type: Type.Literal('name'), properties: Type.Object({ name: Type.String({ description: 'e.g. EPSG:4548' }) }) })),
  },
  { description: 'GeoJSON geometry in the CRS of the request' },
)

/** One feature of a collection. Properties are per collection (see its queryables): coded English keys. */
export const Feature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Union([Type.String(), Type.Number()]),
  geometry: Nullable(ItemGeometry),
  properties: Type.Record(Type.String(), Type.Unknown(), { description: "the collection's properties" }),
})
export type Feature = Static<typeof Feature>

/** One feature as GET …/items/{featureId} answers it: with its links. */
export const FeatureItem = Type.Object({ ...Feature.properties, links: Type.Array(Link) })
export type FeatureItem = Static<typeof FeatureItem>

/** A page of features (GET …/items). */
export const FeatureCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  numberMatched: Type.Integer({ minimum: 0 }),
  numberReturned: Type.Integer({ minimum: 0 }),
  timeStamp: Type.String({ format: 'date-time' }),
  links: Type.Array(Link),
  features: Type.Array(Feature),
})
export type FeatureCollection = Static<typeof FeatureCollection>

// --- OGC API Tiles --------------------------------------------------------------------------------

const TilesetSummary = Type.Object({
  title: Type.String(),
  dataType: Type.Literal('vector'),
  crs: Type.String(),
  tileMatrixSetURI: Type.String(),
  links: Type.Array(Link),
})

/** The vector tilesets of a collection (GET …/tiles). */
export const Tilesets = Type.Object({ links: Type.Array(Link), tilesets: Type.Array(TilesetSummary) }, { description: 'the vector tilesets of the collection' })
export type Tilesets = Static<typeof Tilesets>

/** Tileset metadata (GET …/tiles/WebMercatorQuad). */
export const Tileset = Type.Object(
  {
    title: Type.String(),
    dataType: Type.Literal('vector'),
    crs: Type.String(),
    tileMatrixSetURI: Type.String(),
    tileMatrixSetLimits: Type.Array(
      Type.Object({ tileMatrix: Type.String(), minTileRow: Type.Integer(), maxTileRow: Type.Integer(), minTileCol: Type.Integer(), maxTileCol: Type.Integer() }),
    ),
    layers: Type.Array(
      Type.Object({
        id: Type.String(),
        dataType: Type.Literal('vector'),
        geometryDimension: Type.Integer({ minimum: 0, maximum: 2 }),
        minTileMatrix: Type.String(),
        maxTileMatrix: Type.String(),
        propertiesSchema: Type.Object({
          type: Type.Literal('object'),
          properties: Type.Record(Type.String(), Type.Object({ description: Type.String() })),
        }),
      }),
    ),
    links: Type.Array(Link),
  },
  { description: 'the tileset: its layer, zooms and attributes, and the tile URL template' },
)
export type Tileset = Static<typeof Tileset>

/** TileJSON 3.0 (GET …/tiles/WebMercatorQuad/tilejson.json), for MapLibre. */
export const TileJson = Type.Object(
  {
    tilejson: Type.String(),
    name: Type.String(),
    scheme: Type.Literal('xyz'),
    tiles: Type.Array(Type.String()),
    minzoom: Type.Integer(),
    maxzoom: Type.Integer(),
    bounds: Type.Optional(Bbox),
    center: Type.Optional(Type.Tuple([Type.Number(), Type.Number(), Type.Number()], { description: '[longitude, latitude, zoom]' })),
    vector_layers: Type.Array(
      Type.Object({
        id: Type.String(),
        description: Type.String(),
        minzoom: Type.Integer(),
        maxzoom: Type.Integer(),
        fields: Type.Record(Type.String(), Type.String(), { description: 'attribute → its type (and what it means)' }),
      }),
    ),
  },
  { description: 'TileJSON 3.0.0' },
)
export type TileJson = Static<typeof TileJson>

export const TileMatrixSets = Type.Object(
  { tileMatrixSets: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), uri: Type.String(), links: Type.Array(Link) })) },
  { description: 'the tile matrix sets offered (WebMercatorQuad)' },
)
export type TileMatrixSets = Static<typeof TileMatrixSets>

/** The WebMercatorQuad tile matrix set (OGC 17-083r4). */
export const TileMatrixSet = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    uri: Type.String(),
    crs: Type.String(),
    orderedAxes: Type.Array(Type.String()),
    wellKnownScaleSet: Type.String(),
    tileMatrices: Type.Array(
      Type.Object({
        id: Type.String(),
        scaleDenominator: Type.Number(),
        cellSize: Type.Number(),
        cornerOfOrigin: Type.Literal('topLeft'),
        pointOfOrigin: Type.Tuple([Type.Number(), Type.Number()]),
        tileWidth: Type.Integer(),
        tileHeight: Type.Integer(),
        matrixWidth: Type.Integer(),
        matrixHeight: Type.Integer(),
      }),
    ),
  },
  { description: 'the WebMercatorQuad tile matrix set, zoom 0 to the deepest tile' },
)
export type TileMatrixSet = Static<typeof TileMatrixSet>
