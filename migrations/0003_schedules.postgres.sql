-- PostgreSQL twin of 0003_schedules.sqlite.sql (identical but for WITHOUT ROWID).

CREATE TABLE schedules (
    platform        TEXT NOT NULL,
    team_id         TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    local_time      TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    weekdays        TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
    topics          TEXT NOT NULL DEFAULT '',
    difficulty      TEXT NOT NULL DEFAULT '',
    reveal_minutes  INTEGER NOT NULL DEFAULT 720,
    use_thread      INTEGER NOT NULL DEFAULT 1,
    mention         TEXT,
    paused          INTEGER NOT NULL DEFAULT 0,
    paused_reason   TEXT,
    weekly_board    INTEGER NOT NULL DEFAULT 0,
    cycle           INTEGER NOT NULL DEFAULT 0,
    next_run_utc    TEXT,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, channel_id)
);
CREATE INDEX schedules_due ON schedules (next_run_utc) WHERE paused = 0;

CREATE TABLE team_admins (
    platform  TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, user_id)
);

-- Platform event ids already handled, so a redelivered event has no second effect.
CREATE TABLE processed_events (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
);

CREATE TABLE weekly_posts (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    week_key    TEXT NOT NULL,
    posted_at   TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, channel_id, week_key)
);
