// The map's compact reads for deck.gl layers: the ledger as points (one row per published case, at
// its point on surface) and the safety grades of self-built houses in a box.
import type { Queryable } from '../db/db.ts'
import type { CasePointRow } from '../domain/case-points.ts'
import type { Grade } from '../domain/house-survey.ts'
import type { Scope } from '../domain/scope.ts'
import { inScope } from './scope.sql.ts'

// Cases waiting for a location (待定位) sit at a placeholder point: left out, as in the tiles.
const PUBLISHED_IN_SCOPE = `${inScope('admin_code', '$1')} AND NOT location_pending`

/**
 * What changes whenever a published case in scope is added, removed, moved or changes status:
 * every edit bumps `version` and `updated_at`; an insert or delete moves the count or the highest id.
 */
export async function casePointsFingerprint(db: Queryable, scope: Scope): Promise<string> {
  const r = await db.query<{ n: number; top: number; versions: number; touched: string | null }>(
    `SELECT count(*)::int AS n, coalesce(max(id), 0)::bigint AS top, coalesce(sum(version), 0)::bigint AS versions,
            max(updated_at)::text AS touched
       FROM cases WHERE ${PUBLISHED_IN_SCOPE}`,
    [scope],
  )
  const f = r.rows[0]!
  return `${f.n}-${f.top}-${f.versions}-${f.touched ?? ''}`
}

/** Every published case in scope as a point, by id. */
export async function casePoints(db: Queryable, scope: Scope): Promise<CasePointRow[]> {
  const r = await db.query<CasePointRow>(
    `SELECT id, ST_X(p) AS lon, ST_Y(p) AS lat, status, demolished AS "demolishedM2"
       FROM (SELECT id, status, coalesce(demolished_land_area_m2, 0)::float8 AS demolished,
                    CASE WHEN GeometryType(geom) = 'POINT' THEN geom ELSE ST_PointOnSurface(geom) END AS p
               FROM cases WHERE ${PUBLISHED_IN_SCOPE}) c
      ORDER BY id`,
    [scope],
    { prepareAs: 'case_points' },
  )
  return r.rows
}

export interface BuildingGrades {
  ids: number[]
  grades: Grade[]
  truncated: boolean
}

/**
 * Self-built houses in scope whose footprint meets the box, with their safety grade: the survey's
 * appraisal (自建房排查, the newer finding) where a file has one, else the footprint layer's grade.
 * A house with a survey file is self-built by definition. At most `limit` houses, by id.
 */
export async function buildingGrades(db: Queryable, scope: Scope, bbox: readonly [number, number, number, number], limit: number): Promise<BuildingGrades> {
  const r = await db.query<{ id: number; grade: Grade }>(
    `SELECT b.id, coalesce(s.appraisal_grade, b.safety_grade)::text AS grade
       FROM buildings b LEFT JOIN house_surveys s ON s.building_id = b.id
      WHERE b.geom && ST_MakeEnvelope($2, $3, $4, $5, 4326) AND ${inScope('b.admin_code', '$1')}
        AND (b.self_built OR s.id IS NOT NULL) AND coalesce(s.appraisal_grade, b.safety_grade) IS NOT NULL
      ORDER BY b.id LIMIT $6`,
    [scope, ...bbox, limit + 1],
  )
  const rows = r.rows.slice(0, limit)
  return { ids: rows.map((x) => x.id), grades: rows.map((x) => x.grade), truncated: r.rows.length > limit }
}
