-- Reserved: another branch's migration takes this number at merge; this placeholder keeps the numbering gap-free here.
-- (A statement, not only a comment: asyncpg cannot run an empty query.)
SELECT 1;
