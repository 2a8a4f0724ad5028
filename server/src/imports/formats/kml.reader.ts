// KML (or the .kml inside a KMZ): WGS84 by definition. saxes streams the file (a DOCTYPE or entity
// declaration is refused: entity expansion bombs, external entities); each <Placemark> is cut out
// and handed to @xmldom/xmldom + @tmcw/togeojson on its own, so memory follows one placemark,
// not the whole document.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { kmlGen } from '@tmcw/togeojson'
import { DOMParser } from '@xmldom/xmldom'
import type { Geometry } from 'geojson'
import { SaxesParser } from 'saxes'
import { crsOfEpsg } from './crs.ts'
import { decoderFor, encodingLabel, FileRefused, type OpenedLayer, type RawFeature } from './reader.ts'

// Style members togeojson adds; they describe drawing, not the patch.
const STYLE_KEYS = new Set(['styleUrl', 'styleHash', 'styleMap', 'fill', 'fill-opacity', 'stroke', 'stroke-opacity', 'stroke-width', 'icon', 'icon-opacity', 'icon-scale', 'icon-color', 'icon-offset', 'icon-offset-units', 'label-color', 'label-opacity', 'label-scale', 'visibility'])

const entitiesRefused = () =>
  new FileRefused('kml_entities', 'KML 含有 DOCTYPE 或实体声明（可能导致实体膨胀或读取外部文件），已拒绝', 'the KML declares a DOCTYPE or entities (entity expansion, external entities); refused')
const badKml = (message: string) => new FileRefused('bad_kml', `KML 无法解析：${message.slice(0, 200)}`, `the KML cannot be parsed: ${message.slice(0, 200)}`)

function declaredEncoding(path: string): 'UTF-8' | 'GBK' {
  const fd = openSync(path, 'r')
  const head = Buffer.alloc(200)
  const n = readSync(fd, head, 0, 200, 0)
  closeSync(fd)
  const declared = /<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head.subarray(0, n).toString('latin1'))?.[1]
  if (!declared) return 'UTF-8'
  const label = encodingLabel(declared)
  if (!label) throw new FileRefused('encoding_unsupported', `KML 声明的编码 ${declared} 不受支持（支持 UTF-8、GBK）`, `the KML declares the encoding ${declared}; supported are UTF-8 and GBK`)
  return label
}

/** Bytes read at a time (a test cuts a tag at this boundary). */
export const KML_CHUNK_BYTES = 256 * 1024

const localName = (name: string) => name.slice(name.indexOf(':') + 1)

interface Scan {
  /** xmlns declarations of the root element, repeated on each cut-out placemark */
  namespaces: string
  rootName: string | null
  documentName: string | null
}

/**
 * Streams the file through saxes; calls onPlacemark with each <Placemark>…</Placemark> as text.
 * Yields between chunks so the caller can consume what was found.
 */
async function* scan(path: string, encoding: 'UTF-8' | 'GBK', info: Scan, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const parser = new SaxesParser({ xmlns: false, position: true })
  const decoder = decoderFor(encoding)
  let buffer = ''
  let base = 0 // stream position of buffer[0]
  let start = -1 // buffer index of the open placemark's '<'
  const stack: string[] = []
  let inDocumentName = false
  const found: string[] = []
  parser.on('doctype', () => {
    throw entitiesRefused()
  })
  parser.on('opentagstart', (tag) => {
    const name = localName(tag.name)
    if (stack.length === 0) info.rootName = name
    if (name === 'Placemark' && start < 0) start = buffer.lastIndexOf('<', parser.position - base - 1) // position is just past the tag name or its '>'
    if (name === 'name' && stack.at(-1) === 'Document' && info.documentName === null) inDocumentName = true
    stack.push(name)
  })
  parser.on('opentag', (tag) => {
    if (stack.length === 1) {
      info.namespaces = Object.entries(tag.attributes)
        .filter(([k]) => k === 'xmlns' || k.startsWith('xmlns:'))
        .map(([k, v]) => ` ${k}="${String(v).replace(/"/g, '&quot;')}"`)
        .join('')
    }
  })
  parser.on('text', (text) => {
    if (inDocumentName) info.documentName = (info.documentName ?? '') + text
  })
  parser.on('closetag', (tag) => {
    stack.pop()
    inDocumentName = false
    if (localName(tag.name) === 'Placemark' && start >= 0) {
      found.push(buffer.slice(start, parser.position - base))
      start = -1
    }
  })
  const input = createReadStream(path, { highWaterMark: KML_CHUNK_BYTES })
  try {
    for await (const chunk of input) {
      const text = decoder.decode(chunk as Buffer, { stream: true })
      buffer += text
      parser.write(text)
      onBytes?.(input.bytesRead)
      // keep only the open placemark's text, or the last tag, which a chunk may have cut in two
      const lastTag = buffer.lastIndexOf('<')
      const keepFrom = start >= 0 ? start : lastTag >= 0 ? lastTag : buffer.length
      base += keepFrom
      buffer = buffer.slice(keepFrom)
      if (start >= 0) start = 0
      yield* found.splice(0)
    }
    const rest = decoder.decode()
    buffer += rest
    parser.write(rest).close()
    yield* found.splice(0)
  } catch (err) {
    if (err instanceof FileRefused) throw err
    throw badKml((err as Error).message)
  } finally {
    input.destroy()
  }
}

function placemarkFeatures(xml: string, namespaces: string): RawFeature[] {
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') throw badKml(message)
    },
  }).parseFromString(`<kml${namespaces || ' xmlns="http://www.opengis.net/kml/2.2"'}><Document>${xml}</Document></kml>`, 'text/xml')
  const out: RawFeature[] = []
  for (const f of kmlGen(doc as unknown as Document)) {
    const properties: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(f.properties ?? {})) if (!STYLE_KEYS.has(k)) properties[k] = v
    out.push({ properties, geometry: (f.geometry as Geometry | null) ?? null })
  }
  return out
}

export async function openKml(path: string, layerFallback: string): Promise<OpenedLayer> {
  const encoding = declaredEncoding(path)
  // a first pass: refuses entities and broken XML before anything is staged, counts placemarks
  const info: Scan = { namespaces: '', rootName: null, documentName: null }
  let total = 0
  for await (const xml of scan(path, encoding, info)) {
    void xml
    total++
  }
  if (info.rootName !== 'kml') throw new FileRefused('bad_kml', 'XML 的根元素不是 <kml>', 'the XML root element is not <kml>')
  return {
    format: 'kml',
    layer: info.documentName?.trim() || layerFallback,
    crs: crsOfEpsg(4326),
    crsSource: 'kml',
    encoding: null,
    fields: [],
    total,
    bytes: statSync(path).size,
    warnings: [],
    async *features(onBytes): AsyncIterable<RawFeature> {
      const again: Scan = { namespaces: '', rootName: null, documentName: null }
      for await (const xml of scan(path, encoding, again, onBytes)) yield* placemarkFeatures(xml, again.namespaces)
    },
    close() {},
  }
}
