// Which reader a file needs, decided by its bytes (never by the name alone), and the zip step for
// Shapefiles and KMZ. `openLayer` returns the opened layer and a cleanup for its temp folder.
import { closeSync, openSync, readSync } from 'node:fs'
import { basename } from 'node:path'
import { openCsv } from './csv.reader.ts'
import { openGeoJson } from './geojson.reader.ts'
import { openGeoPackage } from './gpkg.reader.ts'
import { openKml } from './kml.reader.ts'
import { FileRefused, type OpenedLayer, type ReadOptions } from './reader.ts'
import { openShapefile } from './shapefile.reader.ts'
import { extractZip, looksLikeZip, type ZipCaps } from './zip-safety.ts'

export { FileRefused } from './reader.ts'
export type { OpenedLayer, RawFeature, ReadOptions, SourceFormat } from './reader.ts'

const ZIPPED = new Set(['shp', 'shx', 'dbf', 'prj', 'cpg', 'kml'])
/** An entry of a zipped Esri File Geodatabase: a file inside a *.gdb folder, or its tables. */
const FILE_GDB = /(^|[\\/])[^\\/]+\.gdb[\\/]|\.gdbtable$|\.gdbtablx$/i

function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(n)
    const got = readSync(fd, b, 0, n, 0)
    return b.subarray(0, got)
  } finally {
    closeSync(fd)
  }
}

export interface Opened {
  layer: OpenedLayer
  /** Closes the reader and removes any temp folder. Safe to call twice. */
  dispose(): void
}

export async function openLayer(path: string, fileName: string, opts: ReadOptions = {}, zipCaps?: ZipCaps): Promise<Opened> {
  const start = head(path, 1024)
  const layerName = basename(fileName).replace(/\.[^.]*$/, '') || 'layer'
  const text = start.toString('utf8').replace(/^\ufeff/, '').trimStart()
  if (start.length === 0) throw new FileRefused('unknown_format', '文件是空的', 'the file is empty')
  if (looksLikeZip(start)) {
    let fileGdb = false
    // a refused zip (ZipRefused) is a FileRefused already
    const extracted = await extractZip(path, (n) => {
      if (FILE_GDB.test(n)) fileGdb = true
      return ZIPPED.has((/\.([^./\\]*)$/.exec(n)?.[1] ?? '').toLowerCase())
    }, zipCaps)
    try {
      const names = extracted.entries.map((e) => e.name.toLowerCase())
      let layer: OpenedLayer
      if (names.some((n) => n.endsWith('.shp'))) layer = await openShapefile(extracted.entries, opts)
      else if (names.some((n) => n.endsWith('.kml'))) {
        const kmls = extracted.entries.filter((e) => e.name.toLowerCase().endsWith('.kml'))
        layer = await openKml((kmls.find((e) => basename(e.name).toLowerCase() === 'doc.kml') ?? kmls[0]!).path, layerName)
      } else if (fileGdb) {
        throw new FileRefused(
          'filegdb_unsupported',
          '这是 Esri 文件地理数据库（FileGDB，*.gdb 文件夹），本系统不能直接读取。请先转换：用 GDAL 执行 ogr2ogr -f GPKG out.gpkg in.gdb 得到 GeoPackage，或在 ArcGIS/QGIS 中导出为 Shapefile，再上传',
          'this is an Esri File Geodatabase (a *.gdb folder), which cannot be read here; convert it first with ogr2ogr -f GPKG out.gpkg in.gdb, or export a Shapefile from ArcGIS or QGIS, and upload that',
        )
      } else throw new FileRefused('zip_no_layer', '压缩包中没有 Shapefile（.shp/.dbf）或 KML', 'the zip holds no Shapefile (.shp/.dbf) or KML')
      return opened(layer, () => extracted.remove())
    } catch (err) {
      extracted.remove()
      throw err
    }
  }
  let layer: OpenedLayer
  if (start.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000') layer = await openGeoPackage(path)
  else if (text.startsWith('{')) layer = await openGeoJson(path, layerName)
  else if (text.startsWith('<')) layer = await openKml(path, layerName)
  else if (/\.(shp|shx|dbf)$/i.test(fileName)) {
    throw new FileRefused('unknown_format', 'Shapefile 请打包成 zip 上传（含 .shp、.shx、.dbf、.prj，最好还有 .cpg）', 'upload a Shapefile as one zip holding .shp, .shx, .dbf and .prj (and .cpg)')
  } else if (/\.(csv|txt)$/i.test(fileName) || /[,;\t]/.test(text.split('\n')[0] ?? '')) layer = await openCsv(path, layerName, opts)
  else throw new FileRefused('unknown_format', '无法识别文件格式（支持 GeoJSON、Shapefile zip、GeoPackage、KML/KMZ、含 WKT 的 CSV）', 'unknown file format; send GeoJSON, a zipped Shapefile, GeoPackage, KML/KMZ or CSV with WKT')
  return opened(layer)
}

/** The layer with a dispose that closes it and then removes what it was read from, once. */
function opened(layer: OpenedLayer, cleanup: () => void = () => {}): Opened {
  let done = false
  return {
    layer,
    dispose() {
      if (done) return
      done = true
      layer.close()
      cleanup()
    },
  }
}
