// The ledger as the export writes it: cases of a selection with their village and town, progress
// dates as epoch milliseconds, a point to find the site and polygons as WKT. No parties.
import type { Queryable } from '../db/db.ts'
import { caseSelectionWhere, type CaseSelection } from './cases.repo.ts'

/** Progress dates read back as epoch milliseconds. */
const MS_COLUMNS = ['notified_at', 'order_issued_at', 'disposed_at', 'accepted_at', 'closed_at'] as const

/** One case as selected for export; the export module turns it into a ledger row. */
export interface LedgerExportRecord {
  case_no: string
  admin_code: string
  village_name: string
  town_code: string | null
  town_name: string | null
  location_text: string | null
  use: string
  ownership: string | null
  building_form: string | null
  floors: number | null
  land_area_recorded_m2: number | null
  floor_area_recorded_m2: number | null
  land_area_computed_m2: number | null
  floor_area_computed_m2: number | null
  source: string
  found_ms: number
  status: string
  new_construction: boolean
  flags: string[]
  disposal: string | null
  disposal_reason: string | null
  /** YYYY-MM-DD. */
  deadline: string | null
  demolished_land_area_m2: number | null
  demolished_floor_area_m2: number | null
  reuse: string | null
  regreened_area_m2: number | null
  location_pending: boolean
  notified_at_ms: number | null
  order_issued_at_ms: number | null
  disposed_at_ms: number | null
  accepted_at_ms: number | null
  closed_at_ms: number | null
  lon: number
  lat: number
  /** Polygons only. */
  wkt: string | null
}

/** Cases in the selection (the ledger table's filters, within the caller's scope), by village then
 *  case number, at most `limit` of them. */
export async function selectLedgerRecords(db: Queryable, selection: CaseSelection, limit: number, now: Date): Promise<LedgerExportRecord[]> {
  const params: unknown[] = []
  const where = caseSelectionWhere(selection, params, now)
  params.push(limit)
  const r = await db.query<LedgerExportRecord>(
    `SELECT c.case_no, c.admin_code, v.name AS village_name, t.code AS town_code, t.name AS town_name, c.location_text, c.use,
            c.ownership, c.building_form, c.floors, c.land_area_recorded_m2, c.floor_area_recorded_m2,
            c.land_area_computed_m2, c.floor_area_computed_m2, c.source,
            (extract(epoch FROM c.found_at) * 1000)::float8 AS found_ms, c.status, c.new_construction, c.flags,
            c.disposal, c.disposal_reason, c.deadline::text AS deadline, c.demolished_land_area_m2, c.demolished_floor_area_m2,
            c.reuse, c.regreened_area_m2, c.location_pending,
            ${MS_COLUMNS.map((k) => `(extract(epoch FROM c.${k}) * 1000)::float8 AS ${k}_ms`).join(', ')},
            ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat,
            CASE WHEN GeometryType(c.geom) <> 'POINT' THEN ST_AsText(c.geom) END AS wkt
     FROM cases c
     JOIN admin_units v ON v.code = c.admin_code
     LEFT JOIN admin_units t ON t.code = v.parent_code
     CROSS JOIN LATERAL (SELECT CASE WHEN GeometryType(c.geom) = 'POINT' THEN c.geom ELSE ST_PointOnSurface(c.geom) END AS pt) p
     WHERE ${where}
     ORDER BY c.admin_code, c.case_no
     LIMIT $${params.length}`,
    params,
  )
  return r.rows
}
