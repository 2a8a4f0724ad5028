// Shapes more than one route group answers with. The API's schemas live in server/src/schemas/, one
// module per route group: routes declare them, repos return their Static types, and the web client
// imports those types (`import type` only, so TypeBox stays out of the browser bundle).
import { Type, type Static, type TNull, type TSchema, type TUnion } from 'typebox'

/** The value or null. (Request bodies are validated without type coercion, http/contract.ts, so a
 *  null stays null and a false stays false.) */
export const Nullable = <T extends TSchema>(t: T): TUnion<[T, TNull]> => Type.Union([t, Type.Null()])

/** [west, south, east, north] in WGS84 degrees. */
export const Bbox = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[west, south, east, north], WGS84' })
export type Bbox = Static<typeof Bbox>

/** A GeoJSON geometry (RFC 7946), WGS84 longitude/latitude. */
export const Geometry = Type.Object(
  { type: Type.String(), coordinates: Type.Unknown() },
  { description: 'GeoJSON geometry, WGS84' },
)
export type Geometry = Static<typeof Geometry>

/** `:id` of a numbered record. */
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

/** One row of a record's append-only history (全程留痕): who did what when, and the record before and after. */
export const HistoryEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  user: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  fromStatus: Type.Union([Type.String(), Type.Null()]),
  toStatus: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown({ description: 'the changed fields before (null when created)' }),
  after: Type.Unknown({ description: 'the changed fields after' }),
})
export type HistoryEntry = Static<typeof HistoryEntry>
