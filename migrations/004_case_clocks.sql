-- 新生违建: a violation built after the campaign began. Only these run on the 1-hour / 3-day
-- clocks (reach within an hour, remove within three days); the backlog runs on order deadlines.
ALTER TABLE cases ADD COLUMN new_construction boolean NOT NULL DEFAULT false;
CREATE INDEX cases_open_deadline_idx ON cases (deadline) WHERE status = 'order_issued';
