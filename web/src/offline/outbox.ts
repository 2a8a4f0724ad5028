// The outbox: every write the field screens make is queued here first and sent from here, online
// or not, in the order it was made. Each carries a client id (Idempotency-Key), so a write whose
// answer was lost (a dropped connection, a killed tab) is answered, not redone, when sent again;
// and the version it was based on (If-Match), so a change someone else made meanwhile is a
// conflict the user resolves, never a silent overwrite. Nothing leaves the outbox until the server
// has answered it; a refused write stays, with the server's reason, until the user acts on it.
import { fieldDb, recordKey, type OpProblem, type QueuedOp, type RecordRef } from './store.ts'

export type { OpProblem, QueuedOp, RecordRef }

export interface NewOp {
  userId: number
  method: 'POST' | 'PATCH'
  url: string
  body?: unknown
  photo?: QueuedOp['photo']
  base?: Record<string, unknown>
  record: RecordRef
  ifMatch?: string
  label: string
}

const listeners = new Set<() => void>()

/** Calls `fn` whenever the outbox changes (queued, sent, refused). */
export function onOutboxChange(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}
function changed() {
  for (const fn of listeners) fn()
  // other tabs of the app
  channel?.postMessage('changed')
}
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('chaiwei-outbox')
if (channel) channel.onmessage = () => listeners.forEach((fn) => fn())

export async function listOps(): Promise<QueuedOp[]> {
  return (await fieldDb()).getAllFromIndex('outbox', 'seq')
}

/** Queues a write and starts sending; resolves once it is safely stored. */
export async function enqueue(op: NewOp): Promise<QueuedOp> {
  const db = await fieldDb()
  const tx = db.transaction('outbox', 'readwrite')
  const all = await tx.store.index('seq').getAll()
  const queued: QueuedOp = {
    ...op,
    id: crypto.randomUUID(),
    seq: (all.at(-1)?.seq ?? 0) + 1,
    // A write on a record another queued write changes goes with the version that one leaves.
    after: all.filter((o) => recordKey(o.record) === recordKey(op.record)).at(-1)?.id,
    state: 'pending',
    attempts: 0,
    createdAt: new Date().toISOString(),
  }
  await tx.store.put(queued)
  await tx.done
  changed()
  void sync()
  return queued
}

/** Drops a refused or conflicting write the user chose not to send. */
export async function discard(id: string): Promise<void> {
  await (await fieldDb()).delete('outbox', id)
  changed()
  void sync()
}

/** Sends a refused write again, as it is or changed, based on `ifMatch` (e.g. their version after a conflict). */
export async function retry(id: string, change: { body?: unknown; ifMatch?: string } = {}): Promise<void> {
  const db = await fieldDb()
  const op = await db.get('outbox', id)
  if (!op) return
  // A changed write is a new operation: a new client id, so the server does not answer it with the refusal it stored.
  const renewed = change.body !== undefined || change.ifMatch !== undefined
  const next: QueuedOp = { ...op, ...change, state: 'pending', problem: undefined, ...(change.ifMatch ? { after: undefined } : {}), ...(renewed ? { id: crypto.randomUUID() } : {}) }
  const tx = db.transaction('outbox', 'readwrite')
  if (renewed) await tx.store.delete(id)
  await tx.store.put(next)
  await tx.done
  changed()
  void sync()
}

export type SyncState = { kind: 'idle' } | { kind: 'syncing' } | { kind: 'offline' } | { kind: 'signed_out' }
let syncState: SyncState = { kind: 'idle' }
export const currentSyncState = () => syncState
function setSyncState(s: SyncState) {
  syncState = s
  for (const fn of listeners) fn()
}

let running: Promise<void> | null = null
/** Asked to send while a round was under way: go round once more (a write queued meanwhile). */
let again = false

/**
 * Sends what is pending, oldest first. Stops at the first network failure (the rest waits for
 * the connection); a record with a conflict or refusal holds back later writes to the same record.
 * One tab sends at a time (Web Locks), so two tabs never send the same write at once.
 */
export function sync(): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    try {
      const locks = (navigator as Navigator & { locks?: LockManager }).locks
      do {
        again = false
        if (locks) await locks.request('chaiwei-outbox', () => sendAll())
        else await sendAll()
      } while (again && navigator.onLine)
    } finally {
      running = null
    }
  })()
  return running
}

async function sendAll(): Promise<void> {
  const db = await fieldDb()
  const blocked = new Set<string>()
  for (const op of await db.getAllFromIndex('outbox', 'seq')) {
    const key = recordKey(op.record)
    if (op.state === 'failed' || op.state === 'conflict') {
      blocked.add(key)
      continue
    }
    if (blocked.has(key)) continue
    setSyncState({ kind: 'syncing' })
    await db.put('outbox', { ...op, state: 'syncing', attempts: op.attempts + 1 })
    changed()
    const outcome = await send(op)
    // what send kept on the op meanwhile (a photo's upload progress)
    const latest = (await db.get('outbox', op.id)) ?? op
    if (outcome.kind === 'offline' || outcome.kind === 'signed_out' || outcome.kind === 'later') {
      await db.put('outbox', { ...latest, state: 'pending', attempts: op.attempts + 1 })
      setSyncState(outcome.kind === 'later' ? { kind: 'idle' } : { kind: outcome.kind })
      changed()
      if (outcome.kind === 'later') setTimeout(() => void sync(), 2000)
      return
    }
    if (outcome.kind === 'done') {
      const tx = db.transaction(['outbox', 'versions'], 'readwrite')
      await tx.objectStore('outbox').delete(op.id)
      // what the next write on this record goes with: the new version, or (a photo) the one it was sent with;
      // and, for a record made on the phone, the id the server gave it
      const left = outcome.etag ?? outcome.ifMatch
      if (left || outcome.recordId !== undefined) await tx.objectStore('versions').put({ key: op.id, etag: left ?? '', ...(outcome.recordId !== undefined ? { recordId: outcome.recordId } : {}) })
      if (op.after) await tx.objectStore('versions').delete(op.after)
      await tx.done
    } else if (outcome.kind === 'stale' || outcome.kind === 'refused') {
      await db.put('outbox', { ...latest, state: outcome.kind === 'stale' ? 'conflict' : 'failed', problem: outcome.problem, attempts: op.attempts + 1 })
      blocked.add(key)
    }
    changed()
  }
  setSyncState({ kind: 'idle' })
}

type Outcome =
  | { kind: 'done'; etag: string | null; ifMatch: string | undefined; recordId?: number }
  | { kind: 'stale' | 'refused'; problem: OpProblem }
  | { kind: 'offline' | 'signed_out' | 'later' }

/** A photo goes up in pieces of this size, so a dropped connection costs at most one piece. */
export const PIECE_BYTES = 256 * 1024
const JSON_HEADERS = { Accept: 'application/json, application/problem+json', 'Content-Type': 'application/json' }

/**
 * Sends a photo's bytes as a resumable upload, from where the server stands: the upload's id and
 * progress are kept on the op, so after an interruption (even a closed tab) it goes on from there.
 */
async function uploadPhoto(op: QueuedOp): Promise<Outcome | { kind: 'uploaded'; uploadId: string }> {
  const db = await fieldDb()
  const blob = op.photo!.blob
  const fetchJson = async (url: string, init: RequestInit) => {
    try {
      return await fetch(url, { credentials: 'same-origin', ...init })
    } catch {
      return null
    }
  }
  let upload = op.upload
  let offset = 0
  if (upload) {
    const where = await fetchJson(`/api/uploads/${upload.id}`, { headers: JSON_HEADERS })
    if (!where) return { kind: 'offline' }
    if (where.status === 404) upload = undefined // gone (kept 7 days): start again
    else if (!where.ok) return where.status === 401 ? { kind: 'signed_out' } : { kind: 'refused', problem: await problemOf(where) }
    else offset = ((await where.json()) as { offset: number }).offset
  }
  if (!upload) {
    const made = await fetchJson('/api/uploads', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ bytes: blob.size, fileName: op.photo!.name }) })
    if (!made) return { kind: 'offline' }
    if (!made.ok) return made.status === 401 ? { kind: 'signed_out' } : { kind: 'refused', problem: await problemOf(made) }
    upload = { id: ((await made.json()) as { id: string }).id, sent: 0 }
  }
  while (offset < blob.size) {
    await db.put('outbox', { ...op, state: 'syncing', upload: { id: upload.id, sent: offset } })
    changed()
    const res = await fetchJson(`/api/uploads/${upload.id}`, {
      method: 'PATCH',
      headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', Accept: 'application/json, application/problem+json' },
      body: blob.slice(offset, offset + PIECE_BYTES),
    })
    if (!res) return { kind: 'offline' }
    if (res.ok || res.status === 409) offset = ((await res.json()) as { offset: number }).offset // 409: the server already had it
    else return res.status === 401 ? { kind: 'signed_out' } : { kind: 'refused', problem: await problemOf(res) }
  }
  await db.put('outbox', { ...op, state: 'syncing', upload: { id: upload.id, sent: offset } })
  return { kind: 'uploaded', uploadId: upload.id }
}

/** A record made on the phone has a negative id until the server numbers it. */
const madeHere = (op: QueuedOp) => op.record.id < 0

async function send(op: QueuedOp): Promise<Outcome> {
  const headers: Record<string, string> = { 'Idempotency-Key': op.id, Accept: 'application/json, application/problem+json' }
  const prev = op.after ? await (await fieldDb()).get('versions', op.after) : undefined
  const ifMatch = prev?.etag || op.ifMatch
  if (ifMatch) headers['If-Match'] = ifMatch
  // A write on a record made on the phone (a photo of a new house file) names it by the id its creation got.
  let url = op.url
  if (url.includes('{id}')) {
    if (prev?.recordId === undefined) return { kind: 'refused', problem: { status: 0, detail: 'the record this belongs to was not created', detailZh: '所属记录尚未建立' } }
    url = url.replace('{id}', String(prev.recordId))
  }
  let body: BodyInit | undefined
  if (op.photo) {
    const up = await uploadPhoto(op)
    if (up.kind !== 'uploaded') return up
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify({ ...op.photo.fields, uploadId: up.uploadId, clientId: op.id })
  } else if (op.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(op.body)
  }
  let res: Response
  try {
    res = await fetch(url, { method: op.method, headers, body, credentials: 'same-origin' })
  } catch {
    return { kind: 'offline' }
  }
  if (res.ok) {
    let recordId = prev?.recordId
    if (madeHere(op) && op.method === 'POST' && !op.photo && recordId === undefined) {
      try {
        const made = (await res.json()) as { id?: unknown }
        if (typeof made.id === 'number') recordId = made.id
      } catch {
        // no JSON body: later writes on the record cannot name it (they are refused, not lost)
      }
    }
    return { kind: 'done', etag: res.headers.get('etag'), ifMatch, ...(recordId !== undefined ? { recordId } : {}) }
  }
  if (res.status === 401) return { kind: 'signed_out' }
  // still running from an earlier send, or the server failed: try again shortly
  if (res.status === 409 && res.headers.get('retry-after')) return { kind: 'later' }
  if (res.status >= 500) return op.attempts >= 5 ? { kind: 'refused', problem: await problemOf(res) } : { kind: 'later' }
  return { kind: res.status === 412 ? 'stale' : 'refused', problem: await problemOf(res) }
}

async function problemOf(res: Response): Promise<OpProblem> {
  try {
    const p = (await res.json()) as Partial<OpProblem> & { detail?: string }
    return { status: res.status, detail: p.detail ?? res.statusText, ...(p.detailZh ? { detailZh: p.detailZh } : {}), ...(p.code ? { code: p.code } : {}) }
  } catch {
    return { status: res.status, detail: res.statusText }
  }
}

/** A write left 'syncing' by a tab that was closed mid-send is pending again: sending it again is safe (same client id). */
export async function recoverInterrupted(): Promise<void> {
  const db = await fieldDb()
  for (const op of await db.getAll('outbox')) if (op.state === 'syncing') await db.put('outbox', { ...op, state: 'pending' })
}

/** Sends whenever the connection comes back, and now. */
export function startSync(): () => void {
  const kick = () => void sync()
  window.addEventListener('online', kick)
  const timer = window.setInterval(kick, 30_000)
  void recoverInterrupted().then(kick)
  return () => {
    window.removeEventListener('online', kick)
    window.clearInterval(timer)
  }
}
