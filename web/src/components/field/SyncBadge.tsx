// The sync badge: offline, what waits to be sent, what is being sent, and what the server refused
// or found in conflict (red: it needs the user). Always visible in the field screen's top bar.
import { useI18n } from '../../i18n/i18n.tsx'
import type { OutboxView } from '../../offline/use-outbox.ts'

export function SyncBadge({ outbox, onOpen }: { outbox: OutboxView; onOpen(): void }) {
  const { t } = useI18n()
  const count = (s: string) => outbox.ops.filter((o) => o.state === s).length
  const conflicts = count('conflict')
  const failed = count('failed')
  const waiting = count('pending') + count('syncing')
  let text: string
  let tone: 'ok' | 'busy' | 'bad'
  if (conflicts > 0) [text, tone] = [t('field.sync.badge.conflict', { n: conflicts }), 'bad']
  else if (failed > 0) [text, tone] = [t('field.sync.badge.failed', { n: failed }), 'bad']
  else if (outbox.sync.kind === 'syncing') [text, tone] = [t('field.sync.badge.syncing'), 'busy']
  else if (waiting > 0) [text, tone] = [t('field.sync.badge.pending', { n: waiting }), 'busy']
  else [text, tone] = [t('field.sync.badge.ok'), 'ok']
  return (
    <button type="button" className={`sync-badge sync-${tone}`} onClick={onOpen} data-testid="sync-badge" data-waiting={waiting} data-failed={failed} data-conflicts={conflicts}>
      {!outbox.online && <span className="sync-offline">{t('field.sync.offline')}</span>}
      <span>{text}</span>
    </button>
  )
}
