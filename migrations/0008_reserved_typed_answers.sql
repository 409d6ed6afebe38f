-- Placeholder on the `suggest` branch only: number 0008 belongs to the typed-answers migration of another
-- branch. Delete this file when merging (the loader refuses gaps, so 0010 needs 0008 and 0009 to exist).
SELECT 1;
