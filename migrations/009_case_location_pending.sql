-- 待定位: a case carried over from a ledger that names only its town, village and address is
-- placed at a point on its village (ST_PointOnSurface of the village polygon) until a field team
-- locates it. Such cases count in figures by admin unit, use or status (they have admin_code), but
-- are not drawn on the map nor counted in drawn-area, zone or buffer-zone figures (those are spatial).
-- Setting the case's geometry (PATCH /api/cases/{id} with If-Match) clears the flag.
ALTER TABLE cases ADD COLUMN location_pending boolean NOT NULL DEFAULT false;
CREATE INDEX cases_location_pending_idx ON cases (admin_code text_pattern_ops) WHERE location_pending;
-- A pending case's point is a placeholder, not its site: it lies in no buffer zone.
CREATE OR REPLACE VIEW case_buffer_zones AS
  SELECT DISTINCT c.id AS case_id, p.buffer_zone_id, p.rule_set_id
  FROM cases c JOIN buffer_zone_parts p ON ST_Intersects(p.geom, c.geom)
  WHERE NOT c.location_pending;
