-- What changed where, for the tile cache: each statement that writes a published table logs the
-- extent of the rows it touched (old and new geometry). Statement-level, so a bulk load of a
-- million rows is one row here. The app drops cached tiles whose envelope meets a newer entry.
CREATE TABLE tile_invalidations (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  layer_table text NOT NULL,
  bbox geometry(Geometry, 4326) NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tile_invalidations_bbox_gix ON tile_invalidations USING gist (bbox);

CREATE FUNCTION chaiwei_log_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tile_invalidations (layer_table, bbox)
  SELECT TG_TABLE_NAME, ST_SetSRID(ST_Extent(geom)::geometry, 4326) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END
$$;

CREATE FUNCTION chaiwei_log_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tile_invalidations (layer_table, bbox)
  SELECT TG_TABLE_NAME, ST_SetSRID(ST_Extent(geom)::geometry, 4326) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END
$$;

CREATE FUNCTION chaiwei_log_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tile_invalidations (layer_table, bbox)
  SELECT TG_TABLE_NAME, ST_SetSRID(ST_Extent(geom)::geometry, 4326)
  FROM (SELECT geom FROM old_rows UNION ALL SELECT geom FROM new_rows) changed HAVING count(*) > 0;
  RETURN NULL;
END
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['admin_units', 'parcels', 'buildings', 'roads', 'waters', 'reference_areas',
                           'cases', 'detections', 'zones', 'buffer_zones'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_new_rows()', t || '_tiles_ins', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_old_rows()', t || '_tiles_del', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_log_changed_rows()', t || '_tiles_upd', t);
  END LOOP;
END
$$;

-- A representative point per building: low zooms draw buildings aggregated on a grid of these.
ALTER TABLE buildings ADD COLUMN centroid geometry(Point, 4326) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
CREATE INDEX buildings_centroid_gix ON buildings USING gist (centroid);
