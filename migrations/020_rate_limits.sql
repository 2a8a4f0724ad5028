-- Rate-limit counters (@fastify/rate-limit: sign-in, CAPTCHA, public reports, Open311). They were
-- kept in each process's memory, so with several app processes (CHAIWEI_WORKERS, or machines behind
-- one address; docs/scaling.md) an address got up to N × the limit. Now every process counts here
-- (server/src/http/rate-limit-store.ts, repos/rate-limits.repo.ts): one row per limited route and
-- address, its hits in the current window and when that window ends. A hit is one upsert that
-- restarts a window that has passed and otherwise adds one. Rows whose window passed are deleted
-- every few minutes.
CREATE TABLE rate_limit_hits (
  bucket text NOT NULL, -- the limited route: method and URL pattern ('POST /api/auth/login')
  client text NOT NULL, -- who is counted: the address (an IPv6 address by its /64)
  hits integer NOT NULL CHECK (hits > 0),
  resets_at timestamptz NOT NULL,
  PRIMARY KEY (bucket, client)
);
CREATE INDEX rate_limit_hits_resets_at_idx ON rate_limit_hits (resets_at);
