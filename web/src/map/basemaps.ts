// Optional online basemaps: OpenStreetMap, 天地图 (vector or imagery, with the user's key), or any
// XYZ / WMTS template. OFF by default: the app stays offline (no request leaves the machine) until
// the user picks one in the settings dialog; the choice is kept in localStorage. Free of MapLibre:
// this module turns the settings into raster tile templates; the adapter adds them to the map.
import type { MessageKey } from '../i18n/messages.ts'

export const BASEMAP_KINDS = ['none', 'osm', 'tianditu-vec', 'tianditu-img', 'custom'] as const
export type BasemapKind = (typeof BASEMAP_KINDS)[number]

export interface BasemapSettings {
  kind: BasemapKind
  /** 天地图 key (`tk=`); kept while another kind is chosen. */
  tiandituToken: string
  /** XYZ or WMTS template for `custom`. */
  customTemplate: string
}

export const BASEMAP_LABELS: Readonly<Record<BasemapKind, MessageKey>> = {
  none: 'basemap.none',
  osm: 'basemap.osm',
  'tianditu-vec': 'basemap.tiandituVec',
  'tianditu-img': 'basemap.tiandituImg',
  custom: 'basemap.custom',
}

/** One raster layer of a basemap, bottom first (天地图 has a base and an annotation layer). */
export interface RasterLayer {
  id: string
  tiles: string[]
  tileSize: number
  minzoom: number
  maxzoom: number
  scheme: 'xyz' | 'tms'
  attribution: string
}

export const OFFLINE: BasemapSettings = { kind: 'none', tiandituToken: '', customTemplate: '' }
const STORAGE_KEY = 'chaiwei.basemap'

export function loadBasemapSettings(): BasemapSettings {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return OFFLINE
    const v = JSON.parse(raw) as Partial<BasemapSettings>
    const settings: BasemapSettings = {
      kind: (BASEMAP_KINDS as readonly string[]).includes(v.kind ?? '') ? (v.kind as BasemapKind) : 'none',
      tiandituToken: typeof v.tiandituToken === 'string' ? v.tiandituToken : '',
      customTemplate: typeof v.customTemplate === 'string' ? v.customTemplate : '',
    }
    // A stored choice that no longer validates (hand-edited storage) falls back to offline.
    return validateBasemap(settings) ? { ...settings, kind: 'none' } : settings
  } catch {
    return OFFLINE
  }
}

export function saveBasemapSettings(settings: BasemapSettings): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings))
  } catch {
    // storage blocked: the choice holds for this page only
  }
}

/** Turns WMTS, TMS and {s} templates into MapLibre's {z}/{x}/{y}; null when z, x or y is missing. */
export function normaliseTemplate(template: string): { tiles: string[]; scheme: 'xyz' | 'tms' } | null {
  let t = template.trim()
  if (!/^https?:\/\/[^\s/]+/i.test(t) || /\s/.test(t)) return null
  let scheme: 'xyz' | 'tms' = 'xyz'
  t = t
    .replace(/\{TileMatrix\}/gi, '{z}')
    .replace(/\{TileRow\}/gi, '{y}')
    .replace(/\{TileCol\}/gi, '{x}')
  if (t.includes('{-y}')) {
    t = t.replace(/\{-y\}/g, '{y}')
    scheme = 'tms'
  }
  if (!t.includes('{z}') || !t.includes('{x}') || !t.includes('{y}')) return null
  const tiles = t.includes('{s}') ? ['a', 'b', 'c'].map((s) => t.replace(/\{s\}/g, s)) : [t]
  return { tiles, scheme }
}

/** What is wrong with the settings (a message key), or null when they can be used. */
export function validateBasemap(s: BasemapSettings): MessageKey | null {
  if ((s.kind === 'tianditu-vec' || s.kind === 'tianditu-img') && !/^[0-9A-Za-z]{8,64}$/.test(s.tiandituToken.trim())) {
    return 'basemap.errToken'
  }
  if (s.kind === 'custom' && !normaliseTemplate(s.customTemplate)) return 'basemap.errTemplate'
  return null
}

/** 天地图 WMTS GetTile (KVP) in its Web Mercator matrix set `w`, over the 8 hosts t0..t7. */
function tianditu(layer: 'vec' | 'cva' | 'img' | 'cia', token: string): string[] {
  const tk = encodeURIComponent(token.trim())
  return Array.from(
    { length: 8 },
    (_, i) =>
      `https://t${i}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}` +
      `&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${tk}`,
  )
}

const TIANDITU_ATTRIBUTION = '© 天地图 国家地理信息公共服务平台'

/** The raster layers to draw for the settings; empty for `none` or settings that do not validate. */
export function basemapLayers(s: BasemapSettings): RasterLayer[] {
  if (s.kind === 'none' || validateBasemap(s)) return []
  const base = { tileSize: 256, minzoom: 0, scheme: 'xyz' as const }
  switch (s.kind) {
    case 'osm':
      return [
        {
          ...base,
          id: 'osm',
          tiles: ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'],
          maxzoom: 19,
          attribution: '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noreferrer">OpenStreetMap</a> contributors',
        },
      ]
    case 'tianditu-vec':
      return [
        { ...base, id: 'tianditu-vec', tiles: tianditu('vec', s.tiandituToken), maxzoom: 18, attribution: TIANDITU_ATTRIBUTION },
        { ...base, id: 'tianditu-cva', tiles: tianditu('cva', s.tiandituToken), maxzoom: 18, attribution: '' },
      ]
    case 'tianditu-img':
      return [
        { ...base, id: 'tianditu-img', tiles: tianditu('img', s.tiandituToken), maxzoom: 18, attribution: TIANDITU_ATTRIBUTION },
        { ...base, id: 'tianditu-cia', tiles: tianditu('cia', s.tiandituToken), maxzoom: 18, attribution: '' },
      ]
    case 'custom': {
      const n = normaliseTemplate(s.customTemplate)!
      let host = ''
      try {
        host = new URL(n.tiles[0]!.replace(/\{[^}]*\}/g, '0')).host
      } catch {
        // keep the attribution empty
      }
      return [{ ...base, id: 'custom', tiles: n.tiles, scheme: n.scheme, maxzoom: 22, attribution: host }]
    }
  }
}
