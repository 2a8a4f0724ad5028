// An admin-unit code a request narrows by must lie on the caller's scope path: a unit above the
// scope (the town of a village user) or inside it. The repos still confine rows to the scope.
import { forbidden, notFound } from './problem.ts'
import { isDistrictWide, onPath, type Scope } from '../domain/scope.ts'

/** 404 when `code` is neither above nor inside the caller's scope, as for every other record. */
export function checkAdminInScope(code: string | undefined, scope: Scope, noun = 'admin unit'): void {
  if (code && !onPath(scope, code)) throw notFound(`no ${noun} ${code} in your area`)
}

/** District-wide settings (buffer rule sets) are changed only by users whose scope is the whole
 *  district (a 6-digit code): a town or village planner reads them but cannot change them. */
export function requireDistrictScope(scope: Scope, what: string): void {
  if (!isDistrictWide(scope)) throw forbidden(`${what} apply to the whole district; only district-level users change them`)
}
