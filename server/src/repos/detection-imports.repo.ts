// Staging of patch imports (migrations/005): the import row, its staged features, the PostGIS
// checks (validity, repair and its area change, placement in an admin unit), the attribute
// mapping, and the commit into detection_batches/detections in one transaction.
import type { Db, Queryable } from '../db/db.ts'
import { setTransactionTimeout } from '../db/transaction-timeout.ts'
import { setColumns } from './set-columns.ts'
import { clearStagedFeatures, insertStagedFeatures, type StagedFeature } from './staging.ts'
import { inScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import { Refusal } from '../domain/errors.ts'
import type { ImportCommitted, ImportError, ImportMapping, ImportPhase, ImportState, ImportWarning } from '../schemas/detections.schema.ts'

export interface ImportRow {
  id: string
  user_id: number
  /** the uploader's scope, written from it */
  scope_code: Scope
  state: ImportState
  /** while 'reading': reading the file, or checking what was read (null until the reading starts: read as 'reading') */
  phase: ImportPhase | null
  file_name: string
  file_path: string | null
  byte_size: number
  format: string | null
  layer: string | null
  crs_code: string | null
  crs_source: string | null
  user_crs: string | null
  user_encoding: string | null
  encoding: string | null
  feature_count: number
  progress_done: number
  progress_total: number | null
  bounds: [number, number, number, number] | null
  fields: string[]
  /** {} until the file was read */
  mapping: ImportMapping | Record<string, never>
  repair: boolean
  warnings: ImportWarning[]
  error: ImportError | null
  batch_id: number | null
  created_at: string
  updated_at: string
}

/** Columns the importer may set; names never come from a request. */
const SETTABLE = [
  'state', 'phase', 'file_path', 'format', 'layer', 'crs_code', 'crs_source', 'user_crs', 'user_encoding', 'encoding', 'feature_count',
  'progress_done', 'progress_total', 'bounds', 'fields', 'mapping', 'repair', 'warnings', 'error', 'batch_id',
] as const
export type ImportPatch = Partial<Pick<ImportRow, (typeof SETTABLE)[number]>>
const JSON_COLUMNS = new Set(['fields', 'mapping', 'warnings', 'error'])

export async function createImport(
  db: Queryable,
  row: { id: string; userId: number; scope: Scope; fileName: string; filePath: string; byteSize: number; userCrs: string | null; userEncoding: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO detection_imports (id, user_id, scope_code, state, file_name, file_path, byte_size, user_crs, user_encoding)
     VALUES ($1, $2, $3, 'reading', $4, $5, $6, $7, $8)`,
    [row.id, row.userId, row.scope, row.fileName, row.filePath, row.byteSize, row.userCrs, row.userEncoding],
  )
}

export async function updateImport(db: Queryable, id: string, patch: ImportPatch): Promise<void> {
  const { sets, params } = setColumns(patch, SETTABLE, JSON_COLUMNS, [id])
  if (sets.length === 0) return
  await db.query(`UPDATE detection_imports SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params)
}

/** The import if it belongs to this user (anyone else gets null, as if it did not exist). */
export async function getImport(db: Queryable, id: string, userId: number): Promise<ImportRow | null> {
  const r = await db.query<ImportRow>(
    `SELECT id, user_id, scope_code, state, phase, file_name, file_path, byte_size, format, layer, crs_code, crs_source, user_crs, user_encoding,
            encoding, feature_count, progress_done, progress_total, bounds, fields, mapping, repair, warnings, error, batch_id,
            created_at::text, updated_at::text
     FROM detection_imports WHERE id = $1 AND user_id = $2`,
    [id, userId],
  )
  return r.rows[0] ?? null
}

export async function deleteImport(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM detection_imports WHERE id = $1', [id])
}

/** Imports older than the given hours that were never committed, for cleanup. */
export async function expiredImports(db: Queryable, hours: number): Promise<{ id: string; file_path: string | null }[]> {
  const r = await db.query<{ id: string; file_path: string | null }>(
    `SELECT id, file_path FROM detection_imports WHERE state <> 'committed' AND updated_at < now() - make_interval(hours => $1::int)`,
    [hours],
  )
  return r.rows
}

export async function clearStaged(db: Queryable, id: string): Promise<void> {
  await clearStagedFeatures(db, 'detection_import_features', id)
}

export type { StagedFeature }

/** One multi-row insert for a batch of features. */
export async function insertStaged(db: Queryable, id: string, features: StagedFeature[]): Promise<void> {
  await insertStagedFeatures(db, 'detection_import_features', id, features)
}

/**
 * Validity in PostGIS: an invalid polygon gets its ST_IsValidReason, and a repair (ST_MakeValid,
 * polygons kept) with the area change on the ellipsoid; a repair that leaves nothing is not offered.
 */
export async function checkValidity(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE detection_import_features f SET
       geom_problem = CASE WHEN v.reason ILIKE 'Self-intersection%' OR v.reason ILIKE 'Ring Self-intersection%' THEN 'self_intersection' ELSE 'invalid_geometry' END,
       geom_message = v.reason,
       repaired = CASE WHEN NOT ST_IsEmpty(v.fixed) THEN v.fixed END,
       repairable = NOT ST_IsEmpty(v.fixed),
       area_change_m2 = CASE WHEN NOT ST_IsEmpty(v.fixed) THEN round((ST_Area(v.fixed::geography) - ST_Area(f.geom::geography))::numeric, 2) END
     FROM (
       SELECT feature_no, ST_IsValidReason(geom) AS reason, ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) AS fixed
       FROM detection_import_features WHERE import_id = $1 AND geom IS NOT NULL AND geom_problem IS NULL AND NOT ST_IsValid(geom)
     ) v
     WHERE f.import_id = $1 AND f.feature_no = v.feature_no`,
    [id],
  )
}

/**
 * The admin code of the smallest admin unit holding each feature's point on surface (as cases do);
 * none → outside_area; outside the uploader's scope → outside_scope. With a mapping, the mapped
 * attributes are derived in the same statement (one pass over the staged rows instead of two).
 *
 * Set-based, driven by the admin units: the points go to a temporary table with a GiST index, and
 * each unit finds the points inside it, so one unit is tested against its points one after another
 * (PostGIS keeps it prepared) instead of 100,000 probes of the units' index, each testing the
 * district, town and village polygons in turn (9.6 s for 100,000 patches; this: about 1.5 s).
 */
export async function placeFeatures(db: Db, id: string, scope: Scope, derive?: { mapping: ImportMapping; types: ChangeTypePatterns }): Promise<void> {
  await db.transaction(async (tx) => {
    await setTransactionTimeout(db, tx, PLACE_TIMEOUT_MS)
    await tx.query('CREATE TEMPORARY TABLE import_place_points (feature_no integer PRIMARY KEY, pt geometry(Point, 4326)) ON COMMIT DROP')
    await tx.query(
      `INSERT INTO import_place_points
       SELECT feature_no, ST_PointOnSurface(coalesce(repaired, geom)) FROM detection_import_features
       WHERE import_id = $1 AND geom IS NOT NULL AND (geom_problem IS NULL OR repairable)`,
      [id],
    )
    await tx.query('CREATE INDEX ON import_place_points USING gist (pt)')
    await tx.query('ANALYZE import_place_points')
    const placed = 'p.feature_no IS NOT NULL'
    const out = `w.code IS NULL OR NOT ${inScope('w.code', '$2')}`
    const place = `admin_code = CASE WHEN ${placed} THEN w.code ELSE f.admin_code END,
         geom_problem = CASE WHEN NOT ${placed} THEN f.geom_problem WHEN w.code IS NULL THEN 'outside_area' WHEN NOT ${inScope('w.code', '$2')} THEN 'outside_scope' ELSE f.geom_problem END,
         geom_message = CASE WHEN NOT ${placed} THEN f.geom_message WHEN w.code IS NULL THEN '图斑不在本系统的任何行政区划内'
                             WHEN NOT ${inScope('w.code', '$2')} THEN '图斑位于 ' || w.code || '，不在您的管辖范围（' || $2 || '）内'
                             ELSE f.geom_message END,
         repairable = CASE WHEN ${placed} AND (${out}) THEN false ELSE f.repairable END`
    const winners = `SELECT DISTINCT ON (p.feature_no) p.feature_no, a.code
         FROM admin_units a JOIN import_place_points p ON ST_Intersects(a.geom, p.pt)
         ORDER BY p.feature_no, length(a.code) DESC, a.code`
    if (!derive) {
      await tx.query(
        `UPDATE detection_import_features f SET ${place}
         FROM import_place_points p LEFT JOIN (${winners}) w ON w.feature_no = p.feature_no
         WHERE f.import_id = $1 AND f.feature_no = p.feature_no`,
        [id, scope],
      )
      return
    }
    const d = derivation(derive.mapping, derive.types, 3)
    await tx.query(
      `WITH ${d.ctes}, winners AS (${winners})
       UPDATE detection_import_features f SET ${place}, ${d.sets}
       FROM dated d LEFT JOIN import_place_points p ON p.feature_no = d.feature_no LEFT JOIN winners w ON w.feature_no = d.feature_no
       WHERE f.import_id = $1 AND f.feature_no = d.feature_no`,
      [id, scope, ...d.params],
    )
  })
}

const PLACE_TIMEOUT_MS = 600_000

/** Patterns (PostgreSQL regular expressions) that map a change-type text to our keys, in order. */
export interface ChangeTypePatterns {
  new_building: string
  extension: string
  land_cleared: string
  /** recognised as 'other' without a warning */
  other: string
}

const NUMBER = String.raw`^\s*[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?\s*$`
// 2026-01-02, 2026/1/2, 2026.01.02, 20260102, 2026年1月2日
const DATE = String.raw`^\s*([0-9]{4})[-/.年]?([0-9]{1,2})[-/.月]?([0-9]{1,2})日?\s*$`

/**
 * The derivation of the mapped attributes from the staged properties: CTEs (src, parsed, dated: one
 * row per feature of import $1) and the SET list for an UPDATE of `f` FROM `dated d`. Field names
 * and patterns are parameters (->> $n) numbered from `first`, never spliced into the SQL.
 */
function derivation(m: ImportMapping, types: ChangeTypePatterns, first: number): { ctes: string; sets: string; params: unknown[] } {
  const p = (k: number) => `$${first + k}`
  return {
    ctes: `src AS (
       SELECT feature_no,
         CASE WHEN ${p(0)}::text IS NULL THEN feature_no::text ELSE nullif(btrim(properties ->> ${p(0)}::text), '') END AS patch_no,
         nullif(btrim(properties ->> ${p(1)}::text), '') AS before_raw,
         nullif(btrim(properties ->> ${p(2)}::text), '') AS after_raw,
         nullif(btrim(properties ->> ${p(3)}::text), '') AS type_raw,
         nullif(btrim(properties ->> ${p(4)}::text), '') AS area_raw,
         nullif(btrim(properties ->> ${p(5)}::text), '') AS conf_raw
       FROM detection_import_features WHERE import_id = $1
     ), parsed AS (
       SELECT s.*,
         CASE WHEN area_raw ~ ${p(9)} THEN area_raw::double precision END AS area,
         CASE WHEN conf_raw ~ ${p(9)} THEN conf_raw::double precision
              WHEN replace(conf_raw, '%', '') ~ ${p(9)} AND conf_raw LIKE '%\\%' THEN replace(conf_raw, '%', '')::double precision / 100 END AS conf,
         row_number() OVER (PARTITION BY patch_no COLLATE "C" ORDER BY feature_no) AS occurrence
       FROM src s
     ), dated AS (
       SELECT p.*,
         CASE WHEN before_raw IS NULL THEN true ELSE before_raw ~ ${p(10)} END AS before_ok,
         CASE WHEN after_raw IS NULL THEN true ELSE after_raw ~ ${p(10)} END AS after_ok,
         CASE WHEN conf IS NULL THEN NULL WHEN conf > 1 AND conf <= 100 AND conf_raw NOT LIKE '%\\%' THEN conf / 100 ELSE conf END AS confidence
       FROM parsed p
     )`,
    sets: `patch_no = d.patch_no,
       change_type = CASE
         WHEN d.type_raw IS NULL THEN 'other'
         WHEN d.type_raw ~* ${p(6)} THEN 'new_building'
         WHEN d.type_raw ~* ${p(7)} THEN 'extension'
         WHEN d.type_raw ~* ${p(8)} THEN 'land_cleared'
         ELSE 'other' END,
       recorded_area_m2 = CASE WHEN d.area > 0 AND d.area < 1e10 THEN round(d.area::numeric, 2) END,
       confidence = CASE WHEN d.confidence BETWEEN 0 AND 1 THEN round(d.confidence::numeric, 3) END,
       attr_problem = CASE
         WHEN d.patch_no IS NULL THEN 'missing_patch_no'
         WHEN d.occurrence > 1 THEN 'duplicate_patch_no'
         WHEN d.area_raw IS NOT NULL AND NOT (d.area > 0 AND d.area < 1e10) THEN 'bad_area'
         WHEN d.conf_raw IS NOT NULL AND NOT coalesce(d.confidence BETWEEN 0 AND 1, false) THEN 'bad_confidence'
         WHEN NOT d.before_ok OR NOT d.after_ok THEN 'bad_date' END,
       attr_message = CASE
         WHEN d.patch_no IS NULL THEN '图斑编号为空'
         WHEN d.occurrence > 1 THEN '图斑编号 ' || d.patch_no || ' 在文件中重复'
         WHEN d.area_raw IS NOT NULL AND NOT (d.area > 0 AND d.area < 1e10) THEN '面积“' || d.area_raw || '”不是正数'
         WHEN d.conf_raw IS NOT NULL AND NOT coalesce(d.confidence BETWEEN 0 AND 1, false) THEN '置信度“' || d.conf_raw || '”不在 0–1（或 0–100%）之间'
         WHEN NOT d.before_ok THEN '前时相日期“' || d.before_raw || '”无法识别'
         WHEN NOT d.after_ok THEN '后时相日期“' || d.after_raw || '”无法识别' END`,
    params: [m.patchNo, m.beforeDate, m.afterDate, m.changeType, m.area, m.confidence, types.new_building, types.extension, types.land_cleared, NUMBER, DATE],
  }
}

/** The mapped attributes, derived from the staged properties in one statement (a new mapping). */
export async function deriveAttributes(db: Queryable, id: string, m: ImportMapping, types: ChangeTypePatterns): Promise<void> {
  const d = derivation(m, types, 2)
  await db.query(`WITH ${d.ctes} UPDATE detection_import_features f SET ${d.sets} FROM dated d WHERE f.import_id = $1 AND f.feature_no = d.feature_no`, [id, ...d.params])
}

/** Values of the change-type field that mapped to nothing but 'other', with counts. */
export async function unmappedChangeTypes(db: Queryable, id: string, field: string, types: ChangeTypePatterns): Promise<{ value: string; n: number }[]> {
  const r = await db.query<{ value: string; n: number }>(
    `SELECT btrim(properties ->> $2::text) AS value, count(*)::int AS n FROM detection_import_features
     WHERE import_id = $1 AND nullif(btrim(properties ->> $2::text), '') IS NOT NULL
       AND NOT (properties ->> $2::text ~* $3 OR properties ->> $2::text ~* $4 OR properties ->> $2::text ~* $5 OR properties ->> $2::text ~* $6)
     GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
    [id, field, types.new_building, types.extension, types.land_cleared, types.other],
  )
  return r.rows
}

/** The problem a feature shows: geometry first (unless repaired with consent), then attributes. */
function problemSql(repairParam: string): string {
  return `CASE WHEN geom_problem IS NOT NULL AND NOT (repairable AND ${repairParam}) THEN geom_problem ELSE attr_problem END`
}

export interface ProblemRow {
  feature: number
  patchNo: string | null
  code: string
  message: string
  repairable: boolean
  areaChangeM2: number | null
}

export async function listProblems(db: Queryable, id: string, repair: boolean, limit: number): Promise<{ problems: ProblemRow[]; count: number; valid: number }> {
  const r = await db.query<ProblemRow>(
    `SELECT feature_no AS feature, patch_no AS "patchNo",
       coalesce(CASE WHEN geom_problem IS NOT NULL AND NOT (repairable AND $2) THEN geom_problem END, attr_problem) AS code,
       coalesce(CASE WHEN geom_problem IS NOT NULL AND NOT (repairable AND $2) THEN geom_message END, attr_message) AS message,
       repairable AND geom_problem IS NOT NULL AS repairable, area_change_m2 AS "areaChangeM2"
     FROM detection_import_features
     WHERE import_id = $1 AND ${problemSql('$2')} IS NOT NULL
     ORDER BY feature_no LIMIT $3`,
    [id, repair, limit],
  )
  const c = await db.query<{ problems: number; valid: number }>(
    `SELECT count(*) FILTER (WHERE ${problemSql('$2')} IS NOT NULL)::int AS problems, count(*) FILTER (WHERE ${problemSql('$2')} IS NULL)::int AS valid
     FROM detection_import_features WHERE import_id = $1`,
    [id, repair],
  )
  // repaired features stay listed (as repaired) so the area change remains visible
  const repaired = repair
    ? await db.query<ProblemRow>(
        `SELECT feature_no AS feature, patch_no AS "patchNo", 'repaired' AS code, '已修复：' || geom_message AS message, true AS repairable, area_change_m2 AS "areaChangeM2"
         FROM detection_import_features WHERE import_id = $1 AND repairable AND geom_problem IS NOT NULL AND attr_problem IS NULL ORDER BY feature_no LIMIT $2`,
        [id, limit],
      )
    : { rows: [] }
  const problems = [...r.rows, ...repaired.rows].sort((a, b) => a.feature - b.feature).slice(0, limit)
  return { problems, count: c.rows[0]!.problems, valid: c.rows[0]!.valid }
}

/** An even sample of placeable features' representative points, for the GCJ-02 control check. */
export async function samplePoints(db: Queryable, id: string, n: number): Promise<{ featureNo: number; lon: number; lat: number }[]> {
  const r = await db.query<{ featureNo: number; lon: number; lat: number }>(
    `WITH ok AS (
       SELECT feature_no, coalesce(repaired, geom) AS g, row_number() OVER (ORDER BY feature_no) AS i, count(*) OVER () AS total
       FROM detection_import_features WHERE import_id = $1 AND geom IS NOT NULL AND (geom_problem IS NULL OR repairable OR geom_problem = 'outside_area')
     )
     SELECT feature_no AS "featureNo", ST_X(ST_PointOnSurface(g)) AS lon, ST_Y(ST_PointOnSurface(g)) AS lat
     FROM ok WHERE (i - 1) % greatest(1, total / $2) = 0 ORDER BY feature_no LIMIT $2`,
    [id, n],
  )
  return r.rows
}

/**
 * How many sampled features touch a building footprint or lie within a few metres of a road,
 * as staged and moved by (dx, dy) degrees each.
 */
export async function referenceMatches(db: Queryable, id: string, shifts: { featureNo: number; dx: number; dy: number }[]): Promise<{ asIs: number; shifted: number; reference: number }> {
  const ref = await db.query<{ n: number }>('SELECT (SELECT count(*) FROM buildings)::int + (SELECT count(*) FROM roads)::int AS n')
  if (ref.rows[0]!.n === 0 || shifts.length === 0) return { asIs: 0, shifted: 0, reference: ref.rows[0]!.n }
  const r = await db.query<{ as_is: number; shifted: number }>(
    `WITH s AS (
       SELECT f.feature_no, coalesce(f.repaired, f.geom) AS g, ST_Translate(coalesce(f.repaired, f.geom), t.dx, t.dy) AS moved
       FROM unnest($2::int[], $3::float8[], $4::float8[]) AS t(n, dx, dy)
       JOIN detection_import_features f ON f.import_id = $1 AND f.feature_no = t.n
     )
     SELECT
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM buildings b WHERE ST_Intersects(b.geom, s.g))
                           OR EXISTS (SELECT 1 FROM roads r WHERE ST_DWithin(r.geom, s.g, 0.00005)))::int AS as_is,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM buildings b WHERE ST_Intersects(b.geom, s.moved))
                           OR EXISTS (SELECT 1 FROM roads r WHERE ST_DWithin(r.geom, s.moved, 0.00005)))::int AS shifted
     FROM s`,
    [id, shifts.map((s) => s.featureNo), shifts.map((s) => s.dx), shifts.map((s) => s.dy)],
  )
  return { asIs: r.rows[0]!.as_is, shifted: r.rows[0]!.shifted, reference: ref.rows[0]!.n }
}

export interface PreviewFeature {
  feature: number
  patchNo: string | null
  problem: string | null
  geometry: string
}

/** Up to `limit` features for the map, problem features first, simplified to about a metre. */
export async function previewFeatures(db: Queryable, id: string, repair: boolean, limit: number): Promise<PreviewFeature[]> {
  const r = await db.query<PreviewFeature>(
    `SELECT feature_no AS feature, patch_no AS "patchNo", ${problemSql('$2')} AS problem,
       ST_AsGeoJSON(ST_Simplify(CASE WHEN $2 AND repaired IS NOT NULL THEN repaired ELSE geom END, 0.00001, true), 7) AS geometry
     FROM detection_import_features WHERE import_id = $1 AND geom IS NOT NULL
     ORDER BY (${problemSql('$2')} IS NULL), feature_no LIMIT $3`,
    [id, repair, limit],
  )
  return r.rows
}

export interface BatchInput {
  name: string
  issuer: 'ministry' | 'province' | 'city' | 'district'
  beforeDate: string
  afterDate: string
  deadline: string | null
}

export class BatchNameTaken extends Refusal {
  constructor(name: string) {
    super('conflict', `a batch named ${name} exists already`, { code: 'batch_name_taken', field: 'batch', zh: `批次“${name}”已存在` })
  }
}

/**
 * Writes the batch and its patches in one transaction: every staged feature without a problem
 * (repaired geometries where the user consented), as MultiPolygons. The caller has checked that
 * all-or-nothing imports have no problems left. Returns the batch id and counts.
 */
export async function commitImport(
  db: Db,
  imp: ImportRow,
  batch: BatchInput,
  onlyValid: boolean,
  afterInsert?: (tx: Queryable, batchId: number) => Promise<void>,
): Promise<Pick<ImportCommitted, 'batchId' | 'imported' | 'skipped'>> {
  return db.transaction(async (tx) => {
    // the staged rows are sorted into file order in memory, not in temp files (35 MB for 100,000)
    if (db.kind === 'postgis') await tx.query(`SELECT set_config('work_mem', '128MB', true)`)
    const taken = await tx.query('SELECT 1 FROM detection_batches WHERE name = $1', [batch.name])
    if (taken.rowCount > 0) throw new BatchNameTaken(batch.name)
    const counts = await tx.query<{ total: number; valid: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE ${problemSql('$2')} IS NULL)::int AS valid FROM detection_import_features WHERE import_id = $1`,
      [imp.id, imp.repair],
    )
    const { total, valid } = counts.rows[0]!
    const report = {
      importId: imp.id, fileName: imp.file_name, format: imp.format, layer: imp.layer, crs: imp.crs_code, crsSource: imp.crs_source,
      encoding: imp.encoding, features: total, imported: valid, skipped: total - valid, onlyValid, repaired: imp.repair, mapping: imp.mapping,
    }
    const b = await tx.query<{ id: number }>(
      `INSERT INTO detection_batches (name, issuer, before_date, after_date, deadline, source_format, source_crs, imported_by, import)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING id`,
      [batch.name, batch.issuer, batch.beforeDate, batch.afterDate, batch.deadline, imp.format, imp.crs_code, imp.user_id, JSON.stringify(report)],
    )
    const batchId = b.rows[0]!.id
    const ins = await tx.query(
      `INSERT INTO detections (batch_id, patch_no, admin_code, change_type, confidence, recorded_area_m2, source_attributes, geom)
       SELECT $1, patch_no, admin_code, change_type, confidence, recorded_area_m2, properties,
         ST_Multi(CASE WHEN $3 AND repaired IS NOT NULL THEN repaired ELSE geom END)
       FROM detection_import_features WHERE import_id = $2 AND ${problemSql('$3')} IS NULL ORDER BY feature_no`,
      [batchId, imp.id, imp.repair],
    )
    if (afterInsert) await afterInsert(tx, batchId)
    await tx.query(`UPDATE detection_imports SET state = 'committed', batch_id = $2, file_path = NULL, updated_at = now() WHERE id = $1`, [imp.id, batchId])
    await tx.query('DELETE FROM detection_import_features WHERE import_id = $1', [imp.id])
    return { batchId, imported: ins.rowCount, skipped: total - ins.rowCount }
  })
}
