// 自建房安全排查: the code lists of a house's file (一户一档) and the rules of its lifecycle, shared
// with the web client. Pure: no I/O. The API shapes are in schemas/surveys.schema.ts.

export const OWNER_TYPES = ['individual', 'collective', 'enterprise', 'other'] as const
export const STRUCTURES = ['brick_concrete', 'brick_wood', 'frame', 'steel', 'earth_wood', 'precast_slab', 'other'] as const
export const HOUSE_USES = ['residential', 'business', 'mixed'] as const
export const BUSINESS_KINDS = ['shop', 'restaurant', 'hotel', 'factory', 'warehouse', 'rental', 'school_care', 'other'] as const
export const GRADES = ['A', 'B', 'C', 'D'] as const
export const HAZARDS = ['none', 'general', 'major', 'severe'] as const
export const SURVEY_STATUSES = ['surveyed', 'rectifying', 'resolved'] as const
export const MEASURE_KINDS = ['stop_use', 'evacuate', 'monitor', 'repair', 'reinforce', 'demolish', 'other'] as const

export type Grade = (typeof GRADES)[number]
export type Hazard = (typeof HAZARDS)[number]
export type SurveyStatus = (typeof SURVEY_STATUSES)[number]
export type HouseUse = (typeof HOUSE_USES)[number]

/** 危房: appraised C (局部危房) or D (整幢危房). */
export const isDangerous = (grade: Grade | null) => grade === 'C' || grade === 'D'

/** A house whose file needs measures before it can be resolved: a hazard found, or a dangerous grade. */
export const needsMeasures = (s: { hazard: Hazard; appraisalGrade: Grade | null }) => s.hazard !== 'none' || isDangerous(s.appraisalGrade)

/** 经营性自建房: used for business, wholly or in part. */
export const isBusiness = (use: HouseUse) => use !== 'residential'

/** The seeds' focus: 3 floors and more, rented, or business use. */
export const isFocus = (s: { floors: number; rented: boolean; use: HouseUse }) => s.floors >= 3 || s.rented || isBusiness(s.use)

/** Why a file cannot be resolved now, or null. */
export function resolveRefusal(s: { status: SurveyStatus; hazard: Hazard; appraisalGrade: Grade | null }, measures: { done: boolean }[]): string | null {
  if (s.status === 'resolved') return 'the file is already resolved'
  if (!needsMeasures(s)) return 'no hazard was found and the grade is not C or D: there is nothing to resolve'
  if (measures.length === 0) return 'record the measures taken against the hazard first'
  const open = measures.filter((m) => !m.done).length
  if (open > 0) return `${open} measure(s) are not done yet`
  return null
}

/** What the fields of a survey must agree on, or the first disagreement (field, English, Chinese). */
export function surveyFieldProblem(s: {
  use: HouseUse
  businessKind: string | null
  businessLicence: boolean | null
  appraisal: 'none' | 'done'
  appraisalGrade: Grade | null
  builtYear: number | null
}, now = new Date()): { field: string; message: string; zh: string } | null {
  if (s.use === 'residential' && s.businessKind) return { field: 'businessKind', message: 'a residential house has no business kind', zh: '纯居住房屋不填经营类型' }
  if (s.use !== 'residential' && !s.businessKind) return { field: 'businessKind', message: 'say what business the house is used for', zh: '经营性自建房须填写经营类型' }
  if (s.use === 'residential' && s.businessLicence !== null) return { field: 'businessLicence', message: 'a residential house has no business licence to record', zh: '纯居住房屋不填营业执照' }
  if (s.use !== 'residential' && s.businessLicence === null) return { field: 'businessLicence', message: 'say whether the business has a licence', zh: '经营性自建房须填写是否有营业执照' }
  if (s.appraisal === 'done' && !s.appraisalGrade) return { field: 'appraisalGrade', message: 'an appraisal done has a grade A to D', zh: '已鉴定须填写鉴定等级' }
  if (s.appraisal === 'none' && s.appraisalGrade) return { field: 'appraisalGrade', message: 'a grade needs an appraisal', zh: '未鉴定不能填写鉴定等级' }
  if (s.builtYear !== null && s.builtYear > now.getUTCFullYear()) return { field: 'builtYear', message: `built in ${s.builtYear}, after this year`, zh: '建成年份晚于今年' }
  return null
}
