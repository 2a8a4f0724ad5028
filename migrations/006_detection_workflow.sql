-- 卫片图斑 workflow: the verification's own fields, a version on batches (their deadline and
-- imagery are edited), one colour key for tiles, and the append-only trace of every change.

-- Why the verification has no photo within reach of the patch (the rule of CHAIWEI_VERIFY_PHOTO_MAX_M),
-- and free text beside a coded result reason (a false change of kind 'other' needs it).
ALTER TABLE detections ADD COLUMN no_photo_reason text;
ALTER TABLE detections ADD COLUMN result_note text;
-- One key for map colours and aggregated tiles: the result once verified, else the status.
ALTER TABLE detections ADD COLUMN outcome text GENERATED ALWAYS AS (coalesce(result, status)) STORED;
CREATE INDEX detections_status_idx ON detections (batch_id, status);

ALTER TABLE detection_batches ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE detection_batches ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- 全程留痕 for patches and batches: who did what when, never edited.
CREATE TABLE detection_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  detection_id bigint REFERENCES detections (id),
  batch_id bigint REFERENCES detection_batches (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL, -- assign, verify, reopen, screen, attach, edit, refused:stale_version
  from_status text,
  to_status text,
  reason text,
  before jsonb,
  after jsonb,
  CHECK (num_nonnulls(detection_id, batch_id) >= 1)
);
CREATE INDEX detection_history_detection_idx ON detection_history (detection_id, at);
CREATE INDEX detection_history_batch_idx ON detection_history (batch_id, at);
CREATE TRIGGER detection_history_append_only BEFORE UPDATE OR DELETE ON detection_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

CREATE INDEX assignments_detection_idx ON assignments (detection_id) WHERE detection_id IS NOT NULL;
CREATE INDEX cases_detection_idx ON cases (detection_id) WHERE detection_id IS NOT NULL;
