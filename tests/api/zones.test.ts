// Planners' zones: drawn, made from villages or parcels, or uploaded; ETag/If-Match, history kept
// after deletion, scope, statistics inside a zone, and drawings the app refuses.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Feature, Polygon } from 'geojson'
import { writeCsvWkt, writeKml, writeShapefileZip } from '../../server/src/imports/formats/writers.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let planner: string
let village: { code: string; town: string; lon: number; lat: number }
beforeAll(async () => {
  t = await testApp('tiny')
  planner = await t.signIn('planner')
  // a village with room for a 200 m square around a point on its surface
  const r = await t.db.query<{ code: string; lon: number; lat: number }>(
    `SELECT code, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
       SELECT code, ST_PointOnSurface(geom) AS p, geom FROM admin_units WHERE level = 'village') v
     WHERE ST_Contains(v.geom, ST_Expand(v.p, 0.003)) ORDER BY code LIMIT 1`,
  )
  village = { ...r.rows[0]!, town: r.rows[0]!.code.slice(0, 9) }
})
afterAll(() => t.close())

const square = (lon: number, lat: number, d = 0.002) => ({
  type: 'Polygon', coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
})
const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}, cookie = planner) =>
  t.app.inject({ method, url, ...(payload ? { payload: payload as object } : {}), headers: { cookie, ...headers } })
const zoneCount = async () => (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM zones')).rows[0]!.n

test('a drawn zone: created with ETag, edited with If-Match, deleted, its history kept', async () => {
  const res = await send('POST', '/api/zones', {
    name: '测试整治片区', zoneType: 'rectification_area', periodStart: '2026-01-01', periodEnd: '2026-12-31',
    responsibleUnit: '镇综合执法队', targets: { demolishedArea: 1000, casesClosed: 5 }, geometry: square(village.lon, village.lat),
  })
  assert.equal(res.statusCode, 201, res.body)
  assert.equal(res.headers.etag, '"v1"')
  const z = res.json()
  assert.equal(z.adminCode, village.code) // the smallest unit holding it
  const area = (await t.db.query<{ a: number }>(`SELECT ST_Area(ST_GeomFromGeoJSON($1)::geography) AS a`, [JSON.stringify(square(village.lon, village.lat))])).rows[0]!.a
  assert.ok(Math.abs(z.areaM2 - area) < 0.01)
  assert.equal(res.headers.location, `/api/zones/${z.id}`)

  const url = `/api/zones/${z.id}`
  assert.equal((await send('PATCH', url, { name: '改名' })).statusCode, 428)
  assert.equal((await send('PATCH', url, { name: '改名' }, { 'if-match': '"v9"' })).statusCode, 412)
  const edited = await send('PATCH', url, { name: '改名', geometry: square(village.lon, village.lat, 0.001) }, { 'if-match': '"v1"' })
  assert.equal(edited.statusCode, 200, edited.body)
  assert.equal(edited.headers.etag, '"v2"')
  assert.ok(Math.abs(edited.json().areaM2 - area / 4) < 1)
  // a redraw that crosses itself is refused and leaves the zone as it was
  const bowtie = { type: 'Polygon', coordinates: [[[village.lon, village.lat], [village.lon + 0.001, village.lat + 0.001], [village.lon + 0.001, village.lat], [village.lon, village.lat + 0.001], [village.lon, village.lat]]] }
  const crossed = await send('PATCH', url, { geometry: bowtie }, { 'if-match': '"v2"' })
  assert.equal(crossed.statusCode, 422)
  assert.match(crossed.json().detail, /Self-intersection/)
  const still = await t.app.inject({ url, headers: { cookie: planner } })
  assert.equal(still.headers.etag, '"v2"')
  assert.equal(still.json().areaM2, edited.json().areaM2)
  assert.equal((await send('DELETE', url)).statusCode, 428)
  assert.equal((await send('DELETE', url, undefined, { 'if-match': '"v1"' })).statusCode, 412)
  assert.equal((await send('DELETE', url, undefined, { 'if-match': '"v2"' })).statusCode, 204)
  assert.equal((await t.app.inject({ url, headers: { cookie: planner } })).statusCode, 404)
  const h = await t.app.inject({ url: `${url}/history`, headers: { cookie: planner } })
  assert.equal(h.statusCode, 200, h.body)
  const history = h.json().history
  // the stale edit and the stale delete are in the trace too
  assert.deepEqual(history.map((e: { action: string }) => e.action), ['create', 'refused:stale_version', 'edit', 'refused:stale_version', 'delete'])
  assert.deepEqual(history[2].before.name, '测试整治片区')
  assert.deepEqual(history[2].after.name, '改名')
  assert.ok(history[2].after.geometry, 'a redraw records the new outline')
  assert.equal(history[4].before.name, '改名')
})

test('zones from villages and from parcels are the union of their outlines', async () => {
  const vs = await t.db.query<{ code: string; a: number }>(
    `SELECT code, area_m2 AS a FROM admin_units WHERE parent_code = $1 ORDER BY code LIMIT 2`, [village.town])
  const res = await send('POST', '/api/zones', { name: '两村', zoneType: 'key_village', fromVillages: vs.rows.map((v) => v.code) })
  assert.equal(res.statusCode, 201, res.body)
  assert.ok(Math.abs(res.json().areaM2 - (vs.rows[0]!.a + vs.rows[1]!.a)) < 1, 'neighbours share borders exactly: nothing lost or doubled')
  assert.ok(res.json().adminCode === village.town || res.json().adminCode.startsWith(village.town))
  const ps = await t.db.query<{ id: number; a: number }>(
    `SELECT p.id, p.area_m2 AS a FROM parcels p WHERE p.admin_code = $1 ORDER BY p.id LIMIT 3`, [village.code])
  const fromParcels = await send('POST', '/api/zones', { name: '地块', zoneType: 'violation_free', fromParcels: ps.rows.map((p) => p.id) })
  assert.equal(fromParcels.statusCode, 201, fromParcels.body)
  const union = (await t.db.query<{ a: number }>(`SELECT ST_Area(ST_Union(geom)::geography) AS a FROM parcels WHERE id = ANY($1::bigint[])`, [ps.rows.map((p) => p.id)])).rows[0]!.a
  assert.ok(Math.abs(fromParcels.json().areaM2 - union) < 0.05, `${fromParcels.json().areaM2} vs ${union}`)
  const list = await t.app.inject({ url: '/api/zones?type=violation_free&geometry=false', headers: { cookie: planner } })
  assert.ok(list.json().items.some((z: { id: number; geometry?: unknown }) => z.id === fromParcels.json().id && z.geometry === undefined))
})

test('a zone\'s statistics are the any-area statistics of its outline', async () => {
  const z = (await send('POST', '/api/zones', { name: '统计', zoneType: 'other', fromVillages: [village.code] })).json()
  const stats = await t.app.inject({ url: `/api/zones/${z.id}/statistics`, headers: { cookie: planner } })
  assert.equal(stats.statusCode, 200, stats.body)
  const area = await send('POST', '/api/statistics/area', { geometry: z.geometry })
  assert.deepEqual(stats.json(), area.json())
  const cases = (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM cases c, zones z WHERE z.id = $1 AND ST_Intersects(c.geom, z.geom)`, [z.id])).rows[0]!.n
  assert.equal(stats.json().cases.count, cases)
  // and grouping the ledger by zone counts the same cases
  const byZone = await t.app.inject({ url: `/api/statistics?groupBy=zone&zone=${z.id}`, headers: { cookie: planner } })
  const row = byZone.json().rows.find((r: { key: { zone: number } }) => r.key.zone === z.id)
  assert.equal(row?.count ?? 0, cases)
  assert.equal(byZone.json().overlapping, true)
})

test('zones from a GeoJSON file: one per feature, all or nothing', async () => {
  const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features })
  const f = (name: string, geometry: unknown) => ({ type: 'Feature', properties: { 名称: name }, geometry })
  const upload = (text: string) => {
    const boundary = '----zones'
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="zoneType"\r\n\r\nviolation_free\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="nameProperty"\r\n\r\n名称\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="zones.geojson"\r\nContent-Type: application/geo+json\r\n\r\n${text}\r\n`,
      `--${boundary}--\r\n`,
    ].join('')
    return t.app.inject({ method: 'POST', url: '/api/zones/import', payload: Buffer.from(body), headers: { cookie: planner, 'content-type': `multipart/form-data; boundary=${boundary}` } })
  }
  const before = await zoneCount()
  const bowtie = { type: 'Polygon', coordinates: [[[village.lon, village.lat], [village.lon + 0.001, village.lat + 0.001], [village.lon + 0.001, village.lat], [village.lon, village.lat + 0.001], [village.lon, village.lat]]] }
  const bad = await upload(fc([f('甲', square(village.lon, village.lat, 0.001)), f('乙', bowtie)]))
  assert.equal(bad.statusCode, 422, bad.body)
  assert.equal(bad.json().field, 'features[1]')
  assert.match(bad.json().detail, /Self-intersection/)
  assert.equal(await zoneCount(), before)
  const ok = await upload(fc([f('甲', square(village.lon, village.lat, 0.001)), f('乙', square(village.lon + 0.0025, village.lat, 0.0005))]))
  assert.equal(ok.statusCode, 201, ok.body)
  assert.deepEqual(ok.json().items.map((z: { name: string; zoneType: string }) => [z.name, z.zoneType]), [['甲', 'violation_free'], ['乙', 'violation_free']])
  assert.equal(await zoneCount(), before + 2)
  assert.equal((await upload('not json')).statusCode, 400)
})

test('zones from a zipped Shapefile in Gauss-Krüger and from KML land where the GeoJSON ones do; a file without its CRS asks for it', async () => {
  const shapes: Feature<Polygon>[] = [
    { type: 'Feature', properties: { 名称: '东片' }, geometry: square(village.lon, village.lat, 0.002) as Polygon },
    { type: 'Feature', properties: { 名称: '西片' }, geometry: square(village.lon + 0.004, village.lat, 0.001) as Polygon },
  ]
  const upload = (name: string, bytes: Buffer, extra: Record<string, string> = {}) => {
    const boundary = '----zonefile'
    const head = Object.entries({ zoneType: 'rectification_area', nameProperty: '名称', ...extra })
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
    const payload = Buffer.concat([
      Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return t.app.inject({ method: 'POST', url: '/api/zones/import', payload, headers: { cookie: planner, 'content-type': `multipart/form-data; boundary=${boundary}` } })
  }
  const expected = await t.db.query<{ area: number }>(
    `SELECT round(ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)::geography)::numeric, 2)::float8 AS area FROM unnest($1::text[]) g`,
    [shapes.map((f) => JSON.stringify(f.geometry))],
  )
  const areas = expected.rows.map((r) => r.area)
  for (const [name, bytes, extra] of [
    ['片区.zip', await writeShapefileZip(shapes, { layerName: '片区', crs: 'EPSG:4548' }), {}],
    ['片区.kml', await writeKml(shapes, { layerName: '片区' }), {}],
    ['片区.csv', await writeCsvWkt(shapes, { layerName: '片区', crs: 'EPSG:4548' }), { crs: 'EPSG:4548' }],
  ] as const) {
    const res = await upload(name, bytes, extra)
    assert.equal(res.statusCode, 201, `${name}: ${res.body}`)
    const items = res.json().items as { name: string; areaM2: number }[]
    assert.deepEqual(items.map((z) => z.name), ['东片', '西片'], name)
    items.forEach((z, i) => assert.ok(Math.abs(z.areaM2 - areas[i]!) < 0.5, `${name} ${z.name}: ${z.areaM2} m², drawn ${areas[i]} m²`))
  }
  const before = await zoneCount()
  const noCrs = await upload('片区.csv', await writeCsvWkt(shapes, { layerName: '片区', crs: 'EPSG:4548' }))
  assert.equal(noCrs.statusCode, 400)
  assert.equal(noCrs.json().field, 'crs')
  assert.equal(await zoneCount(), before, 'nothing saved')
})

test('bad drawings and bad fields are refused and nothing is saved', async () => {
  const before = await zoneCount()
  const base = { name: '坏', zoneType: 'rectification_area' }
  const { lon, lat } = village
  for (const [body, status, field, detail] of [
    [{ ...base, geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.001, lat + 0.001], [lon + 0.001, lat], [lon, lat + 0.001], [lon, lat]]] } }, 422, 'geometry', /Self-intersection/],
    [{ ...base, geometry: { type: 'Polygon', coordinates: [] } }, 422, 'geometry', /empty/],
    [{ ...base, geometry: { type: 'Point', coordinates: [lon, lat] } }, 422, 'geometry', /Polygon or MultiPolygon/],
    [{ ...base, geometry: square(100, 30) }, 422, 'geometry', /outside the district/],
    [{ ...base, geometry: square(lon, lat), periodStart: '2026-05-01', periodEnd: '2026-04-01' }, 400, 'periodEnd', /before periodStart/],
    [{ ...base, fromVillages: ['110111999999'] }, 400, 'fromVillages', /no village 110111999999/],
    [{ ...base, fromParcels: [999999999] }, 400, 'fromParcels', /no parcel/],
    [{ ...base, geometry: square(lon, lat), fromVillages: [village.code] }, 400, 'geometry', /exactly one/],
    [{ ...base, name: '   ', geometry: square(lon, lat) }, 400, 'name', /./],
    [{ ...base, zoneType: 'park', geometry: square(lon, lat) }, 400, 'zoneType', /./],
    [{ ...base, targets: { demolishedArea: -1 }, geometry: square(lon, lat) }, 400, 'targets', /./],
  ] as const) {
    const res = await send('POST', '/api/zones', body)
    assert.equal(res.statusCode, status, `${JSON.stringify(body).slice(0, 120)}: ${res.body}`)
    assert.equal(res.json().field, field)
    assert.match(res.json().detail, detail)
  }
  assert.equal(await zoneCount(), before)
})

test('scope and roles: a town planner draws only in the town, a village viewer sees only its zones, analysts cannot write', async () => {
  const other = (await t.db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM admin_units WHERE level = 'town' AND code <> $1 ORDER BY code LIMIT 1`,
    [village.town])).rows[0]!
  const townPlanner = await t.signIn('planner', village.town)
  const outside = await send('POST', '/api/zones', { name: '越界', zoneType: 'other', geometry: square(other.lon, other.lat, 0.0005) }, {}, townPlanner)
  assert.equal(outside.statusCode, 422, outside.body)
  assert.match(outside.json().detail, /outside your area/)
  const mine = await send('POST', '/api/zones', { name: '本镇', zoneType: 'other', geometry: square(village.lon, village.lat, 0.0005) }, {}, townPlanner)
  assert.equal(mine.statusCode, 201, mine.body)
  const analyst = await t.signIn('analyst')
  assert.equal((await send('POST', '/api/zones', { name: 'x', zoneType: 'other', geometry: square(village.lon, village.lat) }, {}, analyst)).statusCode, 403)
  const otherVillage = (await t.db.query<{ code: string }>(`SELECT code FROM admin_units WHERE level = 'village' AND code <> $1 ORDER BY code LIMIT 1`, [village.code])).rows[0]!.code
  const viewer = await t.signIn('viewer', otherVillage)
  assert.equal((await t.app.inject({ url: `/api/zones/${mine.json().id}`, headers: { cookie: viewer } })).statusCode, 404)
  assert.equal((await t.app.inject({ url: `/api/zones/${mine.json().id}/history`, headers: { cookie: viewer } })).statusCode, 404)
  const list = (await t.app.inject({ url: '/api/zones?geometry=false', headers: { cookie: viewer } })).json().items
  assert.ok(list.every((z: { adminCode: string }) => z.adminCode.startsWith(otherVillage)))
})
