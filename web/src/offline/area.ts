// "Download this area": the vector tiles of every layer over an area (z12 to the tiles' detail
// zoom; the map draws closer zooms from those) into the service worker's area cache, and the
// field user's records into its records cache, with a size estimate, progress and a storage
// budget. The map, the task list and the forms then work with no network.
import { AREA_CACHE } from './cache-rules.ts'

export type Bbox = [west: number, south: number, east: number, north: number]

export const AREA_MIN_ZOOM = 12
/** The zoom the server's tiles stop at (DETAIL_ZOOM); the map overzooms them to 17 and beyond. */
export const AREA_MAX_ZOOM = 16
/** Until areas have been downloaded on this device, a tile is guessed at this size. */
const GUESSED_TILE_BYTES = 6 * 1024
const MEASURED_KEY = 'chaiwei.area.bytesPerTile'
/** Never fill more than this share of what the browser grants the app. */
const BUDGET_SHARE = 0.8
/** Refuse areas that would need more tiles than this (a district, not a village). */
export const MAX_AREA_TILES = 20_000

export interface TileRef {
  z: number
  x: number
  y: number
}

const lon2x = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z)
const lat2y = (lat: number, z: number) => {
  const r = (lat * Math.PI) / 180
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z)
}

/** The WebMercatorQuad tiles covering a box at each zoom from min to max. */
export function tilesCovering(bbox: Bbox, minZoom = AREA_MIN_ZOOM, maxZoom = AREA_MAX_ZOOM): TileRef[] {
  const out: TileRef[] = []
  for (let z = minZoom; z <= maxZoom; z++) {
    const [x0, x1] = [lon2x(bbox[0], z), lon2x(bbox[2], z)]
    const [y0, y1] = [lat2y(bbox[3], z), lat2y(bbox[1], z)]
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push({ z, x, y })
  }
  return out
}

/** A box grown by `metres` on every side (for the surroundings of the tasks). */
export function grow(b: Bbox, metres: number): Bbox {
  const dLat = metres / 111_320
  const dLon = metres / (111_320 * Math.cos((((b[1] + b[3]) / 2) * Math.PI) / 180))
  return [b[0] - dLon, b[1] - dLat, b[2] + dLon, b[3] + dLat]
}

export function union(boxes: readonly Bbox[]): Bbox | null {
  if (boxes.length === 0) return null
  return boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])])
}

/** Patches' imagery is drawn closer than the vector tiles: these zooms around each patch. */
export const IMAGERY_ZOOMS = [15, 18] as const

/** The tiles of an XYZ template ({z}/{x}/{y}) over a box at the imagery zooms; none for a template on another host. */
export function imageryUrls(template: string, bbox: Bbox): string[] {
  if (!template.startsWith('/')) return [] // another host's imagery: not ours to copy, and the service worker does not serve it
  return tilesCovering(bbox, IMAGERY_ZOOMS[0], IMAGERY_ZOOMS[1]).map(({ z, x, y }) => template.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)))
}

export interface AreaPlan {
  urls: string[]
  estimatedBytes: number
  /** What the browser still lets the app store, or null when it does not say. */
  availableBytes: number | null
  fits: boolean
}

function bytesPerTile(): number {
  const n = Number(localStorage.getItem(MEASURED_KEY))
  return Number.isFinite(n) && n > 0 ? n : GUESSED_TILE_BYTES
}

/** The tile URLs of the layers over the area (and `extra`, e.g. imagery), and whether they fit the storage budget. */
export async function planArea(bbox: Bbox, tileTemplates: readonly string[], extra: readonly string[] = []): Promise<AreaPlan> {
  const tiles = tilesCovering(bbox)
  const urls = [...tileTemplates.flatMap((t) => tiles.map(({ z, x, y }) => t.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)))), ...extra]
  const estimatedBytes = Math.round(urls.length * bytesPerTile())
  const est = await navigator.storage?.estimate?.().catch(() => null)
  const availableBytes = est?.quota !== undefined ? Math.max(0, est.quota * BUDGET_SHARE - (est.usage ?? 0)) : null
  return { urls, estimatedBytes, availableBytes, fits: urls.length <= MAX_AREA_TILES * tileTemplates.length && (availableBytes === null || estimatedBytes <= availableBytes) }
}

export interface Progress {
  done: number
  total: number
  bytes: number
  failed: number
}

/**
 * Fetches every URL into the area cache, a few at a time, reporting progress; resolves with the
 * final counts. A tile that fails is counted and skipped (the rest still arrive); abort stops it.
 */
export async function downloadArea(urls: readonly string[], onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<Progress> {
  await navigator.storage?.persist?.().catch(() => false)
  const cache = await caches.open(AREA_CACHE)
  const p: Progress = { done: 0, total: urls.length, bytes: 0, failed: 0 }
  let next = 0
  const worker = async () => {
    while (next < urls.length && !signal?.aborted) {
      const url = urls[next++]!
      try {
        const res = await fetch(url, { credentials: 'same-origin', signal })
        if (res.status === 200) {
          const blob = await res.clone().blob()
          p.bytes += blob.size
          await cache.put(url, res)
        } else if (res.status !== 204) {
          p.failed++
        }
      } catch {
        if (signal?.aborted) return
        p.failed++
      }
      p.done++
      onProgress({ ...p })
    }
  }
  await Promise.all(Array.from({ length: 6 }, worker))
  const stored = p.done - p.failed
  if (stored > 20) localStorage.setItem(MEASURED_KEY, String(Math.max(512, p.bytes / stored)))
  return p
}

/** Reads the URLs once online so the service worker keeps their answers for offline use. */
export async function keepRecords(urls: readonly string[]): Promise<number> {
  let kept = 0
  for (const url of urls) {
    try {
      const res = await fetch(url, { credentials: 'same-origin' })
      if (res.ok) kept++
    } catch {
      // offline already: what was kept before stays
    }
  }
  return kept
}

export async function areaCacheBytes(): Promise<number> {
  const est = await navigator.storage?.estimate?.().catch(() => null)
  return est?.usage ?? 0
}
