// A user's scope: the admin-unit code every read and write of theirs is confined to. Codes nest
// (district 6 digits, town 9, village 12; GB/T 2260), so a row lies in a scope when its admin code
// starts with the scope's. Pure logic; the SQL form of the same test is repos/scope.sql.ts.
import { isAdminCode } from './roles.ts'

declare const SCOPE: unique symbol
/** An admin-unit code that bounds what a user sees. Made by `scopeOf`, from a signed-in user's
 *  account (http/access.ts) or from a command acting for a whole district. */
export type Scope = string & { readonly [SCOPE]: true }

export function scopeOf(code: string): Scope {
  if (!isAdminCode(code)) throw new Error(`a scope is a 6-, 9- or 12-digit admin code, not ${JSON.stringify(code)}`)
  return code as Scope
}

/** The admin code lies in the scope (the scope's own unit included). */
export function holds(scope: Scope, adminCode: string | null | undefined): boolean {
  return typeof adminCode === 'string' && adminCode.startsWith(scope)
}

/** The code lies in the scope or above it (the town and district of a village user): the units
 *  such a user may name in a filter, whose rows the repos still confine to the scope. */
export function onPath(scope: Scope, code: string): boolean {
  return code.startsWith(scope) || scope.startsWith(code)
}

/** A district-level scope (6 digits) holds the whole district. */
export function isDistrictWide(scope: Scope): boolean {
  return scope.length === 6
}
