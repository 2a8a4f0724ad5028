// The same 1,000 patches imported from every format and CRS come out the same: geometries within
// 0.1 m, attributes equal, Chinese names kept (GBK Shapefile without .cpg included).
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import type { Feature, MultiPolygon } from 'geojson'
import { testApp, type TestApp } from '../helpers/app.ts'
import { canonicalPatches, CHANGE_KEYS, everyFormat, multipartBody, type FormatCase } from '../fixtures/patches/canonical.ts'

let t: TestApp
let cookie: string
let patches: Feature<MultiPolygon>[]
let cases: FormatCase[]

beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('planner')
  patches = await canonicalPatches(t.db, 1000)
  await t.db.exec(`CREATE TABLE canonical_patches (patch_no text PRIMARY KEY, geom geometry(MultiPolygon, 4326))`)
  for (let i = 0; i < patches.length; i += 250) {
    const slice = patches.slice(i, i + 250)
    await t.db.query('INSERT INTO canonical_patches SELECT p, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) FROM unnest($1::text[], $2::text[]) t(p, g)', [
      slice.map((f) => String(f.properties!['图斑编号'])),
      slice.map((f) => JSON.stringify(f.geometry)),
    ])
  }
  cases = await everyFormat(patches)
})
afterAll(() => t.close())

async function upload(c: FormatCase) {
  const { payload, headers } = multipartBody(c.crs ? { crs: c.crs } : {}, { name: c.fileName, bytes: c.bytes })
  return t.app.inject({ method: 'POST', url: '/api/detection-imports', payload, headers: { ...headers, cookie } })
}

let batchNo = 0
test('every format and CRS imports the same 1,000 patches: geometry within 0.1 m, same attributes', async () => {
  for (const c of cases) {
    const res = await upload(c)
    assert.equal(res.statusCode, 201, `${c.name}: ${res.body.slice(0, 500)}`)
    const imp = res.json()
    assert.equal(imp.state, 'staged', `${c.name}: ${JSON.stringify(imp.error)}`)
    assert.equal(imp.format, c.expect.format, c.name)
    assert.equal(imp.crs?.code, c.expect.crs, c.name)
    assert.equal(imp.crs?.source, c.expect.crsSource, c.name)
    if (c.expect.encoding !== undefined) assert.equal(imp.encoding, c.expect.encoding, c.name)
    assert.equal(imp.featureCount, 1000, c.name)
    assert.equal(imp.problemCount, 0, `${c.name}: ${JSON.stringify(imp.problems.slice(0, 3))}`)
    assert.deepEqual(imp.warnings, [], c.name)
    // dBase keeps 10 bytes of a field name: 图斑编号 (12 bytes in UTF-8) arrives as 图斑编, and is still recognised
    const cut = c.expect.format === 'shapefile'
    assert.deepEqual(imp.mapping, { patchNo: cut ? '图斑编' : '图斑编号', beforeDate: '前时相', afterDate: '后时相', changeType: cut ? '变化类' : '变化类型', area: '面积', confidence: '置信度' }, c.name)
    const [w, s, e, n] = imp.bounds as number[]
    assert.ok(w! > 115.4 && e! < 116.4 && s! > 39.4 && n! < 40.0, `${c.name}: bounds ${imp.bounds}`)

    const commit = await t.app.inject({
      method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie },
      payload: { batch: { name: `2026年第3季度卫片 ${++batchNo}`, issuer: 'ministry', beforeDate: '2026-03-15', afterDate: '2026-09-20' } },
    })
    assert.equal(commit.statusCode, 201, `${c.name}: ${commit.body.slice(0, 500)}`)
    const { batchId, imported, skipped, screened } = commit.json()
    assert.deepEqual({ imported, skipped, screened }, { imported: 1000, skipped: 0, screened: 1000 }, c.name)

    const cmp = await t.db.query<{ n: number; worst_m: number; missing: number }>(
      `SELECT count(*)::int AS n,
         max(ST_HausdorffDistance(d.geom, c.geom)) * 111320 AS worst_m,
         count(*) FILTER (WHERE c.patch_no IS NULL)::int AS missing
       FROM detections d LEFT JOIN canonical_patches c ON c.patch_no = d.patch_no WHERE d.batch_id = $1`,
      [batchId],
    )
    assert.equal(cmp.rows[0]!.n, 1000, c.name)
    assert.equal(cmp.rows[0]!.missing, 0, c.name)
    assert.ok(cmp.rows[0]!.worst_m < 0.1, `${c.name}: worst vertex ${cmp.rows[0]!.worst_m} m`)

    const rows = await t.db.query<{ patch_no: string; change_type: string; recorded_area_m2: number; confidence: number; village: string; note: string | null; batch: { source_format: string; source_crs: string } }>(
      `SELECT d.patch_no, d.change_type, d.recorded_area_m2, d.confidence, d.source_attributes ->> '所在村' AS village,
         nullif(d.source_attributes ->> '备注', '') AS note, json_build_object('source_format', b.source_format, 'source_crs', b.source_crs) AS batch
       FROM detections d JOIN detection_batches b ON b.id = d.batch_id WHERE d.batch_id = $1 ORDER BY d.patch_no`,
      [batchId],
    )
    rows.rows.forEach((r, i) => {
      const p = patches[i]!.properties!
      assert.equal(r.patch_no, p['图斑编号'], c.name)
      assert.equal(r.change_type, CHANGE_KEYS[i % 4], `${c.name} ${r.patch_no}`)
      assert.equal(r.recorded_area_m2, p['面积'], `${c.name} ${r.patch_no}`)
      assert.equal(r.confidence, p['置信度'], `${c.name} ${r.patch_no}`)
      assert.equal(r.village, p['所在村'], `${c.name} ${r.patch_no}: Chinese names kept`)
      assert.equal(r.note, p['备注'], `${c.name} ${r.patch_no}`)
    })
    assert.deepEqual(rows.rows[0]!.batch, { source_format: c.expect.format, source_crs: c.expect.crs }, c.name)
  }
})

test('a large file is read in the background: 202, progress while reading, staged when done', async () => {
  const many: Feature[] = []
  for (let k = 0; k < 6; k++) {
    for (const f of patches) many.push({ ...f, properties: { ...f.properties, 图斑编号: `BG-${k}-${String(f.properties!['图斑编号'])}` } })
  }
  const bytes = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: many }))
  assert.ok(bytes.length > 2 * 1024 * 1024, `${bytes.length} bytes`)
  const res = await upload({ name: 'big', fileName: 'big.geojson', bytes, expect: { format: 'geojson', crs: 'EPSG:4326', crsSource: 'geojson' } })
  assert.equal(res.statusCode, 202, res.body)
  assert.equal(res.json().state, 'reading')
  const busy = await t.app.inject({ method: 'PATCH', url: `/api/detection-imports/${res.json().id}`, headers: { cookie }, payload: { repair: true } })
  assert.equal(busy.statusCode, 409)
  let last = res.json()
  assert.equal(last.progress.phase, 'reading')
  const seen = new Set<number>()
  const phases: string[] = [last.progress.phase]
  // polled often: on the real server 6,000 features are read in a fraction of a second
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && last.state === 'reading'; ) {
    await new Promise((r) => setTimeout(r, 5))
    last = (await t.app.inject({ method: 'GET', url: `/api/detection-imports/${res.json().id}`, headers: { cookie } })).json()
    seen.add(last.progress.done)
    if (last.state === 'reading' && phases.at(-1) !== last.progress.phase) phases.push(last.progress.phase)
    // checking starts once every feature is read, and says how many it checks
    if (last.progress.phase === 'checking') assert.deepEqual(last.progress, { phase: 'checking', done: 6000, total: 6000 })
  }
  assert.equal(last.state, 'staged')
  assert.equal(last.featureCount, 6000)
  assert.deepEqual(last.progress, { phase: null, done: 6000, total: 6000 })
  assert.ok([...seen].some((d) => d > 0 && d < 6000), `progress seen: ${[...seen].sort((a, b) => a - b).join(',')}`)
  // the checks in PostGIS (validity, placement, mapping, the GCJ-02 control) are polled too
  assert.deepEqual(phases, ['reading', 'checking'])
  assert.equal(last.problemCount, 0)
})
