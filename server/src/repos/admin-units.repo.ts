import type { Queryable } from '../db/db.ts'

export interface DistrictSummary {
  code: string
  name: string
  /** [west, south, east, north] in lon/lat */
  bbox: [number, number, number, number]
  center: [number, number]
}

/** The district this database serves (the one admin unit without a parent), or null when empty. */
export async function getDistrict(db: Queryable): Promise<DistrictSummary | null> {
  const r = await db.query<{ code: string; name: string; w: number; s: number; e: number; n: number; cx: number; cy: number }>(
    `SELECT code, name, ST_XMin(geom) AS w, ST_YMin(geom) AS s, ST_XMax(geom) AS e, ST_YMax(geom) AS n,
            ST_X(ST_PointOnSurface(geom)) AS cx, ST_Y(ST_PointOnSurface(geom)) AS cy
     FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1`,
  )
  const d = r.rows[0]
  if (!d) return null
  return { code: d.code, name: d.name, bbox: [d.w, d.s, d.e, d.n], center: [d.cx, d.cy] }
}

export async function adminUnitExists(db: Queryable, code: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM admin_units WHERE code = $1', [code])
  return r.rowCount > 0
}

/** First village (by code) under a unit: demo accounts are scoped to real units this way. */
export async function firstChildUnit(db: Queryable, parentCode: string): Promise<string | null> {
  const r = await db.query<{ code: string }>('SELECT code FROM admin_units WHERE parent_code = $1 ORDER BY code LIMIT 1', [parentCode])
  return r.rows[0]?.code ?? null
}
