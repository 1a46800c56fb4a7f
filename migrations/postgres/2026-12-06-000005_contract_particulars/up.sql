-- What registration offices record beyond the statistics (issue 16), each where it belongs:
-- the legal representative (法定代表人) is a fact of the legal entity, so of the party (and
-- its versions); the parties' own contract number (合同编号), the contact person of each side
-- with a telephone number, and the split of the technical amount of development, transfer and
-- licensing contracts into the price of the technology itself and of the related consulting
-- and services (与之相关的技术咨询、技术服务) are facts of one contract, kept in
-- contract_details beside it (one row for a contract that has any of them) and in every
-- version.
ALTER TABLE parties ADD COLUMN legal_representative TEXT NULL;
ALTER TABLE party_versions ADD COLUMN legal_representative TEXT NULL;

CREATE TABLE contract_details (
    contract_id TEXT PRIMARY KEY REFERENCES contracts (id),
    party_contract_no TEXT NULL,
    seller_contact_name TEXT NULL,
    seller_contact_phone TEXT NULL,
    buyer_contact_name TEXT NULL,
    buyer_contact_phone TEXT NULL,
    principal_fen BIGINT NULL CHECK (principal_fen >= 0),
    related_services_fen BIGINT NULL CHECK (related_services_fen >= 0),
    CHECK ((seller_contact_name IS NULL) = (seller_contact_phone IS NULL)),
    CHECK ((buyer_contact_name IS NULL) = (buyer_contact_phone IS NULL)),
    CHECK ((principal_fen IS NULL) = (related_services_fen IS NULL))
);

ALTER TABLE contract_versions ADD COLUMN party_contract_no TEXT NULL;
ALTER TABLE contract_versions ADD COLUMN seller_contact_name TEXT NULL;
ALTER TABLE contract_versions ADD COLUMN seller_contact_phone TEXT NULL;
ALTER TABLE contract_versions ADD COLUMN buyer_contact_name TEXT NULL;
ALTER TABLE contract_versions ADD COLUMN buyer_contact_phone TEXT NULL;
ALTER TABLE contract_versions ADD COLUMN principal_fen BIGINT NULL;
ALTER TABLE contract_versions ADD COLUMN related_services_fen BIGINT NULL;
