// Golden tiles (issue 16): a fixed set of vector tiles of the deterministic tiny sample, requested as
// the map does (GET /ogc/collections/{layer}/tiles/...), decoded and compared feature by feature
// with the committed files in tests/golden/tiles/<layer>.json. A change to what a layer's tiles
// carry (a feature more or less, an attribute, a shape, a zoom where the layer turns to grid points
// or to nothing) fails here with the layer, tile, feature and attribute named.
//
// The goldens are written by the embedded backend (geojson-vt). On that encoder shapes must match
// vertex for vertex. PostGIS (ST_AsMVTGeom) quantises, clips and orders vertices its own way, so
// there (DATABASE_URL set) features and attributes must match exactly and shapes to the tolerance
// of tests/parity/backends.test.ts: extent to a quarter pixel, area and length to 2 %.
// `overdue` on cases depends on today's date, so it is checked to be a boolean, not its value.
//
// To accept a change on purpose: UPDATE_GOLDEN=1 npx vitest run tests/api/golden-tiles.test.ts
// (on the embedded backend), then review `git diff tests/golden/tiles` before committing.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { LAYERS, type LayerSource } from '../../server/src/sources/layers.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { BACKEND } from '../helpers/db.ts'
import { tileAt } from '../helpers/tiles.ts'

const GOLDEN_DIR = resolve(import.meta.dirname, '../golden/tiles')
const UPDATE = process.env.UPDATE_GOLDEN === '1'

/** The whole district at z7 (grid points for buildings and patches), a town at z12 and z16, a
 *  village at z16 (parcels, footprints, a patch). Places of the tiny sample. */
const TILES = [
  tileAt(115.9, 39.7, 7),
  tileAt(116.1727, 39.7187, 12),
  tileAt(116.1727, 39.7187, 16),
  tileAt(116.0195, 39.7075, 16),
]
/** Attributes that follow the clock, not the data. */
const CLOCK_ATTRIBUTES = new Set(['overdue'])

const GEOMETRY_TYPES = ['Unknown', 'Point', 'LineString', 'Polygon'] as const

interface GoldenFeature {
  /** `id=…` (the layer's key), or `cell …#n` for a grid point, which has no id. */
  key: string
  type: (typeof GEOMETRY_TYPES)[number]
  properties: Record<string, unknown>
  /** Rings (or parts) of [x, y] in tile units (4096 a side). */
  geometry: [number, number][][]
}

interface GoldenFile {
  layer: string
  /** The backend whose encoder wrote the file: its shapes are compared vertex for vertex. */
  encoder: string
  /** Per tile `z/x/y`: its features, or null for an empty tile (204). */
  tiles: Record<string, GoldenFeature[] | null>
}

let t: TestApp
let cookie: string
beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('admin')
})
afterAll(() => t.close())

const sortedProps = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)))

/** The tile decoded and normalised: features by key, attributes sorted, the clock's set apart. */
async function fetchTile(layer: LayerSource, z: number, x: number, y: number): Promise<{ features: GoldenFeature[] | null; clock: unknown[] }> {
  const res = await t.app.inject({ url: `/ogc/collections/${layer.id}/tiles/WebMercatorQuad/${z}/${y}/${x}`, headers: { cookie } })
  if (res.statusCode === 204) return { features: null, clock: [] }
  assert.equal(res.statusCode, 200, `${layer.id} ${z}/${x}/${y}: ${res.body}`)
  const vl = new VectorTile(new PbfReader(res.rawPayload)).layers[layer.id]
  assert.ok(vl, `${layer.id} ${z}/${x}/${y}: the tile has no layer named ${layer.id}`)
  const clock: unknown[] = []
  const features = Array.from({ length: vl.length }, (_, i) => {
    const f = vl.feature(i)
    const properties: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(f.properties)) {
      if (CLOCK_ATTRIBUTES.has(k)) clock.push(v)
      else properties[k] = v
    }
    const geometry = f.loadGeometry().map((ring) => ring.map((p) => [p.x, p.y] as [number, number]))
    const id = properties[layer.key]
    return { key: id === undefined ? `cell ${JSON.stringify(sortedProps(properties))}` : `id=${id}`, type: GEOMETRY_TYPES[f.type], properties: sortedProps(properties), geometry }
  })
  // Grid points with equal attributes are told apart by position (west to east, then north to south).
  features.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }) || a.geometry[0]![0]![0] - b.geometry[0]![0]![0] || a.geometry[0]![0]![1] - b.geometry[0]![0]![1])
  const seen = new Map<string, number>()
  for (const f of features) {
    if (!f.key.startsWith('cell ')) continue
    const n = (seen.get(f.key) ?? 0) + 1
    seen.set(f.key, n)
    f.key = `${f.key}#${n}`
  }
  return { features, clock }
}

/** Pretty enough to review in a diff: one feature per line. */
function serialise(file: GoldenFile): string {
  const tiles = Object.entries(file.tiles).map(([k, fs]) =>
    `    ${JSON.stringify(k)}: ${fs === null ? 'null' : fs.length === 0 ? '[]' : `[\n${fs.map((f) => `      ${JSON.stringify(f)}`).join(',\n')}\n    ]`}`,
  )
  return `{\n  "layer": ${JSON.stringify(file.layer)},\n  "encoder": ${JSON.stringify(file.encoder)},\n  "tiles": {\n${tiles.join(',\n')}\n  }\n}\n`
}

// --- shapes across encoders (the tolerance of tests/parity/backends.test.ts) ------------------
const QUARTER_PIXEL = 4
const extent = (f: GoldenFeature) => {
  const p = f.geometry.flat()
  return [Math.min(...p.map((q) => q[0])), Math.min(...p.map((q) => q[1])), Math.max(...p.map((q) => q[0])), Math.max(...p.map((q) => q[1]))]
}
const area = (f: GoldenFeature) =>
  Math.abs(f.geometry.reduce((sum, r) => sum + r.reduce((s, p, i) => s + p[0] * r[(i + 1) % r.length]![1] - r[(i + 1) % r.length]![0] * p[1], 0) / 2, 0))
const length = (f: GoldenFeature) => f.geometry.reduce((sum, r) => sum + r.slice(1).reduce((s, p, i) => s + Math.hypot(p[0] - r[i]![0], p[1] - r[i]![1]), 0), 0)
/** The 四道 bands (40 m) at low zoom: thinner than a pixel, kept as a ribbon by one encoder and
 *  dropped by the other; only their attributes are compared. */
const subpixelBands = (layer: string, z: number) => layer === 'buffer-zones' && z < 10

/** What differs between a golden feature and the tile's, or null. */
function shapeDiff(golden: GoldenFeature, got: GoldenFeature, exact: boolean, compareShapes: boolean): string | null {
  if (golden.type !== got.type) return `geometry type ${got.type}, golden ${golden.type}`
  if (!compareShapes) return null
  if (exact) {
    if (golden.geometry.length !== got.geometry.length) return `${got.geometry.length} rings/parts, golden ${golden.geometry.length}`
    for (const [r, ring] of golden.geometry.entries()) {
      const other = got.geometry[r]!
      if (ring.length !== other.length) return `ring ${r}: ${other.length} vertices, golden ${ring.length}`
      const v = ring.findIndex((p, i) => p[0] !== other[i]![0] || p[1] !== other[i]![1])
      if (v >= 0) return `ring ${r} vertex ${v}: [${other[v]}], golden [${ring[v]}]`
    }
    return null
  }
  const [eg, ef] = [extent(golden), extent(got)]
  if (!eg.every((v, j) => Math.abs(v - ef[j]!) <= QUARTER_PIXEL)) return `extent [${ef}], golden [${eg}]`
  const a = area(golden)
  if (golden.type === 'Polygon' && Math.abs(a - area(got)) > 0.02 * a + QUARTER_PIXEL * Math.sqrt(a) + QUARTER_PIXEL ** 2) return `area ${area(got)}, golden ${a}`
  const l = length(golden)
  if (golden.type === 'LineString' && Math.abs(l - length(got)) > 0.02 * l + QUARTER_PIXEL) return `length ${length(got)}, golden ${l}`
  return null
}

/** Every difference of a tile from its golden, each naming the feature and what differs. */
function tileDiffs(layer: string, z: number, golden: GoldenFeature[] | null, got: GoldenFeature[] | null, exact: boolean): string[] {
  if (golden === null || got === null) return golden === got ? [] : [golden === null ? `the tile has ${got!.length} features, golden: empty (204)` : `the tile is empty (204), golden: ${golden.length} features`]
  const diffs: string[] = []
  const byKey = new Map(got.map((f) => [f.key, f]))
  for (const g of golden) {
    const f = byKey.get(g.key)
    byKey.delete(g.key)
    if (!f) {
      diffs.push(`${g.key}: missing from the tile`)
      continue
    }
    for (const name of new Set([...Object.keys(g.properties), ...Object.keys(f.properties)])) {
      if (JSON.stringify(g.properties[name]) !== JSON.stringify(f.properties[name])) diffs.push(`${g.key}: attribute ${name} = ${JSON.stringify(f.properties[name])}, golden ${JSON.stringify(g.properties[name])}`)
    }
    const shape = shapeDiff(g, f, exact, !subpixelBands(layer, z))
    if (shape) diffs.push(`${g.key}: ${shape}`)
  }
  for (const key of byKey.keys()) diffs.push(`${key}: in the tile, not in the golden`)
  return diffs
}

for (const layer of LAYERS) {
  test(`${layer.id}: tiles match tests/golden/tiles/${layer.id}.json`, async () => {
    const file = resolve(GOLDEN_DIR, `${layer.id}.json`)
    const got: GoldenFile = { layer: layer.id, encoder: BACKEND, tiles: {} }
    for (const { z, x, y } of TILES) {
      const { features, clock } = await fetchTile(layer, z, x, y)
      got.tiles[`${z}/${x}/${y}`] = features
      assert.ok(clock.every((v) => typeof v === 'boolean'), `${layer.id} ${z}/${x}/${y}: overdue must be true or false, got ${clock.find((v) => typeof v !== 'boolean')}`)
      if (layer.id === 'cases') assert.equal(clock.length, features?.filter((f) => f.key.startsWith('id=')).length ?? 0, `every case in ${z}/${x}/${y} carries overdue`)
    }
    if (UPDATE) {
      assert.equal(BACKEND, 'pglite', 'write the goldens on the embedded backend (unset DATABASE_URL): its encoder is the reference')
      mkdirSync(GOLDEN_DIR, { recursive: true })
      writeFileSync(file, serialise(got))
      return
    }
    assert.ok(existsSync(file), `no golden file ${file}: write it with UPDATE_GOLDEN=1 and review it`)
    const golden = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile
    assert.deepEqual(Object.keys(got.tiles), Object.keys(golden.tiles), `${layer.id}: the golden holds other tiles than the test asks for; regenerate it`)
    const problems: string[] = []
    for (const [tile, features] of Object.entries(golden.tiles)) {
      const z = Number(tile.split('/')[0])
      for (const d of tileDiffs(layer.id, z, features, got.tiles[tile]!, golden.encoder === BACKEND)) problems.push(`${layer.id} ${tile}: ${d}`)
    }
    const shown = problems.slice(0, 15).join('\n')
    assert.equal(problems.length, 0, `${problems.length} differences from the golden tiles${problems.length > 15 ? ' (first 15)' : ''}:\n${shown}\nIf the change is intended: UPDATE_GOLDEN=1 (see the head of this file).`)
    // A golden of empty tiles only would prove nothing.
    assert.ok(Object.values(golden.tiles).some((fs) => fs && fs.length > 0), `${layer.id}: every golden tile is empty`)
  })
}
