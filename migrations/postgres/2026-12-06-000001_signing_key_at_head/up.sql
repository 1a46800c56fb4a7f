-- The key that signs the next entry of the chain. A rotation sets it in the transaction that
-- announces the new key, and every writer reads it while it locks the head, so a process still
-- holding the previous key never signs after a rotation made by another process.
ALTER TABLE audit_head ADD COLUMN kid TEXT NULL;
UPDATE audit_head SET kid = (
    SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY valid_from DESC LIMIT 1
);
