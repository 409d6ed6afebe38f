-- The hidden players (`/leaderboard hide`) are few: a partial index finds them without reading every user row,
-- for the rank correction in bot/store/boards.py (a scan of 100,000 users per /leaderboard otherwise).
CREATE INDEX users_board_hidden ON users (platform, user_id) WHERE board_hidden = 1;
