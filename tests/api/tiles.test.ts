// Vector tiles of the sample district, decoded as a map client would, and scoped per user.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { tileAt } from '../helpers/tiles.ts'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { LAYERS } from '../../server/src/sources/layers.ts'
import { TileService } from '../../server/src/sources/tiles.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { BACKEND } from '../helpers/db.ts'
import { scopeOf } from '../../server/src/domain/scope.ts'

let t: TestApp
let adminCookie: string
beforeAll(async () => {
  t = await testApp('tiny')
  adminCookie = await t.signIn('admin')
})
afterAll(() => t.close())

function xyzAt(lon: number, lat: number, z: number): [number, number, number] {
  const { x, y } = tileAt(lon, lat, z)
  return [z, x, y]
}

async function tile(layer: string, z: number, x: number, y: number, cookie = adminCookie) {
  return t.app.inject({ url: `/ogc/collections/${layer}/tiles/WebMercatorQuad/${z}/${y}/${x}`, headers: { cookie } })
}

function features(body: Buffer, layer: string) {
  const vt = new VectorTile(new PbfReader(body))
  const l = vt.layers[layer]
  if (!l) return []
  return Array.from({ length: l.length }, (_, i) => l.feature(i))
}

// At zoom 7 one tile holds the whole district (115.4–116.3 E, 39.4–40.0 N).
const DISTRICT_TILE = tileAt(115.9, 39.7, 7)

test('the district tile at z7 holds every admin unit with its name', async () => {
  const { z, x, y } = DISTRICT_TILE
  const res = await tile('admin-units', z, x, y)
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/vnd.mapbox-vector-tile')
  const names = features(res.rawPayload, 'admin-units').map((f) => f.properties.name)
  assert.ok(names.includes('房山区'))
  assert.ok(names.includes('良乡地区'))
  const total = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM admin_units')).rows[0]!.n
  assert.equal(names.length, total)
})

test('case tiles carry only the attributes the style uses', async () => {
  const { rows } = await t.db.query<{ lon: number; lat: number }>(
    'SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM cases ORDER BY id LIMIT 1',
  )
  const { z, x, y } = tileAt(rows[0]!.lon, rows[0]!.lat, 14)
  const res = await tile('cases', z, x, y)
  assert.equal(res.statusCode, 200)
  const fs = features(res.rawPayload, 'cases')
  assert.ok(fs.length > 0)
  assert.deepEqual(Object.keys(fs[0]!.properties).sort(), ['case_no', 'id', 'overdue', 'status', 'use'])
})

test('a village-scoped user sees only that village in tiles', async () => {
  const { rows } = await t.db.query<{ admin_code: string; n: number }>(
    'SELECT admin_code, count(*)::int AS n FROM cases GROUP BY admin_code ORDER BY n DESC, admin_code LIMIT 1',
  )
  const village = rows[0]!.admin_code
  const fieldCookie = await t.signIn('field', village)
  const { z, x, y } = DISTRICT_TILE
  const all = features((await tile('cases', z, x, y)).rawPayload, 'cases')
  const mine = features((await tile('cases', z, x, y, fieldCookie)).rawPayload, 'cases')
  const inVillage = await t.db.query<{ case_no: string }>('SELECT case_no FROM cases WHERE admin_code = $1', [village])
  assert.ok(all.length > mine.length)
  assert.deepEqual(
    mine.map((f) => f.properties.case_no).sort(),
    inVillage.rows.map((r) => r.case_no).sort(),
  )
  const units = features((await tile('admin-units', z, x, y, fieldCookie)).rawPayload, 'admin-units')
  assert.deepEqual(units.map((f) => f.properties.code), [village])
})

test('an empty tile is 204, a repeated tile is 304 with its ETag', async () => {
  const empty = await tile('cases', 10, 0, 0) // the Arctic, far from the district
  assert.equal(empty.statusCode, 204)
  const { z, x, y } = DISTRICT_TILE
  const first = await tile('admin-units', z, x, y)
  const etag = first.headers.etag as string
  assert.ok(etag)
  const again = await t.app.inject({
    url: `/ogc/collections/admin-units/tiles/WebMercatorQuad/${z}/${y}/${x}`,
    headers: { cookie: adminCookie, 'if-none-match': etag },
  })
  assert.equal(again.statusCode, 304)
})

test('below zoom 13 buildings come aggregated: grid points whose counts add up to the buildings', async () => {
  const { z, x, y } = DISTRICT_TILE
  const res = await tile('buildings', z, x, y)
  assert.equal(res.statusCode, 200)
  const cells = features(res.rawPayload, 'buildings')
  assert.ok(cells.every((f) => f.type === 1 && typeof f.properties.count === 'number' && !('floors' in f.properties)))
  const total = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM buildings')).rows[0]!.n
  assert.equal(cells.reduce((sum, f) => sum + Number(f.properties.count), 0), total)
  assert.ok(cells.length < total / 2, `${cells.length} cells for ${total} buildings is no aggregation`)
  const b = (await t.db.query<{ lon: number; lat: number }>('SELECT ST_X(centroid) AS lon, ST_Y(centroid) AS lat FROM buildings ORDER BY id LIMIT 1')).rows[0]!
  const detailed = features((await tile('buildings', ...xyzAt(b.lon, b.lat, 16))).rawPayload, 'buildings')
  assert.ok(detailed.length > 0)
  assert.ok(detailed.every((f) => f.type === 3 && 'floors' in f.properties))
})

test('patch tiles narrowed to one batch hold only its patches, grid points and details alike', async () => {
  const batches = (await t.db.query<{ batch_id: number; n: number }>('SELECT batch_id, count(*) AS n FROM detections GROUP BY batch_id ORDER BY batch_id')).rows
  assert.ok(batches.length >= 2, 'the sample has several batches')
  const { z, x, y } = DISTRICT_TILE
  const get = (query: string) => t.app.inject({ url: `/ogc/collections/detections/tiles/WebMercatorQuad/${z}/${y}/${x}${query}`, headers: { cookie: adminCookie } })
  for (const b of batches) {
    const res = await get(`?batch=${b.batch_id}`)
    assert.equal(res.statusCode, 200)
    const cells = features(res.rawPayload, 'detections')
    assert.equal(cells.reduce((sum, f) => sum + Number(f.properties.count), 0), b.n, `batch ${b.batch_id}: every patch counted once`)
  }
  const all = features((await get('')).rawPayload, 'detections')
  assert.equal(all.reduce((sum, f) => sum + Number(f.properties.count), 0), batches.reduce((sum, b) => sum + b.n, 0))
  // in detail: one patch's tile, narrowed to its batch and to another
  const p = (await t.db.query<{ batch_id: number; lon: number; lat: number }>('SELECT batch_id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM detections ORDER BY id LIMIT 1')).rows[0]!
  const [dz, dx, dy] = xyzAt(p.lon, p.lat, 16)
  const at = (q: string) => t.app.inject({ url: `/ogc/collections/detections/tiles/WebMercatorQuad/${dz}/${dy}/${dx}${q}`, headers: { cookie: adminCookie } })
  const own = features((await at(`?batch=${p.batch_id}`)).rawPayload, 'detections')
  assert.ok(own.length > 0 && own.every((f) => Number(f.properties.batch_id) === p.batch_id))
  const other = batches.find((b) => b.batch_id !== p.batch_id)!.batch_id
  assert.ok(features((await at(`?batch=${other}`)).rawPayload, 'detections').every((f) => Number(f.properties.batch_id) === other))
  // anything else is refused, never an unfiltered tile
  const unknown = await get('?status=pending')
  assert.equal(unknown.statusCode, 400)
  assert.equal(unknown.json().field, 'status')
  assert.equal((await get('?batch=two')).statusCode, 400)
  assert.equal((await t.app.inject({ url: `/ogc/collections/cases/tiles/WebMercatorQuad/${z}/${y}/${x}?batch=1`, headers: { cookie: adminCookie } })).statusCode, 400)
})

test('tile coordinates outside the matrix and unknown collections are refused clearly', async () => {
  const out = await tile('cases', 3, 8, 0)
  assert.equal(out.statusCode, 400)
  assert.equal(out.json().detail, 'tile 3/0/8 is outside the tile matrix: at zoom 3 row and column run from 0 to 7')
  const deep = await tile('cases', 23, 0, 0)
  assert.equal(deep.statusCode, 400)
  const unknown = await tile('secrets', 3, 0, 0)
  assert.equal(unknown.statusCode, 404)
  assert.match(unknown.json().detail, /^no collection secrets/)
})

test('tiles need a session', async () => {
  const res = await t.app.inject('/ogc/collections/cases/tiles/WebMercatorQuad/8/97/210')
  assert.equal(res.statusCode, 401)
})

test('tiles are cached, and an edit voids exactly the tiles it touches', async () => {
  const c = (await t.db.query<{ lon: number; lat: number }>(
    "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cases WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1",
  )).rows[0]!
  const here = xyzAt(c.lon, c.lat, 15)
  const far = xyzAt(115.9, 39.7, 7)
  const farTile = xyzAt(c.lon + 0.3, c.lat, 15)
  assert.equal((await tile('cases', ...here)).headers['x-tile-cache'], 'miss')
  await tile('cases', ...farTile)
  const before = await tile('cases', ...here)
  assert.equal(before.headers['x-tile-cache'], 'hit')
  const n = features(before.rawPayload, 'cases').length

  // A new case next to the first one, written straight to the database as an import would.
  await t.db.query(
    `INSERT INTO cases (case_no, admin_code, use, source, found_at, geom)
     SELECT 'TEST-CACHE-1', admin_code, 'storage', 'patrol', now(), ST_Translate(geom, 0.00005, 0) FROM cases WHERE case_no = (
       SELECT case_no FROM cases WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1)`,
  )
  const after = await tile('cases', ...here)
  assert.equal(after.headers['x-tile-cache'], 'miss')
  const nos = features(after.rawPayload, 'cases').map((f) => f.properties.case_no)
  assert.equal(nos.length, n + 1)
  assert.ok(nos.includes('TEST-CACHE-1'))
  assert.equal((await tile('cases', ...far)).headers['x-tile-cache'], 'miss', 'the district tile holds the new case too')
  assert.equal((await tile('cases', ...farTile)).headers['x-tile-cache'], 'hit', 'a tile 0.3 degrees away is untouched')
})

test('TileJSON and tileset metadata describe the layer for MapLibre and OGC clients', async () => {
  const tj = (await t.app.inject({ url: '/ogc/collections/buildings/tiles/WebMercatorQuad/tilejson.json', headers: { cookie: adminCookie } })).json()
  assert.equal(tj.tilejson, '3.0.0')
  assert.match(tj.tiles[0], /\/ogc\/collections\/buildings\/tiles\/WebMercatorQuad\/\{z\}\/\{y\}\/\{x\}$/)
  assert.deepEqual(Object.keys(tj.vector_layers[0].fields).sort(), ['area_m2', 'count', 'floors', 'id', 'use'])
  assert.equal(tj.bounds.length, 4)
  const ts = (await t.app.inject({ url: '/ogc/collections/cases/tiles/WebMercatorQuad', headers: { cookie: adminCookie } })).json()
  assert.equal(ts.dataType, 'vector')
  assert.ok(ts.links.some((l: { rel: string; href: string }) => l.rel === 'item' && l.href.endsWith('{tileMatrix}/{tileRow}/{tileCol}')))
})

test('a tile with more cases than the threshold carries them aggregated per status, every case counted', async () => {
  const cases = LAYERS.find((l) => l.id === 'cases')!
  const dense = { ...cases, aggregate: { ...cases.aggregate!, maxFeatures: 10 } }
  const tiles = new TileService([dense], { warn() {} })
  const { z, x, y } = DISTRICT_TILE
  const tileBytes = await tiles.make(t.db, dense, { z, x, y, scope: scopeOf('110111') })
  const cells = features(Buffer.from(tileBytes!), 'cases')
  assert.ok(cells.every((f) => f.type === 1 && typeof f.properties.count === 'number' && typeof f.properties.status === 'string'))
  const byStatus: Record<string, number> = {}
  for (const f of cells) byStatus[f.properties.status as string] = (byStatus[f.properties.status as string] ?? 0) + Number(f.properties.count)
  const expected = await t.db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM cases GROUP BY status')
  assert.deepEqual(byStatus, Object.fromEntries(expected.rows.map((r) => [r.status, r.n])))
  // Below the threshold the same tile holds the cases themselves.
  const normal = features((await tile('cases', z, x, y)).rawPayload, 'cases')
  assert.ok(normal.length > 10 && normal.every((f) => 'case_no' in f.properties))
})

test('deeper than the stored grid, a tile turns to cells at one case over the threshold, and not at the threshold', async () => {
  const cases = LAYERS.find((l) => l.id === 'cases')!
  // the z14 tile of the busiest village: the cases themselves under the real threshold
  const [at] = (await t.db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM cases
     WHERE NOT location_pending AND admin_code = (SELECT admin_code FROM cases GROUP BY admin_code ORDER BY count(*) DESC, admin_code LIMIT 1)
     ORDER BY id LIMIT 1`,
  )).rows
  const [z, x, y] = xyzAt(at!.lon, at!.lat, 14)
  const ids = (fs: ReturnType<typeof features>) => fs.map((f) => Number(f.properties.id)).sort((a, b) => a - b)
  const own = features((await tile('cases', z, x, y)).rawPayload, 'cases')
  assert.ok(own.length > 3 && own.every((f) => 'case_no' in f.properties), `${own.length} cases in ${z}/${x}/${y}`)
  // the rows the tile draws (features meeting the buffered tile), as the dense check counts them
  const [{ n }] = (await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cases WHERE NOT location_pending AND geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)`,
    [z, x, y],
  )).rows as [{ n: number }]
  const withThreshold = async (maxFeatures: number) => {
    const layer = { ...cases, aggregate: { ...cases.aggregate!, maxFeatures } }
    return features(Buffer.from((await new TileService([layer], { warn() {} }).make(t.db, layer, { z, x, y, scope: scopeOf('110111') }))!), 'cases')
  }
  const atThreshold = await withThreshold(n)
  assert.deepEqual(ids(atThreshold), ids(own), 'at the threshold: the same cases, one by one')
  const over = await withThreshold(n - 1)
  assert.ok(over.every((f) => f.type === 1 && typeof f.properties.count === 'number' && !('case_no' in f.properties)), 'one over: cells')
  const [{ inCells }] = (await t.db.query<{ inCells: number }>(
    `SELECT count(*)::int AS "inCells" FROM cases
     WHERE NOT location_pending AND ST_PointOnSurface(geom) && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)`,
    [z, x, y],
  )).rows as [{ inCells: number }]
  assert.equal(over.reduce((s, f) => s + Number(f.properties.count), 0), inCells, 'every case whose point is in the tile counted once')
})

test('overdue cases are marked in tiles, by the same rule as the ledger list', async () => {
  const { z, x, y } = DISTRICT_TILE
  const marked = features((await tile('cases', z, x, y)).rawPayload, 'cases').filter((f) => f.properties.overdue === true).map((f) => Number(f.properties.id)).sort((a, b) => a - b)
  const listed = (await t.app.inject({ url: '/api/cases?overdue=any&limit=1000', headers: { cookie: adminCookie } })).json().items.map((c: { id: number }) => c.id).sort((a: number, b: number) => a - b)
  assert.ok(listed.length > 0)
  assert.deepEqual(marked, listed)
})

test('a change committed late by a long transaction voids the tiles made and cached while it ran', async ({ skip }) => {
  skip(BACKEND === 'pglite', 'the embedded database runs one transaction at a time')
  const [a, b] = (await t.db.query<{ id: number; lon: number; lat: number }>(
    `SELECT c.id, ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat
     FROM cases c JOIN cases d ON d.id <> c.id AND ST_DWithin(c.geom, d.geom, 0.0005) AND NOT d.location_pending
     WHERE NOT c.location_pending ORDER BY c.id, d.id LIMIT 2`,
  )).rows
  const [z, x, y] = xyzAt(a!.lon, a!.lat, 16)
  const ids = async () => features((await tile('cases', z, x, y)).rawPayload, 'cases').map((f) => Number(f.properties.id))
  assert.ok((await ids()).includes(a!.id))
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  let logged!: () => void
  const moved = new Promise<void>((r) => (logged = r))
  // An import-like transaction: it moves case a (its change is logged now) and commits later.
  const long = t.db.transaction(async (tx) => {
    await tx.query('UPDATE cases SET geom = ST_Translate(geom, 0.05, 0) WHERE id = $1', [a!.id])
    logged()
    await held
  })
  await moved
  // Meanwhile a quick edit in the same tile commits (logged after the long one) and the tile is made again.
  await t.db.query('UPDATE cases SET use = use WHERE id = $1', [b!.id])
  assert.ok((await ids()).includes(a!.id), 'the move is not committed yet')
  release()
  await long
  assert.ok(!(await ids()).includes(a!.id), 'the tile made before the move committed is not served again')
})
