-- The whole domain of shared/DOMAIN.md. Conventions:
--  * geometry is stored in lon/lat, EPSG:4326 (CGCS2000 is equal at metre level), with a GiST index
--    that tile and bbox queries hit directly (they transform the envelope, never the column);
--  * areas are computed on the ellipsoid (geography), in m², into stored generated columns;
--  * admin_code on every scoped row is the 12-digit village (or coarser) code it lies in: a user's
--    scope is an admin-unit code, and "in scope" is a prefix match on it;
--  * coded values are stable English keys; the web app's dictionary gives the Chinese labels;
--  * version counts edits and is the ETag of editable rows.

CREATE FUNCTION chaiwei_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;

-- 行政区划: district (6 digits), town/street (9), village/community (12), GB/T 2260 style codes.
CREATE TABLE admin_units (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
  level text NOT NULL CHECK (level IN ('district', 'town', 'village')),
  name text NOT NULL CHECK (name <> ''),
  parent_code text REFERENCES admin_units (code),
  kind text, -- 街道 / 地区 / 镇 / 乡 / 社区 / 村
  registered_population integer CHECK (registered_population >= 0),
  floating_population integer CHECK (floating_population >= 0),
  is_key_village boolean NOT NULL DEFAULT false,
  key_village_reason text,
  synthetic_geometry boolean NOT NULL DEFAULT false,
  area_m2 numeric(16, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  CHECK (length(code) = CASE level WHEN 'district' THEN 6 WHEN 'town' THEN 9 ELSE 12 END),
  CHECK ((level = 'district') = (parent_code IS NULL)),
  CHECK (parent_code IS NULL OR starts_with(code, parent_code))
);
CREATE INDEX admin_units_geom_gix ON admin_units USING gist (geom);
CREATE INDEX admin_units_parent_idx ON admin_units (parent_code);

-- 宗地 parcels.
CREATE TABLE parcels (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parcel_no text NOT NULL UNIQUE,
  admin_code text NOT NULL REFERENCES admin_units (code),
  land_class text NOT NULL CHECK (land_class IN (
    'farmland', 'basic_farmland', 'homestead', 'collective_construction', 'state_construction',
    'forest', 'garden', 'water', 'road', 'other')),
  owner_name text,
  owner_type text CHECK (owner_type IN ('collective', 'state', 'individual', 'enterprise')),
  recorded_area_m2 numeric(14, 2) CHECK (recorded_area_m2 > 0),
  area_m2 numeric(14, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  synthetic boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX parcels_geom_gix ON parcels USING gist (geom);
CREATE INDEX parcels_admin_idx ON parcels (admin_code text_pattern_ops);

-- 建筑 building footprints.
CREATE TABLE buildings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  admin_code text NOT NULL REFERENCES admin_units (code),
  parcel_id bigint REFERENCES parcels (id) ON DELETE SET NULL,
  floors smallint NOT NULL CHECK (floors BETWEEN 1 AND 100),
  structure text CHECK (structure IN ('brick_concrete', 'brick_wood', 'steel', 'frame', 'simple', 'other')),
  use text CHECK (use IN ('residential', 'storage', 'commercial', 'office', 'industrial', 'public', 'other')),
  self_built boolean NOT NULL DEFAULT false,
  rented boolean NOT NULL DEFAULT false,
  safety_grade char(1) CHECK (safety_grade IN ('A', 'B', 'C', 'D')),
  permit_no text, -- a planning permit: screening treats permitted buildings as legal
  built_year smallint CHECK (built_year BETWEEN 1900 AND 2100),
  footprint_area_m2 numeric(12, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  synthetic boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX buildings_geom_gix ON buildings USING gist (geom);
CREATE INDEX buildings_admin_idx ON buildings (admin_code text_pattern_ops);

-- Reference features that buffer zones (四道六边, ring-road bands) are computed from.
CREATE TABLE roads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text,
  road_code text, -- e.g. G107, S329
  road_class text NOT NULL CHECK (road_class IN ('expressway', 'national', 'provincial', 'county', 'village')),
  ring_no smallint CHECK (ring_no BETWEEN 1 AND 9), -- 6 for 六环; a ring is stored as a closed line
  synthetic boolean NOT NULL DEFAULT false,
  geom geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX roads_geom_gix ON roads USING gist (geom);

CREATE TABLE waters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text,
  kind text NOT NULL CHECK (kind IN ('river', 'stream', 'reservoir')),
  synthetic boolean NOT NULL DEFAULT false,
  geom geometry(Geometry, 4326) NOT NULL CHECK (
    GeometryType(geom) IN ('MULTILINESTRING', 'MULTIPOLYGON') AND ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX waters_geom_gix ON waters USING gist (geom);

-- 居民区 / 景区 / 企业驻地: the three area kinds of 六边.
CREATE TABLE reference_areas (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text,
  kind text NOT NULL CHECK (kind IN ('residential', 'scenic', 'enterprise')),
  synthetic boolean NOT NULL DEFAULT false,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX reference_areas_geom_gix ON reference_areas USING gist (geom);

-- Accounts. scope_code is an admin-unit code; the district's code sees everything.
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'planner', 'analyst', 'field', 'viewer')),
  scope_code text NOT NULL CHECK (scope_code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Only the SHA-256 of a session token is stored: a copy of this table opens no session.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- 卫片 batches and patches.
CREATE TABLE detection_batches (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  issuer text NOT NULL CHECK (issuer IN ('ministry', 'province', 'city', 'district')),
  before_date date NOT NULL,
  after_date date NOT NULL CHECK (after_date > before_date),
  deadline date,
  source_format text, -- geojson, shapefile, gpkg, kml, csv: results are exported back in it
  source_crs text,
  imagery jsonb NOT NULL DEFAULT '{}', -- {before: {type, url}, after: {type, url}}
  synthetic boolean NOT NULL DEFAULT false,
  imported_at timestamptz NOT NULL DEFAULT now(),
  imported_by bigint REFERENCES users (id)
);

-- 案件 / 台账 the ledger.
CREATE TABLE cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_no text NOT NULL UNIQUE, -- readable, generated per village
  admin_code text NOT NULL REFERENCES admin_units (code),
  admin_override_reason text, -- set when admin_code was chosen over the one the geometry gives
  location_text text,
  use text NOT NULL CHECK (use IN ('residential', 'storage', 'commercial', 'office', 'other')),
  ownership text CHECK (ownership IN ('collective', 'state', 'enterprise', 'government_social', 'individual')),
  building_form text,
  floors smallint CHECK (floors BETWEEN 1 AND 50),
  land_area_recorded_m2 numeric(12, 2) CHECK (land_area_recorded_m2 > 0 AND land_area_recorded_m2 <= 1000000),
  floor_area_recorded_m2 numeric(12, 2) CHECK (floor_area_recorded_m2 > 0 AND floor_area_recorded_m2 <= 10000000),
  land_area_computed_m2 numeric(12, 2) GENERATED ALWAYS AS (
    CASE WHEN GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON') THEN round(ST_Area(geom::geography)::numeric, 2) END) STORED,
  -- footprint × floors unless measured; a generated column cannot read another, so the area is recomputed here
  floor_area_computed_m2 numeric(12, 2) GENERATED ALWAYS AS (
    CASE WHEN GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')
      THEN round(ST_Area(geom::geography)::numeric * coalesce(floors, 1), 2) END) STORED,
  source text NOT NULL CHECK (source IN ('satellite', 'patrol', 'report', 'self_check', 'assigned')),
  status text NOT NULL DEFAULT 'identified' CHECK (status IN (
    'identified', 'notified', 'order_issued', 'demolished', 'confiscated', 'regularised', 'deferred',
    'accepted', 'closed')),
  disposal text CHECK (disposal IN (
    'self_demolition', 'assisted_demolition', 'enforced_demolition', 'confiscation', 'regularisation', 'deferral')),
  disposal_reason text,
  flags text[] NOT NULL DEFAULT '{}' CHECK (flags <@ ARRAY[
    'walled_compound', 'crowded_courtyard', 'wall_opening', 'rented_3plus', 'farmland', 'official_involved']::text[]),
  parties jsonb NOT NULL DEFAULT '[]', -- [{name, id_number, phone}]: personal data, shown by role only
  found_at timestamptz NOT NULL,
  reached_at timestamptz, -- first on site: the 1-hour rule
  notified_at timestamptz,
  order_issued_at timestamptz,
  deadline date,
  disposed_at timestamptz, -- demolished or otherwise disposed: the 3-day rule
  accepted_at timestamptz,
  closed_at timestamptz,
  demolished_land_area_m2 numeric(12, 2) CHECK (demolished_land_area_m2 >= 0),
  demolished_floor_area_m2 numeric(12, 2) CHECK (demolished_floor_area_m2 >= 0),
  reuse text CHECK (reuse IN ('road', 'greening', 'landscape', 'parking', 'market', 'farmland', 'other')),
  regreened_area_m2 numeric(12, 2) CHECK (regreened_area_m2 >= 0),
  reopened_from bigint REFERENCES cases (id), -- a rebound (反弹) is a new case linked to the old one
  synthetic boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by bigint REFERENCES users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(Geometry, 4326) NOT NULL CHECK (
    GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON') AND ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  CHECK (deadline IS NULL OR order_issued_at IS NOT NULL),
  CHECK (disposed_at IS NULL OR disposed_at >= found_at)
);
CREATE INDEX cases_geom_gix ON cases USING gist (geom);
CREATE INDEX cases_admin_idx ON cases (admin_code text_pattern_ops);
CREATE INDEX cases_status_idx ON cases (status);
CREATE INDEX cases_found_idx ON cases (found_at);

-- 全程留痕: every change to a case, never edited.
CREATE TABLE case_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL, -- create, edit, transition, inspect, attach, import
  from_status text,
  to_status text,
  reason text,
  before jsonb,
  after jsonb,
  client_id uuid UNIQUE -- offline edits carry one, so a replay is applied once
);
CREATE INDEX case_history_case_idx ON case_history (case_id, at);
CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

-- 回头看 re-inspections of closed sites.
CREATE TABLE case_inspections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  inspected_at timestamptz NOT NULL,
  result text NOT NULL CHECK (result IN ('clean', 'rebound')),
  note text,
  rebound_case_id bigint REFERENCES cases (id),
  inspected_by bigint REFERENCES users (id)
);
CREATE INDEX case_inspections_case_idx ON case_inspections (case_id);

-- 卫片图斑 patches.
CREATE TABLE detections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id bigint NOT NULL REFERENCES detection_batches (id),
  patch_no text NOT NULL,
  admin_code text NOT NULL REFERENCES admin_units (code),
  change_type text NOT NULL CHECK (change_type IN ('new_building', 'extension', 'land_cleared', 'other')),
  confidence numeric(4, 3) CHECK (confidence BETWEEN 0 AND 1),
  recorded_area_m2 numeric(12, 2) CHECK (recorded_area_m2 > 0),
  area_m2 numeric(12, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'assigned', 'verified')),
  result text CHECK (result IN ('violation', 'legal', 'false_change')),
  result_reason text, -- the false change's cause (shadow, vegetation …) or why no photo
  permit_ref text,
  verified_at timestamptz,
  verified_by bigint REFERENCES users (id),
  case_id bigint REFERENCES cases (id),
  screening jsonb NOT NULL DEFAULT '{}',
  source_attributes jsonb NOT NULL DEFAULT '{}', -- the row as it came in, for reporting back
  synthetic boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  UNIQUE (batch_id, patch_no),
  CHECK ((status = 'verified') = (result IS NOT NULL))
);
CREATE INDEX detections_geom_gix ON detections USING gist (geom);
CREATE INDEX detections_admin_idx ON detections (admin_code text_pattern_ops);
CREATE INDEX detections_batch_idx ON detections (batch_id);

-- 整治区域 planners' zones.
CREATE TABLE zones (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (name <> ''),
  zone_type text NOT NULL CHECK (zone_type IN ('rectification_area', 'key_village', 'violation_free', 'other')),
  admin_code text NOT NULL REFERENCES admin_units (code), -- the smallest unit containing it
  period_start date,
  period_end date CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start),
  responsible_unit text,
  targets jsonb NOT NULL DEFAULT '{}',
  area_m2 numeric(14, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  version integer NOT NULL DEFAULT 1,
  created_by bigint REFERENCES users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX zones_geom_gix ON zones USING gist (geom);
CREATE INDEX zones_admin_idx ON zones (admin_code text_pattern_ops);

CREATE TABLE zone_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  zone_id bigint NOT NULL REFERENCES zones (id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL,
  before jsonb,
  after jsonb
);
CREATE TRIGGER zone_history_append_only BEFORE UPDATE OR DELETE ON zone_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

-- 四道六边 / ring-band rules, versioned so past statistics can be reproduced.
CREATE TABLE buffer_rule_sets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  rules jsonb NOT NULL, -- {roads: {national: m, …}, sides: {river: m, …}, ring_bands: [{ring_no, width_m}]}
  active boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by bigint REFERENCES users (id)
);
CREATE UNIQUE INDEX buffer_rule_sets_one_active ON buffer_rule_sets (active) WHERE active;

CREATE TABLE buffer_zones (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_set_id bigint NOT NULL REFERENCES buffer_rule_sets (id),
  family text NOT NULL CHECK (family IN ('road', 'side', 'ring_band')),
  class text NOT NULL, -- national … village; river … enterprise; ring6
  width_m numeric(8, 2) NOT NULL CHECK (width_m > 0),
  name text NOT NULL,
  area_m2 numeric(16, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  computed_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX buffer_zones_geom_gix ON buffer_zones USING gist (geom);

-- 年度目标 per admin unit per year.
CREATE TABLE targets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  admin_code text NOT NULL REFERENCES admin_units (code),
  year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  demolished_area_m2 numeric(14, 2) CHECK (demolished_area_m2 >= 0),
  cases_closed integer CHECK (cases_closed >= 0),
  regreened_area_m2 numeric(14, 2) CHECK (regreened_area_m2 >= 0),
  milestones jsonb NOT NULL DEFAULT '[]', -- [{date: 'YYYY-MM-DD', share: 0.6}]
  version integer NOT NULL DEFAULT 1,
  UNIQUE (admin_code, year)
);

-- Work given to field teams: a village, a parcel, a case or a patch.
CREATE TABLE assignments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  assignee_id bigint NOT NULL REFERENCES users (id),
  admin_code text NOT NULL REFERENCES admin_units (code),
  parcel_id bigint REFERENCES parcels (id),
  case_id bigint REFERENCES cases (id),
  detection_id bigint REFERENCES detections (id),
  zone_id bigint REFERENCES zones (id),
  note text,
  due_at timestamptz,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  assigned_by bigint REFERENCES users (id),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(parcel_id, case_id, detection_id, zone_id) <= 1)
);
CREATE INDEX assignments_assignee_idx ON assignments (assignee_id, status);

-- Photos and documents; the bytes live in storage under storage_key.
CREATE TABLE attachments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint REFERENCES cases (id),
  detection_id bigint REFERENCES detections (id),
  kind text NOT NULL CHECK (kind IN ('photo', 'document')),
  stage text, -- which lifecycle step it proves (e.g. accepted: 场光地净)
  file_name text NOT NULL,
  mime_type text NOT NULL,
  byte_size bigint NOT NULL CHECK (byte_size > 0),
  sha256 text NOT NULL,
  storage_key text NOT NULL UNIQUE,
  taken_at timestamptz, -- EXIF
  location geometry(Point, 4326), -- EXIF GPS
  uploaded_by bigint REFERENCES users (id),
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  client_id uuid UNIQUE,
  CHECK (num_nonnulls(case_id, detection_id) >= 1)
);
CREATE INDEX attachments_case_idx ON attachments (case_id);
CREATE INDEX attachments_detection_idx ON attachments (detection_id);

ALTER TABLE cases ADD COLUMN detection_id bigint REFERENCES detections (id);

-- Facts about this database: which sample data it holds, and when it was loaded.
CREATE TABLE app_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
