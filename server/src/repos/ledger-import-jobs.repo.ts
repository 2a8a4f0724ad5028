// Ledger imports in the background (migration 019): the state every app process can answer a poll
// from. The process running an import writes its progress here; the others only read.
import type { Queryable } from '../db/db.ts'
import type { LedgerImportJob, LedgerImportProgress, LedgerImportRefusal, LedgerImportResult } from '../schemas/cases.schema.ts'

/** Finished jobs are kept this long for their poller. */
const KEEP_FINISHED = '1 hour'
/** A running job whose process has not written for this long has stopped with it. */
const STALE_AFTER = '60 seconds'

/** Records a new running job (and lets go of jobs finished over an hour ago). */
export async function startLedgerImportJob(db: Queryable, job: { id: string; userId: number; file: string; progress: LedgerImportProgress }): Promise<void> {
  await db.query(`DELETE FROM ledger_import_jobs WHERE finished_at < now() - interval '${KEEP_FINISHED}'`)
  await db.query(
    `INSERT INTO ledger_import_jobs (id, user_id, file, state, progress) VALUES ($1, $2, $3, 'running', $4)`,
    [job.id, job.userId, job.file, JSON.stringify(job.progress)],
  )
}

/** The running process's heartbeat: its progress so far. */
export async function saveLedgerImportProgress(db: Queryable, id: string, progress: LedgerImportProgress): Promise<void> {
  await db.query(`UPDATE ledger_import_jobs SET progress = $2, heartbeat_at = now() WHERE id = $1 AND state = 'running'`, [id, JSON.stringify(progress)])
}

/** The job's end: its result, or the problem it was refused with. */
export async function finishLedgerImportJob(
  db: Queryable,
  id: string,
  end: { progress: LedgerImportProgress } & ({ result: LedgerImportResult } | { error: LedgerImportRefusal }),
): Promise<void> {
  await db.query(
    `UPDATE ledger_import_jobs SET state = $2, progress = $3, result = $4, error = $5, heartbeat_at = now(), finished_at = now() WHERE id = $1`,
    [id, 'result' in end ? 'done' : 'failed', JSON.stringify(end.progress), 'result' in end ? JSON.stringify(end.result) : null,
      'error' in end ? JSON.stringify(end.error) : null],
  )
}

/** The job as its starter sees it; undefined for anyone else or an unknown id. */
export async function ledgerImportJob(db: Queryable, id: string, userId: number): Promise<LedgerImportJob | undefined> {
  const r = await db.query<{ id: string; file: string; state: LedgerImportJob['state']; progress: LedgerImportProgress; result: LedgerImportResult | null; error: LedgerImportRefusal | null; stale: boolean }>(
    `SELECT id, file, state, progress, result, error, state = 'running' AND heartbeat_at < now() - interval '${STALE_AFTER}' AS stale
     FROM ledger_import_jobs WHERE id = $1 AND user_id = $2`,
    [id, userId],
  )
  const j = r.rows[0]
  if (!j) return undefined
  if (j.stale) {
    return {
      id: j.id, file: j.file, state: 'failed', progress: { ...j.progress, phase: 'failed' },
      error: {
        type: 'about:blank', status: 500, title: 'Internal Server Error', code: 'interrupted',
        detail: 'the server process running the import stopped; nothing was written: import the file again',
        detailZh: '导入途中服务进程停止，未写入任何记录，请重新导入',
      },
    }
  }
  return { id: j.id, file: j.file, state: j.state, progress: j.progress, ...(j.result ? { result: j.result } : {}), ...(j.error ? { error: j.error } : {}) }
}
