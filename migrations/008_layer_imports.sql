-- Reference-layer onboarding (docs/api-onboarding.md): a district loads its own admin units,
-- parcels, buildings, roads, ring roads, waters, reference areas and permits from GIS files.
-- A file is read into staging first (layer_imports + layer_import_features), checked feature by
-- feature, and a commit writes one layer in one transaction, recorded in layer_loads.

-- 规划许可 / 用地批准 as polygons: screening treats a patch on one as possibly legal.
CREATE TABLE permits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  permit_no text NOT NULL UNIQUE CHECK (permit_no <> ''),
  kind text CHECK (kind IN ('construction_planning', 'rural_planning', 'land_approval')),
  holder text,
  issued_on date,
  admin_code text NOT NULL REFERENCES admin_units (code),
  synthetic boolean NOT NULL DEFAULT false,
  area_m2 numeric(14, 2) GENERATED ALWAYS AS (round(ST_Area(geom::geography)::numeric, 2)) STORED,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX permits_geom_gix ON permits USING gist (geom);
CREATE INDEX permits_admin_idx ON permits (admin_code text_pattern_ops);
-- the tile cache learns of every write, as for the tables of migration 003
CREATE TRIGGER permits_tiles_ins AFTER INSERT ON permits REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_new_rows();
CREATE TRIGGER permits_tiles_del AFTER DELETE ON permits REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_old_rows();
CREATE TRIGGER permits_tiles_upd AFTER UPDATE ON permits REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_changed_rows();

-- The raw GB/T 21010 land-class code (DLBM) a parcel was loaded with; land_class is derived from it.
ALTER TABLE parcels ADD COLUMN land_code text;
-- Re-linking buildings to parcels and replacing a village's parcels look buildings up by parcel.
CREATE INDEX buildings_parcel_idx ON buildings (parcel_id);

CREATE TABLE layer_imports (
  id uuid PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  scope_code text NOT NULL, -- the uploader's scope: features outside it are problems
  layer text NOT NULL CHECK (layer IN ('admin_units', 'parcels', 'buildings', 'roads', 'ring_roads', 'waters', 'reference_areas', 'permits')),
  state text NOT NULL CHECK (state IN ('reading', 'needs_crs', 'staged', 'committing', 'committed', 'failed', 'cancelled')),
  phase text CHECK (phase IN ('reading', 'checking', 'writing', 'deriving')),
  progress_done integer NOT NULL DEFAULT 0,
  progress_total integer,
  file_name text NOT NULL,
  file_path text, -- the upload in the server's temp folder until commit or cancel
  byte_size bigint NOT NULL CHECK (byte_size >= 0),
  format text CHECK (format IN ('geojson', 'shapefile', 'gpkg', 'kml', 'csv')),
  layer_name text,
  crs_code text,
  crs_source text CHECK (crs_source IN ('prj', 'gpkg', 'geojson', 'kml', 'csv', 'user')),
  user_crs text,
  user_encoding text,
  encoding text,
  feature_count integer NOT NULL DEFAULT 0,
  bounds double precision[] CHECK (bounds IS NULL OR cardinality(bounds) = 4),
  fields jsonb NOT NULL DEFAULT '[]', -- [{name, samples}]
  mapping jsonb NOT NULL DEFAULT '{}', -- target key -> "FIELD" | {"value": …} | null
  warnings jsonb NOT NULL DEFAULT '[]',
  error jsonb,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_imports_user_idx ON layer_imports (user_id, created_at);

CREATE TABLE layer_import_features (
  import_id uuid NOT NULL REFERENCES layer_imports (id) ON DELETE CASCADE,
  feature_no integer NOT NULL CHECK (feature_no > 0), -- 1-based, file order
  properties jsonb NOT NULL DEFAULT '{}', -- the row as it came in
  geom geometry(Geometry, 4326), -- as read, in lon/lat; may be invalid
  problem text, -- reading, shape, validity and placement problems
  message text,
  admin_code text, -- where it lies (or, for admin units, its own code)
  attrs jsonb, -- the mapped attributes, parsed (domain/reference-layers.ts)
  attr_problem text,
  attr_field text,
  attr_message text,
  conflict boolean NOT NULL DEFAULT false, -- its key (parcel no, permit no) exists already: append would collide
  PRIMARY KEY (import_id, feature_no)
);

-- 全程留痕 for reference data: every committed load, never edited.
CREATE TABLE layer_loads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  scope_code text NOT NULL,
  layer text NOT NULL,
  file_name text NOT NULL,
  format text,
  crs_code text,
  encoding text,
  mode text NOT NULL CHECK (mode IN ('replace', 'append')),
  only_valid boolean NOT NULL DEFAULT false,
  features integer NOT NULL,
  inserted integer NOT NULL,
  updated integer NOT NULL DEFAULT 0,
  deleted integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  mapping jsonb NOT NULL DEFAULT '{}',
  derived jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX layer_loads_layer_idx ON layer_loads (layer, at DESC);
CREATE TRIGGER layer_loads_append_only BEFORE UPDATE OR DELETE ON layer_loads
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

CREATE TABLE layer_mapping_presets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  layer text NOT NULL,
  name text NOT NULL CHECK (name <> ''),
  mapping jsonb NOT NULL,
  created_by bigint REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (layer, name)
);
