//! The one schema for both backends, written by hand from the migrations (a test checks that
//! every table and column here exists on SQLite and on PostgreSQL after migrating).

diesel::table! {
    contract_types (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    contract_subtypes (contract_type, code) {
        contract_type -> Text,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    tech_fields (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    ip_types (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    party_kinds (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    offices (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        short_zh -> Text,
        short_en -> Text,
        kind -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        level -> Integer,
        parent -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        role -> Text,
        office -> Nullable<Text>,
        password_hash -> Text,
        active -> Bool,
        token_generation -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        audit_seq -> BigInt,
        credit_code -> Nullable<Text>,
    }
}

diesel::table! {
    parties (id) {
        id -> Text,
        name -> Text,
        credit_code -> Nullable<Text>,
        kind -> Text,
        region -> Text,
        nature_code -> Nullable<Text>,
        country -> Nullable<Text>,
        legal_representative -> Nullable<Text>,
        version -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    party_versions (party_id, version) {
        party_id -> Text,
        version -> Integer,
        name -> Text,
        credit_code -> Nullable<Text>,
        kind -> Text,
        region -> Text,
        nature_code -> Nullable<Text>,
        country -> Nullable<Text>,
        legal_representative -> Nullable<Text>,
        reason -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        recorded_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        registration_no -> Nullable<Text>,
        office -> Text,
        status -> Text,
        review -> Text,
        version -> Integer,
        title -> Text,
        contract_type -> Text,
        subtype -> Nullable<Text>,
        seller_id -> Text,
        buyer_id -> Text,
        signed_on -> Date,
        valid_until -> Nullable<Date>,
        contract_amount_fen -> BigInt,
        technical_amount_fen -> BigInt,
        tech_field -> Text,
        ip_type -> Text,
        seller_region -> Text,
        seller_kind -> Text,
        buyer_region -> Text,
        buyer_kind -> Text,
        flow -> Text,
        introduced -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        registered_at -> Nullable<Timestamp>,
        registered_year -> Nullable<Integer>,
        registered_month -> Nullable<Integer>,
        approved_by -> Nullable<Text>,
        updated_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    contract_versions (contract_id, version) {
        contract_id -> Text,
        version -> Integer,
        change -> Text,
        status -> Text,
        registration_no -> Nullable<Text>,
        title -> Text,
        contract_type -> Text,
        subtype -> Nullable<Text>,
        seller_id -> Text,
        buyer_id -> Text,
        signed_on -> Date,
        valid_until -> Nullable<Date>,
        contract_amount_fen -> BigInt,
        technical_amount_fen -> BigInt,
        tech_field -> Text,
        ip_type -> Text,
        reason -> Nullable<Text>,
        actor_id -> Text,
        recorded_at -> Timestamp,
        audit_seq -> BigInt,
        party_contract_no -> Nullable<Text>,
        seller_contact_name -> Nullable<Text>,
        seller_contact_phone -> Nullable<Text>,
        buyer_contact_name -> Nullable<Text>,
        buyer_contact_phone -> Nullable<Text>,
        principal_fen -> Nullable<BigInt>,
        related_services_fen -> Nullable<BigInt>,
    }
}

diesel::table! {
    contract_details (contract_id) {
        contract_id -> Text,
        party_contract_no -> Nullable<Text>,
        seller_contact_name -> Nullable<Text>,
        seller_contact_phone -> Nullable<Text>,
        buyer_contact_name -> Nullable<Text>,
        buyer_contact_phone -> Nullable<Text>,
        principal_fen -> Nullable<BigInt>,
        related_services_fen -> Nullable<BigInt>,
    }
}

diesel::table! {
    amount_entries (audit_seq, line) {
        audit_seq -> BigInt,
        line -> Integer,
        contract_id -> Text,
        recorded_at -> Timestamp,
        recorded_on -> Date,
        year -> Integer,
        month -> Integer,
        office -> Text,
        contract_type -> Text,
        tech_field -> Text,
        ip_type -> Text,
        seller_kind -> Text,
        flow -> Text,
        review -> Text,
        introduced -> Bool,
        seller_id -> Text,
        buyer_id -> Text,
        contract_fen -> BigInt,
        technical_fen -> BigInt,
        contracts -> Integer,
    }
}

diesel::table! {
    rollups (year, month, dimension, key) {
        year -> Integer,
        month -> Integer,
        dimension -> Text,
        key -> Text,
        turnover_fen -> BigInt,
        technical_fen -> BigInt,
        contracts -> BigInt,
        introduced -> BigInt,
    }
}

diesel::table! {
    party_rollups (year, side, party_id) {
        year -> Integer,
        side -> Text,
        party_id -> Text,
        turnover_fen -> BigInt,
        technical_fen -> BigInt,
        contracts -> BigInt,
    }
}

diesel::table! {
    registration_counters (office, year) {
        office -> Text,
        year -> Integer,
        last_seq -> Integer,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        contract_id -> Text,
        contract_version -> Integer,
        verdict -> Text,
        note -> Text,
        reviewer_id -> Text,
        recorded_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    imports (id) {
        id -> Text,
        actor_id -> Text,
        file_name -> Nullable<Text>,
        file_sha256 -> Text,
        rows_total -> Integer,
        rows_accepted -> Integer,
        rows_rejected -> Integer,
        partial -> Bool,
        recorded_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    audit_entries (seq) {
        seq -> BigInt,
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_username -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        payload -> Text,
        prev_hash -> Text,
        hash -> Text,
        kid -> Text,
        signature -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        kid -> Nullable<Text>,
    }
}

diesel::table! {
    audit_checkpoints (tree_size) {
        tree_size -> BigInt,
        head_hash -> Text,
        at -> Timestamp,
        kid -> Text,
        signature -> Text,
        root_hash -> Nullable<Binary>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    tlog_hashes (id) {
        id -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    tlog_cosignatures (tree_size, witness) {
        tree_size -> BigInt,
        witness -> Text,
        signature_line -> Text,
        signed_at -> BigInt,
        received_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        purpose -> Text,
        algorithm -> Text,
        public_key -> Text,
        valid_from -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        outcome -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Login tokens withdrawn before their expiry (session state; no audit entries).
    revoked_tokens (jti) {
        jti -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
        revoked_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> Text,
        applicant_id -> Text,
        office -> Text,
        status -> Text,
        version -> Integer,
        queued_at -> Timestamp,
        contract_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    submission_versions (submission_id, version) {
        submission_id -> Text,
        version -> Integer,
        form -> Text,
        file_sha256 -> Text,
        file_kind -> Text,
        file_size -> BigInt,
        file_name -> Nullable<Text>,
        submitted_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    submission_decisions (submission_id, version) {
        submission_id -> Text,
        version -> Integer,
        decision -> Text,
        return_reasons -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        contract_id -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::joinable!(contract_subtypes -> contract_types (contract_type));
diesel::joinable!(party_versions -> parties (party_id));
diesel::joinable!(contract_versions -> contracts (contract_id));
diesel::joinable!(contract_details -> contracts (contract_id));
diesel::joinable!(reviews -> contracts (contract_id));
diesel::joinable!(party_rollups -> parties (party_id));

diesel::allow_tables_to_appear_in_same_query!(
    contract_types,
    contract_subtypes,
    tech_fields,
    ip_types,
    party_kinds,
    offices,
    regions,
    users,
    parties,
    party_versions,
    contracts,
    contract_versions,
    contract_details,
    amount_entries,
    rollups,
    party_rollups,
    registration_counters,
    reviews,
    imports,
    audit_entries,
    audit_head,
    audit_checkpoints,
    tlog_hashes,
    tlog_cosignatures,
    signing_keys,
    idempotency_keys,
    revoked_tokens,
    submissions,
    submission_versions,
    submission_decisions,
);
