-- Small facts the whole bot keeps across processes and restarts, by name (e.g. `discord_commands_hash`: the
-- hash of the slash commands last synced to Discord, so that a start with the same commands does not sync).
CREATE TABLE app_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
