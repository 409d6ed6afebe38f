-- The timezone a platform reports for a user (Slack profiles carry one), so reminders count the same local day
-- as streaks do; and a lease on delivering a question of the day, so two processes on one database never both
-- post a pending one (the owner retries its own at once; another process only after the lease runs out).

ALTER TABLE users ADD COLUMN platform_timezone TEXT;
ALTER TABLE posts ADD COLUMN attempt_by TEXT;
ALTER TABLE posts ADD COLUMN attempt_at TEXT;
