// What waits to be sent, what is being sent, and what the server refused (with its reason) or
// found in conflict. A refused write can be sent again or discarded; a conflict opens the
// side-by-side view. Nothing is dropped without the user saying so.
import { useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import { discard, retry, sync, type QueuedOp } from '../../offline/outbox.ts'
import type { OutboxView } from '../../offline/use-outbox.ts'
import { ConflictView } from './ConflictView.tsx'

export function SyncPanel({ outbox }: { outbox: OutboxView }) {
  const { t, lang } = useI18n()
  const [resolving, setResolving] = useState<QueuedOp | null>(null)
  if (resolving) return <ConflictView op={resolving} onDone={() => setResolving(null)} />
  return (
    <section className="sync-panel" data-testid="sync-panel">
      {outbox.sync.kind === 'signed_out' && <p className="field-error" role="alert">{t('field.sync.signedOut')}</p>}
      {outbox.ops.length === 0 && <p className="task-none">{t('field.sync.empty')}</p>}
      <ul>
        {outbox.ops.map((op) => (
          <li key={op.id} className={`sync-op op-${op.state}`} data-op-state={op.state}>
            <span className="op-label">{op.label}</span>
            <span className="op-state">{t(`field.sync.state.${op.state}`)}</span>
            {op.photo && op.upload && op.state !== 'failed' && <span className="op-progress">{Math.round((op.upload.sent / Math.max(1, op.photo.blob.size)) * 100)}%</span>}
            {op.problem && <span className="op-problem">{(lang === 'zh-CN' && op.problem.detailZh) || op.problem.detail}</span>}
            {op.state === 'conflict' && <button type="button" className="primary" onClick={() => setResolving(op)}>{t('field.sync.resolve')}</button>}
            {op.state === 'failed' && <button type="button" onClick={() => void retry(op.id)}>{t('field.sync.retry')}</button>}
            {(op.state === 'failed' || op.state === 'conflict') && (
              <button type="button" onClick={() => window.confirm(t('field.sync.discardConfirm')) && void discard(op.id)}>{t('field.sync.discard')}</button>
            )}
          </li>
        ))}
      </ul>
      {outbox.ops.some((o) => o.state === 'pending') && <button type="button" onClick={() => void sync()}>{t('field.sync.now')}</button>}
    </section>
  )
}
