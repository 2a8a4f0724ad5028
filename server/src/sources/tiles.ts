// Mapbox Vector Tiles for a layer in the WebMercatorQuad tile matrix set.
//
// One SQL selection of a tile's rows for both backends: PostGIS finds them through the GiST index
// (the tile envelope is transformed to the stored SRID, never the column) and simplifies them for
// the zoom. Then two encoders: on the real server PostGIS encodes the tile itself (ST_AsMVTGeom,
// ST_AsMVT), so no row leaves the database; the embedded PostGIS has no protobuf support, so there
// geojson-vt clips and quantises and vt-pbf writes the protobuf. The parity test holds the two to
// the same features and attributes (tests/parity/backends.test.ts).
//
// Dense layers (buildings, cases, patches) come as grid cells below their detail zoom, read from
// tile_grid_cells, which triggers keep current (migration 014): a whole-district tile reads a few
// hundred cells instead of aggregating a million rows.
import { createHash } from 'node:crypto'
import GeoJSONVT from 'geojson-vt'
import vtpbf from 'vt-pbf'
import type { Feature, Geometry } from 'geojson'
import type { Queryable, DbKind } from '../db/db.ts'
import { SharedReads } from '../db/shared-reads.ts'
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
/** tile_grid_cells holds zooms 0..12 (migration 014); deeper aggregated tiles are computed per request. */
export const GRID_MAX_ZOOM = 12

export interface TileRequest {
  z: number
  x: number
  y: number
  /** Admin-unit code of the caller's scope. */
  scope: Scope
  /** Values of the layer's tileFilters (absent: not narrowed). */
  filters?: Readonly<Record<string, number>>
}

const TILE_ENVELOPE = `ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ${TILE_BUFFER / TILE_EXTENT}), 4326)`

/**
 * Narrower and lower than two tile units at zoom $1 (a degree of latitude is 1/cos(lat) longer in
 * Web Mercator). Such a polygon is invisible; the two encoders would quantise it differently (one
 * keeps a one-unit square, the other drops it), so below zoom 15 it is left out, or shown as a
 * point where the layer says so (tinyAsPoints).
 */
const TINY = `ST_XMax(geom) - ST_XMin(geom) < 720.0 / 2 ^ $1 / ${TILE_EXTENT}
  AND ST_YMax(geom) - ST_YMin(geom) < 720.0 / 2 ^ $1 / ${TILE_EXTENT} * cos(radians(ST_YMin(geom)))`

/** The layer's tile filters in a fixed order: their values follow the scope as $5, $6, … */
const filterNames = (layer: LayerSource) => Object.keys(layer.tileFilters ?? {}).sort()

/** A selection of a tile's rows: SQL yielding `geom` (lon/lat) and the named attribute columns. */
interface Selection {
  sql: string
  attributes: readonly string[]
}

/** A selection wrapped for each encoder. */
interface Encodable {
  /** PostGIS encodes: one row, one bytea. */
  mvt: string
  /** Rows as GeoJSON and JSON attributes for geojson-vt and vt-pbf. */
  geojson: string
}

/** The layer's SQL, built once. $1..$3 = z, x, y; $4 = scope code; then the filters (NULL: any). */
interface LayerSql {
  features: Encodable
  /** Grid cells computed from the rows (zooms deeper than the stored grid). */
  aggregated: Encodable | null
  /** Grid cells read from tile_grid_cells (zooms up to GRID_MAX_ZOOM). */
  gridded: Encodable | null
  /**
   * Layers drawn as cells only where a tile holds over maxFeatures: how many rows the tile holds
   * (from the grid up to GRID_MAX_ZOOM, else counted up to maxFeatures + 1), and for PostGIS one
   * statement that counts and encodes whichever applies.
   */
  density: { grid: string; rows: string; mvtFromGrid: string; mvtFromRows: string } | null
}

/** What a layer's tile features carry: its columns, then its computed attributes (`(sql) AS name`). */
export function tileSelectList(layer: LayerSource): string[] {
  return [...layer.tileColumns, ...Object.entries(layer.tileExpressions ?? {}).map(([name, sql]) => `(${sql}) AS ${name}`)]
}

function layerSql(layer: LayerSource): LayerSql {
  const filterSql = (column: (name: string) => string) =>
    filterNames(layer).map((name, i) => `AND ($${5 + i}::bigint IS NULL OR ${column(name)} = $${5 + i})`).join(' ')
  const scoped = (column: string | null) => (column ? `AND ${inScope(column, '$4')}` : 'AND $4::text IS NOT NULL')
  const where = `${scoped(layer.scopeColumn)} ${filterSql((name) => layer.tileFilters![name]!)}${layer.publishedWhere ? ` AND (${layer.publishedWhere})` : ''}`
  const attributes = [...layer.tileColumns, ...Object.keys(layer.tileExpressions ?? {})]
  const columns = tileSelectList(layer).join(', ')
  // `ORDER BY key` makes the feature cap cut the same rows every time; `limit` rows at most
  const featureRows = (order: string, limit: number) => `
    WITH tile AS (SELECT ${TILE_ENVELOPE} AS env)
    SELECT ${layer.tinyAsPoints ? `CASE WHEN $1 < 15 AND ST_Dimension(geom) = 2 AND ${TINY} THEN ST_PointOnSurface(geom) ELSE geom END` : 'geom'} AS geom, ${columns}
    FROM ${layer.table}, tile
    WHERE geom && tile.env ${where}${layer.tinyAsPoints ? '' : `\n      AND NOT ($1 < 15 AND ST_Dimension(geom) = 2 AND ${TINY})`}
    ${order}
    LIMIT ${limit}`
  const features: Selection = { sql: featureRows(`ORDER BY ${layer.key}`, MAX_FEATURES_PER_TILE), attributes }
  const agg = layer.aggregate
  const encodable = (sel: Selection): Encodable => ({ mvt: mvtSql(layer, sel), geojson: geojsonSql(sel) })
  if (!agg) return { features: encodable(features), aggregated: null, gridded: null, density: null }
  const cellAttributes = ['count', 'area_m2', ...(agg.groupBy ? [agg.groupBy] : [])]
  const group = agg.groupBy ? `, ${agg.groupBy}` : ''
  const aggregated: Selection = {
    sql: `
    WITH tile AS (SELECT ${TILE_ENVELOPE} AS env, 360.0 / (2 ^ $1) / ${GRID_CELLS_PER_TILE} AS cell),
    pts AS (SELECT ${agg.point} AS pt, ${agg.areaColumn} AS area${group}
            FROM ${layer.table}, tile WHERE geom && tile.env ${where})
    SELECT ST_Centroid(ST_Collect(pt)) AS geom, count(*) AS count, round(coalesce(sum(area), 0))::bigint AS area_m2${group}
    FROM pts, tile
    WHERE pt && tile.env
    GROUP BY floor(ST_X(pt) / tile.cell), floor(ST_Y(pt) / tile.cell)${group}
    ORDER BY floor(ST_X(pt) / tile.cell), floor(ST_Y(pt) / tile.cell)${group}
    LIMIT ${MAX_FEATURES_PER_TILE}`,
    attributes: cellAttributes,
  }
  // The stored cells of this tile: whole cells whose mean position lies in the (buffered) tile.
  // The cell range serves the primary key; at zoom z a cell is 360 / 2^(z+5) degrees.
  const filters = filterNames(layer)
  if (filters.length > 1) throw new Error(`layer ${layer.id}: a gridded layer takes at most one tile filter`)
  const cellsInTile = `
    FROM tile_grid_cells, tile
    WHERE layer_table = '${layer.table}' AND z = $1
      AND cx BETWEEN floor(ST_XMin(tile.env) * 2 ^ ($1 + 5) / 360) AND floor(ST_XMax(tile.env) * 2 ^ ($1 + 5) / 360)
      AND cy BETWEEN floor(ST_YMin(tile.env) * 2 ^ ($1 + 5) / 360) AND floor(ST_YMax(tile.env) * 2 ^ ($1 + 5) / 360)
      ${scoped('admin_code')} ${filterSql(() => 'narrow')}`
  const gridded: Selection = {
    sql: `
    WITH tile AS (SELECT ${TILE_ENVELOPE} AS env),
    cells AS (SELECT cx, cy, grp, sum(n) AS n, sum(area) AS area, sum(sx) AS sx, sum(sy) AS sy ${cellsInTile}
              GROUP BY cx, cy, grp)
    SELECT pt AS geom, n::bigint AS count, round(area)::bigint AS area_m2${agg.groupBy ? `, grp AS ${agg.groupBy}` : ''}
    FROM cells CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint((sx / n / 1e7)::float8, (sy / n / 1e7)::float8), 4326) AS pt) p, tile
    WHERE n > 0 AND pt && tile.env
    ORDER BY cx, cy, grp
    LIMIT ${MAX_FEATURES_PER_TILE}`,
    attributes: cellAttributes,
  }
  const max = agg.maxFeatures
  let density: LayerSql['density'] = null
  if (max) {
    // mvtFromRows reads max + 1 rows unsorted: only a threshold below the feature cap keeps the cap's cut the same
    if (max >= MAX_FEATURES_PER_TILE) throw new Error(`layer ${layer.id}: maxFeatures must be below ${MAX_FEATURES_PER_TILE}`)
    const grid = `WITH tile AS (SELECT ${TILE_ENVELOPE} AS env) SELECT coalesce(sum(n), 0) AS n ${cellsInTile}`
    // the rows the features would carry, counted up to max + 1 (the same rows mvtFromRows counts)
    const rows = `SELECT count(*) AS n FROM (${featureRows('', max + 1)}) r`
    // PostgreSQL evaluates only the branch the count picks.
    const mvtFromGrid = `SELECT CASE WHEN (${grid}) > ${max} THEN (${mvtSql(layer, gridded)}) ELSE (${mvtSql(layer, features)}) END AS tile`
    // Deeper, one scan both counts and supplies the features: at most max + 1 rows are read, and
    // when they are all there (≤ max, below the feature cap) their order does not matter.
    const mvtFromRows = `
      WITH f AS MATERIALIZED (${featureRows('', max + 1)})
      SELECT CASE WHEN (SELECT count(*) FROM f) > ${max} THEN (${mvtSql(layer, aggregated)})
             ELSE (${mvtSql(layer, { sql: 'SELECT * FROM f', attributes })}) END AS tile`
    density = { grid, rows, mvtFromGrid, mvtFromRows }
  }
  return { features: encodable(features), aggregated: encodable(aggregated), gridded: encodable(gridded), density }
}

/** The tile encoded by PostGIS: one statement, the protobuf in one bytea (rows whose shape
 *  vanishes at this zoom, NULL from ST_AsMVTGeom, are skipped by ST_AsMVT). */
function mvtSql(layer: LayerSource, s: Selection): string {
  return `
    SELECT ST_AsMVT(t, '${layer.id}', ${TILE_EXTENT}, 'geom') AS tile
    FROM (SELECT ST_AsMVTGeom(ST_Transform(q.geom, 3857), ST_TileEnvelope($1, $2, $3), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom,
                 ${s.attributes.map((a) => `q.${a}`).join(', ')}
          FROM (${s.sql}) q) t`
}

/**
 * The rows as GeoJSON for the JS encoder, simplified to about a quarter pixel at this zoom (in
 * degrees; nothing at the detailed zooms), as ST_AsMVTGeom's snapping does for the other encoder.
 * ST_Simplify (PostGIS's own Douglas-Peucker, keeping collapsed shapes) rather than
 * ST_SimplifyPreserveTopology: the latter is GEOS's, rewritten in GEOS 3.12, and gives other
 * shapes on the embedded backend (GEOS 3.14) than on Debian's server (GEOS 3.11).
 */
function geojsonSql(s: Selection): string {
  return `
    SELECT ST_AsGeoJSON(CASE WHEN $1 < 15 THEN ST_Simplify(q.geom, 90.0 / (256 * 4 * 2 ^ $1), true) ELSE q.geom END, 7) AS geojson, json_strip_nulls(json_build_object(${s.attributes.map((a) => `'${a}', q.${a}`).join(', ')})) AS props
    FROM (${s.sql}) q`
}

interface Row {
  geojson: string
  props: Record<string, unknown> | string
}

type Kind = 'features' | 'aggregated' | 'gridded'

export interface TileResult {
  tile: Uint8Array | null
  etag: string | null
  cache: 'hit' | 'miss'
}

interface CacheEntry extends TileResult {
  /** The database snapshot the tile is known current for: a logged change its transaction did not see voids it. */
  snapshot: string
  madeAt: number
}

export interface TileCacheOptions {
  maxEntries?: number
  maxAgeMs?: number
}

/** A database a tile is made from: which encoder applies depends on its kind. */
export type TileDb = Queryable & { readonly kind: DbKind }

export class TileService {
  private readonly sql: Map<string, LayerSql>
  private readonly cache = new Map<string, CacheEntry>()
  private readonly snapshots = new WeakMap<Queryable, SharedReads<string>>()
  /** Each PostGIS statement is prepared once per connection under a name derived from its text. */
  private readonly statementNames = new Map<string, string>()
  private readonly maxEntries: number
  private readonly maxAgeMs: number

  constructor(
    private readonly layers: readonly LayerSource[],
    private readonly log: { warn(obj: object, msg: string): void },
    options: TileCacheOptions = {},
  ) {
    this.sql = new Map(layers.map((l) => [l.id, layerSql(l)]))
    this.maxEntries = options.maxEntries ?? 20_000
    this.maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000
  }

  layer(id: string): LayerSource | undefined {
    return this.layers.find((l) => l.id === id)
  }

  async get(db: TileDb, layer: LayerSource, req: TileRequest): Promise<TileResult> {
    const narrowed = filterNames(layer).map((name) => `${name}=${req.filters?.[name] ?? ''}`).join('&')
    const key = `${layer.id}/${req.z}/${req.x}/${req.y}/${req.scope}?${narrowed}`
    // Taken before the tile is made: a change committed meanwhile voids it next time.
    const snapshot = await this.currentSnapshot(db)
    const cached = this.cache.get(key)
    if (cached && Date.now() - cached.madeAt < this.maxAgeMs) {
      let stale = false
      if (cached.snapshot !== snapshot) {
        // Something committed since: did a change the tile's snapshot did not see meet it?
        const r = await db.query<{ snapshot: string; stale: boolean }>(
          `SELECT pg_current_snapshot()::text AS snapshot, EXISTS (
             SELECT 1 FROM tile_invalidations
             WHERE xid >= pg_snapshot_xmin($4::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $4::pg_snapshot)
               AND layer_table = $5 AND bbox && ${TILE_ENVELOPE}) AS stale`,
          [req.z, req.x, req.y, cached.snapshot, layer.table],
        )
        stale = r.rows[0]!.stale
        if (!stale) cached.snapshot = r.rows[0]!.snapshot // what committed up to here missed it
      }
      if (!stale) {
        this.cache.delete(key) // re-insert: Map order is the LRU order
        this.cache.set(key, cached)
        return { tile: cached.tile, etag: cached.etag, cache: 'hit' }
      }
    }
    const tile = await this.make(db, layer, req)
    const etag = tile ? `"${createHash('sha1').update(tile).digest('base64url')}"` : null
    this.cache.delete(key)
    this.cache.set(key, { tile, etag, snapshot, madeAt: Date.now(), cache: 'miss' })
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!)
    return { tile, etag, cache: 'miss' }
  }

  /** The database's current snapshot (which transactions have committed), read once per round of concurrent requests. */
  private currentSnapshot(db: Queryable): Promise<string> {
    let reads = this.snapshots.get(db)
    if (!reads) this.snapshots.set(db, (reads = new SharedReads<string>(db)))
    return reads.read('snapshot', async () => (await db.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s)
  }

  /** Which selection a tile of this layer uses: features, cells, or (dense) cells only where a tile holds over maxFeatures. */
  private selectionKind(layer: LayerSource, z: number): Kind | 'dense' {
    const agg = layer.aggregate
    if (!agg) return 'features'
    if (z < agg.belowZoom) return z <= GRID_MAX_ZOOM ? 'gridded' : 'aggregated'
    return agg.maxFeatures ? 'dense' : 'features'
  }

  /** The encoded tile, or null when nothing lies in it. */
  async make(db: TileDb, layer: LayerSource, { z, x, y, scope, filters }: TileRequest): Promise<Uint8Array | null> {
    if (z < layer.minzoom) return null
    const params = [z, x, y, scope, ...filterNames(layer).map((name) => filters?.[name] ?? null)]
    const sql = this.sql.get(layer.id)!
    let kind = this.selectionKind(layer, z)
    let tile: Uint8Array | null
    if (db.kind === 'postgis') {
      const statement = kind === 'dense' ? sql.density![z <= GRID_MAX_ZOOM ? 'mvtFromGrid' : 'mvtFromRows'] : sql[kind]!.mvt
      tile = await this.encodeInDatabase(db, statement, params)
    } else {
      if (kind === 'dense') {
        const n = (await db.query<{ n: number }>(z <= GRID_MAX_ZOOM ? sql.density!.grid : sql.density!.rows, params)).rows[0]!.n
        kind = Number(n) > layer.aggregate!.maxFeatures! ? (z <= GRID_MAX_ZOOM ? 'gridded' : 'aggregated') : 'features'
      }
      tile = await this.encodeInJs(db, layer, sql[kind]!.geojson, params, z, x, y)
    }
    if (tile && tile.byteLength > TILE_BYTE_BUDGET) this.log.warn({ layer: layer.id, z, x, y, bytes: tile.byteLength }, 'tile over the byte budget')
    return tile
  }

  private async encodeInDatabase(db: Queryable, statement: string, params: unknown[]): Promise<Uint8Array | null> {
    let name = this.statementNames.get(statement)
    if (!name) this.statementNames.set(statement, (name = `tile_${createHash('sha1').update(statement).digest('hex').slice(0, 24)}`))
    const bytes = (await db.query<{ tile: Buffer | null }>(statement, params, { prepareAs: name })).rows[0]?.tile
    return bytes && bytes.byteLength > 0 ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null
  }

  private async encodeInJs(db: Queryable, layer: LayerSource, statement: string, params: unknown[], z: number, x: number, y: number): Promise<Uint8Array | null> {
    const rows = (await db.query<Row>(statement, params)).rows
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
    // Polygons that quantising collapsed to no area are left out, as PostGIS's encoder does.
    if (tile) tile.features = tile.features.filter((f) => f.type !== 3 || (f.geometry as unknown as ArrayLike<number>[]).some((ring) => ringArea(ring) !== 0))
    if (!tile || tile.features.length === 0) return null
    return vtpbf.fromGeojsonVt({ [layer.id]: tile }, { version: 2, extent: TILE_EXTENT })
  }
}

/** Twice the signed area of a ring of tile coordinates, flat as geojson-vt keeps them: x0, y0, x1, y1, … */
function ringArea(ring: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) sum += (ring[j]! - ring[i]!) * (ring[j + 1]! + ring[i + 1]!)
  return sum
}

/** Forget invalidations older than any cache entry can be (entries expire after maxAge). */
export async function pruneTileInvalidations(db: Queryable, olderThanHours = 2): Promise<void> {
  await db.query(`DELETE FROM tile_invalidations WHERE at < now() - make_interval(hours => $1)`, [olderThanHours])
}
