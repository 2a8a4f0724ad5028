// Before/after imagery of a patch: two MapLibre maps side by side under a swipe bar
// (@maplibre/maplibre-gl-compare), or one map with the after image over the before one and an
// opacity slider. Sources are XYZ templates, WMTS RESTful templates or Cloud-Optimized GeoTIFFs
// (@geomatico/maplibre-cog-protocol). Also the import wizard's preview map. The only MapLibre code
// for these; panels use the small controllers below.
import { addProtocol, Map as MapLibreMap, type ExpressionSpecification, type LayerSpecification, type RasterSourceSpecification, type SourceSpecification } from 'maplibre-gl'
import Compare from '@maplibre/maplibre-gl-compare'
import '@maplibre/maplibre-gl-compare/dist/maplibre-gl-compare.css'
import { cogProtocol } from '@geomatico/maplibre-cog-protocol'
import type { FeatureCollection, Geometry } from 'geojson'
import type { ImagerySource } from '../patches-api.ts'

let cogReady = false
function useCog() {
  if (cogReady) return
  addProtocol('cog', cogProtocol)
  cogReady = true
}

const absolute = (url: string) => (/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : window.location.origin + (url.startsWith('/') ? url : `/${url}`))

/** A MapLibre raster source for an imagery source. */
export function rasterSourceOf(s: ImagerySource): RasterSourceSpecification {
  const attribution = s.attribution ? { attribution: s.attribution } : {}
  if (s.type === 'cog') {
    useCog()
    return { type: 'raster', url: `cog://${absolute(s.url)}`, tileSize: 256, ...attribution }
  }
  const template = s.type === 'wmts'
    ? s.url.replace(/\{TileMatrix\}/gi, '{z}').replace(/\{TileRow\}/gi, '{y}').replace(/\{TileCol\}/gi, '{x}')
    : s.url
  return { type: 'raster', tiles: [absolute(template)], tileSize: 256, maxzoom: 19, ...attribution }
}

const OUTLINE = '#ffd400'

function outlineLayers(source: string): LayerSpecification[] {
  return [
    { id: `${source}-casing`, type: 'line', source, paint: { 'line-color': '#000000', 'line-width': 4, 'line-opacity': 0.5 } },
    { id: `${source}-line`, type: 'line', source, paint: { 'line-color': OUTLINE, 'line-width': 2 } },
  ]
}

function imageMap(container: HTMLElement, image: ImagerySource | undefined, patch: Geometry, bbox: [number, number, number, number], extra: LayerSpecification[] = [], extraSources: Record<string, SourceSpecification> = {}) {
  const sources: Record<string, SourceSpecification> = { patch: { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: patch } }, ...extraSources }
  const layers: LayerSpecification[] = [{ id: 'bg', type: 'background', paint: { 'background-color': '#d9d6cc' } }]
  if (image) {
    sources.image = rasterSourceOf(image)
    layers.push({ id: 'image', type: 'raster', source: 'image' })
  }
  layers.push(...extra, ...outlineLayers('patch'))
  return new MapLibreMap({
    container,
    style: { version: 8, sources, layers },
    bounds: [[bbox[0], bbox[1]], [bbox[2], bbox[3]]],
    fitBoundsOptions: { padding: 60, maxZoom: 19 },
    maxZoom: 20,
    attributionControl: { compact: true },
    dragRotate: false,
    pitchWithRotate: false,
  })
}

export type CompareMode = 'swipe' | 'opacity'

export interface ImageryCompareView {
  /** The after image's opacity over the before one (opacity mode). */
  setOpacity(value: number): void
  /** Where the swipe bar is, 0..1 of the width (swipe mode). */
  setSlider(fraction: number): void
  destroy(): void
}

/**
 * Swipe: two maps in `container` (which must be position: relative), synced, with the bar.
 * Opacity: one map, the after image over the before image.
 */
export function createImageryCompare(
  container: HTMLElement,
  opts: { before?: ImagerySource; after?: ImagerySource; patch: Geometry; bbox: [number, number, number, number]; mode: CompareMode; opacity?: number },
): ImageryCompareView {
  if (opts.mode === 'opacity') {
    const extraSources: Record<string, SourceSpecification> = opts.after ? { after: rasterSourceOf(opts.after) } : {}
    const extra: LayerSpecification[] = opts.after ? [{ id: 'after', type: 'raster', source: 'after', paint: { 'raster-opacity': opts.opacity ?? 1 } }] : []
    const div = document.createElement('div')
    div.className = 'imagery-map'
    container.appendChild(div)
    const map = imageMap(div, opts.before, opts.patch, opts.bbox, extra, extraSources)
    return {
      setOpacity(v) {
        if (map.getLayer('after')) map.setPaintProperty('after', 'raster-opacity', v)
        else map.once('styledata', () => map.getLayer('after') && map.setPaintProperty('after', 'raster-opacity', v))
      },
      setSlider() {},
      destroy() {
        map.remove()
        div.remove()
      },
    }
  }
  const a = document.createElement('div')
  const b = document.createElement('div')
  a.className = 'imagery-map'
  b.className = 'imagery-map'
  a.dataset.side = 'before'
  b.dataset.side = 'after'
  container.append(a, b)
  const before = imageMap(a, opts.before, opts.patch, opts.bbox)
  const after = imageMap(b, opts.after, opts.patch, opts.bbox)
  const compare = new Compare(before, after, container, { orientation: 'vertical', mousemove: false })
  return {
    setOpacity() {},
    setSlider(f) {
      compare.setSlider(container.clientWidth * Math.min(1, Math.max(0, f)))
    },
    destroy() {
      compare.remove()
      before.remove()
      after.remove()
      a.remove()
      b.remove()
    },
  }
}

export interface PreviewMapView {
  setData(fc: FeatureCollection | null, bounds: [number, number, number, number] | null): void
  destroy(): void
}

/** The import wizard's preview: the staged patches over the district outline, problem features in red. */
export function createPreviewMap(container: HTMLElement, adminTiles: string | null): PreviewMapView {
  const empty: FeatureCollection = { type: 'FeatureCollection', features: [] }
  const sources: Record<string, SourceSpecification> = { staged: { type: 'geojson', data: empty }, 'staged-centres': { type: 'geojson', data: empty } }
  const layers: LayerSpecification[] = [{ id: 'bg', type: 'background', paint: { 'background-color': '#f3f1ea' } }]
  if (adminTiles) {
    sources.admin = { type: 'vector', tiles: [absolute(adminTiles)], maxzoom: 16 }
    layers.push({ id: 'admin', type: 'line', source: 'admin', 'source-layer': 'admin-units', filter: ['!=', ['get', 'level'], 'village'], paint: { 'line-color': '#8a8395', 'line-width': 1 } })
  }
  const problem: ExpressionSpecification = ['!=', ['coalesce', ['get', 'problem'], ''], '']
  layers.push(
    { id: 'staged-fill', type: 'fill', source: 'staged', paint: { 'fill-color': ['case', problem, '#d7301f', '#2b7bba'], 'fill-opacity': 0.35 } } as LayerSpecification,
    { id: 'staged-line', type: 'line', source: 'staged', paint: { 'line-color': ['case', problem, '#d7301f', '#2b7bba'], 'line-width': 1.5 } } as LayerSpecification,
    { id: 'staged-point', type: 'circle', source: 'staged', minzoom: 0, maxzoom: 12, paint: { 'circle-radius': 2.5, 'circle-color': ['case', problem, '#d7301f', '#2b7bba'] } } as LayerSpecification,
    // small footprints (buildings) vanish when the whole file is in view: a dot at each centre until z14
    { id: 'staged-centre', type: 'circle', source: 'staged-centres', maxzoom: 14, paint: { 'circle-radius': 3, 'circle-color': ['case', problem, '#d7301f', '#2b7bba'], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 0.75 } } as LayerSpecification,
  )
  const map = new MapLibreMap({ container, style: { version: 8, sources, layers }, center: [116.0, 39.7], zoom: 8, attributionControl: false, dragRotate: false })
  let pending: { fc: FeatureCollection | null; bounds: [number, number, number, number] | null } | null = null
  const apply = (fc: FeatureCollection | null, bounds: [number, number, number, number] | null) => {
    const src = map.getSource('staged') as { setData(d: FeatureCollection): void } | undefined
    src?.setData(fc ?? empty)
    const centres = map.getSource('staged-centres') as { setData(d: FeatureCollection): void } | undefined
    centres?.setData(fc ? centresOf(fc) : empty)
    if (bounds) map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: 30, maxZoom: 16, animate: false })
  }
  map.once('load', () => {
    if (pending) apply(pending.fc, pending.bounds)
    pending = null
  })
  return {
    setData(fc, bounds) {
      if (map.loaded()) apply(fc, bounds)
      else pending = { fc, bounds }
    },
    destroy() {
      map.remove()
    },
  }
}

/** The centre of each line or polygon's box, as a point with the feature's properties. */
function centresOf(fc: FeatureCollection): FeatureCollection {
  const features: FeatureCollection['features'] = []
  for (const f of fc.features) {
    const g = f.geometry
    if (!g || g.type === 'Point' || g.type === 'MultiPoint' || g.type === 'GeometryCollection') continue
    let w = Infinity
    let so = Infinity
    let e = -Infinity
    let n = -Infinity
    const walk = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') {
        const [x, y] = c as number[]
        if (x! < w) w = x!
        if (x! > e) e = x!
        if (y! < so) so = y!
        if (y! > n) n = y!
      } else if (Array.isArray(c)) for (const k of c) walk(k)
    }
    walk(g.coordinates)
    if (Number.isFinite(w)) features.push({ type: 'Feature', properties: f.properties, geometry: { type: 'Point', coordinates: [(w + e) / 2, (so + n) / 2] } })
  }
  return { type: 'FeatureCollection', features }
}
