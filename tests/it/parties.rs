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
