-- The hidden players (`/leaderboard hide`) are few: a partial index finds them without reading every user row,
-- for the rank correction in bot/store/boards.py (a scan of 100,000 users per /leaderboard otherwise).
-- board_hidden leads although it is constant here: without ANALYZE statistics SQLite prefers the index that
-- matches more equality terms, and (platform) alone would tie with the primary key, which SQLite then picks.
CREATE INDEX users_board_hidden ON users (board_hidden, platform, user_id) WHERE board_hidden = 1;
