-- PostgreSQL twin of 0007_grades_in_python.sqlite.sql: the SQLite file drops three triggers this engine never
-- had; what remains is the click time the platform reports, so an older click never overrides a newer grade.
ALTER TABLE grades ADD COLUMN occurred_at TEXT;
