// @fastify/rate-limit's counters in the database (migration 020), so that every app process (the
// workers of CHAIWEI_WORKERS, or several machines behind one address) counts against one limit; an
// in-memory store gave an address N × the limit. The same code runs on both backends: on the
// embedded one it is simply the one process's database.
//
// The plugin's store interface (node_modules/@fastify/rate-limit/store/LocalStore.js):
//  * new Store(pluginOptions): the root store; the plugin then asks it for
//  * child(routeOptions): a store per limited route, counting under its own bucket (method and URL);
//  * incr(key, cb, timeWindow, max): count one hit of `key` (the address) and call back with
//    { current, ttl }: the hits in the window, this one included, and the milliseconds left (the
//    429's Retry-After and retryAfterSeconds);
//  * read(key, cb, timeWindow, max): the same without counting (`{ increment: false }`).
//
// Statements go to the primary (a RoutingDb's `primary`), never the read replica: a hit is a write,
// and the limited GETs (the CAPTCHA, the public lookups) would otherwise be routed to the replica.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Db, Queryable } from '../db/db.ts'
import { isRoutingDb } from '../db/routing.db.ts'
import { countRateLimitHit, pruneRateLimitHits, readRateLimitHits, type RateLimitCount } from '../repos/rate-limits.repo.ts'

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** What the store reads of the options the plugin passes (its own, merged with a route's). */
interface StoreOptions {
  continueExceeding?: boolean
  exponentialBackoff?: boolean
  routeInfo?: { method?: string | string[]; url?: string }
}

/** The bucket of a route's counters: 'POST /api/auth/login'. */
export function bucketOf(routeInfo: StoreOptions['routeInfo']): string {
  const method = [routeInfo?.method ?? ''].flat().join(',')
  return `${method} ${routeInfo?.url ?? ''}`.trim() || '*'
}

/** The server that takes the counters' writes: the primary, whichever server a request reads from. */
export function writePath(db: Db): Queryable {
  return isRoutingDb(db) ? db.primary : db
}

export class DatabaseRateLimitStore implements FastifyRateLimitStore {
  constructor(
    private readonly db: Queryable,
    readonly bucket: string,
    options: StoreOptions,
  ) {
    // these lengthen a window as it is exceeded; the store counts fixed windows only (no route
    // asks for more), so a route configured otherwise is refused at startup, not counted differently
    if (options.continueExceeding || options.exponentialBackoff) {
      throw new Error(`rate limit ${bucket}: the database store counts fixed windows; continueExceeding and exponentialBackoff are refused`)
    }
  }

  // A failed statement is passed to the plugin as an error. Its default (skipOnError: false, which
  // http/security.ts keeps) then fails the request: a 500 through the problem handler, not a request
  // let through uncounted. The limited routes are sign-ins, CAPTCHAs and public writes, which need
  // the primary anyway, and the public lookups (which could otherwise be read from a replica while
  // the primary is down: that is the one case refused that would have worked). Letting requests
  // through instead would switch the limits off whenever the database is slow or overloaded, as a
  // flood would make it.
  incr(key: string, cb: Callback, timeWindow: number): void {
    settle(countRateLimitHit(this.db, this.bucket, key, timeWindow), cb)
  }

  read(key: string, cb: Callback): void {
    settle(readRateLimitHits(this.db, this.bucket, key), cb)
  }

  child(routeOptions: object): DatabaseRateLimitStore {
    const options = routeOptions as StoreOptions
    return new DatabaseRateLimitStore(this.db, bucketOf(options.routeInfo), options)
  }
}

function settle(count: Promise<RateLimitCount>, cb: Callback): void {
  count.then(
    (c) => cb(null, { current: c.hits, ttl: c.ttlMs }),
    (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
  )
}

/** The store class the plugin's `store` option takes, counting in `db` (its primary). */
export function databaseRateLimitStore(db: Db): FastifyRateLimitStoreCtor {
  const primary = writePath(db)
  return class extends DatabaseRateLimitStore {
    constructor(options: StoreOptions) {
      super(primary, '*', options)
    }
  }
}

/** Counters whose window has passed are deleted this often (by every process; one DELETE each). */
export const PRUNE_EVERY_MS = 5 * 60_000

/** Deletes the counters whose window has passed (in the primary). */
export function pruneRateLimits(db: Db): Promise<number> {
  return pruneRateLimitHits(writePath(db))
}
