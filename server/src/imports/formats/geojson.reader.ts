// GeoJSON FeatureCollection, streamed: each feature cut out of the bytes and parsed on its own
// (json-members.ts; stream-json's token stream took ~8 s of 100,000 patches' 33 MB, this ~1 s).
import { statSync } from 'node:fs'
import type { Geometry } from 'geojson'
import { crsOfEpsg, parseCrs } from './crs.ts'
import { collectionFaults, faultReport, featureFaults, stagedProblemCode } from './geojson-check.ts'
import { scanFeatureCollection } from './json-members.ts'
import { FileRefused, type OpenedLayer, type RawFeature } from './reader.ts'

function badJson(err: unknown): FileRefused {
  const m = (err as Error).message
  return new FileRefused('bad_json', `GeoJSON 无法解析：${m}`, `the GeoJSON cannot be parsed: ${m}`)
}

/** The top-level members other than features (type, name, crs), from one pass that skips the features. */
async function header(path: string): Promise<{ head: Record<string, unknown>; featuresArray: boolean }> {
  const head: Record<string, unknown> = {}
  let featuresArray = false
  try {
    const scan = { elements: false, member: (key: string, value: unknown) => { head[key] = value }, featuresArray: () => { featuresArray = true } }
    for await (const _ of scanFeatureCollection(path, scan)) {
      // elements are skipped
    }
  } catch (err) {
    throw badJson(err)
  }
  return { head, featuresArray }
}

export async function openGeoJson(path: string, layerFallback: string): Promise<OpenedLayer> {
  const { head, featuresArray } = await header(path)
  const faults = collectionFaults(head, featuresArray)
  if (faults.length > 0) {
    const r = faultReport([{ label: { zh: 'GeoJSON 须为 FeatureCollection（要素集合）', en: 'the GeoJSON must be a FeatureCollection' }, faults }], 'file')
    throw new FileRefused('bad_json', r.zh, r.en, 400, 'file', { problems: r.problems, problemCount: r.problemCount })
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
          const f = value as { id?: unknown; properties?: unknown; geometry?: unknown } | null
          const properties = f?.properties && typeof f.properties === 'object' && !Array.isArray(f.properties) ? (f.properties as Record<string, unknown>) : {}
          const id = typeof f?.id === 'string' || typeof f?.id === 'number' ? { id: f.id } : {}
          // each feature checked as it streams: the faults named where they are, in Chinese
          const faults = featureFaults(f)
          if (faults.length > 0) {
            const message = faults.slice(0, 3).map((x) => x.zh).join('；') + (faults.length > 3 ? `；另有 ${faults.length - 3} 处` : '')
            yield { ...id, properties, geometry: null, error: { code: stagedProblemCode(faults[0]!), message, faults } }
            continue
          }
          yield { ...id, properties, geometry: (f!.geometry as Geometry | null) ?? null, wellFormed: true }
        }
      } catch (err) {
        throw badJson(err)
      }
    },
    close() {},
  }
}
