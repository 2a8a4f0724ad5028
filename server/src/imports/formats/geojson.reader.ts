// GeoJSON FeatureCollection, streamed: each feature cut out of the bytes and parsed on its own
// (json-members.ts; stream-json's token stream took ~8 s of 100,000 patches' 33 MB, this ~1 s).
import { statSync } from 'node:fs'
import type { Geometry } from 'geojson'
import { crsOfEpsg, parseCrs } from './crs.ts'
import { scanFeatureCollection } from './json-members.ts'
import { FileRefused, type OpenedLayer, type RawFeature } from './reader.ts'

function badJson(err: unknown): FileRefused {
  const m = (err as Error).message
  return new FileRefused('bad_json', `GeoJSON 无法解析：${m}`, `the GeoJSON cannot be parsed: ${m}`)
}

/** The top-level members other than features (type, name, crs), from one pass that skips the features. */
async function header(path: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  try {
    for await (const _ of scanFeatureCollection(path, { elements: false, member: (key, value) => { out[key] = value } })) {
      // elements are skipped
    }
  } catch (err) {
    throw badJson(err)
  }
  return out
}

export async function openGeoJson(path: string, layerFallback: string): Promise<OpenedLayer> {
  const head = await header(path)
  if (head.type !== 'FeatureCollection') {
    throw new FileRefused('bad_json', 'GeoJSON 须为 FeatureCollection（要素集合）', `the GeoJSON must be a FeatureCollection (found ${String(head.type ?? 'no type')})`)
  }
  let crs = crsOfEpsg(4326)
  const crsName = (head.crs as { properties?: { name?: unknown } } | undefined)?.properties?.name
  if (typeof crsName === 'string') {
    const named = parseCrs(crsName)
    if (!named) throw new FileRefused('crs_unsupported', `GeoJSON 声明的坐标系 ${crsName} 不受支持`, `the GeoJSON names the CRS ${crsName}, which is not supported`)
    crs = named
  }
  const bytes = statSync(path).size
  return {
    format: 'geojson',
    layer: typeof head.name === 'string' && head.name ? head.name : layerFallback,
    crs,
    crsSource: 'geojson',
    encoding: null,
    fields: [],
    total: null,
    bytes,
    warnings: [],
    async *features(onBytes): AsyncIterable<RawFeature> {
      try {
        for await (const value of scanFeatureCollection(path, { elements: true, member: () => {}, onBytes })) {
          const f = value as { type?: unknown; properties?: unknown; geometry?: unknown }
          const properties = f.properties && typeof f.properties === 'object' && !Array.isArray(f.properties) ? (f.properties as Record<string, unknown>) : {}
          if (f.type !== 'Feature') {
            yield { properties, geometry: null, error: { code: 'no_geometry', message: '不是 GeoJSON 要素（Feature）' } }
            continue
          }
          const g = f.geometry as Geometry | null | undefined
          if (g && (typeof g !== 'object' || typeof g.type !== 'string')) {
            yield { properties, geometry: null, error: { code: 'no_geometry', message: '几何无法识别' } }
            continue
          }
          yield { properties, geometry: g ?? null }
        }
      } catch (err) {
        throw badJson(err)
      }
    },
    close() {},
  }
}
