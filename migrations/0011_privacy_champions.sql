-- Privacy (issue 14): a user may hide from every board; a deletion leaves only a one-way digest of the id until
-- the next visit (so the bot can say "this is a new profile"); a delete asks for confirmation first.
-- Monthly champions: a role (Discord) or user group (Slack) per schedule, moved once a month under a claim row.
-- (Numbered 0011 on main: the lead renumbers at merge.)

ALTER TABLE users ADD COLUMN board_hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN champion TEXT;

-- A pending `/privacy delete`: the confirm button carries `nonce`; one pending request per requester.
CREATE TABLE privacy_requests (
    platform      TEXT NOT NULL,
    requester_id  TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    nonce         BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (platform, requester_id)
);

-- sha256("platform:user_id") of a deleted user and when; removed when that user comes back.
CREATE TABLE erasures (
    digest     TEXT NOT NULL PRIMARY KEY,
    erased_at  TEXT NOT NULL
);

-- One row per channel and month: the claim that makes the champion move happen once, across restarts and
-- processes. `user_id` is the winner (NULL when nobody scored, or after the winner deleted their data).
CREATE TABLE champion_awards (
    platform    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    month_key   TEXT NOT NULL,
    user_id     TEXT,
    points      DOUBLE PRECISION,
    claimed_at  TEXT NOT NULL,
    PRIMARY KEY (platform, team_id, channel_id, month_key)
);
