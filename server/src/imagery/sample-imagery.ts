// Synthetic before/after imagery for the sample batches, computed per tile when asked for: nothing
// is committed and nothing is fetched from outside. The "after" image draws the ground by land
// class, every building and the cleared land of the batch's patches; the "before" image leaves out
// the buildings under the batch's new-building and extension patches and keeps the cleared land
// green. So a swipe over a sample patch shows exactly the change the patch claims.
import { encode } from 'fast-png'

export type Side = 'before' | 'after'

/** The imagery column of a sample batch: XYZ templates served by the app (routes/imagery.route.ts). */
export function sampleImagery(batchId: number) {
  const url = (side: Side) => `/api/imagery/sample/${batchId}/${side}/{z}/{x}/{y}.png`
  return { before: { type: 'xyz', url: url('before'), attribution: '合成影像 synthetic' }, after: { type: 'xyz', url: url('after'), attribution: '合成影像 synthetic' } }
}

/** Below this zoom a tile is empty: single buildings are not visible further out. */
export const IMAGERY_MINZOOM = 12
export const TILE_SIZE = 256

type Rgb = [number, number, number]
type Geometry = { type: string; coordinates: unknown }

export interface ImageryFeatures {
  parcels: { landClass: string; geometry: Geometry }[]
  /** isNew: under a new-building or extension patch of the batch (absent from the before image). */
  buildings: { id: number; floors: number; isNew: boolean; geometry: Geometry }[]
  patches: { changeType: string; geometry: Geometry }[]
}

const GROUND: Rgb = [150, 150, 118]
const LAND: Record<string, Rgb> = {
  farmland: [128, 150, 84], basic_farmland: [116, 144, 76], homestead: [176, 168, 150], collective_construction: [168, 162, 148],
  state_construction: [162, 160, 154], forest: [72, 100, 58], garden: [104, 132, 70], water: [70, 108, 134], road: [150, 146, 138], other: [160, 154, 128],
}
const CLEARED: Rgb = [196, 164, 120]
const ROOFS: Rgb[] = [[206, 202, 194], [178, 186, 196], [170, 92, 78], [120, 140, 160], [214, 210, 200]]

/** Pixel position of a lon/lat in the tile (Web Mercator). */
function projector(z: number, x: number, y: number) {
  const n = 2 ** z * TILE_SIZE
  return (lon: number, lat: number): [number, number] => {
    const px = ((lon + 180) / 360) * n - x * TILE_SIZE
    const s = Math.sin((lat * Math.PI) / 180)
    const py = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n - y * TILE_SIZE
    return [px, py]
  }
}

/** The tile's box in lon/lat [w, s, e, n]. */
export function tileBbox(z: number, x: number, y: number): [number, number, number, number] {
  const n = 2 ** z
  const lon = (c: number) => (c / n) * 360 - 180
  const lat = (r: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * r) / n))) * 180) / Math.PI
  return [lon(x), lat(y + 1), lon(x + 1), lat(y)]
}

function polygonsOf(g: Geometry): number[][][][] {
  if (g.type === 'Polygon') return [g.coordinates as number[][][]]
  if (g.type === 'MultiPolygon') return g.coordinates as number[][][][]
  return []
}

/** Even-odd scanline fill of a polygon's rings (pixel centres), blended over the image. */
function fill(img: Uint8Array, rings: [number, number][][], color: Rgb, alpha = 1) {
  let minY = Infinity
  let maxY = -Infinity
  for (const r of rings) for (const [, py] of r) {
    minY = Math.min(minY, py)
    maxY = Math.max(maxY, py)
  }
  const y0 = Math.max(0, Math.ceil(minY - 0.5))
  const y1 = Math.min(TILE_SIZE - 1, Math.floor(maxY - 0.5))
  const xs: number[] = []
  for (let row = y0; row <= y1; row++) {
    const cy = row + 0.5
    xs.length = 0
    for (const r of rings) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xi, yi] = r[i]!
        const [xj, yj] = r[j]!
        if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi))
      }
    }
    xs.sort((a, b) => a - b)
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const a = Math.max(0, Math.ceil(xs[k]! - 0.5))
      const b = Math.min(TILE_SIZE - 1, Math.floor(xs[k + 1]! - 0.5))
      for (let col = a; col <= b; col++) {
        const o = (row * TILE_SIZE + col) * 3
        for (let c = 0; c < 3; c++) img[o + c] = Math.round(img[o + c]! * (1 - alpha) + color[c]! * alpha)
      }
    }
  }
}

/** A deterministic speckle, so the ground looks like imagery rather than a flat map. */
function speckle(img: Uint8Array, z: number, x: number, y: number, side: Side) {
  let h = (z * 73856093) ^ (x * 19349663) ^ (y * 83492791) ^ (side === 'after' ? 0x5bd1e995 : 0)
  for (let i = 0; i < img.length; i += 3) {
    h = (h ^ (h << 13)) >>> 0
    h = (h ^ (h >>> 17)) >>> 0
    h = (h ^ (h << 5)) >>> 0
    const d = (h % 15) - 7
    for (let c = 0; c < 3; c++) img[i + c] = Math.max(0, Math.min(255, img[i + c]! + d))
  }
}

/** One 256 px PNG tile of the before or after image. */
export function renderTile(z: number, x: number, y: number, side: Side, f: ImageryFeatures): Uint8Array {
  const img = new Uint8Array(TILE_SIZE * TILE_SIZE * 3)
  // A later season after: the fields a little yellower.
  const ground: Rgb = side === 'after' ? [GROUND[0] + 8, GROUND[1] + 4, GROUND[2]] : GROUND
  for (let i = 0; i < img.length; i += 3) img.set(ground, i)
  const px = projector(z, x, y)
  const rings = (g: Geometry) => polygonsOf(g).map((poly) => poly.map((ring) => ring.map(([lon, lat]) => px(lon!, lat!))))
  for (const p of f.parcels) {
    const base = LAND[p.landClass] ?? LAND.other!
    const color: Rgb = side === 'after' ? [base[0] + 10, base[1] + 4, base[2]] : base
    for (const r of rings(p.geometry)) fill(img, r, color)
  }
  if (side === 'after') {
    for (const p of f.patches) if (p.changeType === 'land_cleared') for (const r of rings(p.geometry)) fill(img, r, CLEARED)
  }
  for (const b of f.buildings) {
    if (side === 'before' && b.isNew) continue
    const roof = ROOFS[b.id % ROOFS.length]!
    for (const r of rings(b.geometry)) {
      // A shadow to the north-east of taller buildings, then the roof.
      const shift = Math.min(6, b.floors) * 2 ** (z - 17) * 1.2
      fill(img, r.map((ring) => ring.map(([a, c]) => [a + shift, c - shift] as [number, number])), [60, 62, 58], 0.45)
      fill(img, r, roof)
    }
  }
  speckle(img, z, x, y, side)
  return encode({ width: TILE_SIZE, height: TILE_SIZE, data: img, channels: 3 })
}
