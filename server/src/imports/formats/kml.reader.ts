// KML (or the .kml inside a KMZ): WGS84 by definition. A DOCTYPE or entity declaration is refused
// before any parsing (entity expansion bombs, external entities); @xmldom/xmldom parses, @tmcw/togeojson
// turns Placemarks into features one at a time.
import { readFileSync, statSync } from 'node:fs'
import { kmlGen } from '@tmcw/togeojson'
import { DOMParser } from '@xmldom/xmldom'
import type { Geometry } from 'geojson'
import { crsOfEpsg } from './crs.ts'
import { encodingLabel, FileRefused, type OpenedLayer, type RawFeature } from './reader.ts'

// Style members togeojson adds; they describe drawing, not the patch.
const STYLE_KEYS = new Set(['styleUrl', 'styleHash', 'styleMap', 'fill', 'fill-opacity', 'stroke', 'stroke-opacity', 'stroke-width', 'icon', 'icon-opacity', 'icon-scale', 'icon-color', 'icon-offset', 'icon-offset-units', 'label-color', 'label-opacity', 'label-scale', 'visibility'])

export function kmlText(bytes: Buffer): string {
  const head = bytes.subarray(0, 200).toString('latin1')
  const declared = /<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]
  const label = declared ? encodingLabel(declared) : 'UTF-8'
  if (!label) throw new FileRefused('encoding_unsupported', `KML 声明的编码 ${declared} 不受支持（支持 UTF-8、GBK）`, `the KML declares the encoding ${declared}; supported are UTF-8 and GBK`)
  return new TextDecoder(label === 'GBK' ? 'gb18030' : 'utf-8').decode(bytes)
}

export async function openKml(path: string, layerFallback: string): Promise<OpenedLayer> {
  const text = kmlText(readFileSync(path))
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new FileRefused('kml_entities', 'KML 含有 DOCTYPE 或实体声明（可能导致实体膨胀或读取外部文件），已拒绝', 'the KML declares a DOCTYPE or entities (entity expansion, external entities); refused')
  }
  let doc: ReturnType<DOMParser['parseFromString']>
  try {
    doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message)
      },
    }).parseFromString(text, 'text/xml')
  } catch (err) {
    throw new FileRefused('bad_kml', `KML 无法解析：${(err as Error).message.slice(0, 200)}`, `the KML cannot be parsed: ${(err as Error).message.slice(0, 200)}`)
  }
  if (doc.documentElement?.localName !== 'kml') throw new FileRefused('bad_kml', 'XML 的根元素不是 <kml>', 'the XML root element is not <kml>')
  const name = doc.getElementsByTagName('Document')[0]?.getElementsByTagName('name')[0]?.textContent?.trim()
  return {
    format: 'kml',
    layer: name || layerFallback,
    crs: crsOfEpsg(4326),
    crsSource: 'kml',
    encoding: null,
    fields: [],
    total: doc.getElementsByTagName('Placemark').length,
    bytes: statSync(path).size,
    warnings: [],
    async *features(): AsyncIterable<RawFeature> {
      for (const f of kmlGen(doc as unknown as Document)) {
        const properties: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(f.properties ?? {})) if (!STYLE_KEYS.has(k)) properties[k] = v
        yield { properties, geometry: (f.geometry as Geometry | null) ?? null }
      }
    },
    close() {},
  }
}
