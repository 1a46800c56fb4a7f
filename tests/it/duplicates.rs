//! Duplicates (issue 16): the same contract registered again (same parties, type, amounts and
//! signing date as a live one) and the same file imported again are refused unless confirmed,
//! at the API and in imports; a confirmed duplicate names what it repeats in its audit entry.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::both;
use crate::support::*;

fn body(amount: &str) -> Value {
    json!({
        "title": "一种智能农机控制系统技术开发",
        "contract_type": "development",
        "seller": {"name": "南京农机研究院", "credit_code": credit_code(1).as_str(), "kind": "research_institute", "region": "320102"},
        "buyer": {"name": "临沂农机有限公司", "credit_code": credit_code(2).as_str(), "kind": "enterprise", "region": "371302"},
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": amount,
        "tech_field": "agriculture",
        "ip_type": "patent"
    })
}

async fn count(app: &TestApp, token: &str) -> usize {
    let (_, list) = app.get("/api/v1/contracts", Some(token)).await;
    list["items"].as_array().unwrap().len()
}

both!(the_same_contract_again_is_refused_unless_confirmed, |app| {
    let reg = app.registrar("reg1").await;
    let (s, first) = app
        .post("/api/v1/contracts", &reg.token, &body("100000.00"))
        .await;
    assert_eq!(s, Status::Created, "{first}");
    let number = first["registration_no"].as_str().unwrap().to_string();
    // Again, under another title: refused, naming the contract it repeats; nothing written.
    let mut again = body("100000.00");
    again["title"] = json!("另一个名称");
    let (s, problem) = app.post("/api/v1/contracts", &reg.token, &again).await;
    assert_eq!(s, Status::UnprocessableEntity, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "confirm_duplicate");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&number),
        "{problem}"
    );
    assert_eq!(count(&app, &reg.token).await, 1);
    // Another amount is another contract.
    let (s, _) = app
        .post("/api/v1/contracts", &reg.token, &body("100000.01"))
        .await;
    assert_eq!(s, Status::Created);
    // Confirmed: registered, and its entry names the one it repeats.
    again["confirm_duplicate"] = json!(true);
    let (s, second) = app.post("/api/v1/contracts", &reg.token, &again).await;
    assert_eq!(s, Status::Created, "{second}");
    let auditor = app
        .user("aud1", techledger::domain::Role::Auditor, None)
        .await;
    let (_, entry) = app
        .get(
            &format!("/api/v1/audit/entries/{}", second["audit_seq"]),
            Some(&auditor.token),
        )
        .await;
    assert_eq!(entry["payload"]["duplicate_of"], number.as_str());
    // A voided contract is no longer live: registering it anew needs no confirmation.
    for c in [&first, &second] {
        let (s, _) = app
            .post(
                &format!("/api/v1/contracts/{}/void", c["id"].as_str().unwrap()),
                &reg.token,
                &json!({"reason": "登记有误"}),
            )
            .await;
        assert_eq!(s, Status::Ok);
    }
    let (s, third) = app
        .post("/api/v1/contracts", &reg.token, &body("100000.00"))
        .await;
    assert_eq!(s, Status::Created, "{third}");
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
});

async fn import(app: &TestApp, token: &str, csv: &str, query: &str) -> (Status, Value) {
    let res = app
        .client
        .post(format!("/api/v1/imports?{query}"))
        .header(ContentType::CSV)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(csv)
        .dispatch()
        .await;
    read(res).await
}

fn csv(rows: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "合同名称,合同类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,合同成交额,技术交易额,技术领域,知识产权类型\n",
    );
    for (title, amount) in rows {
        out.push_str(&format!(
            "{title},技术开发,{},南京农机研究院,科研机构,320102,{},临沂农机有限公司,企业,371302,2026-03-01,{amount},{amount},农业,专利\n",
            credit_code(1).as_str(),
            credit_code(2).as_str()
        ));
    }
    out
}

both!(a_file_imported_again_is_refused_unless_confirmed, |app| {
    let reg = app.registrar("reg1").await;
    let file = csv(&[("甲", "1000.00"), ("乙", "2000.00")]);
    let (s, first) = import(&app, &reg.token, &file, "dry_run=false").await;
    assert_eq!(s, Status::Created, "{first}");
    // The same bytes again: refused before anything is written, in a dry run too.
    for query in ["dry_run=true", "dry_run=false"] {
        let (s, problem) = import(&app, &reg.token, &file, query).await;
        assert_eq!(s, Status::Conflict, "{query}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(first["import_id"].as_str().unwrap()),
            "{problem}"
        );
    }
    assert_eq!(count(&app, &reg.token).await, 2);
    // Confirmed: imported again (its rows repeat live contracts, confirmed too).
    let (s, again) = import(
        &app,
        &reg.token,
        &file,
        "dry_run=false&confirm_duplicate=true",
    )
    .await;
    assert_eq!(s, Status::Created, "{again}");
    assert_eq!(again["accepted"], 2);
    assert_eq!(count(&app, &reg.token).await, 4);
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
});

both!(rows_like_live_contracts_or_each_other_are_rejected, |app| {
    let reg = app.registrar("reg1").await;
    let (s, _) = app
        .post("/api/v1/contracts", &reg.token, &body("1000.00"))
        .await;
    assert_eq!(s, Status::Created);
    // Row 2 repeats the live contract; row 4 repeats row 3 of the same file.
    let file = csv(&[
        ("甲", "1000.00"),
        ("乙", "3000.00"),
        ("丙", "3000.00"),
        ("丁", "4000.00"),
    ]);
    let (s, report) = import(&app, &reg.token, &file, "dry_run=false&partial=true").await;
    assert_eq!(s, Status::Created, "{report}");
    assert_eq!(report["accepted"], 2, "{report}");
    let rejected: Vec<(i64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["errors"][0]["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "confirm_duplicate".to_string()),
            (4, "confirm_duplicate".to_string())
        ]
    );
});
