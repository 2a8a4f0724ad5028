// CRS recognition, zip safety, encoding detection and the mapping guess, without a database.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { zipSync } from 'fflate'
import { crsFromWkt, fromLonLat, parseCrs, toLonLat } from '../../server/src/imports/formats/crs.ts'
import { KML_CHUNK_BYTES } from '../../server/src/imports/formats/kml.reader.ts'
import { openLayer } from '../../server/src/imports/formats/open.ts'
import { FileRefused } from '../../server/src/imports/formats/reader.ts'
import { writeShapefileZip } from '../../server/src/imports/formats/writers.ts'
import { extractZip, ZipRefused } from '../../server/src/imports/formats/zip-safety.ts'
import { checkShape, guessMapping } from '../../server/src/imports/patch-import.ts'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaiwei-formats-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('CRS', () => {
  test('codes users type are recognised; others are refused, never guessed', () => {
    assert.equal(parseCrs('EPSG:4490')?.code, 'EPSG:4490')
    assert.equal(parseCrs('4548')?.code, 'EPSG:4548')
    assert.equal(parseCrs('urn:ogc:def:crs:EPSG::4527')?.code, 'EPSG:4527')
    assert.equal(parseCrs('urn:ogc:def:crs:OGC:1.3:CRS84')?.code, 'EPSG:4326')
    assert.equal(parseCrs('gcj02')?.code, 'GCJ-02')
    for (const bad of ['EPSG:3857', 'EPSG:2436', 'EPSG:4555', 'EPSG:4512', 'BD-09', '']) assert.equal(parseCrs(bad), null, bad)
  })

  test('ESRI .prj of a CGCS2000 zone with and without the zone prefix, geographic CGCS2000 and WGS84', () => {
    const gk = (fe: number, cm: number) =>
      `PROJCS["CGCS2000_3_Degree_GK",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",${fe}],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",${cm}],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
    assert.equal(crsFromWkt(gk(39500000, 117))?.code, 'EPSG:4527')
    assert.equal(crsFromWkt(gk(500000, 117))?.code, 'EPSG:4548')
    assert.equal(crsFromWkt(gk(500000, 75))?.code, 'EPSG:4534')
    assert.equal(crsFromWkt(gk(45500000, 135))?.code, 'EPSG:4533')
    assert.equal(crsFromWkt(gk(500000, 118)), null, 'not a 3-degree meridian')
    assert.equal(crsFromWkt(gk(400000, 117)), null, 'odd false easting')
    assert.equal(crsFromWkt('GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]')?.code, 'EPSG:4490')
    assert.equal(crsFromWkt('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]')?.code, 'EPSG:4326')
    const xian80 = 'PROJCS["Xian_1980_3_Degree_GK_CM_117E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    assert.equal(crsFromWkt(xian80), null, "Xi'an 1980 is not placed")
  })

  test('Gauss-Krüger round trips stay within a millimetre, GCJ-02 (iterative inverse) within a centimetre', () => {
    for (const code of ['EPSG:4527', 'EPSG:4548', 'GCJ-02']) {
      const crs = parseCrs(code)!
      const [x, y] = fromLonLat(crs)(116.0123456, 39.7345678)
      const [lon, lat] = toLonLat(crs)(x, y)
      const tolerance = code === 'GCJ-02' ? 0.01 : 0.001
      assert.ok(Math.abs(lon - 116.0123456) * 85_000 < tolerance && Math.abs(lat - 39.7345678) * 111_000 < tolerance, `${code}: ${lon} ${lat}`)
    }
    // Fangshan's GCJ-02 offset is a few hundred metres
    const [gx, gy] = fromLonLat(parseCrs('GCJ-02')!)(116.0, 39.7)
    const metres = Math.hypot((gx - 116.0) * 85_600, (gy - 39.7) * 111_000)
    assert.ok(metres > 300 && metres < 700, `${metres} m`)
  })
})

describe('zip safety', () => {
  const zip = (name: string, files: Record<string, Uint8Array>) => {
    const path = join(dir, name)
    writeFileSync(path, zipSync(files))
    return path
  }

  test('entries land flat in a new temp folder under our own names', async () => {
    const out = await extractZip(zip('ok.zip', { 'sub/dir/a.shp': new Uint8Array([1]), 'sub/dir/a.dbf': new Uint8Array([2]), 'readme.txt': new Uint8Array([3]) }), (n) => /\.(shp|dbf)$/.test(n))
    try {
      assert.deepEqual(out.entries.map((e) => e.name).sort(), ['sub/dir/a.dbf', 'sub/dir/a.shp'])
      assert.deepEqual(readdirSync(out.dir).sort(), ['0.shp', '1.dbf'])
      for (const e of out.entries) assert.ok(e.path.startsWith(out.dir))
    } finally {
      out.remove()
    }
    assert.equal(existsSync(out.dir), false)
  })

  test("'..' and absolute names are refused before anything is written", async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('chaiwei-zip-')).length
    for (const evil of ['../x.shp', 'a/../../x.shp', '/abs/x.shp', 'C:/x.shp']) {
      await assert.rejects(extractZip(zip('evil.zip', { [evil]: new Uint8Array([1]) }), () => true), (e: unknown) => e instanceof ZipRefused && e.code === 'zip_unsafe_path', evil)
    }
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('chaiwei-zip-')).length, before)
  })

  test('caps: entry count, declared total, compression ratio', async () => {
    const many: Record<string, Uint8Array> = {}
    for (let i = 0; i < 11; i++) many[`${i}.txt`] = new Uint8Array(1)
    await assert.rejects(extractZip(zip('many.zip', many), () => true, { entries: 10, totalBytes: 1e9, ratio: 200 }), (e: unknown) => (e as ZipRefused).code === 'zip_too_many_entries')
    await assert.rejects(extractZip(zip('big.zip', { 'a.shp': new Uint8Array(3000) }), () => true, { entries: 10, totalBytes: 2000, ratio: 1e9 }), (e: unknown) => (e as ZipRefused).code === 'zip_bomb')
    await assert.rejects(extractZip(zip('ratio.zip', { 'a.shp': new Uint8Array(4 * 1024 * 1024) }), () => true), (e: unknown) => (e as ZipRefused).code === 'zip_bomb')
  })
})

describe('reading', () => {
  test('a Shapefile .dbf without .cpg: UTF-8 bytes read as UTF-8, the user can override the encoding', async () => {
    const path = join(dir, 'utf8.zip')
    const { unzipSync } = await import('fflate')
    const files = unzipSync(await writeShapefileZip([{ type: 'Feature', properties: { 村: '长沟村' }, geometry: { type: 'Polygon', coordinates: [[[116, 39.7], [116.001, 39.7], [116.001, 39.701], [116, 39.7]]] } }], { layerName: 'p' }))
    delete files['p.cpg']
    writeFileSync(path, zipSync(files))
    const opened = await openLayer(path, 'utf8.zip')
    try {
      assert.equal(opened.layer.encoding, 'UTF-8')
      for await (const f of opened.layer.features()) assert.equal(f.properties['村'], '长沟村')
    } finally {
      opened.dispose()
    }
    const forced = await openLayer(path, 'utf8.zip', { encoding: 'GBK' })
    try {
      assert.equal(forced.layer.encoding, 'GBK')
      for await (const f of forced.layer.features()) assert.notEqual(f.properties['村'], '长沟村')
    } finally {
      forced.dispose()
    }
  })

  test('a KMZ (zip with doc.kml) is read as KML in WGS84', async () => {
    const kml = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>卫片</name><Placemark><ExtendedData><Data name="图斑编号"><value>K1</value></Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>116,39.7 116.001,39.7 116.001,39.701 116,39.7</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>'
    const path = join(dir, 'p.kmz')
    writeFileSync(path, zipSync({ 'doc.kml': new TextEncoder().encode(kml), 'files/icon.png': new Uint8Array(4) }))
    const opened = await openLayer(path, 'p.kmz')
    try {
      assert.deepEqual([opened.layer.format, opened.layer.layer, opened.layer.crs?.code, opened.layer.total], ['kml', '卫片', 'EPSG:4326', 1])
      const got = []
      for await (const f of opened.layer.features()) got.push([f.properties['图斑编号'], f.geometry?.type])
      assert.deepEqual(got, [['K1', 'Polygon']])
    } finally {
      opened.dispose()
    }
  })

  test('KML is read in chunks; a chunk boundary inside <Placemark> loses nothing', async () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><description>'
    const placemark = (i: number) => `<Placemark id="p${i}"><name>图斑${i}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>116,39.7 116.001,39.7 116.001,39.701 116,39.7</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`
    // pad so that the second placemark's tag starts 4 bytes before the first chunk boundary
    const first = `${head}x</description>${placemark(1)}`
    const pad = 'x'.repeat(KML_CHUNK_BYTES - 4 - Buffer.byteLength(first))
    const text = `${head}${pad}x</description>${placemark(1)}${Array.from({ length: 3000 }, (_, i) => placemark(i + 2)).join('\n')}</Document></kml>`
    assert.equal(Buffer.from(text).indexOf('<Placemark id="p2"'), KML_CHUNK_BYTES - 4)
    const path = join(dir, 'chunks.kml')
    writeFileSync(path, text)
    const opened = await openLayer(path, 'chunks.kml')
    try {
      assert.equal(opened.layer.total, 3001)
      const names: unknown[] = []
      for await (const f of opened.layer.features()) {
        assert.equal(f.geometry?.type, 'Polygon')
        names.push(f.properties.name)
      }
      assert.deepEqual(names, Array.from({ length: 3001 }, (_, i) => `图斑${i + 1}`))
    } finally {
      opened.dispose()
    }
  })

  test('an unsupported .cpg is refused naming the encoding field', async () => {
    const { unzipSync } = await import('fflate')
    const files = unzipSync(await writeShapefileZip([{ type: 'Feature', properties: { a: 1 }, geometry: { type: 'Polygon', coordinates: [[[116, 39.7], [116.001, 39.7], [116.001, 39.701], [116, 39.7]]] } }], { layerName: 'p' }))
    files['p.cpg'] = new TextEncoder().encode('Big5')
    const path = join(dir, 'big5.zip')
    writeFileSync(path, zipSync(files))
    await assert.rejects(openLayer(path, 'big5.zip'), (e: unknown) => e instanceof FileRefused && e.code === 'encoding_unsupported' && e.field === 'encoding')
  })
})

describe('shapes and mapping', () => {
  const id = (x: number, y: number): [number, number] => [x, y]
  test('rings are checked before staging: too few points, unclosed, non-numbers, points', () => {
    const poly = (ring: unknown) => ({ properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }) as never
    assert.equal(checkShape(poly([[116, 39.7], [116.1, 39.7], [116, 39.7]]), id).problem, 'too_few_points')
    assert.equal(checkShape(poly([[116, 39.7], [116.1, 39.7], [116.1, 39.8], [116, 39.8]]), id).problem, 'unclosed_ring')
    assert.equal(checkShape(poly([[116, 39.7], ['x', 39.7], [116.1, 39.8], [116, 39.7]]), id).problem, 'invalid_geometry')
    assert.equal(checkShape({ properties: {}, geometry: { type: 'Point', coordinates: [116, 39.7] } }, id).problem, 'not_polygon')
    assert.equal(checkShape({ properties: {}, geometry: null }, id).problem, 'no_geometry')
    assert.equal(checkShape(poly([[116, 39.7], [116.1, 39.7], [116.1, 39.8], [116, 39.7]]), id).problem, null)
  })

  test('the mapping is guessed from Chinese, pinyin-initial and English headers', () => {
    assert.deepEqual(guessMapping(['TBBH', 'QSX', 'HSX', 'BHLX', 'TBMJ', 'XZQDM']), { patchNo: 'TBBH', beforeDate: 'QSX', afterDate: 'HSX', changeType: 'BHLX', area: 'TBMJ', confidence: null })
    assert.deepEqual(guessMapping(['patch_no', 'before_date', 'after_date', 'change_type', 'area', 'confidence']), {
      patchNo: 'patch_no', beforeDate: 'before_date', afterDate: 'after_date', changeType: 'change_type', area: 'area', confidence: 'confidence',
    })
    assert.deepEqual(guessMapping(['名称']), { patchNo: null, beforeDate: null, afterDate: null, changeType: null, area: null, confidence: null })
  })
})
