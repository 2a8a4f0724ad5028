-- The 四道六边 and ring-road buffer zones, computed in the database (migration 007 made the tables
-- and the triggers that call these). A function file: edit it in place; the migration runner
-- applies it again whenever its text changes (server/src/db/migrate.ts). Only CREATE OR REPLACE.

-- A geometry computed in Gauss-Krüger metres, back in lon/lat as a valid MultiPolygon (NULL if empty).
CREATE OR REPLACE FUNCTION chaiwei_gk_to_lonlat(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN m IS NULL OR ST_IsEmpty(m) THEN NULL ELSE m END
  FROM (SELECT ST_Multi(ST_CollectionExtract(
                 CASE WHEN ST_IsValid(t) THEN t ELSE ST_MakeValid(t) END, 3)) AS m
        FROM (SELECT ST_Transform(ST_SetSRID(g, 4548), 4326) AS t) q) r
$$;

-- Recomputes the zones of one rule set from today's roads, waters and reference areas: per class
-- the union of every feature's buffer, and per ring road the one-sided band outside it, all in
-- CGCS2000 / 3-degree Gauss-Krüger CM 117°E (EPSG:4548) metres, clipped to the district.
-- Overlays pass a 1 cm grid (decision 10). Returns the number of zones written.
CREATE OR REPLACE FUNCTION chaiwei_compute_buffer_zones(p_rule_set bigint) RETURNS integer LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION chaiwei_refresh_active_buffer_zones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM chaiwei_compute_buffer_zones(id) FROM buffer_rule_sets WHERE active;
  RETURN NULL;
END
$$;
