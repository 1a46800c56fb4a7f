//! The foundation: health, errors as problem+json, OpenAPI, migrations and code tables on both
//! backends, configuration errors.

use diesel::prelude::*;
use rocket::http::{ContentType, Header, Status};
use serde_json::Value;
use techledger::domain::*;

use crate::both;
use crate::support::*;

crate::both_with!(
    health_reports_ready_with_the_version,
    |config| {
        config.ops.token = Some("ops-token-for-the-health-test".into());
    },
    |app| {
        let (status, body) = app.get("/health", None).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(
            body,
            serde_json::json!({"status": "ok"}),
            "details for operators only"
        );
        let (status, body) = app
            .get("/health", Some("ops-token-for-the-health-test"))
            .await;
        assert_eq!(status, Status::Ok);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["migrations_pending"], 0);
        assert_eq!(body["database"], app.backend.name());
    }
);

both!(errors_are_problem_json_with_the_right_status, |app| {
    let res = app.client.get("/no/such/path").dispatch().await;
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(
        res.content_type().unwrap().to_string(),
        "application/problem+json"
    );
    let body: Value = res.into_json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:techledger:problem:")
    );

    let res = app.client.delete("/health").dispatch().await;
    assert_eq!(res.status(), Status::MethodNotAllowed);
    assert_eq!(res.headers().get_one("Allow"), Some("GET, HEAD"));

    let res = app
        .client
        .post("/api/v1/auth/login")
        .header(ContentType::JSON)
        .body("{\"username\": ")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    assert_eq!(
        res.content_type().unwrap().to_string(),
        "application/problem+json"
    );

    let (status, body) = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"username": "a", "password": "b", "pasword": "c"}),
        )
        .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["errors"][0]["field"], "pasword", "{body}");

    let (status, body) = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"username": 5, "password": "b"}),
        )
        .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["errors"][0]["field"], "username", "{body}");

    let res = app
        .client
        .post("/api/v1/auth/login")
        .header(ContentType::Text)
        .body("x")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::UnsupportedMediaType);

    let big = format!(
        "{{\"username\":\"{}\",\"password\":\"x\"}}",
        "x".repeat(300 * 1024)
    );
    let res = app
        .client
        .post("/api/v1/auth/login")
        .header(ContentType::JSON)
        .body(big)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PayloadTooLarge);
    assert_eq!(
        res.content_type().unwrap().to_string(),
        "application/problem+json"
    );
});

both!(
    every_answer_carries_a_request_id_and_security_headers,
    |app| {
        let res = app
            .client
            .get("/health")
            .header(Header::new("X-Request-Id", "trace-123"))
            .dispatch()
            .await;
        assert_eq!(res.headers().get_one("X-Request-Id"), Some("trace-123"));
        let csp = res.headers().get_one("Content-Security-Policy").unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            res.headers().get_one("X-Content-Type-Options"),
            Some("nosniff")
        );
        let res = app.client.get("/health").dispatch().await;
        assert_eq!(
            res.headers().get_one("X-Request-Id").map(str::len),
            Some(32)
        );
    }
);

both!(code_tables_hold_exactly_the_domain_lists, |app| {
    let mut conn = app.connect();
    use techledger::db::models::code_tables::*;
    let table = |conn: &mut techledger::db::DbConn, name| simple_table(conn, name).unwrap();
    let expect = |all: Vec<(&str, &str, &str)>| -> Vec<(String, String, String, i32)> {
        all.into_iter()
            .enumerate()
            .map(|(i, (c, z, e))| (c.to_string(), z.to_string(), e.to_string(), i as i32 + 1))
            .collect()
    };
    assert_eq!(
        table(&mut conn, "contract_types"),
        expect(
            ContractType::ALL
                .iter()
                .map(|t| (t.code(), t.label_zh(), t.label_en()))
                .collect()
        )
    );
    assert_eq!(
        table(&mut conn, "tech_fields"),
        expect(
            TechField::ALL
                .iter()
                .map(|t| (t.code(), t.label_zh(), t.label_en()))
                .collect()
        )
    );
    assert_eq!(
        table(&mut conn, "ip_types"),
        expect(
            IpType::ALL
                .iter()
                .map(|t| (t.code(), t.label_zh(), t.label_en()))
                .collect()
        )
    );
    assert_eq!(
        table(&mut conn, "party_kinds"),
        expect(
            PartyKind::ALL
                .iter()
                .map(|t| (t.code(), t.label_zh(), t.label_en()))
                .collect()
        )
    );
    let subtypes: Vec<(String, String, String, String)> = subtypes(&mut conn)
        .unwrap()
        .into_iter()
        .map(|(t, c, z, e, _)| (t, c, z, e))
        .collect();
    let mut want: Vec<(String, String, String, String)> = Subtype::ALL
        .iter()
        .map(|s| {
            (
                s.contract_type().code().into(),
                s.code().into(),
                s.label_zh().into(),
                s.label_en().into(),
            )
        })
        .collect();
    let mut got = subtypes.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let offices: Vec<(String, String, String, String, String, String)> = offices(&mut conn)
        .unwrap()
        .into_iter()
        .map(|(c, z, e, sz, se, k, _)| (c, z, e, sz, se, k))
        .collect();
    let want: Vec<_> = OfficeCode::ALL
        .iter()
        .map(|o| {
            (
                o.code().into(),
                o.name_zh().into(),
                o.name_en().into(),
                o.short_zh().into(),
                o.short_en().into(),
                o.kind().code().into(),
            )
        })
        .collect();
    assert_eq!(offices, want);
    let regions = regions(&mut conn).unwrap();
    assert_eq!(regions.len(), 3214);
    let file = include_str!("../../data/gbt2260-2024.txt");
    for line in file.lines() {
        let (code, name) = line.split_once(' ').unwrap();
        let row = regions
            .iter()
            .find(|r| r.0 == code)
            .unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(row.1, name);
        assert!(!row.2.is_empty(), "{code} has an English name");
        let parsed = RegionCode::parse(code).unwrap();
        assert_eq!(
            row.4.as_deref(),
            parsed.parent().map(|p| p.as_str()),
            "parent of {code}"
        );
    }
    assert!(regions.iter().any(|r| r.0 == "000000" && r.1 == "境外"));
});

both!(
    every_schema_table_reads_back_and_migrations_rerun_as_a_no_op,
    |app| {
        let mut conn = app.connect();
        use techledger::db::schema::*;
        // A query naming every column of every table in schema.rs: it fails on the backend if any
        // column is missing or misnamed, so both backends provably carry the one schema.
        macro_rules! reads {
        ($($t:ident),*) => { $(
            diesel::select(diesel::dsl::exists($t::table.select($t::all_columns)))
                .get_result::<bool>(&mut conn)
                .unwrap_or_else(|e| panic!("table {} on {}: {e}", stringify!($t), app.backend.name()));
        )* };
    }
        reads!(
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
            amount_entries,
            rollups,
            party_rollups,
            registration_counters,
            reviews,
            imports,
            audit_entries,
            audit_head,
            audit_checkpoints,
            signing_keys,
            idempotency_keys,
            revoked_tokens
        );
        let applied = techledger::db::run_migrations(&mut conn).unwrap();
        assert!(
            applied.is_empty(),
            "re-running migrations is a no-op: {applied:?}"
        );
        let state = techledger::db::migration_state(&mut conn).unwrap();
        assert_eq!(state.pending, 0);
        let versions = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count();
        assert_eq!(state.applied, versions);
    }
);

#[test]
fn migration_folders_have_the_same_versions() {
    let (sqlite, postgres) = techledger::db::embedded_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[test]
fn bad_configuration_is_one_line_and_exit_code_2() {
    let bin = env!("CARGO_BIN_EXE_techledger");
    let dir = temp_dir();
    let out = std::process::Command::new(bin)
        .arg("migrate")
        .current_dir(&dir)
        .env("TECHLEDGER_PORT", "eighty")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("port") && stderr.contains("TECHLEDGER_PORT"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    let out = std::process::Command::new(bin)
        .arg("migrate")
        .current_dir(&dir)
        .env("TECHLEDGER_DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    std::fs::write(
        dir.join("bad.toml"),
        "[ledger]\nlarge_contract_threshold = \"1.234\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(bin)
        .args(["--config", "bad.toml", "migrate"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ledger.large_contract_threshold"),
        "{stderr}"
    );

    let out = std::process::Command::new(bin)
        .args(["--config", "missing.toml", "migrate"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_unreachable_database_is_one_clear_message() {
    let bin = env!("CARGO_BIN_EXE_techledger");
    let dir = temp_dir();
    let out = std::process::Command::new(bin)
        .arg("serve")
        .current_dir(&dir)
        .env(
            "TECHLEDGER_DATABASE_URL",
            "postgres://nobody:secret@127.0.0.1:1/none",
        )
        .env("TECHLEDGER_PORT", "0")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "the password is not echoed: {stderr}"
    );
    assert!(!stderr.contains("panicked"));
    std::fs::remove_dir_all(dir).ok();
}

/// Every `$ref` in `value` points at something in `doc`.
fn check_refs(doc: &Value, value: &Value, missing: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.trim_start_matches('#');
                if doc.pointer(pointer).is_none() {
                    missing.push(r.clone());
                }
            }
            for v in map.values() {
                check_refs(doc, v, missing);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_refs(doc, v, missing)),
        _ => {}
    }
}

both!(openapi_is_valid_and_documents_every_api_route, |app| {
    let res = app.client.get("/openapi.json").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let doc: Value = res.into_json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(
                !id.is_empty() && operation_ids.insert(id.clone()),
                "{method} {path}: operationId {id:?} missing or repeated"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            // Every {param} in the path is declared.
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(['{', '}']);
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(declared, "{method} {path} declares {name}");
            }
        }
    }
    let mut missing = Vec::new();
    check_refs(&doc, &doc, &mut missing);
    assert!(missing.is_empty(), "unresolved $refs: {missing:?}");
    // Every JSON route Rocket serves is documented (pages, /docs, assets and the document
    // itself excepted).
    for route in app.client.rocket().routes() {
        let uri = route.uri.path().to_string();
        let api = uri.starts_with("/api/")
            || ["/health", "/metrics", "/.well-known/jwks.json"].contains(&uri.as_str());
        if !api {
            continue;
        }
        let documented = uri
            .split('/')
            .map(|s| {
                if s.starts_with('<') {
                    format!("{{{}}}", s.trim_matches(['<', '>']).trim_end_matches(".."))
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = route.method.as_str().to_lowercase();
        assert!(
            paths
                .get(&documented)
                .and_then(|p| p.get(&method))
                .is_some(),
            "{} {documented} is not in /openapi.json",
            route.method
        );
    }
    let res = app.client.get("/docs").dispatch().await;
    let html = res.into_string().await.unwrap();
    assert!(
        html.contains("/static/vendor/rapidoc/rapidoc-min.js")
            && html.contains("spec-url=\"/openapi.json\"")
    );
    let res = app
        .client
        .get("/static/vendor/rapidoc/rapidoc-min.js")
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::Ok,
        "the docs viewer is served from the binary"
    );
});

#[rocket::get("/boom")]
fn boom() -> &'static str {
    panic!("a handler bug")
}

#[rocket::async_test]
async fn a_panicking_handler_answers_500_problem_json_and_the_server_lives_on() {
    let dir = temp_dir();
    let config = test_config(
        techledger::db::DatabaseUrl::Sqlite(dir.join("db.sqlite")),
        &dir,
    );
    let services = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
        .await
        .unwrap()
        .unwrap();
    let rocket = techledger::app::rocket(services).mount("/test", rocket::routes![boom]);
    let client = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .unwrap();
    let res = client.get("/test/boom").dispatch().await;
    assert_eq!(res.status(), Status::InternalServerError);
    assert_eq!(
        res.content_type().unwrap().to_string(),
        "application/problem+json"
    );
    let body: Value = res.into_json().await.unwrap();
    assert_eq!(body["status"], 500);
    assert!(
        !body.to_string().contains("a handler bug"),
        "no internals leak to the client"
    );
    assert_eq!(client.get("/health").dispatch().await.status(), Status::Ok);
    std::fs::remove_dir_all(dir).ok();
}
