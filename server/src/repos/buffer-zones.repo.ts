// 四道六边 and ring-band buffer zones: rule sets (fixed versions, one active) and the zones
// PostGIS computes from them (chaiwei_compute_buffer_zones, migration 007).
import type { Db, Queryable } from '../db/db.ts'
import { toApiRules, type StoredRules } from '../domain/buffer-rules.ts'
import type { BufferMembership, BufferZone, RuleSet } from '../schemas/planning.schema.ts'
import { inScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'

type Row = Record<string, unknown>
const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

const SELECT_SET = `
  SELECT s.id, s.name, s.active, ${ts('s.created_at')} AS created_at, u.username, s.rules,
         (SELECT count(*) FROM buffer_zones z WHERE z.rule_set_id = s.id) AS zone_count
  FROM buffer_rule_sets s LEFT JOIN users u ON u.id = s.created_by`

const toSet = (r: Row): RuleSet => ({
  id: r.id as number, name: r.name as string, active: r.active as boolean, createdAt: r.created_at as string,
  createdBy: r.username as string | null, rules: toApiRules(r.rules as StoredRules), zoneCount: r.zone_count as number,
})

export async function listRuleSets(db: Queryable): Promise<RuleSet[]> {
  return (await db.query<Row>(`${SELECT_SET} ORDER BY s.id DESC`)).rows.map(toSet)
}

export async function getRuleSet(db: Queryable, id: number): Promise<RuleSet | null> {
  const r = await db.query<Row>(`${SELECT_SET} WHERE s.id = $1`, [id])
  return r.rows[0] ? toSet(r.rows[0]) : null
}

export async function activeRuleSetId(db: Queryable): Promise<number | null> {
  const r = await db.query<{ id: number }>(`SELECT id FROM buffer_rule_sets WHERE active`)
  return r.rows[0]?.id ?? null
}

/** Ring numbers the rules name that have no ring road in the data: such a band would be empty. */
export async function missingRings(db: Queryable, rules: StoredRules): Promise<number[]> {
  const wanted = rules.ring_bands.map((b) => b.ring_no)
  if (wanted.length === 0) return []
  const r = await db.query<{ ring_no: number }>(`SELECT DISTINCT ring_no FROM roads WHERE ring_no = ANY($1::smallint[])`, [wanted])
  const have = new Set(r.rows.map((x) => x.ring_no))
  return wanted.filter((n) => !have.has(n))
}

/** A new version; its zones are computed at once, and it becomes the active one if asked. */
export async function createRuleSet(db: Db, name: string, rules: StoredRules, activate: boolean, userId: number): Promise<number> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO buffer_rule_sets (name, rules, created_by) VALUES ($1, $2, $3) RETURNING id`, [name, JSON.stringify(rules), userId])
    const id = r.rows[0]!.id
    await tx.query(`SELECT chaiwei_compute_buffer_zones($1)`, [id])
    if (activate) await setActive(tx, id)
    return id
  })
}

async function setActive(tx: Queryable, id: number) {
  // Two statements: the partial unique index allows one active set at any moment.
  await tx.query(`UPDATE buffer_rule_sets SET active = false WHERE active AND id <> $1`, [id])
  await tx.query(`UPDATE buffer_rule_sets SET active = true WHERE id = $1`, [id])
}

/** Makes a set the active one, recomputing its zones from today's reference data. False if unknown. */
export async function activateRuleSet(db: Db, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const r = await tx.query(`SELECT 1 FROM buffer_rule_sets WHERE id = $1 FOR UPDATE`, [id])
    if (r.rowCount === 0) return false
    await tx.query(`SELECT chaiwei_compute_buffer_zones($1)`, [id])
    await setActive(tx, id)
    return true
  })
}

export async function listBufferZones(db: Queryable, ruleSetId: number, withGeometry: boolean): Promise<BufferZone[]> {
  const r = await db.query<Row>(
    `SELECT id, rule_set_id, family, class, width_m, name, area_m2, ${ts('computed_at')} AS computed_at
            ${withGeometry ? ', ST_AsGeoJSON(geom, 7) AS geometry' : ''}
     FROM buffer_zones WHERE rule_set_id = $1 ORDER BY family, class, id`,
    [ruleSetId],
  )
  return r.rows.map((z) => ({
    id: z.id as number, ruleSetId: z.rule_set_id as number, family: z.family as BufferZone['family'], class: z.class as string, widthM: z.width_m as number,
    name: z.name as string, areaM2: z.area_m2 as number, computedAt: z.computed_at as string,
    ...(withGeometry ? { geometry: JSON.parse(z.geometry as string) } : {}),
  }))
}

export async function bufferZoneExists(db: Queryable, id: number): Promise<{ ruleSetId: number } | null> {
  const r = await db.query<{ rule_set_id: number }>(`SELECT rule_set_id FROM buffer_zones WHERE id = $1`, [id])
  return r.rows[0] ? { ruleSetId: r.rows[0].rule_set_id } : null
}

const MEMBERSHIP = {
  case: { table: 'cases', view: 'case_buffer_zones', column: 'case_id' },
  detection: { table: 'detections', view: 'detection_buffer_zones', column: 'detection_id' },
  building: { table: 'buildings', view: 'building_buffer_zones', column: 'building_id' },
} as const
export type MemberKind = keyof typeof MEMBERSHIP

/** The zones of a rule set a feature lies in; null when the feature does not exist in the scope. */
export async function membershipsOf(db: Queryable, kind: MemberKind, id: number, scope: Scope, ruleSetId: number): Promise<BufferMembership[] | null> {
  const m = MEMBERSHIP[kind] // identifiers from the fixed map above, never from the request
  const exists = await db.query(`SELECT 1 FROM ${m.table} WHERE id = $1 AND ${inScope('admin_code', '$2')}`, [id, scope])
  if (exists.rowCount === 0) return null
  const r = await db.query<Row>(
    `SELECT z.id, z.name, z.family, z.class, z.width_m FROM ${m.view} v JOIN buffer_zones z ON z.id = v.buffer_zone_id
     WHERE v.${m.column} = $1 AND v.rule_set_id = $2 ORDER BY z.family, z.class, z.id`,
    [id, ruleSetId],
  )
  return r.rows.map((z) => ({
    bufferZoneId: z.id as number, name: z.name as string, family: z.family as BufferMembership['family'], class: z.class as string, widthM: z.width_m as number,
  }))
}
