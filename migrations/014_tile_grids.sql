-- Pre-aggregated grids for the low zooms of the dense layers (buildings, cases, patches): a tile
-- below the layer's detail zoom shows grid cells (count, summed area, mean position) instead of
-- features. Aggregating a million buildings per request took 1.3 s for a whole-district tile;
-- these rows are kept current by statement-level triggers, so a tile reads a few hundred cells.
--
-- A cell of zoom z is 1/32 of a z tile's width in degrees (360 / 2^(z+5)); the cells of zoom z
-- nest exactly in those of z-1, so the triggers aggregate changed rows into zoom-12 cells once and
-- roll those up. One row per cell, village, group value (case status, patch outcome) and narrowing
-- value (patch batch): tiles of a town's user sum the cells of its villages.
-- Positions are summed as integers of 1e-7 degree (about 1 cm) and areas as numeric, so sums stay
-- exact under any number of additions and removals, on both backends alike.
CREATE TABLE tile_grid_cells (
  layer_table text NOT NULL,
  z smallint NOT NULL,
  cx integer NOT NULL,
  cy integer NOT NULL,
  admin_code text NOT NULL,
  grp text NOT NULL,
  narrow bigint NOT NULL,
  n bigint NOT NULL,
  area numeric NOT NULL,
  sx bigint NOT NULL,
  sy bigint NOT NULL,
  PRIMARY KEY (layer_table, z, cx, cy, admin_code, grp, narrow)
);
-- Emptied cells are removed after each change: this finds them without a scan.
CREATE INDEX tile_grid_cells_empty_idx ON tile_grid_cells (layer_table) WHERE n = 0;

-- The changed rows of `rel` as (s, pt, area, grp, narrow, admin_code), s = +1 or -1. The expressions
-- are the layer's (server/src/sources/layers.ts `aggregate`, checked by tests/unit/tile-grids.test.ts).
CREATE FUNCTION chaiwei_grid_rows(rel text, sign int, pt text, area text, grp text, narrow text, published text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT %s AS s, %s AS pt, (%s)::numeric AS area, coalesce((%s)::text, '''') AS grp, coalesce((%s)::bigint, 0) AS narrow, admin_code FROM %s WHERE %s',
                sign, pt, area, grp, narrow, rel, published)
$$;

-- Adds the rows that `source` (SQL from chaiwei_grid_rows) yields to the cells of every zoom.
CREATE FUNCTION chaiwei_grid_apply_sql(layer_table text, source text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($f$
    WITH pts AS (
      SELECT s, admin_code, grp, narrow, coalesce(area, 0) AS area,
             round(ST_X(pt) * 1e7)::bigint AS x, round(ST_Y(pt) * 1e7)::bigint AS y
      FROM (%2$s) src WHERE pt IS NOT NULL
    ), fine AS (
      SELECT floor(x::numeric * 131072 / 3600000000)::int AS cx, floor(y::numeric * 131072 / 3600000000)::int AS cy,
             admin_code, grp, narrow, sum(s) AS n, sum(s * area) AS area, sum(s * x) AS sx, sum(s * y) AS sy
      FROM pts GROUP BY 1, 2, 3, 4, 5
    ), levels AS (
      SELECT z, cx >> (12 - z) AS cx, cy >> (12 - z) AS cy, admin_code, grp, narrow,
             sum(n) AS n, sum(area) AS area, sum(sx) AS sx, sum(sy) AS sy
      FROM fine, generate_series(0, 12) AS z GROUP BY 1, 2, 3, 4, 5, 6
    )
    INSERT INTO tile_grid_cells AS g (layer_table, z, cx, cy, admin_code, grp, narrow, n, area, sx, sy)
    SELECT %1$L, z, cx, cy, admin_code, grp, narrow, n, area, sx, sy FROM levels
    WHERE n <> 0 OR area <> 0 OR sx <> 0 OR sy <> 0
    ON CONFLICT (layer_table, z, cx, cy, admin_code, grp, narrow) DO UPDATE
      SET n = g.n + EXCLUDED.n, area = g.area + EXCLUDED.area, sx = g.sx + EXCLUDED.sx, sy = g.sy + EXCLUDED.sy
  $f$, layer_table, source)
$$;

-- The trigger: TG_ARGV = point, area, group, narrowing value, publication condition (SQL of the layer).
CREATE FUNCTION chaiwei_grid_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  source text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    source := chaiwei_grid_rows('new_rows', 1, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], TG_ARGV[4]);
  ELSIF TG_OP = 'DELETE' THEN
    source := chaiwei_grid_rows('old_rows', -1, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], TG_ARGV[4]);
  ELSE
    source := chaiwei_grid_rows('old_rows', -1, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], TG_ARGV[4])
              || ' UNION ALL ' ||
              chaiwei_grid_rows('new_rows', 1, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], TG_ARGV[4]);
  END IF;
  EXECUTE chaiwei_grid_apply_sql(TG_TABLE_NAME, source);
  DELETE FROM tile_grid_cells WHERE layer_table = TG_TABLE_NAME AND n = 0;
  RETURN NULL;
END
$$;

-- One set of triggers per gridded layer, and the cells of the rows already there.
CREATE FUNCTION chaiwei_grid_install(tbl text, pt text, area text, grp text, narrow text, published text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  args text := format('%L, %L, %L, %L, %L', pt, area, grp, narrow, published);
BEGIN
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_grid_track(%s)', tbl || '_grid_ins', tbl, args);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_grid_track(%s)', tbl || '_grid_del', tbl, args);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_grid_track(%s)', tbl || '_grid_upd', tbl, args);
  EXECUTE chaiwei_grid_apply_sql(tbl, chaiwei_grid_rows(tbl, 1, pt, area, grp, narrow, published));
END
$$;

SELECT chaiwei_grid_install('buildings', 'centroid', 'footprint_area_m2', '''''', '0', 'true');
SELECT chaiwei_grid_install('cases', 'ST_PointOnSurface(geom)', 'coalesce(land_area_recorded_m2, land_area_computed_m2)', 'status', '0', 'NOT location_pending');
SELECT chaiwei_grid_install('detections', 'ST_PointOnSurface(geom)', 'area_m2', 'outcome', 'batch_id', 'true');
