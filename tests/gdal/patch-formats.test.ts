// The writers' files open in GDAL (Debian's gdal-bin) with the features, CRS and Chinese attributes
// they were given: GeoPackage, zipped Shapefile, KML, CSV with WKT and GeoJSON.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, test } from 'vitest'
import type { Feature } from 'geojson'
import { writeCsvWkt, writeGeoJson, writeGeoPackage, writeKml, writeShapefileZip } from '../../server/src/imports/formats/writers.ts'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaiwei-gdal-patches-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// 25 squares around 房山 with a hole in every fifth, Chinese text and numbers
const features: Feature[] = Array.from({ length: 25 }, (_, i) => {
  const x = 116.0 + (i % 5) * 0.01
  const y = 39.7 + Math.floor(i / 5) * 0.01
  const outer = [[x, y], [x + 0.002, y], [x + 0.002, y + 0.002], [x, y + 0.002], [x, y]]
  const hole = [[x + 0.0005, y + 0.0005], [x + 0.0005, y + 0.001], [x + 0.001, y + 0.001], [x + 0.001, y + 0.0005], [x + 0.0005, y + 0.0005]]
  return {
    type: 'Feature',
    properties: { 图斑编号: `FS-${i + 1}`, 村: '窦店村', 面积: 400 + i, 层数: i % 3 },
    geometry: { type: 'Polygon', coordinates: i % 5 === 0 ? [outer, hole] : [outer] },
  }
})

function ogrinfo(path: string, extra: string[] = []): string {
  return execFileSync('ogrinfo', ['-ro', '-al', '-so', ...extra, path], { encoding: 'utf8' })
}

function save(name: string, bytes: Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

test('GeoPackage in Gauss-Krüger zone 39: layer, count, CRS and fields as written', async () => {
  const out = ogrinfo(save('p.gpkg', await writeGeoPackage(features, { layerName: '卫片图斑', crs: 'EPSG:4527' })))
  assert.match(out, /Layer name: 卫片图斑/)
  assert.match(out, /Feature Count: 25/)
  assert.match(out, /ID\["EPSG",4527\]\]\s*$/m)
  assert.match(out, /图斑编号: String/)
  assert.match(out, /面积: Integer64/)
  assert.match(out, /Extent: \(39\d{6}\.\d+, 4\d{6}\.\d+\)/)
  // a stricter read: GDAL's GeoPackage validator-level checks in ogrinfo emit warnings on bad blobs
  const full = execFileSync('ogrinfo', ['-ro', '-al', join(dir, 'p.gpkg')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  assert.match(full, /图斑编号 \(String\) = FS-1\n/)
  assert.equal((full.match(/POLYGON \(\(/g) ?? []).length, 25)
})

test('zipped Shapefile: .prj read as CGCS2000 CM 117E, UTF-8 attributes via .cpg, holes kept', async () => {
  const path = save('p.zip', await writeShapefileZip(features, { layerName: 'patches', crs: 'EPSG:4548' }))
  const out = ogrinfo(`/vsizip/${path}`)
  assert.match(out, /Feature Count: 25/)
  assert.match(out, /CGCS2000 \/ 3-degree Gauss-Kruger CM 117E/)
  const full = execFileSync('ogrinfo', ['-ro', '-al', `/vsizip/${path}`], { encoding: 'utf8' })
  assert.match(full, /村 \(String\) = 窦店村/)
  assert.equal((full.match(/\),\(/g) ?? []).length, 5, 'five polygons with a hole')
})

test('KML and CSV (WKT) and GeoJSON open with all features', async () => {
  assert.match(ogrinfo(save('p.kml', await writeKml(features, { layerName: 'patches' }))), /Feature Count: 25/)
  assert.match(ogrinfo(save('p.csv', await writeCsvWkt(features, { layerName: 'patches' })), ['-oo', 'GEOM_POSSIBLE_NAMES=wkt']), /Feature Count: 25/)
  const gj = ogrinfo(save('p.geojson', await writeGeoJson(features, { layerName: 'patches', crs: 'EPSG:4548' })))
  assert.match(gj, /Feature Count: 25/)
  assert.match(gj, /CM 117E/)
})
