// GeoPackage 1.3 writer (OGC 12-128r18): one feature table with its gpkg_contents,
// gpkg_geometry_columns and gpkg_spatial_ref_sys rows, geometries as GeoPackage binary
// (the "GP" header with srs_id and envelope, then standard WKB from wkx). SQLite is sql.js.
import type { Feature, Geometry } from 'geojson'
import wkx from 'wkx'
import { crsOfEpsg, crsWkt, fromLonLat, type Crs } from './crs.ts'
import { emptyBounds, extendBounds, isEmptyBounds, transformGeometry, type Bounds } from './geometry.ts'
import { loadSqlJs, quoteIdent } from './sqlite.ts'
import { propertyColumns, writerCrs, type WriterOptions } from './writer-options.ts'

const APPLICATION_ID = 0x47504b47 // 'GPKG'
const USER_VERSION = 10300 // 1.3.0

/** GeoPackage binary: magic, version 0, flags (little-endian, xy envelope or empty), srs_id, envelope, WKB. */
export function gpkgGeometryBlob(geometry: Geometry | null, srsId: number): Uint8Array | null {
  if (!geometry) return null
  const b = extendBounds(emptyBounds(), geometry)
  const empty = isEmptyBounds(b)
  const header = Buffer.alloc(8 + (empty ? 0 : 32))
  header.write('GP', 0, 'ascii')
  header.writeUInt8(0, 2)
  header.writeUInt8(0b1 | (empty ? 0b10000 : 0b10), 3) // bit0 little-endian; bits1-3 envelope 1 = [minx,maxx,miny,maxy]; bit4 empty
  header.writeInt32LE(srsId, 4)
  if (!empty) {
    header.writeDoubleLE(b[0], 8)
    header.writeDoubleLE(b[2], 16)
    header.writeDoubleLE(b[1], 24)
    header.writeDoubleLE(b[3], 32)
  }
  return Buffer.concat([header, wkx.Geometry.parseGeoJSON(geometry).toWkb()])
}

function geometryTypeName(features: Feature[]): string {
  const types = new Set(features.map((f) => f.geometry?.type).filter((t) => t !== undefined))
  if (types.size === 1) return [...types][0]!.toUpperCase()
  if ([...types].every((t) => t === 'Polygon' || t === 'MultiPolygon')) return 'MULTIPOLYGON'
  return 'GEOMETRY'
}

/**
 * Writes features (EPSG:4326 lon/lat) as a GeoPackage with one feature table named opts.layerName,
 * in opts.crs (default EPSG:4326). Attribute columns follow the properties: INTEGER, REAL, BOOLEAN or
 * TEXT (objects as JSON). Opens in GDAL/QGIS (tests/gdal/patch-formats.test.ts checks with ogrinfo).
 */
export async function writeGeoPackage(features: Feature[], opts: WriterOptions): Promise<Buffer> {
  const crs: Crs = writerCrs(opts)
  if (crs.epsg === undefined) throw new Error('a GeoPackage cannot be written in GCJ-02')
  const SQL = await loadSqlJs()
  const db = new SQL.Database()
  try {
    db.run(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${USER_VERSION};`)
    db.run(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
    `)
    const srs = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)')
    srs.run(['Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'])
    srs.run(['Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'])
    for (const n of new Set([4326, crs.epsg])) srs.run([crsOfEpsg(n)!.name, n, 'EPSG', n, crsWkt(crsOfEpsg(n)!), null])
    srs.free()

    const table = opts.layerName
    const columns = propertyColumns(features, ['fid', 'geom'])
    const sqlType = { integer: 'INTEGER', real: 'REAL', boolean: 'BOOLEAN', text: 'TEXT' } as const
    db.run(`CREATE TABLE ${quoteIdent(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom ${geometryTypeName(features)}${columns.map((c) => `, ${quoteIdent(c.name)} ${sqlType[c.type]}`).join('')})`)

    const toCrs = fromLonLat(crs)
    const bounds: Bounds = emptyBounds()
    const insert = db.prepare(`INSERT INTO ${quoteIdent(table)} (geom${columns.map((c) => `, ${quoteIdent(c.name)}`).join('')}) VALUES (?${', ?'.repeat(columns.length)})`)
    db.run('BEGIN')
    for (const f of features) {
      const geometry = f.geometry ? transformGeometry(f.geometry, toCrs) : null
      if (geometry) extendBounds(bounds, geometry)
      insert.run([gpkgGeometryBlob(geometry, crs.epsg), ...columns.map((c) => c.value(f.properties?.[c.source]))])
    }
    db.run('COMMIT')
    insert.free()

    const b = isEmptyBounds(bounds) ? [null, null, null, null] : bounds
    db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [table, 'features', table, ...b, crs.epsg])
    db.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [table, 'geom', geometryTypeName(features), crs.epsg])
    return Buffer.from(db.export())
  } finally {
    db.close()
  }
}
