// Zipped Shapefile: .shp + .dbf (+ .shx, .prj, .cpg) read with `shapefile` from the extracted files.
// The .prj decides the CRS (no .prj: the user must say; never assumed). The .cpg decides the
// encoding; without it, bytes that are valid UTF-8 are read as UTF-8 and anything else as GBK.
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { Geometry } from 'geojson'
import * as shapefile from 'shapefile'
import { crsFromWkt } from './crs.ts'
import { decoderFor, encodingLabel, FileRefused, type FileWarning, type OpenedLayer, type ReadOptions, type RawFeature } from './reader.ts'
import type { ExtractedEntry } from './zip-safety.ts'

const stem = (name: string) => name.replace(/\.[^./\\]*$/, '').toLowerCase()
const ext = (name: string) => (/\.([^./\\]*)$/.exec(name)?.[1] ?? '').toLowerCase()

/** Whether every text byte of the .dbf records decodes as UTF-8 (streamed; ASCII counts as UTF-8). */
async function dbfIsUtf8(path: string, headerLength: number): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of createReadStream(path, { start: headerLength })) decoder.decode(chunk as Buffer, { stream: true })
    decoder.decode()
    return true
  } catch {
    return false
  }
}

function dbfHeader(path: string): { records: number; headerLength: number; ldid: number } {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(32)
    if (readSync(fd, b, 0, 32, 0) < 32) throw new FileRefused('bad_shapefile', '.dbf 文件不完整', 'the .dbf is truncated')
    return { records: b.readUInt32LE(4), headerLength: b.readUInt16LE(8), ldid: b[29]! }
  } finally {
    closeSync(fd)
  }
}

/** dBase date fields (type D, "YYYYMMDD") come from the reader as Dates at local midnight: give them
 *  back as the calendar dates they are, so no time zone can move them to another day. */
function dbaseDates(properties: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(properties)) {
    if (v instanceof Date) {
      properties[k] = Number.isNaN(v.getTime()) ? null : `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`
    }
  }
  return properties
}

export async function openShapefile(entries: ExtractedEntry[], opts: ReadOptions): Promise<OpenedLayer> {
  const shps = entries.filter((e) => ext(e.name) === 'shp')
  if (shps.length === 0) throw new FileRefused('zip_no_layer', '压缩包中没有 .shp 文件', 'the zip holds no .shp file')
  if (shps.length > 1) {
    const names = shps.map((e) => e.name).join(', ')
    throw new FileRefused('multiple_layers', `压缩包中有多个 .shp（${names}），请每次上传一个图层`, `the zip holds several .shp files (${names}); upload one layer at a time`)
  }
  const shp = shps[0]!
  const sibling = (e: string) => entries.find((x) => stem(x.name) === stem(shp.name) && ext(x.name) === e)
  const dbf = sibling('dbf')
  if (!dbf) throw new FileRefused('bad_shapefile', `缺少 ${basename(stem(shp.name))}.dbf（属性表）`, `the .dbf belonging to ${shp.name} is missing`)
  const prj = sibling('prj')
  const cpg = sibling('cpg')
  const warnings: FileWarning[] = []

  let crs = null
  if (prj) {
    const wkt = readFileSync(prj.path, 'utf8')
    crs = crsFromWkt(wkt)
    if (!crs) warnings.push({ code: 'prj_unrecognised', message: `.prj 描述的坐标系不在支持范围内（${wkt.slice(0, 80)}…），请选择坐标系` })
  }

  const head = dbfHeader(dbf.path)
  let encoding: 'UTF-8' | 'GBK'
  if (opts.encoding) {
    encoding = encodingLabel(opts.encoding)!
  } else if (cpg) {
    const raw = readFileSync(cpg.path, 'latin1').trim()
    const label = encodingLabel(raw)
    if (!label) throw new FileRefused('encoding_unsupported', `.cpg 指定的编码 ${raw} 不受支持（支持 UTF-8、GBK）`, `the .cpg names the encoding ${raw}; supported are UTF-8 and GBK`, 400, 'encoding')
    encoding = label
  } else {
    encoding = (await dbfIsUtf8(dbf.path, head.headerLength)) ? 'UTF-8' : 'GBK'
  }

  let source: Awaited<ReturnType<typeof shapefile.open>>
  try {
    source = await shapefile.open(shp.path, dbf.path, { encoding: encoding === 'GBK' ? 'gb18030' : 'utf-8' })
  } catch (err) {
    throw new FileRefused('bad_shapefile', `Shapefile 无法读取：${(err as Error).message}`, `the Shapefile cannot be read: ${(err as Error).message}`)
  }
  const fieldNames: string[] = []
  {
    // field names from the .dbf header, decoded like the values
    const buf = readFileSync(dbf.path).subarray(32, head.headerLength - 1)
    const decoder = decoderFor(encoding)
    for (let o = 0; o + 32 <= buf.length; o += 32) {
      const raw = buf.subarray(o, o + 11)
      const end = raw.indexOf(0)
      fieldNames.push(decoder.decode(end >= 0 ? raw.subarray(0, end) : raw).trim())
    }
  }

  return {
    format: 'shapefile',
    layer: basename(shp.name).replace(/\.shp$/i, ''),
    crs,
    crsSource: crs ? 'prj' : null,
    encoding,
    fields: fieldNames,
    total: head.records,
    bytes: statSync(shp.path).size + statSync(dbf.path).size,
    warnings,
    async *features(): AsyncIterable<RawFeature> {
      for (;;) {
        let r: { done: boolean; value: { properties?: Record<string, unknown> | null; geometry: Geometry | null } }
        try {
          r = (await source.read()) as typeof r
        } catch (err) {
          throw new FileRefused('bad_shapefile', `Shapefile 读取出错：${(err as Error).message}`, `the Shapefile broke off while reading: ${(err as Error).message}`)
        }
        if (r.done) return
        yield { properties: dbaseDates(r.value.properties ?? {}), geometry: r.value.geometry ?? null }
      }
    },
    close() {
      void source.cancel().catch(() => {})
    },
  }
}
