-- Faster leaderboards at scale.
-- 1. First grades are added to `scores` by the grade writer (one sorted executemany per batch, several times
--    cheaper than a per-row trigger); regrades still adjust the totals through grades_count_change.
-- 2. score_levels counts how many players stand at each score per team and period, so a caller's rank is a
--    sum over a few levels plus a count among equals, not a count over every player ahead.

DROP TRIGGER grades_count_new;

CREATE TABLE score_levels (
    platform  TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    period    TEXT NOT NULL,
    points    REAL NOT NULL,
    users     INTEGER NOT NULL,
    PRIMARY KEY (platform, team_id, period, points)
) WITHOUT ROWID;

INSERT INTO score_levels (platform, team_id, period, points, users)
SELECT platform, team_id, period, points, COUNT(*) FROM scores GROUP BY platform, team_id, period, points;

CREATE TRIGGER scores_level_new AFTER INSERT ON scores
BEGIN
    INSERT INTO score_levels (platform, team_id, period, points, users)
    VALUES (NEW.platform, NEW.team_id, NEW.period, NEW.points, 1)
    ON CONFLICT (platform, team_id, period, points) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER scores_level_move AFTER UPDATE OF points ON scores
WHEN NEW.points <> OLD.points
BEGIN
    UPDATE score_levels SET users = users - 1
     WHERE platform = OLD.platform AND team_id = OLD.team_id AND period = OLD.period AND points = OLD.points;
    INSERT INTO score_levels (platform, team_id, period, points, users)
    VALUES (NEW.platform, NEW.team_id, NEW.period, NEW.points, 1)
    ON CONFLICT (platform, team_id, period, points) DO UPDATE SET users = users + 1;
END;
