-- Streaks (consecutive local days practised), spaced-repetition cards, reminders.

ALTER TABLE users ADD COLUMN remind_hours INTEGER;
ALTER TABLE users ADD COLUMN reminded_on TEXT;
ALTER TABLE users ADD COLUMN pending_notice TEXT;

CREATE TABLE practice_days (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, user_id, local_date)
) WITHOUT ROWID;

-- Current state, advanced by the pure streak arithmetic in bot/practice/streaks.py as practice days arrive.
CREATE TABLE streaks (
    platform      TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    current       INTEGER NOT NULL DEFAULT 0,
    best          INTEGER NOT NULL DEFAULT 0,
    freezes       INTEGER NOT NULL DEFAULT 0,
    freezes_used  INTEGER NOT NULL DEFAULT 0,
    last_date     TEXT,
    PRIMARY KEY (platform, team_id, user_id)
) WITHOUT ROWID;

CREATE TABLE review_cards (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    card         TEXT NOT NULL,
    due          TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, question_id)
) WITHOUT ROWID;
CREATE INDEX review_cards_due ON review_cards (platform, user_id, due);

-- Grades also mark the local day as practised.
CREATE TRIGGER grades_mark_day AFTER INSERT ON grades
BEGIN
    INSERT OR IGNORE INTO practice_days (platform, team_id, user_id, local_date)
    VALUES (NEW.platform, NEW.team_id, NEW.user_id, NEW.local_date);
END;
