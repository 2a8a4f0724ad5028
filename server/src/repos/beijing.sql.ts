// The Beijing clock of domain/beijing-clock.ts in SQL: a fixed +8 hours, so the result does not
// depend on the server's TimeZone setting or its tz database (PGlite has none to speak of).

/** Beijing wall-clock time (timestamp without zone) of a timestamptz expression. */
export function beijingTimeSql(instant: string): string {
  return `((${instant} AT TIME ZONE 'UTC') + interval '8 hours')`
}

/** The Beijing date of a timestamptz expression. */
export function beijingDateSql(instant: string): string {
  return `${beijingTimeSql(instant)}::date`
}
