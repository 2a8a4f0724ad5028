// The staging tables imports read files into (migrations/005 for patches, 008 for reference
// layers): one row per feature with its properties, its lon/lat geometry (or none) and the
// problem found before staging. Written 1,000-5,000 rows per statement (unnest of parallel arrays).
import type { Queryable } from '../db/db.ts'

/** Per staging table, the columns that hold the reading/shape problem (names fixed here, never from a request). */
const STAGING = {
  detection_import_features: { problem: 'geom_problem', message: 'geom_message' },
  layer_import_features: { problem: 'problem', message: 'message' },
} as const
export type StagingTable = keyof typeof STAGING

export interface StagedFeature {
  featureNo: number
  properties: Record<string, unknown>
  /** GeoJSON text in lon/lat, or null when the feature cannot be staged as a shape. */
  geometry: string | null
  problem: string | null
  message: string | null
}

export async function insertStagedFeatures(db: Queryable, table: StagingTable, id: string, features: StagedFeature[]): Promise<void> {
  if (features.length === 0) return
  const c = STAGING[table]
  await db.query(
    `INSERT INTO ${table} (import_id, feature_no, properties, geom, ${c.problem}, ${c.message})
     SELECT $1, n, p::jsonb, CASE WHEN g IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) END, pr, pm
     FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(n, p, g, pr, pm)`,
    [id, features.map((f) => f.featureNo), features.map((f) => JSON.stringify(f.properties)), features.map((f) => f.geometry),
      features.map((f) => f.problem), features.map((f) => f.message)],
  )
}

export async function clearStagedFeatures(db: Queryable, table: StagingTable, id: string): Promise<void> {
  await db.query(`DELETE FROM ${table} WHERE import_id = $1`, [id])
}
