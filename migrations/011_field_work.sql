-- 外业 field work: teams (驻村工作组, 网格员, 执法队) and the work given to them, and the client ids
-- that make replayed offline writes idempotent.

CREATE TABLE teams (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('village_team', 'grid', 'enforcement', 'other')),
  admin_code text NOT NULL REFERENCES admin_units (code), -- the team's area
  leader_id bigint REFERENCES users (id),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (admin_code, name)
);
CREATE INDEX teams_admin_code_idx ON teams (admin_code text_pattern_ops);

CREATE TABLE team_members (
  team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id),
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

-- An assignment goes to one person or to one team; it is edited with If-Match like every record.
ALTER TABLE assignments ALTER COLUMN assignee_id DROP NOT NULL;
ALTER TABLE assignments ADD COLUMN team_id bigint REFERENCES teams (id);
ALTER TABLE assignments ADD CONSTRAINT assignments_one_assignee CHECK (num_nonnulls(assignee_id, team_id) = 1);
ALTER TABLE assignments ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE assignments ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE assignments ADD COLUMN closed_at timestamptz;
CREATE INDEX assignments_team_idx ON assignments (team_id, status);
CREATE INDEX assignments_admin_code_idx ON assignments (admin_code text_pattern_ops);
-- At most one open assignment per thing: assigning again is a reassignment.
CREATE UNIQUE INDEX assignments_open_case_idx ON assignments (case_id) WHERE status = 'open' AND case_id IS NOT NULL;
CREATE UNIQUE INDEX assignments_open_detection_idx ON assignments (detection_id) WHERE status = 'open' AND detection_id IS NOT NULL;
CREATE UNIQUE INDEX assignments_open_parcel_idx ON assignments (parcel_id) WHERE status = 'open' AND parcel_id IS NOT NULL;

-- 全程留痕 for teams and assignments.
CREATE TABLE field_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id bigint REFERENCES teams (id) ON DELETE SET NULL,
  assignment_id bigint REFERENCES assignments (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL, -- create, edit, assign, reassign, done, cancel, refused:stale_version
  before jsonb,
  after jsonb
);
CREATE INDEX field_history_team_idx ON field_history (team_id, at);
CREATE INDEX field_history_assignment_idx ON field_history (assignment_id, at);
CREATE TRIGGER field_history_append_only BEFORE UPDATE OR DELETE ON field_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

-- A write sent with an Idempotency-Key (an offline client's id for one queued operation) is done
-- once; a replay of the key gets the first answer back (http/idempotency.ts).
CREATE TABLE idempotent_requests (
  user_id bigint NOT NULL REFERENCES users (id),
  key uuid NOT NULL,
  method text NOT NULL,
  url text NOT NULL,
  status smallint, -- null while the first request is still running
  content_type text,
  body text,
  etag text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
