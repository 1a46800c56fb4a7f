//! Parties over HTTP: create, duplicate codes, search, versions.

use rocket::http::Status;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(parties_are_created_found_and_versioned, |app| {
    let reg = app.registrar("reg1").await;
    let (s, p) = app
        .post("/api/v1/parties", &reg.token, &json!({"name": "临沂市公共交通集团有限公司", "credit_code": "9137130016829134xt", "kind": "enterprise", "region": "371302"}))
        .await;
    assert_eq!(s, Status::Created, "{p}");
    assert_eq!(
        p["credit_code"], "9137130016829134XT",
        "normalised to upper case"
    );
    assert_eq!(p["version"], 1);
    let id = p["id"].as_str().unwrap().to_string();
    let (s, dup) = app
        .post("/api/v1/parties", &reg.token, &json!({"name": "另一家", "credit_code": "9137130016829134XT", "kind": "enterprise", "region": "371302"}))
        .await;
    assert_eq!(s, Status::Conflict, "{dup}");
    let (s, bad) = app
        .post("/api/v1/parties", &reg.token, &json!({"name": "", "credit_code": "91371300123410000F", "kind": "company", "region": "999999"}))
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(bad["errors"].as_array().unwrap().len(), 4, "{bad}");
    let (s, person) = app
        .post(
            "/api/v1/parties",
            &reg.token,
            &json!({"name": "张三", "kind": "individual", "region": "371302"}),
        )
        .await;
    assert_eq!(
        s,
        Status::Created,
        "individuals need no credit code: {person}"
    );
    let (s, foreign) = app
        .post("/api/v1/parties", &reg.token, &json!({"name": "Fraunhofer", "kind": "research_institute", "region": "000000", "country": "DEU"}))
        .await;
    assert_eq!(s, Status::Created, "{foreign}");
    let (_, found) = app
        .get(
            "/api/v1/parties?q=%E5%85%AC%E5%85%B1%E4%BA%A4%E9%80%9A",
            Some(&reg.token),
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, found) = app
        .get(
            "/api/v1/parties?credit_code=9137130016829134xt",
            Some(&reg.token),
        )
        .await;
    assert_eq!(found["items"][0]["id"], id.as_str());
    let (s, v2) = app
        .send(
            "PATCH",
            &format!("/api/v1/parties/{id}"),
            Some(&reg.token),
            &json!({"name": "临沂公交集团有限公司", "reason": "更名"}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{v2}");
    assert_eq!(v2["version"], 2);
    let (_, history) = app
        .get(&format!("/api/v1/parties/{id}/history"), Some(&reg.token))
        .await;
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["reason"], "更名");
    assert_eq!(versions[1]["diff"][0]["field"], "name");
    assert_eq!(versions[1]["actor"]["username"], "reg1");
    assert!(verify(&app).ok);
});

/// `(field, English message, Chinese message)` of each error in a 422 answer.
fn field_errors(body: &serde_json::Value) -> Vec<(String, String, String)> {
    body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (text("field"), text("message"), text("message_zh"))
        })
        .collect()
}

both!(
    a_mistyped_credit_code_gets_one_message_naming_the_character,
    |app| {
        let reg = app.registrar("reg1").await;
        // 913713001682510225 with position 17 mistyped as 7.
        let (s, body) = app
        .post("/api/v1/parties", &reg.token, &json!({"name": "临沂市公共交通集团有限公司", "credit_code": "913713001682510275", "kind": "enterprise", "region": "371302"}))
        .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        let errors = field_errors(&body);
        assert_eq!(
            errors.len(),
            1,
            "one message, not a 'required' on top: {body}"
        );
        let (field, en, zh) = &errors[0];
        assert_eq!(field, "credit_code");
        assert!(
            en.contains("not a valid unified social credit code"),
            "{en}"
        );
        assert!(zh.contains("第 17 位可能录错了（改为“2”"), "{zh}");
        assert!(
            !zh.contains("除个人外") && !en.contains("required"),
            "{zh} / {en}"
        );
        // Empty, the field is required (for all but individuals), with no word about characters.
        let (s, body) = app
        .post(
            "/api/v1/parties",
            &reg.token,
            &json!({"name": "临沂市公共交通集团有限公司", "credit_code": " ", "kind": "enterprise", "region": "371302"}),
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        let errors = field_errors(&body);
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0].2, "除个人外必须填写统一社会信用代码");
        // Nothing was written.
        let (_, found) = app
            .get("/api/v1/parties?q=%E5%85%AC%E4%BA%A4", Some(&reg.token))
            .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
    }
);

both!(a_party_form_reports_every_bad_field_at_once, |app| {
    let reg = app.registrar("reg1").await;
    // A bad kind used to stop the cross-field rules, so the country came only on the next try.
    let (s, body) = app
        .post(
            "/api/v1/parties",
            &reg.token,
            &json!({"name": "Fraunhofer", "kind": "institute", "region": "000000"}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    let mut fields: Vec<String> = field_errors(&body).into_iter().map(|e| e.0).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["country", "kind"], "{body}");
});

both!(the_users_form_reports_every_bad_field_at_once, |app| {
    let admin = app
        .user("root", techledger::domain::Role::Admin, None)
        .await;
    // A registrar without an office and with a weak password: both at once (the office used to
    // come only after the password was fixed).
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": "clerk", "password": "short", "role": "registrar", "display_name": " "}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    let mut fields: Vec<String> = field_errors(&body).into_iter().map(|e| e.0).collect();
    fields.sort_unstable();
    fields.dedup();
    assert_eq!(fields, ["display_name", "office", "password"], "{body}");
    // A mistyped office is named once, not also as missing.
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": "clerk", "password": "Spring-Lotus-2026", "role": "registrar", "office": "999999"}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    assert_eq!(field_errors(&body).len(), 1, "{body}");
    let (s, _) = app.get("/api/v1/users", Some(&admin.token)).await;
    assert_eq!(s, Status::Ok);
});
