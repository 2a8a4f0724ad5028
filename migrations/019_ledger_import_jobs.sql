-- Ledger imports running in the background (POST /api/ledger/import with a big file). Their state
-- lived in the memory of the process running them: with several app processes (CHAIWEI_WORKERS,
-- docs/scaling.md) a poll that reached another process got 404, and a restart lost the job. Now
-- the running process writes its progress here (about once a second, `heartbeat_at` with it) and
-- any process answers the poll. A job whose process stopped (no heartbeat for a while) is reported
-- failed: the cases are written in one transaction, so nothing of it was written.
CREATE TABLE ledger_import_jobs (
  id uuid PRIMARY KEY,
  user_id bigint NOT NULL, -- who may poll it; no foreign key, as the other local tables (docs/scaling.md)
  file text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  progress jsonb NOT NULL,
  result jsonb,
  error jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CHECK ((state = 'running') = (finished_at IS NULL))
);
CREATE INDEX ledger_import_jobs_finished_idx ON ledger_import_jobs (finished_at);
