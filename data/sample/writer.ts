// Batched inserts: rows collect in column arrays and go to the server as one
// INSERT … SELECT … FROM unnest($1::type[], …) per batch — one round trip per few thousand rows,
// fast on both pg and PGlite, with memory bounded by the batch size.
import type { Queryable, QueryResult } from '../../server/src/db/db.ts'

export interface Column {
  name: string
  /** SQL element type of the parameter array (text, int, bigint, numeric, bool, timestamptz …). */
  type: string
  /** SQL computing the stored value from t.<name>; default t.<name>. */
  expr?: string
}

export class TableWriter {
  private readonly cols: unknown[][]
  private readonly sql: string
  private pending = 0
  /** Rows written so far (flushed or pending). */
  count = 0

  constructor(
    private readonly tx: Queryable,
    readonly table: string,
    columns: Column[],
    private readonly batchRows: number,
    /** Writers whose rows these rows reference: flushed first, so foreign keys hold. */
    private readonly dependsOn: TableWriter[] = [],
    /** Explicit ids into identity columns: ids stay 1..n even after an earlier rolled-back load. */
    overridingIds = true,
  ) {
    this.cols = columns.map(() => [])
    const params = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')
    const names = columns.map((c) => c.name).join(', ')
    const exprs = columns.map((c) => c.expr ?? `t.${c.name}`).join(', ')
    this.sql =
      `INSERT INTO ${table} (${names})${overridingIds ? ' OVERRIDING SYSTEM VALUE' : ''} ` +
      `SELECT ${exprs} FROM unnest(${params}) AS t(${names})`
  }

  async push(row: readonly unknown[]): Promise<void> {
    if (row.length !== this.cols.length) throw new Error(`${this.table}: row has ${row.length} values, expected ${this.cols.length}`)
    for (let i = 0; i < row.length; i++) this.cols[i]!.push(row[i] ?? null)
    this.pending++
    this.count++
    if (this.pending >= this.batchRows) await this.flush()
  }

  /**
   * Sends the pending rows. The insert runs while the caller goes on generating: this waits only
   * for this writer's previous insert (memory stays bounded), and `drain` waits for the last one.
   * Writers of one load share one `SerialQueries`, so the statements run in the order sent.
   */
  async flush(): Promise<void> {
    if (this.pending === 0) return
    for (const dep of this.dependsOn) await dep.flush()
    const params = this.cols.map((c) => c.splice(0, c.length))
    this.pending = 0
    const previous = this.inflight
    this.inflight = this.tx.query(this.sql, params).then(() => undefined)
    this.inflight.catch(() => {}) // reported by the next flush or drain, not as an unhandled rejection
    await previous
  }

  /** Flushes and waits until every row of this writer is in the database. */
  async drain(): Promise<void> {
    await this.flush()
    await this.inflight
  }

  private inflight: Promise<void> = Promise.resolve()
}

/**
 * Runs the statements given to it one after the other, in the order given, on one connection's
 * transaction: the writers can send an insert and go on without waiting, and a statement sent
 * later (an UPDATE over what they wrote) still runs after their inserts. After a failure the rest
 * are refused with the first error, which reaches whoever waits.
 */
export class SerialQueries implements Queryable {
  private tail: Promise<unknown> = Promise.resolve()
  private failed: unknown

  constructor(private readonly tx: Queryable) {}

  private next<T>(run: () => Promise<T>): Promise<T> {
    const p = this.tail.then(() => {
      if (this.failed !== undefined) throw this.failed
      return run()
    })
    this.tail = p.catch((err: unknown) => {
      this.failed ??= err
    })
    return p
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.next(() => this.tx.query<R>(sql, params))
  }

  exec(sql: string): Promise<void> {
    return this.next(() => this.tx.exec(sql))
  }
}

/** After explicit ids, move the identity sequence past them so the app's own inserts do not collide. */
export async function syncIdentity(tx: Queryable, table: string): Promise<void> {
  await tx.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 0) + 1, false)`,
  )
}
