-- The transaction that logged each change to tiles. `seq` follows insertion, not commit: a long
-- transaction (a layer import's commit) logs its change early and commits late, after tiles were
-- made and cached with higher numbers, so comparing numbers missed it. A cached tile now keeps the
-- snapshot it was made under, and a change voids it while that snapshot did not see the change's
-- transaction (pg_visible_in_snapshot): exact whatever the commit order.
ALTER TABLE tile_invalidations ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX tile_invalidations_xid_idx ON tile_invalidations (xid);
