// 自建房安全排查: one file per self-built house (一户一档), its measures and lifecycle, the worklist of
// houses not yet surveyed and the figures the seeds report. Every write is under If-Match and
// leaves a row in survey_history (全程留痕). docs/survey.md.
import type { Db, Queryable } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'
import { needsMeasures, resolveRefusal, surveyFieldProblem, type Grade, type Hazard, type HouseUse, type SurveyStatus } from '../domain/house-survey.ts'
import { holds, type Scope } from '../domain/scope.ts'
import type { NewSurveyBody, Survey, SurveyFigures, SurveyList, SurveyPatchBody, SurveyStatistics, Worklist } from '../schemas/surveys.schema.ts'
import { beijingDateSql } from './beijing.sql.ts'
import { insertCase, villageOf } from './cases.repo.ts'
import { inScope, inUnit } from './scope.sql.ts'
import { refuseStaleWrite } from './stale-version.ts'

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
const TODAY = beijingDateSql('now()')
const OVERDUE = `(m.done_at IS NULL AND m.deadline < ${TODAY})`

const SELECT_SURVEY = `
  SELECT s.id, s.building_id, s.admin_code, v.name AS village_name, coalesce(t.name, '') AS town_name, s.address_text, s.owner_type,
         s.owner_name, s.owner_phone, s.floors, s.structure, s.built_year, s.use, s.business_kind, s.rented, s.residents, s.workers,
         s.business_licence, s.appraisal, s.appraisal_grade, s.appraisal_report_id, s.hazard, s.status, s.case_id, c.case_no,
         ${iso('s.surveyed_at')} AS surveyed_at, ${iso('s.resolved_at')} AS resolved_at, s.version,
         ST_AsGeoJSON(s.geom, 8) AS geometry, ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat,
         coalesce((SELECT json_agg(json_build_object('id', m.id, 'kind', m.kind, 'deadline', to_char(m.deadline, 'YYYY-MM-DD'), 'note', m.note,
                                                     'doneAt', ${iso('m.done_at')}, 'overdue', ${OVERDUE}) ORDER BY m.deadline, m.id)
                   FROM survey_measures m WHERE m.survey_id = s.id), '[]') AS measures
  FROM house_surveys s JOIN admin_units v ON v.code = s.admin_code LEFT JOIN admin_units t ON t.code = v.parent_code
       LEFT JOIN cases c ON c.id = s.case_id`

type Row = Record<string, unknown>

function toSurvey(r: Row, withOwner: boolean): Survey {
  const s = {
    id: r.id as number,
    buildingId: (r.building_id as number | null) ?? null,
    adminCode: r.admin_code as string,
    villageName: r.village_name as string,
    townName: r.town_name as string,
    addressText: (r.address_text as string | null) ?? null,
    ownerType: r.owner_type as Survey['ownerType'],
    floors: r.floors as number,
    structure: r.structure as Survey['structure'],
    builtYear: (r.built_year as number | null) ?? null,
    use: r.use as HouseUse,
    businessKind: (r.business_kind as Survey['businessKind']) ?? null,
    rented: r.rented as boolean,
    residents: r.residents as number,
    workers: r.workers as number,
    businessLicence: (r.business_licence as boolean | null) ?? null,
    appraisal: r.appraisal as 'none' | 'done',
    appraisalGrade: ((r.appraisal_grade as string | null)?.trim() as Grade | undefined) ?? null,
    appraisalReportId: (r.appraisal_report_id as number | null) ?? null,
    hazard: r.hazard as Hazard,
    status: r.status as SurveyStatus,
    caseId: (r.case_id as number | null) ?? null,
    caseNo: (r.case_no as string | null) ?? null,
    surveyedAt: r.surveyed_at as string,
    resolvedAt: (r.resolved_at as string | null) ?? null,
    measures: r.measures as Survey['measures'],
    geometry: JSON.parse(r.geometry as string),
    lon: r.lon as number,
    lat: r.lat as number,
    version: r.version as number,
  }
  return {
    ...s,
    needsMeasures: needsMeasures(s),
    ...(withOwner ? { owner: { name: (r.owner_name as string | null) ?? null, phone: (r.owner_phone as string | null) ?? null } } : {}),
  }
}

export async function getSurvey(db: Queryable, id: number, scope: Scope, withOwner: boolean): Promise<Survey | null> {
  const r = await db.query<Row>(`${SELECT_SURVEY} WHERE s.id = $1 AND ${inScope('s.admin_code', '$2')}`, [id, scope])
  return r.rows[0] ? toSurvey(r.rows[0], withOwner) : null
}

export interface SurveyFilter {
  scope: Scope
  adminCode?: string
  status?: SurveyStatus
  hazard?: Hazard
  grade?: Grade
  overdue?: boolean
  limit: number
  offset: number
}

export async function listSurveys(db: Queryable, f: SurveyFilter, withOwner: boolean): Promise<SurveyList> {
  const params: unknown[] = [f.scope]
  const where = [inScope('s.admin_code', '$1')]
  if (f.adminCode) where.push(inUnit('s.admin_code', `$${params.push(f.adminCode)}`))
  if (f.status) where.push(`s.status = $${params.push(f.status)}`)
  if (f.hazard) where.push(`s.hazard = $${params.push(f.hazard)}`)
  if (f.grade) where.push(`s.appraisal_grade = $${params.push(f.grade)}`)
  if (f.overdue) where.push(`EXISTS (SELECT 1 FROM survey_measures m WHERE m.survey_id = s.id AND ${OVERDUE})`)
  const limit = params.push(f.limit)
  const offset = params.push(f.offset)
  const r = await db.query<Row & { total: number }>(
    `SELECT q.*, count(*) OVER ()::int AS total FROM (${SELECT_SURVEY} WHERE ${where.join(' AND ')}) q
     ORDER BY q.admin_code, q.id LIMIT $${limit} OFFSET $${offset}`,
    params,
  )
  return { items: r.rows.map((row) => toSurvey(row, withOwner)), total: r.rows[0]?.total ?? 0 }
}

const invalid = (field: string, message: string, zh: string, code?: string) => new Refusal('invalid', message, { field, zh, code })

function checkFields(s: Parameters<typeof surveyFieldProblem>[0], now: Date): void {
  const p = surveyFieldProblem(s, now)
  if (p) throw invalid(p.field, p.message, p.zh)
}

/** A new file, from a footprint on the map (its geometry and village) or from a point. */
export async function createSurvey(db: Db, body: NewSurveyBody, scope: Scope, userId: number, now = new Date()): Promise<number> {
  checkFields({ ...body }, now)
  return db.transaction(async (tx) => {
    let geojson: string
    if (body.buildingId) {
      const b = await tx.query<{ geometry: string; admin_code: string }>(
        `SELECT ST_AsGeoJSON(geom) AS geometry, admin_code FROM buildings WHERE id = $1 AND ${inScope('admin_code', '$2')}`,
        [body.buildingId, scope],
      )
      if (!b.rows[0]) throw new Refusal('not_found', `no building ${body.buildingId} in your area`, { field: 'buildingId', zh: '找不到该建筑' })
      const existing = await tx.query<{ id: number }>(`SELECT id FROM house_surveys WHERE building_id = $1`, [body.buildingId])
      if (existing.rows[0]) {
        throw new Refusal('conflict', `building ${body.buildingId} already has a file (${existing.rows[0].id}): one file per house`, {
          code: 'survey_exists', zh: '该房屋已建档（一户一档）', extra: { surveyId: existing.rows[0].id },
        })
      }
      geojson = b.rows[0].geometry
    } else if (body.point) {
      geojson = JSON.stringify({ type: 'Point', coordinates: body.point })
    } else {
      throw invalid('buildingId', 'give the building surveyed (buildingId) or a point', '请选择房屋或在地图上标出位置')
    }
    const village = await villageOf(tx, geojson)
    if (!village) throw new Refusal('unprocessable', 'the house lies outside the district', { field: 'point', zh: '房屋不在本辖区内' })
    if (!holds(scope, village)) throw new Refusal('not_found', `the house lies in ${village}, outside your area`, { field: 'point', zh: '房屋不在您的辖区内' })
    const r = await tx.query<{ id: number }>(
      `INSERT INTO house_surveys (building_id, admin_code, address_text, owner_type, owner_name, owner_phone, floors, structure, built_year, use, business_kind,
                                  rented, residents, workers, business_licence, appraisal, appraisal_grade, hazard, surveyed_at, surveyed_by, geom)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, ST_SetSRID(ST_GeomFromGeoJSON($21), 4326))
       RETURNING id`,
      [body.buildingId ?? null, village, body.addressText, body.ownerType, body.ownerName ?? null, body.ownerPhone ?? null, body.floors, body.structure,
        body.builtYear, body.use, body.businessKind, body.rented, body.residents, body.workers, body.businessLicence, body.appraisal, body.appraisalGrade,
        body.hazard, body.surveyedAt ?? now.toISOString(), userId, geojson],
    )
    const id = r.rows[0]!.id
    const { ownerName: _n, ownerPhone: _p, ...trace } = body
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, to_status, after) VALUES ($1, $2, 'create', 'surveyed', $3)`, [id, userId, JSON.stringify(trace)])
    return id
  })
}

const COLUMNS: Readonly<Record<keyof SurveyPatchBody, string>> = {
  addressText: 'address_text', ownerType: 'owner_type', ownerName: 'owner_name', ownerPhone: 'owner_phone', floors: 'floors', structure: 'structure',
  builtYear: 'built_year', use: 'use', businessKind: 'business_kind', rented: 'rented', residents: 'residents', workers: 'workers',
  businessLicence: 'business_licence', appraisal: 'appraisal', appraisalGrade: 'appraisal_grade', appraisalReportId: 'appraisal_report_id', hazard: 'hazard',
}
const PERSONAL = new Set(['ownerName', 'ownerPhone'])

/**
 * Runs `write` on the file locked at the version the caller saw, then bumps the version; a stale
 * version is refused and recorded outside the transaction. Answers false for a file not in scope.
 */
async function versioned(db: Db, id: number, scope: Scope, expected: number, userId: number, attempted: unknown, write: (tx: Queryable, current: Survey) => Promise<void>): Promise<boolean> {
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<{ version: number }>(`SELECT version FROM house_surveys WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`, [id, scope])
    if (!r.rows[0]) return 'missing' as const
    if (r.rows[0].version !== expected) return r.rows[0].version
    const current = (await getSurvey(tx, id, scope, true))!
    await write(tx, current)
    await tx.query(`UPDATE house_surveys SET version = version + 1, updated_at = now() WHERE id = $1`, [id])
    return null
  })
  if (outcome === 'missing') return false
  if (outcome !== null) await refuseStaleWrite(db, 'house file', { table: 'survey_history', key: { survey_id: id } }, userId, expected, outcome, attempted)
  return true
}

export async function editSurvey(db: Db, id: number, scope: Scope, expected: number, patch: SurveyPatchBody, userId: number, now = new Date()): Promise<boolean> {
  return versioned(db, id, scope, expected, userId, patch, async (tx, current) => {
    const merged = { ...current, ...patch }
    checkFields(merged, now)
    if (patch.appraisalReportId) {
      const doc = await tx.query(`SELECT 1 FROM attachments WHERE id = $1 AND survey_id = $2`, [patch.appraisalReportId, id])
      if (doc.rowCount === 0) throw invalid('appraisalReportId', 'the appraisal report must be a file attached to this house', '鉴定报告须为本房屋的附件')
    }
    const keys = (Object.keys(patch) as (keyof SurveyPatchBody)[]).filter((k) => k in COLUMNS)
    const params: unknown[] = [id]
    const sets = keys.map((k) => `${COLUMNS[k]} = $${params.push(patch[k] ?? null)}`)
    await tx.query(`UPDATE house_surveys SET ${sets.join(', ')} WHERE id = $1`, params)
    const before = Object.fromEntries(keys.filter((k) => !PERSONAL.has(k)).map((k) => [k, (current as Record<string, unknown>)[k] ?? null]))
    const after = Object.fromEntries(keys.filter((k) => !PERSONAL.has(k)).map((k) => [k, patch[k] ?? null]))
    if (keys.some((k) => PERSONAL.has(k))) after.owner = 'changed' // personal data stays out of the trail
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, before, after) VALUES ($1, $2, 'edit', $3, $4)`, [id, userId, JSON.stringify(before), JSON.stringify(after)])
  })
}

/** A measure against the hazard; the file is being rectified (a resolved one is reopened). */
export async function addMeasure(db: Db, id: number, scope: Scope, expected: number, m: { kind: string; deadline: string; note?: string }, userId: number): Promise<boolean> {
  return versioned(db, id, scope, expected, userId, m, async (tx, current) => {
    await tx.query(`INSERT INTO survey_measures (survey_id, kind, deadline, note) VALUES ($1, $2, $3, $4)`, [id, m.kind, m.deadline, m.note?.trim() || null])
    await tx.query(`UPDATE house_surveys SET status = 'rectifying', resolved_at = NULL WHERE id = $1`, [id])
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, from_status, to_status, after) VALUES ($1, $2, 'measure', $3, 'rectifying', $4)`, [
      id, userId, current.status, JSON.stringify(m),
    ])
  })
}

export async function finishMeasure(db: Db, id: number, measureId: number, scope: Scope, expected: number, userId: number): Promise<boolean> {
  return versioned(db, id, scope, expected, userId, { measureId, done: true }, async (tx) => {
    const r = await tx.query(`UPDATE survey_measures SET done_at = now(), done_by = $3 WHERE id = $2 AND survey_id = $1 AND done_at IS NULL`, [id, measureId, userId])
    if (r.rowCount === 0) throw new Refusal('not_found', `no open measure ${measureId} on this house`, { field: 'measureId', zh: '找不到该未完成的措施' })
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, after) VALUES ($1, $2, 'measure_done', $3)`, [id, userId, JSON.stringify({ measureId })])
  })
}

/** The hazard is removed: every measure done. */
export async function resolveSurvey(db: Db, id: number, scope: Scope, expected: number, userId: number): Promise<boolean> {
  return versioned(db, id, scope, expected, userId, { action: 'resolve' }, async (tx, current) => {
    const why = resolveRefusal(current, current.measures.map((m) => ({ done: m.doneAt !== null })))
    if (why) throw new Refusal('conflict', why, { code: 'cannot_resolve', zh: '尚不能销号：须有整治措施且全部完成' })
    await tx.query(`UPDATE house_surveys SET status = 'resolved', resolved_at = now() WHERE id = $1`, [id])
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, from_status, to_status) VALUES ($1, $2, 'resolve', $3, 'resolved')`, [id, userId, current.status])
  })
}

/** A violation found during the survey: a case of the ledger at the house, linked to its file. */
export async function openCaseFromSurvey(db: Db, id: number, scope: Scope, expected: number, body: { use: 'residential' | 'storage' | 'commercial' | 'office' | 'other'; note?: string }, userId: number, now = new Date()): Promise<boolean> {
  return versioned(db, id, scope, expected, userId, body, async (tx, current) => {
    if (current.caseId) throw new Refusal('conflict', `the house already has case ${current.caseNo}`, { code: 'case_exists', zh: '该房屋已关联台账案件' })
    const caseId = await insertCase(tx, {
      geometry: current.geometry, use: body.use, source: 'patrol', foundAt: now.toISOString(), floors: current.floors,
      locationText: current.addressText ?? undefined, flags: current.rented && current.floors >= 3 ? ['rented_3plus'] : [],
    }, userId, scope, now)
    await tx.query(`UPDATE house_surveys SET case_id = $2 WHERE id = $1`, [id, caseId])
    await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, after) VALUES ($1, $2, 'case', $3)`, [id, userId, JSON.stringify({ caseId, note: body.note ?? null })])
  })
}

export async function surveyHistory(db: Queryable, id: number): Promise<{ id: number; at: string; user: string | null; action: string; fromStatus: string | null; toStatus: string | null; before: unknown; after: unknown }[]> {
  const r = await db.query<Row>(
    `SELECT h.id, ${iso('h.at')} AS at, u.username, h.action, h.from_status, h.to_status, h.before, h.after
     FROM survey_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.survey_id = $1 ORDER BY h.at, h.id`,
    [id],
  )
  return r.rows.map((x) => ({ id: x.id as number, at: x.at as string, user: (x.username as string | null) ?? null, action: x.action as string, fromStatus: (x.from_status as string | null) ?? null, toStatus: (x.to_status as string | null) ?? null, before: x.before ?? null, after: x.after ?? null }))
}

/** Self-built houses of an area without a file, focus first (3+ floors, rented, business use). */
export async function worklist(db: Queryable, scope: Scope, adminCode: string | undefined, limit: number): Promise<Worklist> {
  const params: unknown[] = [scope]
  const where = [inScope('b.admin_code', '$1'), 'b.self_built']
  if (adminCode) where.push(inUnit('b.admin_code', `$${params.push(adminCode)}`))
  const lim = params.push(limit)
  const r = await db.query<Row & { total: number; surveyed: number }>(
    `WITH area AS (SELECT b.* FROM buildings b WHERE ${where.join(' AND ')}),
          todo AS (SELECT a.* FROM area a WHERE NOT EXISTS (SELECT 1 FROM house_surveys s WHERE s.building_id = a.id))
     SELECT t.id, t.admin_code, v.name AS village_name, t.floors, t.rented, t.use,
            (t.floors >= 3 OR t.rented OR t.use IN ('commercial', 'storage', 'industrial')) AS focus,
            ST_X(ST_PointOnSurface(t.geom)) AS lon, ST_Y(ST_PointOnSurface(t.geom)) AS lat,
            (SELECT count(*)::int FROM todo) AS total, (SELECT count(*)::int FROM area) - (SELECT count(*)::int FROM todo) AS surveyed
     FROM todo t JOIN admin_units v ON v.code = t.admin_code
     ORDER BY focus DESC, t.admin_code, t.floors DESC, t.id LIMIT $${lim}`,
    params,
  )
  const counts = r.rows[0] ?? (await db.query<{ total: number; surveyed: number }>(
    `SELECT 0 AS total, count(*)::int AS surveyed FROM buildings b WHERE ${where.join(' AND ')} AND EXISTS (SELECT 1 FROM house_surveys s WHERE s.building_id = b.id)`,
    params.slice(0, -1),
  )).rows[0]!
  return {
    items: r.rows.map((x) => ({
      buildingId: x.id as number, adminCode: x.admin_code as string, villageName: x.village_name as string, floors: x.floors as number,
      rented: x.rented as boolean, use: (x.use as string | null) ?? null, focus: x.focus as boolean, lon: x.lon as number, lat: x.lat as number,
    })),
    total: counts.total,
    surveyed: counts.surveyed,
  }
}

const FIGURES_SQL = `
  count(s.id)::int AS surveyed,
  count(s.id) FILTER (WHERE s.floors >= 3)::int AS floors3plus,
  count(s.id) FILTER (WHERE s.use <> 'residential')::int AS business,
  count(s.id) FILTER (WHERE s.use <> 'residential' AND s.business_licence = false)::int AS business_without_licence,
  count(s.id) FILTER (WHERE s.rented)::int AS rented,
  count(s.id) FILTER (WHERE s.appraisal = 'none')::int AS without_appraisal,
  count(s.id) FILTER (WHERE s.appraisal = 'done')::int AS appraised,
  count(s.id) FILTER (WHERE s.appraisal_grade = 'C')::int AS grade_c,
  count(s.id) FILTER (WHERE s.appraisal_grade = 'D')::int AS grade_d,
  count(s.id) FILTER (WHERE s.hazard <> 'none')::int AS hazards,
  count(s.id) FILTER (WHERE s.status = 'rectifying')::int AS rectifying,
  count(s.id) FILTER (WHERE s.status = 'resolved')::int AS resolved,
  coalesce(sum((SELECT count(*) FROM survey_measures m WHERE m.survey_id = s.id AND ${OVERDUE})), 0)::int AS overdue_measures`

const figures = (r: Row, selfBuilt: number): SurveyFigures => ({
  selfBuilt,
  surveyed: r.surveyed as number,
  floors3plus: r.floors3plus as number,
  business: r.business as number,
  businessWithoutLicence: r.business_without_licence as number,
  rented: r.rented as number,
  withoutAppraisal: r.without_appraisal as number,
  appraised: r.appraised as number,
  gradeC: r.grade_c as number,
  gradeD: r.grade_d as number,
  hazards: r.hazards as number,
  rectifying: r.rectifying as number,
  resolved: r.resolved as number,
  overdueMeasures: r.overdue_measures as number,
})

/** The grouping keys: an admin level (with self-built houses to survey counted per unit) or a field of the file. */
const GROUP_KEY: Readonly<Record<SurveyStatistics['by'], string>> = {
  town: 'left(s.admin_code, 9)',
  village: 's.admin_code',
  grade: `coalesce(s.appraisal_grade, '-')`,
  hazard: 's.hazard',
  use: 's.use',
}

export async function surveyStatistics(db: Queryable, scope: Scope, by: SurveyStatistics['by'], adminCode: string | undefined): Promise<SurveyStatistics> {
  const params: unknown[] = [scope]
  const where = [inScope('s.admin_code', '$1')]
  const buildingWhere = [inScope('b.admin_code', '$1'), 'b.self_built']
  if (adminCode) {
    const p = `$${params.push(adminCode)}`
    where.push(inUnit('s.admin_code', p))
    buildingWhere.push(inUnit('b.admin_code', p))
  }
  const key = GROUP_KEY[by]
  const [total, groups, selfBuilt] = await Promise.all([
    db.query<Row>(`SELECT ${FIGURES_SQL} FROM house_surveys s WHERE ${where.join(' AND ')}`, params),
    db.query<Row & { key: string; label: string | null }>(
      `SELECT g.*, a.name AS label
       FROM (SELECT ${key} AS key, ${FIGURES_SQL} FROM house_surveys s WHERE ${where.join(' AND ')} GROUP BY 1) g
            LEFT JOIN admin_units a ON a.code = g.key
       ORDER BY g.key`,
      params,
    ),
    db.query<{ key: string; n: number }>(
      by === 'town' || by === 'village'
        ? `SELECT ${by === 'town' ? 'left(b.admin_code, 9)' : 'b.admin_code'} AS key, count(*)::int AS n FROM buildings b WHERE ${buildingWhere.join(' AND ')} GROUP BY 1`
        : `SELECT 'all' AS key, count(*)::int AS n FROM buildings b WHERE ${buildingWhere.join(' AND ')}`,
      params,
    ),
  ])
  const selfBuiltOf = new Map(selfBuilt.rows.map((r) => [r.key, r.n]))
  const all = selfBuilt.rows.reduce((n, r) => n + r.n, 0)
  const byUnit = by === 'town' || by === 'village'
  const rows = groups.rows.map((g) => ({ key: g.key, label: g.label ?? g.key, figures: figures(g, byUnit ? selfBuiltOf.get(g.key) ?? 0 : 0) }))
  if (byUnit) {
    // every unit with self-built houses has its row, surveyed or not, as the towns' tables list them
    const missing = [...selfBuiltOf.keys()].filter((k) => !rows.some((r) => r.key === k))
    const names = await db.query<{ code: string; name: string }>(`SELECT code, name FROM admin_units WHERE code = ANY($1::text[])`, [missing])
    const none = figures({ ...Object.fromEntries(Object.keys(total.rows[0]!).map((k) => [k, 0])) }, 0)
    for (const n of names.rows) rows.push({ key: n.code, label: n.name, figures: { ...none, selfBuilt: selfBuiltOf.get(n.code)! } })
    rows.sort((a, b) => a.key.localeCompare(b.key))
  }
  return { by, total: figures(total.rows[0]!, all), groups: rows }
}
