// 公示: what the office publishes of its ledger, and the settings that say what that is. Every
// column a public answer carries is named in this file; parties, address text, exact geometry,
// photos and reporters are never selected (docs/public.md).
import type { Db, Queryable } from '../db/db.ts'
import { DISCLOSURE_STATUSES, NEVER_DISCLOSED, type DisclosureStage } from '../domain/public-reports.ts'
import type { CASE_USES } from '../domain/case-types.ts'
import type { DisclosedCase, Disclosure, DisclosureSettings, DisclosureSettingsBody } from '../schemas/public.schema.ts'
import { beijingDateSql } from './beijing.sql.ts'
import { caseFloorAreaSql, caseLandAreaSql } from './case-areas.sql.ts'
import { refuseStaleWrite } from './stale-version.ts'

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
const day = (col: string) => `to_char(${beijingDateSql(col)}, 'YYYY-MM-DD')`

export async function getDisclosureSettings(db: Queryable): Promise<DisclosureSettings> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT stages, location_grid_m, office_name, notice_note, version, ${iso('updated_at')} AS updated_at FROM disclosure_settings`,
  )
  const row = r.rows[0]!
  return {
    stages: row.stages as DisclosureStage[],
    locationGridM: row.location_grid_m as number,
    officeName: row.office_name as string,
    noticeNote: row.notice_note as string,
    version: row.version as number,
    updatedAt: row.updated_at as string,
  }
}

export async function editDisclosureSettings(db: Db, body: DisclosureSettingsBody, expectedVersion: number, userId: number): Promise<DisclosureSettings> {
  const stale = await db.transaction(async (tx) => {
    const before = await getDisclosureSettings(tx)
    const r = await tx.query<{ version: number }>(`SELECT version FROM disclosure_settings FOR UPDATE`)
    if (r.rows[0]!.version !== expectedVersion) return r.rows[0]!.version
    await tx.query(
      `UPDATE disclosure_settings SET stages = $1, location_grid_m = $2, office_name = $3, notice_note = $4, version = version + 1, updated_at = now(), updated_by = $5`,
      [body.stages, body.locationGridM, body.officeName.trim(), body.noticeNote.trim(), userId],
    )
    const { version: _v, updatedAt: _u, ...was } = before
    await tx.query(`INSERT INTO disclosure_history (user_id, action, before, after) VALUES ($1, 'edit', $2, $3)`, [userId, JSON.stringify(was), JSON.stringify(body)])
    return null
  })
  if (stale !== null) await refuseStaleWrite(db, 'disclosure settings', { table: 'disclosure_history', key: {} }, userId, expectedVersion, stale, body)
  return getDisclosureSettings(db)
}

/**
 * A position generalised to the publication grid: a point on the site snapped to the nearest node
 * of a grid `gridM` metres wide. The grid is in degrees, its longitude step widened by
 * 1/cos(latitude) at the district's latitude so cells are square on the ground; the same site
 * always lands on the same node, so repeated reads reveal nothing more.
 */
export function generalisedPointSql(geom: string, gridMParam: string): string {
  const lat0 = `(SELECT ST_Y(ST_Centroid(geom)) FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1)`
  return `ST_SnapToGrid(ST_PointOnSurface(${geom}), 0, 0, ${gridMParam}::float8 / (111320 * cos(radians(${lat0}))), ${gridMParam}::float8 / 111320.0)`
}

/** The publication grid (metres): Open311 generalises report positions with it too. */
export async function disclosureGridM(db: Queryable): Promise<number> {
  const r = await db.query<{ location_grid_m: number }>(`SELECT location_grid_m FROM disclosure_settings`)
  return r.rows[0]!.location_grid_m
}

export interface DisclosureFilter {
  village?: string
  stage?: DisclosureStage
  limit: number
  offset: number
}

/** The cases of the stages the office publishes, by village, newest step first. */
export async function publishedLedger(db: Queryable, f: DisclosureFilter, now = new Date()): Promise<Disclosure> {
  const settings = await getDisclosureSettings(db)
  const stages = f.stage ? settings.stages.filter((s) => s === f.stage) : settings.stages
  const statuses = stages.flatMap((s) => DISCLOSURE_STATUSES[s])
  const params: unknown[] = [statuses, NEVER_DISCLOSED, settings.locationGridM]
  const published = `c.status = ANY($1) AND (c.disposal IS NULL OR NOT c.disposal = ANY($2))`
  const villageFilter = f.village ? ` AND c.admin_code = $${params.push(f.village)}` : ''
  const limit = params.push(f.limit)
  const offset = params.push(f.offset)
  const items = await db.query<Record<string, unknown> & { total: number }>(
    `SELECT c.case_no, c.status, t.name AS town_name, v.code AS village_code, v.name AS village_name, c.use,
            ${caseLandAreaSql('c.')}::float8 AS land_area, ${caseFloorAreaSql('c.')}::float8 AS floor_area,
            ${day('c.found_at')} AS found_on, ${day('c.order_issued_at')} AS order_issued_on, to_char(c.deadline, 'YYYY-MM-DD') AS deadline,
            CASE WHEN c.disposed_at IS NOT NULL THEN c.disposal END AS disposal, ${day('c.disposed_at')} AS disposed_on,
            c.demolished_land_area_m2::float8 AS demolished_land, c.demolished_floor_area_m2::float8 AS demolished_floor, ${day('c.closed_at')} AS closed_on,
            ST_X(g.p) AS lon, ST_Y(g.p) AS lat, count(*) OVER ()::int AS total
     FROM cases c JOIN admin_units v ON v.code = c.admin_code LEFT JOIN admin_units t ON t.code = v.parent_code
          CROSS JOIN LATERAL (SELECT ${generalisedPointSql('c.geom', '$3')} AS p) g
     WHERE ${published}${villageFilter}
     ORDER BY coalesce(c.closed_at, c.disposed_at, c.order_issued_at) DESC NULLS LAST, c.case_no
     LIMIT $${limit} OFFSET $${offset}`,
    params,
  )
  const villages = await db.query<{ code: string; name: string; town_name: string; count: number }>(
    `SELECT v.code, v.name, coalesce(t.name, '') AS town_name, count(*)::int AS count
     FROM cases c JOIN admin_units v ON v.code = c.admin_code LEFT JOIN admin_units t ON t.code = v.parent_code
     WHERE ${published} GROUP BY v.code, v.name, t.name ORDER BY v.code`,
    [statuses, NEVER_DISCLOSED],
  )
  const stageOf = (status: string): DisclosureStage => stages.find((s) => (DISCLOSURE_STATUSES[s] as readonly string[]).includes(status))!
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  return {
    officeName: settings.officeName,
    noticeNote: settings.noticeNote,
    stages: settings.stages,
    locationGridM: settings.locationGridM,
    villages: villages.rows.map((v) => ({ code: v.code, name: v.name, townName: v.town_name, count: v.count })),
    items: items.rows.map((r): DisclosedCase => ({
      caseNo: r.case_no as string,
      stage: stageOf(r.status as string),
      townName: (r.town_name as string | null) ?? '',
      villageCode: r.village_code as string,
      villageName: r.village_name as string,
      use: r.use as (typeof CASE_USES)[number],
      landAreaM2: num(r.land_area),
      floorAreaM2: num(r.floor_area),
      foundOn: r.found_on as string,
      orderIssuedOn: (r.order_issued_on as string | null) ?? null,
      deadline: (r.deadline as string | null) ?? null,
      disposal: (r.disposal as string | null) ?? null,
      disposedOn: (r.disposed_on as string | null) ?? null,
      demolishedLandAreaM2: num(r.demolished_land),
      demolishedFloorAreaM2: num(r.demolished_floor),
      closedOn: (r.closed_on as string | null) ?? null,
      lon: Number(r.lon),
      lat: Number(r.lat),
    })),
    total: items.rows[0]?.total ?? 0,
    asOf: now.toISOString(),
  }
}
