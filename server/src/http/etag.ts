// ETags of editable records: the record's version, and the If-Match that must name it on writes.
import { HttpProblem } from './problem.ts'

export const etagOf = (version: number) => `"v${version}"`

/** The version an ETag names; 412 for one we never issue. */
export function etagVersion(header: string, what: string): number {
  const m = /^(?:W\/)?"v(\d+)"$/.exec(header.trim())
  if (!m) throw new HttpProblem(412, 'Precondition Failed', `If-Match ${header} is not an ETag of this ${what}; reload it`)
  return Number(m[1])
}

/** The version an If-Match header names; 428 without one, 412 for one we never issue. */
export function ifMatchVersion(header: string | undefined, what: string): number {
  if (!header) throw new HttpProblem(428, 'Precondition Required', `send If-Match with the ETag of the ${what} you read, so a concurrent change is not overwritten`)
  return etagVersion(header, what)
}
