import { beijingDateSql } from './beijing.sql.ts'
// The clocks of domain/case-lifecycle.ts (overdue()) as SQL, for filtering lists and marking tiles.
// One definition for both; tests/api/ledger checks it agrees with the domain code row by row.

/** `col` qualifies a column (e.g. 'c.' or ''); `now` is a timestamptz SQL expression. */
export function overdueSql(col: string, now: string) {
  const open = `${col}status IN ('identified', 'notified', 'order_issued') AND ${col}new_construction`
  const deadline = `(${col}status = 'order_issued' AND ${col}deadline < ${beijingDateSql(now)})`
  const reach = `(${open} AND ${col}reached_at IS NULL AND ${col}found_at < ${now} - interval '1 hour')`
  const removal = `(${open} AND ${col}found_at < ${now} - interval '3 days')`
  return { deadline, reach, removal, any: `(${deadline} OR ${reach} OR ${removal})` }
}
