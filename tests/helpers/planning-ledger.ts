// A small synthetic district and ledger with known figures, for the statistics and target tests:
// three villages in two towns (squares), seven cases with chosen areas, dates, uses and disposals.
// Loaded into a 'schema' fixture database, so nothing else is in it.
import type { Db } from '../../server/src/db/db.ts'

const square = (w: number, s: number, e: number, n: number) => `MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`

export const UNITS = [
  { code: '110111', level: 'district', name: '房山区', parent: null, geom: square(116.0, 39.6, 116.2, 39.8), reg: null, flo: null },
  { code: '110111001', level: 'town', name: '城关街道', parent: '110111', geom: square(116.0, 39.6, 116.1, 39.8), reg: null, flo: null },
  { code: '110111002', level: 'town', name: '新镇街道', parent: '110111', geom: square(116.1, 39.6, 116.2, 39.8), reg: null, flo: null },
  { code: '110111001001', level: 'village', name: '甲村', parent: '110111001', geom: square(116.0, 39.6, 116.1, 39.7), reg: 800, flo: 900 },
  { code: '110111001002', level: 'village', name: '乙村', parent: '110111001', geom: square(116.0, 39.7, 116.1, 39.8), reg: 3000, flo: 1200 },
  { code: '110111002001', level: 'village', name: '丙村', parent: '110111002', geom: square(116.1, 39.6, 116.2, 39.8), reg: 2000, flo: 300 },
] as const

const point = (lon: number, lat: number) => `POINT(${lon} ${lat})`
const box = (lon: number, lat: number, d = 0.0002) => `POLYGON((${lon} ${lat},${lon + d} ${lat},${lon + d} ${lat + d},${lon} ${lat + d},${lon} ${lat}))`

export interface LedgerCase {
  no: string
  village: string
  use: string
  ownership: string | null
  source: string
  status: string
  disposal: string | null
  /** Beijing times, written with their offset. */
  found: string
  disposed: string | null
  closed: string | null
  land: number | null
  floor: number | null
  floors: number | null
  demolishedLand: number | null
  demolishedFloor: number | null
  regreened: number | null
  reuse: string | null
  geom: string
}

export const CASES: LedgerCase[] = [
  { no: 'C1', village: '110111001001', use: 'residential', ownership: 'collective', source: 'patrol', status: 'closed', disposal: 'self_demolition',
    found: '2025-01-10T09:00:00+08:00', disposed: '2025-02-01T10:00:00+08:00', closed: '2025-03-01T10:00:00+08:00',
    land: 100, floor: 200, floors: 2, demolishedLand: 100, demolishedFloor: 200, regreened: 40, reuse: 'greening', geom: point(116.02, 39.62) },
  // found on 31 March and demolished on 1 April in Beijing: still March in UTC (periods are Beijing's)
  { no: 'C2', village: '110111001001', use: 'storage', ownership: 'state', source: 'satellite', status: 'demolished', disposal: 'enforced_demolition',
    found: '2025-03-31T23:30:00+08:00', disposed: '2025-04-01T00:10:00+08:00', closed: null,
    land: 250.5, floor: 501, floors: 1, demolishedLand: 250.5, demolishedFloor: 501, regreened: null, reuse: 'road', geom: point(116.03, 39.63) },
  { no: 'C3', village: '110111001002', use: 'commercial', ownership: null, source: 'report', status: 'identified', disposal: null,
    found: '2025-06-15T14:00:00+08:00', disposed: null, closed: null,
    land: 80.25, floor: 160.5, floors: 2, demolishedLand: null, demolishedFloor: null, regreened: null, reuse: null, geom: point(116.02, 39.72) },
  // 2026 in Beijing, 2025 in UTC
  { no: 'C4', village: '110111002001', use: 'residential', ownership: 'collective', source: 'self_check', status: 'closed', disposal: 'assisted_demolition',
    found: '2026-01-01T00:30:00+08:00', disposed: '2026-02-10T09:00:00+08:00', closed: '2026-03-10T09:00:00+08:00',
    land: 1000, floor: 3000, floors: 3, demolishedLand: 1000, demolishedFloor: 3000, regreened: 500, reuse: 'greening', geom: point(116.15, 39.65) },
  // deferred: disposed, but not demolished
  { no: 'C5', village: '110111002001', use: 'office', ownership: 'government_social', source: 'assigned', status: 'deferred', disposal: 'deferral',
    found: '2026-05-05T08:00:00+08:00', disposed: '2026-05-20T08:00:00+08:00', closed: null,
    land: 60, floor: 60, floors: 1, demolishedLand: null, demolishedFloor: null, regreened: null, reuse: null, geom: point(116.16, 39.66) },
  // no recorded areas: the computed ones (from the polygon, × floors) count
  { no: 'C6', village: '110111001001', use: 'residential', ownership: 'individual', source: 'patrol', status: 'identified', disposal: null,
    found: '2026-07-01T08:00:00+08:00', disposed: null, closed: null,
    land: null, floor: null, floors: 2, demolishedLand: null, demolishedFloor: null, regreened: null, reuse: null, geom: box(116.05, 39.65) },
  // a recorded land area beside a computed one: the recorded wins, the gap is shown
  { no: 'C7', village: '110111001002', use: 'residential', ownership: 'collective', source: 'report', status: 'identified', disposal: null,
    found: '2026-08-08T08:00:00+08:00', disposed: null, closed: null,
    land: 150, floor: null, floors: 1, demolishedLand: null, demolishedFloor: null, regreened: null, reuse: null, geom: box(116.05, 39.75) },
]

export async function loadPlanningLedger(db: Db): Promise<void> {
  for (const u of UNITS) {
    await db.query(
      `INSERT INTO admin_units (code, level, name, parent_code, registered_population, floating_population, geom)
       VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromText($7, 4326))`,
      [u.code, u.level, u.name, u.parent, u.reg, u.flo, u.geom],
    )
  }
  for (const c of CASES) {
    await db.query(
      `INSERT INTO cases (case_no, admin_code, use, ownership, source, status, disposal, found_at, disposed_at, closed_at, accepted_at,
                          land_area_recorded_m2, floor_area_recorded_m2, floors, demolished_land_area_m2, demolished_floor_area_m2,
                          regreened_area_m2, reuse, geom)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, ST_GeomFromText($18, 4326))`,
      [c.no, c.village, c.use, c.ownership, c.source, c.status, c.disposal, c.found, c.disposed, c.closed,
        c.land, c.floor, c.floors, c.demolishedLand, c.demolishedFloor, c.regreened, c.reuse, c.geom],
    )
  }
}

/** The computed areas PostGIS stored for C6 and C7 (land) and C6 (floor, × 2 floors). */
export async function computedAreas(db: Db): Promise<Record<string, { land: number | null; floor: number | null }>> {
  const r = await db.query<{ case_no: string; land: number | null; floor: number | null }>(
    `SELECT case_no, land_area_computed_m2 AS land, floor_area_computed_m2 AS floor FROM cases`)
  return Object.fromEntries(r.rows.map((x) => [x.case_no, { land: x.land, floor: x.floor }]))
}
