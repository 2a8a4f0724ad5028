// Mapbox Vector Tiles for a layer in the WebMercatorQuad tile matrix set.
//
// One encoder for both backends: PostGIS selects the rows through the GiST index (the tile
// envelope is transformed to the stored SRID, never the column) and simplifies them for the zoom;
// geojson-vt clips and quantises, vt-pbf writes the protobuf. The embedded PostGIS has no
// protobuf (no ST_AsMVT), so encoding in JS is what makes a tile identical on both backends.
import { createHash } from 'node:crypto'
import GeoJSONVT from 'geojson-vt'
import vtpbf from 'vt-pbf'
import type { Feature, Geometry } from 'geojson'
import type { Queryable } from '../db/db.ts'
import type { LayerSource } from './layers.ts'
import { inScope } from '../repos/scope.sql.ts'
import type { Scope } from '../domain/scope.ts'

export const TILE_EXTENT = 4096
/** Tile edge buffer in tile units (64 of 4096 = 1/64 of the tile), so strokes do not break at edges. */
const TILE_BUFFER = 64
/** The most features one tile carries. */
export const MAX_FEATURES_PER_TILE = 20_000
/** A tile larger than this is logged as over budget (docs/api.md); aggregation keeps low zooms well under. */
export const TILE_BYTE_BUDGET = 512 * 1024
export const MAX_ZOOM = 22
/** Tiles hold full detail from here on; clients overzoom them instead of fetching deeper ones. */
export const DETAIL_ZOOM = 16
/** Aggregation grid: cells per tile edge (8 px cells on a 256 px tile). */
const GRID_CELLS_PER_TILE = 32

export interface TileRequest {
  z: number
  x: number
  y: number
  /** Admin-unit code of the caller's scope. */
  scope: Scope
  /** Values of the layer's tileFilters (absent: not narrowed). */
  filters?: Readonly<Record<string, number>>
}

interface Row {
  geojson: string
  props: Record<string, unknown> | string
}

const TILE_ENVELOPE = `ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ${TILE_BUFFER / TILE_EXTENT}), 4326)`

/** The layer's tile filters in a fixed order: their values follow the scope as $5, $6, … */
const filterNames = (layer: LayerSource) => Object.keys(layer.tileFilters ?? {}).sort()

/** SQL for one layer, built once. $1..$3 = z, x, y; $4 = scope code; then the filters (NULL: any). */
function tileSql(layer: LayerSource): { features: string; aggregated: string | null } {
  const filters = filterNames(layer).map((name, i) => `AND ($${5 + i}::bigint IS NULL OR ${layer.tileFilters![name]} = $${5 + i})`).join(' ')
  const scope = `${layer.scopeColumn ? `AND ${inScope(layer.scopeColumn, '$4')}` : 'AND $4::text IS NOT NULL'} ${filters}${layer.publishedWhere ? ` AND (${layer.publishedWhere})` : ''}`
  const props = [
    ...layer.tileColumns.map((c) => `'${c}', ${c}`),
    ...Object.entries(layer.tileExpressions ?? {}).map(([name, sql]) => `'${name}', (${sql})`),
  ].join(', ')
  // Simplify to about a quarter pixel at this zoom (in degrees); nothing at the detailed zooms.
  // ST_Simplify (PostGIS's own Douglas-Peucker, keeping collapsed shapes) rather than
  // ST_SimplifyPreserveTopology: the latter is GEOS's, rewritten in GEOS 3.12, and gives other
  // shapes on the embedded backend (GEOS 3.14) than on Debian's server (GEOS 3.11).
  const features = `
    WITH tile AS (SELECT ${TILE_ENVELOPE} AS env)
    SELECT ST_AsGeoJSON(CASE WHEN $1 < 15 THEN ST_Simplify(geom, 90.0 / (256 * 4 * 2 ^ $1), true) ELSE geom END, 7) AS geojson,
           json_strip_nulls(json_build_object(${props})) AS props
    FROM ${layer.table}, tile
    WHERE geom && tile.env ${scope}
    ORDER BY ${layer.key}
    LIMIT ${MAX_FEATURES_PER_TILE}`
  const agg = layer.aggregate
  const group = agg?.groupBy ? `, ${agg.groupBy}` : ''
  const aggregated = agg
    ? `
    WITH tile AS (SELECT ${TILE_ENVELOPE} AS env, 360.0 / (2 ^ $1) / ${GRID_CELLS_PER_TILE} AS cell),
    pts AS (SELECT ${layer.key} AS key, ${agg.point} AS pt, ${agg.areaColumn} AS area${group}
            FROM ${layer.table}, tile WHERE geom && tile.env ${scope})
    SELECT ST_AsGeoJSON(ST_Centroid(ST_Collect(pt)), 7) AS geojson,
           json_build_object('count', count(*), 'area_m2', round(coalesce(sum(area), 0))${agg.groupBy ? `, '${agg.groupBy}', ${agg.groupBy}` : ''}) AS props
    FROM pts, tile
    WHERE pt && tile.env
    GROUP BY floor(ST_X(pt) / tile.cell), floor(ST_Y(pt) / tile.cell)${group}
    ORDER BY min(key)
    LIMIT ${MAX_FEATURES_PER_TILE}`
    : null
  return { features, aggregated }
}

export interface TileResult {
  tile: Uint8Array | null
  etag: string | null
  cache: 'hit' | 'miss'
}

interface CacheEntry extends TileResult {
  /** Newest tile_invalidations.seq when the tile was made: a newer entry meeting the tile voids it. */
  seq: number
  madeAt: number
}

export interface TileCacheOptions {
  maxEntries?: number
  maxAgeMs?: number
}

export class TileService {
  private readonly sql: Map<string, { features: string; aggregated: string | null }>
  private readonly cache = new Map<string, CacheEntry>()
  private readonly maxEntries: number
  private readonly maxAgeMs: number

  constructor(
    private readonly layers: readonly LayerSource[],
    private readonly log: { warn(obj: object, msg: string): void },
    options: TileCacheOptions = {},
  ) {
    this.sql = new Map(layers.map((l) => [l.id, tileSql(l)]))
    this.maxEntries = options.maxEntries ?? 20_000
    this.maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000
  }

  layer(id: string): LayerSource | undefined {
    return this.layers.find((l) => l.id === id)
  }

  async get(db: Queryable, layer: LayerSource, req: TileRequest): Promise<TileResult> {
    const narrowed = filterNames(layer).map((name) => `${name}=${req.filters?.[name] ?? ''}`).join('&')
    const key = `${layer.id}/${req.z}/${req.x}/${req.y}/${req.scope}?${narrowed}`
    const cached = this.cache.get(key)
    if (cached && Date.now() - cached.madeAt < this.maxAgeMs) {
      const stale = await db.query(
        `SELECT 1 FROM tile_invalidations WHERE seq > $4 AND layer_table = $5 AND bbox && ${TILE_ENVELOPE} LIMIT 1`,
        [req.z, req.x, req.y, cached.seq, layer.table],
      )
      if (stale.rowCount === 0) {
        this.cache.delete(key) // re-insert: Map order is the LRU order
        this.cache.set(key, cached)
        return { tile: cached.tile, etag: cached.etag, cache: 'hit' }
      }
    }
    // Read the log position first: a change committed while the tile is made voids it next time.
    const seq = (await db.query<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM tile_invalidations')).rows[0]!.s
    const tile = await this.make(db, layer, req)
    const etag = tile ? `"${createHash('sha1').update(tile).digest('base64url')}"` : null
    this.cache.delete(key)
    this.cache.set(key, { tile, etag, seq, madeAt: Date.now(), cache: 'miss' })
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!)
    return { tile, etag, cache: 'miss' }
  }

  /** The encoded tile, or null when nothing lies in it. */
  async make(db: Queryable, layer: LayerSource, { z, x, y, scope, filters }: TileRequest): Promise<Uint8Array | null> {
    if (z < layer.minzoom) return null
    const sql = this.sql.get(layer.id)!
    const params = [z, x, y, scope, ...filterNames(layer).map((name) => filters?.[name] ?? null)]
    const agg = layer.aggregate
    let rows: Row[]
    if (agg && z < agg.belowZoom) {
      rows = (await db.query<Row>(sql.aggregated!, params)).rows
    } else {
      rows = (await db.query<Row>(sql.features, params)).rows
      // Too many to draw one by one (and to fit the byte budget): the same tile, aggregated.
      if (agg?.maxFeatures && rows.length > agg.maxFeatures) rows = (await db.query<Row>(sql.aggregated!, params)).rows
    }
    if (rows.length === 0) return null
    if (rows.length === MAX_FEATURES_PER_TILE) this.log.warn({ layer: layer.id, z, x, y }, 'tile cut at the feature cap')
    const features: Feature<Geometry>[] = rows.map((r) => ({
      type: 'Feature',
      geometry: JSON.parse(r.geojson) as Geometry,
      properties: typeof r.props === 'string' ? (JSON.parse(r.props) as Record<string, unknown>) : r.props,
    }))
    const index = new GeoJSONVT(
      { type: 'FeatureCollection', features },
      { maxZoom: z, indexMaxZoom: 0, extent: TILE_EXTENT, buffer: TILE_BUFFER, tolerance: 3 },
    )
    const tile = index.getTile(z, x, y)
    if (!tile || tile.features.length === 0) return null
    const pbf = vtpbf.fromGeojsonVt({ [layer.id]: tile }, { version: 2, extent: TILE_EXTENT })
    if (pbf.byteLength > TILE_BYTE_BUDGET) this.log.warn({ layer: layer.id, z, x, y, bytes: pbf.byteLength }, 'tile over the byte budget')
    return pbf
  }
}

/** Forget invalidations older than any cache entry can be (entries expire after maxAge). */
export async function pruneTileInvalidations(db: Queryable, olderThanHours = 2): Promise<void> {
  await db.query(`DELETE FROM tile_invalidations WHERE at < now() - make_interval(hours => $1)`, [olderThanHours])
}
