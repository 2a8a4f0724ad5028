// Screening (筛查) of satellite-change patches against what is already known, stored on the patch
// (detections.screening) so lists filter on it:
//   * open cases it overlaps (by 1 m² or more, or a point case inside it): a possible duplicate of a known violation;
//   * closed cases (accepted or closed) it overlaps: a possible rebound (反弹);
//   * parcels by land class, with the overlap in m²: farmland (耕地) and basic farmland (基本农田) occupation;
//   * buildings with a planning permit and permit polygons (规划许可, 用地批准) it overlaps: possibly legal;
//   * buffer zones of the active rule set (四道六边, ring bands) and key villages it lies in;
//   * its own area in m² (on the ellipsoid).
// One set-based statement per call; overlap areas on the ellipsoid, overlays with a grid size
// (docs/decisions.md 10). What is stored is the Screening of server/src/schemas/detections.schema.ts.
import type { Db, Queryable } from '../db/db.ts'

/** Overlaps smaller than this (m²) are slivers of shared edges, not occupation. */
export const MIN_OVERLAP_M2 = 1

const overlap = (a: string, b: string) => `round(ST_Area(ST_Intersection(${a}, ${b}, 1e-7)::geography)::numeric, 2)`

/** $1 selects the patches: `which` is a fixed condition on d (never from a request).
 *  s is MATERIALIZED: inlined, each of its sub-queries ran once per use below (the land classes
 *  five times). Buffer zones are tested through their pieces (buffer_zone_parts, ST_Subdivide),
 *  not the whole zones of tens of thousands of vertices. */
function screeningSql(which: string): string {
  return `
  WITH s AS MATERIALIZED (
    SELECT d.id,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'caseNo', c.case_no, 'status', c.status, 'overlapM2', c.m2) ORDER BY c.id), '[]')
       FROM (SELECT c.id, c.case_no, c.status, ${overlap('c.geom', 'd.geom')} AS m2, GeometryType(c.geom) = 'POINT' AS point FROM cases c
             WHERE c.geom && d.geom AND ST_Intersects(c.geom, d.geom) AND c.status NOT IN ('accepted', 'closed')
               AND c.detection_id IS DISTINCT FROM d.id AND c.id IS DISTINCT FROM d.case_id) c
       WHERE c.m2 >= ${MIN_OVERLAP_M2} OR c.point) AS open_cases,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'caseNo', c.case_no, 'status', c.status, 'closedAt', c.closed_at, 'overlapM2', c.m2) ORDER BY c.id), '[]')
       FROM (SELECT c.id, c.case_no, c.status, to_char(coalesce(c.closed_at, c.accepted_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS closed_at,
                    ${overlap('c.geom', 'd.geom')} AS m2, GeometryType(c.geom) = 'POINT' AS point FROM cases c
             WHERE c.geom && d.geom AND ST_Intersects(c.geom, d.geom) AND c.status IN ('accepted', 'closed')
               AND c.detection_id IS DISTINCT FROM d.id AND c.id IS DISTINCT FROM d.case_id) c
       WHERE c.m2 >= ${MIN_OVERLAP_M2} OR c.point) AS closed_cases,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('landClass', l.land_class, 'overlapM2', l.m2) ORDER BY l.m2 DESC, l.land_class), '[]')
       FROM (SELECT p.land_class, sum(${overlap('p.geom', 'd.geom')}) AS m2 FROM parcels p
             WHERE p.geom && d.geom AND ST_Intersects(p.geom, d.geom) GROUP BY p.land_class) l
       WHERE l.m2 >= ${MIN_OVERLAP_M2}) AS land_classes,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', b.id, 'permitNo', b.permit_no, 'overlapM2', b.m2) ORDER BY b.id), '[]')
       FROM (SELECT b.id, b.permit_no, ${overlap('b.geom', 'd.geom')} AS m2 FROM buildings b
             WHERE b.permit_no IS NOT NULL AND b.geom && d.geom AND ST_Intersects(b.geom, d.geom)) b
       WHERE b.m2 >= ${MIN_OVERLAP_M2}) AS permitted,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'permitNo', p.permit_no, 'kind', p.kind, 'overlapM2', p.m2) ORDER BY p.id), '[]')
       FROM (SELECT p.id, p.permit_no, p.kind, ${overlap('p.geom', 'd.geom')} AS m2 FROM permits p
             WHERE p.geom && d.geom AND ST_Intersects(p.geom, d.geom)) p
       WHERE p.m2 >= ${MIN_OVERLAP_M2}) AS permits,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', z.id, 'family', z.family, 'class', z.class, 'name', z.name) ORDER BY z.family, z.class, z.id), '[]')
       FROM buffer_zones z JOIN buffer_rule_sets r ON r.id = z.rule_set_id AND r.active
       WHERE z.id IN (SELECT p.buffer_zone_id FROM buffer_zone_parts p WHERE p.geom && d.geom AND ST_Intersects(p.geom, d.geom))) AS buffer_zones,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('code', a.code, 'name', a.name) ORDER BY a.code), '[]')
       FROM admin_units a WHERE a.level = 'village' AND a.is_key_village AND a.geom && d.geom AND ST_Intersects(a.geom, d.geom)) AS key_villages,
      d.area_m2
    FROM detections d WHERE ${which}
  ), j AS (
    SELECT s.id, jsonb_build_object(
      'screenedAt', to_char(coalesce($2::timestamptz, now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'areaM2', s.area_m2,
      'openCases', s.open_cases, 'closedCases', s.closed_cases,
      'landClasses', s.land_classes,
      'farmlandM2', coalesce((SELECT sum((e->>'overlapM2')::numeric) FROM jsonb_array_elements(s.land_classes) e WHERE e->>'landClass' = 'farmland'), 0),
      'basicFarmlandM2', coalesce((SELECT sum((e->>'overlapM2')::numeric) FROM jsonb_array_elements(s.land_classes) e WHERE e->>'landClass' = 'basic_farmland'), 0),
      'permittedBuildings', s.permitted, 'permits', s.permits, 'bufferZones', s.buffer_zones, 'keyVillages', s.key_villages,
      'flags', to_jsonb(array_remove(ARRAY[
        CASE WHEN jsonb_array_length(s.open_cases) > 0 THEN 'duplicate' END,
        CASE WHEN jsonb_array_length(s.closed_cases) > 0 THEN 'rebound' END,
        CASE WHEN s.land_classes @> '[{"landClass": "farmland"}]' THEN 'farmland' END,
        CASE WHEN s.land_classes @> '[{"landClass": "basic_farmland"}]' THEN 'basic_farmland' END,
        CASE WHEN jsonb_array_length(s.permitted) > 0 OR jsonb_array_length(s.permits) > 0 THEN 'permitted' END,
        CASE WHEN jsonb_array_length(s.buffer_zones) > 0 THEN 'buffer_zone' END,
        CASE WHEN jsonb_array_length(s.key_villages) > 0 THEN 'key_village' END
      ], NULL))) AS screening
    FROM s
  )
  UPDATE detections d SET screening = j.screening FROM j WHERE d.id = j.id
  RETURNING d.id`
}

const SLICE_SQL = screeningSql('d.id = ANY($1::bigint[])')
const ONE_SQL = screeningSql('d.id = $1')

/** Patches screened per statement: each slice stays far inside the statement timeout (about
 *  0.3 s per 500 against the city sample on the real server), however large the batch. */
export const SCREENING_SLICE = 500

/**
 * Screens every patch of a batch and stores the results, a slice at a time (each slice commits on
 * its own: an interrupted run leaves the rest unscreened, with screening = {}, to be run again).
 * `at` stamps screenedAt (default now; the sample passes its fixed date, to stay deterministic).
 */
export async function screenBatch(db: Queryable | Db, batchId: number, at?: string, onProgress?: (done: number, total: number) => void): Promise<{ screened: number }> {
  const ids = (await db.query<{ id: number }>('SELECT id FROM detections WHERE batch_id = $1 ORDER BY id', [batchId])).rows.map((r) => r.id)
  let screened = 0
  for (let i = 0; i < ids.length; i += SCREENING_SLICE) {
    screened += await screenSlice(db, ids.slice(i, i + SCREENING_SLICE), at ?? null)
    onProgress?.(Math.min(i + SCREENING_SLICE, ids.length), ids.length)
  }
  return { screened }
}

/** One slice. Without JIT (app connections turn it off, decision 77): at city scale this
 *  statement's estimated cost passes the JIT thresholds and compiling took ~8 s a slice. */
async function screenSlice(db: Queryable, ids: number[], at: string | null): Promise<number> {
  return (await db.query(SLICE_SQL, [ids, at])).rowCount
}

/** Screens one patch again (e.g. after cases or parcels changed); false when there is no such patch. */
export async function screenDetection(db: Queryable, detectionId: number): Promise<boolean> {
  const r = await db.query(ONE_SQL, [detectionId, null])
  return r.rowCount > 0
}
