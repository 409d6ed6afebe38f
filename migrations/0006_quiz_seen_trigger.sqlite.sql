-- A private draw counts as served to the user in the same statement that records it, so a /quiz is one
-- insert (one round trip to the database thread) instead of a four-step transaction.
CREATE TRIGGER posts_count_served AFTER INSERT ON posts
WHEN NEW.kind = 'quiz'
BEGIN
    INSERT INTO user_seen (platform, user_id, question_id, times, last_at)
    VALUES (NEW.platform, NEW.user_id, NEW.question_id, 1, NEW.created_at)
    ON CONFLICT (platform, user_id, question_id) DO UPDATE SET times = times + 1, last_at = excluded.last_at;
END;
