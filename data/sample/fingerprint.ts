// A digest per table of what the sample wrote: rows, attributes and geometry text. Two loads of the
// same size must give equal digests, on either backend (the determinism test and the CLI use it).
import type { Db } from '../../server/src/db/db.ts'

export interface TableDigest {
  rows: number
  /** md5 over the rows' stored attributes (all columns but geom and the computed areas, as jsonb
   *  text, in key order): what the generator wrote. */
  attrs: string
  /** md5 over ST_AsText(geom, 6), in key order; '' for tables without geometry. */
  geom: string
  /** md5 over the generated ellipsoidal area columns. The server computes these: PostGIS 3.3 and
   *  PGlite's 3.6 differ by ~1e-5 m², so a value on a rounding edge can differ by 0.01 m². */
  areas: string
}

const TABLES: { table: string; key: string; geom: boolean; areas: string[] }[] = [
  { table: 'admin_units', key: 'code', geom: true, areas: ['area_m2'] },
  { table: 'parcels', key: 'id', geom: true, areas: ['area_m2'] },
  { table: 'buildings', key: 'id', geom: true, areas: ['footprint_area_m2'] },
  { table: 'roads', key: 'id', geom: true, areas: [] },
  { table: 'waters', key: 'id', geom: true, areas: [] },
  { table: 'reference_areas', key: 'id', geom: true, areas: [] },
  { table: 'cases', key: 'id', geom: true, areas: ['land_area_computed_m2', 'floor_area_computed_m2'] },
  { table: 'case_history', key: 'id', geom: false, areas: [] },
  { table: 'case_inspections', key: 'id', geom: false, areas: [] },
  { table: 'detection_batches', key: 'id', geom: false, areas: [] },
  { table: 'detections', key: 'id', geom: true, areas: ['area_m2'] },
]

export async function fingerprint(db: Db): Promise<Record<string, TableDigest>> {
  return db.transaction(async (tx) => {
    // Timestamps print in the session's zone: pin it, or two servers would differ in text only.
    await tx.query("SET LOCAL TimeZone = 'UTC'")
    const out: Record<string, TableDigest> = {}
    for (const { table, key, geom, areas } of TABLES) {
      const drop = ['geom', ...areas].map((c) => ` - '${c}'`).join('')
      // md5 of per-row md5s keeps the aggregate small even for a million rows.
      const r = await tx.query<{ rows: number; attrs: string | null; geom: string | null; areas: string | null }>(
        `SELECT count(*)::int AS rows,
                md5(string_agg(md5((to_jsonb(t)${drop})::text), '' ORDER BY ${key})) AS attrs,
                ${geom ? `md5(string_agg(md5(ST_AsText(geom, 6)), '' ORDER BY ${key}))` : "''"} AS geom,
                ${areas.length ? `md5(string_agg(concat_ws(',', ${areas.join(', ')}), ';' ORDER BY ${key}))` : "''"} AS areas
         FROM ${table} t`,
      )
      const row = r.rows[0]
      if (!row) throw new Error(`no digest row for ${table}`)
      out[table] = { rows: row.rows, attrs: row.attrs ?? '', geom: row.geom ?? '', areas: row.areas ?? '' }
    }
    return out
  })
}
