import { InputError } from './errors.ts'
import type { BufferRules } from '../schemas/planning.schema.ts'
// 四道六边 and ring-band rules as pure logic: which classes exist, which widths are allowed, and
// the stored form (the jsonb of buffer_rule_sets.rules) of what the API receives (its API form,
// BufferRules, is in schemas/planning.schema.ts).

/** 四道 (plus expressways, which some plans add): roads.road_class values. */
export const ROAD_CLASSES = ['expressway', 'national', 'provincial', 'county', 'village'] as const
/** 六边: waters.kind (river, stream, reservoir) and reference_areas.kind (the rest). */
export const SIDE_KINDS = ['river', 'stream', 'reservoir', 'residential', 'scenic', 'enterprise'] as const
export type RoadClass = (typeof ROAD_CLASSES)[number]
export type SideKind = (typeof SIDE_KINDS)[number]

/** buffer_zones.family: which kind of rule made the zone. */
export const BUFFER_FAMILIES = ['road', 'side', 'ring_band'] as const

export const MAX_WIDTH_M = 5_000

/** The stored form (buffer_rule_sets.rules), as migration 002 documents it. */
export interface StoredRules {
  roads: Partial<Record<RoadClass, number>>
  sides: Partial<Record<SideKind, number>>
  ring_bands: { ring_no: number; width_m: number }[]
}

export class RuleInputError extends InputError {}

function checkWidth(w: unknown, field: string): number {
  if (typeof w !== 'number' || !Number.isFinite(w)) throw new RuleInputError(`${field} must be a number of metres`, field)
  if (w <= 0) throw new RuleInputError(`${field} is ${w} m; a buffer width must be more than 0`, field)
  if (w > MAX_WIDTH_M) throw new RuleInputError(`${field} is ${w} m; at most ${MAX_WIDTH_M} m`, field)
  if (Math.round(w * 100) !== w * 100) throw new RuleInputError(`${field}: widths are given to the centimetre at most`, field)
  return w
}

/** Checks rules from the API and returns their stored form; throws RuleInputError naming the field. */
export function checkRules(input: BufferRules): StoredRules {
  const roads: StoredRules['roads'] = {}
  for (const [k, w] of Object.entries(input.roads ?? {})) {
    if (!(ROAD_CLASSES as readonly string[]).includes(k)) throw new RuleInputError(`rules.roads: ${k} is not one of ${ROAD_CLASSES.join(', ')}`, `rules.roads.${k}`)
    roads[k as RoadClass] = checkWidth(w, `rules.roads.${k}`)
  }
  const sides: StoredRules['sides'] = {}
  for (const [k, w] of Object.entries(input.sides ?? {})) {
    if (!(SIDE_KINDS as readonly string[]).includes(k)) throw new RuleInputError(`rules.sides: ${k} is not one of ${SIDE_KINDS.join(', ')}`, `rules.sides.${k}`)
    sides[k as SideKind] = checkWidth(w, `rules.sides.${k}`)
  }
  const seen = new Set<number>()
  const ring_bands = (input.ringBands ?? []).map((b, i) => {
    if (!Number.isInteger(b.ringNo) || b.ringNo < 1 || b.ringNo > 9) throw new RuleInputError(`rules.ringBands[${i}].ringNo must be a ring number 1-9`, `rules.ringBands[${i}].ringNo`)
    if (seen.has(b.ringNo)) throw new RuleInputError(`rules.ringBands names ring ${b.ringNo} twice`, `rules.ringBands[${i}].ringNo`)
    seen.add(b.ringNo)
    return { ring_no: b.ringNo, width_m: checkWidth(b.widthM, `rules.ringBands[${i}].widthM`) }
  })
  if (Object.keys(roads).length + Object.keys(sides).length + ring_bands.length === 0) {
    throw new RuleInputError('rules give no width at all; name at least one road class, side or ring band', 'rules')
  }
  return { roads, sides, ring_bands }
}

export function toApiRules(stored: StoredRules): BufferRules {
  return {
    roads: stored.roads ?? {},
    sides: stored.sides ?? {},
    ringBands: (stored.ring_bands ?? []).map((b) => ({ ringNo: b.ring_no, widthM: b.width_m })),
  }
}

/** The default rule set of the sample and of a new installation (widths a district plan might set). */
export const DEFAULT_RULES: BufferRules = {
  roads: { national: 50, provincial: 30, county: 20, village: 10 },
  sides: { river: 50, stream: 20, reservoir: 100, residential: 30, scenic: 100, enterprise: 30 },
  ringBands: [{ ringNo: 6, widthM: 1000 }],
}
