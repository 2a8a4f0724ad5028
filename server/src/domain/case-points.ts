// The ledger as points, in columns: what the map aggregates on the GPU at low zoom (deck.gl). One
// binary body instead of 200,000 GeoJSON features; the web client decodes it with the same module.
//
// Layout (little-endian, every column starting on a 4-byte boundary, so each is a typed-array view
// of the body without copying):
//   uint32 H, then H bytes of header JSON (space-padded): { count, statuses, columns }
//   columns, in the header's order: position float32 × 2 (lon, lat), id uint32,
//   demolished float32 (拆除占地面积 m², 0 when none recorded), status uint8 (index into statuses)
import { CASE_STATUSES, type CaseStatus } from './case-lifecycle.ts'

export const CASE_POINTS_TYPE = 'application/vnd.chaiwei.case-points'

export interface CasePointRow {
  id: number
  lon: number
  lat: number
  status: CaseStatus
  demolishedM2: number
}

export interface CasePoints {
  count: number
  statuses: readonly CaseStatus[]
  /** lon, lat interleaved: deck.gl reads it as a binary attribute of size 2. */
  positions: Float32Array
  ids: Uint32Array
  demolishedM2: Float32Array
  /** Index into `statuses`. */
  statusCodes: Uint8Array
}

const COLUMNS = [
  { name: 'position', type: 'float32', size: 2 },
  { name: 'id', type: 'uint32', size: 1 },
  { name: 'demolished', type: 'float32', size: 1 },
  { name: 'status', type: 'uint8', size: 1 },
] as const

interface Header {
  count: number
  statuses: string[]
  columns: { name: string; type: string; size: number }[]
}

const padded = (n: number) => Math.ceil(n / 4) * 4

export function encodeCasePoints(rows: readonly CasePointRow[]): Buffer {
  const n = rows.length
  const header: Header = { count: n, statuses: [...CASE_STATUSES], columns: COLUMNS.map((c) => ({ ...c })) }
  const json = Buffer.from(JSON.stringify(header))
  const headerBytes = padded(4 + json.length) - 4
  const start = 4 + headerBytes
  const sizes = COLUMNS.map((c) => padded(n * c.size * (c.type === 'uint8' ? 1 : 4)))
  const body = Buffer.alloc(start + sizes.reduce((a, b) => a + b, 0), 0)
  body.writeUInt32LE(headerBytes, 0)
  body.fill(0x20, 4, start)
  json.copy(body, 4)
  const buf = body.buffer
  let at = body.byteOffset + start
  const positions = new Float32Array(buf, at, n * 2)
  at += sizes[0]!
  const ids = new Uint32Array(buf, at, n)
  at += sizes[1]!
  const demolished = new Float32Array(buf, at, n)
  at += sizes[2]!
  const statuses = new Uint8Array(buf, at, n)
  const code = new Map<string, number>(CASE_STATUSES.map((s, i) => [s, i]))
  rows.forEach((r, i) => {
    positions[2 * i] = r.lon
    positions[2 * i + 1] = r.lat
    ids[i] = r.id
    demolished[i] = r.demolishedM2
    statuses[i] = code.get(r.status) ?? 255
  })
  return body
}

/** Reads the body `encodeCasePoints` wrote; throws on anything else (a proxy's HTML, a truncated body). */
export function decodeCasePoints(bytes: ArrayBuffer): CasePoints {
  const view = new DataView(bytes)
  if (bytes.byteLength < 4) throw new Error('case points: empty body')
  const headerBytes = view.getUint32(0, true)
  if (headerBytes % 4 !== 0 || 4 + headerBytes > bytes.byteLength) throw new Error('case points: not a case-points body')
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 4, headerBytes))) as Header
  const n = header.count
  if (header.columns.map((c) => c.name).join() !== COLUMNS.map((c) => c.name).join()) throw new Error('case points: unknown columns')
  let at = 4 + headerBytes
  const need = at + padded(n * 8) + padded(n * 4) * 2 + padded(n)
  if (bytes.byteLength < need) throw new Error(`case points: body of ${bytes.byteLength} bytes, ${need} expected`)
  const positions = new Float32Array(bytes, at, n * 2)
  at += padded(n * 8)
  const ids = new Uint32Array(bytes, at, n)
  at += padded(n * 4)
  const demolishedM2 = new Float32Array(bytes, at, n)
  at += padded(n * 4)
  const statusCodes = new Uint8Array(bytes, at, n)
  return { count: n, statuses: header.statuses as CaseStatus[], positions, ids, demolishedM2, statusCodes }
}
