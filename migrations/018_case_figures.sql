-- Grouped statistics at city scale (issue 15): a narrow copy of each case's figures.
-- A whole-ledger table reads every case in scope. From `cases` that is 126 MB of wide rows (the
-- geometry, notes, every date) and eleven sums of numeric(12,2) per case; on the city sample
-- (200,000 cases) it took 260-360 ms at load 12, and a table by month (each case's three dated
-- facts spread and grouped) 600-950 ms. This table holds only what the statistics read: the keys,
-- each fact's Beijing date and month, and the areas as whole cents (bigint sums accumulate in
-- 128-bit integers, several times cheaper than numeric). 35 MB for the same cases; the same
-- figures to the cent. Kept right by the triggers below in the same transaction as the edit;
-- a deleted case's row goes by the foreign key.

CREATE TABLE case_figures (
  case_id bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
  admin_code text NOT NULL,
  use text NOT NULL,
  ownership text,
  source text NOT NULL,
  disposal text,
  status text NOT NULL,
  -- the three facts a case counts under (statistics.repo.ts): found; demolished (a demolishing
  -- disposal with its date); closed. Beijing dates, and months as year * 12 + month - 1.
  found_on date NOT NULL,
  found_month integer NOT NULL,
  demolished_on date,
  demolished_month integer,
  closed_on date,
  closed_month integer,
  -- areas in cents; NULL where the case has none (the sums skip them, as they skip NULL m²)
  land_cents bigint,
  land_recorded_cents bigint,
  land_computed_cents bigint,
  floor_cents bigint,
  floor_recorded_cents bigint,
  floor_computed_cents bigint,
  demolished_land_cents bigint,
  demolished_floor_cents bigint,
  regreened_cents bigint
);
CREATE INDEX case_figures_admin_code_idx ON case_figures (admin_code text_pattern_ops);

-- The one definition of a case's row. The Beijing clock is a fixed +8 hours (repos/beijing.sql.ts);
-- "a recorded area wins over a computed one" (repos/case-areas.sql.ts); the disposals that
-- demolish are domain/statistics.ts's DEMOLITION_DISPOSALS.
CREATE FUNCTION chaiwei_beijing_date(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ((t AT TIME ZONE 'UTC') + interval '8 hours')::date;
CREATE FUNCTION chaiwei_month_index(d date) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (extract(year FROM d) * 12 + extract(month FROM d) - 1)::integer;

-- A case's row, from the case.
CREATE FUNCTION chaiwei_case_figures_of(c cases) RETURNS case_figures LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT c.id, c.admin_code, c.use, c.ownership, c.source, c.disposal, c.status,
         d.found_on, chaiwei_month_index(d.found_on), d.demolished_on, chaiwei_month_index(d.demolished_on),
         d.closed_on, chaiwei_month_index(d.closed_on),
         round(coalesce(c.land_area_recorded_m2, c.land_area_computed_m2) * 100)::bigint, round(c.land_area_recorded_m2 * 100)::bigint,
         round(c.land_area_computed_m2 * 100)::bigint, round(coalesce(c.floor_area_recorded_m2, c.floor_area_computed_m2) * 100)::bigint,
         round(c.floor_area_recorded_m2 * 100)::bigint, round(c.floor_area_computed_m2 * 100)::bigint,
         round(c.demolished_land_area_m2 * 100)::bigint, round(c.demolished_floor_area_m2 * 100)::bigint, round(c.regreened_area_m2 * 100)::bigint
  FROM (SELECT chaiwei_beijing_date(c.found_at) AS found_on,
               CASE WHEN c.disposal IN ('self_demolition', 'assisted_demolition', 'enforced_demolition')
                    THEN chaiwei_beijing_date(c.disposed_at) END AS demolished_on,
               chaiwei_beijing_date(c.closed_at) AS closed_on) d;
END;

CREATE FUNCTION chaiwei_case_figures_upsert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_figures AS f
  SELECT r.* FROM changed_cases n, LATERAL chaiwei_case_figures_of(n) r
  ON CONFLICT (case_id) DO UPDATE SET
    admin_code = EXCLUDED.admin_code, use = EXCLUDED.use, ownership = EXCLUDED.ownership, source = EXCLUDED.source,
    disposal = EXCLUDED.disposal, status = EXCLUDED.status, found_on = EXCLUDED.found_on, found_month = EXCLUDED.found_month,
    demolished_on = EXCLUDED.demolished_on, demolished_month = EXCLUDED.demolished_month, closed_on = EXCLUDED.closed_on,
    closed_month = EXCLUDED.closed_month, land_cents = EXCLUDED.land_cents, land_recorded_cents = EXCLUDED.land_recorded_cents,
    land_computed_cents = EXCLUDED.land_computed_cents, floor_cents = EXCLUDED.floor_cents,
    floor_recorded_cents = EXCLUDED.floor_recorded_cents, floor_computed_cents = EXCLUDED.floor_computed_cents,
    demolished_land_cents = EXCLUDED.demolished_land_cents, demolished_floor_cents = EXCLUDED.demolished_floor_cents,
    regreened_cents = EXCLUDED.regreened_cents
  -- most updates of a case (a note, an inspection) change none of these: leave its row alone
  WHERE f IS DISTINCT FROM EXCLUDED;
  RETURN NULL;
END
$$;
-- One statement may insert or update thousands of cases (imports, the sample): one pass each.
CREATE TRIGGER cases_figures_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS changed_cases
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_case_figures_upsert();
CREATE TRIGGER cases_figures_update AFTER UPDATE ON cases REFERENCING NEW TABLE AS changed_cases
  FOR EACH STATEMENT EXECUTE FUNCTION chaiwei_case_figures_upsert();

-- The rows for the cases there today.
INSERT INTO case_figures SELECT r.* FROM cases c, LATERAL chaiwei_case_figures_of(c) r;
