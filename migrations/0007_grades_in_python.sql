-- Leaderboard totals in one place: the grading rules (bot/practice/grading.py) decide both a first grade's
-- points and a regrade's difference, and the store applies both; the regrade trigger goes.
-- `occurred_at` is when the platform says the click happened, so an older click never overrides a newer grade.
DROP TRIGGER grades_count_change;
ALTER TABLE grades ADD COLUMN occurred_at TEXT;
