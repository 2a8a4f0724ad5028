// What every reader gives the importer: the layer's metadata, then its features one at a time
// (never the whole file as objects), in the file's own coordinates.
import type { Geometry } from 'geojson'
import type { Crs } from './crs.ts'
import type { GeoJsonFault } from './geojson-check.ts'
import { Refusal } from '../../domain/errors.ts'

export type SourceFormat = 'geojson' | 'shapefile' | 'gpkg' | 'kml' | 'csv'
export type CrsSource = 'prj' | 'gpkg' | 'geojson' | 'kml' | 'csv' | 'user'

export interface FileWarning {
  code: string
  message: string
}

export interface RawFeature {
  /** A GeoJSON feature's own "id", when it has one (names the feature in messages). */
  id?: string | number
  properties: Record<string, unknown>
  /** null: the feature has no geometry (or it could not be decoded, then `error` says why). */
  geometry: Geometry | null
  /** `faults`: the structural faults found (GeoJSON files), for a caller that lists them all. */
  error?: { code: string; message: string; faults?: GeoJsonFault[] }
  /** true: the reader checked the geometry's structure already (geojson-check.ts), no need again. */
  wellFormed?: boolean
}

export interface OpenedLayer {
  format: SourceFormat
  layer: string
  /** What the file says; null when it says nothing (then the user must choose). */
  crs: Crs | null
  crsSource: CrsSource | null
  /** Text encoding read (Shapefile, CSV), null where the format fixes it. */
  encoding: string | null
  /** Attribute names known up front (more may appear while reading GeoJSON/KML). */
  fields: string[]
  /** Feature count when the file says it, else null. */
  total: number | null
  /** Bytes of the part being read, for progress where the count is unknown. */
  bytes: number
  warnings: FileWarning[]
  /** Features in file order; `onBytes` (optional) is told how far reading got. */
  features(onBytes?: (bytesRead: number) => void): AsyncIterable<RawFeature>
  close(): void
}

export interface ReadOptions {
  /** 'UTF-8' | 'GBK': overrides .cpg and detection. */
  encoding?: string
}

/** A file refused as a whole (every reader, the zip guard, the spreadsheet and ledger readers):
 *  code, Chinese and English, status 400, 409, 413 or 422, and facts (a ledger's problem list). */
export class FileRefused extends Refusal {
  declare readonly code: string
  declare readonly zh: string
  constructor(
    code: string,
    zh: string,
    en: string,
    readonly status: 400 | 409 | 413 | 422 = 400,
    field = 'file',
    extra: Record<string, unknown> = {},
  ) {
    super(status === 413 ? 'too_large' : status === 409 ? 'conflict' : status === 422 ? 'unprocessable' : 'invalid', en, { code, zh, field, extra })
  }
}

/** Decoder labels for the encodings users name: UTF-8 and the GBK family (GB18030 reads all of it). */
export function encodingLabel(raw: string): 'UTF-8' | 'GBK' | null {
  const s = raw.trim().toLowerCase().replace(/[^a-z0-9]/g, '')
  if (s === 'utf8' || s === '65001') return 'UTF-8'
  if (['gbk', 'gb2312', 'gb18030', 'cp936', '936', 'ansi936', 'ms936', 'windows936', 'euccn'].includes(s)) return 'GBK'
  return null
}

export function decoderFor(encoding: 'UTF-8' | 'GBK'): TextDecoder {
  return new TextDecoder(encoding === 'GBK' ? 'gb18030' : 'utf-8')
}

/** Stops a read that passed its caps: more features than `caps.features`, or longer than `caps.seconds`. */
export function checkReadCaps(featureNo: number, startedMs: number, caps: { features: number; seconds: number }): void {
  if (featureNo > caps.features) {
    throw new FileRefused('too_many_features', `文件超过 ${caps.features} 个要素，请分批导入`, `the file holds more than ${caps.features} features; split it`)
  }
  if ((Date.now() - startedMs) / 1000 > caps.seconds) {
    throw new FileRefused('too_slow', `读取超过 ${caps.seconds / 60} 分钟，已停止`, `reading took more than ${caps.seconds / 60} minutes; stopped`)
  }
}
