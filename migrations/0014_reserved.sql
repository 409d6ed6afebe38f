-- Placeholder: number 0014 was reserved for the question-of-the-day fan-out branch, 0015 given to the /quiz and
-- leaderboard branch. The loader refuses gaps, so this no-op holds the number; if the fan-out branch brings a
-- 0014 of its own, that file replaces this one.
SELECT 1;
