// Reads that concurrent requests share without reading anything older than they may see. A map
// opening fires dozens of tile requests at once, each needing the tile log's position and the
// session behind its cookie: one query per round trip instead of one per request.
import type { Db, Queryable } from './db.ts'
import { isRoutingDb } from './routing.db.ts'

/**
 * One read per key shared by concurrent callers, never a read that began before a caller asked:
 * a caller arriving while a read is in flight waits for the next one, which all such callers
 * share. So each gets an answer as fresh as its own read would have been (a commit that finished
 * before it asked is seen). Keys are kept apart per database server (a client routed to the
 * primary after its own write never shares a replica's read).
 */
export class SharedReads<V> {
  private readonly running = new Map<string, Promise<V>>()
  private readonly queued = new Map<string, Promise<V>>()

  constructor(private readonly db: Queryable) {}

  read(key: string, fetch: () => Promise<V>): Promise<V> {
    const db = this.db as Db
    const k = `${isRoutingDb(db) ? db.currentTarget() : 'primary'}\u0000${key}`
    if (!this.running.has(k)) return this.start(k, fetch)
    let next = this.queued.get(k)
    if (!next) {
      next = this.running.get(k)!.catch(() => undefined).then(() => {
        this.queued.delete(k)
        return this.start(k, fetch)
      })
      this.queued.set(k, next)
    }
    return next
  }

  private start(k: string, fetch: () => Promise<V>): Promise<V> {
    const read = fetch().finally(() => {
      if (this.running.get(k) === read) this.running.delete(k)
    })
    this.running.set(k, read)
    return read
  }
}
