// The ledger's points for the GPU aggregation: fetched once as binary columns (GET /api/cases/points,
// revalidated by ETag), then cut per weighting into deck.gl binary attributes. No deck.gl import
// here, so it is cheap to test and to reuse.
import { request } from '../../api.ts'
import { decodeCasePoints, type CasePoints } from '../../../../server/src/domain/case-points.ts'
import type { CaseStatus } from '../../codes.ts'
import type { CaseStats } from '../groups.ts'

/** What a hexagon weighs: the number of cases, the demolished land area, or the cases of one status. */
export type HexWeight = 'count' | 'demolished' | `status:${CaseStatus}`

export const DEFAULT_HEX_WEIGHT: HexWeight = 'count'

export async function fetchCasePoints(signal?: AbortSignal): Promise<CasePoints> {
  const res = await request('GET', '/api/cases/points', undefined, signal, { Accept: 'application/vnd.chaiwei.case-points' })
  return decodeCasePoints(await res.arrayBuffer())
}

/** deck.gl's binary data: positions (lon, lat) and one weight per point, plus the ids for picking. */
export interface WeightedPoints {
  length: number
  positions: Float32Array
  weights: Float32Array
  ids: Uint32Array
}

/**
 * The points a weighting counts, with their weights: every case (1 each), the cases with a
 * demolished area (the area), or the cases of one status (1 each). Points that weigh nothing are
 * left out, so a hexagon is drawn only where there is something to weigh.
 */
export function weighPoints(points: CasePoints, weight: HexWeight): WeightedPoints {
  const status = weight.startsWith('status:') ? points.statuses.indexOf(weight.slice(7) as CaseStatus) : -1
  const take = (i: number) =>
    weight === 'count' ? 1 : weight === 'demolished' ? points.demolishedM2[i]! : points.statusCodes[i] === status ? 1 : 0
  let n = 0
  for (let i = 0; i < points.count; i++) if (take(i) > 0) n++
  const positions = new Float32Array(n * 2)
  const weights = new Float32Array(n)
  const ids = new Uint32Array(n)
  let j = 0
  for (let i = 0; i < points.count; i++) {
    const w = take(i)
    if (w <= 0) continue
    positions[2 * j] = points.positions[2 * i]!
    positions[2 * j + 1] = points.positions[2 * i + 1]!
    weights[j] = w
    ids[j] = points.ids[i]!
    j++
  }
  return { length: n, positions, weights, ids }
}

/** Hexagon radius in metres for a zoom: about 40 px on screen, in whole-zoom steps (re-binning is per step). */
export function hexRadiusM(zoom: number, latitude: number): number {
  const metresPerPixel = (40075016.686 * Math.cos((latitude * Math.PI) / 180)) / (512 * 2 ** Math.floor(zoom))
  return Math.round(Math.min(5000, Math.max(60, 20 * metresPerPixel)))
}

/**
 * The cases whose point lies in the box [west, south, east, north], by status: the layer panel's
 * "cases in view" while the hexagons stand for the style's case layers (which then draw nothing).
 */
export function countInBox(points: CasePoints, [west, south, east, north]: readonly [number, number, number, number]): CaseStats {
  const byCode = new Array<number>(points.statuses.length).fill(0)
  let total = 0
  for (let i = 0; i < points.count; i++) {
    const lon = points.positions[2 * i]!
    const lat = points.positions[2 * i + 1]!
    if (lon < west || lon > east || lat < south || lat > north) continue
    total++
    byCode[points.statusCodes[i]!]!++
  }
  const byStatus: Record<string, number> = {}
  points.statuses.forEach((status, code) => {
    if (byCode[code]) byStatus[status] = byCode[code]!
  })
  return { total, byStatus }
}
