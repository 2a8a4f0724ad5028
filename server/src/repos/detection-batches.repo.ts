// Detection batches (卫片批次): their list with counts, edits (deadline, imagery; If-Match),
// dashboards per town and village, and the rows an export writes back. Counts are always of the
// caller's scope: a village user sees the village's share of a batch.
import type { Db, Queryable } from '../db/db.ts'
import { beijingToday } from '../domain/beijing-clock.ts'
import { beijingTimeSql } from './beijing.sql.ts'
import type { BatchDashboard, BatchEdit, BatchImagery, BatchSummary, DashboardRow } from '../schemas/detections.schema.ts'
import { countsSelect, toCounts } from './detections.repo.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { inScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import { InputError } from '../domain/errors.ts'

type Row = Record<string, unknown>

const BATCH_COLUMNS = `b.id, b.name, b.issuer, b.before_date, b.after_date, b.deadline, b.source_format, b.source_crs, b.imagery, b.version,
  to_char(b.imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at`

function toSummary(r: Row): BatchSummary {
  const imagery = (r.imagery ?? {}) as Record<string, unknown>
  return {
    id: r.id as number,
    name: r.name as string,
    issuer: r.issuer as BatchSummary['issuer'],
    beforeDate: r.before_date as string,
    afterDate: r.after_date as string,
    deadline: r.deadline as string | null,
    sourceFormat: r.source_format as string | null,
    sourceCrs: r.source_crs as string | null,
    // Only the two image sources; other keys (the import's notes) stay in the database.
    imagery: { ...(imagery.before ? { before: imagery.before } : {}), ...(imagery.after ? { after: imagery.after } : {}) } as BatchImagery,
    importedAt: r.imported_at as string,
    version: r.version as number,
    counts: toCounts(r),
  }
}

/**
 * Batches with at least one patch in the caller's scope (the district sees empty ones too), newest
 * first, with the counts of the patches in scope.
 */
export async function listBatches(db: Queryable, scope: Scope, now = new Date()): Promise<BatchSummary[]> {
  const r = await db.query<Row>(
    `SELECT ${BATCH_COLUMNS}, c.*
     FROM detection_batches b
     LEFT JOIN LATERAL (SELECT ${countsSelect('$2')} FROM detections d WHERE d.batch_id = b.id AND ${inScope('d.admin_code', '$1')}) c ON true
     WHERE c.total > 0 OR length($1) = 6
     ORDER BY b.after_date DESC, b.id DESC`,
    [scope, beijingToday(now)],
  )
  return r.rows.map(toSummary)
}

export async function getBatch(db: Queryable, id: number, scope: Scope, now = new Date()): Promise<BatchSummary | null> {
  const r = await db.query<Row>(
    `SELECT ${BATCH_COLUMNS}, c.*
     FROM detection_batches b
     LEFT JOIN LATERAL (SELECT ${countsSelect('$3')} FROM detections d WHERE d.batch_id = b.id AND ${inScope('d.admin_code', '$2')}) c ON true
     WHERE b.id = $1 AND (c.total > 0 OR length($2) = 6)`,
    [id, scope, beijingToday(now)],
  )
  return r.rows[0] ? toSummary(r.rows[0]) : null
}

export class BatchInputError extends InputError {}

/** Edits a batch's name, deadline or imagery if the caller saw the current version; traced. */
/** Whether every patch of the batch lies in the scope (a batch is one document: whoever edits
 *  its name, deadline or imagery edits it for every patch in it). */
export async function batchWithinScope(db: Queryable, id: number, scope: Scope): Promise<boolean> {
  const r = await db.query<{ ok: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM detections WHERE batch_id = $1 AND NOT (${inScope('admin_code', '$2')})) AS ok`, [id, scope])
  return r.rows[0]!.ok
}

export async function editBatch(db: Db, id: number, scope: Scope, expectedVersion: number, edit: BatchEdit, userId: number): Promise<BatchSummary | null> {
  const outcome = await db.transaction(async (tx) => {
    // The batch is the caller's when it has patches in their scope (as getBatch reads it).
    const r = await tx.query<Row>(
      `SELECT id, name, deadline, before_date, after_date, imagery, version FROM detection_batches b
       WHERE id = $1 AND (length($2) = 6 OR EXISTS (SELECT 1 FROM detections d WHERE d.batch_id = b.id AND ${inScope('d.admin_code', '$2')}))
       FOR UPDATE`,
      [id, scope],
    )
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { kind: 'stale' as const, version: row.version as number }
    if (edit.deadline && edit.deadline < (row.after_date as string)) {
      throw new BatchInputError(`deadline ${edit.deadline} is before the after image (${String(row.after_date)})`, 'deadline')
    }
    const before: Row = {}
    const after: Row = {}
    const sets: string[] = []
    const params: unknown[] = [id]
    if (edit.name !== undefined) {
      const taken = await tx.query(`SELECT 1 FROM detection_batches WHERE name = $1 AND id <> $2`, [edit.name, id])
      if (taken.rowCount > 0) throw new BatchInputError(`another batch is called ${edit.name}`, 'name')
      before.name = row.name
      after.name = edit.name
      sets.push(`name = $${params.push(edit.name)}`)
    }
    if (edit.deadline !== undefined) {
      before.deadline = row.deadline
      after.deadline = edit.deadline
      sets.push(`deadline = $${params.push(edit.deadline)}`)
    }
    if (edit.imagery !== undefined) {
      const old = (row.imagery ?? {}) as Record<string, unknown>
      // The import's own notes in the same column are kept.
      const next = { ...Object.fromEntries(Object.entries(old).filter(([k]) => k !== 'before' && k !== 'after')), ...edit.imagery }
      before.imagery = { before: old.before ?? null, after: old.after ?? null }
      after.imagery = edit.imagery
      sets.push(`imagery = $${params.push(JSON.stringify(next))}::jsonb`)
    }
    if (sets.length === 0) throw new BatchInputError('nothing to change', 'body')
    await tx.query(`UPDATE detection_batches SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`, params)
    await tx.query(`INSERT INTO detection_history (batch_id, user_id, action, reason, before, after) VALUES ($1, $2, 'edit', $3, $4, $5)`, [
      id, userId, edit.reason ?? null, JSON.stringify(before), JSON.stringify(after),
    ])
    return { kind: 'done' as const }
  })
  if (outcome === null) return null
  if (outcome.kind === 'stale') await refuseStaleWrite(db, 'batch', { table: 'detection_history', key: { batch_id: id } }, userId, expectedVersion, outcome.version, edit)
  return getBatch(db, id, scope)
}

/** Counts per town and per village of the caller's scope, and the totals. */
export async function batchDashboard(db: Queryable, id: number, scope: Scope, now = new Date()): Promise<BatchDashboard | null> {
  const batch = await getBatch(db, id, scope, now)
  if (!batch) return null
  const today = beijingToday(now)
  const grouped = (level: 'town' | 'village') =>
    db.query<Row>(
      `SELECT u.code, u.name, u.parent_code, ${countsSelect('$3')}
       FROM detections d JOIN detection_batches b ON b.id = d.batch_id
            JOIN admin_units u ON u.code = left(d.admin_code, ${level === 'town' ? 9 : 12})
       WHERE d.batch_id = $1 AND ${inScope('d.admin_code', '$2')}
       GROUP BY u.code, u.name, u.parent_code ORDER BY u.code`,
      [id, scope, today],
    )
  const [towns, villages] = await Promise.all([grouped('town'), grouped('village')])
  const row = (r: Row): DashboardRow => ({ code: r.code as string, name: r.name as string, ...toCounts(r) })
  return {
    batch,
    today,
    totals: batch.counts,
    towns: towns.rows.map(row),
    villages: villages.rows.map((r) => ({ ...row(r), townCode: r.parent_code as string })),
  }
}

export interface ExportRow {
  geometry: { type: string; coordinates: unknown }
  /** The row as the issuer sent it, then the verification's fields. */
  source: Record<string, unknown>
  patchNo: string
  adminCode: string
  adminName: string
  townName: string
  changeType: string
  areaM2: number
  status: string
  result: string | null
  resultReason: string | null
  resultNote: string | null
  permitRef: string | null
  noPhotoReason: string | null
  verifiedAt: string | null
  verifiedBy: string | null
  caseNo: string | null
  flags: string[]
  photos: number
}

/** Every patch of the batch in the caller's scope, in patch-number order, for writing back. */
export async function batchExportRows(db: Queryable, id: number, scope: Scope): Promise<ExportRow[]> {
  const r = await db.query<Row>(
    `SELECT ST_AsGeoJSON(d.geom, 8) AS geometry, d.source_attributes, d.patch_no, d.admin_code, v.name AS admin_name, t.name AS town_name,
            d.change_type, d.area_m2, d.status, d.result, d.result_reason, d.result_note, d.permit_ref, d.no_photo_reason,
            to_char(${beijingTimeSql('d.verified_at')}, 'YYYY-MM-DD HH24:MI') AS verified_at, u.username AS verified_by,
            c.case_no, d.screening->'flags' AS flags,
            (SELECT count(*) FROM attachments p WHERE p.detection_id = d.id AND p.kind = 'photo') AS photos
     FROM detections d JOIN admin_units v ON v.code = d.admin_code LEFT JOIN admin_units t ON t.code = left(d.admin_code, 9)
          LEFT JOIN users u ON u.id = d.verified_by LEFT JOIN cases c ON c.id = d.case_id
     WHERE d.batch_id = $1 AND ${inScope('d.admin_code', '$2')} ORDER BY d.patch_no`,
    [id, scope],
  )
  return r.rows.map((x) => ({
    geometry: JSON.parse(x.geometry as string),
    source: x.source_attributes as Record<string, unknown>,
    patchNo: x.patch_no as string,
    adminCode: x.admin_code as string,
    adminName: x.admin_name as string,
    townName: (x.town_name as string | null) ?? '',
    changeType: x.change_type as string,
    areaM2: x.area_m2 as number,
    status: x.status as string,
    result: x.result as string | null,
    resultReason: x.result_reason as string | null,
    resultNote: x.result_note as string | null,
    permitRef: x.permit_ref as string | null,
    noPhotoReason: x.no_photo_reason as string | null,
    verifiedAt: x.verified_at as string | null,
    verifiedBy: x.verified_by as string | null,
    caseNo: x.case_no as string | null,
    flags: (x.flags as string[] | null) ?? [],
    photos: Number(x.photos),
  }))
}

/** What the synthetic sample imagery draws in a box: parcels by land class, buildings (new ones marked), the batch's patches. */
export async function imageryFeatures(db: Queryable, batchId: number, scope: Scope, bbox: [number, number, number, number]) {
  const env = `ST_MakeEnvelope($2, $3, $4, $5, 4326)`
  const params = [scope, ...bbox, batchId]
  const [parcels, buildings, patches] = await Promise.all([
    db.query<{ land_class: string; g: string }>(`SELECT land_class, ST_AsGeoJSON(geom, 7) AS g FROM parcels WHERE geom && ${env} AND ${inScope('admin_code', '$1')} AND $6::bigint IS NOT NULL`, params),
    db.query<{ id: number; g: string; floors: number; is_new: boolean }>(
      `SELECT b.id, b.floors, ST_AsGeoJSON(b.geom, 7) AS g,
              EXISTS (SELECT 1 FROM detections p WHERE p.batch_id = $6 AND p.change_type IN ('new_building', 'extension')
                        AND p.geom && b.geom AND ST_Intersects(p.geom, ST_PointOnSurface(b.geom))) AS is_new
       FROM buildings b WHERE b.geom && ${env} AND ${inScope('b.admin_code', '$1')}`,
      params,
    ),
    db.query<{ change_type: string; g: string }>(`SELECT change_type, ST_AsGeoJSON(geom, 7) AS g FROM detections WHERE batch_id = $6 AND geom && ${env} AND ${inScope('admin_code', '$1')}`, params),
  ])
  return {
    parcels: parcels.rows.map((r) => ({ landClass: r.land_class, geometry: JSON.parse(r.g) as { type: string; coordinates: unknown } })),
    buildings: buildings.rows.map((r) => ({ id: r.id, floors: r.floors, isNew: r.is_new, geometry: JSON.parse(r.g) as { type: string; coordinates: unknown } })),
    patches: patches.rows.map((r) => ({ changeType: r.change_type, geometry: JSON.parse(r.g) as { type: string; coordinates: unknown } })),
  }
}
