// The ledger's selection as query parameters: one schema and one parser for the table
// (GET /api/cases) and for every export of "the selection" (CSV, GeoJSON, GeoPackage), so a
// download holds exactly the rows the table shows.
import { Type } from '@fastify/type-provider-typebox'
import { CASE_FLAGS } from '../domain/case-types.ts'
import { CASE_STATUSES } from '../domain/case-lifecycle.ts'
import { CASE_SOURCES, CASE_USES, type CaseSelection } from '../repos/cases.repo.ts'
import { checkAdminInScope } from './admin-param.ts'
import { listParam } from './list-param.ts'
import type { Scope } from '../domain/scope.ts'

const dayOrTime = (edge: string) =>
  Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], { description: `a date (${edge} of that day in Beijing) or a date-time` }))

export const CaseSelectionFields = {
  admin: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$', description: 'admin-unit code prefix: district, town or village' })),
  status: Type.Optional(Type.String({ description: `comma-separated: ${CASE_STATUSES.join(', ')}` })),
  use: Type.Optional(Type.String({ description: `comma-separated: ${CASE_USES.join(', ')}` })),
  source: Type.Optional(Type.String({ description: `comma-separated: ${CASE_SOURCES.join(', ')}` })),
  flags: Type.Optional(Type.String({ description: `comma-separated, all must be set: ${CASE_FLAGS.join(', ')}` })),
  overdue: Type.Optional(Type.Enum(['deadline', 'reach', 'removal', 'any'])),
  foundFrom: dayOrTime('from the start'),
  foundTo: dayOrTime('through the end'),
  locationPending: Type.Optional(Type.Boolean({ description: 'true: only cases placed at their village until located (待定位), for the field teams; false: only located ones' })),
}

export interface CaseSelectionQuery {
  admin?: string | undefined
  status?: string | undefined
  use?: string | undefined
  source?: string | undefined
  flags?: string | undefined
  overdue?: CaseSelection['overdue'] | undefined
  foundFrom?: string | undefined
  foundTo?: string | undefined
  locationPending?: boolean | undefined
}


/** The selection a query names, inside the caller's scope; a unit outside it is 404, as everywhere. */
export function caseSelectionOf(q: CaseSelectionQuery, scope: Scope): CaseSelection {
  checkAdminInScope(q.admin, scope)
  return {
    scope,
    ...(q.admin ? { admin: q.admin } : {}),
    ...optional('status', listParam('status', q.status, CASE_STATUSES)),
    ...optional('use', listParam('use', q.use, CASE_USES)),
    ...optional('source', listParam('source', q.source, CASE_SOURCES)),
    ...optional('flags', listParam('flags', q.flags, CASE_FLAGS)),
    ...(q.overdue ? { overdue: q.overdue } : {}),
    ...(q.foundFrom ? { foundFrom: q.foundFrom } : {}),
    ...(q.foundTo ? { foundTo: q.foundTo } : {}),
    ...(q.locationPending !== undefined ? { locationPending: q.locationPending } : {}),
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>))
