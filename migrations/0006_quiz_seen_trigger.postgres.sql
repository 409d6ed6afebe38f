-- PostgreSQL twin of 0006_quiz_seen_trigger.sqlite.sql: a private draw counts as served to the user in the
-- statement that records it.
CREATE FUNCTION posts_count_served() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_seen (platform, user_id, question_id, times, last_at)
    VALUES (NEW.platform, NEW.user_id, NEW.question_id, 1, NEW.created_at)
    ON CONFLICT (platform, user_id, question_id)
    DO UPDATE SET times = user_seen.times + 1, last_at = excluded.last_at;
    RETURN NULL;
END
$$;
CREATE TRIGGER posts_count_served AFTER INSERT ON posts FOR EACH ROW WHEN (NEW.kind = 'quiz')
EXECUTE FUNCTION posts_count_served();
