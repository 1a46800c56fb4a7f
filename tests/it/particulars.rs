//! What registration offices record beyond the statistics (issue 16): the parties' own
//! contract number, each party's legal representative, each side's contact person with a
//! telephone number, and the split of the technical amount of development, transfer and
//! licensing contracts — through the API, the import, the audit trail, the CSV export and the
//! reconciliation.

use diesel::connection::SimpleConnection;
use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::both;
use crate::support::*;

fn body() -> Value {
    json!({
        "title": "一种智能农机控制系统技术开发",
        "contract_type": "development",
        "seller": {"name": "南京农机研究院", "credit_code": credit_code(1).as_str(), "kind": "research_institute",
                   "region": "320102", "legal_representative": " 李明 "},
        "buyer": {"name": "临沂农机有限公司", "credit_code": credit_code(2).as_str(), "kind": "enterprise", "region": "371302"},
        "signed_on": "2026-03-01",
        "contract_amount": "1250000.00",
        "technical_amount": "1000000.00",
        "tech_field": "agriculture",
        "ip_type": "patent",
        "party_contract_no": "NJ-LY-2026-017",
        "seller_contact": {"name": "王工", "phone": "+86 138 1234 5678"},
        "buyer_contact": {"name": "赵经理", "phone": "(0539)8123456转802"},
        "technical_split": {"principal": "800000.00", "related_services": "200000.00"}
    })
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().map_or(vec![], |e| {
        e.iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_string())
            .collect()
    })
}

both!(the_particulars_are_recorded_read_back_and_audited, |app| {
    let reg = app.registrar("reg1").await;
    let (s, c) = app.post("/api/v1/contracts", &reg.token, &body()).await;
    assert_eq!(s, Status::Created, "{c}");
    assert_eq!(c["party_contract_no"], "NJ-LY-2026-017");
    assert_eq!(
        c["seller_contact"],
        json!({"name": "王工", "phone": "13812345678"})
    );
    assert_eq!(
        c["buyer_contact"],
        json!({"name": "赵经理", "phone": "0539-8123456-802"})
    );
    assert_eq!(
        c["technical_split"],
        json!({"principal": "800000.00", "related_services": "200000.00"})
    );
    let id = c["id"].as_str().unwrap();
    let (_, read) = app
        .get(&format!("/api/v1/contracts/{id}"), Some(&reg.token))
        .await;
    assert_eq!(read["technical_split"], c["technical_split"]);
    assert_eq!(read["seller_legal_representative"], "李明");
    let (_, seller) = app
        .get(
            &format!("/api/v1/parties/{}", c["seller_id"].as_str().unwrap()),
            Some(&reg.token),
        )
        .await;
    assert_eq!(seller["legal_representative"], "李明");
    // The audit entry carries them, so the reconciliation can rebuild them.
    let auditor = app
        .user("aud1", techledger::domain::Role::Auditor, None)
        .await;
    let seq = c["audit_seq"].as_i64().unwrap();
    let (_, entry) = app
        .get(
            &format!("/api/v1/audit/entries/{seq}"),
            Some(&auditor.token),
        )
        .await;
    assert_eq!(
        entry["payload"]["state"]["buyer_contact"]["phone"],
        "0539-8123456-802"
    );
    // The CSV export has them.
    let res = app
        .client
        .get("/api/v1/contracts.csv")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", reg.token),
        ))
        .dispatch()
        .await;
    let csv = res.into_string().await.unwrap();
    for needle in [
        "合同编号",
        "卖方法定代表人",
        "NJ-LY-2026-017",
        "李明",
        "13812345678",
        "0539-8123456-802",
        "800000.00",
        "200000.00",
    ] {
        assert!(csv.contains(needle), "{needle} not in {csv}");
    }
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");

    // An amendment changes a contact and drops the split; the history shows both.
    let (s, amended) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendments"),
            &reg.token,
            &json!({"buyer_contact": {"name": "孙经理", "phone": "13912345678"}, "technical_split": null, "reason": "买方更换联系人"}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{amended}");
    assert_eq!(amended["buyer_contact"]["name"], "孙经理");
    assert_eq!(amended["technical_split"], Value::Null);
    assert_eq!(amended["party_contract_no"], "NJ-LY-2026-017");
    let (_, history) = app
        .get(&format!("/api/v1/contracts/{id}/history"), Some(&reg.token))
        .await;
    let diff: Vec<String> = history["versions"][1]["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(diff, ["buyer_contact", "technical_split"], "{history}");
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");

    // A contact changed behind the ledger's back is named.
    app.connect()
        .batch_execute(&format!(
            "UPDATE contract_details SET buyer_contact_phone = '13900000000' WHERE contract_id = '{id}'"
        ))
        .unwrap();
    let verification = verify(&app);
    assert!(!verification.ok);
    let detail = verification.detail.unwrap();
    assert!(detail.starts_with("contract_details"), "{detail}");
    assert_eq!(verification.first_bad_seq, amended["audit_seq"].as_i64());
});

both!(bad_particulars_are_named_and_write_nothing, |app| {
    let reg = app.registrar("reg1").await;
    let mut bad = body();
    bad["seller_contact"]["phone"] = json!("0539-0123456");
    bad["buyer_contact"]["name"] = json!("");
    bad["party_contract_no"] = json!("x".repeat(65));
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &bad).await;
    assert_eq!(s, Status::UnprocessableEntity, "{p}");
    let mut f = fields(&p);
    f.sort();
    assert_eq!(
        f,
        [
            "buyer_contact.name",
            "party_contract_no",
            "seller_contact.phone"
        ]
    );

    // The split must add up, and only some types have one.
    let mut bad = body();
    bad["technical_split"]["related_services"] = json!("200000.01");
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &bad).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&p), ["technical_split"]);
    let mut bad = body();
    bad["contract_type"] = json!("consulting");
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &bad).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&p), ["technical_split"]);

    // An individual has no legal representative.
    let mut bad = body();
    bad["seller"] = json!({"name": "张三", "kind": "individual", "region": "320102", "legal_representative": "张三"});
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &bad).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&p), ["seller.legal_representative"]);

    let (_, list) = app.get("/api/v1/contracts", Some(&reg.token)).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
});

both!(an_import_reads_the_particulars_columns, |app| {
    let reg = app.registrar("reg1").await;
    let csv = format!(
        "合同名称,合同类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,卖方法定代表人,卖方联系人,卖方联系电话,\
买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,合同成交额,技术交易额,技术领域,知识产权类型,合同编号,\
技术开发转让许可价款,相关技术咨询服务价款\n\
导入测试合同,技术转让,{},南京导入研究院,科研机构,320102,周强,吴工,025-83123456,{},临沂导入有限公司,企业,371302,\
2026-03-01,500000,400000,农业,专利,ZR-2026-1,300000,100000\n",
        credit_code(11).as_str(),
        credit_code(12).as_str()
    );
    let res = app
        .client
        .post("/api/v1/imports?dry_run=false")
        .header(ContentType::CSV)
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", reg.token),
        ))
        .body(csv)
        .dispatch()
        .await;
    let (s, report) = read(res).await;
    assert_eq!(s, Status::Created, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");
    let id = report["contracts"][0].as_str().unwrap();
    let (_, c) = app
        .get(&format!("/api/v1/contracts/{id}"), Some(&reg.token))
        .await;
    assert_eq!(c["party_contract_no"], "ZR-2026-1");
    assert_eq!(
        c["seller_contact"],
        json!({"name": "吴工", "phone": "025-83123456"})
    );
    assert_eq!(c["seller_legal_representative"], "周强");
    assert_eq!(
        c["technical_split"],
        json!({"principal": "300000.00", "related_services": "100000.00"})
    );
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
});
