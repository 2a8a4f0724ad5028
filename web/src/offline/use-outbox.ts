// The outbox and the connection as React state: the sync badge and the sync list read this.
import { useEffect, useState } from 'react'
import { currentSyncState, listOps, onOutboxChange, type QueuedOp, type SyncState } from './outbox.ts'

export interface OutboxView {
  ops: QueuedOp[]
  sync: SyncState
  online: boolean
}

export function useOutbox(): OutboxView {
  const [ops, setOps] = useState<QueuedOp[]>([])
  const [sync, setSync] = useState<SyncState>(currentSyncState)
  const [online, setOnline] = useState(() => navigator.onLine)
  useEffect(() => {
    let live = true
    const load = () => {
      setSync(currentSyncState())
      void listOps().then((o) => live && setOps(o))
    }
    load()
    const off = onOutboxChange(load)
    const on = () => setOnline(navigator.onLine)
    window.addEventListener('online', on)
    window.addEventListener('offline', on)
    return () => {
      live = false
      off()
      window.removeEventListener('online', on)
      window.removeEventListener('offline', on)
    }
  }, [])
  return { ops, sync, online }
}
