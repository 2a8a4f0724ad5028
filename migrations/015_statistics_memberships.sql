-- Statistics at city scale (issue 15): which zones and buffer zones each case lies in, stored.
-- Grouping the ledger by zone or buffer zone (and filtering by one) tested every case against the
-- zones' geometry on every request: on the city sample (200,000 cases) that alone took seconds.
-- These tables hold the answer, kept right by the triggers below inside the same transaction as
-- the edit: a case moved, located or placed back at its village; a zone drawn, redrawn or deleted;
-- a rule set's zones (re)computed. Same rule as before: a case is in a zone when its geometry
-- intersects it, and a case still placed at its village (待定位, migration 009) is in none.

CREATE TABLE case_zone_members (
  zone_id bigint NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
  case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  PRIMARY KEY (zone_id, case_id)
);
CREATE INDEX case_zone_members_case_idx ON case_zone_members (case_id);

-- Every rule set's zones (past statistics use past widths), one row per case and zone however
-- many of the zone's pieces the case touches.
CREATE TABLE case_buffer_zone_members (
  buffer_zone_id bigint NOT NULL REFERENCES buffer_zones (id) ON DELETE CASCADE,
  case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  rule_set_id bigint NOT NULL,
  PRIMARY KEY (buffer_zone_id, case_id)
);
CREATE INDEX case_buffer_zone_members_case_idx ON case_buffer_zone_members (case_id, rule_set_id);
CREATE INDEX case_buffer_zone_members_rule_set_idx ON case_buffer_zone_members (rule_set_id);

-- New cases (one statement may insert thousands: imports, the sample): one spatial join each.
CREATE FUNCTION chaiwei_case_members_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_zone_members (zone_id, case_id)
  SELECT z.id, c.id FROM new_cases c JOIN zones z ON ST_Intersects(z.geom, c.geom)
  WHERE NOT c.location_pending;
  INSERT INTO case_buffer_zone_members (buffer_zone_id, case_id, rule_set_id)
  SELECT DISTINCT p.buffer_zone_id, c.id, p.rule_set_id FROM new_cases c JOIN buffer_zone_parts p ON ST_Intersects(p.geom, c.geom)
  WHERE NOT c.location_pending;
  RETURN NULL;
END
$$;
CREATE TRIGGER cases_members_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_cases
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_case_members_insert();

-- A case moved, located, or put back at its village: its memberships again.
CREATE FUNCTION chaiwei_case_members_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM case_zone_members WHERE case_id = NEW.id;
  DELETE FROM case_buffer_zone_members WHERE case_id = NEW.id;
  IF NOT NEW.location_pending THEN
    INSERT INTO case_zone_members (zone_id, case_id)
    SELECT z.id, NEW.id FROM zones z WHERE ST_Intersects(z.geom, NEW.geom);
    INSERT INTO case_buffer_zone_members (buffer_zone_id, case_id, rule_set_id)
    SELECT DISTINCT p.buffer_zone_id, NEW.id, p.rule_set_id FROM buffer_zone_parts p WHERE ST_Intersects(p.geom, NEW.geom);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER cases_members_update AFTER UPDATE OF geom, location_pending ON cases
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.location_pending IS DISTINCT FROM NEW.location_pending)
  EXECUTE FUNCTION chaiwei_case_members_update();

-- A zone drawn or redrawn: the cases it holds now (a deleted zone's rows go by the foreign key).
CREATE FUNCTION chaiwei_zone_members_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_zone_members (zone_id, case_id)
  SELECT z.id, c.id FROM new_zones z JOIN cases c ON ST_Intersects(z.geom, c.geom)
  WHERE NOT c.location_pending;
  RETURN NULL;
END
$$;
CREATE TRIGGER zones_members_insert AFTER INSERT ON zones REFERENCING NEW TABLE AS new_zones
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_zone_members_insert();

CREATE FUNCTION chaiwei_zone_members_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM case_zone_members WHERE zone_id = NEW.id;
  INSERT INTO case_zone_members (zone_id, case_id)
  SELECT NEW.id, c.id FROM cases c WHERE ST_Intersects(NEW.geom, c.geom) AND NOT c.location_pending;
  RETURN NULL;
END
$$;
CREATE TRIGGER zones_members_update AFTER UPDATE OF geom ON zones
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION chaiwei_zone_members_update();

-- A rule set's zones are written as pieces (chaiwei_compute_buffer_zones deletes the old zones,
-- whose rows go by the foreign key, and inserts new ones): the cases each new piece touches.
-- Pieces are only ever removed with their zone; should one be deleted or changed alone, its zone
-- is recounted.
CREATE FUNCTION chaiwei_buffer_part_members_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_buffer_zone_members (buffer_zone_id, case_id, rule_set_id)
  SELECT DISTINCT p.buffer_zone_id, c.id, p.rule_set_id FROM new_parts p JOIN cases c ON ST_Intersects(p.geom, c.geom)
  WHERE NOT c.location_pending
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER buffer_zone_parts_members_insert AFTER INSERT ON buffer_zone_parts REFERENCING NEW TABLE AS new_parts
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_buffer_part_members_insert();

CREATE FUNCTION chaiwei_buffer_part_members_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM case_buffer_zone_members m USING (SELECT DISTINCT buffer_zone_id FROM old_parts) o
  WHERE m.buffer_zone_id = o.buffer_zone_id;
  INSERT INTO case_buffer_zone_members (buffer_zone_id, case_id, rule_set_id)
  SELECT DISTINCT p.buffer_zone_id, c.id, p.rule_set_id
  FROM buffer_zone_parts p JOIN cases c ON ST_Intersects(p.geom, c.geom)
  WHERE p.buffer_zone_id IN (SELECT buffer_zone_id FROM old_parts) AND NOT c.location_pending
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER buffer_zone_parts_members_delete AFTER DELETE ON buffer_zone_parts REFERENCING OLD TABLE AS old_parts
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_buffer_part_members_change();
CREATE TRIGGER buffer_zone_parts_members_update AFTER UPDATE ON buffer_zone_parts REFERENCING OLD TABLE AS old_parts
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_buffer_part_members_change();

-- The rows for what is there today.
INSERT INTO case_zone_members (zone_id, case_id)
SELECT z.id, c.id FROM zones z JOIN cases c ON ST_Intersects(z.geom, c.geom) WHERE NOT c.location_pending;
INSERT INTO case_buffer_zone_members (buffer_zone_id, case_id, rule_set_id)
SELECT DISTINCT p.buffer_zone_id, c.id, p.rule_set_id FROM buffer_zone_parts p JOIN cases c ON ST_Intersects(p.geom, c.geom)
WHERE NOT c.location_pending;

-- Any-area statistics add up the area of every parcel and building wholly inside a drawing:
-- ST_Area(geom::geography) on the ellipsoid cost 8 µs a feature, a quarter of a second for the
-- 28,000 buildings of a 25 km² drawing in the city sample. Stored once, unrounded (the stored
-- *_area_m2 are rounded to the cent, and the clipped sum is rounded once, at the end).
ALTER TABLE buildings ADD COLUMN footprint_area_exact_m2 float8 GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED;
ALTER TABLE parcels ADD COLUMN area_exact_m2 float8 GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED;
