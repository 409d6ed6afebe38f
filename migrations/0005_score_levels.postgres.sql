-- PostgreSQL twin of 0005_score_levels.sqlite.sql: the score-level histogram (players per score, per team and
-- period). Kept by the grade writer in Python (bot/store/grades.py), so none of SQLite's level triggers.

CREATE TABLE score_levels (
    platform  TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    period    TEXT NOT NULL,
    points    DOUBLE PRECISION NOT NULL,
    users     INTEGER NOT NULL,
    PRIMARY KEY (platform, team_id, period, points)
);

INSERT INTO score_levels (platform, team_id, period, points, users)
SELECT platform, team_id, period, points, COUNT(*) FROM scores GROUP BY platform, team_id, period, points;
