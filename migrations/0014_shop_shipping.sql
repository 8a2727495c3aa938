-- The shop ships: options chosen when claiming (a size), and the postal
-- address of claims on items sent by post.

-- The member's choices as a JSON object, e.g. {"size":"L"}; '{}' when the
-- item has no options.
ALTER TABLE claims ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
-- The item is sent by post: the claim needs an address before it ships.
ALTER TABLE claims ADD COLUMN shipping INTEGER NOT NULL DEFAULT 0 CHECK (shipping IN (0, 1));
-- The member's postal address for this claim only. It is personal data:
-- shown to moderators only, erased `shop.erase_address_days` after the
-- claim ended (and by a member's erasure: one UPDATE of this column).
ALTER TABLE claims ADD COLUMN shipping_address TEXT;
ALTER TABLE claims ADD COLUMN address_set_at TEXT;
-- When the address was erased (NULL: never had one, or still has it).
ALTER TABLE claims ADD COLUMN address_erased_at TEXT;
CREATE INDEX claims_with_address ON claims (state) WHERE shipping_address IS NOT NULL;
