// GeoPackage: the first features table (others are named in a warning), its CRS from
// gpkg_spatial_ref_sys, rows stepped one at a time through sql.js; geometries are GeoPackage
// binary (GP header, then WKB decoded by wkx).
import { readFileSync, statSync } from 'node:fs'
import type { Geometry } from 'geojson'
import type { Database } from 'sql.js'
import wkx from 'wkx'
import { crsFromWkt, crsOfEpsg } from './crs.ts'
import { FileRefused, type FileWarning, type OpenedLayer, type RawFeature } from './reader.ts'
import { loadSqlJs, quoteIdent } from './sqlite.ts'

const ENVELOPE_BYTES = [0, 32, 48, 48, 64] as const

/** GeoPackage binary → GeoJSON geometry (null for the empty flag). */
export function parseGpkgGeometry(blob: Uint8Array): Geometry | null {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (b.length < 8 || b.toString('ascii', 0, 2) !== 'GP') throw new Error('not GeoPackage binary (no GP magic)')
  const flags = b[3]!
  if (flags & 0b10000) return null
  const indicator = (flags >> 1) & 0b111
  const envelope = ENVELOPE_BYTES[indicator as 0 | 1 | 2 | 3 | 4]
  if (envelope === undefined) throw new Error(`bad envelope indicator ${indicator}`)
  return wkx.Geometry.parse(b.subarray(8 + envelope)).toGeoJSON() as Geometry
}

export async function openGeoPackage(path: string): Promise<OpenedLayer> {
  const SQL = await loadSqlJs()
  let db: Database
  try {
    db = new SQL.Database(readFileSync(path))
    db.exec('SELECT 1 FROM sqlite_master LIMIT 1')
  } catch (err) {
    throw new FileRefused('bad_gpkg', `GeoPackage 无法打开：${(err as Error).message}`, `the GeoPackage cannot be opened: ${(err as Error).message}`)
  }
  try {
    const layers = db.exec(
      `SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
       WHERE c.data_type = 'features' ORDER BY c.table_name`,
    )[0]?.values ?? []
    if (layers.length === 0) throw new FileRefused('zip_no_layer', 'GeoPackage 中没有要素图层', 'the GeoPackage holds no features table')
    const [table, geomColumn, srsId] = layers[0] as [string, string, number]
    const warnings: FileWarning[] = []
    if (layers.length > 1) {
      warnings.push({ code: 'other_layers_ignored', message: `GeoPackage 含 ${layers.length} 个图层，只读取了 ${table}；其余：${layers.slice(1).map((l) => l[0]).join('、')}` })
    }
    const srs = db.exec('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [srsId])[0]?.values[0] as
      | [string, number, string]
      | undefined
    let crs = null
    if (srs) crs = srs[0].toUpperCase() === 'EPSG' ? crsOfEpsg(srs[1]) : crsFromWkt(srs[2])
    if (!crs && srs && srs[2] && srs[2] !== 'undefined') crs = crsFromWkt(srs[2])
    if (!crs) warnings.push({ code: 'prj_unrecognised', message: `图层的坐标系（srs_id ${srsId}）不在支持范围内，请选择坐标系` })
    const columns = (db.exec(`PRAGMA table_info(${quoteIdent(table)})`)[0]?.values ?? []).map((r) => ({ name: String(r[1]), pk: Number(r[5]) > 0 }))
    const fields = columns.filter((c) => c.name !== geomColumn && !c.pk).map((c) => c.name)
    const total = Number(db.exec(`SELECT count(*) FROM ${quoteIdent(table)}`)[0]!.values[0]![0])
    return {
      format: 'gpkg',
      layer: table,
      crs,
      crsSource: crs ? 'gpkg' : null,
      encoding: null,
      fields,
      total,
      bytes: statSync(path).size,
      warnings,
      async *features(): AsyncIterable<RawFeature> {
        const stmt = db.prepare(`SELECT ${[geomColumn, ...fields].map(quoteIdent).join(', ')} FROM ${quoteIdent(table)} ORDER BY rowid`)
        try {
          while (stmt.step()) {
            const row = stmt.get()
            const properties: Record<string, unknown> = {}
            fields.forEach((f, i) => {
              const v = row[i + 1]
              properties[f] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v
            })
            const blob = row[0]
            if (blob === null || blob === undefined) {
              yield { properties, geometry: null }
              continue
            }
            try {
              yield { properties, geometry: parseGpkgGeometry(blob as Uint8Array) }
            } catch (err) {
              yield { properties, geometry: null, error: { code: 'no_geometry', message: `几何无法解码：${(err as Error).message}` } }
            }
          }
        } finally {
          stmt.free()
        }
      },
      close() {
        db.close()
      },
    }
  } catch (err) {
    db.close()
    if (err instanceof FileRefused) throw err
    throw new FileRefused('bad_gpkg', `GeoPackage 无法读取：${(err as Error).message}`, `the GeoPackage cannot be read: ${(err as Error).message}`)
  }
}
