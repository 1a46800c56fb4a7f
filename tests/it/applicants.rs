//! Applicants (issue 16): sign-up, activation by a registrar of the office, registrars creating
//! applicants of their own office, the role's bounds, and the migration that brought it.

use rocket::http::{ContentType, Status};
use serde_json::{Value, json};
use techledger::domain::{OfficeCode, Role};

use crate::both;
use crate::support::*;

fn sign_up_body(username: &str, n: u32, office: &str) -> Value {
    json!({
        "username": username,
        "password": "Spring-Lotus-2026",
        "display_name": format!("测试企业{n}有限公司"),
        "credit_code": credit_code(n).as_str(),
        "office": office,
    })
}

async fn sign_up(app: &TestApp, body: &Value) -> (Status, Value) {
    app.send("POST", "/api/v1/auth/sign-up", None, body).await
}

async fn login_status(app: &TestApp, username: &str, password: &str) -> Status {
    app.client
        .post("/api/v1/auth/login")
        .header(ContentType::JSON)
        .body(json!({"username": username, "password": password}).to_string())
        .dispatch()
        .await
        .status()
}

/// The audit entries after `seq`, as an auditor reads them.
async fn entries_after(app: &TestApp, auditor: &TestUser, seq: i64) -> Vec<Value> {
    let (s, body) = app
        .get(
            &format!("/api/v1/audit/entries?after_seq={seq}&limit=500"),
            Some(&auditor.token),
        )
        .await;
    assert_eq!(s, Status::Ok, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn head(app: &TestApp, auditor: &TestUser) -> i64 {
    let (_, body) = app
        .get("/api/v1/audit/checkpoint", Some(&auditor.token))
        .await;
    body["tree_size"].as_i64().unwrap()
}

both!(
    someone_signs_up_and_signs_in_once_the_office_activates_them,
    |app| {
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let lanshan = app.registrar("reg1").await;
        let luozhuang = app
            .user(
                "reg2",
                Role::Registrar,
                Some(OfficeCode::parse("371311").unwrap()),
            )
            .await;
        let before = head(&app, &auditor).await;
        let (s, user) = sign_up(&app, &sign_up_body("seller1", 21, "371302")).await;
        assert_eq!(s, Status::Created, "{user}");
        assert_eq!(user["role"], "applicant");
        assert_eq!(user["active"], false);
        assert_eq!(user["office"], "371302");
        assert_eq!(user["credit_code"], credit_code(21).as_str());
        assert!(user.get("password_hash").is_none());
        let id = user["id"].as_str().unwrap().to_string();
        assert_eq!(
            login_status(&app, "seller1", "Spring-Lotus-2026").await,
            Status::Unauthorized,
            "an applicant waits for activation"
        );

        // The registrar of Lanshan sees them waiting; Luozhuang's does not, and may not let
        // them in.
        let (s, waiting) = app
            .get("/api/v1/applicants?active=false", Some(&lanshan.token))
            .await;
        assert_eq!(s, Status::Ok);
        let ids: Vec<&str> = waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id.as_str()]);
        let (_, other) = app.get("/api/v1/applicants", Some(&luozhuang.token)).await;
        assert_eq!(other["items"], json!([]));
        let activate = format!("/api/v1/applicants/{id}/activate");
        let (s, body) = app.post(&activate, &luozhuang.token, &json!({})).await;
        assert_eq!(s, Status::Forbidden, "{body}");
        let (s, body) = app.post(&activate, &lanshan.token, &json!({})).await;
        assert_eq!(s, Status::Ok, "{body}");
        assert_eq!(body["active"], true);
        let (s, body) = app.post(&activate, &lanshan.token, &json!({})).await;
        assert_eq!(s, Status::Conflict, "{body}");

        let token = app.login("seller1", "Spring-Lotus-2026").await;
        let (s, me) = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(s, Status::Ok);
        assert_eq!(me["role"], "applicant");
        assert_eq!(me["credit_code"], credit_code(21).as_str());

        // One entry per step: the sign-up (nobody signed in) and the activation.
        let entries = entries_after(&app, &auditor, before).await;
        let steps: Vec<(&str, &Value)> = entries
            .iter()
            .map(|e| (e["action"].as_str().unwrap(), &e["actor"]))
            .collect();
        assert_eq!(steps.len(), 2, "{entries:?}");
        assert_eq!(steps[0], ("user.sign_up", &Value::Null));
        assert_eq!(steps[1].0, "user.activate");
        assert_eq!(steps[1].1["username"], "reg1");
        assert!(
            !entries[0].to_string().contains("Spring-Lotus"),
            "no password in the chain"
        );
        assert!(verify(&app).ok, "the users table reconciles with the chain");
    }
);

both!(a_sign_up_names_every_bad_field_and_writes_nothing, |app| {
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let before = head(&app, &auditor).await;
    let (s, body) = sign_up(
        &app,
        &json!({"username": "x", "password": "short", "credit_code": "91371300MA3R064567", "office": "999999"}),
    )
    .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    assert_eq!(
        fields,
        ["credit_code", "display_name", "office", "password"],
        "{body}"
    );
    let (s, body) = sign_up(
        &app,
        &json!({"username": "seller1", "password": "Spring-Lotus-2026", "display_name": "某公司",
                "credit_code": credit_code(1).as_str(), "office": "371302", "role": "admin"}),
    )
    .await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "nobody signs up for another role: {body}"
    );
    assert_eq!(body["errors"][0]["field"], "role");
    let (s, body) = sign_up(
        &app,
        &json!({"username": "bad name!", "password": "Spring-Lotus-2026", "display_name": "某公司",
                "credit_code": credit_code(1).as_str(), "office": "371302"}),
    )
    .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["errors"][0]["field"], "username");
    assert_eq!(head(&app, &auditor).await, before, "nothing was written");
    // A taken username is a conflict.
    let (s, _) = sign_up(&app, &sign_up_body("aud1", 1, "371302")).await;
    assert_eq!(s, Status::Conflict);
});

both!(sign_ups_are_throttled_per_address, |app| {
    for i in 0..10 {
        let (s, body) = sign_up(&app, &sign_up_body(&format!("seller{i}"), i, "371302")).await;
        assert!(
            s == Status::Created || s == Status::UnprocessableEntity,
            "{s} {body}"
        );
    }
    let res = app
        .client
        .post("/api/v1/auth/sign-up")
        .header(ContentType::JSON)
        .body(sign_up_body("seller99", 99, "371302").to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::TooManyRequests);
    let retry: u64 = res
        .headers()
        .get_one("Retry-After")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let (problem_type, _) = (
        res.content_type().map(|c| c.to_string()),
        res.into_string().await,
    );
    assert_eq!(problem_type.as_deref(), Some("application/problem+json"));
});

both!(
    registrars_create_applicants_of_their_own_office_only,
    |app| {
        let admin = app.user("root", Role::Admin, None).await;
        let reg = app.registrar("reg1").await;
        let body = json!({"username": "counter1", "password": "Spring-Lotus-2026",
                          "display_name": "柜台申请人", "credit_code": credit_code(31).as_str()});
        let (s, made) = app.post("/api/v1/applicants", &reg.token, &body).await;
        assert_eq!(s, Status::Created, "{made}");
        assert_eq!(
            (
                made["role"].as_str(),
                made["office"].as_str(),
                made["active"].as_bool()
            ),
            (Some("applicant"), Some("371302"), Some(true))
        );
        app.login("counter1", "Spring-Lotus-2026").await;
        // Registrars create applicants only, and only through /applicants.
        let (s, _) = app
            .post(
                "/api/v1/users",
                &reg.token,
                &json!({"username": "clerk", "password": "Spring-Lotus-2026", "role": "registrar", "office": "371302"}),
            )
            .await;
        assert_eq!(s, Status::Forbidden);
        // Admins create applicants with their party and office…
        let (s, body) = app
            .post(
                "/api/v1/users",
                &admin.token,
                &json!({"username": "app2", "password": "Spring-Lotus-2026", "role": "applicant"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        let mut fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["credit_code", "office"]);
        let (s, body) = app
            .post(
                "/api/v1/users",
                &admin.token,
                &json!({"username": "app2", "password": "Spring-Lotus-2026", "role": "applicant",
                        "office": "371311", "credit_code": credit_code(32).as_str()}),
            )
            .await;
        assert_eq!(s, Status::Created, "{body}");
        // …and nobody else is bound to a party, nor turned into an applicant or out of one.
        let (s, body) = app
            .post(
                "/api/v1/users",
                &admin.token,
                &json!({"username": "aud9", "password": "Spring-Lotus-2026", "role": "auditor",
                        "credit_code": credit_code(33).as_str()}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        assert_eq!(body["errors"][0]["field"], "credit_code");
        let (s, body) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", made["id"].as_str().unwrap()),
                Some(&admin.token),
                &json!({"role": "registrar"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        assert_eq!(body["errors"][0]["field"], "role");
        let (s, body) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", reg.actor.id),
                Some(&admin.token),
                &json!({"role": "applicant"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{body}");
        // The registrar lists the applicants of the office only; the admin every one.
        let (_, mine) = app.get("/api/v1/applicants", Some(&reg.token)).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        let (_, all) = app.get("/api/v1/applicants", Some(&admin.token)).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        // Activation is for applicants: a registrar finds nobody else.
        let (s, _) = app
            .post(
                &format!("/api/v1/applicants/{}/activate", admin.actor.id),
                &reg.token,
                &json!({}),
            )
            .await;
        assert_eq!(s, Status::NotFound);
        assert!(verify(&app).ok);
    }
);

/// Reverts and re-applies the applicants migration on `conn`; the revert's result.
fn applicants_migration_down_and_up(conn: &mut techledger::db::DbConn) -> Result<(), String> {
    use diesel::migration::{Migration, MigrationSource};
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    fn down_and_up<DB, C>(c: &mut C, source: EmbeddedMigrations) -> Result<(), String>
    where
        DB: diesel::backend::Backend,
        C: MigrationHarness<DB>,
        EmbeddedMigrations: MigrationSource<DB>,
    {
        let all: Vec<Box<dyn Migration<DB>>> = source.migrations().unwrap();
        let ours = all
            .iter()
            .find(|m| m.name().to_string().ends_with("_applicants"))
            .expect("the migration is embedded");
        c.revert_migration(ours.as_ref())
            .map_err(|e| e.to_string())?;
        c.run_migration(ours.as_ref()).expect("up again");
        Ok(())
    }
    match conn {
        techledger::db::DbConn::Sqlite(c) => down_and_up(c, SQLITE),
        techledger::db::DbConn::Postgres(c) => down_and_up(c, POSTGRES),
    }
}

both!(the_applicants_migration_keeps_every_user_both_ways, |app| {
    use diesel::prelude::*;
    use techledger::db::schema::users;
    let reg = app.registrar("reg1").await;
    app.user("aud1", Role::Auditor, None).await;
    run(
        &app,
        &reg,
        techledger::ledger::Command::RegisterContract(contract(1, 2, "1000.00", "1000.00")),
    )
    .await;
    let all = |conn: &mut techledger::db::DbConn| {
        users::table
            .order(users::id.asc())
            .select(techledger::db::models::users::UserRow::as_select())
            .load(conn)
            .unwrap()
    };
    let mut conn = app.connect();
    let before = all(&mut conn);
    applicants_migration_down_and_up(&mut conn).expect("down without applicants");
    assert_eq!(all(&mut conn), before, "every user as it was, both ways");
    if let techledger::db::DbConn::Sqlite(c) = &mut conn {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let broken: Count = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
            .get_result(c)
            .unwrap();
        assert_eq!(broken.n, 0, "every reference to a user still holds");
        let on: Count = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
            .get_result(c)
            .unwrap();
        assert_eq!(on.n, 1, "foreign keys are enforced again");
    }
    drop(conn);
    // The rebuilt table takes applicants, and the chain still reconciles.
    let applicant = app.applicant("app1", 41).await;
    assert!(verify(&app).ok);
    // With an applicant in it, the way back is refused and nothing is lost.
    let mut conn = app.connect();
    assert!(applicants_migration_down_and_up(&mut conn).is_err());
    drop(conn);
    let mut conn = app.connect();
    let ids: Vec<String> = all(&mut conn).into_iter().map(|u| u.id).collect();
    assert!(ids.contains(&applicant.actor.id));
    assert_eq!(ids.len(), before.len() + 1);
    assert!(verify(&app).ok);
});
