import type { Queryable } from '../db/db.ts'
import type { Scope } from '../domain/scope.ts'
import { inScope, inUnit } from './scope.sql.ts'

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

/** Whether any admin unit is loaded: an empty database is one without them. */
export async function hasAdminUnits(db: Queryable): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM admin_units LIMIT 1')
  return r.rowCount > 0
}

/** The name of one admin unit, or null when there is no such unit. */
export async function adminUnitName(db: Queryable, code: string): Promise<string | null> {
  const r = await db.query<{ name: string }>('SELECT name FROM admin_units WHERE code = $1', [code])
  return r.rows[0]?.name ?? null
}

export interface PlaceUnit {
  code: string
  name: string
  level: 'town' | 'village'
  parentCode: string | null
}

/** Every town and village (code, name, level, parent), to resolve the names a ledger file gives. */
export async function listTownsAndVillages(db: Queryable): Promise<PlaceUnit[]> {
  const r = await db.query<{ code: string; name: string; level: 'town' | 'village'; parent_code: string | null }>(
    `SELECT code, name, level, parent_code FROM admin_units WHERE level IN ('town', 'village')`,
  )
  return r.rows.map((u) => ({ code: u.code, name: u.name, level: u.level, parentCode: u.parent_code }))
}

export interface VillageUnit {
  code: string
  name: string
  townName: string | null
}

/** Villages under `code` (a village or a town) within the caller's scope, by code. */
export async function villagesWithin(db: Queryable, code: string, scope: Scope): Promise<VillageUnit[]> {
  const r = await db.query<{ code: string; name: string; town_name: string | null }>(
    `SELECT v.code, v.name, t.name AS town_name FROM admin_units v LEFT JOIN admin_units t ON t.code = v.parent_code
     WHERE v.level = 'village' AND ${inUnit('v.code', '$1')} AND ${inScope('v.code', '$2')} ORDER BY v.code`,
    [code, scope],
  )
  return r.rows.map((x) => ({ code: x.code, name: x.name, townName: x.town_name }))
}
