-- Progress (issue 13): a user's goal date, a channel's question-of-the-day topic mode, and who revealed or
-- skipped which posted question (for /qotd stats: participation and most-skipped questions).

CREATE TABLE user_goals (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    goal_date  TEXT NOT NULL,
    set_at     TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

-- mode 'weakest': the daily question comes from the team's weakest topic by readiness.
CREATE TABLE qotd_topic_modes (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    mode        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, channel_id)
);

-- One row per (post, user, action): action 'reveal' (a private reveal) or 'skip' (a skipped draw).
CREATE TABLE post_actions (
    post_id   BIGINT NOT NULL,
    platform  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    action    TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    acted_at  TEXT NOT NULL,
    PRIMARY KEY (post_id, platform, user_id, action)
);
CREATE INDEX post_actions_team ON post_actions (platform, team_id, action, acted_at);
