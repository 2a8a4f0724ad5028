// The field app's IndexedDB (idb): the outbox of writes made offline, kept until the server has
// answered them, and the versions (ETags) those writes produced. Survives reloads, closed tabs and
// restarts of the phone; nothing in it is deleted until the server has acknowledged it.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

export type OpState = 'pending' | 'syncing' | 'failed' | 'conflict'

/** What a queued write changes: its conflicts and chained versions are per record. */
export interface RecordRef {
  kind: 'case' | 'detection' | 'assignment' | 'survey'
  /** The record's id; negative for a record made on the phone that the server has not numbered yet (a new house file). */
  id: number
}

export interface OpProblem {
  status: number
  detail: string
  detailZh?: string
  code?: string
}

export interface QueuedOp {
  /** The client id, sent as Idempotency-Key: a replay is answered, never redone. */
  id: string
  /** Order made; replayed in this order. */
  seq: number
  userId: number
  method: 'POST' | 'PATCH'
  url: string
  /** JSON body, or the photo to upload as multipart (fields first, then the file). */
  body?: unknown
  photo?: { blob: Blob; name: string; fields: Record<string, string> }
  /** A photo's resumable upload (POST /api/uploads) and how many bytes the server has: kept, so an interrupted photo goes on from there. */
  upload?: { id: string; sent: number }
  record: RecordRef
  /** If-Match as read when the user acted. */
  ifMatch?: string
  /** The write queued before this one on the same record: this one goes with the version that one leaves. */
  after?: string
  /** For an edit: what the edited fields held when the user started, shown beside a conflict. */
  base?: Record<string, unknown>
  /** Shown in the sync list, e.g. "核查图斑 DL-0012". */
  label: string
  state: OpState
  problem?: OpProblem
  attempts: number
  createdAt: string
}

interface FieldDb extends DBSchema {
  outbox: { key: string; value: QueuedOp; indexes: { seq: number } }
  /** The version (ETag) a record was left at by each accepted write, keyed by the write's id, for the write queued after it;
   *  for a record made on the phone also the id the server gave it (a `{id}` in a later write's URL). */
  versions: { key: string; value: { key: string; etag: string; recordId?: number } }
}

let dbPromise: Promise<IDBPDatabase<FieldDb>> | null = null

export function fieldDb(): Promise<IDBPDatabase<FieldDb>> {
  dbPromise ??= openDB<FieldDb>('chaiwei-field', 1, {
    upgrade(db) {
      db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('seq', 'seq')
      db.createObjectStore('versions', { keyPath: 'key' })
    },
  })
  return dbPromise
}

export const recordKey = (r: RecordRef) => `${r.kind}/${r.id}`
