// OGC API Features over the sample district: every count and coordinate is checked against
// PostGIS directly on the same database.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let cookie: string
beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('analyst')
})
afterAll(() => t.close())

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers: { cookie, ...headers } })
const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params)).rows[0]!.n

test('landing page and conformance point to the data, the API and CQL2', async () => {
  const landing = (await get('/ogc')).json()
  const rels = landing.links.map((l: { rel: string }) => l.rel)
  for (const rel of ['self', 'service-desc', 'conformance', 'data']) assert.ok(rels.includes(rel), rel)
  const conf = (await get('/ogc/conformance')).json().conformsTo
  assert.ok(conf.includes('http://www.opengis.net/spec/cql2/1.0/conf/cql2-text'))
  assert.ok(conf.includes('http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs'))
})

test('every published layer is a collection with an extent and the four CRSs', async () => {
  const body = (await get('/ogc/collections')).json()
  const ids = body.collections.map((c: { id: string }) => c.id)
  assert.deepEqual(ids, ['admin-units', 'parcels', 'buildings', 'roads', 'waters', 'reference-areas', 'cases', 'detections', 'zones', 'buffer-zones'])
  const cases = body.collections.find((c: { id: string }) => c.id === 'cases')
  assert.equal(cases.crs.length, 4)
  const [w, s, e, n] = cases.extent.spatial.bbox[0]
  assert.ok(w > 115 && e < 117 && s > 39 && n < 40.5, 'cases lie in Fangshan')
  assert.match(cases.extent.temporal.interval[0][0], /^\d{4}-\d{2}-\d{2}T/)
})

test('paging: following next links returns every case exactly once', async () => {
  const total = await count('SELECT count(*) AS n FROM cases')
  const seen = new Set<number>()
  let url: string | undefined = '/ogc/collections/cases/items?limit=70'
  let pages = 0
  while (url) {
    const res = await get(url)
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^application\/geo\+json/)
    const page = res.json()
    assert.equal(page.numberMatched, total)
    for (const f of page.features) {
      assert.ok(!seen.has(f.id), `case ${f.id} twice`)
      seen.add(f.id)
    }
    const next = page.links.find((l: { rel: string }) => l.rel === 'next')
    url = next ? new URL(next.href).pathname + new URL(next.href).search : undefined
    pages++
  }
  assert.equal(seen.size, total)
  assert.equal(pages, Math.ceil(total / 70))
})

test('bbox, property equality, datetime and CQL2 select what PostGIS selects', async () => {
  const bbox = [116.0, 39.6, 116.25, 39.8]
  const checks: [string, number][] = [
    [`bbox=${bbox.join(',')}`, await count('SELECT count(*) AS n FROM cases WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))', bbox)],
    ['status=closed', await count("SELECT count(*) AS n FROM cases WHERE status = 'closed'")],
    ['use=storage&source=satellite', await count("SELECT count(*) AS n FROM cases WHERE use = 'storage' AND source = 'satellite'")],
    ['datetime=2025-01-01/2025-12-31', await count("SELECT count(*) AS n FROM cases WHERE found_at >= '2025-01-01T00:00:00Z' AND found_at <= '2025-12-31T23:59:59.999Z'")],
    ['datetime=../2024-06-30', await count("SELECT count(*) AS n FROM cases WHERE found_at <= '2024-06-30T23:59:59.999Z'")],
    [`filter=${encodeURIComponent("status IN ('closed','accepted') AND floors >= 2")}`, await count("SELECT count(*) AS n FROM cases WHERE status IN ('closed', 'accepted') AND floors >= 2")],
    [`filter=${encodeURIComponent("case_no LIKE '110111008%' OR NOT (use = 'residential')")}`, await count("SELECT count(*) AS n FROM cases WHERE case_no LIKE '110111008%' OR NOT (use = 'residential')")],
    [`filter=${encodeURIComponent('S_INTERSECTS(geometry, POLYGON((116 39.6, 116.25 39.6, 116.25 39.8, 116 39.6)))')}`,
      await count("SELECT count(*) AS n FROM cases WHERE ST_Intersects(geom, 'SRID=4326;POLYGON((116 39.6, 116.25 39.6, 116.25 39.8, 116 39.6))'::geometry)")],
    [`filter=${encodeURIComponent("found_at > TIMESTAMP('2025-06-01T00:00:00Z') AND deadline IS NOT NULL")}`,
      await count("SELECT count(*) AS n FROM cases WHERE found_at > '2025-06-01T00:00:00Z' AND deadline IS NOT NULL")],
  ]
  for (const [query, expected] of checks) {
    const res = await get(`/ogc/collections/cases/items?limit=1&${query}`)
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`)
    assert.equal(res.json().numberMatched, expected, query)
  }
  assert.ok(checks.every(([, n]) => n >= 0) && checks.some(([, n]) => n > 0))
})

test('crs: EPSG:4548 answers in Gauss-Krüger metres, northing first; EPSG:4326 lat/lon', async () => {
  const { rows } = await t.db.query<{ id: number; x: number; y: number; gx: number; gy: number }>(
    `SELECT id, ST_X(p) AS x, ST_Y(p) AS y, ST_X(ST_Transform(p, 4548)) AS gx, ST_Y(ST_Transform(p, 4548)) AS gy
     FROM (SELECT id, geom AS p FROM cases WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1) q`,
  )
  const c = rows[0]!
  const gk = await get(`/ogc/collections/cases/items/${c.id}?crs=http://www.opengis.net/def/crs/EPSG/0/4548`)
  assert.equal(gk.headers['content-crs'], '<http://www.opengis.net/def/crs/EPSG/0/4548>')
  const [north, east] = gk.json().geometry.coordinates
  assert.ok(Math.abs(north - c.gy) < 0.01 && Math.abs(east - c.gx) < 0.01, `got ${north},${east}`)
  assert.ok(east > 300_000 && east < 600_000 && north > 4_300_000, 'a plausible zone-39-less GK coordinate near 117E')
  const latlon = (await get(`/ogc/collections/cases/items/${c.id}?crs=EPSG:4326`)).json().geometry.coordinates
  assert.ok(Math.abs(latlon[0] - c.y) < 1e-7 && Math.abs(latlon[1] - c.x) < 1e-7)
  const crs84 = (await get(`/ogc/collections/cases/items/${c.id}`)).json().geometry.coordinates
  assert.ok(Math.abs(crs84[0] - c.x) < 1e-7 && Math.abs(crs84[1] - c.y) < 1e-7)
})

test('bbox-crs: a box in Gauss-Krüger metres selects the same cases as in degrees', async () => {
  const { rows } = await t.db.query<{ x1: number; y1: number; x2: number; y2: number }>(
    `SELECT ST_XMin(b) AS x1, ST_YMin(b) AS y1, ST_XMax(b) AS x2, ST_YMax(b) AS y2
     FROM (SELECT ST_Transform(ST_MakeEnvelope(116.0, 39.6, 116.25, 39.8, 4326), 4548) AS b) q`,
  )
  const b = rows[0]!
  // 4548 is northing-first: miny(northing), minx(easting), ...
  const res = await get(`/ogc/collections/cases/items?limit=1&bbox-crs=EPSG:4548&bbox=${[b.y1, b.x1, b.y2, b.x2].join(',')}`)
  assert.equal(res.statusCode, 200, res.body)
  const expected = await count(
    'SELECT count(*) AS n FROM cases WHERE ST_Intersects(geom, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4548), 4326))',
    [b.x1, b.y1, b.x2, b.y2],
  )
  assert.equal(res.json().numberMatched, expected)
})

test('properties carry labels-ready values and no personal data', async () => {
  const f = (await get('/ogc/collections/cases/items?limit=1')).json().features[0]
  assert.ok('case_no' in f.properties && 'status' in f.properties && 'land_area_computed_m2' in f.properties)
  assert.ok(!('parties' in f.properties), 'parties are personal data')
  assert.match(f.properties.found_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
})

test('a village-scoped user gets only that village, and 404 for a case elsewhere', async () => {
  const { rows } = await t.db.query<{ admin_code: string }>('SELECT admin_code FROM cases GROUP BY admin_code ORDER BY count(*) DESC, admin_code LIMIT 1')
  const village = rows[0]!.admin_code
  const fieldCookie = await t.signIn('field', village)
  const mine = (await get('/ogc/collections/cases/items?limit=1000', { cookie: fieldCookie })).json()
  assert.equal(mine.numberMatched, await count('SELECT count(*) AS n FROM cases WHERE admin_code = $1', [village]))
  assert.ok(mine.features.every((f: { properties: { admin_code: string } }) => f.properties.admin_code === village))
  const other = await t.db.query<{ id: number }>('SELECT id FROM cases WHERE admin_code <> $1 ORDER BY id LIMIT 1', [village])
  const res = await get(`/ogc/collections/cases/items/${other.rows[0]!.id}`, { cookie: fieldCookie })
  assert.equal(res.statusCode, 404)
})

test('queryables describe the filterable properties with types and code lists', async () => {
  const res = await get('/ogc/collections/cases/queryables')
  assert.match(res.headers['content-type'] as string, /^application\/schema\+json/)
  const q = res.json()
  assert.equal(q.properties.status.type, 'string')
  assert.ok(q.properties.status.enum.includes('order_issued'))
  assert.equal(q.properties.found_at.format, 'date-time')
  assert.equal(q.properties.status.title, '状态')
})

test('HTML representation for people, with values escaped', async () => {
  await t.db.query(`UPDATE cases SET location_text = '<script>alert(1)</script>' WHERE id = (SELECT min(id) FROM cases)`)
  const res = await get('/ogc/collections/cases/items?limit=5', { accept: 'text/html' })
  assert.match(res.headers['content-type'] as string, /text\/html/)
  assert.match(res.body, /违法建设台账/)
  assert.doesNotMatch(res.body, /<script>alert/)
  assert.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
})

test('bad parameters are 400 problems that say what to fix', async () => {
  const bad: [string, RegExp][] = [
    ['bbox=116,39,115,40', /bbox 116,39,115,40 is inverted/],
    ['bbox=116,39,NaN,40', /bbox: 'NaN' is not a number/],
    ['bbox=200,39,201,40', /outside the range/],
    ['bbox=1,2,3', /bbox takes 4 comma-separated numbers; got 3/],
    ['limit=0', /limit=0: expected a whole number from 1 to 10000/],
    ['limit=-5', /limit=-5/],
    ['limit=10001', /limit=10001/],
    ['offset=-1', /offset=-1/],
    ['colour=red', /unknown parameter colour/],
    ['status=lost', /status=lost: expected one of identified/],
    ['floors=two', /floors=two: expected a whole number/],
    ['crs=EPSG:3857', /crs=EPSG:3857 is not supported/],
    ['datetime=2026-02-30x', /datetime: '2026-02-30x' is not an RFC 3339/],
    ['datetime=2026-05-01/2026-01-01', /the start is after the end/],
    [`filter=${encodeURIComponent("status = 'closed")}`, /filter: unterminated string/],
    [`filter=${encodeURIComponent("colour = 'red'")}`, /unknown property colour in collection cases/],
    [`filter=${encodeURIComponent("floors = 'two'")}`, /property floors is a integer; it cannot be compared with a string/],
    ['filter-lang=cql2-json&filter=x', /filter-lang=cql2-json is not supported/],
    ['f=xml', /f=xml is not offered/],
  ]
  for (const [query, message] of bad) {
    const res = await get(`/ogc/collections/cases/items?${query}`)
    assert.equal(res.statusCode, 400, query)
    assert.match(res.headers['content-type'] as string, /problem\+json/)
    assert.match(res.json().detail, message, query)
  }
  const roads = await get('/ogc/collections/roads/items?datetime=2026-01-01')
  assert.equal(roads.statusCode, 400)
  assert.match(roads.json().detail, /collection roads has no dates/)
})

test('unknown collections and items are 404', async () => {
  assert.equal((await get('/ogc/collections/nope/items')).statusCode, 404)
  assert.equal((await get('/ogc/collections/cases/items/99999999')).statusCode, 404)
  assert.equal((await get('/ogc/collections/cases/items/not-a-number')).statusCode, 404)
  assert.equal((await get('/ogc/collections/admin-units/items/110111008')).json().properties.name, '良乡地区')
})
