-- A vote's per-day totals and its author's help record are written by the
-- store together with the vote rows (`written_sql` in src/store/votes.rs,
-- the one place that inserts votes), summed once per batch of votes,
-- instead of by a trigger per inserted vote: the two triggers below cost
-- SQLite more than the vote's own rows (docs/performance.md). A change to
-- a standing vote (withdrawn, reversed, moved to a joined member) still
-- goes through the update triggers of 0016 and 0017, and `doctor` still
-- recomputes every total from the votes.
DROP TRIGGER vote_days_insert;
DROP TRIGGER help_records_insert;
