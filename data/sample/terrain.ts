// What the land is like at a point: Fangshan is plain in the east and south-east, mountains in the
// west, with the urban cores (良乡, 长阳/拱辰, 城关, 燕山) and the 6th Ring Road in the east. Density,
// population and land use all follow these two smooth fields.
import { distMetres, distToSegment, MID, round7, type Pt } from './geo.ts'

/** 0 on the plain, 1 deep in the mountains. */
export function mountainness([lon, lat]: Pt): number {
  const m = (116.0 - lon) / 0.15 + (lat - 39.75) * 1.2
  return Math.max(0, Math.min(1, m))
}

export type Terrain = 'plain' | 'hill' | 'mountain'

export function terrainOf(p: Pt): Terrain {
  const m = mountainness(p)
  return m > 0.7 ? 'mountain' : m > 0.3 ? 'hill' : 'plain'
}

const URBAN_CORES: { at: Pt; radiusM: number }[] = [
  { at: [116.14, 39.725], radiusM: 6_000 }, // 良乡
  { at: [116.19, 39.77], radiusM: 6_000 }, // 长阳
  { at: [115.995, 39.7], radiusM: 4_000 }, // 城关
  { at: [115.965, 39.728], radiusM: 3_500 }, // 燕山
  { at: [116.07, 39.655], radiusM: 3_500 }, // 窦店
]

/** The 6th Ring Road, approximated as a smooth loop around the city centre; passes east of 良乡. */
export const RING6_CENTRE: Pt = [116.397, 39.909]

/** Radius in metres at angle θ (from east, counter-clockwise): a little wobble so it reads as a
 *  road, not a compass circle; ≈ 27.4 km towards the south-west, where it crosses east of 良乡. */
function ring6Radius(θ: number): number {
  return 28_000 * (1 + 0.04 * Math.sin(2 * θ + 4.28) + 0.01 * Math.cos(3 * θ + 1.1))
}

export function ring6(): Pt[] {
  const pts: Pt[] = []
  const n = 720
  for (let i = 0; i <= n; i++) {
    const θ = ((i % n) / n) * 2 * Math.PI
    const r = ring6Radius(θ)
    pts.push([round7(RING6_CENTRE[0] + (r * Math.cos(θ)) / MID.mx), round7(RING6_CENTRE[1] + (r * Math.sin(θ)) / MID.my)])
  }
  return pts
}

const RING6 = ring6()

/** Metres to the 6th Ring Road. */
export function distToRing6(p: Pt): number {
  let best = Infinity
  for (let i = 0; i + 1 < RING6.length; i++) {
    const a = RING6[i]!
    // Only segments on the near side of the loop matter; a cheap bbox-ish skip keeps this fast.
    if (Math.abs(a[0] - p[0]) > 0.5 || Math.abs(a[1] - p[1]) > 0.5) continue
    best = Math.min(best, distToSegment(p, a, RING6[i + 1]!))
  }
  return best
}

/** Farther from the centre than the road: the 六环外 side. */
export function outsideRing6(p: Pt): boolean {
  const θ = Math.atan2((p[1] - RING6_CENTRE[1]) * MID.my, (p[0] - RING6_CENTRE[0]) * MID.mx)
  return distMetres(p, RING6_CENTRE) > ring6Radius(θ)
}

/** 0 far from towns, 1 in an urban core or on the 6th-ring fringe (城乡结合部). */
export function urbanity(p: Pt): number {
  let u = 0
  for (const c of URBAN_CORES) u = Math.max(u, Math.exp(-((distMetres(p, c.at) / c.radiusM) ** 2)))
  const ring = Math.exp(-((distToRing6(p) / 3_000) ** 2))
  return Math.max(u, 0.9 * ring) * (1 - mountainness(p))
}
