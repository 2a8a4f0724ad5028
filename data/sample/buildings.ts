// One village's land and buildings: a settlement of homestead plots (宅基地) on a rotated street
// grid around the village seed, collective construction lots with warehouses at its edge, fields
// (耕地/基本农田, 园地) around that, forest beyond in the hills, and a few buildings out on the
// fields — the farmland-occupation candidates. Urban communities get rows of shops around their
// housing estate instead. Everything is laid out in one local metre frame per village, so plots,
// lots and fields never overlap, and each footprint is tested to lie inside its village.
import type { Village } from './admin-units.ts'
import { Frame, type BBox, type Pt, type Ring, type Shape } from './geo.ts'
import type { Rng } from './prng.ts'
import type { Obstacles } from './reference-features.ts'

export type LandClass = 'farmland' | 'basic_farmland' | 'homestead' | 'collective_construction' | 'state_construction' | 'forest' | 'garden'
export type OwnerType = 'collective' | 'state' | 'individual' | 'enterprise'

export interface Parcel {
  id: number
  parcelNo: string
  adminCode: string
  landClass: LandClass
  ownerName: string
  ownerType: OwnerType
  recordedArea: number
  ring: Ring
  /** Its rectangle in the village frame (centre, size in metres): patches are placed inside fields. */
  local: LocalRect
}

export type BuildingKind = 'house' | 'side' | 'shed' | 'office' | 'public' | 'warehouse' | 'farm' | 'shop'
export type BuildingUse = 'residential' | 'storage' | 'commercial' | 'office' | 'industrial' | 'public' | 'other'
export type Structure = 'brick_concrete' | 'brick_wood' | 'steel' | 'frame' | 'simple' | 'other'

export interface Building {
  id: number
  adminCode: string
  parcel: Parcel | null
  kind: BuildingKind
  floors: number
  structure: Structure
  use: BuildingUse
  selfBuilt: boolean
  rented: boolean
  safety: 'A' | 'B' | 'C' | 'D'
  permitNo: string | null
  builtYear: number
  ring: Ring
  /** Planar footprint in m² (w × h): what recorded areas are drawn around. */
  areaM2: number
  /** Readable place within the village, for ledger location text. */
  place: string
}

export interface VillageLayout {
  frame: Frame
  parcels: Parcel[]
  buildings: Building[]
}

interface LocalRect {
  u: number
  v: number
  w: number
  h: number
  /** Grid row of a homestead plot: which side its lane is on. */
  row?: number
}

/** Global id counters: ids are explicit and consecutive over the whole load. */
export class IdSeq {
  parcel = 0
  building = 0
}

interface Profile {
  plotW: [number, number]
  plotD: [number, number]
  lane: number
  cross: number
  /** Settlement elongation: mountain villages string out along their valley. */
  aspect: number
  farmShare: number
  lotShare: number
  field: [number, number]
  fieldsPerPlot: number
  forests: number
}

const PROFILES: Record<Village['terrain'], Profile> = {
  plain: { plotW: [14, 17], plotD: [16, 20], lane: 5, cross: 7, aspect: 1.4, farmShare: 0.05, lotShare: 0.08, field: [110, 220], fieldsPerPlot: 0.2, forests: 0 },
  hill: { plotW: [13, 16], plotD: [15, 19], lane: 4.5, cross: 6, aspect: 1.9, farmShare: 0.04, lotShare: 0.05, field: [70, 130], fieldsPerPlot: 0.3, forests: 2 },
  mountain: { plotW: [12, 15], plotD: [14, 18], lane: 4, cross: 5, aspect: 2.6, farmShare: 0.025, lotShare: 0.02, field: [40, 90], fieldsPerPlot: 0.5, forests: 4 },
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗']
const CLASS_PREFIX: Record<LandClass, string> = {
  homestead: 'ZJ',
  farmland: 'GD',
  basic_farmland: 'JB',
  collective_construction: 'JT',
  state_construction: 'GY',
  forest: 'LD',
  garden: 'YD',
}

const overlaps = (a: BBox, b: BBox) => a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY

/** Probabilistic rounding keeps small targets (the tiny size) right on average. */
const roundP = (x: number, rng: Rng) => Math.floor(x) + (rng.chance(x - Math.floor(x)) ? 1 : 0)

/** Distance from the frame origin to the nearest point of a local rectangle. */
const minDist = (r: LocalRect) => Math.hypot(Math.max(Math.abs(r.u) - r.w / 2, 0), Math.max(Math.abs(r.v) - r.h / 2, 0))
const maxDist = (r: LocalRect) => Math.hypot(Math.abs(r.u) + r.w / 2, Math.abs(r.v) + r.h / 2)

class Site {
  readonly frame: Frame
  private readonly areas: Shape[]
  private readonly phases: number[]
  readonly parcels: Parcel[] = []
  readonly buildings: Building[] = []
  private readonly seqByClass = new Map<LandClass, number>()

  constructor(
    readonly v: Village,
    private readonly obstacles: Obstacles,
    private readonly ids: IdSeq,
    readonly rng: Rng,
    readonly p: Profile,
  ) {
    // Villages are roughly north–south oriented; each with its own skew.
    this.frame = new Frame(v.seed, rng.range(-0.35, 0.35))
    this.areas = obstacles.areas.filter((a) => overlaps(a.bbox, v.shape.bbox))
    this.phases = [0, 1, 2, 3].map(() => rng.range(0, 2 * Math.PI))
  }

  /** Irregular outline of growth: low-frequency noise on an elongated distance. */
  key(u: number, v: number): number {
    const [a, b, c, d] = this.phases as [number, number, number, number]
    const n = 0.5 * Math.sin(u / 45 + a) * Math.sin(v / 60 + b) + 0.35 * Math.sin((u - v) / 90 + c) + 0.15 * Math.sin((u + 2 * v) / 33 + d)
    const s = Math.sqrt(this.p.aspect)
    return Math.hypot(u / s, v * s) * (1 + 0.3 * n)
  }

  /** Inside the village, off roads and rivers, out of the reservoir, estates and enterprise sites. */
  fits(r: LocalRect): boolean {
    const ring = this.frame.rect(r.u, r.v, r.w, r.h)
    if (!this.v.shape.containsRing(ring)) return false
    const nx = Math.max(1, Math.ceil(r.w / 30))
    const ny = Math.max(1, Math.ceil(r.h / 30))
    const probe = Math.hypot(r.w / nx, r.h / ny) / 2
    const samples: Pt[] = [...ring]
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++) {
        const p = this.frame.toLonLat(r.u - r.w / 2 + ((i + 0.5) * r.w) / nx, r.v - r.h / 2 + ((j + 0.5) * r.h) / ny)
        if (this.obstacles.lines.hits(p, probe)) return false
        samples.push(p)
      }
    return !this.areas.some((a) => samples.some(([x, y]) => a.contains(x, y)))
  }

  /**
   * Cells of a grid, nearest (by the growth key) first, that fit and lie farther out than `beyond`
   * metres; stops after `want`. The search radius grows until enough are found or the village ends.
   */
  cells(
    cellW: number,
    cellH: number,
    at: (i: number, j: number) => LocalRect,
    beyond: number,
    want: number,
    bias: (u: number, v: number) => number = () => 0,
  ): LocalRect[] {
    if (want <= 0) return []
    const b = this.v.shape.bbox
    const maxR = Math.hypot((b.maxX - b.minX) * this.frame.mx, (b.maxY - b.minY) * this.frame.my)
    let radius = beyond + Math.sqrt((want * cellW * cellH * 2) / Math.PI) + Math.max(cellW, cellH)
    for (;;) {
      const s = Math.sqrt(this.p.aspect)
      const ni = Math.ceil((radius * s) / cellW) + 1
      const nj = Math.ceil(radius / s / cellH) + 1
      const cand: { r: LocalRect; k: number }[] = []
      for (let i = -ni; i <= ni; i++)
        for (let j = -nj; j <= nj; j++) {
          const r = at(i, j)
          if (minDist(r) < beyond) continue
          cand.push({ r, k: this.key(r.u, r.v) + bias(r.u, r.v) })
        }
      cand.sort((x, y) => x.k - y.k || x.r.u - y.r.u || x.r.v - y.r.v)
      const out: LocalRect[] = []
      for (const c of cand) {
        if (this.fits(c.r)) out.push(c.r)
        if (out.length >= want) return out
      }
      if (radius > maxR) return out
      radius *= 1.6
    }
  }

  addParcel(local: LocalRect, landClass: LandClass, ownerName: string, ownerType: OwnerType): Parcel {
    const seq = (this.seqByClass.get(landClass) ?? 0) + 1
    this.seqByClass.set(landClass, seq)
    const parcel: Parcel = {
      id: ++this.ids.parcel,
      parcelNo: `${this.v.code}-${CLASS_PREFIX[landClass]}${String(seq).padStart(4, '0')}`,
      adminCode: this.v.code,
      landClass,
      ownerName,
      ownerType,
      recordedArea: Math.round(local.w * local.h * this.rng.range(0.985, 1.015) * 100) / 100,
      ring: this.frame.rect(local.u, local.v, local.w, local.h),
      local,
    }
    this.parcels.push(parcel)
    return parcel
  }

  addBuilding(parcel: Parcel | null, kind: BuildingKind, r: LocalRect, place: string, attrs: Attrs): Building {
    const b: Building = {
      id: ++this.ids.building,
      adminCode: this.v.code,
      parcel,
      kind,
      ...attrs,
      // A slight turn of its own: real footprints are never perfectly aligned with the plot.
      ring: this.frame.rect(r.u, r.v, r.w, r.h, this.rng.range(-0.03, 0.03)),
      areaM2: r.w * r.h,
      place,
    }
    this.buildings.push(b)
    return b
  }

  person(): string {
    return `${this.rng.pick(SURNAMES)}某某`
  }

  collective(): string {
    return `${this.v.name}股份经济合作社`
  }

  company(): string {
    const trade = this.rng.pick(['建材', '物流', '商贸', '机械', '食品', '家具', '再生资源', '汽配'])
    return `北京${this.v.name.replace(/(村|社区)$/, '')}${trade}有限公司`
  }
}

type Attrs = Pick<Building, 'floors' | 'structure' | 'use' | 'selfBuilt' | 'rented' | 'safety' | 'permitNo' | 'builtYear'>

function builtYear(rng: Rng, from = 1965): number {
  const decade = rng.weighted({ '1970': 8, '1980': 18, '1990': 24, '2000': 26, '2010': 18, '2020': 6 })
  const y = Number(decade) + rng.int(0, decade === '2020' ? 6 : 9)
  return Math.max(from, y)
}

function safety(rng: Rng, year: number, structure: Structure): Attrs['safety'] {
  const risk = (2026 - year) / 60 + (structure === 'brick_wood' || structure === 'simple' ? 0.35 : 0) + rng.range(-0.3, 0.3)
  return risk < 0.35 ? 'A' : risk < 0.75 ? 'B' : risk < 1.05 ? 'C' : 'D'
}

function permit(rng: Rng, year: number): string {
  return `房规乡建字〔${Math.max(year, 1990)}〕第${String(rng.int(1, 999)).padStart(4, '0')}号`
}

/** A house of a homestead: mostly one or two floors; taller ones near towns, often rented out. */
function houseAttrs(s: Site): Attrs {
  const { rng, v } = s
  const tall = rng.chance(0.06 + 0.22 * v.urbanity)
  const floors = tall ? rng.weighted({ 3: 3, 4: 1 }) : rng.weighted({ 1: 62, 2: 38 })
  const year = Number(floors) >= 3 ? rng.int(2004, 2021) : builtYear(rng)
  const structure: Structure =
    year < 1990 ? rng.weighted({ brick_wood: 60, brick_concrete: 35, other: 5 }) : rng.weighted({ brick_concrete: 72, frame: 12, brick_wood: 10, steel: 6 })
  return {
    floors: Number(floors),
    structure,
    use: rng.chance(0.04 + 0.08 * v.urbanity) ? 'commercial' : 'residential',
    selfBuilt: true,
    rented: rng.chance(0.04 + 0.55 * v.urbanity + (Number(floors) >= 3 ? 0.3 : 0)),
    safety: safety(rng, year, structure),
    permitNo: year >= 1990 && rng.chance(0.05) ? permit(rng, year) : null,
    builtYear: year,
  }
}

function outbuildingAttrs(s: Site, kind: 'side' | 'shed'): Attrs {
  const { rng, v } = s
  const year = builtYear(rng, 1975)
  const structure: Structure = kind === 'shed' ? rng.weighted({ simple: 60, steel: 30, brick_wood: 10 }) : rng.weighted({ brick_wood: 45, brick_concrete: 40, simple: 15 })
  return {
    floors: kind === 'side' && rng.chance(0.12) ? 2 : 1,
    structure,
    use: kind === 'shed' ? rng.weighted({ storage: 70, other: 30 }) : rng.weighted({ residential: 55, storage: 35, commercial: 6, other: 4 }),
    selfBuilt: true,
    rented: kind === 'side' && rng.chance(0.05 + 0.5 * v.urbanity),
    safety: safety(rng, year, structure),
    permitNo: null,
    builtYear: year,
  }
}

function warehouseAttrs(s: Site): Attrs {
  const { rng } = s
  const year = rng.int(1995, 2025)
  const structure: Structure = rng.weighted({ steel: 45, simple: 20, brick_concrete: 20, frame: 15 })
  const use: BuildingUse = rng.weighted({ storage: 52, industrial: 24, commercial: 13, office: 8, other: 3 })
  return {
    floors: use === 'office' ? rng.int(2, 4) : Number(rng.weighted({ 1: 72, 2: 22, 3: 6 })),
    structure,
    use,
    selfBuilt: rng.chance(0.3),
    rented: rng.chance(0.55),
    safety: safety(rng, year, structure),
    permitNo: rng.chance(0.15) ? permit(rng, year) : null,
    builtYear: year,
  }
}

function farmAttrs(s: Site): Attrs {
  const { rng } = s
  const year = rng.int(2008, 2026)
  const structure: Structure = rng.weighted({ simple: 50, steel: 35, brick_wood: 10, brick_concrete: 5 })
  return {
    floors: rng.chance(0.1) ? 2 : 1,
    structure,
    use: rng.weighted({ storage: 45, residential: 35, commercial: 8, other: 12 }), // 大棚房, 看护房, 农家乐
    selfBuilt: rng.chance(0.7),
    rented: rng.chance(0.3),
    safety: safety(rng, year, structure),
    permitNo: null,
    builtYear: year,
  }
}

function civicAttrs(s: Site, use: 'office' | 'public'): Attrs {
  const { rng } = s
  const year = rng.int(1985, 2020)
  const structure: Structure = rng.weighted({ brick_concrete: 70, frame: 30 })
  return {
    floors: rng.int(1, 3),
    structure,
    use,
    selfBuilt: false,
    rented: false,
    safety: safety(rng, year, structure),
    permitNo: rng.chance(0.6) ? permit(rng, year) : null,
    builtYear: year,
  }
}

function shopAttrs(s: Site): Attrs {
  const { rng } = s
  const year = rng.int(1985, 2024)
  const structure: Structure = rng.weighted({ brick_concrete: 50, steel: 20, simple: 20, frame: 10 })
  return {
    floors: Number(rng.weighted({ 1: 65, 2: 30, 3: 5 })),
    structure,
    use: rng.weighted({ commercial: 45, storage: 25, residential: 18, office: 10, other: 2 }),
    selfBuilt: rng.chance(0.3),
    rented: rng.chance(0.6),
    safety: safety(rng, year, structure),
    permitNo: rng.chance(0.12) ? permit(rng, year) : null,
    builtYear: year,
  }
}

/** Homestead plots until the village has `want` buildings on them. Returns the settlement radius. */
function layOutHomesteads(s: Site, want: number): number {
  const { rng, p } = s
  const pw = rng.range(p.plotW[0], p.plotW[1])
  const pd = rng.range(p.plotD[0], p.plotD[1])
  // Rows pair back to back with a lane between pairs; a cross street every 8 plots.
  const at = (i: number, j: number): LocalRect => ({
    u: i * pw + Math.floor(i / 8) * p.cross,
    v: j * pd + Math.floor(j / 2) * p.lane,
    w: pw - 0.6,
    h: pd - 0.6,
    row: j,
  })
  const plots = s.cells(pw, pd, at, 0, Math.ceil(want / 1.3) + 5)
  let radius = 0
  let made = 0
  plots.forEach((plot, n) => {
    if (made >= want) return
    radius = Math.max(radius, maxDist(plot))
    // The back of the plot: +v for even rows, −v for odd (their lanes lie on the other side).
    const back = Math.abs((plot.row ?? 0) % 2) === 0 ? 1 : -1
    const place = `${n + 1}号院`
    const civic = n === 0 && want >= 12 ? 'office' : n === 4 && want >= 30 ? 'public' : undefined
    const parcel = civic
      ? s.addParcel(plot, 'collective_construction', s.collective(), 'collective')
      : s.addParcel(plot, 'homestead', s.person(), 'individual')
    const mw = Math.max(7, plot.w - rng.range(1, 3))
    const md = Math.min(rng.range(6, 10), plot.h - 4)
    const mainV = plot.v + back * (plot.h / 2 - 0.5 - md / 2)
    s.addBuilding(parcel, civic ?? 'house', { u: plot.u + rng.range(-0.3, 0.3), v: mainV, w: mw, h: md }, place, civic ? civicAttrs(s, civic) : houseAttrs(s))
    made++
    // The courtyard in front: a side building (厢房) along one edge, sometimes a shed opposite.
    const yard = plot.h - md - 1.5
    const side = rng.chance(0.5) ? 1 : -1
    if (made < want && !civic && yard >= 5 && rng.chance(0.5)) {
      const w2 = rng.range(3, 4.5)
      const d2 = Math.min(rng.range(5, 9), yard - 1)
      const v2 = plot.v + back * (plot.h / 2 - 0.5 - md - 0.8 - d2 / 2)
      s.addBuilding(parcel, 'side', { u: plot.u + side * (plot.w / 2 - 0.5 - w2 / 2), v: v2, w: w2, h: d2 }, place, outbuildingAttrs(s, 'side'))
      made++
    }
    if (made < want && !civic && yard >= 4 && rng.chance(0.15)) {
      const w3 = rng.range(2.5, 3.5)
      const d3 = Math.min(rng.range(2.5, 4), yard - 1)
      const v3 = plot.v - back * (plot.h / 2 - 0.5 - d3 / 2)
      s.addBuilding(parcel, 'shed', { u: plot.u - side * (plot.w / 2 - 0.5 - w3 / 2), v: v3, w: w3, h: d3 }, place, outbuildingAttrs(s, 'shed'))
      made++
    }
  })
  return radius
}

/** Collective construction lots (warehouses, workshops) just outside the houses. */
function layOutLots(s: Site, want: number, beyond: number): number {
  const { rng } = s
  const LW = 50
  const LD = 42
  // Lots gather on one side of the village (its yard of workshops), not all around it.
  const side = rng.range(0, 2 * Math.PI)
  const oneSide = (u: number, v: number) => 0.6 * Math.hypot(u, v) * (1 - Math.cos(Math.atan2(v, u) - side))
  const lots = s.cells(LW, LD, (i, j) => ({ u: i * LW, v: j * LD, w: LW - 6, h: LD - 6 }), beyond + 8, Math.ceil(want / 1.5) + 1, oneSide)
  let radius = beyond
  let made = 0
  lots.forEach((lot, n) => {
    if (made >= want) return
    radius = Math.max(radius, maxDist(lot))
    const leased = rng.chance(0.35)
    const parcel = s.addParcel(lot, 'collective_construction', leased ? s.company() : s.collective(), leased ? 'enterprise' : 'collective')
    const k = Math.min(rng.int(1, 3), want - made)
    const w = Math.min(25, (lot.w - 4 - (k - 1) * 4) / k)
    for (let m = 0; m < k; m++) {
      const d = rng.range(10, Math.min(20, lot.h - 6))
      const u = lot.u - lot.w / 2 + 2 + w / 2 + m * (w + 4)
      s.addBuilding(parcel, 'warehouse', { u, v: lot.v + rng.range(-1, 1), w: w * rng.range(0.8, 1), h: d }, `${n + 1}号厂院`, warehouseAttrs(s))
      made++
    }
  })
  return radius
}

/** Fields around the settlement, forest farther out; returns the fields for farm buildings. */
function layOutFields(s: Site, nFields: number, beyond: number): Parcel[] {
  const { rng, p, v } = s
  const FW = rng.range(p.field[0], p.field[0] * 1.3)
  const FD = rng.range(p.field[1] * 0.8, p.field[1])
  const rects = s.cells(FW + 8, FD + 8, (i, j) => ({ u: i * (FW + 8), v: j * (FD + 8), w: FW, h: FD }), beyond + 12, nFields)
  let radius = beyond
  const fields = rects.map((r) => {
    radius = Math.max(radius, maxDist(r))
    const cls: LandClass =
      v.terrain === 'plain'
        ? rng.weighted({ basic_farmland: 55, farmland: 45 })
        : v.terrain === 'hill'
          ? rng.weighted({ farmland: 55, garden: 28, basic_farmland: 17 })
          : rng.weighted({ farmland: 60, garden: 40 })
    return s.addParcel(r, cls, s.collective(), 'collective')
  })
  const nForest = p.forests === 0 ? 0 : rng.int(1, p.forests)
  const FS = v.terrain === 'mountain' ? 400 : 300
  for (const r of s.cells(FS + 10, FS + 10, (i, j) => ({ u: i * (FS + 10), v: j * (FS + 10), w: FS, h: FS }), radius + 20, nForest)) {
    const state = rng.chance(0.2)
    s.addParcel(r, 'forest', state ? '北京市房山区国有林场' : s.collective(), state ? 'state' : 'collective')
  }
  return fields
}

/** Buildings out on the fields: 大棚房, sheds, guard huts — what 乱占耕地建房 is about. */
function layOutFarmBuildings(s: Site, fields: Parcel[], want: number): void {
  const { rng } = s
  const taken = new Map<Parcel, LocalRect[]>()
  for (let made = 0, tries = 0; made < want && tries < want * 6 && fields.length > 0; tries++) {
    const f = rng.pick(fields)
    const big = rng.chance(0.5)
    const w = big ? rng.range(8, 14) : rng.range(4, 8)
    const h = big ? rng.range(12, 25) : rng.range(5, 10)
    if (w + 6 > f.local.w || h + 6 > f.local.h) continue
    const r: LocalRect = {
      u: f.local.u + rng.range(-1, 1) * (f.local.w / 2 - w / 2 - 3),
      v: f.local.v + rng.range(-1, 1) * (f.local.h / 2 - h / 2 - 3),
      w,
      h,
    }
    const list = taken.get(f) ?? []
    if (list.some((o) => Math.abs(o.u - r.u) < (o.w + r.w) / 2 + 3 && Math.abs(o.v - r.v) < (o.h + r.h) / 2 + 3)) continue
    list.push(r)
    taken.set(f, list)
    s.addBuilding(f, 'farm', r, `${f.parcelNo}地块`, farmAttrs(s))
    made++
  }
}

/** Shops and sheds in rows around a community's estate (the estate itself is an obstacle). */
function layOutShops(s: Site, want: number): void {
  const { rng } = s
  const pw = rng.range(9, 11)
  const pd = rng.range(12, 15)
  const at = (i: number, j: number): LocalRect => ({ u: i * pw + Math.floor(i / 6) * 8, v: j * pd + Math.floor(j / 2) * 8, w: pw - 0.6, h: pd - 0.6 })
  const owner = s.v.town.kind === '街道' ? `房山区${s.v.town.name}办事处` : `房山区${s.v.town.name}人民政府`
  s.cells(pw, pd, at, 0, want).forEach((plot, n) => {
    const parcel = s.addParcel(plot, 'state_construction', owner, 'state')
    const w = plot.w - rng.range(0.5, 2.5)
    const h = Math.min(plot.h - 1, rng.range(8, 12))
    s.addBuilding(parcel, 'shop', { u: plot.u, v: plot.v + rng.range(-0.5, 0.5), w, h }, `${n + 1}号商铺`, shopAttrs(s))
  })
}

/** Parcels and `target` buildings (fewer if the village runs out of room) of one village. */
export function layOutVillage(v: Village, target: number, obstacles: Obstacles, ids: IdSeq, rng: Rng): VillageLayout {
  const s = new Site(v, obstacles, ids, rng, PROFILES[v.terrain])
  if (v.kind === '社区') {
    layOutShops(s, target)
    return { frame: s.frame, parcels: s.parcels, buildings: s.buildings }
  }
  const p = s.p
  const nFarm = roundP(target * p.farmShare, rng)
  const nLot = roundP(target * (p.lotShare + (v.terrain === 'plain' ? 0.1 * v.urbanity : 0)), rng)
  const nHome = Math.max(0, target - nFarm - nLot)
  const rHome = layOutHomesteads(s, nHome)
  const rLots = layOutLots(s, nLot, rHome)
  const plots = s.parcels.length
  const fields = layOutFields(s, Math.max(nFarm > 0 ? 1 : 0, roundP(plots * p.fieldsPerPlot + 1, rng)), Math.max(rHome, rLots))
  layOutFarmBuildings(s, fields, nFarm)
  return { frame: s.frame, parcels: s.parcels, buildings: s.buildings }
}
