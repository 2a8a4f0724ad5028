// What every writer takes, and the attribute columns they derive from the features' properties.
import type { Feature } from 'geojson'
import { parseCrs, type Crs } from './crs.ts'

export interface WriterOptions {
  /** Table / layer / document name written into the file. */
  layerName: string
  /** CRS written: a code ('EPSG:4548', 'GCJ-02') or a Crs; default EPSG:4326. Features come in as lon/lat. */
  crs?: string | Crs
}

export function writerCrs(opts: WriterOptions): Crs {
  const raw = opts.crs ?? 'EPSG:4326'
  if (typeof raw !== 'string') return raw
  const crs = parseCrs(raw)
  if (!crs) throw new Error(`cannot write in ${raw}; supported: EPSG:4326, EPSG:4490, EPSG:4513-4554, GCJ-02`)
  return crs
}

export type ColumnType = 'integer' | 'real' | 'boolean' | 'text'

export interface PropertyColumn {
  /** Column name written (unique, case-insensitively, and never one of the reserved names). */
  name: string
  /** Property key read. */
  source: string
  type: ColumnType
  /** The value as the column stores it: null, number, 0/1 or text (objects as JSON). */
  value(v: unknown): string | number | null
}

function typeOf(values: unknown[]): ColumnType {
  const present = values.filter((v) => v !== null && v !== undefined)
  if (present.length === 0) return 'text'
  if (present.every((v) => typeof v === 'boolean')) return 'boolean'
  if (present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return present.every((v) => Number.isSafeInteger(v)) ? 'integer' : 'real'
  }
  return 'text'
}

/** Columns for the union of the features' property keys, in first-seen order. */
export function propertyColumns(features: Feature[], reserved: string[], rename: (key: string) => string = (k) => k): PropertyColumn[] {
  const keys: string[] = []
  const seen = new Set<string>()
  for (const f of features) {
    for (const k of Object.keys(f.properties ?? {})) if (!seen.has(k)) { seen.add(k); keys.push(k) }
  }
  const taken = new Set(reserved.map((r) => r.toLowerCase()))
  return keys.map((source) => {
    let name = rename(source) || 'field'
    for (let i = 1; taken.has(name.toLowerCase()); i++) name = rename(`${source.slice(0, 7)}_${i}`)
    taken.add(name.toLowerCase())
    const type = typeOf(features.map((f) => f.properties?.[source]))
    return {
      name,
      source,
      type,
      value(v: unknown) {
        if (v === null || v === undefined) return null
        if (type === 'boolean') return v ? 1 : 0
        if (type === 'integer' || type === 'real') return v as number
        return typeof v === 'object' ? JSON.stringify(v) : String(v)
      },
    }
  })
}
