// A Db over a primary and a read replica (a hot standby streaming from it). Everything above it keeps
// speaking to one Db; which server answers a statement is decided per HTTP request, in one place
// (http/read-routing.ts), and carried to the statements through an AsyncLocalStorage store:
//
//  * no store (startup, timers, CLI, tests calling repos directly): the primary;
//  * a request routed to the replica: its statements go there, except transactions and scripts,
//    which always go to the primary (a replica cannot write);
//  * a replica statement that fails because the replica is unreachable, shutting down, or had to
//    cancel it for a recovery conflict is sent again to the primary, as is one that tried to write
//    (SQLSTATE 25006: a GET that writes and is missing from the primary list). Nothing was written
//    on the replica, so sending it again is safe; the rest of that request stays on the primary.
//    An unreachable replica is then left alone for a few seconds (one warning, not one per request).
//
// Read-your-own-writes: a client that wrote carries the primary's WAL position after its write
// (the cw_lsn cookie, set by http/read-routing.ts); its reads use the replica only once the
// replica has replayed that far (pg_last_wal_replay_lsn), else the primary. The replica's position
// is cached for a few milliseconds so a busy server does not pay a round trip per request.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Db, Queryable, QueryOptions, QueryResult } from './db.ts'

export type Target = 'primary' | 'replica'

/** Where one request's statements go, and what it did there. */
export interface RouteStore {
  target: Target
  /** A write request (or a GET that must write): its client gets the primary's position afterwards. */
  write: boolean
  /** A statement of this request ran on the primary (so a position is worth reading). */
  usedPrimary: boolean
  /** Why a read went to the primary, for logs and tests. */
  reason?: string
}

export interface RoutingLog {
  warn(obj: object, msg: string): void
}

export interface ReplicaPositions {
  /** The primary's current WAL position (pg_current_wal_lsn). */
  primary(): Promise<bigint>
  /** How far the replica has replayed (pg_last_wal_replay_lsn); null: not a standby (promoted). */
  replica(): Promise<bigint | null>
}

export interface RoutingOptions {
  log: RoutingLog
  /** How long a read of the replica's position is reused (default 5 ms). */
  positionTtlMs?: number
  /** How long an unreachable replica is left alone before it is tried again (default 5000 ms). */
  downForMs?: number
  /** Where the WAL positions come from; default: SQL on the two servers. */
  positions?: ReplicaPositions
}

// ---- WAL positions (LSNs): "16/B374D848" ----

const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i

export function parseLsn(text: string): bigint | null {
  const m = LSN.exec(text)
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

export function sqlPositions(primary: Queryable, replica: Queryable): ReplicaPositions {
  return {
    async primary() {
      const r = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
      return parseLsn(r.rows[0]!.lsn)!
    },
    async replica() {
      const r = await replica.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn')
      const text = r.rows[0]?.lsn
      return text ? parseLsn(text) : null
    },
  }
}

// ---- what a failed replica statement means ----

/** 'unavailable': try the primary and rest the replica; 'retry': try the primary; null: a real error. */
export function replicaFailure(err: unknown): 'unavailable' | 'read-only' | 'retry' | null {
  const code = (err as { code?: unknown }).code
  // no SQLSTATE: the connection itself failed (refused, timed out, reset, pool closed)
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return 'unavailable'
  if (code === '25006') return 'read-only' // read_only_sql_transaction: a write reached the replica
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53')) return 'unavailable' // connection, shutdown, resources
  if (code === '40001' || code === '40P01') return 'retry' // canceled by a conflict with recovery
  if (code === '3D000') return 'unavailable' // the database is not (yet) on the replica
  return null
}

export class RoutingDb implements Db {
  readonly kind: Db['kind']
  readonly store = new AsyncLocalStorage<RouteStore>()
  /** Statements answered by each server, and reads sent back to the primary (for tests and ops). */
  readonly stats = { replica: 0, primary: 0, fallbacks: 0 }
  private readonly positions: ReplicaPositions
  private readonly positionTtlMs: number
  private readonly downForMs: number
  private log: RoutingLog
  private position: { lsn: bigint | null; at: number } | null = null
  private positionQuery: Promise<bigint | null> | null = null
  private downUntil = 0

  constructor(readonly primary: Db, readonly replica: Db, options: RoutingOptions) {
    this.kind = primary.kind
    this.log = options.log
    this.positions = options.positions ?? sqlPositions(primary, replica)
    this.positionTtlMs = options.positionTtlMs ?? 5
    this.downForMs = options.downForMs ?? 5000
  }

  /** Warnings go here from now on (the app's logger, once there is one). */
  useLog(log: RoutingLog) {
    this.log = log
  }

  /** Runs fn with its statements routed as the store says. */
  run<T>(store: RouteStore, fn: () => T): T {
    return this.store.run(store, fn)
  }

  /** The server the current request's statements go to (primary outside a request). */
  currentTarget(): Target {
    return this.store.getStore()?.target ?? 'primary'
  }

  /** Whether the replica is being left alone after a failure. */
  get replicaDown(): boolean {
    return Date.now() < this.downUntil
  }

  /**
   * Where a read of a client that last wrote at `seen` (null: no write remembered) should go.
   * Without a remembered write no round trip is made at all.
   */
  async readTarget(seen: bigint | null): Promise<{ target: Target; reason?: string }> {
    if (this.replicaDown) return { target: 'primary', reason: 'replica down' }
    if (seen === null) return { target: 'replica' }
    let at: bigint | null
    try {
      at = await this.replicaPosition()
    } catch (err) {
      this.markDown(err)
      return { target: 'primary', reason: 'replica down' }
    }
    if (at === null) {
      this.markDown(new Error('the read replica is not in recovery (promoted, or not a standby)'))
      return { target: 'primary', reason: 'replica not a standby' }
    }
    return at >= seen ? { target: 'replica' } : { target: 'primary', reason: 'replica behind this client' }
  }

  /** The replica's replay position, read at most once per positionTtlMs (one query in flight). */
  async replicaPosition(): Promise<bigint | null> {
    if (this.position && Date.now() - this.position.at <= this.positionTtlMs) return this.position.lsn
    this.positionQuery ??= this.positions
      .replica()
      .then((lsn) => {
        this.position = { lsn, at: Date.now() }
        return lsn
      })
      .finally(() => {
        this.positionQuery = null
      })
    return this.positionQuery
  }

  /** The primary's position now: what a client that just wrote must see. */
  primaryPosition(): Promise<bigint> {
    return this.positions.primary()
  }

  private markDown(err: unknown) {
    const wasDown = this.replicaDown
    this.downUntil = Date.now() + this.downForMs
    this.position = null
    if (!wasDown) {
      const e = err as Error & { code?: string }
      this.log.warn({ code: e.code, reason: e.message }, `read replica unavailable; reads go to the primary for the next ${this.downForMs / 1000} s`)
    }
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    const store = this.store.getStore()
    if (store?.target === 'replica' && !this.replicaDown) {
      try {
        const r = await this.replica.query<R>(sql, params, options)
        this.stats.replica++
        return r
      } catch (err) {
        const failure = replicaFailure(err)
        if (!failure) throw err
        this.stats.fallbacks++
        if (failure === 'unavailable') this.markDown(err)
        else if (failure === 'read-only') {
          this.log.warn({ sql: sql.replace(/\s+/g, ' ').slice(0, 120) }, 'a read request tried to write on the read replica; sent to the primary (list its route in http/read-routing.ts PRIMARY_READS)')
          store.write = true
        }
        store.target = 'primary'
        store.reason = `replica ${failure}`
      }
    } else if (store?.target === 'replica') {
      store.target = 'primary'
      store.reason = 'replica down'
    }
    return this.onPrimary(store, () => this.primary.query<R>(sql, params, options))
  }

  exec(sql: string): Promise<void> {
    return this.onPrimary(this.store.getStore(), () => this.primary.exec(sql))
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.onPrimary(this.store.getStore(), () => this.primary.transaction(fn))
  }

  private onPrimary<T>(store: RouteStore | undefined, fn: () => Promise<T>): Promise<T> {
    this.stats.primary++
    if (store) store.usedPrimary = true
    return fn()
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.replica.close()])
    await this.primary.close()
  }
}

export function isRoutingDb(db: Db): db is RoutingDb {
  return db instanceof RoutingDb
}
