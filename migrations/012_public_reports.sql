-- The public: reports of suspected violations (有奖举报) sent without an account, their triage by
-- staff, and what the office publishes of its ledger (公示). docs/public.md.

CREATE TABLE reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- also the Open311 service_request_id
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'more_info', 'accepted', 'rejected')),
  service_code text NOT NULL CHECK (service_code IN ('new_building', 'extension', 'land_occupation', 'other')),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  admin_code text NOT NULL REFERENCES admin_units (code), -- the village the place lies in
  location_source text NOT NULL CHECK (location_source IN ('map', 'gps')),
  -- personal data: read only by the staff who handle reports (PERSONAL_DATA_ROLES), never published
  contact_name text CHECK (length(contact_name) <= 50),
  contact_phone text CHECK (length(contact_phone) <= 30),
  -- the reporter's 查询码 is a bearer secret: only its hash is kept
  receipt_hash text NOT NULL UNIQUE,
  -- salted hash of the sender's address: the CAPTCHA and abuse rules count reports per address
  address_hash text NOT NULL,
  via text NOT NULL DEFAULT 'web' CHECK (via IN ('web', 'open311')),
  case_id bigint REFERENCES cases (id),
  -- 有奖举报: decided when the report is accepted (the first report that put a case in the ledger)
  reward text CHECK (reward IN ('eligible', 'not_eligible')),
  reward_reason text,
  public_reply text, -- the office's latest words to the reporter
  submitted_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  geom geometry(Point, 4326) NOT NULL,
  CHECK ((status = 'accepted') = (case_id IS NOT NULL))
);
CREATE INDEX reports_geom_gix ON reports USING gist (geom);
CREATE INDEX reports_admin_code_idx ON reports (admin_code text_pattern_ops);
CREATE INDEX reports_status_idx ON reports (status);
CREATE INDEX reports_address_idx ON reports (address_hash, submitted_at);
CREATE INDEX reports_case_idx ON reports (case_id);

-- Photos as stored: re-encoded, so no EXIF (GPS, camera, time) or other metadata survives.
CREATE TABLE report_photos (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id bigint NOT NULL REFERENCES reports (id),
  storage_key text NOT NULL,
  bytes integer NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_photos_report_idx ON report_photos (report_id);

-- 全程留痕 of a report: submissions, the reporter's additions and every triage step. public_note is
-- what the reporter reads; internal_note stays with the staff.
CREATE TABLE report_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id bigint NOT NULL REFERENCES reports (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id), -- null: the reporter
  action text NOT NULL, -- submit, add_info, ask_more, accept, link, reject, refused:stale_version
  from_status text,
  to_status text,
  public_note text,
  internal_note text,
  after jsonb
);
CREATE INDEX report_history_report_idx ON report_history (report_id, at);
CREATE TRIGGER report_history_append_only BEFORE UPDATE OR DELETE ON report_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

-- CAPTCHA challenges live in the database, so that any app process can check an answer.
CREATE TABLE captcha_challenges (
  id uuid PRIMARY KEY,
  answer_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX captcha_challenges_expires_idx ON captcha_challenges (expires_at);

-- 公示: what the office publishes of its ledger. One row; edited with If-Match like every record.
CREATE TABLE disclosure_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  stages text[] NOT NULL DEFAULT '{}' CHECK (stages <@ ARRAY['order_issued', 'demolished', 'closed']::text[]),
  -- published positions are snapped to a grid of this many metres (never the site itself)
  location_grid_m integer NOT NULL DEFAULT 200 CHECK (location_grid_m BETWEEN 100 AND 2000),
  office_name text NOT NULL DEFAULT '' CHECK (length(office_name) <= 100),
  notice_note text NOT NULL DEFAULT '' CHECK (length(notice_note) <= 1000), -- printed under each notice
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES users (id)
);
INSERT INTO disclosure_settings DEFAULT VALUES;

CREATE TABLE disclosure_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL, -- edit, refused:stale_version
  before jsonb,
  after jsonb
);
CREATE TRIGGER disclosure_history_append_only BEFORE UPDATE OR DELETE ON disclosure_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();
