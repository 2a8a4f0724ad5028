// Roles and scopes: who may do what, and where. Pure logic, no I/O.

export const ROLES = ['admin', 'planner', 'analyst', 'field', 'viewer'] as const
export type Role = (typeof ROLES)[number]

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** Any signed-in user may read within their scope. */
export const READERS: readonly Role[] = ROLES

/** Who sees personal data (parties' names, ID numbers, phones): those who act on a case. */
export const PERSONAL_DATA_ROLES: readonly Role[] = ['admin', 'planner', 'field']

const ADMIN_CODE = /^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/

/** District 6 digits, town 9, village 12 (GB/T 2260 style). */
export function isAdminCode(value: unknown): value is string {
  return typeof value === 'string' && ADMIN_CODE.test(value)
}
