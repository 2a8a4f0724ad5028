// Reference features that 四道六边 and ring-band zones are buffered from: roads of every class and
// the 6th Ring Road, rivers, streams and a reservoir, residential compounds, scenic areas and
// enterprise sites. Shapes are synthetic, placed where the real ones roughly are; they are also
// obstacles the settlement layout keeps houses off.
import type { Queryable } from '../../server/src/db/db.ts'
import type { AdminModel, Village } from './admin-units.ts'
import { distMetres, Frame, MID, round7, SegmentIndex, Shape, smoothLine, wktMultiLine, wktMultiPolygon, type Pt, type Ring } from './geo.ts'
import { Rng } from './prng.ts'
import { SEED } from './sizes.ts'
import { ring6 } from './terrain.ts'
import { TableWriter } from './writer.ts'

export interface Obstacles {
  /** Carriageways and river beds, with their half-widths. */
  lines: SegmentIndex
  /** Areas no village house goes into: the reservoir, residential compounds, enterprise sites. */
  areas: Shape[]
}

type RoadClass = 'expressway' | 'national' | 'provincial' | 'county' | 'village'

// Half-widths in metres: the corridor layout keeps clear (carriageway plus verge).
const ROAD_HALF_WIDTH: Record<RoadClass, number> = { expressway: 40, national: 20, provincial: 15, county: 10, village: 5 }

/** Town seats by name, for readable waypoint lists. */
function seats(model: AdminModel): (name: string) => Pt {
  const byName = new Map(model.towns.map((t) => [t.name, t.seed]))
  return (name) => {
    const p = byName.get(name)
    if (!p) throw new Error(`no town named ${name}`)
    return p
  }
}

/** A natural-looking line through waypoints: smoothed, then wiggled sideways by a few sines. */
function meander(points: Pt[], rng: Rng, amplitudeM: number, wavelengthM: number): Pt[] {
  const line = smoothLine(points, 16)
  const phase1 = rng.range(0, 2 * Math.PI)
  const phase2 = rng.range(0, 2 * Math.PI)
  let along = 0
  return line.map((p, i) => {
    const prev = line[Math.max(i - 1, 0)]!
    const next = line[Math.min(i + 1, line.length - 1)]!
    if (i > 0) along += distMetres(prev, p)
    const dx = (next[0] - prev[0]) * MID.mx
    const dy = (next[1] - prev[1]) * MID.my
    const len = Math.hypot(dx, dy) || 1
    // Ends stay put so tributaries still meet their river.
    const taper = Math.min(1, i / 8, (line.length - 1 - i) / 8)
    const off =
      taper *
      amplitudeM *
      (0.7 * Math.sin((2 * Math.PI * along) / wavelengthM + phase1) + 0.3 * Math.sin((2 * Math.PI * along) / (wavelengthM / 2.7) + phase2))
    return [round7(p[0] + (-dy / len) * (off / MID.mx)), round7(p[1] + (dx / len) * (off / MID.my))]
  })
}

/** An irregular oval: radii in metres, turned by angle, with a little radial noise. */
function blob(centre: Pt, rxM: number, ryM: number, angleRad: number, rng: Rng, vertices = 40): Ring {
  const frame = new Frame(centre, angleRad)
  const phases = [rng.range(0, 6.3), rng.range(0, 6.3)]
  const ring: Ring = []
  for (let i = 0; i < vertices; i++) {
    const θ = (i / vertices) * 2 * Math.PI
    const k = 1 + 0.08 * Math.sin(3 * θ + phases[0]!) + 0.05 * Math.sin(5 * θ + phases[1]!)
    ring.push(frame.toLonLat(rxM * k * Math.cos(θ), ryM * k * Math.sin(θ)))
  }
  return ring
}

/** Minimum spanning tree over points (Prim), as index pairs: the county-road skeleton. */
function spanningTree(points: Pt[]): [number, number][] {
  const inTree = new Set([0])
  const edges: [number, number][] = []
  while (inTree.size < points.length) {
    let best: [number, number] | undefined
    let bestD = Infinity
    for (const i of inTree)
      for (let j = 0; j < points.length; j++) {
        if (inTree.has(j)) continue
        const d = distMetres(points[i]!, points[j]!)
        if (d < bestD) {
          bestD = d
          best = [i, j]
        }
      }
    inTree.add(best![1])
    edges.push(best!)
  }
  return edges
}

export interface ReferenceCounts {
  roads: number
  waters: number
  reference_areas: number
}

export async function loadReferenceFeatures(
  tx: Queryable,
  model: AdminModel,
  batchRows: number,
): Promise<{ obstacles: Obstacles; counts: ReferenceCounts }> {
  const rng = new Rng(SEED, 'reference-features')
  const at = seats(model)
  const lines = new SegmentIndex()
  const areas: Shape[] = []

  const roads = new TableWriter(
    tx,
    'roads',
    [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
      { name: 'road_code', type: 'text' },
      { name: 'road_class', type: 'text' },
      { name: 'ring_no', type: 'smallint' },
      { name: 'synthetic', type: 'bool' },
      { name: 'geom', type: 'text', expr: 'ST_GeomFromText(t.geom, 4326)' },
    ],
    batchRows,
  )
  const addRoad = async (name: string, code: string | null, cls: RoadClass, line: Pt[], ringNo: number | null = null) => {
    lines.add(line, ROAD_HALF_WIDTH[cls])
    await roads.push([roads.count + 1, name, code, cls, ringNo, true, wktMultiLine([line])])
  }

  // 六环: the whole closed ring, as one closed line.
  await addRoad('北京六环路', 'G4501', 'expressway', ring6(), 6)
  // 京港澳高速 runs north–south along the east of the district.
  await addRoad('京港澳高速', 'G4', 'expressway', meander([[116.215, 39.84], [116.175, 39.75], [116.13, 39.66], [116.09, 39.56], [116.07, 39.5]], rng, 150, 9_000))

  const trunk: { name: string; code: string; cls: RoadClass; via: Pt[] }[] = [
    { name: '107国道', code: 'G107', cls: 'national', via: [[116.175, 39.85], at('长阳镇'), at('良乡地区'), at('窦店镇'), at('琉璃河地区'), [116.09, 39.5]] },
    { name: '108国道', code: 'G108', cls: 'national', via: [at('良乡地区'), at('阎村镇'), at('城关街道'), at('周口店地区'), at('南窖乡'), at('霞云岭乡'), at('蒲洼乡'), [115.44, 39.76]] },
    { name: '房易路', code: 'S329', cls: 'provincial', via: [at('城关街道'), at('韩村河镇'), at('长沟镇'), at('大石窝镇'), at('张坊镇'), at('十渡镇'), [115.45, 39.66]] },
    { name: '岳琉路', code: 'S331', cls: 'provincial', via: [at('河北镇'), at('青龙湖镇'), at('阎村镇'), at('窦店镇'), at('琉璃河地区')] },
    { name: '京良路', code: 'S315', cls: 'provincial', via: [[116.24, 39.83], at('长阳镇'), at('拱辰街道'), at('西潞街道'), at('青龙湖镇')] },
    { name: '长周路', code: 'S316', cls: 'provincial', via: [at('石楼镇'), at('新镇街道'), at('城关街道'), at('迎风街道'), at('星城街道'), at('河北镇'), at('佛子庄乡'), at('大安山乡'), at('史家营乡')] },
  ]
  for (const r of trunk) await addRoad(r.name, r.code, r.cls, meander(r.via, rng, r.cls === 'national' ? 120 : 90, 6_000))

  // County roads: a spanning tree over the town seats, minus the legs the trunk roads already make.
  const linked = new Set<string>()
  const key = (a: Pt, b: Pt) => [a.join(), b.join()].sort().join('|')
  for (const r of trunk) for (let i = 0; i + 1 < r.via.length; i++) linked.add(key(r.via[i]!, r.via[i + 1]!))
  const townPts = model.towns.map((t) => t.seed)
  let county = 0
  for (const [i, j] of spanningTree(townPts)) {
    const a = model.towns[i]!
    const b = model.towns[j]!
    if (linked.has(key(a.seed, b.seed))) continue
    county++
    const name = `${a.name.slice(0, 2)}${b.name.slice(0, 2)}路`
    await addRoad(name, `X${String(county).padStart(3, '0')}`, 'county', meander([a.seed, b.seed], rng, 60, 3_000))
  }

  // Village roads: every village (not urban community) links to the nearest seat or village that
  // lies closer to its town seat, so each town's roads form a tree rooted at the seat.
  let villageRoads = 0
  for (const town of model.towns) {
    const vs = model.villages.filter((v) => v.town === town && v.kind === '村')
    for (const v of vs) {
      const d0 = distMetres(v.seed, town.seed)
      let target = town.seed
      let best = d0
      for (const w of vs) {
        if (w === v || distMetres(w.seed, town.seed) >= d0) continue
        const d = distMetres(v.seed, w.seed)
        if (d < best) {
          best = d
          target = w.seed
        }
      }
      villageRoads++
      const mid: Pt = [
        (v.seed[0] + target[0]) / 2 + (rng.normal() * best * 0.08) / MID.mx,
        (v.seed[1] + target[1]) / 2 + (rng.normal() * best * 0.08) / MID.my,
      ]
      await addRoad(`${v.name}村道`, `Y${String(villageRoads).padStart(3, '0')}`, 'village', smoothLine([v.seed, mid, target], 4))
    }
  }
  await roads.drain()

  // Waters.
  const waters = new TableWriter(
    tx,
    'waters',
    [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'synthetic', type: 'bool' },
      { name: 'geom', type: 'text', expr: 'ST_GeomFromText(t.geom, 4326)' },
    ],
    batchRows,
  )
  const addRiver = async (name: string, kind: 'river' | 'stream', via: Pt[], amplitudeM: number) => {
    const line = meander(via, rng, amplitudeM, kind === 'river' ? 2_400 : 1_200)
    lines.add(line, kind === 'river' ? 40 : 12)
    await waters.push([waters.count + 1, name, kind, true, wktMultiLine([line])])
    return line
  }
  // 大石河: from the north-western mountains through the middle of the district to the south-east.
  await addRiver('大石河', 'river', [[115.7, 39.925], [115.76, 39.86], [115.86, 39.81], [115.94, 39.78], [115.985, 39.74], [116.02, 39.69], [116.06, 39.63], [116.09, 39.58], [116.13, 39.5]], 220)
  // 拒马河: enters in the west, through 十渡 and 张坊, leaves to the south.
  await addRiver('拒马河', 'river', [[115.42, 39.68], [115.5, 39.655], [115.58, 39.625], [115.64, 39.61], [115.7, 39.575], [115.74, 39.53], [115.77, 39.49]], 300)
  await addRiver('周口店河', 'stream', [[115.87, 39.72], [115.92, 39.69], [115.97, 39.66], [116.03, 39.655]], 90)
  await addRiver('夹括河', 'stream', [[115.9, 39.65], [115.95, 39.615], [116.01, 39.6], [116.065, 39.605]], 80)
  await addRiver('马刨泉河', 'stream', [[115.66, 39.7], [115.65, 39.66], [115.63, 39.617]], 60)
  await addRiver('胡良河', 'stream', [[116.02, 39.79], [116.05, 39.75], [116.06, 39.7], [116.04, 39.652]], 70)
  await addRiver('刺猬河', 'stream', [[116.19, 39.83], [116.18, 39.78], [116.17, 39.72], [116.16, 39.64], [116.15, 39.56]], 80)
  // 崇青水库 in 青龙湖镇.
  const reservoir = blob([116.015, 39.772], 1_400, 650, 0.5, rng)
  areas.push(new Shape([[reservoir]]))
  await waters.push([waters.count + 1, '崇青水库', 'reservoir', true, wktMultiPolygon([reservoir])])
  await waters.drain()

  // 居民区 / 景区 / 企业驻地.
  const refAreas = new TableWriter(
    tx,
    'reference_areas',
    [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'synthetic', type: 'bool' },
      { name: 'geom', type: 'text', expr: 'ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromText(t.geom, 4326)), 3))' },
    ],
    batchRows,
  )
  const addArea = async (name: string, kind: 'residential' | 'scenic' | 'enterprise', ring: Ring, obstacle: boolean) => {
    if (obstacle) areas.push(new Shape([[ring]]))
    await refAreas.push([refAreas.count + 1, name, kind, true, wktMultiPolygon([ring])])
  }
  const scenic: [string, Pt, number, number, number][] = [
    ['十渡风景名胜区', [115.59, 39.632], 9_000, 2_200, -0.25],
    ['周口店北京人遗址', [115.925, 39.688], 700, 500, 0.3],
    ['云居寺', [115.77, 39.62], 600, 450, 0],
    ['石花洞', [115.945, 39.785], 500, 400, 0.8],
    ['上方山国家森林公园', [115.82, 39.668], 2_000, 1_400, 0.4],
    ['圣莲山', [115.7, 39.835], 1_300, 900, -0.5],
    ['青龙湖公园', [116.03, 39.78], 2_200, 1_200, 0.5],
  ]
  for (const [name, c, rx, ry, a] of scenic) await addArea(name, 'scenic', blob(c, rx, ry, a, rng), false)
  const enterprise: [string, Pt, number, number, number][] = [
    ['燕山石化', [115.93, 39.745], 1_800, 1_000, 0.2],
    ['琉璃河水泥厂', [116.035, 39.615], 500, 350, 0.1],
    ['窦店工业园', [116.095, 39.668], 900, 600, -0.2],
    ['阎村产业园', [116.055, 39.712], 700, 450, 0.3],
    ['长阳物流园', [116.165, 39.735], 800, 500, 0.5],
    ['石楼建材厂', [116.01, 39.635], 400, 300, -0.1],
    ['良乡高端制造基地', [116.12, 39.695], 900, 600, 0],
    ['大石窝石材加工区', [115.84, 39.59], 600, 400, 0.6],
  ]
  for (const [name, c, rx, ry, a] of enterprise) await addArea(name, 'enterprise', blob(c, rx, ry, a, rng, 24), true)
  // Every community's housing estate, sized to its cell and kept inside it.
  for (const v of model.villages.filter((x) => x.kind === '社区')) {
    const ring = estateRing(v, rng)
    if (ring) await addArea(`${v.name}居住区`, 'residential', ring, true)
  }
  await refAreas.drain()

  return { obstacles: { lines, areas }, counts: { roads: roads.count, waters: waters.count, reference_areas: refAreas.count } }
}

/** A community's estate: a rotated rectangle around its seed, shrunk until it fits its cell. */
function estateRing(v: Village, rng: Rng): Ring | undefined {
  const frame = new Frame(v.seed, rng.range(-0.3, 0.3))
  const side = Math.min(600, Math.sqrt(v.areaM2) * 0.45)
  const aspect = rng.range(0.7, 1.3)
  for (const k of [1, 0.75, 0.55, 0.4, 0.3]) {
    const ring = frame.rect(0, 0, side * k * aspect, (side * k) / aspect)
    if (v.shape.containsRing(ring)) return ring
  }
  return undefined
}
