// The one place SQL tests admin-code nesting. Every repo and source confines rows to a user's
// scope with `inScope`; eslint refuses the raw pattern anywhere else (eslint.config.js). Written
// with LIKE on a prefix so the admin_code text_pattern_ops indexes serve it.

/** `value` starts with `prefix`; both are SQL expressions (a column, a $n parameter). */
export function prefixMatch(value: string, prefix: string): string {
  return `(${value} LIKE ${prefix} || '%')`
}

/** The row's admin-code column lies in the scope bound to the parameter `scopeParam` ($n). */
export function inScope(column: string, scopeParam: string): string {
  return prefixMatch(column, scopeParam)
}

/** The scope ($n) lies in the unit of `column` (users whose area holds a row, a load made above). */
export function holdsScope(column: string, scopeParam: string): string {
  return prefixMatch(scopeParam, column)
}

/** The row's admin-code column lies in the admin unit bound to `unitParam` (a filter a user narrows by). */
export function inUnit(column: string, unitParam: string): string {
  return prefixMatch(column, unitParam)
}
