-- Leaderboard bookkeeping in one place: the grading rules (bot/practice/grading.py) decide a first grade's
-- points and a regrade's difference, and the store (bot/store/store.py, _write_scores) folds them into the
-- totals and the score-level histogram in the grade's transaction. No trigger keeps any of it any more.
-- `occurred_at` is when the platform says the click happened, so an older click never overrides a newer grade.
DROP TRIGGER grades_count_change;
DROP TRIGGER scores_level_new;
DROP TRIGGER scores_level_move;
ALTER TABLE grades ADD COLUMN occurred_at TEXT;
