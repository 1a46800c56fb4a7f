-- Back to the four staff roles (fails while an applicant exists).
ALTER TABLE users DROP CONSTRAINT users_applicant_office;
ALTER TABLE users DROP CONSTRAINT users_applicant_credit_code;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('registrar', 'auditor', 'official', 'admin'));
ALTER TABLE users DROP COLUMN credit_code;
