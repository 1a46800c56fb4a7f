-- Applicants (申请人, issue 16): a user who submits contracts online for one party, the seller
-- named by its unified social credit code, to the registration office that activates them.
-- The role joins the users' CHECK, and users gain the credit code an applicant is bound to:
-- every applicant has one and an office, nobody else has a credit code.
ALTER TABLE users ADD COLUMN credit_code TEXT NULL
    CONSTRAINT users_credit_code_check CHECK (credit_code IS NULL OR length(credit_code) = 18);
-- The role's CHECK was created with the column, so PostgreSQL named it users_role_check; it is
-- found by its definition all the same, so that a database whose name differs is not left
-- with the old rule beside the new one.
DO $$
DECLARE
    found TEXT;
BEGIN
    SELECT conname INTO found FROM pg_constraint
    WHERE conrelid = 'users'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) = 'CHECK ((role = ANY (ARRAY[''registrar''::text, ''auditor''::text, ''official''::text, ''admin''::text])))';
    IF found IS NULL THEN
        RAISE EXCEPTION 'users: the check of the four roles was not found';
    END IF;
    EXECUTE format('ALTER TABLE users DROP CONSTRAINT %I', found);
END
$$;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('registrar', 'auditor', 'official', 'admin', 'applicant'));
ALTER TABLE users ADD CONSTRAINT users_applicant_credit_code
    CHECK ((role = 'applicant') = (credit_code IS NOT NULL));
ALTER TABLE users ADD CONSTRAINT users_applicant_office
    CHECK (role <> 'applicant' OR office IS NOT NULL);
