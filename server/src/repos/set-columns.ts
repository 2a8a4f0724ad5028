// The SET list of an UPDATE from a patch object: only keys of an allow-list fixed in code become
// column names, values are parameters (jsonb columns get their JSON text and a cast). Shared by
// the import repositories, whose rows are updated field by field as a file is read.

/** `sets` to join into `SET …`, `params` numbered after the `before` parameters already taken. */
export function setColumns<K extends string>(patch: Partial<Record<K, unknown>>, settable: readonly K[], jsonColumns: ReadonlySet<string>, before: unknown[]): { sets: string[]; params: unknown[] } {
  const sets: string[] = []
  const params = [...before]
  for (const key of settable) {
    if (!(key in patch)) continue
    const value = patch[key]
    const json = jsonColumns.has(key)
    params.push(json && value !== null && value !== undefined ? JSON.stringify(value) : value)
    sets.push(`${key} = $${params.length}${json ? '::jsonb' : ''}`)
  }
  return { sets, params }
}
