-- Staging for satellite-change patch imports (卫片图斑): a file is read into these tables first,
-- checked feature by feature, and only a commit copies it into detections (all-or-nothing or
-- valid features only). Staging belongs to the uploader and is deleted on commit or discard.

CREATE TABLE detection_imports (
  id uuid PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  scope_code text NOT NULL, -- the uploader's scope when staged: patches outside it are refused
  state text NOT NULL CHECK (state IN ('reading', 'staged', 'needs_crs', 'failed', 'committed')),
  file_name text NOT NULL,
  file_path text, -- the upload in the server's temp folder until commit or discard
  byte_size bigint NOT NULL CHECK (byte_size >= 0),
  format text CHECK (format IN ('geojson', 'shapefile', 'gpkg', 'kml', 'csv')),
  layer text,
  crs_code text, -- EPSG:nnnn or GCJ-02
  crs_source text CHECK (crs_source IN ('prj', 'gpkg', 'geojson', 'kml', 'csv', 'user')),
  user_crs text, -- what the user asked for (overrides the file)
  user_encoding text,
  encoding text,
  feature_count integer NOT NULL DEFAULT 0,
  progress_done integer NOT NULL DEFAULT 0,
  progress_total integer,
  bounds double precision[] CHECK (bounds IS NULL OR cardinality(bounds) = 4),
  fields jsonb NOT NULL DEFAULT '[]',
  mapping jsonb NOT NULL DEFAULT '{}',
  repair boolean NOT NULL DEFAULT false,
  warnings jsonb NOT NULL DEFAULT '[]',
  error jsonb,
  batch_id bigint REFERENCES detection_batches (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX detection_imports_user_idx ON detection_imports (user_id, created_at);

CREATE TABLE detection_import_features (
  import_id uuid NOT NULL REFERENCES detection_imports (id) ON DELETE CASCADE,
  feature_no integer NOT NULL CHECK (feature_no > 0), -- 1-based, file order
  properties jsonb NOT NULL DEFAULT '{}', -- the row as it came in
  geom geometry(Geometry, 4326), -- as read, in lon/lat; may be invalid
  repaired geometry(Geometry, 4326), -- ST_MakeValid of an invalid geom (polygons only)
  area_change_m2 double precision, -- repaired minus original, on the ellipsoid
  geom_problem text, -- reading, shape, place and validity problems
  geom_message text,
  repairable boolean NOT NULL DEFAULT false,
  admin_code text,
  patch_no text,
  change_type text,
  recorded_area_m2 numeric(12, 2),
  confidence numeric(4, 3),
  attr_problem text, -- problems of the mapped attributes
  attr_message text,
  PRIMARY KEY (import_id, feature_no)
);

-- What the batch's import was: file, CRS, counts, and whether only valid features were kept.
ALTER TABLE detection_batches ADD COLUMN import jsonb;
