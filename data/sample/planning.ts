// Planning data of the sample: the default 四道六边 / 六环 rule set (active, its zones computed by
// PostGIS), annual targets 2025-2027 for the district and every town, and a few zones made the
// ways planners make them (from a key village, from villages of the ring band, from parcels).
// Deterministic: everything is derived from the rows already loaded, in code order.
import type { Queryable } from '../../server/src/db/db.ts'
import { checkRules, DEFAULT_RULES } from '../../server/src/domain/buffer-rules.ts'
import { DEMOLITION_DISPOSALS } from '../../server/src/domain/statistics.ts'
import { REFERENCE_DATE } from './sizes.ts'

export const TARGET_YEARS = [2025, 2026, 2027] as const
/** Share of a unit's ledger (land area, count) each year's target asks to clear. */
const YEAR_SHARE: Record<number, number> = { 2025: 0.3, 2026: 0.35, 2027: 0.35 }

export async function loadPlanning(tx: Queryable, onProgress: (message: string) => void = () => {}): Promise<void> {
  const rules = checkRules(DEFAULT_RULES)
  await tx.query(
    `INSERT INTO buffer_rule_sets (id, name, rules, active, created_at) OVERRIDING SYSTEM VALUE VALUES (1, '四道六边及六环外一公里（默认）', $1, true, $2)`,
    [JSON.stringify(rules), REFERENCE_DATE],
  )
  await tx.query(`SELECT setval(pg_get_serial_sequence('buffer_rule_sets', 'id'), 1)`)
  await tx.query(`SELECT chaiwei_compute_buffer_zones(1)`)
  await tx.query(`UPDATE buffer_zones SET computed_at = $1`, [REFERENCE_DATE])
  onProgress('planning: buffer zones computed')

  // Targets: a share of each unit's ledger, rounded to 100 m² and whole cases; re-greening a fifth
  // of the demolition; 60 % by the end of June, all by the end of the year.
  const units = await tx.query<{ code: string; land: number; n: number }>(
    `SELECT a.code, coalesce(sum(coalesce(c.land_area_recorded_m2, c.land_area_computed_m2)), 0) AS land, count(c.id) AS n
     FROM admin_units a LEFT JOIN cases c ON c.admin_code LIKE a.code || '%'
     WHERE a.level IN ('district', 'town') GROUP BY a.code ORDER BY a.code`,
  )
  for (const u of units.rows) {
    if (u.n === 0) continue
    for (const year of TARGET_YEARS) {
      const share = YEAR_SHARE[year]!
      const demolished = Math.max(100, Math.round((u.land * share) / 100) * 100)
      const milestones = [{ date: `${year}-06-30`, share: 0.6 }, { date: `${year}-12-31`, share: 1 }]
      await tx.query(
        `INSERT INTO targets (admin_code, year, demolished_area_m2, cases_closed, regreened_area_m2, milestones) VALUES ($1, $2, $3, $4, $5, $6)`,
        [u.code, year, demolished, Math.max(1, Math.round(u.n * share)), Math.round(demolished / 5 / 100) * 100, JSON.stringify(milestones)],
      )
      await tx.query(
        `INSERT INTO target_history (admin_code, year, at, action, after)
         SELECT admin_code, year, $3, 'create', jsonb_build_object('demolished_area_m2', demolished_area_m2, 'cases_closed', cases_closed,
                'regreened_area_m2', regreened_area_m2, 'milestones', milestones)
         FROM targets WHERE admin_code = $1 AND year = $2`,
        [u.code, year, REFERENCE_DATE],
      )
    }
  }

  onProgress('planning: targets set')

  // Zones: the key village with the most cases; the ring-band villages of the town with the most
  // of them; and the parcels under that village's demolished cases (a 拆后 greening area).
  const keyVillage = await tx.query<{ code: string; name: string }>(
    `SELECT a.code, a.name FROM admin_units a WHERE a.level = 'village' AND a.is_key_village
     ORDER BY (SELECT count(*) FROM cases c WHERE c.admin_code = a.code) DESC, a.code LIMIT 1`,
  )
  const ringTown = await tx.query<{ town: string; name: string; codes: string[] }>(
    `SELECT t.code AS town, t.name, array_agg(v.code ORDER BY v.code) AS codes
     FROM admin_units v JOIN admin_units t ON t.code = v.parent_code
     JOIN buffer_zones z ON z.rule_set_id = 1 AND z.family = 'ring_band'
     WHERE v.level = 'village' AND ST_Intersects(v.geom, z.geom)
       AND ST_Area(ST_Intersection(v.geom, z.geom, 1e-9)::geography) > 0.5 * v.area_m2
     GROUP BY t.code, t.name ORDER BY count(*) DESC, t.code LIMIT 1`,
  )
  const zones: { name: string; type: string; period: [string, string]; unit: string; targets: object; geom: string; params: unknown[] }[] = []
  const kv = keyVillage.rows[0]
  if (kv) {
    zones.push({
      name: `${kv.name}重点村整治`, type: 'key_village', period: ['2025-01-01', '2026-12-31'], unit: `${kv.name}村委会`,
      targets: { demolishedArea: 5000, casesClosed: 10 },
      geom: `SELECT ST_Multi(geom) FROM admin_units WHERE code = $1`, params: [kv.code],
    })
    zones.push({
      name: `${kv.name}拆后还绿片区`, type: 'rectification_area', period: ['2026-01-01', '2026-12-31'], unit: '区园林绿化局',
      targets: { regreenedArea: 2000 },
      geom: `SELECT ST_Multi(ST_CollectionExtract(ST_Union(p.geom, 1e-9), 3)) FROM parcels p
             WHERE p.id IN (SELECT b.parcel_id FROM buildings b JOIN cases c ON ST_Intersects(c.geom, b.geom)
                            WHERE c.admin_code = $1 AND c.disposal = ANY($2::text[]) AND b.parcel_id IS NOT NULL)`,
      params: [kv.code, [...DEMOLITION_DISPOSALS]],
    })
  }
  const rt = ringTown.rows[0]
  if (rt) {
    zones.push({
      name: `${rt.name}六环外一公里整治片区`, type: 'rectification_area', period: ['2025-03-01', '2027-12-31'], unit: `${rt.name}综合执法队`,
      targets: { demolishedArea: 20000, casesClosed: 40, regreenedArea: 4000 },
      geom: `SELECT ST_Multi(ST_Union(geom, 1e-7)) FROM admin_units WHERE code = ANY($1::text[])`, params: [rt.codes.slice(0, 4)],
    })
  }
  for (const z of zones) {
    const g = await tx.query<{ g: string | null }>(`SELECT ST_AsEWKT(g) AS g FROM (${z.geom}) q(g)`, z.params)
    if (!g.rows[0]?.g) continue
    const r = await tx.query<{ id: number }>(
      `INSERT INTO zones (name, zone_type, admin_code, period_start, period_end, responsible_unit, targets, updated_at, geom)
       SELECT $1, $2, coalesce((SELECT a.code FROM admin_units a WHERE ST_Covers(a.geom, q.g) ORDER BY length(a.code) DESC, a.code LIMIT 1),
                               (SELECT code FROM admin_units WHERE level = 'district')),
              $3, $4, $5, $6, $7, q.g
       FROM (SELECT ST_GeomFromEWKT($8) AS g) q RETURNING id`,
      [z.name, z.type, z.period[0], z.period[1], z.unit, JSON.stringify(z.targets), REFERENCE_DATE, g.rows[0].g],
    )
    await tx.query(
      `INSERT INTO zone_history (zone_id, at, action, after)
       SELECT id, $2, 'create', jsonb_build_object('name', name, 'zone_type', zone_type, 'admin_code', admin_code) FROM zones WHERE id = $1`,
      [r.rows[0]!.id, REFERENCE_DATE],
    )
  }
  onProgress('planning: zones drawn')
}
