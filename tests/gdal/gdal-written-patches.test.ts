// Patch files as GDAL (Debian's gdal-bin) writes them, not as our own writers do, import to the
// same geometries (within 0.1 m) and attributes: a GBK Shapefile in Gauss-Krüger with and
// without its .cpg, a GeoPackage in the zone-prefixed Gauss-Krüger CRS, and KML.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, test } from 'vitest'
import { zipSync } from 'fflate'
import type { Feature, MultiPolygon } from 'geojson'
import { writeGeoJson } from '../../server/src/imports/formats/writers.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { canonicalPatches, multipartBody } from '../fixtures/patches/canonical.ts'

const N = 200
let t: TestApp
let cookie: string
let dir: string
let source: string
let patches: Feature<MultiPolygon>[]

beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('planner')
  dir = mkdtempSync(join(tmpdir(), 'chaiwei-gdal-written-'))
  patches = await canonicalPatches(t.db, N)
  source = join(dir, 'source.geojson')
  writeFileSync(source, await writeGeoJson(patches, { layerName: 'source' }))
  await t.db.exec(`CREATE TABLE canonical_patches (patch_no text PRIMARY KEY, geom geometry(MultiPolygon, 4326))`)
  await t.db.query('INSERT INTO canonical_patches SELECT p, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) FROM unnest($1::text[], $2::text[]) t(p, g)', [
    patches.map((f) => String(f.properties!['图斑编号'])),
    patches.map((f) => JSON.stringify(f.geometry)),
  ])
})
afterAll(async () => {
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

const ogr2ogr = (args: string[]) => execFileSync('ogr2ogr', args, { encoding: 'utf8' })

/** A Shapefile folder zipped flat; `dropCpg` leaves the .cpg out, as many Chinese tools do. */
function zipFolder(folder: string, dropCpg: boolean): Buffer {
  const files: Record<string, Uint8Array> = {}
  for (const f of readdirSync(folder)) if (!(dropCpg && f.endsWith('.cpg'))) files[f] = readFileSync(join(folder, f))
  return Buffer.from(zipSync(files))
}

let batchNo = 0

/** Uploads, checks what was read, commits, and compares every patch with the original in PostGIS. */
async function importAndCompare(name: string, fileName: string, bytes: Buffer, expect: { format: string; crs: string; encoding?: string }) {
  const { payload, headers } = multipartBody({}, { name: fileName, bytes })
  const res = await t.app.inject({ method: 'POST', url: '/api/detection-imports', payload, headers: { ...headers, cookie } })
  assert.equal(res.statusCode, 201, `${name}: ${res.body.slice(0, 400)}`)
  const imp = res.json()
  assert.equal(imp.state, 'staged', `${name}: ${JSON.stringify(imp.error)}`)
  assert.equal(imp.format, expect.format, name)
  assert.equal(imp.crs?.code, expect.crs, name)
  if (expect.encoding) assert.equal(imp.encoding, expect.encoding, name)
  assert.equal(imp.featureCount, N, name)
  assert.equal(imp.problemCount, 0, `${name}: ${JSON.stringify(imp.problems.slice(0, 3))}`)
  assert.equal(imp.mapping.patchNo, '图斑编号', `${name}: ${JSON.stringify(imp.mapping)}`)
  const commit = await t.app.inject({
    method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie },
    payload: { batch: { name: `GDAL ${++batchNo}`, issuer: 'province', beforeDate: '2026-03-15', afterDate: '2026-09-20' } },
  })
  assert.equal(commit.statusCode, 201, `${name}: ${commit.body.slice(0, 400)}`)
  const cmp = await t.db.query<{ n: number; worst_m: number; missing: number; villages_differ: number }>(
    `SELECT count(*)::int AS n,
       max(ST_HausdorffDistance(ST_Transform(d.geom, 4548), ST_Transform(c.geom, 4548))) AS worst_m,
       count(*) FILTER (WHERE c.patch_no IS NULL)::int AS missing,
       count(*) FILTER (WHERE d.source_attributes ->> '所在村' IS DISTINCT FROM v.village)::int AS villages_differ
     FROM detections d
     LEFT JOIN canonical_patches c ON c.patch_no = d.patch_no
     LEFT JOIN (SELECT * FROM unnest($2::text[], $3::text[]) x(patch_no, village)) v ON v.patch_no = d.patch_no
     WHERE d.batch_id = $1`,
    [commit.json().batchId, patches.map((f) => String(f.properties!['图斑编号'])), patches.map((f) => String(f.properties!['所在村']))],
  )
  const r = cmp.rows[0]!
  assert.equal(r.n, N, name)
  assert.equal(r.missing, 0, name)
  assert.ok(r.worst_m < 0.1, `${name}: worst vertex ${r.worst_m} m`)
  assert.equal(r.villages_differ, 0, `${name}: Chinese village names kept`)
}

test('a GBK Shapefile that GDAL wrote in Gauss-Krüger (CM 117E) imports the same patches, with and without its .cpg', async () => {
  const folder = join(dir, 'shp')
  mkdirSync(folder)
  ogr2ogr(['-f', 'ESRI Shapefile', folder, source, '-nln', 'patches', '-t_srs', 'EPSG:4548', '-lco', 'ENCODING=GBK'])
  assert.ok(readdirSync(folder).some((f) => f.endsWith('.cpg')), 'GDAL writes a .cpg')
  await importAndCompare('GDAL Shapefile GBK + .cpg', 'gdal.zip', zipFolder(folder, false), { format: 'shapefile', crs: 'EPSG:4548', encoding: 'GBK' })
  await importAndCompare('GDAL Shapefile GBK, no .cpg', 'gdal-nocpg.zip', zipFolder(folder, true), { format: 'shapefile', crs: 'EPSG:4548', encoding: 'GBK' })
})

test('a GeoPackage that GDAL wrote in the zone-prefixed Gauss-Krüger CRS (EPSG:4527) imports the same patches', async () => {
  const file = join(dir, 'gdal.gpkg')
  ogr2ogr(['-f', 'GPKG', file, source, '-nln', 'patches', '-t_srs', 'EPSG:4527'])
  await importAndCompare('GDAL GeoPackage 4527', 'gdal.gpkg', readFileSync(file), { format: 'gpkg', crs: 'EPSG:4527' })
})

test('KML that GDAL wrote imports the same patches', async () => {
  const file = join(dir, 'gdal.kml')
  ogr2ogr(['-f', 'KML', file, source, '-nln', 'patches'])
  await importAndCompare('GDAL KML', 'gdal.kml', readFileSync(file), { format: 'kml', crs: 'EPSG:4326' })
})
