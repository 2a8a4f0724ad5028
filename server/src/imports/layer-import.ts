// Loading a district's reference layers (docs/api-onboarding.md): read any supported file feature
// by feature with the patch import's readers and shape check, stage it in slices, let PostGIS
// judge validity and placement, parse the mapped attributes (domain/reference-layers.ts) a slice
// at a time, and commit one layer in one transaction with what it re-derives. Memory stays
// bounded whatever the file's size: features pass through in slices, never as a whole layer.
import type { Db } from '../db/db.ts'
import {
  guessLayerMapping, LAYERS, mappingFits, missingRequired, parseFeature, targetsOf, type LayerKey, type LayerMapping,
} from '../domain/reference-layers.ts'
import type { CommitResult, Derived, FieldInfo, LayerImportView, LoadMode, Phase } from '../domain/onboarding-types.ts'
import {
  activeBufferZoneCount, batchIds, linkedBuildings, checkLayerKeys, checkLayerValidity, clearLayerStaged, getLayerImport, insertLayerStaged,
  lastMapping, listLayerProblems, listPresets, maxFeatureNo, placeLayerSlice, recomputeActiveBufferZones,
  recordLoad, relinkBuildings, resetPlacement, stagedProperties, storeAttrs, tileLogEntriesSince, tileLogSeq, updateLayerImport,
  writeLayer, type LayerImportRow,
} from '../repos/layer-imports.repo.ts'
import { screenBatch } from '../repos/detection-screening.repo.ts'
import type { StagedFeature } from '../repos/staging.ts'
import { parseCrs, toLonLat, type Crs } from './formats/crs.ts'
import { emptyBounds, extendBounds, isEmptyBounds, type Bounds } from './formats/geometry.ts'
import { FileRefused, openLayer, type OpenedLayer } from './formats/open.ts'
import { checkReadCaps, type FileWarning } from './formats/reader.ts'
import { checkFeatureShape, familyAccepts, type ShapeRules } from './formats/shape.ts'
import { estimateTotal } from './patch-import.ts'
import { setTransactionTimeout } from '../db/transaction-timeout.ts'
import { breathe } from './breathe.ts'

export const LAYER_IMPORT_LIMITS = {
  features: 2_000_000,
  verticesPerFeature: 100_000,
  /** reading one file may take this long before it is stopped */
  seconds: 3600,
  /** rows per staging insert */
  stageBatch: 2000,
  /** features per validity / placement statement */
  checkSlice: 20_000,
  /** features parsed per round trip */
  parseSlice: 5000,
  /** features per INSERT … SELECT of a commit */
  commitSlice: 20_000,
  /** the commit's transaction may run this long on the real server */
  commitMs: 2 * 3600 * 1000,
  /** a new mapping is re-checked before the PATCH answers up to this many features, else in the background */
  inlineRecheck: 100_000,
  problemsListed: 1000,
  previewFeatures: 2000,
  fields: 500,
  samplesPerField: 3,
  /** staging not committed is removed after this */
  expiryHours: 24,
} as const

export class Cancelled extends Error {
  constructor() {
    super('cancelled')
  }
}

export interface Progress {
  phase: Phase
  done: number
  total: number | null
}

export interface JobControl {
  signal: AbortSignal
  progress(p: Progress): void
}

const check = (signal: AbortSignal) => {
  if (signal.aborted) throw new Cancelled()
}

function shapeRules(layer: LayerKey): ShapeRules {
  const def = LAYERS[layer]
  return { family: def.geometry, verticesPerFeature: LAYER_IMPORT_LIMITS.verticesPerFeature, wrongTypeCode: 'wrong_geometry_type', noun: def.zh }
}

function crsFor(imp: LayerImportRow, layer: OpenedLayer): { crs: Crs | null; source: string | null } {
  if (imp.user_crs) return { crs: parseCrs(imp.user_crs), source: 'user' }
  return { crs: layer.crs, source: layer.crsSource }
}

/** Up to a few distinct sample values per field, for choosing the mapping. */
class FieldSamples {
  private readonly byName = new Map<string, string[]>()
  truncated = false
  constructor(initial: string[]) {
    for (const f of initial) this.add(f, undefined)
  }
  add(name: string, value: unknown): void {
    let s = this.byName.get(name)
    if (!s) {
      if (this.byName.size >= LAYER_IMPORT_LIMITS.fields) {
        this.truncated = true
        return
      }
      s = []
      this.byName.set(name, s)
    }
    if (value === null || value === undefined || s.length >= LAYER_IMPORT_LIMITS.samplesPerField) return
    const text = (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)).trim().slice(0, 100)
    if (text !== '' && !s.includes(text)) s.push(text)
  }
  list(): FieldInfo[] {
    return [...this.byName].map(([name, samples]) => ({ name, samples }))
  }
}

/** How the opening of a file went: recognised (null), refused with the reason, or failed on the server's side. */
export type ReadOutcome = FileRefused | null | 'failed'

/**
 * Reads the upload into staging (replacing what was staged) and checks it. `opened` is told once
 * the file is recognised (or refused). Never throws for a bad file: the import ends 'failed' with
 * the reason; a cancelled read ends 'cancelled' with nothing staged.
 */
export async function readLayerImport(db: Db, imp: LayerImportRow, job: JobControl, opened: (outcome: ReadOutcome) => void = () => {}): Promise<void> {
  if (!imp.file_path) throw new Error(`layer import ${imp.id} has no file`)
  const started = Date.now()
  let file: Awaited<ReturnType<typeof openLayer>> | undefined
  let told = false
  const tell = (outcome: ReadOutcome) => {
    if (!told) opened(outcome)
    told = true
  }
  try {
    await clearLayerStaged(db, imp.id)
    file = await openLayer(imp.file_path, imp.file_name, imp.user_encoding ? { encoding: imp.user_encoding } : {})
    tell(null)
    const layer = file.layer
    const { crs, source } = crsFor(imp, layer)
    const base = {
      format: layer.format, layer_name: layer.layer, encoding: layer.encoding, progress_total: layer.total,
      crs_code: crs?.code ?? null, crs_source: crs ? source : null, fields: layer.fields.map((name) => ({ name, samples: [] })),
    }
    if (!crs) {
      await updateLayerImport(db, imp.id, { ...base, state: 'needs_crs', phase: null, warnings: layer.warnings, feature_count: layer.total ?? 0, progress_done: 0, bounds: null, error: null })
      return
    }
    await updateLayerImport(db, imp.id, { ...base, state: 'reading', phase: 'reading', progress_done: 0, error: null, result: null })

    const rules = shapeRules(imp.layer)
    const toLL = toLonLat(crs)
    const bounds: Bounds = emptyBounds()
    const samples = new FieldSamples(layer.fields)
    const geometryTypes = new Set<string>()
    let batch: StagedFeature[] = []
    let featureNo = 0
    let bytesRead = 0
    const flush = async () => {
      await breathe()
      check(job.signal)
      await insertLayerStaged(db, imp.id, batch)
      batch = []
      job.progress({ phase: 'reading', done: featureNo, total: layer.total ?? estimateTotal(featureNo, bytesRead, layer.bytes) })
    }
    for await (const raw of layer.features((n) => { bytesRead = n })) {
      featureNo++
      checkReadCaps(featureNo, started, LAYER_IMPORT_LIMITS)
      for (const [k, v] of Object.entries(raw.properties)) samples.add(k, v)
      if (raw.geometry && geometryTypes.size < 10) geometryTypes.add(raw.geometry.type)
      const shape = checkFeatureShape(raw, toLL, rules)
      if (shape.geometry) extendBounds(bounds, shape.geometry)
      batch.push({ featureNo, properties: raw.properties, geometry: shape.geometry ? JSON.stringify(shape.geometry) : null, problem: shape.problem, message: shape.message })
      if (batch.length >= LAYER_IMPORT_LIMITS.stageBatch) await flush()
    }
    await flush()
    file.dispose()

    const warnings: FileWarning[] = [...layer.warnings]
    const accepted = [...geometryTypes].filter((t) => familyAccepts(rules.family, t))
    if (accepted.length > 0 && accepted.length < geometryTypes.size) {
      warnings.push({ code: 'mixed_geometry_types', message: `文件混有多种几何类型（${[...geometryTypes].join('、')}），与${LAYERS[imp.layer].zh}不符的要素不能导入` })
    }
    if (samples.truncated) warnings.push({ code: 'too_many_fields', message: `属性字段超过 ${LAYER_IMPORT_LIMITS.fields} 个，只列出前 ${LAYER_IMPORT_LIMITS.fields} 个` })
    const fields = samples.list()
    const names = fields.map((f) => f.name)
    await updateLayerImport(db, imp.id, { fields, feature_count: featureNo, bounds: isEmptyBounds(bounds) ? null : bounds })

    // validity in PostGIS, then the mapping: the one chosen before a re-read, else the one last committed, else a guess
    const max = await maxFeatureNo(db, imp.id)
    for (let from = 1; from <= max; from += LAYER_IMPORT_LIMITS.checkSlice) {
      await breathe()
      check(job.signal)
      await checkLayerValidity(db, imp.id, from, from + LAYER_IMPORT_LIMITS.checkSlice)
      job.progress({ phase: 'checking', done: Math.min(from + LAYER_IMPORT_LIMITS.checkSlice - 1, max), total: max })
    }
    const remembered = await lastMapping(db, imp.layer)
    const mapping = hasMapping(imp.mapping) && mappingFits(imp.layer, imp.mapping, names) ? imp.mapping : chooseMapping(imp.layer, names, remembered)
    const mappingWarnings = await checkStaged(db, { ...imp, mapping }, job)
    await updateLayerImport(db, imp.id, { state: 'staged', phase: null, progress_done: featureNo, progress_total: featureNo, mapping, warnings: [...warnings, ...mappingWarnings] })
  } catch (err) {
    await clearLayerStaged(db, imp.id).catch(() => {})
    if (err instanceof Cancelled) {
      await updateLayerImport(db, imp.id, { state: 'cancelled', phase: null })
      return
    }
    if (err instanceof FileRefused) {
      tell(err)
      await updateLayerImport(db, imp.id, { state: 'failed', phase: null, error: { code: err.code, message: err.zh, messageEn: err.message } })
      return
    }
    tell('failed')
    await updateLayerImport(db, imp.id, { state: 'failed', phase: null, error: { code: 'read_failed', message: '读取失败，请联系管理员', messageEn: 'reading failed; see the server log' } }).catch(() => {})
    throw err
  } finally {
    file?.dispose()
  }
}

const hasMapping = (m: LayerMapping | null | undefined): m is LayerMapping => !!m && Object.keys(m).length > 0

/** The guess, with what the last committed mapping of the layer chose wherever that fits this file. */
function chooseMapping(layer: LayerKey, fields: string[], remembered: LayerMapping | null): LayerMapping {
  const out = guessLayerMapping(layer, fields)
  if (!remembered) return out
  for (const [k, v] of Object.entries(remembered)) {
    if (!(k in out) || v === null) continue
    if (typeof v === 'object' || fields.includes(v)) out[k] = v
  }
  return out
}

/**
 * Parses every staged feature's attributes through the mapping (a slice at a time), places the
 * features and checks keys. Returns the warnings the mapping gives.
 */
export async function checkStaged(db: Db, imp: LayerImportRow, job: JobControl): Promise<FileWarning[]> {
  const total = imp.feature_count
  await resetPlacement(db, imp.id)
  let after = 0
  for (;;) {
    await breathe()
    check(job.signal)
    const rows = await stagedProperties(db, imp.id, after, LAYER_IMPORT_LIMITS.parseSlice)
    if (rows.length === 0) break
    await storeAttrs(db, imp.id, rows.map((r) => ({ featureNo: r.feature_no, ...parseFeature(imp.layer, imp.mapping, r.properties) })))
    after = rows[rows.length - 1]!.feature_no
    job.progress({ phase: 'checking', done: after, total })
  }
  const max = await maxFeatureNo(db, imp.id)
  for (let from = 1; from <= max; from += LAYER_IMPORT_LIMITS.checkSlice) {
    await breathe()
    check(job.signal)
    await placeLayerSlice(db, imp.id, imp.layer, from, from + LAYER_IMPORT_LIMITS.checkSlice)
  }
  check(job.signal)
  await checkLayerKeys(db, imp.id, imp.layer, imp.scope_code)
  const missing = missingRequired(imp.layer, imp.mapping)
  const warnings: FileWarning[] = []
  if (missing.length > 0) {
    const zh = missing.map((k) => LAYERS[imp.layer].fields.find((f) => f.key === k)!.zh)
    warnings.push({ code: 'mapping_incomplete', message: `必填项没有对应字段：${zh.join('、')}；请在字段对应中指定字段或固定值` })
  }
  return warnings
}

const BUFFER_LAYERS = new Set<LayerKey>(['roads', 'ring_roads', 'waters', 'reference_areas'])
const SCREENING_LAYERS = new Set<LayerKey>(['parcels', 'buildings', 'permits', 'roads', 'ring_roads', 'waters', 'reference_areas', 'admin_units'])

/**
 * Writes the staged layer and everything derived from it in one transaction, recorded in
 * layer_loads. A cancel (job.signal) between slices throws Cancelled and rolls all of it back.
 */
export async function commitLayerImport(db: Db, imp: LayerImportRow, opts: { mode: LoadMode; onlyValid: boolean }, job: JobControl): Promise<CommitResult> {
  return db.transaction(async (tx) => {
    await setTransactionTimeout(db, tx, LAYER_IMPORT_LIMITS.commitMs)
    const seq = await tileLogSeq(tx)
    const step = (phase: Phase) => (done: number, total: number) => {
      check(job.signal)
      job.progress({ phase, done, total })
    }
    const problems = await listLayerProblems(tx, imp.id, opts.mode, 1)
    if (!opts.onlyValid && problems.count > 0) throw new Error(`import ${imp.id} has ${problems.count} problems; commit refused`)
    job.progress({ phase: 'writing', done: 0, total: imp.feature_count })
    const counts = await writeLayer({ tx, imp, mode: opts.mode, step: step('writing'), slice: LAYER_IMPORT_LIMITS.commitSlice })

    check(job.signal)
    job.progress({ phase: 'deriving', done: 0, total: null })
    const derived: Derived[] = []
    if (imp.layer === 'admin_units') await recomputeActiveBufferZones(tx)
    if (BUFFER_LAYERS.has(imp.layer) || imp.layer === 'admin_units') {
      const zones = await activeBufferZoneCount(tx)
      derived.push(zones === null
        ? { what: 'buffer_zones', count: 0, message: '没有启用的缓冲区规则，四道六边缓冲区未计算 / no active buffer rule set; no buffer zones computed' }
        : { what: 'buffer_zones', count: zones, message: `四道六边缓冲区已按新数据重新计算：${zones} 个 / buffer zones recomputed: ${zones}` })
    }
    if (imp.layer === 'parcels' || imp.layer === 'buildings') {
      const linked = imp.layer === 'parcels'
        ? await relinkBuildings(tx, imp.scope_code, LAYER_IMPORT_LIMITS.commitSlice, step('deriving'))
        : await linkedBuildings(tx, imp.scope_code) // linked as they were inserted
      derived.push({ what: 'building_parcel_links', count: linked, message: `建筑与地块已重新关联：${linked} 栋建筑落在地块内 / buildings linked to parcels: ${linked}` })
    }
    if (SCREENING_LAYERS.has(imp.layer)) {
      let screened = 0
      const batches = await batchIds(tx)
      for (const id of batches) screened += (await screenBatch(tx, id, undefined, step('deriving'))).screened
      derived.push({ what: 'screening', count: screened, message: `已对 ${batches.length} 个卫片批次的 ${screened} 个图斑重新筛查 / patches screened again: ${screened} in ${batches.length} batches` })
    }
    const tiles = await tileLogEntriesSince(tx, seq)
    derived.push({ what: 'tiles', count: tiles, message: `地图瓦片缓存已按改动范围失效（${tiles} 条记录）/ map tiles invalidated where the layer changed (${tiles} entries)` })
    if (imp.layer === 'admin_units') {
      derived.push({ what: 'admin_codes', message: '案件、图斑等已有记录的行政区划代码保持不变，未按新边界重新归属 / admin codes of existing cases and patches are kept, not re-assigned from the new boundaries' })
    }
    check(job.signal)
    const loadId = await recordLoad(tx, imp, { ...counts, mode: opts.mode, onlyValid: opts.onlyValid, features: imp.feature_count, derived })
    const result: CommitResult = { mode: opts.mode, ...counts, derived, loadId }
    await updateLayerImport(tx, imp.id, { state: 'committed', phase: null, result, file_path: null, error: null })
    await clearLayerStaged(tx, imp.id)
    return result
  })
}

/** The import for the API (docs/api-onboarding.md, "The import view"). */
export async function layerImportView(db: Db, imp: LayerImportRow, live?: Progress): Promise<LayerImportView> {
  const crs = imp.crs_code ? parseCrs(imp.crs_code) : null
  const staged = imp.state === 'staged'
  const p = staged ? await listLayerProblems(db, imp.id, null, LAYER_IMPORT_LIMITS.problemsListed) : { problems: [], count: 0, counts: {}, valid: 0, conflicts: 0 }
  const warnings = [...imp.warnings]
  if (p.conflicts > 0) {
    warnings.push({ code: 'existing_keys', message: `${p.conflicts} 个要素的编号在系统中已存在：“追加”会因重复而拒绝，“替换”会先删除原有记录` })
  }
  const mapping = hasMapping(imp.mapping) ? imp.mapping : Object.fromEntries(LAYERS[imp.layer].fields.map((f) => [f.key, null]))
  return {
    id: imp.id,
    layer: imp.layer,
    state: imp.state,
    progress: live ?? { phase: imp.phase, done: imp.progress_done, total: imp.progress_total },
    fileName: imp.file_name,
    format: imp.format,
    layerName: imp.layer_name,
    crs: crs ? { code: crs.code, name: crs.name, source: imp.crs_source } : null,
    encoding: imp.encoding,
    featureCount: imp.feature_count,
    validCount: p.valid,
    bounds: imp.bounds,
    fields: imp.fields,
    targets: targetsOf(imp.layer),
    mapping,
    presets: (await listPresets(db, imp.layer)).map(({ id, name, mapping: m }) => ({ id, name, mapping: m })),
    problems: p.problems,
    problemCount: p.count,
    problemCounts: p.counts,
    warnings,
    error: imp.error,
    result: imp.result,
  }
}

export async function reloadLayerImport(db: Db, id: string, userId: number): Promise<LayerImportRow> {
  const imp = await getLayerImport(db, id, userId)
  if (!imp) throw new Error(`layer import ${id} vanished`)
  return imp
}
