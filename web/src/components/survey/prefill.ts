// What a footprint (or a worklist row) already says about a house, as a new file's starting values.
import { emptySurvey, type SurveyValues } from '../../survey-api.ts'

const BUSINESS_USES = new Set(['commercial', 'storage', 'industrial', 'office'])

/** What a footprint (or a worklist row) says about the house, as the form's starting values. */
export function prefill(b: { floors?: unknown; rented?: unknown; use?: unknown; built_year?: unknown; structure?: unknown }): SurveyValues {
  const floors = typeof b.floors === 'number' && b.floors >= 1 ? Math.min(50, Math.round(b.floors)) : 1
  const v = emptySurvey(floors)
  if (typeof b.rented === 'boolean') v.rented = b.rented
  if (typeof b.use === 'string' && BUSINESS_USES.has(b.use)) v.use = 'business'
  if (typeof b.built_year === 'number' && b.built_year >= 1900 && b.built_year <= new Date().getFullYear()) v.builtYear = b.built_year
  if (b.structure === 'brick_concrete' || b.structure === 'brick_wood' || b.structure === 'frame' || b.structure === 'steel') v.structure = b.structure
  return v
}
