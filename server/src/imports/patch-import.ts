// Importing satellite-change patches (卫片图斑): read any supported file feature by feature, check
// each shape, bring it to lon/lat, stage it in batches, let PostGIS judge validity, repairs and
// placement, map the attributes, and report — nothing reaches the patch tables before commit.
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Db } from '../db/db.ts'
import { guessFields } from '../domain/field-guess.ts'
import {
  checkValidity, clearStaged, deriveAttributes, getImport, listProblems, placeFeatures, referenceMatches,
  samplePoints, unmappedChangeTypes, updateImport, type ChangeTypePatterns, type ImportRow,
} from '../repos/detection-imports.repo.ts'
import { stagingWriter } from '../repos/staging.ts'
import { MAPPING_KEYS, type MappingKey } from '../domain/detection-types.ts'
import type { DetectionImport, ImportMapping } from '../schemas/detections.schema.ts'
import { parseCrs, toLonLat, GCJ02, type Crs, type PointTransform } from './formats/crs.ts'
import { emptyBounds, extendBounds, isEmptyBounds, type Bounds } from './formats/geometry.ts'
import { FileRefused, openLayer, type OpenedLayer, type RawFeature } from './formats/open.ts'
import { checkReadCaps, type FileWarning } from './formats/reader.ts'
import { checkFeatureShape, type ShapeCheck, type ShapeRules } from './formats/shape.ts'
import { breathe } from './breathe.ts'

/** progress is written at most this often while reading */
const PROGRESS_MS = 500

export const PATCH_IMPORT_LIMITS = {
  features: 500_000,
  verticesPerFeature: 100_000,
  /** reading one file may take this long before it is stopped */
  seconds: 1800,
  /** files above this are read in the background (202) */
  backgroundBytes: 2 * 1024 * 1024,
  stageBatch: 1000,
  problemsListed: 1000,
  previewFeatures: 2000,
  /** staging not committed is removed after this */
  expiryHours: 24,
} as const

// Header names seen on ministry/province patch tables (TBBH 图斑编号, QSX/HSX 前/后时相, BHLX 变化类型,
// TBMJ/JCMJ 面积) and their English equivalents. First match wins; compared case-insensitively.
const MAPPING_GUESSES: Record<MappingKey, string[]> = {
  patchNo: ['图斑编号', '图斑号', '图斑编码', '监测图斑编号', '编号', 'tbbh', 'jcbh', 'patch_no', 'patchno', 'patch_id', 'patchid', 'id', 'bh'],
  beforeDate: ['前时相', '前时相日期', '前期时相', '前时相时间', '前时像', 'qsx', 'before_date', 'beforedate', 'date_before'],
  afterDate: ['后时相', '后时相日期', '后期时相', '后时相时间', '后时像', 'hsx', 'after_date', 'afterdate', 'date_after'],
  changeType: ['变化类型', '图斑类型', '变化类别', '监测类型', 'bhlx', 'tblx', 'change_type', 'changetype', 'type'],
  area: ['面积', '图斑面积', '监测面积', '变化面积', 'tbmj', 'jcmj', 'mj', 'area', 'area_m2', 'shape_area'],
  confidence: ['置信度', '可信度', '概率', 'zxd', 'confidence', 'score', 'probability'],
}

export function guessMapping(fields: string[]): ImportMapping {
  return guessFields(MAPPING_KEYS, MAPPING_GUESSES, fields)
}

// PostgreSQL regular expressions (case-insensitive) from change-type text to our keys, tried in order.
export const CHANGE_TYPES: ChangeTypePatterns = {
  new_building: 'new_building|new building|新增建|新建|新增房|新增建筑|新增构筑|疑似违建|建房',
  extension: 'extension|扩建|加层|加建|改扩建|改建|翻建',
  land_cleared: 'land_cleared|land cleared|推填|推土|推堆|堆土|填土|平整|挖损|挖掘|硬化|采挖|裸地',
  other: '^(other|其他|其它)',
}

// ---- shapes, checked before anything is staged ----

const PATCH_SHAPE: ShapeRules = { family: 'polygon', verticesPerFeature: PATCH_IMPORT_LIMITS.verticesPerFeature, wrongTypeCode: 'not_polygon', noun: '图斑' }

/** Points/lines/unclosed/empty shapes are refused here (PostGIS could not even build them). */
export function checkShape(raw: RawFeature, toLonLatFn: PointTransform): ShapeCheck {
  return checkFeatureShape(raw, toLonLatFn, PATCH_SHAPE)
}

// ---- reading and staging ----

export interface StageOutcome {
  state: 'staged' | 'needs_crs' | 'failed'
}

function crsFor(imp: ImportRow, layer: OpenedLayer): { crs: Crs | null; source: string | null } {
  if (imp.user_crs) return { crs: parseCrs(imp.user_crs), source: 'user' }
  return { crs: layer.crs, source: layer.crsSource }
}

/**
 * Reads the upload of an import into staging (replacing what was staged), then checks it.
 * Never throws for a bad file: the import ends 'failed' with the reason. `signal` stops it.
 */
export async function stageImport(db: Db, importId: string, userId: number): Promise<StageOutcome> {
  const imp = await getImport(db, importId, userId)
  if (!imp || !imp.file_path) throw new Error(`import ${importId} has no file`)
  const started = Date.now()
  let opened: Awaited<ReturnType<typeof openLayer>> | undefined
  try {
    await clearStaged(db, importId)
    opened = await openLayer(imp.file_path, imp.file_name, imp.user_encoding ? { encoding: imp.user_encoding } : {})
    const layer = opened.layer
    const { crs, source } = crsFor(imp, layer)
    const base = {
      format: layer.format, layer: layer.layer, encoding: layer.encoding, fields: layer.fields, progress_total: layer.total,
      crs_code: crs?.code ?? null, crs_source: crs ? (source as ImportRow['crs_source']) : null,
    }
    if (!crs) {
      await updateImport(db, importId, { ...base, state: 'needs_crs', phase: null, warnings: layer.warnings, feature_count: layer.total ?? 0, progress_done: 0, bounds: null, error: null })
      return { state: 'needs_crs' }
    }
    await updateImport(db, importId, { ...base, state: 'reading', phase: 'reading', progress_done: 0, error: null })

    const toLL = toLonLat(crs)
    const bounds: Bounds = emptyBounds()
    const fields = new Set(layer.fields)
    const geometryTypes = new Set<string>()
    let featureNo = 0
    let bytesRead = 0
    let reported = 0 // the first batch is reported at once, then at most every PROGRESS_MS
    // features stream from the reader into staging (one COPY on the real server), checked on the way
    await stagingWriter(db, 'detection_import_features', importId, { batch: PATCH_IMPORT_LIMITS.stageBatch, timeoutMs: PATCH_IMPORT_LIMITS.seconds * 1000 }, async (staging) => {
      for await (const raw of layer.features((n) => { bytesRead = n })) {
        featureNo++
        checkReadCaps(featureNo, started, PATCH_IMPORT_LIMITS)
        for (const k of Object.keys(raw.properties)) fields.add(k)
        if (raw.geometry) geometryTypes.add(raw.geometry.type)
        const shape = checkShape(raw, toLL)
        if (shape.geometry) extendBounds(bounds, shape.geometry)
        await staging.write({ featureNo, properties: raw.properties, geometry: shape.geometry, problem: shape.problem, message: shape.message })
        if (featureNo % PATCH_IMPORT_LIMITS.stageBatch === 0) {
          await breathe()
          if (Date.now() - reported >= PROGRESS_MS) {
            reported = Date.now()
            await updateImport(db, importId, { progress_done: featureNo, progress_total: layer.total ?? estimateTotal(featureNo, bytesRead, layer.bytes) })
          }
        }
      }
    })
    // every feature is read: what follows runs in PostGIS, and takes about as long again; between
    // its statements the event loop runs (polls see the phase, other requests are answered)
    await updateImport(db, importId, { phase: 'checking', progress_done: featureNo, progress_total: layer.total ?? featureNo })
    await breathe()

    const warnings: FileWarning[] = [...layer.warnings]
    const polygonal = [...geometryTypes].filter((t) => t === 'Polygon' || t === 'MultiPolygon')
    if (geometryTypes.size > polygonal.length && polygonal.length > 0) {
      warnings.push({ code: 'mixed_geometry_types', message: `文件混有多种几何类型（${[...geometryTypes].join('、')}），非面要素不能导入` })
    }
    await checkValidity(db, importId)
    await breathe()
    const fieldList = [...fields]
    const mapping = keepMapping(imp.mapping, fieldList) ?? guessMapping(fieldList)
    // placement and the mapped attributes in one pass over the staged rows
    await placeFeatures(db, importId, imp.scope_code, { mapping, types: CHANGE_TYPES })
    await breathe()
    await updateImport(db, importId, {
      fields: fieldList, feature_count: featureNo, progress_done: featureNo, progress_total: featureNo,
      bounds: isEmptyBounds(bounds) ? null : bounds, mapping,
    })
    warnings.push(...(await mappingWarnings(db, importId, mapping)))
    if (crs.code === 'EPSG:4326' || crs.code === 'EPSG:4490') {
      const gcj = await gcj02Check(db, importId)
      if (gcj) warnings.push(gcj)
    }
    await updateImport(db, importId, { state: 'staged', phase: null, warnings })
    return { state: 'staged' }
  } catch (err) {
    await clearStaged(db, importId).catch(() => {})
    if (err instanceof FileRefused) {
      await updateImport(db, importId, { state: 'failed', phase: null, error: { code: err.code, message: err.zh, messageEn: err.message } })
      return { state: 'failed' }
    }
    await updateImport(db, importId, { state: 'failed', phase: null, error: { code: 'read_failed', message: '读取失败，请联系管理员', messageEn: 'reading failed; see the server log' } }).catch(() => {})
    throw err
  } finally {
    opened?.dispose()
  }
}

/** A feature count extrapolated from the bytes read so far, for progress when the file does not say. */
export function estimateTotal(done: number, bytesRead: number, bytes: number): number | null {
  if (bytesRead <= 0 || done === 0 || bytes <= 0) return null
  return Math.max(done, Math.round((done * bytes) / bytesRead))
}

/** A mapping already chosen survives re-reading when its fields still exist. */
function keepMapping(current: Partial<ImportMapping>, fields: string[]): ImportMapping | null {
  if (!current || Object.keys(current).length === 0) return null
  const out = {} as ImportMapping
  for (const k of MAPPING_KEYS) {
    const v = current[k] ?? null
    out[k] = v !== null && fields.includes(v) ? v : null
  }
  return out
}

/** Derives the mapped attributes and returns the warnings the mapping gives. */
export async function applyMapping(db: Db, importId: string, mapping: ImportMapping): Promise<FileWarning[]> {
  await deriveAttributes(db, importId, mapping, CHANGE_TYPES)
  return mappingWarnings(db, importId, mapping)
}

/** The warnings a mapping gives over the staged features. */
async function mappingWarnings(db: Db, importId: string, mapping: ImportMapping): Promise<FileWarning[]> {
  const warnings: FileWarning[] = []
  if (!mapping.patchNo) warnings.push({ code: 'patch_no_generated', message: '没有找到图斑编号字段，编号将使用要素序号；可在字段对应中指定' })
  if (mapping.changeType) {
    const unmapped = await unmappedChangeTypes(db, importId, mapping.changeType, CHANGE_TYPES)
    if (unmapped.length > 0) {
      warnings.push({ code: 'change_type_unmapped', message: `以下变化类型无法识别，按“其他”导入：${unmapped.map((u) => `${u.value}（${u.n}）`).join('、')}` })
    }
  }
  return warnings
}

/**
 * GCJ-02 labelled as WGS84: if moving a sample of patches by the GCJ-02 → WGS84 correction makes
 * far more of them meet the district's buildings and roads than as staged, the file is offset.
 */
export async function gcj02Check(db: Db, importId: string): Promise<FileWarning | null> {
  const sample = await samplePoints(db, importId, 300)
  if (sample.length < 10) return null
  const toWgs = toLonLat(GCJ02)
  const shifts = sample.map((p) => {
    const [lon, lat] = toWgs(p.lon, p.lat)
    return { featureNo: p.featureNo, dx: lon - p.lon, dy: lat - p.lat }
  })
  const m = await referenceMatches(db, importId, shifts)
  if (m.reference === 0) return null
  if (m.shifted >= 0.3 * sample.length && m.shifted >= 3 * Math.max(1, m.asIs)) {
    const metres = shifts.map((s) => Math.hypot(s.dx * 111_320 * Math.cos((sample[0]!.lat * Math.PI) / 180), s.dy * 110_540)).sort((a, b) => a - b)
    const median = Math.round(metres[Math.floor(metres.length / 2)]!)
    return {
      code: 'gcj02_suspected',
      message: `图斑整体偏移约 ${median} 米，方向与 GCJ-02（火星坐标）偏移一致：抽查 ${sample.length} 个图斑，按原坐标只有 ${m.asIs} 个与本区建筑/道路吻合，纠偏后有 ${m.shifted} 个。若数据来自网络地图，请将坐标系改为 GCJ-02 后重新读取`,
    }
  }
  return null
}

/** The import's mapping, every key null until the file was read. */
export function currentMapping(imp: ImportRow): ImportMapping {
  return Object.keys(imp.mapping).length ? (imp.mapping as ImportMapping) : (Object.fromEntries(MAPPING_KEYS.map((k) => [k, null])) as ImportMapping)
}

/** The import for the API. */
export async function importView(db: Db, imp: ImportRow): Promise<DetectionImport> {
  const crs = imp.crs_code ? parseCrs(imp.crs_code) : null
  const staged = imp.state === 'staged'
  const problems = staged ? await listProblems(db, imp.id, imp.repair, PATCH_IMPORT_LIMITS.problemsListed) : { problems: [], count: 0, valid: 0 }
  return {
    id: imp.id,
    state: imp.state,
    progress: { phase: imp.state === 'reading' ? imp.phase ?? 'reading' : null, done: imp.progress_done, total: imp.progress_total },
    fileName: imp.file_name,
    format: imp.format,
    layer: imp.layer,
    crs: crs ? { code: crs.code, name: crs.name, source: imp.crs_source } : null,
    encoding: imp.encoding,
    featureCount: imp.feature_count,
    validCount: problems.valid,
    bounds: imp.bounds,
    fields: imp.fields,
    mapping: currentMapping(imp),
    repair: imp.repair,
    problems: problems.problems.map((p) => ({ ...p, patchNo: p.patchNo ?? undefined, areaChangeM2: p.areaChangeM2 ?? undefined })),
    problemCount: problems.count,
    warnings: imp.warnings,
    error: imp.error,
    batchId: imp.batch_id,
  }
}

/** Removes an upload's temp folder (the folder was made for it alone). */
export function removeUpload(filePath: string | null): void {
  if (filePath) rmSync(dirname(filePath), { recursive: true, force: true })
}
