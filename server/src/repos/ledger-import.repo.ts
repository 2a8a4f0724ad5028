// What the ledger import (imports/ledger-import.ts) asks of the database: where each geometry lies,
// which case numbers are taken, and the write of a whole file in one transaction (the caller's):
// the per-village numbering locks, the numbers in use, the cases and their
// 'import' history rows.
import type { Queryable } from '../db/db.ts'
import { CASE_NO_LOCK } from './cases.repo.ts'

/** One geometry of a ledger row as PostGIS sees it. */
export interface LocatedGeometry {
  /** The caller's index of the geometry. */
  i: number
  type: string
  valid: boolean
  reason: string | null
  area: number | null
  /** The village a point on its surface lies in, or null. */
  village: string | null
  /** Distance in metres from the geometry to the given lon/lat, when both are given. */
  offset_m: number | null
}

export interface GeometryToLocate {
  i: number
  /** GeoJSON geometry text, lon/lat. */
  geojson: string
  /** The row's own lon/lat, if it gave one next to the geometry. */
  point: readonly [number, number] | null
}

/** Validity, area, and the village each geometry lies in (by a point on its surface), in one statement. */
export async function locateGeometries(db: Queryable, items: readonly GeometryToLocate[]): Promise<LocatedGeometry[]> {
  const r = await db.query<LocatedGeometry>(
    `WITH g AS (
       SELECT i, ST_SetSRID(ST_GeomFromGeoJSON(j), 4326) AS geom,
              CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END AS pt
       FROM unnest($1::int[], $2::text[], $3::float8[], $4::float8[]) AS t(i, j, lon, lat)
     ), v AS (
       SELECT i, geom, pt, ST_IsValid(geom) AS valid FROM g
     ), p AS (
       SELECT *, CASE WHEN valid THEN ST_PointOnSurface(geom) END AS pos FROM v
     )
     SELECT p.i, GeometryType(p.geom) AS type, p.valid,
            CASE WHEN NOT p.valid THEN ST_IsValidReason(p.geom) END AS reason,
            CASE WHEN p.valid AND GeometryType(p.geom) IN ('POLYGON', 'MULTIPOLYGON') THEN ST_Area(p.geom::geography) END AS area,
            CASE WHEN p.valid AND p.pt IS NOT NULL THEN ST_Distance(p.geom::geography, p.pt::geography) END AS offset_m,
            (SELECT a.code FROM admin_units a WHERE a.level = 'village' AND ST_Intersects(a.geom, p.pos) ORDER BY a.code LIMIT 1) AS village
     FROM p`,
    [
      items.map((x) => x.i),
      items.map((x) => x.geojson),
      items.map((x) => x.point?.[0] ?? null),
      items.map((x) => x.point?.[1] ?? null),
    ],
  )
  return r.rows
}

/** Of these case numbers, the ones the ledger already holds. */
export async function takenCaseNumbers(db: Queryable, caseNos: readonly string[]): Promise<string[]> {
  const r = await db.query<{ case_no: string }>('SELECT case_no FROM cases WHERE case_no = ANY($1::text[])', [caseNos])
  return r.rows.map((x) => x.case_no)
}

// ---- the write, inside the caller's transaction ----

/** Takes the per-village numbering locks createCase takes (in code order, so two writers cannot deadlock). */
export async function lockCaseNumbering(tx: Queryable, villages: Iterable<string>): Promise<void> {
  await tx.query(`SELECT count(pg_advisory_xact_lock(${CASE_NO_LOCK}, hashtext(v))) FROM (SELECT unnest($1::text[]) AS v ORDER BY 1) s`, [[...villages].sort()])
}

/** The highest number in use per VILLAGE-YEAR- prefix (18 characters), for the prefixes asked about that have one. */
export async function highestCaseNumbers(tx: Queryable, prefixes: Iterable<string>): Promise<Map<string, number>> {
  const r = await tx.query<{ p: string; n: number }>(
    `SELECT left(case_no, 18) AS p, max(split_part(case_no, '-', 3)::int) AS n FROM cases
     WHERE left(case_no, 18) = ANY($1::text[]) AND split_part(case_no, '-', 3) ~ '^[0-9]{1,9}$'
     GROUP BY 1`,
    [[...prefixes]],
  )
  return new Map(r.rows.map(({ p, n }) => [p, n]))
}

/** A case as the import writes it: as it stands in the file, progress included. */
export interface ImportedCase {
  caseNo: string
  adminCode: string
  locationText: string | null
  use: string
  ownership: string | null
  buildingForm: string | null
  floors: number | null
  landAreaRecordedM2: number | null
  floorAreaRecordedM2: number | null
  source: string
  flags: readonly string[]
  newConstruction: boolean
  /** Epoch milliseconds. */
  foundAt: number
  /** GeoJSON text, or null: placed at a point on its village (待定位, location_pending). */
  geojson: string | null
  status: string
  /** Progress columns (disposal, disposal_reason, dates, areas, reuse) by column name; absent ones are written as null. */
  progress: Readonly<Record<string, string | number | null>>
}

/** Inserts the cases, in the order given, created by `userId`. */
export async function insertImportedCases(tx: Queryable, cases: readonly ImportedCase[], userId: number): Promise<void> {
  const pick = <T>(f: (c: ImportedCase) => T) => cases.map(f)
  const pg = (k: string) => pick((c) => c.progress[k] ?? null)
  await tx.query(
    `INSERT INTO cases (case_no, admin_code, location_text, use, ownership, building_form, floors,
                        land_area_recorded_m2, floor_area_recorded_m2, source, flags, new_construction, found_at, created_by, geom, location_pending,
                        status, disposal, disposal_reason, notified_at, order_issued_at, deadline, disposed_at, accepted_at, closed_at,
                        demolished_land_area_m2, demolished_floor_area_m2, reuse, regreened_area_m2)
     SELECT no, admin, loc, use, own, form, floors, land, floor, src,
            CASE WHEN flags = '' THEN '{}'::text[] ELSE string_to_array(flags, ',') END, newc, found, $15,
            coalesce(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), (SELECT ST_PointOnSurface(a.geom) FROM admin_units a WHERE a.code = admin)),
            g IS NULL, st, disp, dreason, notified, ordered, dl, disposed, accepted, closed, dland, dfloor, reuse, green
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::numeric[], $9::numeric[],
                 $10::text[], $11::text[], $12::boolean[], $13::timestamptz[], $14::text[],
                 $16::text[], $17::text[], $18::text[], $19::timestamptz[], $20::timestamptz[], $21::date[], $22::timestamptz[],
                 $23::timestamptz[], $24::timestamptz[], $25::numeric[], $26::numeric[], $27::text[], $28::numeric[]) WITH ORDINALITY
          AS t(no, admin, loc, use, own, form, floors, land, floor, src, flags, newc, found, g,
               st, disp, dreason, notified, ordered, dl, disposed, accepted, closed, dland, dfloor, reuse, green, ord)
     ORDER BY ord`,
    [
      pick((c) => c.caseNo), pick((c) => c.adminCode), pick((c) => c.locationText), pick((c) => c.use), pick((c) => c.ownership), pick((c) => c.buildingForm), pick((c) => c.floors),
      pick((c) => c.landAreaRecordedM2), pick((c) => c.floorAreaRecordedM2), pick((c) => c.source), pick((c) => c.flags.join(',')), pick((c) => c.newConstruction),
      pick((c) => new Date(c.foundAt).toISOString()), pick((c) => c.geojson), userId,
      pick((c) => c.status), pg('disposal'), pg('disposal_reason'), pg('notified_at'), pg('order_issued_at'), pg('deadline'), pg('disposed_at'),
      pg('accepted_at'), pg('closed_at'), pg('demolished_land_area_m2'), pg('demolished_floor_area_m2'), pg('reuse'), pg('regreened_area_m2'),
    ],
  )
}

/** One 'import' history row of a case just inserted, found by its number. */
export interface ImportHistoryEntry {
  caseNo: string
  status: string
  reason: string
  /** Written as the history row's `after` (jsonb). */
  after: Record<string, unknown>
}

/** Appends an 'import' history row, by `userId`, for each case. */
export async function insertImportHistory(tx: Queryable, entries: readonly ImportHistoryEntry[], userId: number): Promise<void> {
  await tx.query(
    `INSERT INTO case_history (case_id, user_id, action, to_status, reason, after)
     SELECT c.id, $1, 'import', t.st, t.reason, t.a::jsonb
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(no, st, reason, a) JOIN cases c ON c.case_no = t.no`,
    [
      userId,
      entries.map((e) => e.caseNo),
      entries.map((e) => e.status),
      entries.map((e) => e.reason),
      entries.map((e) => JSON.stringify(e.after)),
    ],
  )
}
