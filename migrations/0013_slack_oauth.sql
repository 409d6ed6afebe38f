-- Slack OAuth in the bot's own database (SQLite or PostgreSQL), so every replica sees every installation.
-- Keys are natural: a missing enterprise or team id is '' (primary key columns cannot be NULL on PostgreSQL).
-- `data` is the slack_sdk object's fields as JSON; the columns beside it are what lookups filter and sort on.

CREATE TABLE slack_installations (
    client_id      TEXT NOT NULL,
    enterprise_id  TEXT NOT NULL,
    team_id        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    installed_at   DOUBLE PRECISION NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id, user_id)
);
CREATE INDEX slack_installations_latest ON slack_installations (client_id, enterprise_id, team_id, installed_at);

CREATE TABLE slack_bots (
    client_id      TEXT NOT NULL,
    enterprise_id  TEXT NOT NULL,
    team_id        TEXT NOT NULL,
    installed_at   DOUBLE PRECISION NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id)
);

-- One row per install link handed out; consuming a state deletes it, so a state works once.
CREATE TABLE slack_oauth_states (
    state       TEXT NOT NULL PRIMARY KEY,
    expires_at  DOUBLE PRECISION NOT NULL
);
