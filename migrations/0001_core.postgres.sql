-- PostgreSQL twin of 0001_core.sqlite.sql: the same tables, keys and indexes. Differences: BIGSERIAL post ids,
-- DOUBLE PRECISION points, no WITHOUT ROWID, and none of SQLite's leaderboard triggers (0005 and 0007 moved
-- that bookkeeping into Python, bot/store/grades.py; a fresh PostgreSQL database never needed them).

CREATE TABLE teams (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    name        TEXT,
    timezone    TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id)
);

CREATE TABLE users (
    platform      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT,
    timezone      TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

CREATE TABLE posts (
    id           BIGSERIAL PRIMARY KEY,
    platform     TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('qotd', 'quiz')),
    user_id      TEXT,
    question_id  TEXT NOT NULL,
    local_date   TEXT,
    cycle        INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'posted', 'failed', 'skipped')),
    message_id   TEXT,
    thread_id    TEXT,
    created_at   TEXT NOT NULL,
    posted_at    TEXT,
    reveal_at    TEXT,
    revealed_at  TEXT
);
CREATE UNIQUE INDEX posts_qotd_once ON posts (platform, team_id, channel_id, local_date) WHERE kind = 'qotd';
CREATE INDEX posts_channel_history ON posts (platform, team_id, channel_id, kind, cycle, question_id);
CREATE INDEX posts_reveal_due ON posts (reveal_at) WHERE kind = 'qotd' AND revealed_at IS NULL;
CREATE INDEX posts_message ON posts (platform, message_id);

CREATE TABLE user_seen (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    times        INTEGER NOT NULL DEFAULT 1,
    last_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, question_id)
);

CREATE TABLE grades (
    post_id      BIGINT NOT NULL REFERENCES posts (id),
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    topic        TEXT NOT NULL,
    grade        TEXT NOT NULL CHECK (grade IN ('again', 'hard', 'good', 'easy')),
    points       DOUBLE PRECISION NOT NULL,
    graded_at    TEXT NOT NULL,
    regraded_at  TEXT,
    local_date   TEXT NOT NULL,
    week_key     TEXT NOT NULL,
    month_key    TEXT NOT NULL,
    PRIMARY KEY (post_id, platform, user_id)
);
CREATE INDEX grades_team_topic ON grades (platform, team_id, topic, graded_at, user_id, points);
CREATE INDEX grades_user ON grades (platform, user_id, graded_at);

CREATE TABLE scores (
    platform     TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    period       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    points       DOUBLE PRECISION NOT NULL DEFAULT 0,
    grades       INTEGER NOT NULL DEFAULT 0,
    achieved_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, period, user_id)
);
CREATE INDEX scores_rank ON scores (platform, team_id, period, points DESC, achieved_at, user_id);
