-- Bulk writes into the gridded tables (a 100,000-patch import's commit, a 200,000-row ledger import)
-- spent up to a quarter of their time in the grid triggers of migration 014 (bench/README.md, issue 15).
-- Three causes, measured with EXPLAIN (ANALYZE) on the city sample:
-- - the changed rows' point was computed three times per row (the source subquery was flattened
--   into the filter and both coordinates): `OFFSET 0` keeps it a subquery, computed once;
-- - cells were found with numeric arithmetic: float8 gives the same cells, exactly (|x| <= 1.8e9,
--   so x * 131072 < 2^53 is an exact float8, and the floor of a correctly rounded quotient of two
--   exact integers is the floor of the true quotient);
-- - its hash aggregates spilled to disk at the default work_mem (4 MB; 100,000 patches need ~130 MB).
-- The app's connections run without JIT (decisions.md 77), but rows written by anything else (psql,
-- a script of the office's DBA) fired the trigger with JIT on: PostGIS's high function costs made
-- PostgreSQL compile the statement, 0.3-0.45 s per call. The function now turns it off itself.
-- The same rows give the same cells as before: nothing stored needs rebuilding.
CREATE OR REPLACE FUNCTION chaiwei_grid_apply_sql(layer_table text, source text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($f$
    WITH pts AS (
      SELECT s, admin_code, grp, narrow, coalesce(area, 0) AS area,
             round(ST_X(pt) * 1e7)::bigint AS x, round(ST_Y(pt) * 1e7)::bigint AS y
      FROM (%2$s OFFSET 0) src WHERE pt IS NOT NULL
    ), fine AS (
      SELECT floor((x * 131072)::float8 / 3600000000)::int AS cx, floor((y * 131072)::float8 / 3600000000)::int AS cy,
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
ALTER FUNCTION chaiwei_grid_track() SET jit = off;
ALTER FUNCTION chaiwei_grid_track() SET work_mem = '128MB';

-- detections (batch_id) is the leading column of two other indexes (batch_id, patch_no) and
-- (batch_id, status): this one only cost every insert one more btree to write.
DROP INDEX detections_batch_idx;

-- Staging a patch file ends with one UPDATE of every staged row (placement and the mapped
-- attributes, repos/detection-imports.repo.ts placeFeatures). On full pages each new row version
-- went to another page with a new primary-key entry; with room left on the page the update stays
-- on it (a HOT update, no index entry): 2.5 s instead of 3.2 s for 100,000 patches.
ALTER TABLE detection_import_features SET (fillfactor = 45);
