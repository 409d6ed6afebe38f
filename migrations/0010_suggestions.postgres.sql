-- Member suggestions (issue 14): the team queue, and once approved, the team's own questions (question id
-- "team-<id>", drawn only by that team). The author is (platform, user_id); hints are a JSON list of strings.
-- team_question_versions counts changes to a team's approved questions, so a process can cache them and
-- notice another process's approval with one cheap read.
CREATE TABLE suggestions (
    id BIGSERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    prompt TEXT NOT NULL,
    answer TEXT,
    hints TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
);
CREATE INDEX suggestions_by_team ON suggestions (platform, team_id, status, id);
CREATE INDEX suggestions_by_author ON suggestions (platform, user_id);
CREATE TABLE team_question_versions (
    platform TEXT NOT NULL,
    team_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, team_id)
);
