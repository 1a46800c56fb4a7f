-- A registered contract that an amendment sends back for a fresh approval keeps its
-- registration number (and its registration time) while it is pending: the rule "a pending
-- contract has no number" becomes "a pending contract is not approved". The constraint was
-- created without a name; it is found by its definition.
DO $$
DECLARE
    found TEXT;
BEGIN
    SELECT conname INTO found FROM pg_constraint
    WHERE conrelid = 'contracts'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) = 'CHECK (((status <> ''pending''::text) OR (registration_no IS NULL)))';
    IF found IS NULL THEN
        RAISE EXCEPTION 'contracts: the check "a pending contract has no number" was not found';
    END IF;
    EXECUTE format('ALTER TABLE contracts DROP CONSTRAINT %I', found);
END
$$;
ALTER TABLE contracts ADD CONSTRAINT contracts_pending_not_approved
    CHECK (status <> 'pending' OR approved_by IS NULL);
