// An admin-unit code a request narrows by must lie on the caller's scope path: a unit above the
// scope (the town of a village user) or inside it. The repos still confine rows to the scope.
import { notFound } from './problem.ts'

/** 404 when `code` is neither above nor inside the caller's scope, as for every other record. */
export function checkAdminInScope(code: string | undefined, scope: string, noun = 'admin unit'): void {
  if (code && !code.startsWith(scope) && !scope.startsWith(code)) throw notFound(`no ${noun} ${code} in your area`)
}
