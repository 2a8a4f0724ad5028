// Mapbox Vector Tiles for a layer in the WebMercatorQuad tile matrix set.
//
// One encoder for both backends: PostGIS selects the rows through the GiST index (the tile
// envelope is transformed to the stored SRID, never the column) and simplifies them for the zoom;
// geojson-vt clips and quantises, vt-pbf writes the protobuf. The embedded PostGIS has no
// protobuf (no ST_AsMVT), so encoding in JS is what makes a tile identical on both backends.
import GeoJSONVT from 'geojson-vt'
import vtpbf from 'vt-pbf'
import type { Feature, Geometry } from 'geojson'
import type { Queryable } from '../db/db.ts'
import type { LayerSource } from './layers.ts'

export const TILE_EXTENT = 4096
/** Tile edge buffer in tile units (64 of 4096 = 1/64 of the tile), so strokes do not break at edges. */
const TILE_BUFFER = 64
/** The most features one tile carries; beyond it a tile is cut (aggregation at low zoom comes later). */
export const MAX_FEATURES_PER_TILE = 20_000
export const MAX_ZOOM = 22

export interface TileRequest {
  z: number
  x: number
  y: number
  /** Admin-unit code of the caller's scope. */
  scope: string
}

interface Row {
  geojson: string
  props: Record<string, unknown>
}

export interface TileMaker {
  layer: LayerSource
  /** The encoded tile, or null when nothing lies in it. */
  make(db: Queryable, req: TileRequest): Promise<Uint8Array | null>
}

export function tileMaker(layer: LayerSource): TileMaker {
  const props = layer.tileColumns.map((c) => `'${c}', ${c}`).join(', ')
  const scope = layer.scopeColumn ? `AND ${layer.scopeColumn} LIKE $4 || '%'` : 'AND $4::text IS NOT NULL'
  // Simplify to about a quarter pixel at this zoom (in degrees); nothing at the detailed zooms.
  const sql = `
    WITH tile AS (SELECT ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ${TILE_BUFFER / TILE_EXTENT}), 4326) AS env)
    SELECT ST_AsGeoJSON(CASE WHEN $1 < 15 THEN ST_SimplifyPreserveTopology(geom, 90.0 / (256 * 4 * 2 ^ $1)) ELSE geom END, 7) AS geojson,
           json_strip_nulls(json_build_object(${props})) AS props
    FROM ${layer.table}, tile
    WHERE geom && tile.env ${scope}
    ORDER BY ${layer.key}
    LIMIT ${MAX_FEATURES_PER_TILE}`

  return {
    layer,
    async make(db, { z, x, y, scope: scopeCode }) {
      if (z < layer.minzoom) return null
      const { rows } = await db.query<Row>(sql, [z, x, y, scopeCode])
      if (rows.length === 0) return null
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
      return vtpbf.fromGeojsonVt({ [layer.id]: tile }, { version: 2, extent: TILE_EXTENT })
    },
  }
}
