// The map's compact reads for deck.gl (routes/map-points.route.ts). The case points answer in a
// binary layout (domain/case-points.ts), documented in the route; the grades are JSON.
import { Type, type Static } from 'typebox'
import { GRADES } from '../domain/house-survey.ts'

export const GradesQuery = Type.Object(
  { bbox: Type.String({ description: 'west,south,east,north in lon/lat; at most 0.1 square degrees' }) },
  { additionalProperties: false },
)

export const BuildingGrades = Type.Object(
  {
    ids: Type.Array(Type.Integer(), { description: 'building ids (the buildings tiles\' feature ids), ascending' }),
    grades: Type.Array(Type.Enum(GRADES), { description: 'the safety grade of the building at the same index' }),
    truncated: Type.Boolean({ description: 'more self-built houses meet the box than were sent: zoom in' }),
  },
  { description: 'self-built houses in the box with their safety grade: the survey\'s appraisal where there is one, else the footprint layer\'s grade' },
)
export type BuildingGrades = Static<typeof BuildingGrades>
