-- Password guessing: consecutive failed sign-ins per account, and the time the account is locked
-- until once they reach the limit (server/src/repos/users.repo.ts authenticate).
ALTER TABLE users
  ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
  ADD COLUMN locked_until timestamptz;
