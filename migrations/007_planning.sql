-- Planning and analysis (issue 6): zone and target history, immutable buffer rule sets, the
-- buffer-zone computation in PostGIS, and which buffer zones each case, patch and building lies in.

-- A deleted zone's trace outlives it: history no longer points at the row by foreign key.
ALTER TABLE zone_history DROP CONSTRAINT zone_history_zone_id_fkey;
CREATE INDEX zone_history_zone_idx ON zone_history (zone_id, at);

-- 年度目标 are editable records: append-only history like every other.
CREATE TABLE target_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  admin_code text NOT NULL REFERENCES admin_units (code),
  year smallint NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  user_id bigint REFERENCES users (id),
  action text NOT NULL,
  before jsonb,
  after jsonb
);
CREATE INDEX target_history_target_idx ON target_history (admin_code, year, at);
CREATE TRIGGER target_history_append_only BEFORE UPDATE OR DELETE ON target_history
  FOR EACH ROW EXECUTE FUNCTION chaiwei_forbid_change();

-- A rule set is a version: its rules never change and it is never deleted, so the statistics of a
-- past year can be recomputed with the widths that applied then. Only `active` may flip.
CREATE FUNCTION chaiwei_rule_set_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.rules IS DISTINCT FROM OLD.rules OR NEW.name IS DISTINCT FROM OLD.name
     OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by THEN
    RAISE EXCEPTION 'buffer rule set % is a fixed version; make a new one', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER buffer_rule_sets_frozen BEFORE UPDATE OR DELETE ON buffer_rule_sets
  FOR EACH ROW EXECUTE FUNCTION chaiwei_rule_set_frozen();

CREATE INDEX buffer_zones_rule_set_idx ON buffer_zones (rule_set_id);

-- Each zone cut into pieces of at most 256 vertices (ST_Subdivide): a village-road zone has tens
-- of thousands of vertices, and testing a point against the whole of it per case is slow; against
-- the few small pieces the index finds it is fast. The pieces do not overlap, so clipped areas
-- add up over them.
CREATE TABLE buffer_zone_parts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  buffer_zone_id bigint NOT NULL REFERENCES buffer_zones (id) ON DELETE CASCADE,
  rule_set_id bigint NOT NULL REFERENCES buffer_rule_sets (id),
  geom geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX buffer_zone_parts_geom_gix ON buffer_zone_parts USING gist (geom);
CREATE INDEX buffer_zone_parts_zone_idx ON buffer_zone_parts (buffer_zone_id);

-- A geometry computed in Gauss-Krüger metres, back in lon/lat as a valid MultiPolygon (NULL if empty).
CREATE FUNCTION chaiwei_gk_to_lonlat(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN m IS NULL OR ST_IsEmpty(m) THEN NULL ELSE m END
  FROM (SELECT ST_Multi(ST_CollectionExtract(
                 CASE WHEN ST_IsValid(t) THEN t ELSE ST_MakeValid(t) END, 3)) AS m
        FROM (SELECT ST_Transform(ST_SetSRID(g, 4548), 4326) AS t) q) r
$$;

-- Recomputes the zones of one rule set from today's roads, waters and reference areas: per class
-- the union of every feature's buffer, and per ring road the one-sided band outside it, all in
-- CGCS2000 / 3-degree Gauss-Krüger CM 117°E (EPSG:4548) metres, clipped to the district.
-- Overlays pass a 1 cm grid (decision 10). Returns the number of zones written.
CREATE FUNCTION chaiwei_compute_buffer_zones(p_rule_set bigint) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  district geometry;
  n integer;
BEGIN
  SELECT rules INTO r FROM buffer_rule_sets WHERE id = p_rule_set;
  IF r IS NULL THEN
    RAISE EXCEPTION 'no buffer rule set %', p_rule_set USING ERRCODE = 'no_data_found';
  END IF;
  DELETE FROM buffer_zones WHERE rule_set_id = p_rule_set;
  SELECT ST_Union(ST_Transform(geom, 4548), 0.01) INTO district FROM admin_units WHERE level = 'district';
  IF district IS NULL THEN
    RETURN 0;
  END IF;

  WITH widths AS (
    SELECT 'road' AS family, key AS class, value::numeric AS width_m FROM jsonb_each_text(coalesce(r -> 'roads', '{}'))
    UNION ALL
    SELECT 'side', key, value::numeric FROM jsonb_each_text(coalesce(r -> 'sides', '{}'))
  ), sources AS (
    SELECT w.family, w.class, w.width_m, ST_Transform(f.geom, 4548) AS g
    FROM widths w
    JOIN (SELECT 'road' AS family, road_class AS class, geom FROM roads
          UNION ALL SELECT 'side', kind, geom FROM waters
          UNION ALL SELECT 'side', kind, geom FROM reference_areas) f
      ON f.family = w.family AND f.class = w.class
  ), buffered AS (
    SELECT family, class, width_m,
           ST_Intersection(ST_Union(ST_Buffer(g, width_m::float8), 0.01), district, 0.01) AS g
    FROM sources GROUP BY family, class, width_m
  )
  INSERT INTO buffer_zones (rule_set_id, family, class, width_m, name, geom)
  SELECT p_rule_set, family, class, width_m,
         CASE class
           WHEN 'expressway' THEN '高速公路' WHEN 'national' THEN '国道' WHEN 'provincial' THEN '省道'
           WHEN 'county' THEN '县道' WHEN 'village' THEN '村道' WHEN 'river' THEN '河边' WHEN 'stream' THEN '溪边'
           WHEN 'reservoir' THEN '库边' WHEN 'residential' THEN '居民区周边' WHEN 'scenic' THEN '景区周边'
           WHEN 'enterprise' THEN '企业驻地周边' ELSE class END
         || CASE family WHEN 'road' THEN '两侧' ELSE '' END || trim_scale(width_m)::text || '米',
         chaiwei_gk_to_lonlat(g)
  FROM buffered WHERE chaiwei_gk_to_lonlat(g) IS NOT NULL;

  -- 六环外一公里: the area the ring encloses, grown by W, minus itself.
  WITH bands AS (
    SELECT (b ->> 'ring_no')::smallint AS ring_no, (b ->> 'width_m')::numeric AS width_m
    FROM jsonb_array_elements(coalesce(r -> 'ring_bands', '[]')) b
  ), rings AS (
    SELECT b.ring_no, b.width_m, ST_BuildArea(ST_Union(ST_Transform(rd.geom, 4548), 0.01)) AS inside
    FROM bands b JOIN roads rd ON rd.ring_no = b.ring_no GROUP BY b.ring_no, b.width_m
  ), band AS (
    SELECT ring_no, width_m,
           ST_Intersection(ST_Difference(ST_Buffer(inside, width_m::float8), inside, 0.01), district, 0.01) AS g
    FROM rings WHERE inside IS NOT NULL
  )
  INSERT INTO buffer_zones (rule_set_id, family, class, width_m, name, geom)
  SELECT p_rule_set, 'ring_band', 'ring' || ring_no, width_m,
         CASE ring_no WHEN 2 THEN '二' WHEN 3 THEN '三' WHEN 4 THEN '四' WHEN 5 THEN '五' WHEN 6 THEN '六'
           WHEN 7 THEN '七' ELSE ring_no::text END || '环外' || trim_scale(width_m)::text || '米',
         chaiwei_gk_to_lonlat(g)
  FROM band WHERE chaiwei_gk_to_lonlat(g) IS NOT NULL;

  INSERT INTO buffer_zone_parts (buffer_zone_id, rule_set_id, geom)
  SELECT id, rule_set_id, (ST_Dump(ST_Subdivide(geom, 256))).geom FROM buffer_zones WHERE rule_set_id = p_rule_set;

  SELECT count(*) INTO n FROM buffer_zones WHERE rule_set_id = p_rule_set;
  RETURN n;
END
$$;

-- When the reference geography changes, the active set's zones follow (one recompute per statement).
CREATE FUNCTION chaiwei_refresh_active_buffer_zones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM chaiwei_compute_buffer_zones(id) FROM buffer_rule_sets WHERE active;
  RETURN NULL;
END
$$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['roads', 'waters', 'reference_areas'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_refresh_active_buffer_zones()', t || '_buffer_zones', t);
  END LOOP;
END
$$;

-- Which buffer zones (of every rule set) each case, patch and building lies in: a feature is in a
-- zone when its geometry intersects it. Views, not tables, so membership is never stale after an
-- edit of either side; the GiST indexes on the features and the zone pieces serve the join.
CREATE VIEW case_buffer_zones AS
  SELECT DISTINCT c.id AS case_id, p.buffer_zone_id, p.rule_set_id
  FROM cases c JOIN buffer_zone_parts p ON ST_Intersects(p.geom, c.geom);
CREATE VIEW detection_buffer_zones AS
  SELECT DISTINCT d.id AS detection_id, p.buffer_zone_id, p.rule_set_id
  FROM detections d JOIN buffer_zone_parts p ON ST_Intersects(p.geom, d.geom);
CREATE VIEW building_buffer_zones AS
  SELECT DISTINCT b.id AS building_id, p.buffer_zone_id, p.rule_set_id
  FROM buildings b JOIN buffer_zone_parts p ON ST_Intersects(p.geom, b.geom);
