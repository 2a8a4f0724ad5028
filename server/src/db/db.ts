// One interface over both backends. Everything above this folder speaks SQL through it and
// never knows whether a pg pool or embedded PGlite answers.

export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

export interface QueryOptions {
  /**
   * Prepare the statement once per connection under this name and reuse the plan (a name always
   * carries the same SQL). The embedded database plans each time.
   */
  prepareAs?: string
}

export interface Queryable {
  /** One parameterised statement ($1, $2 …). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>
  /** A script of several statements, no parameters (migrations, sample data DDL). */
  exec(sql: string): Promise<void>
}

export type DbKind = 'postgis' | 'pglite'

export interface Db extends Queryable {
  readonly kind: DbKind
  /** Runs fn in one transaction: committed if fn resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** A problem that must stop the process with one clear line (bad DATABASE_URL, no PostGIS …). */
export class DbStartupError extends Error {}

// Both backends return the same JS values for these types, so results compare equal across them:
// int8 (ids, counts) and numeric (areas) as numbers, date as 'YYYY-MM-DD' (no time-zone drift).
export const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const

export const valueParsers: Record<number, (value: string) => unknown> = {
  [OID.INT8]: (v) => Number(v),
  [OID.NUMERIC]: (v) => Number(v),
  [OID.DATE]: (v) => v,
}
