// CSV with the geometry as WKT in one column (wkt / geometry / geom / the_geom / shape / 几何).
// Streamed through csv-parse; UTF-8 (with or without BOM) or GBK, decided by the bytes unless the
// user says. A CSV carries no CRS: the user names it (never assumed).
import { createReadStream, statSync } from 'node:fs'
import { Transform } from 'node:stream'
import { parse } from 'csv-parse'
import type { Geometry } from 'geojson'
import wkx from 'wkx'
import { decoderFor, encodingLabel, FileRefused, type OpenedLayer, type ReadOptions, type RawFeature } from './reader.ts'

const GEOMETRY_COLUMNS = ['wkt', 'geometry', 'geom', 'the_geom', 'shape', 'wkt_geom', '几何', '图形', '空间信息']

async function isUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of createReadStream(path)) decoder.decode(chunk as Buffer, { stream: true })
    decoder.decode()
    return true
  } catch {
    return false
  }
}

function decoding(label: 'UTF-8' | 'GBK'): Transform {
  const decoder = decoderFor(label)
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }))
    },
    flush(done) {
      const rest = decoder.decode()
      done(null, rest || undefined)
    },
  })
}

function rows(path: string, label: 'UTF-8' | 'GBK', onBytes?: (n: number) => void): AsyncIterable<string[]> {
  const input = createReadStream(path)
  if (onBytes) input.on('data', () => onBytes(input.bytesRead))
  return input.pipe(decoding(label)).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 16 * 1024 * 1024 }))
}

export async function openCsv(path: string, layerFallback: string, opts: ReadOptions): Promise<OpenedLayer> {
  const label = opts.encoding ? encodingLabel(opts.encoding)! : (await isUtf8(path)) ? 'UTF-8' : 'GBK'
  let header: string[] | undefined
  try {
    for await (const r of rows(path, label)) {
      header = r.map((h) => h.trim())
      break
    }
  } catch (err) {
    throw new FileRefused('bad_csv', `CSV 无法解析：${(err as Error).message}`, `the CSV cannot be parsed: ${(err as Error).message}`)
  }
  if (!header) throw new FileRefused('bad_csv', 'CSV 是空的', 'the CSV is empty')
  const geomIndex = header.findIndex((h) => GEOMETRY_COLUMNS.includes(h.toLowerCase()))
  if (geomIndex < 0) {
    throw new FileRefused('bad_csv', `CSV 中没有几何列（列名应为 ${GEOMETRY_COLUMNS.join('、')} 之一，内容为 WKT）`, `the CSV has no geometry column (name it one of ${GEOMETRY_COLUMNS.join(', ')}, holding WKT)`)
  }
  const fields = header.filter((_, i) => i !== geomIndex)
  return {
    format: 'csv',
    layer: layerFallback,
    crs: null,
    crsSource: null,
    encoding: label,
    fields,
    total: null,
    bytes: statSync(path).size,
    warnings: [],
    async *features(onBytes): AsyncIterable<RawFeature> {
      let first = true
      try {
        for await (const r of rows(path, label, onBytes)) {
          if (first) {
            first = false
            continue
          }
          const properties: Record<string, unknown> = {}
          header!.forEach((h, i) => {
            if (i !== geomIndex) properties[h] = r[i] === undefined || r[i] === '' ? null : r[i]
          })
          const text = (r[geomIndex] ?? '').trim()
          if (!text) {
            yield { properties, geometry: null }
            continue
          }
          try {
            yield { properties, geometry: wkx.Geometry.parse(text).toGeoJSON() as Geometry }
          } catch (err) {
            yield { properties, geometry: null, error: { code: 'no_geometry', message: `WKT 无法解析：${(err as Error).message}` } }
          }
        }
      } catch (err) {
        throw new FileRefused('bad_csv', `CSV 无法解析：${(err as Error).message}`, `the CSV cannot be parsed: ${(err as Error).message}`)
      }
    },
    close() {},
  }
}
