// The ledger: creating cases, reading them, and moving them through their lifecycle.
// Every write bumps `version` (the ETag) and appends to case_history in the same transaction.
import type { Db, Queryable } from '../db/db.ts'
import { caseFloorAreaSql, caseLandAreaSql } from './case-areas.sql.ts'
import { overdueSql } from './case-clocks.sql.ts'
import { statusTrail } from './status-trail.repo.ts'
import { CASE_FLAGS, CASE_SOURCES, CASE_USES, OWNERSHIPS, type CaseSortKey } from '../domain/case-types.ts'
import type { CaseList, CaseRecord, Party } from '../schemas/cases.schema.ts'
import type { HistoryEntry } from '../schemas/common.schema.ts'

export { CASE_FLAGS, CASE_SOURCES, CASE_USES, OWNERSHIPS }
import { allowedActions, overdue, planTransition, type CaseStatus, type TransitionInput } from '../domain/case-lifecycle.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { inScope, inUnit, prefixMatch } from './scope.sql.ts'
import { holds, type Scope } from '../domain/scope.ts'
import { beijingYear, fromBeijingWallClock } from '../domain/beijing-clock.ts'
import { InputError } from '../domain/errors.ts'
import { requireGeometry } from '../imports/formats/geojson-check.ts'

export class CaseInputError extends InputError {}


export interface NewCase {
  geometry: { type: string; coordinates: unknown }
  use: (typeof CASE_USES)[number]
  source: (typeof CASE_SOURCES)[number]
  foundAt: string
  ownership?: (typeof OWNERSHIPS)[number]
  locationText?: string
  buildingForm?: string
  floors?: number
  landAreaRecordedM2?: number
  floorAreaRecordedM2?: number
  flags?: (typeof CASE_FLAGS)[number][]
  newConstruction?: boolean
  parties?: Party[]
  /** Set only to override the admin unit the geometry lies in; needs adminOverrideReason. */
  adminCode?: string
  adminOverrideReason?: string
  /** The public report (举报) the case was opened from: kept in its first history row. */
  fromReport?: number
}


const ts = (col: string) => `to_char(c.${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

const SELECT_CASE = `
  SELECT c.id, c.case_no, c.admin_code, a.name AS admin_name, c.status, c.version, c.use, c.source, c.ownership,
         c.location_text, c.building_form, c.floors, c.flags, c.new_construction,
         c.land_area_recorded_m2, c.floor_area_recorded_m2, c.land_area_computed_m2, c.floor_area_computed_m2,
         ${ts('found_at')} AS found_at, ${ts('reached_at')} AS reached_at, ${ts('notified_at')} AS notified_at,
         ${ts('order_issued_at')} AS order_issued_at, c.deadline, c.disposal, c.disposal_reason,
         ${ts('disposed_at')} AS disposed_at, ${ts('accepted_at')} AS accepted_at, ${ts('closed_at')} AS closed_at,
         c.demolished_land_area_m2, c.demolished_floor_area_m2, c.reuse, c.regreened_area_m2, c.reopened_from,
         ST_AsGeoJSON(c.geom, 8) AS geometry, c.location_pending, c.parties
  FROM cases c JOIN admin_units a ON a.code = c.admin_code`

type Row = Record<string, unknown>

function toRecord(r: Row, now: Date, withParties: boolean): CaseRecord {
  const status = r.status as CaseStatus
  const rec = {
    id: r.id as number,
    caseNo: r.case_no as string,
    adminCode: r.admin_code as string,
    adminName: r.admin_name as string,
    status,
    version: r.version as number,
    use: r.use as string,
    source: r.source as string,
    ownership: r.ownership as string | null,
    locationText: r.location_text as string | null,
    buildingForm: r.building_form as string | null,
    floors: r.floors as number | null,
    flags: r.flags as string[],
    newConstruction: r.new_construction as boolean,
    landAreaRecordedM2: r.land_area_recorded_m2 as number | null,
    floorAreaRecordedM2: r.floor_area_recorded_m2 as number | null,
    landAreaComputedM2: r.land_area_computed_m2 as number | null,
    floorAreaComputedM2: r.floor_area_computed_m2 as number | null,
    foundAt: r.found_at as string,
    reachedAt: r.reached_at as string | null,
    notifiedAt: r.notified_at as string | null,
    orderIssuedAt: r.order_issued_at as string | null,
    deadline: r.deadline as string | null,
    disposal: r.disposal as string | null,
    disposalReason: r.disposal_reason as string | null,
    disposedAt: r.disposed_at as string | null,
    acceptedAt: r.accepted_at as string | null,
    closedAt: r.closed_at as string | null,
    demolishedLandAreaM2: r.demolished_land_area_m2 as number | null,
    demolishedFloorAreaM2: r.demolished_floor_area_m2 as number | null,
    reuse: r.reuse as string | null,
    regreenedAreaM2: r.regreened_area_m2 as number | null,
    reopenedFrom: r.reopened_from as number | null,
    geometry: JSON.parse(r.geometry as string),
    locationPending: r.location_pending as boolean,
  }
  return {
    ...rec,
    allowedActions: allowedActions(status),
    overdue: overdue(rec, now),
    ...(withParties ? { parties: r.parties as Party[] } : {}),
  }
}

/** withParties: the caller's role may see personal data (PERSONAL_DATA_ROLES). */
export async function getCase(db: Queryable, id: number, scope: Scope, now = new Date(), withParties = false): Promise<CaseRecord | null> {
  const r = await db.query<Row>(`${SELECT_CASE} WHERE c.id = $1 AND ${inScope('c.admin_code', '$2')}`, [id, scope])
  return r.rows[0] ? toRecord(r.rows[0], now, withParties) : null
}

/** The village the geometry lies in (by a point on its surface), or null outside the district. */
export async function villageOf(db: Queryable, geojson: string): Promise<string | null> {
  const r = await db.query<{ code: string }>(
    `SELECT code FROM admin_units
     WHERE level = 'village' AND ST_Intersects(geom, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)))
     ORDER BY code LIMIT 1`,
    [geojson],
  )
  return r.rows[0]?.code ?? null
}

async function checkGeometry(db: Queryable, geojson: string): Promise<void> {
  let r
  try {
    r = await db.query<{ type: string; valid: boolean; reason: string; empty: boolean; area: number | null }>(
      `SELECT GeometryType(g) AS type, ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, ST_IsEmpty(g) AS empty,
              CASE WHEN GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON') THEN ST_Area(g::geography) END AS area
       FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) q`,
      [geojson],
    )
  } catch {
    throw new CaseInputError('geometry is not a GeoJSON geometry', 'geometry')
  }
  const g = r.rows[0]!
  if (!['POINT', 'POLYGON', 'MULTIPOLYGON'].includes(g.type)) throw new CaseInputError(`geometry must be a Point, Polygon or MultiPolygon, not ${g.type}`, 'geometry')
  if (g.empty) throw new CaseInputError('geometry is empty', 'geometry')
  if (!g.valid) throw new CaseInputError(`geometry is invalid: ${g.reason}`, 'geometry')
  if (g.area !== null && g.area > 1_000_000) throw new CaseInputError(`the site is ${Math.round(g.area)} m²; more than 1 km² is not one structure`, 'geometry')
}

/** Advisory-lock key under which case numbers of one village are handed out (with hashtext(village)). */
export const CASE_NO_LOCK = 727100100

/** VILLAGECODE-YEAR- for a case found at foundMs; the year is Beijing's, as the ledgers write it. */
export function caseNoPrefix(village: string, foundMs: number): string {
  return `${village}-${beijingYear(foundMs)}-`
}

export const formatCaseNo = (prefix: string, n: number) => `${prefix}${String(n).padStart(4, '0')}`

/** Next readable number in a village: VILLAGECODE-YEAR-NNNN. Serialised per village by an advisory lock. */
async function nextCaseNo(tx: Queryable, village: string, foundMs: number): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(${CASE_NO_LOCK}, hashtext($1))`, [village])
  const prefix = caseNoPrefix(village, foundMs)
  const r = await tx.query<{ n: number | null }>(
    `SELECT max(split_part(case_no, '-', 3)::int) AS n FROM cases
     WHERE ${prefixMatch('case_no', '$1')} AND split_part(case_no, '-', 3) ~ '^[0-9]{1,9}$'`,
    [prefix],
  )
  return formatCaseNo(prefix, (r.rows[0]?.n ?? 0) + 1)
}

export async function createCase(db: Db, input: NewCase, userId: number, scope: Scope, now = new Date()): Promise<CaseRecord> {
  const id = await db.transaction((tx) => insertCase(tx, input, userId, scope, now))
  return (await getCase(db, id, scope, now, true))!
}

/** Checks and writes a new case with its first history row inside the caller's transaction (a
 *  public report accepted into the ledger writes both in one); answers its id. */
export async function insertCase(tx: Queryable, input: NewCase, userId: number, scope: Scope, now = new Date()): Promise<number> {
  requireGeometry(input.geometry, 'geometry')
  const geojson = JSON.stringify(input.geometry)
  await checkGeometry(tx, geojson)
  const found = Date.parse(input.foundAt)
  if (Number.isNaN(found)) throw new CaseInputError(`foundAt ${input.foundAt} is not a date-time`, 'foundAt')
  if (found > now.getTime() + 5 * 60_000) throw new CaseInputError(`foundAt ${input.foundAt} is in the future`, 'foundAt')
  const located = await villageOf(tx, geojson)
  if (!located) throw new CaseInputError('the geometry lies outside the district', 'geometry')
  let adminCode = located
  if (input.adminCode && input.adminCode !== located) {
    if (!input.adminOverrideReason?.trim()) {
      throw new CaseInputError(`the geometry lies in ${located}; to file the case under ${input.adminCode} give adminOverrideReason`, 'adminOverrideReason')
    }
    const exists = await tx.query("SELECT 1 FROM admin_units WHERE code = $1 AND level = 'village'", [input.adminCode])
    if (exists.rowCount === 0) throw new CaseInputError(`adminCode ${input.adminCode} is not a village`, 'adminCode')
    adminCode = input.adminCode
  }
  if (!holds(scope, adminCode)) throw new CaseInputError(`the case lies in ${adminCode}, outside your area ${scope}`, 'geometry')

  const caseNo = await nextCaseNo(tx, adminCode, found)
  const r = await tx.query<{ id: number }>(
    `INSERT INTO cases (case_no, admin_code, admin_override_reason, location_text, use, ownership, building_form, floors,
                        land_area_recorded_m2, floor_area_recorded_m2, source, flags, new_construction, found_at, created_by, parties, geom)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, ST_SetSRID(ST_GeomFromGeoJSON($16), 4326))
     RETURNING id`,
    [
      caseNo, adminCode, adminCode === located ? null : input.adminOverrideReason!.trim(), input.locationText ?? null, input.use,
      input.ownership ?? null, input.buildingForm ?? null, input.floors ?? null, input.landAreaRecordedM2 ?? null,
      input.floorAreaRecordedM2 ?? null, input.source, input.flags ?? [], input.newConstruction ?? false, input.foundAt, userId, geojson,
      JSON.stringify(input.parties ?? []),
    ],
  )
  const newId = r.rows[0]!.id
  await tx.query(
    `INSERT INTO case_history (case_id, user_id, action, to_status, after) VALUES ($1, $2, 'create', 'identified', $3)`,
    [newId, userId, JSON.stringify({ case_no: caseNo, admin_code: adminCode, use: input.use, source: input.source, ...(input.fromReport ? { from_report: input.fromReport } : {}) })],
  )
  return newId
}

export interface TransitionResult {
  record: CaseRecord
}

/**
 * Applies a lifecycle action if the caller saw the current version. The row is locked for the
 * check and the write, so of two concurrent writers with the same version one wins and the other
 * gets StaleVersionError; both attempts are visible afterwards (the winner in history, the loser
 * as a refused attempt).
 */
export async function transitionCase(
  db: Db,
  id: number,
  scope: Scope,
  expectedVersion: number,
  input: TransitionInput,
  userId: number,
  now = new Date(),
): Promise<CaseRecord | null> {
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<Row>(
      `SELECT id, status, version, ${ts('found_at')} AS found_at, ${ts('order_issued_at')} AS order_issued_at, deadline,
              ${ts('disposed_at')} AS disposed_at, ${caseLandAreaSql('')} AS land
       FROM cases c WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`,
      [id, scope],
    )
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { kind: 'stale' as const, version: row.version as number }
    const plan = planTransition(
      {
        status: row.status as CaseStatus,
        foundAt: row.found_at as string,
        orderIssuedAt: row.order_issued_at as string | null,
        deadline: row.deadline as string | null,
        disposedAt: row.disposed_at as string | null,
        landAreaM2: row.land as number | null,
      },
      input,
      now,
    )
    const columns = Object.keys(plan.changes)
    const before = await tx.query<Row>(`SELECT ${columns.map((c) => `c.${c}`).join(', ')} FROM cases c WHERE id = $1`, [id])
    // Column names come from planTransition's fixed set, never from the request.
    const sets = columns.map((c, i) => `${c} = $${i + 2}`).join(', ')
    await tx.query(`UPDATE cases SET ${sets}, version = version + 1, updated_at = now() WHERE id = $1`, [id, ...columns.map((c) => plan.changes[c])])
    await tx.query(
      `INSERT INTO case_history (case_id, user_id, action, from_status, to_status, reason, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, userId, `transition:${input.action}`, plan.from, plan.to, input.reason ?? null, JSON.stringify(before.rows[0]), JSON.stringify(plan.changes)],
    )
    return { kind: 'done' as const }
  })
  if (outcome === null) return null
  if (outcome.kind === 'stale') await refuseStaleWrite(db, 'case', { table: 'case_history', key: { case_id: id } }, userId, expectedVersion, outcome.version, input)
  return getCase(db, id, scope, now, true)
}


const hideParties = (v: unknown) =>
  v && typeof v === 'object' && 'parties' in v ? { ...(v as Record<string, unknown>), parties: 'hidden' } : v

/** withParties false: personal data in before/after values is replaced by 'hidden'. */
export async function caseHistory(db: Queryable, id: number, withParties = false): Promise<HistoryEntry[]> {
  const trail = await statusTrail(db, 'case', id)
  return withParties ? trail : trail.map((e) => ({ ...e, before: hideParties(e.before), after: hideParties(e.after) }))
}

// ---- the ledger table: filters, sort, paging and totals ----

export const CASE_SORTS: Readonly<Record<CaseSortKey, string>> = { found_at: 'c.found_at', case_no: 'c.case_no', deadline: 'c.deadline', status: 'c.status', admin_code: 'c.admin_code' }
export type CaseSort = CaseSortKey

/** Which cases: what the ledger table filters by, and every export of "the selection" too. */
export interface CaseSelection {
  scope: Scope
  /** admin-unit code prefix (town or village) inside the scope */
  admin?: string
  status?: CaseStatus[]
  use?: string[]
  source?: string[]
  flags?: string[]
  overdue?: 'deadline' | 'reach' | 'removal' | 'any'
  /** a date (the whole day in Beijing) or a date-time */
  foundFrom?: string
  foundTo?: string
  /** 待定位 only (true) or located only (false). */
  locationPending?: boolean
}

export interface CaseFilter extends CaseSelection {
  sort: CaseSort
  descending: boolean
  limit: number
  offset: number
  /** A case to show: the page returned is the one holding it, so a click on the map finds its row. */
  locate?: number
}

const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v)

/** A bare date in a filter is a day in Beijing (ledgers keep Beijing dates): its start, or the next day's start. */
function beijingDayBound(v: string, edge: 'start' | 'end'): string {
  if (!isDay(v)) return v
  const start = fromBeijingWallClock(Date.parse(`${v}T00:00:00Z`))
  return new Date(edge === 'start' ? start : start + 86_400_000).toISOString()
}


/** The WHERE clause (over `cases c`) for a selection; its values are appended to `params`. */
export function caseSelectionWhere(f: CaseSelection, params: unknown[], now: Date): string {
  const add = (v: unknown) => `$${params.push(v)}`
  const where = [inScope('c.admin_code', add(f.scope))]
  if (f.admin) where.push(inUnit('c.admin_code', add(f.admin)))
  if (f.status?.length) where.push(`c.status = ANY(${add(f.status)}::text[])`)
  if (f.use?.length) where.push(`c.use = ANY(${add(f.use)}::text[])`)
  if (f.source?.length) where.push(`c.source = ANY(${add(f.source)}::text[])`)
  if (f.flags?.length) where.push(`c.flags @> ${add(f.flags)}::text[]`)
  if (f.foundFrom) where.push(`c.found_at >= ${add(beijingDayBound(f.foundFrom, 'start'))}::timestamptz`)
  if (f.foundTo) where.push(`c.found_at ${isDay(f.foundTo) ? '<' : '<='} ${add(beijingDayBound(f.foundTo, 'end'))}::timestamptz`)
  if (f.overdue) where.push(overdueSql('c.', `${add(now.toISOString())}::timestamptz`)[f.overdue])
  if (f.locationPending !== undefined) where.push(f.locationPending ? 'c.location_pending' : 'NOT c.location_pending')
  return where.join(' AND ')
}

export async function listCases(db: Queryable, f: CaseFilter, now = new Date()): Promise<CaseList> {
  const params: unknown[] = []
  const add = (v: unknown) => `$${params.push(v)}`
  const w = caseSelectionWhere(f, params, now)
  const totals = await db.query<{ n: number; land: number; floor: number; dl: number; df: number; rg: number; pending: number }>(
    `SELECT count(*) AS n,
            coalesce(sum(${caseLandAreaSql('c.')}), 0) AS land,
            coalesce(sum(${caseFloorAreaSql('c.')}), 0) AS floor,
            coalesce(sum(c.demolished_land_area_m2), 0) AS dl, coalesce(sum(c.demolished_floor_area_m2), 0) AS df,
            coalesce(sum(c.regreened_area_m2), 0) AS rg, count(*) FILTER (WHERE c.location_pending) AS pending
     FROM cases c WHERE ${w}`,
    params,
  )
  const order = `${CASE_SORTS[f.sort]} ${f.descending ? 'DESC' : 'ASC'} NULLS LAST, c.id`
  let offset = f.offset
  let located: boolean | undefined
  if (f.locate !== undefined) {
    const locateParams = [...params, f.locate]
    const at = await db.query<{ n: number }>(
      `SELECT n FROM (SELECT c.id, row_number() OVER (ORDER BY ${order}) - 1 AS n FROM cases c WHERE ${w}) ranked WHERE id = $${locateParams.length}`,
      locateParams,
    )
    located = at.rows.length > 0
    if (located) offset = Math.floor(at.rows[0]!.n / f.limit) * f.limit
  }
  const rows = await db.query<Row>(
    `SELECT c.id, c.case_no, c.admin_code, a.name AS admin_name, c.status, c.use, c.source, c.flags, c.new_construction, c.version, c.location_pending,
            ${ts('found_at')} AS found_at, ${ts('reached_at')} AS reached_at, c.deadline,
            ${caseLandAreaSql('c.')} AS land, ${caseFloorAreaSql('c.')} AS floor
     FROM cases c JOIN admin_units a ON a.code = c.admin_code
     WHERE ${w} ORDER BY ${order} LIMIT ${add(f.limit)} OFFSET ${add(offset)}`,
    params,
  )
  const t = totals.rows[0]!
  return {
    total: t.n,
    totals: { landAreaM2: t.land, floorAreaM2: t.floor, demolishedLandAreaM2: t.dl, demolishedFloorAreaM2: t.df, regreenedAreaM2: t.rg, locationPending: t.pending },
    offset,
    ...(located === undefined ? {} : { located }),
    items: rows.rows.map((r) => ({
      id: r.id as number,
      caseNo: r.case_no as string,
      adminCode: r.admin_code as string,
      adminName: r.admin_name as string,
      status: r.status as CaseStatus,
      use: r.use as string,
      source: r.source as string,
      flags: r.flags as string[],
      foundAt: r.found_at as string,
      deadline: r.deadline as string | null,
      landAreaM2: r.land as number | null,
      floorAreaM2: r.floor as number | null,
      version: r.version as number,
      locationPending: r.location_pending as boolean,
      overdue: overdue(
        { status: r.status as CaseStatus, newConstruction: r.new_construction as boolean, foundAt: r.found_at as string, reachedAt: r.reached_at as string | null, deadline: r.deadline as string | null },
        now,
      ),
    })),
  }
}

// ---- editing attributes ----

/** Attributes an edit may change, with their columns. Status only moves through transitions. */
export const EDITABLE = {
  locationText: 'location_text',
  use: 'use',
  ownership: 'ownership',
  buildingForm: 'building_form',
  floors: 'floors',
  landAreaRecordedM2: 'land_area_recorded_m2',
  floorAreaRecordedM2: 'floor_area_recorded_m2',
  flags: 'flags',
  newConstruction: 'new_construction',
  reachedAt: 'reached_at',
  parties: 'parties',
} as const
export type CaseEdit = Partial<Record<keyof typeof EDITABLE, unknown>> & {
  reason?: string
  /** The site's new geometry: it must lie in the case's village; a 待定位 case is located by it. */
  geometry?: { type: string; coordinates: unknown }
}

export async function editCase(db: Db, id: number, scope: Scope, expectedVersion: number, edit: CaseEdit, userId: number, now = new Date()): Promise<CaseRecord | null> {
  const fields = (Object.keys(edit) as (keyof CaseEdit)[]).filter((k) => k !== 'reason' && k !== 'geometry') as (keyof typeof EDITABLE)[]
  if (fields.length === 0 && edit.geometry === undefined) throw new CaseInputError('nothing to change', 'body')
  let geojson: string | null = null
  if (edit.geometry !== undefined) {
    requireGeometry(edit.geometry, 'geometry')
    geojson = JSON.stringify(edit.geometry)
    await checkGeometry(db, geojson)
  }
  if (edit.reachedAt !== undefined) {
    const t = Date.parse(String(edit.reachedAt))
    if (Number.isNaN(t) || t > now.getTime() + 5 * 60_000) throw new CaseInputError(`reachedAt ${String(edit.reachedAt)} is not a past date-time`, 'reachedAt')
  }
  const outcome = await db.transaction(async (tx) => {
    const cols = fields.map((f) => EDITABLE[f])
    const r = await tx.query<Row>(
      `SELECT version, admin_code, location_pending, ST_AsGeoJSON(geom, 8) AS geometry, ${ts('found_at')} AS found_at${cols.map((c) => `, c.${c}`).join('')}
       FROM cases c WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`,
      [id, scope],
    )
    const row = r.rows[0]
    if (!row) return null
    if (row.version !== expectedVersion) return { kind: 'stale' as const, version: row.version as number }
    if (geojson !== null) {
      const village = await villageOf(tx, geojson)
      if (village !== row.admin_code) {
        throw new CaseInputError(
          village ? `the geometry lies in village ${village}, not in the case's village ${String(row.admin_code)}` : 'the geometry lies outside the district',
          'geometry',
        )
      }
    }
    if (edit.reachedAt !== undefined && Date.parse(String(edit.reachedAt)) < Date.parse(row.found_at as string)) {
      throw new CaseInputError(`reachedAt ${String(edit.reachedAt)} is before the case was found (${String(row.found_at)})`, 'reachedAt')
    }
    const before: Record<string, unknown> = Object.fromEntries(cols.map((c) => [c, row[c]]))
    const after: Record<string, unknown> = Object.fromEntries(fields.map((f) => [EDITABLE[f], edit[f] ?? null]))
    const values: unknown[] = fields.map((f) => (f === 'parties' ? JSON.stringify(edit.parties ?? []) : (edit[f] ?? null)))
    const sets = cols.map((c, i) => `${c} = $${i + 2}`)
    let reason = edit.reason ?? null
    if (geojson !== null) {
      // Setting the geometry locates a 待定位 case: it is drawn on the map from now on.
      values.push(geojson)
      sets.push(`geom = ST_SetSRID(ST_GeomFromGeoJSON($${values.length + 1}), 4326)`, 'location_pending = false')
      before.geometry = JSON.parse(row.geometry as string)
      before.location_pending = row.location_pending
      after.geometry = edit.geometry
      after.location_pending = false
      const what = row.location_pending
        ? '几何：由待定位（村内占位点）定位到地图上的位置 / geometry: located on the map (was pending at its village)'
        : '几何：位置已修改 / geometry changed'
      reason = reason ? `${what}；${reason}` : what
    }
    await tx.query(`UPDATE cases SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`, [id, ...values])
    await tx.query(`INSERT INTO case_history (case_id, user_id, action, reason, before, after) VALUES ($1, $2, 'edit', $3, $4, $5)`, [
      id, userId, reason, JSON.stringify(before), JSON.stringify(after),
    ])
    return { kind: 'done' as const }
  })
  if (outcome === null) return null
  if (outcome.kind === 'stale') await refuseStaleWrite(db, 'case', { table: 'case_history', key: { case_id: id } }, userId, expectedVersion, outcome.version, edit)
  return getCase(db, id, scope, now, true)
}

// ---- 回头看: re-inspection of a closed case ----

export interface Inspection {
  at: string
  result: 'clean' | 'rebound'
  note?: string
}

/** Records a re-inspection; a rebound opens a new case on the same site, linked to the old one. */
export async function reinspectCase(db: Db, id: number, scope: Scope, input: Inspection, userId: number, now = new Date()): Promise<{ inspectionId: number; reboundCaseId: number | null } | null> {
  const t = Date.parse(input.at)
  if (Number.isNaN(t) || t > now.getTime() + 5 * 60_000) throw new CaseInputError(`at ${input.at} is not a past date-time`, 'at')
  return db.transaction(async (tx) => {
    const r = await tx.query<Row>(`SELECT id, status, admin_code, ${ts('closed_at')} AS closed_at FROM cases c WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`, [id, scope])
    const c = r.rows[0]
    if (!c) return null
    if (c.status !== 'closed') throw new CaseInputError(`only closed cases are re-inspected; this one is ${String(c.status)}`, 'status')
    if (t < Date.parse(c.closed_at as string)) throw new CaseInputError(`at ${input.at} is before the case was closed (${String(c.closed_at)})`, 'at')
    let reboundId: number | null = null
    if (input.result === 'rebound') {
      const caseNo = await nextCaseNo(tx, c.admin_code as string, t)
      const nc = await tx.query<{ id: number }>(
        `INSERT INTO cases (case_no, admin_code, location_text, use, ownership, building_form, floors, source, flags, new_construction, found_at, created_by, reopened_from, geom)
         SELECT $1, admin_code, location_text, use, ownership, building_form, floors, 'patrol', flags, true, $2, $3, id, geom FROM cases WHERE id = $4
         RETURNING id`,
        [caseNo, input.at, userId, id],
      )
      reboundId = nc.rows[0]!.id
      await tx.query(
        `INSERT INTO case_history (case_id, user_id, action, to_status, reason, after) VALUES ($1, $2, 'create', 'identified', $3, $4)`,
        [reboundId, userId, `反弹: rebuilt on the site of case ${id}`, JSON.stringify({ case_no: caseNo, reopened_from: id })],
      )
    }
    const ins = await tx.query<{ id: number }>(
      `INSERT INTO case_inspections (case_id, inspected_at, result, note, rebound_case_id, inspected_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [id, input.at, input.result, input.note ?? null, reboundId, userId],
    )
    await tx.query(`INSERT INTO case_history (case_id, user_id, action, reason, after) VALUES ($1, $2, 'inspect', $3, $4)`, [
      id, userId, input.note ?? null, JSON.stringify({ result: input.result, rebound_case_id: reboundId }),
    ])
    return { inspectionId: ins.rows[0]!.id, reboundCaseId: reboundId }
  })
}
