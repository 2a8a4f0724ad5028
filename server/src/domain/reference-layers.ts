// The reference layers a district loads (docs/api-onboarding.md): per layer its geometry, its
// target fields (with the header names offices use: Chinese, 三调 abbreviations, their 10-byte
// dBase cuts), the values a coded field allows with their Chinese synonyms, and how one feature's
// attributes become the row that is written. Pure: no I/O; the importer calls parseFeature per
// staged feature and the repository writes the result.
import { guessFields } from './field-guess.ts'
import { LAYER_KEYS, type FieldKind, type ImportTarget, type LayerKey, type LayerMapping, type MappingSource } from './onboarding-types.ts'

// The layer keys and mapping shapes live with the API's shapes, which the web app compiles too.
export { LAYER_KEYS, type FieldKind, type LayerKey, type LayerMapping, type MappingSource }

export type GeometryFamily = 'polygon' | 'line' | 'line_or_polygon'

export interface TargetValue {
  key: string
  zh: string
  /** texts (and codes) that mean this value, compared after trimming, case-insensitively */
  synonyms: readonly string[]
}

export interface TargetField {
  key: string
  zh: string
  en: string
  required: boolean
  kind: FieldKind
  /** what a coded value may be, matched by key or synonym */
  values?: readonly TargetValue[]
  /** values shown to the user without being matched (a raw code that is translated, e.g. DLBM) */
  shows?: readonly TargetValue[]
  /** header names, best first */
  guesses: readonly string[]
  min?: number
  max?: number
}

export interface LayerDef {
  key: LayerKey
  zh: string
  en: string
  geometry: GeometryFamily
  /** rows carry admin_code and are confined to the loader's scope */
  scoped: boolean
  /** the attribute that must be unique in the file (and, for append, against stored rows) */
  uniqueKey?: string
  fields: readonly TargetField[]
}

export type AttrValue = string | number | boolean | null
export type Attrs = Record<string, AttrValue>

export interface FeatureProblem {
  code: 'required' | 'unknown_code' | 'bad_value'
  field: string
  message: string
}

// ---------------------------------------------------------------------------------------------
// Values

export const LAND_CLASSES: readonly TargetValue[] = [
  { key: 'farmland', zh: '耕地', synonyms: ['耕地', '水田', '水浇地', '旱地'] },
  { key: 'basic_farmland', zh: '基本农田', synonyms: ['基本农田', '永久基本农田'] },
  { key: 'homestead', zh: '宅基地', synonyms: ['宅基地', '农村宅基地'] },
  { key: 'collective_construction', zh: '集体建设用地', synonyms: ['集体建设用地'] },
  { key: 'state_construction', zh: '国有建设用地', synonyms: ['国有建设用地', '城镇住宅用地', '商服用地', '工矿仓储用地', '公共管理与公共服务用地', '特殊用地'] },
  { key: 'forest', zh: '林地', synonyms: ['林地', '乔木林地', '竹林地', '灌木林地', '其他林地'] },
  { key: 'garden', zh: '园地', synonyms: ['园地', '果园', '茶园', '其他园地'] },
  { key: 'water', zh: '水域', synonyms: ['水域', '水域及水利设施用地', '河流水面', '湖泊水面', '水库水面', '坑塘水面', '沟渠'] },
  { key: 'road', zh: '交通运输用地', synonyms: ['交通运输用地', '公路用地', '农村道路', '铁路用地', '城镇村道路用地'] },
  { key: 'other', zh: '其他', synonyms: ['其他', '其他土地', '草地', '其他草地', '天然牧草地', '人工牧草地', '设施农用地', '裸土地', '空闲地'] },
]

const OWNERSHIP: readonly TargetValue[] = [
  { key: 'state', zh: '国有', synonyms: ['国有', '国有土地所有权', '国有土地使用权', '10'] },
  { key: 'collective', zh: '集体', synonyms: ['集体', '集体土地所有权', '集体土地使用权', '村民小组', '村集体经济组织', '乡集体经济组织', '其他农民集体经济组织', '20', '21', '22', '23', '24', '30', '31', '32', '33', '34', '40'] },
]

const STRUCTURES: readonly TargetValue[] = [
  // 房地一体 JZJG codes: 1 钢结构, 2 钢和钢筋混凝土, 3 钢筋混凝土, 4 混合, 5 砖木, 6 其他
  { key: 'steel', zh: '钢结构', synonyms: ['钢结构', '钢', '轻钢', '1'] },
  { key: 'frame', zh: '框架/钢混', synonyms: ['框架', '框架结构', '钢混', '钢筋混凝土', '钢筋混凝土结构', '钢和钢筋混凝土结构', '钢、钢筋混凝土结构', '混凝土', '2', '3'] },
  { key: 'brick_concrete', zh: '砖混', synonyms: ['砖混', '砖混结构', '混合', '混合结构', '4'] },
  { key: 'brick_wood', zh: '砖木', synonyms: ['砖木', '砖木结构', '土木', '5'] },
  { key: 'simple', zh: '简易', synonyms: ['简易', '简易结构', '彩钢', '彩钢板', '活动板房', '临建'] },
  { key: 'other', zh: '其他', synonyms: ['其他', '其他结构', '其它', '6'] },
]

const USES: readonly TargetValue[] = [
  { key: 'residential', zh: '居住', synonyms: ['居住', '住宅', '住房', '民居', '宅', '自住'] },
  { key: 'storage', zh: '仓储', synonyms: ['仓储', '仓库', '库房', '物流'] },
  { key: 'commercial', zh: '商业', synonyms: ['商业', '商服', '商铺', '门店', '餐饮', '经营'] },
  { key: 'office', zh: '办公', synonyms: ['办公', '写字楼'] },
  { key: 'industrial', zh: '工业', synonyms: ['工业', '工厂', '厂房', '生产', '工矿'] },
  { key: 'public', zh: '公共', synonyms: ['公共', '公共服务', '公益', '学校', '医院'] },
  { key: 'other', zh: '其他', synonyms: ['其他', '其它'] },
]

const SAFETY: readonly TargetValue[] = ['A', 'B', 'C', 'D'].map((g) => ({ key: g, zh: `${g}级`, synonyms: [g, `${g}级`] }))

export const ROAD_CLASSES: readonly TargetValue[] = [
  { key: 'expressway', zh: '高速公路', synonyms: ['高速', '高速公路', '快速路', 'expressway'] },
  { key: 'national', zh: '国道', synonyms: ['国道', 'national'] },
  { key: 'provincial', zh: '省道', synonyms: ['省道', 'provincial'] },
  { key: 'county', zh: '县道', synonyms: ['县道', 'county'] },
  { key: 'village', zh: '村道', synonyms: ['村道', '乡道', '村级道路', '村主干道', '乡村道路', 'village'] },
]

const WATER_KINDS: readonly TargetValue[] = [
  { key: 'river', zh: '河', synonyms: ['河', '河流', '河道', '江', 'river'] },
  { key: 'stream', zh: '溪', synonyms: ['溪', '溪流', '沟', '沟渠', '渠', 'stream'] },
  { key: 'reservoir', zh: '库', synonyms: ['库', '水库', '湖', '湖泊', '坑塘', 'reservoir'] },
]

const AREA_KINDS: readonly TargetValue[] = [
  { key: 'residential', zh: '居民区', synonyms: ['居民区', '居住区', '小区', '社区', '村庄', 'residential'] },
  { key: 'scenic', zh: '景区', synonyms: ['景区', '风景区', '风景名胜区', '旅游区', '公园', 'scenic'] },
  { key: 'enterprise', zh: '企业驻地', synonyms: ['企业驻地', '企业', '厂区', '园区', '工业园', 'enterprise'] },
]

const PERMIT_KINDS: readonly TargetValue[] = [
  { key: 'construction_planning', zh: '建设工程规划许可证', synonyms: ['建设工程规划许可证', '建设工程规划许可', '工程规划许可证'] },
  { key: 'rural_planning', zh: '乡村建设规划许可证', synonyms: ['乡村建设规划许可证', '乡村建设规划许可', '乡村规划许可证'] },
  { key: 'land_approval', zh: '用地批准', synonyms: ['用地批准', '建设用地批准书', '用地批复', '农用地转用批复', '用地批准书'] },
]

const YES = ['是', '有', 'y', 'yes', 'true', '1', 't', '√', '✓']
const NO = ['否', '无', 'n', 'no', 'false', '0', 'f', '×', '']

// ---------------------------------------------------------------------------------------------
// Layers

const NAME: TargetField = { key: 'name', zh: '名称', en: 'name', required: false, kind: 'text', guesses: ['名称', 'MC', 'NAME', '道路名称', '河流名称', 'HLMC', '水库名称', 'SKMC', '景区名称', '企业名称', 'QYMC'] }

export const LAYERS: Record<LayerKey, LayerDef> = {
  admin_units: {
    key: 'admin_units', zh: '行政区划', en: 'admin units', geometry: 'polygon', scoped: true, uniqueKey: 'code',
    fields: [
      { key: 'code', zh: '行政区划代码', en: 'admin code (6, 9 or 12 digits)', required: true, kind: 'code', guesses: ['行政区划代码', '区划代码', '行政代码', 'XZQDM', 'XZQHDM', 'QHDM', 'CUNDM', 'ZLDWDM', 'ADCODE', 'CODE', '代码', 'DM'] },
      { key: 'name', zh: '名称', en: 'name', required: true, kind: 'text', guesses: ['行政区划名称', '区划名称', '名称', 'XZQMC', 'XZQHMC', 'QHMC', 'CUNMC', 'ZLDWMC', 'NAME', 'MC'] },
      { key: 'kind', zh: '类型', en: 'kind (街道/镇/乡/村/社区)', required: false, kind: 'text', guesses: ['类型', '类别', 'LX', 'KIND', 'TYPE'] },
      { key: 'registeredPopulation', zh: '户籍人口', en: 'registered population', required: false, kind: 'integer', min: 0, max: 1e8, guesses: ['户籍人口', 'HJRK', 'registered_population'] },
      { key: 'floatingPopulation', zh: '流动人口', en: 'floating population', required: false, kind: 'integer', min: 0, max: 1e8, guesses: ['流动人口', 'LDRK', 'floating_population'] },
    ],
  },
  parcels: {
    key: 'parcels', zh: '地块（地类图斑）', en: 'parcels', geometry: 'polygon', scoped: true, uniqueKey: 'parcelNo',
    fields: [
      { key: 'parcelNo', zh: '地块编号', en: 'parcel number', required: true, kind: 'text', guesses: ['标识码', 'BSM', '宗地代码', 'ZDDM', '图斑编号', 'TBBH', '地块编号', 'DKBH', '编号', 'BH', 'parcel_no', 'id'] },
      { key: 'landCode', zh: '地类编码', en: 'land class code (GB/T 21010)', required: true, kind: 'code', shows: LAND_CLASSES, guesses: ['地类编码', 'DLBM', '地类代码', 'DLDM', 'land_code'] },
      { key: 'landName', zh: '地类名称', en: 'land class name', required: false, kind: 'text', guesses: ['地类名称', 'DLMC', 'land_name'] },
      { key: 'basicFarmland', zh: '基本农田', en: 'basic farmland flag', required: false, kind: 'boolean', guesses: ['是否基本农田', '基本农田', '永久基本农田', 'SFJBNT', 'JBNT', 'JBNTBS', 'basic_farmland'] },
      { key: 'ownership', zh: '权属性质', en: 'ownership (QSXZ)', required: false, kind: 'code', values: OWNERSHIP, guesses: ['权属性质', 'QSXZ', 'ownership'] },
      { key: 'ownerName', zh: '权属单位名称', en: 'owner', required: false, kind: 'text', guesses: ['权属单位名称', 'QSDWMC', '权利人', 'QLR', 'owner'] },
      { key: 'villageCode', zh: '坐落单位代码', en: 'village code (ZLDWDM)', required: false, kind: 'code', guesses: ['坐落单位代码', 'ZLDWDM', '权属单位代码', 'QSDWDM', '村代码', 'village_code'] },
      { key: 'recordedArea', zh: '图斑面积（㎡）', en: 'recorded area m²', required: false, kind: 'number', min: 0, max: 1e10, guesses: ['图斑面积', 'TBMJ', '面积', 'MJ', '宗地面积', 'ZDMJ', 'area'] },
    ],
  },
  buildings: {
    key: 'buildings', zh: '建筑', en: 'buildings', geometry: 'polygon', scoped: true,
    fields: [
      { key: 'floors', zh: '层数', en: 'floors', required: true, kind: 'integer', min: 1, max: 100, guesses: ['层数', '房屋层数', '建筑层数', '地上层数', 'CS', 'JZCS', 'FWCS', 'ZCS', 'floors'] },
      { key: 'structure', zh: '结构', en: 'structure', required: false, kind: 'enum', values: STRUCTURES, guesses: ['结构', '房屋结构', '建筑结构', 'JG', 'JZJG', 'FWJG', 'structure'] },
      { key: 'use', zh: '用途', en: 'use', required: false, kind: 'enum', values: USES, guesses: ['用途', '房屋用途', '建筑用途', '实际用途', 'YT', 'FWYT', 'JZYT', 'use'] },
      { key: 'selfBuilt', zh: '自建房', en: 'self-built', required: false, kind: 'boolean', guesses: ['是否自建房', '自建房', 'SFZJF', 'ZJF', 'self_built'] },
      { key: 'rented', zh: '出租', en: 'rented', required: false, kind: 'boolean', guesses: ['是否出租', '出租', 'SFCZ', 'rented'] },
      { key: 'safetyGrade', zh: '安全等级', en: 'safety grade A–D', required: false, kind: 'enum', values: SAFETY, guesses: ['安全等级', '鉴定等级', '危险等级', 'AQDJ', 'safety_grade'] },
      { key: 'permitNo', zh: '规划许可证号', en: 'permit number', required: false, kind: 'text', guesses: ['规划许可证号', '许可证号', '许可证编号', 'XKZH', 'GHXKZH', 'permit_no'] },
      { key: 'builtYear', zh: '建成年份', en: 'year built', required: false, kind: 'integer', min: 1900, max: 2100, guesses: ['建成年份', '建成年代', '竣工年份', '建造年份', 'JCNF', 'JGRQ', 'built_year'] },
    ],
  },
  roads: {
    key: 'roads', zh: '道路', en: 'roads', geometry: 'line', scoped: false,
    fields: [
      NAME,
      { key: 'roadCode', zh: '路线编码', en: 'route code (G107, S329 …)', required: false, kind: 'code', guesses: ['路线编码', '路线编号', '道路编码', '道路编号', 'LXBM', 'LXBH', 'LXDM', 'DLBM', '编号', 'BH', 'road_code', 'code'] },
      { key: 'roadClass', zh: '道路等级', en: 'road class', required: true, kind: 'enum', values: ROAD_CLASSES, guesses: ['道路等级', '行政等级', '等级', 'DLDJ', 'XZDJ', 'DJ', 'road_class', 'class'] },
    ],
  },
  ring_roads: {
    key: 'ring_roads', zh: '环路', en: 'ring roads', geometry: 'line', scoped: false,
    fields: [
      NAME,
      { key: 'ringNo', zh: '环路序号', en: 'ring number (6 = 六环)', required: true, kind: 'integer', min: 1, max: 9, guesses: ['环路序号', '环号', '环路', 'HLXH', 'ring_no', 'ring'] },
      { key: 'roadCode', zh: '路线编码', en: 'route code', required: false, kind: 'code', guesses: ['路线编码', '路线编号', 'LXBM', 'LXBH', '编号', 'road_code'] },
    ],
  },
  waters: {
    key: 'waters', zh: '水系', en: 'waters', geometry: 'line_or_polygon', scoped: false,
    fields: [NAME, { key: 'kind', zh: '水体类型', en: 'kind (river, stream, reservoir)', required: true, kind: 'enum', values: WATER_KINDS, guesses: ['类型', '水体类型', '水系类型', 'LX', 'STLX', 'kind', 'type'] }],
  },
  reference_areas: {
    key: 'reference_areas', zh: '居民区/景区/企业驻地', en: 'reference areas', geometry: 'polygon', scoped: false,
    fields: [NAME, { key: 'kind', zh: '区域类型', en: 'kind (residential, scenic, enterprise)', required: true, kind: 'enum', values: AREA_KINDS, guesses: ['类型', '区域类型', 'LX', 'QYLX', 'kind', 'type'] }],
  },
  permits: {
    key: 'permits', zh: '规划许可', en: 'permits', geometry: 'polygon', scoped: true, uniqueKey: 'permitNo',
    fields: [
      { key: 'permitNo', zh: '许可证号', en: 'permit number', required: true, kind: 'text', guesses: ['许可证号', '许可证编号', '证号', '批准文号', '批文号', 'XKZH', 'ZH', 'PZWH', 'permit_no', '编号', 'BH'] },
      { key: 'kind', zh: '许可类型', en: 'kind', required: false, kind: 'enum', values: PERMIT_KINDS, guesses: ['许可类型', '证书类型', '类型', 'XKLX', 'LX', 'kind', 'type'] },
      { key: 'holder', zh: '权利人/建设单位', en: 'holder', required: false, kind: 'text', guesses: ['建设单位', '申请人', '权利人', '持证人', 'JSDW', 'SQR', 'QLR', 'holder'] },
      { key: 'issuedOn', zh: '发证日期', en: 'issued on', required: false, kind: 'date', guesses: ['发证日期', '核发日期', '批准日期', 'FZRQ', 'HFRQ', 'PZRQ', 'issued_on', 'date'] },
    ],
  },
}

export function isLayerKey(s: string): s is LayerKey {
  return (LAYER_KEYS as readonly string[]).includes(s)
}

/** The targets as the API shows them (values without their synonyms). */
export function targetsOf(layer: LayerKey): ImportTarget[] {
  return LAYERS[layer].fields.map((f) => ({
    key: f.key, zh: f.zh, en: f.en, required: f.required, kind: f.kind,
    ...(f.values ?? f.shows ? { values: (f.values ?? f.shows)!.map((v) => ({ key: v.key, zh: v.zh })) } : {}),
  }))
}

/** The guessed mapping for a file's fields: every target, a field name or null. */
export function guessLayerMapping(layer: LayerKey, fields: string[]): LayerMapping {
  const def = LAYERS[layer]
  const keys = def.fields.map((f) => f.key)
  const guesses = Object.fromEntries(def.fields.map((f) => [f.key, f.guesses])) as Record<string, readonly string[]>
  const out: LayerMapping = guessFields(keys, guesses, fields)
  if (layer === 'ring_roads' && out.ringNo === null) out.ringNo = { value: 6 }
  return out
}

/** A mapping kept when every field it names exists in the file (constants always do). */
export function mappingFits(layer: LayerKey, mapping: LayerMapping, fields: string[]): boolean {
  return LAYERS[layer].fields.every((f) => {
    const m = mapping[f.key]
    return m === undefined || m === null || typeof m === 'object' || fields.includes(m)
  })
}

/** What is wrong with a mapping as a whole (unknown target, no such field, bad constant), or null. */
export function mappingError(layer: LayerKey, mapping: LayerMapping, fields: string[]): string | null {
  const def = LAYERS[layer]
  for (const [k, m] of Object.entries(mapping)) {
    const f = def.fields.find((x) => x.key === k)
    if (!f) return `mapping.${k}: ${def.en} have no target ${k}; targets are ${def.fields.map((x) => x.key).join(', ')}`
    if (typeof m === 'string' && !fields.includes(m)) return `mapping.${k}: the file has no field ${m}; its fields are ${fields.join(', ')}`
    if (m !== null && typeof m === 'object') {
      const parsed = parseValue(f, String(m.value))
      if (parsed.problem || parsed.value === null) return `mapping.${k}: the constant ${String(m.value)} is not a valid ${f.en}`
    }
  }
  return null
}

/** Required targets the mapping leaves empty (a road class may come from the route code instead). */
export function missingRequired(layer: LayerKey, mapping: LayerMapping): string[] {
  return LAYERS[layer].fields
    .filter((f) => f.required && (mapping[f.key] === null || mapping[f.key] === undefined))
    .filter((f) => !(layer === 'roads' && f.key === 'roadClass' && mapping.roadCode))
    .filter((f) => !(layer === 'waters' && f.key === 'kind' && mapping.name))
    .filter((f) => !(layer === 'parcels' && f.key === 'landCode' && mapping.landName))
    .map((f) => f.key)
}

// ---------------------------------------------------------------------------------------------
// Parsing values

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, '')

function matchValue(values: readonly TargetValue[], raw: string): string | null {
  const s = norm(raw)
  for (const v of values) if (norm(v.key) === s || v.synonyms.some((x) => norm(x) === s)) return v.key
  return null
}

/** Synonym contained in the text (用途 "住宅及商业" → residential): the first value whose synonym occurs. */
function containsValue(values: readonly TargetValue[], raw: string): string | null {
  const s = norm(raw)
  for (const v of values) if (v.synonyms.some((x) => x.length >= 2 && !/^[0-9]+$/.test(x) && s.includes(norm(x)))) return v.key
  return null
}

const NUMBER = /^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$/
// 2026-01-02, 2026/1/2, 2026.01.02, 20260102, 2026年1月2日
const DATE = /^([0-9]{4})[-/.年]?([0-9]{1,2})[-/.月]?([0-9]{1,2})日?$/

function text(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null
  const s = (raw instanceof Date ? raw.toISOString().slice(0, 10) : String(raw)).trim()
  return s === '' ? null : s
}

export function parseValue(f: TargetField, rawIn: unknown): { value: AttrValue; problem: FeatureProblem | null } {
  const raw = text(rawIn)
  if (raw === null) return { value: null, problem: null }
  const bad = (message: string, code: FeatureProblem['code'] = 'bad_value') => ({ value: null, problem: { code, field: f.key, message } })
  switch (f.kind) {
    case 'text':
      return { value: raw.slice(0, 500), problem: null }
    case 'code':
      if (f.values) {
        const v = matchValue(f.values, raw)
        return v ? { value: v, problem: null } : bad(`${f.zh}“${raw}”无法识别`, 'unknown_code')
      }
      return { value: raw, problem: null }
    case 'enum': {
      const v = matchValue(f.values!, raw) ?? containsValue(f.values!, raw)
      return v ? { value: v, problem: null } : bad(`${f.zh}“${raw}”无法识别，可选：${f.values!.map((x) => x.zh).join('、')}`, 'unknown_code')
    }
    case 'integer':
    case 'number': {
      // 3层, 3F, 1998年, 120.5㎡: the number in front of a unit
      const m = /^([+-]?[0-9]+([.][0-9]+)?)\s*(层|f|年|㎡|m2|平方米|平米|人)?$/i.exec(raw.replace(/,/g, ''))
      const n = m ? Number(m[1]) : NUMBER.test(raw) ? Number(raw) : NaN
      if (!Number.isFinite(n)) return bad(`${f.zh}“${raw}”不是数字`)
      const v = f.kind === 'integer' ? Math.round(n) : Math.round(n * 100) / 100
      if (f.kind === 'integer' && Math.abs(n - v) > 1e-9) return bad(`${f.zh}“${raw}”不是整数`)
      if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max) || (f.kind === 'number' && f.min === 0 && v <= 0)) {
        return bad(`${f.zh}“${raw}”超出范围（${f.min ?? ''}–${f.max ?? ''}）`)
      }
      return { value: v, problem: null }
    }
    case 'boolean': {
      const s = norm(raw)
      if (YES.includes(s)) return { value: true, problem: null }
      if (NO.includes(s)) return { value: false, problem: null }
      return bad(`${f.zh}“${raw}”应为 是/否`)
    }
    case 'date': {
      const m = DATE.exec(raw.replace(/\s+/g, '').replace(/T.*$/, ''))
      if (!m) return bad(`${f.zh}“${raw}”不是日期`)
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
      const date = new Date(Date.UTC(y, mo - 1, d))
      if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1900 || y > 2100) return bad(`${f.zh}“${raw}”不是有效日期`)
      return { value: `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`, problem: null }
    }
  }
}

/**
 * GB/T 21010 (DLBM) → land class: 01 耕地 farmland (basic_farmland when flagged), 02 garden, 03 forest,
 * 0702 homestead, 05/06/0701/08/09 construction (collective when QSXZ says so, else state),
 * 10 road, 11 water, 04 and 12 other. Codes may carry a 三调 suffix (0101K, 1202 …); 2-digit
 * first-level codes are accepted. Null: not a GB/T 21010 code.
 */
export function landClassOf(dlbm: string, basicFarmland: boolean, ownership: string | null): string | null {
  const m = /^([0-9]{2})([0-9]{2})?[A-Z]?$/i.exec(dlbm.trim())
  if (!m) return null
  const first = Number(m[1])
  const second = m[2]
  if (first < 1 || first > 12) return null
  const construction = ownership === 'collective' ? 'collective_construction' : 'state_construction'
  switch (first) {
    case 1: return basicFarmland ? 'basic_farmland' : 'farmland'
    case 2: return 'garden'
    case 3: return 'forest'
    case 4: return 'other'
    case 7: return second === '02' ? 'homestead' : construction
    case 5: case 6: case 8: case 9: return construction
    case 10: return 'road'
    case 11: return 'water'
    default: return 'other'
  }
}

/** Road class from the route code's letter: G expressway (1–2 or 4 digits) or national (3), S, X, Y/C. */
export function roadClassFromCode(code: string): string | null {
  const m = /^([GSXYC])\s*([0-9]+)/i.exec(code.trim())
  if (!m) return null
  const letter = m[1]!.toUpperCase()
  const digits = m[2]!.length
  if (letter === 'G') return digits === 3 ? 'national' : 'expressway'
  if (letter === 'S') return digits === 3 ? 'provincial' : 'expressway'
  if (letter === 'X') return 'county'
  return 'village'
}

/** Water kind from the name when no kind field is mapped: …水库 reservoir, …溪/沟 stream, …河/江 river. */
function waterKindFromName(name: string): string | null {
  if (/(库|湖|塘)$/.test(name)) return 'reservoir'
  if (/(溪|沟|渠)$/.test(name)) return 'stream'
  if (/(河|江|川|水)$/.test(name)) return 'river'
  return null
}

const ADMIN_CODE = /^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/

/**
 * One feature's attributes through the mapping: the row values to write (keys as in the layer's
 * targets, plus derived ones: landClass, ownerType, level) and the first problem found.
 */
export function parseFeature(layer: LayerKey, mapping: LayerMapping, properties: Record<string, unknown>): { attrs: Attrs; problem: FeatureProblem | null } {
  const def = LAYERS[layer]
  const attrs: Attrs = {}
  let problem: FeatureProblem | null = null
  const note = (p: FeatureProblem | null) => {
    problem ??= p
  }
  for (const f of def.fields) {
    const m = mapping[f.key]
    const raw = m === null || m === undefined ? null : typeof m === 'object' ? m.value : properties[m]
    const parsed = parseValue(f, raw)
    attrs[f.key] = parsed.value
    note(parsed.problem)
  }
  switch (layer) {
    case 'admin_units': {
      const code = attrs.code as string | null
      if (code !== null && !ADMIN_CODE.test(code)) note({ code: 'bad_value', field: 'code', message: `行政区划代码“${code}”应为 6、9 或 12 位数字` })
      break
    }
    case 'parcels': {
      const code = attrs.landCode as string | null
      const name = attrs.landName as string | null
      // DLBM first; a land-class name (DLMC 旱地, 宅基地 …) when the code is empty
      attrs.landClass = code !== null
        ? landClassOf(code, attrs.basicFarmland === true, attrs.ownership as string | null) ?? matchValue(LAND_CLASSES, code)
        : name !== null ? matchValue(LAND_CLASSES, name) : null
      if (attrs.landClass === 'farmland' && attrs.basicFarmland === true) attrs.landClass = 'basic_farmland'
      if (code !== null && attrs.landClass === null) note({ code: 'unknown_code', field: 'landCode', message: `地类编码“${code}”不在 GB/T 21010 中` })
      if (code === null && attrs.landClass !== null) attrs.landCode = null
      attrs.ownerType = attrs.ownership ?? null
      const village = attrs.villageCode as string | null
      attrs.villageCode = village && /^[0-9]{12}/.test(village) ? village.slice(0, 12) : null
      break
    }
    case 'roads': {
      if (attrs.roadClass === null && typeof attrs.roadCode === 'string') {
        const cls = roadClassFromCode(attrs.roadCode)
        if (cls) attrs.roadClass = cls
        else if (mapping.roadClass === null || mapping.roadClass === undefined) {
          note({ code: 'unknown_code', field: 'roadCode', message: `路线编码“${attrs.roadCode}”看不出道路等级（应以 G/S/X/Y/C 开头），请指定道路等级字段` })
        }
      }
      break
    }
    case 'ring_roads':
      attrs.roadClass = 'expressway'
      break
    case 'waters':
      if (attrs.kind === null && typeof attrs.name === 'string' && (mapping.kind === null || mapping.kind === undefined)) {
        attrs.kind = waterKindFromName(attrs.name)
        if (attrs.kind === null) note({ code: 'unknown_code', field: 'kind', message: `无法从名称“${attrs.name}”判断水体类型（河/溪/库），请指定类型字段` })
      }
      break
    default:
      break
  }
  // a target another one stands in for: the land class from DLMC, a road class from the route code, a water kind from the name
  const standIn: Record<string, string> = layer === 'parcels' ? { landCode: 'landClass' } : {}
  for (const f of def.fields) {
    if (f.required && attrs[standIn[f.key] ?? f.key] === null) note({ code: 'required', field: f.key, message: `${f.zh}为空` })
  }
  return { attrs, problem }
}
