// Grouped statistics by zone and by buffer zone read stored memberships (migration 015): the
// figures must follow every edit at once, as a user sees them. Each check compares the API's row
// with a hand-written ST_Intersects query over today's geometry.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let admin: string
/** A village with point cases in it, two of them apart by more than a zone's width. */
let v: { code: string; a: number; b: number; aAt: [number, number]; bAt: [number, number] }
beforeAll(async () => {
  t = await testApp('tiny')
  admin = await t.signIn('admin')
  const r = await q<{ code: string; a: number; b: number; ax: number; ay: number; bx: number; by: number }>(
    `SELECT a.admin_code AS code, a.id AS a, b.id AS b, ST_X(a.geom) AS ax, ST_Y(a.geom) AS ay, ST_X(b.geom) AS bx, ST_Y(b.geom) AS by
     FROM cases a JOIN cases b ON b.admin_code = a.admin_code AND b.id <> a.id
     WHERE GeometryType(a.geom) = 'POINT' AND GeometryType(b.geom) = 'POINT' AND NOT a.location_pending AND NOT b.location_pending
       AND ST_Distance(a.geom, b.geom) > 0.003
       AND ST_Contains((SELECT geom FROM admin_units WHERE code = a.admin_code), ST_Expand(b.geom, 0.0015))
     ORDER BY a.id, b.id LIMIT 1`,
  )
  const x = r[0]!
  v = { code: x.code, a: x.a, b: x.b, aAt: [x.ax, x.ay], bAt: [x.bx, x.by] }
})
afterAll(() => t.close())

async function q<T>(sql: string, params: unknown[] = []) {
  return (await t.db.query<T>(sql, params)).rows
}
const get = async (url: string) => {
  const res = await t.app.inject({ url, headers: { cookie: admin } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}
const send = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, ifMatch?: string) => {
  const res = await t.app.inject({ method, url, ...(payload ? { payload } : {}), headers: { cookie: admin, ...(ifMatch ? { 'if-match': ifMatch } : {}) } })
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
  return res
}
const square = ([lon, lat]: [number, number], d = 0.001) => ({
  type: 'Polygon', coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
})
const point = ([lon, lat]: [number, number]) => ({ type: 'Point', coordinates: [lon, lat] })

/** Moves a case (PATCH with If-Match, as the map's edit does). */
async function moveCase(id: number, geometry: object) {
  const version = (await q<{ version: number }>(`SELECT version FROM cases WHERE id = $1`, [id]))[0]!.version
  await send('PATCH', `/api/cases/${id}`, { geometry, reason: '现场复核坐标' }, `"v${version}"`)
}

type Fig = { count: number; landArea: number; floorArea: number; closedCount: number }
const pick = (r: Fig | undefined) => (r ? [r.count, r.landArea, r.floorArea, r.closedCount] : [0, 0, 0, 0])

/** The zone's figures straight from the geometry. */
async function handZone(zoneId: number) {
  const r = (await q<Fig>(
    `SELECT count(*) AS count, coalesce(sum(coalesce(land_area_recorded_m2, land_area_computed_m2)), 0) AS "landArea",
            coalesce(sum(coalesce(floor_area_recorded_m2, floor_area_computed_m2)), 0) AS "floorArea",
            count(*) FILTER (WHERE closed_at IS NOT NULL) AS "closedCount"
     FROM cases c JOIN zones z ON ST_Intersects(z.geom, c.geom) WHERE z.id = $1 AND NOT c.location_pending`, [zoneId]))[0]
  return pick(r)
}
const apiZone = async (zoneId: number) => {
  const rows = (await get('/api/statistics?groupBy=zone')).rows as (Fig & { key: { zone: number } })[]
  return pick(rows.find((r) => r.key.zone === zoneId))
}

test('a case moved into a zone counts in it at once, and no longer once moved out; the zone filter agrees', async () => {
  const zone = (await send('POST', '/api/zones', { name: '统计测试片区', zoneType: 'rectification_area', geometry: square(v.bAt) })).json()
  const before = await apiZone(zone.id)
  assert.deepEqual(before, await handZone(zone.id))
  assert.ok(before[0]! >= 1, 'case b lies in the zone drawn around it')

  await moveCase(v.a, point([v.bAt[0] + 0.0003, v.bAt[1]]))
  const moved = await apiZone(zone.id)
  assert.equal(moved[0], before[0]! + 1)
  assert.deepEqual(moved, await handZone(zone.id))
  const filtered = (await get(`/api/statistics?zone=${zone.id}`)).totals
  assert.deepEqual(pick(filtered), moved)

  await moveCase(v.a, point(v.aAt))
  assert.deepEqual(await apiZone(zone.id), before)
  await send('DELETE', `/api/zones/${zone.id}`, undefined, `"v${zone.version}"`)
})

test('a zone redrawn counts the cases of its new outline; deleted, its row is gone', async () => {
  const zone = (await send('POST', '/api/zones', { name: '重绘片区', zoneType: 'rectification_area', geometry: square(v.bAt) })).json()
  const redrawn = (await send('PATCH', `/api/zones/${zone.id}`, { geometry: square(v.aAt) }, `"v${zone.version}"`)).json()
  const now = await apiZone(zone.id)
  assert.deepEqual(now, await handZone(zone.id))
  const holds = async (id: number) => (await q<{ n: number }>(
    `SELECT count(*) AS n FROM cases c JOIN zones z ON ST_Intersects(z.geom, c.geom) WHERE z.id = $1 AND c.id = $2`, [zone.id, id]))[0]!.n
  assert.deepEqual([await holds(v.a), await holds(v.b)], [1, 0], 'the new outline holds a and not b')
  await send('DELETE', `/api/zones/${zone.id}`, undefined, `"v${redrawn.version}"`)
  const rows = (await get('/api/statistics?groupBy=zone')).rows as { key: { zone: number | null } }[]
  assert.ok(!rows.some((r) => r.key.zone === zone.id))
  assert.equal((await q<{ n: number }>(`SELECT count(*) AS n FROM case_zone_members WHERE zone_id = $1`, [zone.id]))[0]!.n, 0)
})

test('a case put back at its village (待定位) leaves its zone; located again it is back', async () => {
  const zone = (await send('POST', '/api/zones', { name: '待定位测试', zoneType: 'key_village', geometry: square(v.bAt) })).json()
  const before = await apiZone(zone.id)
  // what a ledger carried over without coordinates does (migration 009): a placeholder point, flagged
  await t.db.query(`UPDATE cases SET location_pending = true WHERE id = $1`, [v.b])
  const pending = await apiZone(zone.id)
  assert.equal(pending[0], before[0]! - 1)
  assert.deepEqual(pending, await handZone(zone.id))
  await moveCase(v.b, point(v.bAt)) // located by a field team: clears the flag
  assert.equal((await q<{ p: boolean }>(`SELECT location_pending AS p FROM cases WHERE id = $1`, [v.b]))[0]!.p, false)
  assert.deepEqual(await apiZone(zone.id), before)
  await send('DELETE', `/api/zones/${zone.id}`, undefined, `"v${zone.version}"`)
})

/** Per buffer zone of a rule set, the cases' count and land area straight from the zone pieces. */
async function handBuffers(ruleSetId: number) {
  const rows = await q<{ id: number; count: number; land: number }>(
    `SELECT z.id, count(c.id) AS count, coalesce(sum(coalesce(c.land_area_recorded_m2, c.land_area_computed_m2)), 0) AS land
     FROM buffer_zones z LEFT JOIN cases c ON NOT c.location_pending
       AND EXISTS (SELECT 1 FROM buffer_zone_parts p WHERE p.buffer_zone_id = z.id AND ST_Intersects(p.geom, c.geom))
     WHERE z.rule_set_id = $1 GROUP BY z.id ORDER BY z.id`, [ruleSetId])
  return rows.filter((r) => r.count > 0).map((r) => [r.id, r.count, r.land])
}
const apiBuffers = async (ruleSetId?: number) => {
  const rows = (await get(`/api/statistics?groupBy=bufferZone${ruleSetId ? `&ruleSet=${ruleSetId}` : ''}`)).rows as (Fig & { key: { bufferZone: number | null } })[]
  return rows.filter((r) => r.key.bufferZone !== null).map((r) => [r.key.bufferZone, r.count, r.landArea])
}

test('a buffer rule changed (a new set, wider roads): the table counts the cases of the new zones; a case moved into one counts there', async () => {
  const old = (await get('/api/buffer-rule-sets')).items.find((s: { active: boolean }) => s.active)
  assert.deepEqual(await apiBuffers(), await handBuffers(old.id))
  const created = (await send('POST', '/api/buffer-rule-sets', { name: '国道加宽到300米', rules: { roads: { national: 300 } }, activate: true })).json()
  const wide = await apiBuffers()
  assert.deepEqual(wide, await handBuffers(created.id))
  assert.deepEqual(await apiBuffers(old.id), await handBuffers(old.id), 'the old set still gives its own figures')

  // a case of a village the new zone crosses, moved onto the zone inside its village
  const target = (await q<{ id: number; lon: number; lat: number; zone: number }>(
    `SELECT c.id, ST_X(pt) AS lon, ST_Y(pt) AS lat, z.id AS zone
     FROM buffer_zones z JOIN admin_units a ON a.level = 'village' AND ST_Intersects(a.geom, z.geom)
     JOIN cases c ON c.admin_code = a.code AND GeometryType(c.geom) = 'POINT' AND NOT c.location_pending AND NOT ST_Intersects(c.geom, z.geom),
     LATERAL (SELECT ST_PointOnSurface(ST_Intersection(a.geom, z.geom)) AS pt) p
     WHERE z.rule_set_id = $1 AND z.class = 'national' AND ST_Contains(a.geom, pt) AND ST_Contains(z.geom, pt)
     ORDER BY c.id LIMIT 1`, [created.id]))[0]
  assert.ok(target, 'a case next to the widened national road')
  const countOf = (rows: unknown[][]) => (rows.find((r) => r[0] === target.zone)?.[1] as number | undefined) ?? 0
  await moveCase(target.id, point([target.lon, target.lat]))
  const after = await apiBuffers()
  assert.equal(countOf(after), countOf(wide) + 1)
  assert.deepEqual(after, await handBuffers(created.id))
  assert.equal((await get(`/api/statistics?bufferZone=${target.zone}`)).totals.count, countOf(after))

  await send('POST', `/api/buffer-rule-sets/${old.id}/activate`, {})
  assert.deepEqual(await apiBuffers(), await handBuffers(old.id))
})
