// The staging tables imports read files into (migrations/005 for patches, 008 for reference
// layers): one row per feature with its properties, its lon/lat geometry (or none) and the
// problem found before staging. Written 1,000-5,000 rows per statement (unnest of parallel arrays),
// or, through `stagingWriter` on the real server, streamed in one COPY (decisions.md 74).
import { once } from 'node:events'
import type { Geometry } from 'geojson'
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams'
import type { Db, Queryable } from '../db/db.ts'
import { setTransactionTimeout } from '../db/transaction-timeout.ts'
import { toHexEwkb } from '../imports/formats/geometry.ts'

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

/** A feature for `stagingWriter`: its geometry as an object (lon/lat), serialised by the writer. */
export interface StagingRow {
  featureNo: number
  properties: Record<string, unknown>
  geometry: Geometry | null
  problem: string | null
  message: string | null
}

export interface StagingWriter {
  /** Stages one feature (resolves once the writer can take more: backpressure). */
  write(row: StagingRow): Promise<void>
}

/** COPY's text format: backslash, newline, carriage return and tab escaped; null as \N. */
function copyText(v: string | null): string {
  if (v === null) return '\\N'
  return /[\\\n\r\t]/.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : v
}

/**
 * Runs `fill` with a writer into the staging table, and returns what it returns once every row is
 * staged. On the real server the rows stream through one COPY in one transaction (its statement
 * timeout is `timeoutMs`); if `fill` throws, the COPY is abandoned and nothing is staged. On the
 * embedded database (PGlite has no COPY FROM STDIN for a client stream), rows go in `batch`-row
 * INSERT statements as `insertStagedFeatures` writes them.
 */
export async function stagingWriter<T>(db: Db, table: StagingTable, id: string, opts: { batch: number; timeoutMs: number }, fill: (w: StagingWriter) => Promise<T>): Promise<T> {
  if (db.kind !== 'postgis') return insertWriter(db, table, id, opts.batch, fill)
  const c = STAGING[table]
  return db.transaction(async (tx) => {
    await setTransactionTimeout(db, tx, opts.timeoutMs)
    const stream: CopyStreamQuery = copyFrom(`COPY ${table} (import_id, feature_no, properties, geom, ${c.problem}, ${c.message}) FROM STDIN`)
    // a pg Submittable goes to the transaction's client as it is (db/pg.db.ts passes it on); a
    // client that did not take it (a wrapper that rewrites queries) gets the INSERTs instead
    await tx.query(stream as unknown as string).catch(() => {})
    if (!(stream as unknown as { connection?: unknown }).connection) return insertWriter(tx, table, id, opts.batch, fill)
    const done = once(stream, 'finish')
    done.catch(() => {})
    let chunk = ''
    const push = async () => {
      const ok = stream.write(chunk)
      chunk = ''
      if (!ok) await Promise.race([once(stream, 'drain'), done])
    }
    try {
      const result = await fill({
        async write(r) {
          chunk += `${id}\t${r.featureNo}\t${copyText(JSON.stringify(r.properties))}\t${r.geometry ? toHexEwkb(r.geometry, 4326) : '\\N'}\t${copyText(r.problem)}\t${copyText(r.message)}\n`
          if (chunk.length >= 65_536) await push()
        },
      })
      if (chunk) await push()
      stream.end()
      await done
      return result
    } catch (err) {
      // CopyFail: the server ends the COPY with an error and the transaction is rolled back
      stream.destroy(err as Error)
      await done.catch(() => {})
      throw err
    }
  })
}

async function insertWriter<T>(db: Queryable, table: StagingTable, id: string, size: number, fill: (w: StagingWriter) => Promise<T>): Promise<T> {
  let batch: StagedFeature[] = []
  const result = await fill({
    async write(r) {
      batch.push({ featureNo: r.featureNo, properties: r.properties, geometry: r.geometry ? JSON.stringify(r.geometry) : null, problem: r.problem, message: r.message })
      if (batch.length >= size) {
        await insertStagedFeatures(db, table, id, batch)
        batch = []
      }
    },
  })
  await insertStagedFeatures(db, table, id, batch)
  return result
}
