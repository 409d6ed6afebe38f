-- Teams, users, posted questions (question of the day and private quiz draws) and grades.
-- Keys: a team is (platform, team_id); a user is (platform, user_id); a place is (platform, team_id, channel_id).

CREATE TABLE teams (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    name        TEXT,
    timezone    TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id)
) WITHOUT ROWID;

CREATE TABLE users (
    platform      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT,
    timezone      TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

-- One row per question shown: kind 'qotd' is a channel's question of the day, kind 'quiz' a private draw.
-- A qotd row is written (status 'pending') before the platform call and completed with the message id after,
-- so a restart can finish what a crash interrupted without posting twice.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
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

-- How often each user has been served each question in private practice (drives "no repeats until all seen").
CREATE TABLE user_seen (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    times        INTEGER NOT NULL DEFAULT 1,
    last_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, question_id)
) WITHOUT ROWID;

-- One grade per user per posted question; a second grade updates the first (see the triggers).
CREATE TABLE grades (
    post_id      INTEGER NOT NULL REFERENCES posts (id),
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    topic        TEXT NOT NULL,
    grade        TEXT NOT NULL CHECK (grade IN ('again', 'hard', 'good', 'easy')),
    points       REAL NOT NULL,
    graded_at    TEXT NOT NULL,
    regraded_at  TEXT,
    local_date   TEXT NOT NULL,
    week_key     TEXT NOT NULL,
    month_key    TEXT NOT NULL,
    PRIMARY KEY (post_id, platform, user_id)
) WITHOUT ROWID;
CREATE INDEX grades_team_topic ON grades (platform, team_id, topic, graded_at, user_id, points);
CREATE INDEX grades_user ON grades (platform, user_id, graded_at);

-- Leaderboard totals per team, period ('all', 'w:YYYY-MM-DD' week starting Monday, 'm:YYYY-MM') and user.
CREATE TABLE scores (
    platform     TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    period       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    points       REAL NOT NULL DEFAULT 0,
    grades       INTEGER NOT NULL DEFAULT 0,
    achieved_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, period, user_id)
) WITHOUT ROWID;
CREATE INDEX scores_rank ON scores (platform, team_id, period, points DESC, achieved_at, user_id);

CREATE TRIGGER grades_count_new AFTER INSERT ON grades
BEGIN
    INSERT INTO scores (platform, team_id, period, user_id, points, grades, achieved_at)
    VALUES (NEW.platform, NEW.team_id, 'all', NEW.user_id, NEW.points, 1, NEW.graded_at),
           (NEW.platform, NEW.team_id, NEW.week_key, NEW.user_id, NEW.points, 1, NEW.graded_at),
           (NEW.platform, NEW.team_id, NEW.month_key, NEW.user_id, NEW.points, 1, NEW.graded_at)
    ON CONFLICT (platform, team_id, period, user_id) DO UPDATE SET
        points = points + excluded.points,
        grades = grades + 1,
        achieved_at = CASE WHEN excluded.points > 0 THEN excluded.achieved_at ELSE scores.achieved_at END;
END;

CREATE TRIGGER grades_count_change AFTER UPDATE OF points ON grades
WHEN NEW.points <> OLD.points
BEGIN
    UPDATE scores
       SET points = points + NEW.points - OLD.points,
           achieved_at = COALESCE(NEW.regraded_at, NEW.graded_at)
     WHERE platform = NEW.platform AND team_id = NEW.team_id AND user_id = NEW.user_id
       AND period IN ('all', OLD.week_key, OLD.month_key);
END;
