-- A fair start (issue 13): a member counts as new only while the club knows
-- they joined recently. It knows that from a platform's join date (Discord's
-- `joined_at`, a Telegram join the bot saw) or from a date the operator
-- imported (`fanclub members import`). Members first seen without one were
-- there before the bot (or the club cannot tell): they are not new.
-- Existing members are such members, until a platform or the operator says
-- when they joined.
ALTER TABLE members ADD COLUMN join_known INTEGER NOT NULL DEFAULT 0 CHECK (join_known IN (0, 1));

-- Grants from a file are booked row by row, each under its own key in the
-- ledger (`grant-csv:…`); this index finds the bookings of the older
-- whole-file keys (`csv:<file>:<line>`) by what they booked, so a file
-- imported before the change is not paid a second time.
CREATE INDEX ledger_grant_content ON ledger (member_id, amount, reason) WHERE kind = 'grant';
