-- The shop: claims on catalog items, the points held for them, approvals.

-- Points moved out of the balance into a hold while a claim waits for a
-- decision. The ledger records the hold as a debit; an approval spends it,
-- a rejection, cancellation or expiry refunds it.
ALTER TABLE balances ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0);

CREATE TABLE claims (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    sku          TEXT    NOT NULL,
    -- What the item cost when claimed; a later catalog change does not
    -- change what was held.
    cost         INTEGER NOT NULL CHECK (cost > 0),
    state        TEXT    NOT NULL
                 CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled', 'expired', 'fulfilled')),
    approvals_needed INTEGER NOT NULL CHECK (approvals_needed >= 0),
    created_at   TEXT    NOT NULL,
    -- A pending claim expires with a full refund; the timer lives here so
    -- it survives restarts.
    expires_at   TEXT    NOT NULL,
    decided_by   INTEGER REFERENCES members (id),
    decided_at   TEXT,
    -- The approval note or the rejection reason.
    note         TEXT,
    fulfilled_by INTEGER REFERENCES members (id),
    fulfilled_at TEXT,
    tracking     TEXT,
    -- The platform event that made the claim, so a replay makes none.
    event_key    TEXT UNIQUE
);
CREATE INDEX claims_by_state ON claims (state, expires_at);
CREATE INDEX claims_by_member ON claims (member_id, sku);
CREATE INDEX claims_by_sku ON claims (sku, state);

-- Approvals of claims that need more than one moderator.
CREATE TABLE claim_approvals (
    claim_id     INTEGER NOT NULL REFERENCES claims (id),
    moderator_id INTEGER NOT NULL REFERENCES members (id),
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (claim_id, moderator_id)
);
