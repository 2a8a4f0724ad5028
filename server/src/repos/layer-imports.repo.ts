// Staging and committing reference-layer imports (migrations/008, docs/api-onboarding.md): the
// import row, its staged features, the PostGIS checks (validity, placement, the district and the
// loader's scope, duplicates, collisions with stored rows), and the commit of one layer in one
// transaction, set-based (INSERT … SELECT from staging) in slices. Nothing here holds a layer in
// memory: every statement works on a slice of feature numbers or on the whole table in SQL.
import type { Queryable } from '../db/db.ts'
import { setColumns } from './set-columns.ts'
import { clearStagedFeatures, insertStagedFeatures, type StagedFeature } from './staging.ts'
import { LAYERS, type Attrs } from '../domain/reference-layers.ts'
import type { LayerImportState, LayerKey, LoadMode, Phase } from '../domain/onboarding-types.ts'
import type {
  CommitResult, Derived, FieldInfo, LayerImportError, LayerLoad, LayerMapping, LayerProblem, MappingPreset,
} from '../schemas/onboarding.schema.ts'
import type { FileWarning } from '../imports/formats/reader.ts'
import { inScope, holdsScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'

export interface LayerImportRow {
  id: string
  user_id: number
  /** the uploader's scope, written from it */
  scope_code: Scope
  layer: LayerKey
  state: LayerImportState
  phase: Phase | null
  progress_done: number
  progress_total: number | null
  file_name: string
  file_path: string | null
  byte_size: number
  format: string | null
  layer_name: string | null
  crs_code: string | null
  crs_source: string | null
  user_crs: string | null
  user_encoding: string | null
  encoding: string | null
  feature_count: number
  /** west, south, east, north (WGS 84), as the reader wrote them */
  bounds: [number, number, number, number] | null
  fields: FieldInfo[]
  mapping: LayerMapping
  warnings: FileWarning[]
  error: LayerImportError | null
  result: CommitResult | null
  created_at: string
  updated_at: string
}

const SETTABLE = [
  'state', 'phase', 'progress_done', 'progress_total', 'file_path', 'format', 'layer_name', 'crs_code', 'crs_source', 'user_crs',
  'user_encoding', 'encoding', 'feature_count', 'bounds', 'fields', 'mapping', 'warnings', 'error', 'result',
] as const
export type LayerImportPatch = Partial<Pick<LayerImportRow, (typeof SETTABLE)[number]>>
const JSON_COLUMNS = new Set(['fields', 'mapping', 'warnings', 'error', 'result'])

const COLUMNS = `id, user_id, scope_code, layer, state, phase, progress_done, progress_total, file_name, file_path, byte_size, format,
  layer_name, crs_code, crs_source, user_crs, user_encoding, encoding, feature_count, bounds, fields, mapping, warnings, error, result,
  created_at::text, updated_at::text`

export async function createLayerImport(
  db: Queryable,
  row: { id: string; userId: number; scope: Scope; layer: LayerKey; fileName: string; filePath: string; byteSize: number; userCrs: string | null; userEncoding: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO layer_imports (id, user_id, scope_code, layer, state, phase, file_name, file_path, byte_size, user_crs, user_encoding)
     VALUES ($1, $2, $3, $4, 'reading', 'reading', $5, $6, $7, $8, $9)`,
    [row.id, row.userId, row.scope, row.layer, row.fileName, row.filePath, row.byteSize, row.userCrs, row.userEncoding],
  )
}

export async function updateLayerImport(db: Queryable, id: string, patch: LayerImportPatch): Promise<void> {
  const { sets, params } = setColumns(patch, SETTABLE, JSON_COLUMNS, [id])
  if (sets.length === 0) return
  await db.query(`UPDATE layer_imports SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params)
}

/** The import if it belongs to this user (anyone else gets null, as if it did not exist). */
export async function getLayerImport(db: Queryable, id: string, userId: number): Promise<LayerImportRow | null> {
  const r = await db.query<LayerImportRow>(`SELECT ${COLUMNS} FROM layer_imports WHERE id = $1 AND user_id = $2`, [id, userId])
  return r.rows[0] ?? null
}

/** Imports not committed and untouched for the given hours, for cleanup. */
export async function expiredLayerImports(db: Queryable, hours: number): Promise<{ id: string; file_path: string | null }[]> {
  const r = await db.query<{ id: string; file_path: string | null }>(
    `SELECT id, file_path FROM layer_imports WHERE state NOT IN ('committed', 'cancelled') AND updated_at < now() - make_interval(hours => $1::int)`,
    [hours],
  )
  return r.rows
}

export async function clearLayerStaged(db: Queryable, id: string): Promise<void> {
  await clearStagedFeatures(db, 'layer_import_features', id)
}

export async function insertLayerStaged(db: Queryable, id: string, features: StagedFeature[]): Promise<void> {
  await insertStagedFeatures(db, 'layer_import_features', id, features)
}

/** Features numbers run 1..max; statements over a large file take slices of them. */
export async function maxFeatureNo(db: Queryable, id: string): Promise<number> {
  const r = await db.query<{ n: number | null }>('SELECT max(feature_no) AS n FROM layer_import_features WHERE import_id = $1', [id])
  return r.rows[0]?.n ?? 0
}

/** Invalid geometries get their ST_IsValidReason (no repair is offered: reference data is fixed at the source). */
export async function checkLayerValidity(db: Queryable, id: string, from: number, to: number): Promise<void> {
  await db.query(
    `UPDATE layer_import_features SET problem = 'invalid_geometry', message = '几何无效：' || ST_IsValidReason(geom)
     WHERE import_id = $1 AND feature_no >= $2 AND feature_no < $3 AND geom IS NOT NULL AND problem IS NULL AND NOT ST_IsValid(geom)`,
    [id, from, to],
  )
}

/** A slice of staged properties, for parsing the mapped attributes in the importer. */
export async function stagedProperties(db: Queryable, id: string, after: number, limit: number): Promise<{ feature_no: number; properties: Record<string, unknown> }[]> {
  const r = await db.query<{ feature_no: number; properties: Record<string, unknown> }>(
    'SELECT feature_no, properties FROM layer_import_features WHERE import_id = $1 AND feature_no > $2 ORDER BY feature_no LIMIT $3',
    [id, after, limit],
  )
  return r.rows
}

export interface ParsedAttrs {
  featureNo: number
  attrs: Attrs
  problem: { code: string; field: string; message: string } | null
}

export async function storeAttrs(db: Queryable, id: string, rows: ParsedAttrs[]): Promise<void> {
  if (rows.length === 0) return
  await db.query(
    `UPDATE layer_import_features f SET attrs = t.a::jsonb, attr_problem = t.pr, attr_field = t.pf, attr_message = t.pm, conflict = false
     FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(n, a, pr, pf, pm)
     WHERE f.import_id = $1 AND f.feature_no = t.n`,
    [id, rows.map((r) => r.featureNo), rows.map((r) => JSON.stringify(r.attrs)), rows.map((r) => r.problem?.code ?? null),
      rows.map((r) => r.problem?.field ?? null), rows.map((r) => r.problem?.message ?? null)],
  )
}

const PLACEMENT_PROBLEMS = ['outside_district', 'outside_scope']

/** Forget where features were placed (a new mapping may place them anew). */
export async function resetPlacement(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE layer_import_features SET problem = NULL, message = NULL WHERE import_id = $1 AND problem = ANY($2::text[])`,
    [id, PLACEMENT_PROBLEMS],
  )
}

/**
 * Where each feature lies. Scoped layers: the parcel's own village code (ZLDWDM) when that village
 * exists, else the smallest admin unit holding its point on surface; none → outside_district, a
 * unit outside the loader's scope → outside_scope. Reference geography (roads, waters, areas)
 * must meet the district; ring roads run mostly outside it and are not checked.
 */
export async function placeLayerSlice(db: Queryable, id: string, layer: LayerKey, from: number, to: number): Promise<void> {
  if (layer === 'admin_units') {
    await db.query(
      `UPDATE layer_import_features SET admin_code = attrs ->> 'code'
       WHERE import_id = $1 AND feature_no >= $2 AND feature_no < $3`,
      [id, from, to],
    )
    return
  }
  if (LAYERS[layer].scoped) {
    await db.query(
      `UPDATE layer_import_features f SET admin_code = coalesce(
         (SELECT a.code FROM admin_units a WHERE a.code = f.attrs ->> 'villageCode'),
         (SELECT a.code FROM admin_units a WHERE ST_Intersects(a.geom, ST_PointOnSurface(f.geom)) ORDER BY length(a.code) DESC, a.code LIMIT 1))
       WHERE f.import_id = $1 AND f.feature_no >= $2 AND f.feature_no < $3 AND f.geom IS NOT NULL AND f.problem IS NULL`,
      [id, from, to],
    )
    await db.query(
      `UPDATE layer_import_features SET problem = 'outside_district', message = '不在本系统的任何行政区划内（请先导入行政区划，或检查坐标系）'
       WHERE import_id = $1 AND feature_no >= $2 AND feature_no < $3 AND geom IS NOT NULL AND problem IS NULL AND admin_code IS NULL`,
      [id, from, to],
    )
  } else if (layer !== 'ring_roads') {
    await db.query(
      `UPDATE layer_import_features f SET problem = 'outside_district', message = '与本区没有交集（请检查坐标系）'
       WHERE f.import_id = $1 AND f.feature_no >= $2 AND f.feature_no < $3 AND f.geom IS NOT NULL AND f.problem IS NULL
         AND NOT EXISTS (SELECT 1 FROM admin_units a WHERE a.level = 'district' AND ST_Intersects(a.geom, f.geom))`,
      [id, from, to],
    )
  }
}

/** Scope, file duplicates, parents of admin units and collisions with stored rows: whole-file checks in SQL. */
export async function checkLayerKeys(db: Queryable, id: string, layer: LayerKey, scope: Scope): Promise<void> {
  const def = LAYERS[layer]
  if (def.scoped) {
    await db.query(
      `UPDATE layer_import_features SET problem = 'outside_scope', message = '位于 ' || admin_code || '，不在您的管辖范围（' || $2 || '）内'
       WHERE import_id = $1 AND problem IS NULL AND admin_code IS NOT NULL AND NOT ${inScope('admin_code', '$2')}`,
      [id, scope],
    )
  }
  if (def.uniqueKey) {
    await db.query(
      `WITH d AS (
         SELECT feature_no, attrs ->> $2::text AS k,
                row_number() OVER (PARTITION BY attrs ->> $2::text ORDER BY feature_no) AS occurrence,
                min(feature_no) OVER (PARTITION BY attrs ->> $2::text) AS first
         FROM layer_import_features WHERE import_id = $1 AND attrs ->> $2::text IS NOT NULL
       )
       UPDATE layer_import_features f SET attr_problem = 'duplicate', attr_field = $2,
         attr_message = '“' || d.k || '”在文件中重复（第 ' || d.first || ' 个要素已有）'
       FROM d WHERE f.import_id = $1 AND f.feature_no = d.feature_no AND d.occurrence > 1 AND f.attr_problem IS NULL`,
      [id, def.uniqueKey],
    )
  }
  if (layer === 'admin_units') {
    await db.query(
      `UPDATE layer_import_features f SET attr_problem = 'unknown_code', attr_field = 'code',
         attr_message = '上级区划 ' || left(f.admin_code, length(f.admin_code) - 3) || ' 既不在系统中，也不在本文件中'
       WHERE f.import_id = $1 AND f.attr_problem IS NULL AND length(f.admin_code) > 6
         AND NOT EXISTS (SELECT 1 FROM admin_units a WHERE a.code = left(f.admin_code, length(f.admin_code) - 3))
         AND NOT EXISTS (SELECT 1 FROM layer_import_features p WHERE p.import_id = $1 AND p.admin_code = left(f.admin_code, length(f.admin_code) - 3)
                           AND p.problem IS NULL AND p.attr_problem IS NULL)`,
      [id],
    )
  }
  // a stored row with the same key: inside the scope a replace removes it first (append would
  // collide: `conflict`); outside it, both modes would collide
  const stored = layer === 'parcels' ? { table: 'parcels', column: 'parcel_no', key: 'parcelNo' } : layer === 'permits' ? { table: 'permits', column: 'permit_no', key: 'permitNo' } : null
  if (stored) {
    await db.query(
      `UPDATE layer_import_features f SET
         conflict = ${inScope('s.admin_code', '$2')},
         attr_problem = CASE WHEN ${inScope('s.admin_code', '$2')} THEN f.attr_problem ELSE 'duplicate' END,
         attr_field = CASE WHEN ${inScope('s.admin_code', '$2')} THEN f.attr_field ELSE $3 END,
         attr_message = CASE WHEN ${inScope('s.admin_code', '$2')} THEN f.attr_message ELSE '“' || s.${stored.column} || '”已存在于 ' || s.admin_code || '（您的管辖范围外）' END
       FROM ${stored.table} s
       WHERE f.import_id = $1 AND s.${stored.column} = f.attrs ->> $3::text AND f.attr_problem IS NULL`,
      [id, scope, stored.key],
    )
  }
}

/** The feature's problem for a commit in `mode` (null: the view, where collisions are a warning). */
function problemSql(mode: string | null): string {
  const clash = mode === null ? 'NULL' : `CASE WHEN conflict AND ${mode} = 'append' THEN 'duplicate' END`
  return `coalesce(problem, attr_problem, ${clash})`
}
function messageSql(mode: string | null): string {
  const clash = mode === null ? 'NULL' : `CASE WHEN conflict AND ${mode} = 'append' THEN '编号已存在，追加会重复（可改用替换）' END`
  return `coalesce(message, attr_message, ${clash})`
}

export async function listLayerProblems(
  db: Queryable, id: string, mode: LoadMode | null, limit: number,
): Promise<{ problems: LayerProblem[]; count: number; counts: Record<string, number>; valid: number; conflicts: number }> {
  const params: unknown[] = mode === null ? [id, limit] : [id, limit, mode]
  const m = mode === null ? null : '$3::text'
  const r = await db.query<{ featureNo: number; code: string; field: string | null; message: string }>(
    `SELECT feature_no AS "featureNo", ${problemSql(m)} AS code, CASE WHEN problem IS NULL THEN attr_field END AS field, ${messageSql(m)} AS message
     FROM layer_import_features WHERE import_id = $1 AND ${problemSql(m)} IS NOT NULL ORDER BY feature_no LIMIT $2`,
    params,
  )
  const m2 = mode === null ? null : '$2::text'
  const c = await db.query<{ code: string | null; n: number; conflicts: number }>(
    `SELECT ${problemSql(m2)} AS code, count(*)::int AS n, count(*) FILTER (WHERE conflict)::int AS conflicts
     FROM layer_import_features WHERE import_id = $1 GROUP BY 1`,
    mode === null ? [id] : [id, mode],
  )
  const counts: Record<string, number> = {}
  let valid = 0
  let conflicts = 0
  for (const row of c.rows) {
    if (row.code === null) valid = row.n
    else counts[row.code] = row.n
    conflicts += row.conflicts
  }
  return {
    problems: r.rows.map((p) => ({ featureNo: p.featureNo, code: p.code, ...(p.field ? { field: p.field } : {}), message: p.message })),
    count: Object.values(counts).reduce((s, n) => s + n, 0),
    counts,
    valid,
    conflicts,
  }
}

export interface LayerPreviewFeature {
  featureNo: number
  problem: string | null
  geometry: string
}

/** Up to `limit` features for the preview map, problem features first, simplified to about a metre. */
export async function previewLayerFeatures(db: Queryable, id: string, limit: number): Promise<LayerPreviewFeature[]> {
  const r = await db.query<LayerPreviewFeature>(
    `SELECT feature_no AS "featureNo", ${problemSql(null)} AS problem, ST_AsGeoJSON(ST_Simplify(geom, 0.00001, true), 7) AS geometry
     FROM layer_import_features WHERE import_id = $1 AND geom IS NOT NULL
     ORDER BY (${problemSql(null)} IS NULL), feature_no LIMIT $2`,
    [id, limit],
  )
  return r.rows
}

// ---------------------------------------------------------------------------------------------
// Committing

/** Admin units a replace would remove (in scope, absent from the file) that rows still reference. */
export async function referencedAdminUnits(db: Queryable, id: string, scope: Scope): Promise<{ absent: number; referenced: string[] }> {
  const r = await db.query<{ code: string; used: boolean }>(
    `WITH gone AS (
       SELECT a.code FROM admin_units a WHERE ${inScope('a.code', '$2')}
         AND NOT EXISTS (SELECT 1 FROM layer_import_features f WHERE f.import_id = $1 AND f.admin_code = a.code AND f.problem IS NULL AND f.attr_problem IS NULL)
     )
     SELECT g.code, (EXISTS (SELECT 1 FROM parcels x WHERE x.admin_code = g.code) OR EXISTS (SELECT 1 FROM buildings x WHERE x.admin_code = g.code)
       OR EXISTS (SELECT 1 FROM cases x WHERE x.admin_code = g.code) OR EXISTS (SELECT 1 FROM detections x WHERE x.admin_code = g.code)
       OR EXISTS (SELECT 1 FROM zones x WHERE x.admin_code = g.code) OR EXISTS (SELECT 1 FROM targets x WHERE x.admin_code = g.code)
       OR EXISTS (SELECT 1 FROM assignments x WHERE x.admin_code = g.code) OR EXISTS (SELECT 1 FROM target_history x WHERE x.admin_code = g.code)
       OR EXISTS (SELECT 1 FROM permits x WHERE x.admin_code = g.code)) AS used
     FROM gone g ORDER BY g.code`,
    [id, scope],
  )
  return { absent: r.rows.length, referenced: r.rows.filter((x) => x.used).map((x) => x.code) }
}

export class AdminUnitsReferenced extends Error {
  constructor(readonly codes: string[]) {
    super(`admin units still referenced: ${codes.join(', ')}`)
  }
}

export class ParcelsAssigned extends Error {
  constructor(readonly count: number) {
    super(`${count} assignments point at parcels a replace would remove`)
  }
}

/** The statements of one commit, each small enough to check for cancellation between them. */
export interface CommitContext {
  tx: Queryable
  imp: LayerImportRow
  mode: LoadMode
  /** called between slices with what is done; throws to stop (the transaction rolls back) */
  step(done: number, total: number): void
  slice: number
}

const VALID = `problem IS NULL AND attr_problem IS NULL AND (NOT conflict OR $2::text = 'replace')`

async function countValid(ctx: CommitContext): Promise<{ valid: number; total: number }> {
  const r = await ctx.tx.query<{ valid: number; total: number }>(
    `SELECT count(*) FILTER (WHERE ${VALID})::int AS valid, count(*)::int AS total FROM layer_import_features WHERE import_id = $1`,
    [ctx.imp.id, ctx.mode],
  )
  return r.rows[0]!
}

/** INSERT … SELECT from staging, one statement per slice of feature numbers. */
async function insertSlices(ctx: CommitContext, max: number, sql: string): Promise<number> {
  let inserted = 0
  for (let from = 1; from <= max; from += ctx.slice) {
    inserted += (await ctx.tx.query(sql, [ctx.imp.id, ctx.mode, from, from + ctx.slice])).rowCount
    ctx.step(Math.min(from + ctx.slice - 1, max), max)
  }
  return inserted
}

const SLICE_WHERE = `import_id = $1 AND ${VALID} AND feature_no >= $3 AND feature_no < $4`

/** Writes the staged layer. Returns counts; throws AdminUnitsReferenced / ParcelsAssigned when a replace may not remove rows. */
export async function writeLayer(ctx: CommitContext): Promise<{ inserted: number; updated: number; deleted: number; skipped: number }> {
  const { tx, imp, mode } = ctx
  const scope = imp.scope_code
  const max = await maxFeatureNo(tx, imp.id)
  const { valid, total } = await countValid(ctx)
  let deleted = 0
  let inserted = 0
  let updated = 0
  switch (imp.layer) {
    case 'admin_units': {
      if (mode === 'replace') {
        const { referenced } = await referencedAdminUnits(tx, imp.id, scope)
        if (referenced.length > 0) throw new AdminUnitsReferenced(referenced)
      }
      const r = await tx.query<{ inserted: boolean }>(
        `INSERT INTO admin_units (code, level, name, parent_code, kind, registered_population, floating_population, geom)
         SELECT admin_code, CASE length(admin_code) WHEN 6 THEN 'district' WHEN 9 THEN 'town' ELSE 'village' END, attrs ->> 'name',
           CASE WHEN length(admin_code) > 6 THEN left(admin_code, length(admin_code) - 3) END, attrs ->> 'kind',
           (attrs ->> 'registeredPopulation')::int, (attrs ->> 'floatingPopulation')::int, ST_Multi(geom)
         FROM layer_import_features WHERE import_id = $1 AND ${VALID} ORDER BY length(admin_code), admin_code
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code,
           kind = coalesce(EXCLUDED.kind, admin_units.kind),
           registered_population = coalesce(EXCLUDED.registered_population, admin_units.registered_population),
           floating_population = coalesce(EXCLUDED.floating_population, admin_units.floating_population),
           synthetic_geometry = false, geom = EXCLUDED.geom
         RETURNING (xmax = 0) AS inserted`,
        [imp.id, mode],
      )
      inserted = r.rows.filter((x) => x.inserted).length
      updated = r.rows.length - inserted
      if (mode === 'replace') {
        // children first: a village goes before its town
        for (const len of [12, 9, 6]) {
          deleted += (await tx.query(
            `DELETE FROM admin_units a WHERE ${inScope('a.code', '$2')} AND length(a.code) = $3
               AND NOT EXISTS (SELECT 1 FROM layer_import_features f WHERE f.import_id = $1 AND f.admin_code = a.code AND f.problem IS NULL AND f.attr_problem IS NULL)`,
            [imp.id, scope, len],
          )).rowCount
        }
      }
      ctx.step(max, max)
      break
    }
    case 'parcels': {
      if (mode === 'replace') {
        const a = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM assignments s JOIN parcels p ON p.id = s.parcel_id WHERE ${inScope('p.admin_code', '$1')}`, [scope])
        if (a.rows[0]!.n > 0) throw new ParcelsAssigned(a.rows[0]!.n)
        deleted = (await tx.query(`DELETE FROM parcels WHERE ${inScope('admin_code', '$1')}`, [scope])).rowCount
      }
      inserted = await insertSlices(ctx, max,
        `INSERT INTO parcels (parcel_no, admin_code, land_class, land_code, owner_name, owner_type, recorded_area_m2, geom)
         SELECT attrs ->> 'parcelNo', admin_code, attrs ->> 'landClass', attrs ->> 'landCode', attrs ->> 'ownerName', attrs ->> 'ownerType',
           (attrs ->> 'recordedArea')::numeric, ST_Multi(geom)
         FROM layer_import_features WHERE ${SLICE_WHERE} ORDER BY feature_no`)
      break
    }
    case 'buildings': {
      if (mode === 'replace') deleted = (await tx.query(`DELETE FROM buildings WHERE ${inScope('admin_code', '$1')}`, [scope])).rowCount
      inserted = await insertSlices(ctx, max,
        `INSERT INTO buildings (admin_code, parcel_id, floors, structure, use, self_built, rented, safety_grade, permit_no, built_year, geom)
         SELECT f.admin_code,
           (SELECT p.id FROM parcels p WHERE ST_Intersects(p.geom, ST_PointOnSurface(f.geom)) ORDER BY p.id LIMIT 1),
           (f.attrs ->> 'floors')::smallint, f.attrs ->> 'structure', f.attrs ->> 'use',
           coalesce((f.attrs ->> 'selfBuilt')::boolean, false), coalesce((f.attrs ->> 'rented')::boolean, false),
           f.attrs ->> 'safetyGrade', f.attrs ->> 'permitNo', (f.attrs ->> 'builtYear')::smallint, ST_Multi(f.geom)
         FROM layer_import_features f WHERE ${SLICE_WHERE} ORDER BY feature_no`)
      break
    }
    case 'roads':
    case 'ring_roads': {
      // one statement each way: the 007 trigger recomputes the buffer zones once per statement
      const ring = imp.layer === 'ring_roads'
      if (mode === 'replace') deleted = (await tx.query(`DELETE FROM roads WHERE ring_no IS ${ring ? 'NOT ' : ''}NULL`)).rowCount
      inserted = (await tx.query(
        `INSERT INTO roads (name, road_code, road_class, ring_no, geom)
         SELECT attrs ->> 'name', attrs ->> 'roadCode', coalesce(attrs ->> 'roadClass', 'expressway'), (attrs ->> 'ringNo')::smallint, ST_Multi(geom)
         FROM layer_import_features WHERE import_id = $1 AND ${VALID} ORDER BY feature_no`,
        [imp.id, mode],
      )).rowCount
      ctx.step(max, max)
      break
    }
    case 'waters':
    case 'reference_areas': {
      const table = imp.layer === 'waters' ? 'waters' : 'reference_areas'
      if (mode === 'replace') deleted = (await tx.query(`DELETE FROM ${table}`)).rowCount
      inserted = (await tx.query(
        `INSERT INTO ${table} (name, kind, geom)
         SELECT attrs ->> 'name', attrs ->> 'kind', ST_Multi(geom) FROM layer_import_features WHERE import_id = $1 AND ${VALID} ORDER BY feature_no`,
        [imp.id, mode],
      )).rowCount
      ctx.step(max, max)
      break
    }
    case 'permits': {
      if (mode === 'replace') deleted = (await tx.query(`DELETE FROM permits WHERE ${inScope('admin_code', '$1')}`, [scope])).rowCount
      inserted = await insertSlices(ctx, max,
        `INSERT INTO permits (permit_no, kind, holder, issued_on, admin_code, geom)
         SELECT attrs ->> 'permitNo', attrs ->> 'kind', attrs ->> 'holder', (attrs ->> 'issuedOn')::date, admin_code, ST_Multi(geom)
         FROM layer_import_features WHERE ${SLICE_WHERE} ORDER BY feature_no`)
      break
    }
  }
  return { inserted, updated, deleted, skipped: total - valid }
}

/** Buildings in scope point at the parcel holding their representative point (one slice of ids per statement). */
export async function relinkBuildings(db: Queryable, scope: Scope, slice: number, step: (done: number, total: number) => void): Promise<number> {
  const r = await db.query<{ lo: number | null; hi: number | null }>(`SELECT min(id) AS lo, max(id) AS hi FROM buildings WHERE ${inScope('admin_code', '$1')}`, [scope])
  const { lo, hi } = r.rows[0]!
  if (lo === null || hi === null) return 0
  for (let from = lo; from <= hi; from += slice) {
    await db.query(
      `UPDATE buildings b SET parcel_id = n.parcel_id FROM (
         SELECT b2.id, (SELECT p.id FROM parcels p WHERE ST_Intersects(p.geom, b2.centroid) ORDER BY p.id LIMIT 1) AS parcel_id
         FROM buildings b2 WHERE b2.id >= $2 AND b2.id < $3 AND ${inScope('b2.admin_code', '$1')}
       ) n WHERE b.id = n.id AND b.parcel_id IS DISTINCT FROM n.parcel_id`,
      [scope, from, from + slice],
    )
    step(Math.min(from + slice - lo, hi - lo + 1), hi - lo + 1)
  }
  return linkedBuildings(db, scope)
}

export async function linkedBuildings(db: Queryable, scope: Scope): Promise<number> {
  const c = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM buildings WHERE ${inScope('admin_code', '$1')} AND parcel_id IS NOT NULL`, [scope])
  return c.rows[0]!.n
}

export async function recomputeActiveBufferZones(db: Queryable): Promise<void> {
  await db.query('SELECT chaiwei_compute_buffer_zones(id) FROM buffer_rule_sets WHERE active')
}

/** Zones of the active rule set, or null when no rule set is active. */
export async function activeBufferZoneCount(db: Queryable): Promise<number | null> {
  const r = await db.query<{ active: number; zones: number }>(
    `SELECT count(*)::int AS active, coalesce(sum((SELECT count(*) FROM buffer_zones z WHERE z.rule_set_id = s.id)), 0)::int AS zones
     FROM buffer_rule_sets s WHERE s.active`,
  )
  return r.rows[0]!.active === 0 ? null : r.rows[0]!.zones
}

export async function batchIds(db: Queryable): Promise<number[]> {
  return (await db.query<{ id: number }>('SELECT id FROM detection_batches ORDER BY id')).rows.map((r) => r.id)
}

export async function tileLogSeq(db: Queryable): Promise<number> {
  return (await db.query<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM tile_invalidations')).rows[0]!.s
}

export async function tileLogEntriesSince(db: Queryable, seq: number): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tile_invalidations WHERE seq > $1', [seq])).rows[0]!.n
}

export async function recordLoad(
  tx: Queryable,
  imp: LayerImportRow,
  load: { mode: LoadMode; onlyValid: boolean; features: number; inserted: number; updated: number; deleted: number; skipped: number; derived: Derived[] },
): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO layer_loads (user_id, scope_code, layer, file_name, format, crs_code, encoding, mode, only_valid, features, inserted, updated, deleted, skipped, mapping, derived)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb) RETURNING id`,
    [imp.user_id, imp.scope_code, imp.layer, imp.file_name, imp.format, imp.crs_code, imp.encoding, load.mode, load.onlyValid, load.features,
      load.inserted, load.updated, load.deleted, load.skipped, JSON.stringify(imp.mapping), JSON.stringify(load.derived)],
  )
  return r.rows[0]!.id
}

const LOAD_SELECT = `SELECT l.id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  json_build_object('id', l.user_id, 'username', u.username) AS user, l.scope_code AS scope, l.layer, l.file_name AS "fileName",
  l.format, l.crs_code AS crs, l.encoding, l.mode, l.only_valid AS "onlyValid", l.features, l.inserted, l.updated, l.deleted, l.skipped,
  l.mapping, l.derived
  FROM layer_loads l LEFT JOIN users u ON u.id = l.user_id`

/** Loads a user sees: those over their area (a district load) or inside it. */
const VISIBLE = `(${inScope('l.scope_code', '$1')} OR ${holdsScope('l.scope_code', '$1')})`

export async function listLoads(db: Queryable, scope: Scope, layer: LayerKey | null, limit: number): Promise<LayerLoad[]> {
  const r = await db.query<LayerLoad>(`${LOAD_SELECT} WHERE ${VISIBLE} AND ($2::text IS NULL OR l.layer = $2) ORDER BY l.at DESC, l.id DESC LIMIT $3`, [scope, layer, limit])
  return r.rows
}

/** The newest load of each layer that the user sees. */
export async function lastLoads(db: Queryable, scope: Scope): Promise<Map<LayerKey, LayerLoad>> {
  const r = await db.query<LayerLoad>(`${LOAD_SELECT} WHERE l.id IN (SELECT max(l.id) FROM layer_loads l WHERE ${VISIBLE} GROUP BY l.layer)`, [scope])
  return new Map(r.rows.map((l) => [l.layer, l]))
}

/** The mapping of the newest load of a layer, to offer again. */
export async function lastMapping(db: Queryable, layer: LayerKey): Promise<LayerMapping | null> {
  const r = await db.query<{ mapping: LayerMapping }>('SELECT mapping FROM layer_loads WHERE layer = $1 ORDER BY id DESC LIMIT 1', [layer])
  return r.rows[0]?.mapping ?? null
}

export async function listPresets(db: Queryable, layer: LayerKey | null): Promise<MappingPreset[]> {
  const r = await db.query<MappingPreset>('SELECT id, layer, name, mapping FROM layer_mapping_presets WHERE $1::text IS NULL OR layer = $1 ORDER BY layer, name', [layer])
  return r.rows
}

/** Saves a named preset (a newer mapping under the same name replaces it). */
export async function savePreset(db: Queryable, p: { layer: LayerKey; name: string; mapping: LayerMapping; userId: number }): Promise<MappingPreset> {
  const r = await db.query<MappingPreset>(
    `INSERT INTO layer_mapping_presets (layer, name, mapping, created_by) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (layer, name) DO UPDATE SET mapping = EXCLUDED.mapping, created_by = EXCLUDED.created_by, created_at = now()
     RETURNING id, layer, name, mapping`,
    [p.layer, p.name, JSON.stringify(p.mapping), p.userId],
  )
  return r.rows[0]!
}

// What a user of a scope counts: scoped layers by admin code ($1), district-wide geography whole;
// an admin unit counts when it lies in the scope or holds it (the district and town above a village).
const COUNT_SQL: Record<LayerKey, string> = {
  admin_units: `SELECT count(*)::int AS n FROM admin_units WHERE ${inScope('code', '$1')} OR ${holdsScope('code', '$1')}`,
  parcels: `SELECT count(*)::int AS n FROM parcels WHERE ${inScope('admin_code', '$1')}`,
  buildings: `SELECT count(*)::int AS n FROM buildings WHERE ${inScope('admin_code', '$1')}`,
  permits: `SELECT count(*)::int AS n FROM permits WHERE ${inScope('admin_code', '$1')}`,
  roads: 'SELECT count(*)::int AS n FROM roads WHERE ring_no IS NULL',
  ring_roads: 'SELECT count(*)::int AS n FROM roads WHERE ring_no IS NOT NULL',
  waters: 'SELECT count(*)::int AS n FROM waters',
  reference_areas: 'SELECT count(*)::int AS n FROM reference_areas',
}

export async function layerCount(db: Queryable, layer: LayerKey, scope: Scope): Promise<number> {
  const sql = COUNT_SQL[layer]
  return (await db.query<{ n: number }>(sql, sql.includes('$1') ? [scope] : [])).rows[0]!.n
}

/** Cases inside the scope, and those of them waiting for a location (待定位). */
export async function caseCounts(db: Queryable, scope: Scope): Promise<{ cases: number; pendingLocation: number }> {
  const r = await db.query<{ cases: number; pending: number }>(
    `SELECT count(*)::int AS cases, count(*) FILTER (WHERE location_pending)::int AS pending FROM cases WHERE ${inScope('admin_code', '$1')}`,
    [scope],
  )
  return { cases: r.rows[0]!.cases, pendingLocation: r.rows[0]!.pending }
}
