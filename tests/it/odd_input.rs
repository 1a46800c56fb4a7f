//! No answer to anything a client sends is a server error: every query parameter, path id and
//! body field of the API gets odd values (empty, huge, negative, wrong type, impossible dates,
//! control characters, unusual Unicode) as every role, and every answer must be below 500.
//! (`read` in support fails the test on a 5xx.) Writes are dry runs or refused, and whatever
//! was accepted leaves the chain verifiable.

use serde_json::{Value, json};
use techledger::domain::Role;

use crate::both;
use crate::support::*;

/// Values that have caught servers out.
fn odd_values() -> Vec<Value> {
    vec![
        json!(""),
        json!(" "),
        json!("x".repeat(5000)),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(u64::MAX),
        json!(true),
        json!([]),
        json!({}),
        json!(null),
        json!("2026-02-30"),
        json!("9999-12-31"),
        json!("0000-01-01"),
        json!("1".repeat(40)),
        json!("１２３"),
        json!("\u{202e}abc"),
        json!("😀"),
        json!("-0"),
        json!("1e3"),
        json!("NaN"),
        json!("a\u{0}b"),
        json!("2026-13-01"),
        json!("00000000-0000-0000-0000-000000000000"),
    ]
}

/// How a value looks in a URL.
fn in_url(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

both!(
    odd_query_parameters_and_path_ids_never_cause_a_server_error,
    |app| {
        let registrar = app.registrar("reg1").await;
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let admin = app.user("root", Role::Admin, None).await;
        let (s, party) = app
            .post(
                "/api/v1/parties",
                &registrar.token,
                &json!({"name": "奇异输入测试企业", "kind": "enterprise", "region": "371302",
                    "credit_code": credit_code(77).as_str()}),
            )
            .await;
        assert_eq!(s.code, 201, "{party}");
        let templates = [
            "/api/v1/contracts?limit={v}",
            "/api/v1/contracts?year={v}",
            "/api/v1/contracts?signed_from={v}",
            "/api/v1/contracts?after={v}",
            "/api/v1/contracts?sort={v}",
            "/api/v1/contracts?office={v}&status={v}&review={v}",
            "/api/v1/contracts?contract_type={v}&tech_field={v}&ip_type={v}",
            "/api/v1/contracts?party={v}&q={v}",
            "/api/v1/contracts.csv?year={v}&q={v}",
            "/api/v1/contracts/{v}",
            "/api/v1/contracts/{v}/history",
            "/api/v1/contracts/by-number/{v}",
            "/api/v1/parties?limit={v}&after={v}",
            "/api/v1/parties?q={v}&credit_code={v}",
            "/api/v1/parties/{v}",
            "/api/v1/parties/{v}/history",
            "/api/v1/stats/summary?year={v}",
            "/api/v1/stats/summary?year=2026&as_of={v}",
            "/api/v1/stats/breakdown?year=2026&by={v}",
            "/api/v1/stats/breakdown?year={v}&by=office&as_of={v}",
            "/api/v1/stats/top-parties?year={v}&side={v}&limit={v}",
            "/api/v1/stats/report.xlsx?year={v}",
            "/api/v1/audit/entries?after_seq={v}&limit={v}",
            "/api/v1/audit/entries?action={v}&entity_type={v}&entity_id={v}",
            "/api/v1/audit/entries/{v}",
            "/api/v1/audit/checkpoints?before={v}&limit={v}",
            "/api/v1/anomalies?year={v}&rule={v}",
            "/api/v1/regions?parent={v}",
            "/api/v1/users/{v}",
        ];
        for template in templates {
            for value in odd_values() {
                let path = template.replace("{v}", &in_url(&value));
                for token in [&registrar.token, &auditor.token, &admin.token] {
                    // `get` fails the test on any 5xx.
                    app.get(&path, Some(token)).await;
                }
            }
        }
    }
);

both!(odd_body_fields_never_cause_a_server_error, |app| {
    let registrar = app.registrar("reg1").await;
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let admin = app.user("root", Role::Admin, None).await;
    let (_, registered) = app
        .post(
            "/api/v1/contracts",
            &registrar.token,
            &json!({
                "title": "奇异输入测试合同", "contract_type": "service", "subtype": "training",
                "seller": {"name": "奇异输入卖方", "kind": "enterprise", "region": "320102",
                           "credit_code": credit_code(78).as_str()},
                "buyer": {"name": "奇异输入买方", "kind": "enterprise", "region": "371302",
                          "credit_code": credit_code(79).as_str()},
                "signed_on": "2026-03-01", "contract_amount": "100.00",
                "technical_amount": "50.00", "tech_field": "agriculture", "ip_type": "none"
            }),
        )
        .await;
    let id = registered["id"].as_str().expect("registered").to_string();
    let seller = registered["seller_id"]
        .as_str()
        .expect("seller")
        .to_string();
    let contract = json!({
        "title": "奇异输入测试合同二", "contract_type": "development", "subtype": "commissioned",
        "seller_id": seller,
        "buyer": {"name": "奇异输入买方", "kind": "enterprise", "region": "371302",
                  "credit_code": credit_code(79).as_str()},
        "signed_on": "2026-03-01", "valid_until": "2027-03-01", "contract_amount": "100.00",
        "technical_amount": "50.00", "tech_field": "agriculture", "ip_type": "patent"
    });
    let fields = [
        "title",
        "contract_type",
        "subtype",
        "seller_id",
        "buyer",
        "signed_on",
        "valid_until",
        "contract_amount",
        "technical_amount",
        "tech_field",
        "ip_type",
    ];
    for value in odd_values() {
        for field in fields {
            let mut body = contract.clone();
            body[field] = value.clone();
            app.post("/api/v1/contracts?dry_run=true", &registrar.token, &body)
                .await;
            let mut buyer = contract["buyer"].clone();
            buyer[field.replace("title", "name")] = value.clone();
            body = contract.clone();
            body["buyer"] = buyer;
            app.post("/api/v1/contracts?dry_run=true", &registrar.token, &body)
                .await;
        }
        for field in [
            "contract_amount",
            "title",
            "seller_id",
            "signed_on",
            "reason",
        ] {
            let mut body = json!({"reason": "奇异输入"});
            body[field] = value.clone();
            app.post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &registrar.token,
                &body,
            )
            .await;
        }
        app.post(
            &format!("/api/v1/contracts/{id}/reviews"),
            &auditor.token,
            &json!({"verdict": value, "note": "x"}),
        )
        .await;
        app.post(
            &format!("/api/v1/contracts/{id}/reviews"),
            &auditor.token,
            &json!({"verdict": "disputed", "note": value}),
        )
        .await;
        app.post(
            &format!("/api/v1/contracts/{id}/void"),
            &registrar.token,
            &json!({"reason": value}),
        )
        .await;
        app.send(
            "PATCH",
            &format!("/api/v1/parties/{seller}"),
            Some(&registrar.token),
            &json!({"name": value, "region": value, "reason": value}),
        )
        .await;
        app.post(
            "/api/v1/parties",
            &registrar.token,
            &json!({"name": value, "credit_code": value, "kind": value, "region": value,
                    "nature_code": value, "country": value}),
        )
        .await;
        app.post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": value, "display_name": value, "role": value,
                    "office": value, "password": value}),
        )
        .await;
        app.send(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": value, "password": value}),
        )
        .await;
    }
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
});
