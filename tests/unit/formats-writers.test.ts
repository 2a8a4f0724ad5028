// The writers other parts of the app export with: what they write reads back as written.
import assert from 'node:assert/strict'
import { test } from 'vitest'
import type { Feature, Polygon } from 'geojson'
import wkx from 'wkx'
import { parseCrs, toLonLat } from '../../server/src/imports/formats/crs.ts'
import { writeGeoPackage } from '../../server/src/imports/formats/gpkg.writer.ts'
import { loadSqlJs } from '../../server/src/imports/formats/sqlite.ts'

const square: Feature<Polygon> = {
  type: 'Feature',
  properties: { 图斑编号: 'FS-0001', 面积: 812.5, 层数: 2, 已核查: true, 备注: null },
  geometry: { type: 'Polygon', coordinates: [[[116.1, 39.7], [116.1004, 39.7], [116.1004, 39.7003], [116.1, 39.7003], [116.1, 39.7]]] },
}

test('writeGeoPackage writes a GeoPackage 1.3 feature table in the CRS asked for, with GP binary geometries', async () => {
  const bytes = await writeGeoPackage([square], { layerName: '卫片图斑', crs: 'EPSG:4527' })
  const SQL = await loadSqlJs()
  const db = new SQL.Database(bytes)
  try {
    assert.equal(db.exec('PRAGMA application_id')[0]!.values[0]![0], 0x47504b47)
    assert.deepEqual(db.exec("SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = '卫片图斑'")[0]!.values, [['features', 4527]])
    assert.deepEqual(db.exec('SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns')[0]!.values, [['geom', 'POLYGON', 4527]])
    const srs = db.exec('SELECT srs_id, organization FROM gpkg_spatial_ref_sys ORDER BY srs_id')[0]!.values
    assert.deepEqual(srs, [[-1, 'NONE'], [0, 'NONE'], [4326, 'EPSG'], [4527, 'EPSG']])
    const row = db.exec('SELECT geom, "图斑编号", "面积", "层数", "已核查", "备注" FROM "卫片图斑"')[0]!.values[0]!
    assert.deepEqual(row.slice(1), ['FS-0001', 812.5, 2, 1, null])
    const blob = Buffer.from(row[0] as Uint8Array)
    assert.equal(blob.toString('ascii', 0, 2), 'GP')
    assert.equal(blob.readInt32LE(4), 4527)
    const envelope = [8, 16, 24, 32].map((o) => blob.readDoubleLE(o))
    const geometry = wkx.Geometry.parse(blob.subarray(40)).toGeoJSON() as Polygon
    const back = toLonLat(parseCrs('EPSG:4527')!)
    const ring = geometry.coordinates[0]!
    ring.forEach((p, i) => {
      const [lon, lat] = back(p[0]!, p[1]!)
      assert.ok(Math.abs(lon - square.geometry.coordinates[0]![i]![0]!) < 1e-8 && Math.abs(lat - square.geometry.coordinates[0]![i]![1]!) < 1e-8)
    })
    // Gauss-Krüger zone 39 with the zone prefix: eastings start with 39
    assert.ok(envelope[0]! > 39_400_000 && envelope[1]! < 39_500_000, `envelope ${envelope}`)
  } finally {
    db.close()
  }
})
