// Writers for exports: GeoJSON, zipped Shapefile (.prj, .cpg UTF-8), KML and CSV with WKT, next to
// writeGeoPackage. Each takes lon/lat features and {layerName, crs?} and returns the file's bytes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import { DBFFile, type FieldDescriptor } from 'dbffile'
import { zipSync } from 'fflate'
import wkx from 'wkx'
import { crsWkt, fromLonLat } from './crs.ts'
import { ringSignedArea2, transformGeometry } from './geometry.ts'
import { propertyColumns, writerCrs, type WriterOptions } from './writer-options.ts'

export { writeGeoPackage } from './gpkg.writer.ts'
export type { WriterOptions } from './writer-options.ts'

const require = createRequire(import.meta.url)
// The geometry half of @mapbox/shp-write (its dbf half writes one byte per UTF-16 unit, which
// garbles Chinese; dbffile writes the table instead).
type ShpWrite = (rows: object[], type: 'POINT' | 'POLYLINE' | 'POLYGON', geometries: unknown[], cb: (err: unknown, files: { shp: DataView; shx: DataView }) => void) => void
const shpWrite = require('@mapbox/shp-write/src/write.js') as ShpWrite
// shp-write sizes and bounds a layer by flattening every coordinate with reduce+concat, which is
// quadratic (100,000 patches did not finish in 8 minutes). Same results, computed in one pass.
const shpPoly = require('@mapbox/shp-write/src/poly.js') as {
  shpLength(geometries: unknown[]): number
  extent(geometries: unknown[]): { xmin: number; ymin: number; xmax: number; ymax: number }
}
function walkPoints(geometries: unknown[], visit: (p: number[]) => void) {
  const walk = (c: unknown) => {
    if (!Array.isArray(c)) return
    if (typeof c[0] === 'number') visit(c as number[])
    else for (const x of c) walk(x)
  }
  walk(geometries)
}
shpPoly.shpLength = (geometries) => {
  let points = 0
  walkPoints(geometries, () => points++)
  return geometries.length * 56 + points * 16
}
shpPoly.extent = (geometries) => {
  const e = { xmin: Number.MAX_VALUE, ymin: Number.MAX_VALUE, xmax: -Number.MAX_VALUE, ymax: -Number.MAX_VALUE }
  walkPoints(geometries, (p) => {
    e.xmin = Math.min(e.xmin, p[0]!)
    e.ymin = Math.min(e.ymin, p[1]!)
    e.xmax = Math.max(e.xmax, p[0]!)
    e.ymax = Math.max(e.ymax, p[1]!)
  })
  return e
}

function projected(features: Feature[], opts: WriterOptions): Feature[] {
  const crs = writerCrs(opts)
  if (crs.code === 'EPSG:4326' || crs.code === 'EPSG:4490') return features
  const fn = fromLonLat(crs)
  return features.map((f) => ({ ...f, geometry: f.geometry ? transformGeometry(f.geometry, fn) : f.geometry }))
}

/** GeoJSON FeatureCollection; RFC 7946 lon/lat unless opts.crs asks otherwise (then with a legacy `crs` member). */
export async function writeGeoJson(features: Feature[], opts: WriterOptions): Promise<Buffer> {
  const crs = writerCrs(opts)
  const out = projected(features, opts)
  const head = { type: 'FeatureCollection', name: opts.layerName, ...(crs.epsg && crs.epsg !== 4326 ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${crs.epsg}` } } } : {}) }
  const json = JSON.stringify(head)
  const body = out.map((f) => JSON.stringify({ type: 'Feature', ...(f.id !== undefined ? { id: f.id } : {}), properties: f.properties ?? {}, geometry: f.geometry })).join(',\n')
  return Buffer.from(`${json.slice(0, -1)},"features":[\n${body}\n]}\n`, 'utf8')
}

/** CSV (UTF-8 with BOM, RFC 4180 quoting) with the geometry as WKT in the first column `wkt`. */
export async function writeCsvWkt(features: Feature[], opts: WriterOptions): Promise<Buffer> {
  const out = projected(features, opts)
  const columns = propertyColumns(out, ['wkt'])
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    // a leading = + - @ would run as a formula in a spreadsheet; numbers stay numbers
    const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  const lines = [['wkt', ...columns.map((c) => c.name)].map(cell).join(',')]
  for (const f of out) {
    const wkt = f.geometry ? wkx.Geometry.parseGeoJSON(f.geometry).toWkt() : ''
    lines.push([wkt, ...columns.map((c) => c.value(f.properties?.[c.source]))].map(cell).join(','))
  }
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf8')
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function kmlGeometry(g: Geometry): string {
  const coords = (ring: Position[]) => ring.map((p) => `${p[0]},${p[1]}`).join(' ')
  const poly = (rings: Position[][]) => `<Polygon><outerBoundaryIs><LinearRing><coordinates>${coords(rings[0] ?? [])}</coordinates></LinearRing></outerBoundaryIs>${rings
    .slice(1).map((r) => `<innerBoundaryIs><LinearRing><coordinates>${coords(r)}</coordinates></LinearRing></innerBoundaryIs>`).join('')}</Polygon>`
  switch (g.type) {
    case 'Point': return `<Point><coordinates>${g.coordinates[0]},${g.coordinates[1]}</coordinates></Point>`
    case 'LineString': return `<LineString><coordinates>${coords(g.coordinates)}</coordinates></LineString>`
    case 'Polygon': return poly(g.coordinates)
    case 'MultiPoint': return `<MultiGeometry>${g.coordinates.map((p) => kmlGeometry({ type: 'Point', coordinates: p })).join('')}</MultiGeometry>`
    case 'MultiLineString': return `<MultiGeometry>${g.coordinates.map((l) => kmlGeometry({ type: 'LineString', coordinates: l })).join('')}</MultiGeometry>`
    case 'MultiPolygon': return `<MultiGeometry>${g.coordinates.map(poly).join('')}</MultiGeometry>`
    case 'GeometryCollection': return `<MultiGeometry>${g.geometries.map(kmlGeometry).join('')}</MultiGeometry>`
  }
}

/** KML 2.2 (always WGS84, the only CRS KML has), attributes as ExtendedData/Data. */
export async function writeKml(features: Feature[], opts: WriterOptions): Promise<Buffer> {
  const crs = writerCrs(opts)
  if (crs.code !== 'EPSG:4326' && crs.code !== 'EPSG:4490') throw new Error('KML is always WGS84 lon/lat')
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>${xmlEscape(opts.layerName)}</name>\n`]
  for (const f of features) {
    const props = Object.entries(f.properties ?? {}).filter(([, v]) => v !== null && v !== undefined)
    const data = props.map(([k, v]) => `<Data name="${xmlEscape(k)}"><value>${xmlEscape(typeof v === 'object' ? JSON.stringify(v) : String(v))}</value></Data>`).join('')
    parts.push(`<Placemark>${data ? `<ExtendedData>${data}</ExtendedData>` : ''}${f.geometry ? kmlGeometry(f.geometry) : ''}</Placemark>\n`)
  }
  parts.push('</Document></kml>\n')
  return Buffer.from(parts.join(''), 'utf8')
}

// Shapefile rings: outer clockwise, holes counter-clockwise (the reverse of RFC 7946).
function shpRings(rings: Position[][]): Position[][] {
  return rings.map((r, i) => {
    const clockwise = ringSignedArea2(r) < 0
    return (i === 0) === clockwise ? r : [...r].reverse()
  })
}

type Family = 'POINT' | 'POLYLINE' | 'POLYGON'
function familyOf(g: Geometry | null): Family | null {
  if (!g) return null
  if (g.type === 'Point') return 'POINT'
  if (g.type === 'LineString' || g.type === 'MultiLineString') return 'POLYLINE'
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return 'POLYGON'
  return null
}
function shpCoordinates(g: Geometry): unknown {
  if (g.type === 'Point') return g.coordinates.slice(0, 2)
  if (g.type === 'LineString') return [g.coordinates]
  if (g.type === 'MultiLineString') return g.coordinates
  const polys = g.type === 'Polygon' ? [g.coordinates] : (g as MultiPolygon).coordinates
  return polys.map((p: Polygon['coordinates']) => shpRings(p))
}

/** A dBase field name: at most 10 bytes in UTF-8, cut on a character boundary. */
function dbfName(key: string): string {
  let out = ''
  for (const ch of key.replace(/\p{Cc}/gu, '')) {
    if (Buffer.byteLength(out + ch, 'utf8') > 10) break
    out += ch
  }
  return out
}
function cutUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s
  let out = ''
  for (const ch of s) {
    if (Buffer.byteLength(out + ch, 'utf8') > maxBytes) break
    out += ch
  }
  return out
}

async function dbfBytes(features: Feature[], dir: string): Promise<Buffer> {
  const columns = propertyColumns(features, [], dbfName)
  const fields: FieldDescriptor[] = columns.map((c) => {
    if (c.type === 'integer') return { name: c.name, type: 'N', size: 18, decimalPlaces: 0 }
    if (c.type === 'real') return { name: c.name, type: 'F', size: 19, decimalPlaces: 11 }
    if (c.type === 'boolean') return { name: c.name, type: 'L', size: 1 }
    const longest = Math.max(1, ...features.map((f) => Buffer.byteLength(String(c.value(f.properties?.[c.source]) ?? ''), 'utf8')))
    return { name: c.name, type: 'C', size: Math.min(254, longest) }
  })
  if (fields.length === 0) fields.push({ name: 'id', type: 'N', size: 10, decimalPlaces: 0 })
  const path = join(dir, 'layer.dbf')
  const dbf = await DBFFile.create(path, fields, { encoding: 'utf-8' })
  const records = features.map((f, i) => {
    if (columns.length === 0) return { id: i + 1 }
    const r: Record<string, unknown> = {}
    for (const c of columns) {
      const v = f.properties?.[c.source]
      if (v === null || v === undefined) continue
      r[c.name] = c.type === 'boolean' ? Boolean(v) : c.type === 'text' ? cutUtf8(String(c.value(v)), 254) : v
    }
    return r
  })
  for (let i = 0; i < records.length; i += 1000) await dbf.appendRecords(records.slice(i, i + 1000))
  return readFileSync(path)
}

/**
 * Zipped Shapefile: per geometry family present (polygons, lines, points) one set of .shp .shx .dbf
 * .prj .cpg named layerName (with _line / _point suffixes when families mix). Attributes are UTF-8
 * (.cpg says so); field names are cut to dBase's 10 bytes.
 */
export async function writeShapefileZip(features: Feature[], opts: WriterOptions): Promise<Buffer> {
  const crs = writerCrs(opts)
  if (crs.epsg === undefined) throw new Error('a Shapefile cannot be written in GCJ-02')
  const out = projected(features, opts)
  const prj = crsWkt(crs)
  const families = (['POLYGON', 'POLYLINE', 'POINT'] as const).filter((fam) => out.some((f) => familyOf(f.geometry) === fam))
  const files: Record<string, Uint8Array> = {}
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-shp-'))
  try {
    for (const fam of families) {
      const members = out.filter((f) => familyOf(f.geometry) === fam)
      const name = families.length === 1 || fam === 'POLYGON' ? opts.layerName : `${opts.layerName}_${fam === 'POINT' ? 'point' : 'line'}`
      let shp: DataView | undefined
      let shx: DataView | undefined
      shpWrite([], fam, members.map((f) => shpCoordinates(f.geometry!)), (err, written) => {
        if (err) throw err
        shp = written.shp
        shx = written.shx
      })
      files[`${name}.shp`] = new Uint8Array(shp!.buffer)
      files[`${name}.shx`] = new Uint8Array(shx!.buffer)
      files[`${name}.dbf`] = await dbfBytes(members, dir)
      files[`${name}.prj`] = Buffer.from(prj, 'utf8')
      files[`${name}.cpg`] = Buffer.from('UTF-8', 'ascii')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return Buffer.from(zipSync(files, { level: 6 }))
}
