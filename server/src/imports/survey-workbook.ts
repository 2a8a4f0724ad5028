// The survey workbook (自建房排查台账): one row per house, Chinese headers and Chinese values, the
// ONE place that names its columns and value dictionaries, so a workbook the app exports reads
// back unchanged. Written with exceljs, read with the capped streaming reader (xlsx-reader.ts).
import ExcelJS from 'exceljs'
import { BUSINESS_KINDS, GRADES, HAZARDS, HOUSE_USES, OWNER_TYPES, STRUCTURES, SURVEY_STATUSES } from '../domain/house-survey.ts'
import type { Survey } from '../schemas/surveys.schema.ts'
import { openXlsx, type Cell } from './xlsx-reader.ts'

const dict = <K extends string>(keys: readonly K[], zh: readonly string[]): Readonly<Record<K, string>> =>
  Object.fromEntries(keys.map((k, i) => [k, zh[i]!])) as Record<K, string>

export const SURVEY_VALUES = {
  ownerType: dict(OWNER_TYPES, ['个人', '集体', '企业', '其他']),
  structure: dict(STRUCTURES, ['砖混', '砖木', '框架', '钢结构', '土木', '预制板', '其他']),
  use: dict(HOUSE_USES, ['居住', '经营', '居住兼经营']),
  businessKind: dict(BUSINESS_KINDS, ['商铺', '餐饮', '旅馆民宿', '生产加工', '仓储', '出租公寓', '学校托育', '其他']),
  appraisal: dict(['none', 'done'] as const, ['未鉴定', '已鉴定']),
  grade: dict(GRADES, ['A', 'B', 'C', 'D']),
  hazard: dict(HAZARDS, ['无', '一般', '较大', '严重']),
  status: dict(SURVEY_STATUSES, ['已排查', '整治中', '已销号']),
} as const

/** Columns in order. `out` only: written for reading, ignored when the file comes back. */
export const SURVEY_COLUMNS = [
  { key: 'id', header: '档案编号' },
  { key: 'buildingId', header: '建筑编号' },
  { key: 'town', header: '镇街', out: true },
  { key: 'village', header: '村社区', out: true },
  { key: 'addressText', header: '门牌地址' },
  { key: 'ownerType', header: '产权类型' },
  { key: 'ownerName', header: '户主姓名' },
  { key: 'ownerPhone', header: '联系电话' },
  { key: 'floors', header: '层数' },
  { key: 'structure', header: '结构类型' },
  { key: 'builtYear', header: '建成年份' },
  { key: 'use', header: '用途' },
  { key: 'businessKind', header: '经营类型' },
  { key: 'rented', header: '是否出租' },
  { key: 'residents', header: '居住人数' },
  { key: 'workers', header: '从业人数' },
  { key: 'businessLicence', header: '营业执照' },
  { key: 'appraisal', header: '安全鉴定' },
  { key: 'appraisalGrade', header: '鉴定等级' },
  { key: 'hazard', header: '隐患等级' },
  { key: 'status', header: '状态', out: true },
  { key: 'surveyedOn', header: '排查日期' },
  { key: 'lon', header: '经度' },
  { key: 'lat', header: '纬度' },
] as const
export type SurveyColumn = (typeof SURVEY_COLUMNS)[number]['key']

const beijingDate = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10)
const yesNo = (b: boolean | null) => (b === null ? '' : b ? '是' : '否')

/** A file's row as the workbook writes it (owner only when the reader may see it). */
function rowOf(s: Survey): Record<SurveyColumn, string | number> {
  return {
    id: s.id, buildingId: s.buildingId ?? '', town: s.townName, village: s.villageName, addressText: s.addressText ?? '',
    ownerType: SURVEY_VALUES.ownerType[s.ownerType], ownerName: s.owner?.name ?? '', ownerPhone: s.owner?.phone ?? '',
    floors: s.floors, structure: SURVEY_VALUES.structure[s.structure], builtYear: s.builtYear ?? '', use: SURVEY_VALUES.use[s.use],
    businessKind: s.businessKind ? SURVEY_VALUES.businessKind[s.businessKind] : '', rented: yesNo(s.rented), residents: s.residents, workers: s.workers,
    businessLicence: s.businessLicence === null ? '' : s.businessLicence ? '有' : '无', appraisal: SURVEY_VALUES.appraisal[s.appraisal],
    appraisalGrade: s.appraisalGrade ?? '', hazard: SURVEY_VALUES.hazard[s.hazard], status: SURVEY_VALUES.status[s.status],
    surveyedOn: beijingDate(s.surveyedAt), lon: Number(s.lon.toFixed(7)), lat: Number(s.lat.toFixed(7)),
  }
}

/** The workbook of these files (an empty one is the template). */
export async function surveyWorkbook(files: readonly Survey[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('自建房排查')
  ws.columns = SURVEY_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: Math.max(8, c.header.length * 2 + 2) }))
  ws.getRow(1).font = { bold: true }
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  for (const s of files) ws.addRow(rowOf(s))
  const values = wb.addWorksheet('填写说明')
  values.addRow(['列', '可填写的值'])
  for (const [key, d] of Object.entries(SURVEY_VALUES)) {
    const column = SURVEY_COLUMNS.find((c) => c.key === key || (key === 'grade' && c.key === 'appraisalGrade'))
    values.addRow([column?.header ?? key, Object.values(d).join(' / ')])
  }
  values.addRow(['是否出租', '是 / 否'])
  values.addRow(['营业执照', '有 / 无（纯居住房屋留空）'])
  values.addRow(['档案编号', '留空为新建档案；填写则更新该档案'])
  values.addRow(['建筑编号', '对应地图上的建筑；无建筑时填写经度、纬度'])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

export interface SurveyRowIn {
  row: number
  id: number | null
  buildingId: number | null
  values: Record<string, unknown>
}
export interface SurveyRowProblem {
  row: number
  field: string
  message: string
  messageZh: string
}

const text = (c: Cell): string => (c === null || c === undefined ? '' : c instanceof Date ? c.toISOString().slice(0, 10) : String(c).trim())
const reverse = <K extends string>(d: Readonly<Record<K, string>>, v: string): K | undefined => (Object.entries(d) as [K, string][]).find(([, zh]) => zh === v)?.[0]

/**
 * The rows of a survey workbook as fields of a file (the staff's Chinese values mapped to codes),
 * with every problem found; the caller writes nothing when there is any.
 */
export async function readSurveyWorkbook(bytes: Buffer): Promise<{ rows: SurveyRowIn[]; problems: SurveyRowProblem[] }> {
  const xlsx = await openXlsx(bytes, { zipEntries: 200, unzippedBytes: 100 * 1024 * 1024 })
  const rows: SurveyRowIn[] = []
  const problems: SurveyRowProblem[] = []
  try {
    const sheet = xlsx.sheets[0]
    if (!sheet) return { rows, problems: [{ row: 0, field: '', message: 'the workbook has no sheet', messageZh: '工作簿中没有工作表' }] }
    let index: Map<string, number> | null = null
    for await (const r of sheet.rows()) {
      if (!index) {
        index = new Map(r.cells.map((c, i) => [text(c), i]))
        const missing = SURVEY_COLUMNS.filter((c) => !('out' in c) && !index!.has(c.header)).map((c) => c.header)
        if (missing.length) return { rows, problems: [{ row: r.number, field: missing.join(','), message: `missing columns: ${missing.join(', ')}`, messageZh: `缺少列：${missing.join('、')}` }] }
        continue
      }
      const cell = (key: SurveyColumn) => text(r.cells[index!.get(SURVEY_COLUMNS.find((c) => c.key === key)!.header)!] ?? null)
      if (SURVEY_COLUMNS.every((c) => cell(c.key) === '')) continue
      const problem = (field: SurveyColumn, message: string, messageZh: string) => problems.push({ row: r.number, field, message, messageZh })
      const coded = <K extends string>(key: SurveyColumn, d: Readonly<Record<K, string>>, required: boolean): K | null => {
        const v = cell(key)
        if (v === '') {
          if (required) problem(key, `${key} is empty`, `${SURVEY_COLUMNS.find((c) => c.key === key)!.header}为空`)
          return null
        }
        const k = reverse(d, v)
        if (!k) problem(key, `${v} is not one of ${Object.values(d).join(', ')}`, `“${v}”不是可填写的值（${Object.values(d).join('、')}）`)
        return k ?? null
      }
      const int = (key: SurveyColumn, required: boolean): number | null => {
        const v = cell(key)
        if (v === '') {
          if (required) problem(key, `${key} is empty`, `${SURVEY_COLUMNS.find((c) => c.key === key)!.header}为空`)
          return null
        }
        const n = Number(v)
        if (!Number.isInteger(n)) problem(key, `${v} is not a whole number`, `“${v}”不是整数`)
        return Number.isInteger(n) ? n : null
      }
      const bool = (key: SurveyColumn, yes: string, no: string): boolean | null => {
        const v = cell(key)
        if (v === '') return null
        if (v !== yes && v !== no) problem(key, `${v} is neither ${yes} nor ${no}`, `“${v}”应为“${yes}”或“${no}”`)
        return v === yes
      }
      const num = (key: SurveyColumn): number | null => (cell(key) === '' ? null : Number(cell(key)))
      const surveyedOn = cell('surveyedOn')
      if (surveyedOn && !/^\d{4}-\d{2}-\d{2}$/.test(surveyedOn)) problem('surveyedOn', `${surveyedOn} is not a date YYYY-MM-DD`, `“${surveyedOn}”不是日期（年-月-日）`)
      const lon = num('lon')
      const lat = num('lat')
      rows.push({
        row: r.number,
        id: int('id', false),
        buildingId: int('buildingId', false),
        values: {
          addressText: cell('addressText') || null,
          ownerType: coded('ownerType', SURVEY_VALUES.ownerType, true),
          ownerName: cell('ownerName') || null,
          ownerPhone: cell('ownerPhone') || null,
          floors: int('floors', true),
          structure: coded('structure', SURVEY_VALUES.structure, true),
          builtYear: int('builtYear', false),
          use: coded('use', SURVEY_VALUES.use, true),
          businessKind: coded('businessKind', SURVEY_VALUES.businessKind, false),
          rented: bool('rented', '是', '否') ?? false,
          residents: int('residents', false) ?? 0,
          workers: int('workers', false) ?? 0,
          businessLicence: bool('businessLicence', '有', '无'),
          appraisal: coded('appraisal', SURVEY_VALUES.appraisal, true),
          appraisalGrade: coded('appraisalGrade', SURVEY_VALUES.grade, false),
          hazard: coded('hazard', SURVEY_VALUES.hazard, true),
          surveyedAt: surveyedOn ? `${surveyedOn}T00:00:00+08:00` : undefined,
          point: lon !== null && lat !== null && Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : undefined,
        },
      })
    }
  } finally {
    xlsx.close()
  }
  return { rows, problems }
}

/** The fields a row would change on an existing file (owner only compared when the file shows it). */
export function changedFields(current: Survey, values: Record<string, unknown>): Record<string, unknown> {
  const keys = ['addressText', 'ownerType', 'floors', 'structure', 'builtYear', 'use', 'businessKind', 'rented', 'residents', 'workers', 'businessLicence', 'appraisal', 'appraisalGrade', 'hazard'] as const
  const changed: Record<string, unknown> = {}
  for (const k of keys) if ((current[k] ?? null) !== (values[k] ?? null)) changed[k] = values[k] ?? null
  if (current.owner) {
    if ((current.owner.name ?? null) !== (values.ownerName ?? null)) changed.ownerName = values.ownerName ?? null
    if ((current.owner.phone ?? null) !== (values.ownerPhone ?? null)) changed.ownerPhone = values.ownerPhone ?? null
  }
  return changed
}
