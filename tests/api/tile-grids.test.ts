// The pre-aggregated grids behind low-zoom tiles (migration 014): they follow every edit, so a
// zoomed-out map counts what the ledger holds, and their triggers use the layers' own expressions.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { tileAt } from '../helpers/tiles.ts'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { LAYERS } from '../../server/src/sources/layers.ts'
import { TileService } from '../../server/src/sources/tiles.ts'
import { scopeOf } from '../../server/src/domain/scope.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let adminCookie: string
beforeAll(async () => {
  t = await testApp('tiny')
  adminCookie = await t.signIn('admin')
})
afterAll(() => t.close())

// At zoom 7 one tile holds the whole district; at zoom 9 cells are ~270 m.
const DISTRICT_TILE = tileAt(115.9, 39.7, 7)

// The tiny sample's 300 cases are drawn one by one; over 10 in a tile, they come as cells.
const cases = LAYERS.find((l) => l.id === 'cases')!
const denseCases = new TileService([{ ...cases, aggregate: { ...cases.aggregate!, maxFeatures: 10 } }], { warn() {} })

async function cells(layer: string) {
  const { z, x, y } = DISTRICT_TILE
  let body: Uint8Array
  if (layer === 'cases') {
    body = (await denseCases.make(t.db, denseCases.layer('cases')!, { z, x, y, scope: scopeOf('110111') }))!
  } else {
    const res = await t.app.inject({ url: `/ogc/collections/${layer}/tiles/WebMercatorQuad/${z}/${y}/${x}`, headers: { cookie: adminCookie } })
    assert.equal(res.statusCode, 200)
    body = res.rawPayload
  }
  const l = new VectorTile(new PbfReader(body)).layers[layer]!
  const fs = Array.from({ length: l.length }, (_, i) => l.feature(i))
  assert.ok(fs.every((f) => f.type === 1 && typeof f.properties.count === 'number'), `${layer}: grid cells`)
  return fs
}

/** Count per group value in the district tile's cells. */
async function countsBy(layer: string, key: string | null) {
  const by: Record<string, number> = {}
  for (const f of await cells(layer)) {
    const k = key ? String(f.properties[key]) : 'all'
    by[k] = (by[k] ?? 0) + Number(f.properties.count)
  }
  return by
}

/** The stored cells of a table, and what a rebuild from its rows gives: equal when the triggers kept up. */
async function storedAndRebuilt(table: string) {
  const read = async () =>
    (await t.db.query(`SELECT z, cx, cy, admin_code, grp, narrow, n, area::text AS area, sx, sy FROM tile_grid_cells
                       WHERE layer_table = $1 ORDER BY z, cx, cy, admin_code, grp, narrow`, [table])).rows
  const stored = await read()
  const args = await triggerArgs(table)
  await t.db.transaction(async (tx) => {
    await tx.query('DELETE FROM tile_grid_cells WHERE layer_table = $1', [table])
    const sql = (await tx.query<{ sql: string }>('SELECT chaiwei_grid_apply_sql($1, chaiwei_grid_rows($1, 1, $2, $3, $4, $5, $6)) AS sql', [table, ...args])).rows[0]!.sql
    await tx.exec(sql)
  })
  return { stored, rebuilt: await read() }
}

/** The arguments the table's grid trigger was created with: point, area, group, narrowing value, condition. */
async function triggerArgs(table: string): Promise<string[]> {
  const r = await t.db.query<{ args: string }>(
    `SELECT encode(tgargs, 'escape') AS args FROM pg_trigger WHERE tgname = $1`, [`${table}_grid_ins`],
  )
  assert.equal(r.rowCount, 1, `${table} has its grid trigger`)
  // tgargs: the arguments, each ended by a NUL byte (escaped as \000)
  return r.rows[0]!.args.split('\\000').slice(0, -1)
}

test('each gridded layer is tracked with the expressions its tiles aggregate by', async () => {
  const gridded = LAYERS.filter((l) => l.aggregate)
  assert.deepEqual(gridded.map((l) => l.table).sort(), ['buildings', 'cases', 'detections'])
  for (const layer of gridded) {
    const agg = layer.aggregate!
    const narrow = Object.values(layer.tileFilters ?? {})
    assert.deepEqual(await triggerArgs(layer.table), [agg.point, agg.areaColumn, agg.groupBy ?? "''", narrow[0] ?? '0', layer.publishedWhere ?? 'true'], layer.id)
  }
})

test('zoomed out, case counts per status follow edits: a status change, a case back to 待定位, a case moved', async () => {
  const expected = async () =>
    Object.fromEntries((await t.db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM cases WHERE NOT location_pending GROUP BY status')).rows.map((r) => [r.status, r.n]))
  assert.deepEqual(await countsBy('cases', 'status'), await expected())
  const [a, b, c] = (await t.db.query<{ id: number }>("SELECT id FROM cases WHERE status = 'identified' ORDER BY id LIMIT 3")).rows.map((r) => r.id)
  await t.db.query("UPDATE cases SET status = 'notified' WHERE id = $1", [a])
  await t.db.query('UPDATE cases SET location_pending = true WHERE id = $1', [b])
  await t.db.query('UPDATE cases SET geom = ST_Translate(geom, 0.02, -0.01) WHERE id = $1', [c])
  const after = await countsBy('cases', 'status')
  assert.deepEqual(after, await expected())
  const { stored, rebuilt } = await storedAndRebuilt('cases')
  assert.ok(stored.length > 0)
  assert.deepEqual(stored, rebuilt)
})

test('zoomed out, building cells follow a building added, moved and removed', async () => {
  const total = async () => (await t.db.query<{ n: number; area: number }>('SELECT count(*) AS n, round(coalesce(sum(footprint_area_m2), 0)) AS area FROM buildings')).rows[0]!
  const sums = async () => {
    const cs = await cells('buildings')
    return { n: cs.reduce((s, f) => s + Number(f.properties.count), 0), cells: cs.length }
  }
  assert.equal((await sums()).n, (await total()).n)
  const b = (await t.db.query<{ id: number; admin_code: string }>('SELECT id, admin_code FROM buildings ORDER BY id LIMIT 1')).rows[0]!
  await t.db.query(
    `INSERT INTO buildings (admin_code, floors, use, geom)
     SELECT admin_code, 2, 'residential', ST_Translate(geom, 0.0004, 0) FROM buildings WHERE id = $1`, [b.id],
  )
  const added = (await t.db.query<{ id: number }>('SELECT max(id) AS id FROM buildings')).rows[0]!.id
  assert.equal((await sums()).n, (await total()).n)
  const movedStored = await storedAndRebuilt('buildings')
  await t.db.query('UPDATE buildings SET geom = ST_Translate(geom, 0.01, 0.005) WHERE id = $1', [added])
  const moved = await storedAndRebuilt('buildings')
  assert.notDeepEqual(moved.stored, movedStored.stored, 'the moved building left its cell')
  assert.deepEqual(moved.stored, moved.rebuilt)
  await t.db.query('DELETE FROM buildings WHERE id = $1', [added])
  assert.equal((await sums()).n, (await total()).n)
  const { stored, rebuilt } = await storedAndRebuilt('buildings')
  assert.deepEqual(stored, rebuilt)
})

test('patch cells per outcome follow verification', async () => {
  const byOutcome = async () =>
    Object.fromEntries((await t.db.query<{ outcome: string; n: number }>('SELECT outcome, count(*) AS n FROM detections GROUP BY outcome')).rows.map((r) => [r.outcome, r.n]))
  assert.deepEqual(await countsBy('detections', 'outcome'), await byOutcome())
  await t.db.query(
    "UPDATE detections SET status = 'verified', result = 'false_change', verified_at = now() WHERE id IN (SELECT id FROM detections WHERE status = 'pending' ORDER BY id LIMIT 5)",
  )
  assert.deepEqual(await countsBy('detections', 'outcome'), await byOutcome())
  const { stored, rebuilt } = await storedAndRebuilt('detections')
  assert.deepEqual(stored, rebuilt)
})

test('cells are found in float8 as they were in numeric (migration 021): rows written before still leave their cells', async () => {
  // Positions are integers of 1e-7 degree, |x| <= 1.8e9. A cell edge lies where x * 131072 is a
  // multiple of 3.6e9, i.e. every 3,515,625 units (512 edges each side of 0): each edge with its
  // neighbours on both sides, and a sweep over the whole range in steps of 9,973 units.
  const r = await t.db.query<{ n: number; differ: number }>(
    `WITH xs AS (
       SELECT m::bigint * 3515625 + d AS x FROM generate_series(-512, 512) m, generate_series(-1, 1) d
       UNION ALL SELECT x FROM generate_series(-1800000000::bigint, 1800000000::bigint, 9973::bigint) x)
     SELECT count(*)::int AS n,
            count(*) FILTER (WHERE floor((x * 131072)::float8 / 3600000000)::int <> floor(x::numeric * 131072 / 3600000000)::int)::int AS differ
     FROM xs`,
  )
  assert.equal(r.rows[0]!.n, 1025 * 3 + 360975)
  assert.equal(r.rows[0]!.differ, 0)
})
