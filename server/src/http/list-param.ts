// Comma-separated code lists in query strings (status=a,b), checked against an allow-list fixed at
// startup: an unknown code is a 400 naming the parameter, never "all rows".
import { badRequest } from './problem.ts'

/** A comma-separated list of codes, each checked against its allow-list; 400 naming the parameter. */
export function listParam<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  const values = raw.split(',').map((v) => v.trim()).filter((v) => v !== '')
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v))
  if (unknown.length > 0) throw badRequest(`${name}: ${unknown.join(', ')} is not one of ${allowed.join(', ')}`, { field: name })
  return values as T[]
}
