// The map styles checked against the MapLibre style spec and against the tiles the server makes
// (issue 16): every style the app builds — the staff map from the server's own /api/meta layer
// list, with and without a district, with an online basemap, extruded buildings and dimmed groups,
// with the dashboard's choropleth and the planning view's highlights, and the public pages' map —
// validates with no error, and every layer reads a tile layer the server publishes and only
// attributes those tiles carry. A misspelled paint property, a wrong source-layer or a filter on an
// attribute the server does not put in its tiles fails here, not as a silently blank layer.
// (Every signed-in role gets the same /api/meta layers, so roles add no configuration.)
import { describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec'
import type { LayerSpecification, StyleSpecification } from 'maplibre-gl'
import { PUBLIC_TILE_LAYERS } from '../../server/src/routes/public.route.ts'
import { LAYERS } from '../../server/src/sources/layers.ts'
import { metaLayers } from '../../server/src/routes/meta.route.ts'
import type { Meta } from '../../web/src/api.ts'
import { basemapLayers, OFFLINE } from '../../web/src/map/basemaps.ts'
import { classify } from '../../web/src/charts/palette.ts'
import { choroplethLayers, highlightLayers } from '../../web/src/map/choropleth.ts'
import { defaultOpacity, defaultVisibility } from '../../web/src/map/groups.ts'
import { labelPoints } from '../../web/src/map/labels.ts'
import { publicStyle } from '../../web/src/map/public-style.ts'
import { buildStyle, LABEL_SOURCE } from '../../web/src/map/style.ts'
import { createLayerState, prepareStyle } from '../../web/src/map/view/layer-state.ts'

const BBOX: [number, number, number, number] = [115.4, 39.5, 116.3, 39.9]
const ORIGIN = 'http://localhost:3000'

/** /api/meta as meta.route.ts makes it, with the same layer list. */
function metaOf(district: boolean): Meta {
  return {
    product: 'chaiwei',
    version: 'test',
    district: district ? { code: '110111', name: '房山区', bbox: BBOX, center: [115.9, 39.7] } : null,
    sample: null,
    layers: metaLayers(),
  } as Meta
}

/** What a tile of each layer carries (tiles.ts): its tile columns and computed attributes, and on
 *  grid-cell points `count`, `area_m2` and the grouping attribute. */
const TILE_ATTRIBUTES = new Map(
  LAYERS.map((l) => [
    l.id,
    new Set([
      ...l.tileColumns,
      ...Object.keys(l.tileExpressions ?? {}),
      ...(l.aggregate ? ['count', 'area_m2', ...(l.aggregate.groupBy ? [l.aggregate.groupBy] : [])] : []),
    ]),
  ]),
)

/** What the place-name points carry: asked of labels.ts itself, from one square unit. */
const LABEL_ATTRIBUTES = new Set(
  Object.keys(
    labelPoints([{ code: '1', name: 'x', level: 'town', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] } }])[0]!.properties,
  ),
)

/** Every feature property an expression reads (`get`/`has` of a literal name, outside feature-state). */
function propertiesRead(value: unknown, out = new Set<string>()): Set<string> {
  if (!Array.isArray(value)) return out
  const [op, name, object] = value as unknown[]
  if ((op === 'get' || op === 'has') && typeof name === 'string' && object === undefined) out.add(name)
  for (const v of value) propertiesRead(v, out)
  return out
}

function layerExpressions(layer: LayerSpecification): unknown[] {
  const l = layer as { filter?: unknown; layout?: Record<string, unknown>; paint?: Record<string, unknown> }
  return [l.filter, ...Object.values(l.layout ?? {}), ...Object.values(l.paint ?? {})]
}

/** The spec's errors, then every read of a tile layer or attribute the server does not publish. */
function problems(style: StyleSpecification, geojsonAttributes: Readonly<Record<string, ReadonlySet<string>>> = {}): string[] {
  // The spec names a layer by its index: add its id, so the message says which layer broke.
  const found = validateStyleMin(style).map((e) => `style spec: ${e.message.replace(/^layers\[(\d+)\]/, (at, i: string) => `${at} (${style.layers[Number(i)]?.id})`)}`)
  for (const layer of style.layers) {
    if (!('source' in layer) || typeof layer.source !== 'string') continue
    const source = style.sources[layer.source]
    const sourceLayer = (layer as { 'source-layer'?: string })['source-layer']
    let allowed: ReadonlySet<string> | undefined
    if (source?.type === 'vector') {
      if (sourceLayer === undefined) {
        found.push(`${layer.id}: a vector source needs a source-layer`)
        continue
      }
      allowed = TILE_ATTRIBUTES.get(sourceLayer)
      if (!allowed) {
        found.push(`${layer.id}: source-layer "${sourceLayer}" is no tile layer of the server (${[...TILE_ATTRIBUTES.keys()].join(', ')})`)
        continue
      }
      if (sourceLayer !== layer.source) found.push(`${layer.id}: source "${layer.source}" serves tile layer "${layer.source}", not "${sourceLayer}"`)
    } else {
      allowed = geojsonAttributes[layer.source]
    }
    if (!allowed) continue
    for (const name of layerExpressions(layer).flatMap((e) => [...propertiesRead(e)])) {
      if (!allowed.has(name)) found.push(`${layer.id}: reads "${name}", which ${sourceLayer ?? layer.source} features do not carry (${[...allowed].join(', ')})`)
    }
  }
  return found
}

const STAFF_GEOJSON = { [LABEL_SOURCE]: LABEL_ATTRIBUTES, selection: new Set<string>() }

/** The staff style as the adapter gives it to MapLibre: built, then the user's choices put in. */
function staffStyle(meta: Meta, choices: Partial<Parameters<typeof createLayerState>[1]> = {}): StyleSpecification {
  const built = buildStyle(meta, ORIGIN)
  const state = createLayerState(built.layers, { visibility: defaultVisibility(), opacity: defaultOpacity(), basemap: [], ...choices })
  prepareStyle(built.style, state)
  return built.style
}

describe('the map styles validate against the MapLibre style spec and the server’s tiles', () => {
  test('the staff map as it opens, over the district', () => {
    const style = staffStyle(metaOf(true))
    assert.ok(style.layers.length > 40, `only ${style.layers.length} layers`)
    assert.deepEqual(problems(style, STAFF_GEOJSON), [])
  })

  test('the staff map over an empty database (no district)', () => {
    assert.deepEqual(problems(staffStyle(metaOf(false)), STAFF_GEOJSON), [])
  })

  test('every layer on, extruded buildings, every group dimmed, an online basemap under the ground', () => {
    const visibility = { ...defaultVisibility(), 'buildings-3d': true }
    const opacity = Object.fromEntries(Object.keys(defaultOpacity()).map((g) => [g, 0.4])) as ReturnType<typeof defaultOpacity>
    for (const kind of ['osm', 'tianditu-img'] as const) {
      const basemap = basemapLayers({ ...OFFLINE, kind, tiandituToken: 'abcdef0123456789abcdef0123456789' })
      const style = staffStyle(metaOf(true), { visibility, opacity, basemap })
      assert.ok(style.layers.some((l) => l.type === 'raster'), kind)
      assert.deepEqual(problems(style, STAFF_GEOJSON), [], kind)
    }
  })

  test('the dashboard’s choropleth and the planning view’s highlights over the staff map', () => {
    const style = staffStyle(metaOf(true))
    style.layers.push(
      ...choroplethLayers({ level: 'village', values: { '110111001001': 3, '110111001002': 9 }, classes: classify([3, 9, 1, 14]) }),
      ...highlightLayers({ kind: 'keyVillages', collection: 'admin-units', ids: ['110111001001'] }),
      ...highlightLayers({ kind: 'picked', collection: 'parcels', ids: [1, 2] }),
    )
    assert.deepEqual(problems(style, STAFF_GEOJSON), [])
  })

  test('the public pages’ map, from the tiles the public route serves', () => {
    const style = publicStyle(ORIGIN, BBOX)
    const vectorSources = Object.entries(style.sources).filter(([, s]) => s.type === 'vector').map(([id]) => id)
    assert.deepEqual(vectorSources.sort(), [...PUBLIC_TILE_LAYERS].sort())
    assert.deepEqual(problems(style, { [LABEL_SOURCE]: LABEL_ATTRIBUTES, disclosed: new Set(['count']), pick: new Set<string>() }), [])
  })
})

describe('the checks catch a broken layer', () => {
  // The checks above pass only if they can fail: each breakage below must be reported by name.
  const broken = (mutate: (layers: LayerSpecification[]) => void) => {
    const style = staffStyle(metaOf(true))
    mutate(style.layers)
    return problems(style, STAFF_GEOJSON)
  }
  const layer = (layers: LayerSpecification[], id: string) => layers.find((l) => l.id === id) as unknown as Record<string, Record<string, unknown>>

  test('a misspelled paint property', () => {
    const found = broken((ls) => {
      layer(ls, 'cases-fill').paint!['fill-colour'] = '#ff0000'
    })
    assert.ok(found.some((m) => m.includes('cases-fill') && m.includes('fill-colour')), found.join('\n'))
  })

  test('a source-layer the server does not publish', () => {
    const found = broken((ls) => {
      ;(layer(ls, 'parcels-fill') as Record<string, unknown>)['source-layer'] = 'parcel'
    })
    assert.ok(found.some((m) => m.startsWith('parcels-fill: source-layer "parcel"')), found.join('\n'))
  })

  test('a filter on an attribute the tiles do not carry', () => {
    const found = broken((ls) => {
      ;(layer(ls, 'zones-line') as Record<string, unknown>)['filter'] = ['==', ['get', 'zone_kind'], 'key_village']
    })
    assert.deepEqual(found, ['zones-line: reads "zone_kind", which zones features do not carry (id, name, zone_type)'])
  })

  test('an expression of the wrong type', () => {
    const found = broken((ls) => {
      layer(ls, 'buildings-fill').paint!['fill-opacity'] = ['concat', 'half', '']
    })
    assert.ok(found.some((m) => m.includes('buildings-fill') && /number/.test(m)), found.join('\n'))
  })
})
