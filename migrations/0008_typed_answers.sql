-- Answers typed in the user's own words (issue 12): the text, what the checker found, and the user's own grade.
-- Private to the author; kept 30 days (the minutely tick prunes older rows). One answer per user per posted
-- card: the key makes a second submission of the same card (a modal sent twice) a no-op.
-- `verdicts` is JSON written and read in Python: [{"index": 1, "key_point": "...", "verdict": "covered", "why": "..."}].
-- `suggested_grade` is NULL while the checker runs; `chosen_grade` is copied from grades when the user grades.
CREATE TABLE typed_answers (
    platform         TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    post_id          BIGINT NOT NULL,
    team_id          TEXT NOT NULL,
    question_id      TEXT NOT NULL,
    answer_text      TEXT NOT NULL,
    verdicts         TEXT,
    covered          INTEGER,
    partly           INTEGER,
    total            INTEGER,
    covered_share    DOUBLE PRECISION,
    suggested_grade  TEXT,
    grader           TEXT,
    fell_back        INTEGER NOT NULL DEFAULT 0,
    fallback_reason  TEXT,
    summary          TEXT,
    chosen_grade     TEXT,
    created_at       TEXT NOT NULL,
    checked_at       TEXT,
    PRIMARY KEY (platform, user_id, post_id)
);
CREATE INDEX typed_answers_post ON typed_answers (post_id);
CREATE INDEX typed_answers_created ON typed_answers (created_at);
