-- 自建房安全排查: one file per self-built house (一户一档), its appraisal, hazard and the measures
-- taken, from the door-to-door survey (敲门入户) to the hazard removed. docs/survey.md.

CREATE TABLE house_surveys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  building_id bigint REFERENCES buildings (id) ON DELETE SET NULL, -- the footprint, when there is one
  admin_code text NOT NULL REFERENCES admin_units (code), -- the village
  address_text text CHECK (length(address_text) <= 200),
  owner_type text NOT NULL CHECK (owner_type IN ('individual', 'collective', 'enterprise', 'other')),
  -- personal data: shown only to the roles that handle it
  owner_name text CHECK (length(owner_name) <= 50),
  owner_phone text CHECK (length(owner_phone) <= 30),
  floors smallint NOT NULL CHECK (floors BETWEEN 1 AND 50),
  structure text NOT NULL CHECK (structure IN ('brick_concrete', 'brick_wood', 'frame', 'steel', 'earth_wood', 'precast_slab', 'other')),
  built_year smallint CHECK (built_year BETWEEN 1900 AND 2100),
  use text NOT NULL CHECK (use IN ('residential', 'business', 'mixed')), -- 经营性自建房: business or mixed
  business_kind text CHECK (business_kind IN ('shop', 'restaurant', 'hotel', 'factory', 'warehouse', 'rental', 'school_care', 'other')),
  rented boolean NOT NULL DEFAULT false,
  residents integer NOT NULL DEFAULT 0 CHECK (residents BETWEEN 0 AND 10000),
  workers integer NOT NULL DEFAULT 0 CHECK (workers BETWEEN 0 AND 10000),
  business_licence boolean, -- null: not a business
  appraisal text NOT NULL DEFAULT 'none' CHECK (appraisal IN ('none', 'done')), -- 安全鉴定
  appraisal_grade char(1) CHECK (appraisal_grade IN ('A', 'B', 'C', 'D')),
  appraisal_report_id bigint, -- the report file (attachments.id)
  hazard text NOT NULL DEFAULT 'none' CHECK (hazard IN ('none', 'general', 'major', 'severe')), -- 一般/较大/严重
  status text NOT NULL DEFAULT 'surveyed' CHECK (status IN ('surveyed', 'rectifying', 'resolved')),
  case_id bigint REFERENCES cases (id), -- a violation found during the survey
  surveyed_at timestamptz NOT NULL,
  surveyed_by bigint REFERENCES users (id),
  resolved_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(Geometry, 4326) NOT NULL CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON') AND ST_IsValid(geom)),
  CHECK ((appraisal = 'done') = (appraisal_grade IS NOT NULL)),
  CHECK ((use = 'residential') = (business_kind IS NULL)),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- one file per house
CREATE UNIQUE INDEX house_surveys_building_idx ON house_surveys (building_id) WHERE building_id IS NOT NULL;
CREATE INDEX house_surveys_admin_idx ON house_surveys (admin_code text_pattern_ops);
CREATE INDEX house_surveys_geom_gix ON house_surveys USING gist (geom);

-- Measures for a hazard: stop use, evacuate, monitor, repair, reinforce, demolish, with a deadline.
CREATE TABLE survey_measures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  survey_id bigint NOT NULL REFERENCES house_surveys (id),
  kind text NOT NULL CHECK (kind IN ('stop_use', 'evacuate', 'monitor', 'repair', 'reinforce', 'demolish', 'other')),
  deadline date NOT NULL,
  note text CHECK (length(note) <= 500),
  done_at timestamptz,
  done_by bigint REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_measures_survey_idx ON survey_measures (survey_id);
CREATE INDEX survey_measures_open_idx ON survey_measures (deadline) WHERE done_at IS NULL;

ALTER TABLE attachments ADD COLUMN survey_id bigint REFERENCES house_surveys (id);
ALTER TABLE attachments DROP CONSTRAINT attachments_check;
ALTER TABLE attachments ADD CONSTRAINT attachments_owner CHECK (num_nonnulls(case_id, detection_id, survey_id) >= 1);
CREATE INDEX attachments_survey_idx ON attachments (survey_id);
ALTER TABLE house_surveys ADD CONSTRAINT house_surveys_report_fk FOREIGN KEY (appraisal_report_id) REFERENCES attachments (id);

-- 全程留痕
CREATE TABLE survey_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  survey_id bigint NOT NULL REFERENCES house_surveys (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL, -- create, edit, measure, measure_done, resolve, reopen, case, import, refused:stale_version
  from_status text,
  to_status text,
  before jsonb,
  after jsonb
);
CREATE INDEX survey_history_survey_idx ON survey_history (survey_id, at);
CREATE TRIGGER survey_history_append_only BEFORE UPDATE OR DELETE ON survey_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();
