// The map code that needs no browser: opacity scaling of style values, the layer list in the URL,
// online basemap templates, the style's layer bookkeeping. Plain functions of web/src, imported
// here directly: no page, no build (it ran with the browser tests before issue 16).
import { describe, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Meta } from '../../web/src/api.ts'
import { basemapLayers, normaliseTemplate, validateBasemap, type BasemapSettings } from '../../web/src/map/basemaps.ts'
import { defaultVisibility, isShown, LAYER_GROUPS, SWITCH_IDS } from '../../web/src/map/groups.ts'
import { buildStyle, PICK_RANK, scaleOpacity } from '../../web/src/map/style.ts'
import { hashWithLayers, visibilityFromHash } from '../../web/src/url-state.ts'

const ids = ['admin-units', 'parcels', 'buildings', 'roads', 'waters', 'reference-areas', 'cases', 'detections', 'zones', 'buffer-zones']
const META: Meta = {
  product: 'chaiwei',
  version: 'test',
  district: { code: '110111', name: '房山区', bbox: [115.4, 39.5, 116.3, 39.9], center: [115.9, 39.7] },
  sample: null,
  layers: ids.map((id) => ({
    id,
    title: id,
    minzoom: id === 'parcels' ? 14 : 0,
    maxzoom: 16,
    geometryType: 'polygon',
    aggregateBelowZoom: id === 'buildings' ? 13 : null,
    aggregateAboveFeatures: null,
    tiles: `/ogc/collections/${id}/tiles/WebMercatorQuad/{z}/{y}/{x}`,
  })),
}

describe('opacity of style values', () => {
  test('numbers are multiplied, zoom curves scaled stop by stop, data expressions wrapped', () => {
    assert.equal(scaleOpacity(0.8, 0.5), 0.4)
    assert.deepEqual(scaleOpacity(['interpolate', ['linear'], ['zoom'], 14, 0.2, 17, 0.4], 0.5), ['interpolate', ['linear'], ['zoom'], 14, 0.1, 17, 0.2])
    assert.deepEqual(scaleOpacity(['step', ['zoom'], 0, 11, 1], 0.5), ['step', ['zoom'], 0, 11, 0.5])
    assert.deepEqual(scaleOpacity(['case', ['get', 'x'], 1, 0], 0.5), ['*', ['case', ['get', 'x'], 1, 0], 0.5])
    const base = ['interpolate', ['linear'], ['zoom'], 8, 1]
    assert.equal(scaleOpacity(base, 1), base, 'full opacity leaves the value alone')
  })
})

describe('the style', () => {
  const built = buildStyle(META, 'http://localhost')
  test('every published layer is a source with promoteId: code for admin units, id for the rest; tiles stop at maxzoom 16', () => {
    for (const id of ids) {
      const src = built.style.sources[id] as { promoteId?: string; maxzoom?: number; tiles?: string[] }
      assert.equal(src.promoteId, id === 'admin-units' ? 'code' : 'id', id)
      assert.equal(src.maxzoom, 16)
      assert.match(src.tiles![0]!, /^http:\/\/localhost\/ogc\/collections\/.+\/\{z\}\/\{y\}\/\{x\}$/)
    }
  })
  test('draws the groups bottom to top in the panel order', () => {
    const idx = (layerId: string) => built.style.layers.findIndex((l) => l.id === layerId)
    const chain = ['roads-line', 'admin-line-district', 'parcels-fill', 'buildings-fill', 'buffer-zones-fill', 'zones-fill', 'detections-fill', 'cases-fill']
    for (let i = 1; i < chain.length; i++) assert.ok(idx(chain[i - 1]!) >= 0 && idx(chain[i - 1]!) < idx(chain[i]!), `${chain[i - 1]} below ${chain[i]}`)
  })
  test('buildings: grid points below 13, footprints from 13, extrusion from 15 and off by default', () => {
    const layer = (id: string) => built.style.layers.find((l) => l.id === id) as { maxzoom?: number; minzoom?: number; layout?: { visibility?: string }; type: string }
    assert.equal(layer('buildings-agg').type, 'circle')
    assert.equal(layer('buildings-agg').maxzoom, 13)
    assert.equal(layer('buildings-fill').minzoom, 13)
    assert.equal(layer('buildings-3d').type, 'fill-extrusion')
    assert.equal(layer('buildings-3d').minzoom, 15)
    assert.equal(isShown(defaultVisibility(), 'buildings-3d'), false)
  })
  test('every inspectable layer has a pick rank, and a building outranks the zone around it', () => {
    for (const id of built.inspectable) assert.ok(PICK_RANK[id] !== undefined, id)
    assert.ok(PICK_RANK['buildings-fill']! > PICK_RANK['zones-fill']!)
    assert.ok(PICK_RANK['buildings-fill']! > PICK_RANK['buffer-zones-fill']!)
    assert.ok(PICK_RANK['cases-fill']! > PICK_RANK['buildings-fill']!)
  })
  test('an empty layer list (no zones published) leaves their layers out without breaking', () => {
    const fewer = buildStyle({ ...META, layers: META.layers.filter((l) => l.id !== 'zones' && l.id !== 'buffer-zones') }, 'http://localhost')
    assert.ok(!fewer.style.layers.some((l) => l.id.startsWith('zones') || l.id.startsWith('buffer-zones')))
    assert.ok(fewer.style.layers.some((l) => l.id === 'cases-fill'))
  })
})

describe('layers in the URL', () => {
  test('round trip, next to MapLibre’s map= and other parameters', () => {
    const v = { ...defaultVisibility(), cases: false, 'buildings-3d': true }
    const hash = hashWithLayers('#map=14/39.7/116&foo=bar', v)
    assert.match(hash, /^#map=14\/39\.7\/116&foo=bar&layers=[a-z0-9,-]+$/)
    assert.deepEqual(visibilityFromHash(hash), v)
    assert.ok(!hash.includes('cases,') && !hash.endsWith('cases'))
  })
  test('no list: null (defaults apply); unknown ids are ignored', () => {
    assert.equal(visibilityFromHash('#map=14/39.7/116'), null)
    const v = visibilityFromHash('#layers=cases,nonsense')!
    assert.deepEqual(Object.keys(v).sort(), [...SWITCH_IDS].sort())
    assert.equal(v.cases, true)
    assert.equal(v.buildings, false)
  })
  test('the panel has the eight groups in the required order', () => {
    assert.deepEqual(
      LAYER_GROUPS.map((g) => g.id),
      ['basemap', 'admin', 'parcels', 'buildings', 'buffer-zones', 'zones', 'detections', 'cases'],
    )
  })
})

describe('online basemaps', () => {
  const base: BasemapSettings = { kind: 'none', tiandituToken: '', customTemplate: '' }
  test('off by default: no layers', () => {
    assert.deepEqual(basemapLayers(base), [])
  })
  test('OpenStreetMap', () => {
    const [osm] = basemapLayers({ ...base, kind: 'osm' })
    assert.deepEqual(osm!.tiles, ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'])
  })
  test('天地图 needs a key; vector is vec_w + cva_w, imagery img_w + cia_w, on t0–t7 with tk=', () => {
    assert.equal(validateBasemap({ ...base, kind: 'tianditu-vec' }), 'basemap.errToken')
    const token = 'abcdef0123456789abcdef0123456789'
    const vec = basemapLayers({ ...base, kind: 'tianditu-vec', tiandituToken: token })
    assert.deepEqual(vec.map((l) => l.id), ['tianditu-vec', 'tianditu-cva'])
    assert.equal(vec[0]!.tiles.length, 8)
    assert.match(vec[0]!.tiles[0]!, /^https:\/\/t0\.tianditu\.gov\.cn\/vec_w\/wmts\?.*LAYER=vec.*TILEMATRIXSET=w.*TILEMATRIX=\{z\}&TILEROW=\{y\}&TILECOL=\{x\}&tk=abcdef0123456789abcdef0123456789$/)
    assert.match(vec[1]!.tiles[7]!, /^https:\/\/t7\.tianditu\.gov\.cn\/cva_w\//)
    const img = basemapLayers({ ...base, kind: 'tianditu-img', tiandituToken: token })
    assert.deepEqual(img.map((l) => l.id), ['tianditu-img', 'tianditu-cia'])
    assert.match(img[0]!.tiles[3]!, /^https:\/\/t3\.tianditu\.gov\.cn\/img_w\/wmts\?.*LAYER=img/)
  })
  test('custom XYZ, TMS and WMTS templates; anything else refused', () => {
    assert.deepEqual(normaliseTemplate('https://a.example/{z}/{x}/{y}.png'), { tiles: ['https://a.example/{z}/{x}/{y}.png'], scheme: 'xyz' })
    assert.deepEqual(normaliseTemplate('https://a.example/{z}/{x}/{-y}.png'), { tiles: ['https://a.example/{z}/{x}/{y}.png'], scheme: 'tms' })
    assert.deepEqual(normaliseTemplate('https://{s}.example/{z}/{x}/{y}.png')!.tiles, ['https://a.example/{z}/{x}/{y}.png', 'https://b.example/{z}/{x}/{y}.png', 'https://c.example/{z}/{x}/{y}.png'])
    assert.deepEqual(
      normaliseTemplate('https://w.example/wmts/layer/default/GoogleMapsCompatible/{TileMatrix}/{TileRow}/{TileCol}.png')!.tiles,
      ['https://w.example/wmts/layer/default/GoogleMapsCompatible/{z}/{y}/{x}.png'],
    )
    assert.equal(normaliseTemplate('ftp://a.example/{z}/{x}/{y}.png'), null)
    assert.equal(normaliseTemplate('https://a.example/{z}/{x}.png'), null)
    assert.equal(normaliseTemplate('javascript:alert(1)//{z}{x}{y}'), null)
    assert.equal(validateBasemap({ ...base, kind: 'custom', customTemplate: 'https://a.example/tile.png' }), 'basemap.errTemplate')
  })
})
