-- PostgreSQL twin of 0002_streaks_review.sqlite.sql (the trigger is a PL/pgSQL function).

ALTER TABLE users ADD COLUMN remind_hours INTEGER;
ALTER TABLE users ADD COLUMN reminded_on TEXT;
ALTER TABLE users ADD COLUMN pending_notice TEXT;

CREATE TABLE practice_days (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, user_id, local_date)
);

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
);

CREATE TABLE review_cards (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    card         TEXT NOT NULL,
    due          TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, question_id)
);
CREATE INDEX review_cards_due ON review_cards (platform, user_id, due);

-- Grades also mark the local day as practised (a new grade row only: a regrade is an UPDATE).
CREATE FUNCTION grades_mark_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO practice_days (platform, team_id, user_id, local_date)
    VALUES (NEW.platform, NEW.team_id, NEW.user_id, NEW.local_date)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER grades_mark_day AFTER INSERT ON grades FOR EACH ROW EXECUTE FUNCTION grades_mark_day();
