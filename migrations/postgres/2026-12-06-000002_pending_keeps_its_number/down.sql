-- Back to "a pending contract has no number" (fails while a pending contract keeps one).
ALTER TABLE contracts DROP CONSTRAINT contracts_pending_not_approved;
ALTER TABLE contracts ADD CONSTRAINT contracts_pending_has_no_number
    CHECK (status <> 'pending' OR registration_no IS NULL);
