//! The public receipt of a registration (`GET /api/v1/public/registrations/{no}/receipt`, what
//! the `/verify` page reads): anyone gets what the certificate shows and a proof that checks
//! against the latest signed checkpoint — and nothing personal, nothing of a contract that is
//! not registered.

use rocket::http::Status;
use serde_json::{Value, json};
use techledger::audit::entry::AuditEntry;
use techledger::audit::merkle;
use techledger::audit::note::{CheckpointBody, Note, VerifierKey};
use techledger::domain::Role;

use crate::support::*;
use crate::{both, both_with};

/// A registration with everything personal a contract can carry: contact persons with phone
/// numbers, a legal representative, the parties' own contract number.
fn body() -> Value {
    json!({
        "title": "一种智能农机控制系统技术开发",
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": {"name": "南京农机研究院", "credit_code": credit_code(1).as_str(), "kind": "research_institute",
                   "region": "320102", "legal_representative": "李明远"},
        "buyer": {"name": "临沂农机有限公司", "credit_code": credit_code(2).as_str(), "kind": "enterprise", "region": "371302"},
        "signed_on": "2026-03-01",
        "contract_amount": "1250000.00",
        "technical_amount": "1000000.00",
        "tech_field": "agriculture",
        "ip_type": "patent",
        "party_contract_no": "NJ-LY-2026-017",
        "seller_contact": {"name": "王建功", "phone": "13812345678"},
        "buyer_contact": {"name": "赵经理", "phone": "0539-8123456"}
    })
}

fn receipt_path(no: &str) -> String {
    format!("/api/v1/public/registrations/{no}/receipt")
}

both!(
    a_registration_s_public_receipt_proves_its_entry_in_the_latest_checkpoint,
    |app| {
        let reg = app.registrar("registrar-wang").await;
        let (s, c) = app.post("/api/v1/contracts", &reg.token, &body()).await;
        assert_eq!(s, Status::Created, "{c}");
        let no = c["registration_no"].as_str().unwrap().to_string();
        // A later change: the receipt proves the newest entry, in a checkpoint covering it.
        let (s, later) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &json!({"title": "另一份合同", "contract_type": "service",
                    "seller_id": c["seller_id"], "buyer_id": c["buyer_id"], "signed_on": "2026-04-01",
                    "contract_amount": "50000.00", "technical_amount": "50000.00",
                    "tech_field": "agriculture", "ip_type": "none"}),
            )
            .await;
        assert_eq!(s, Status::Created);

        let (s, r) = app.get(&receipt_path(&no), None).await;
        assert_eq!(s, Status::Ok, "{r}");
        assert_eq!(r["registration_no"], no.as_str());
        assert_eq!(r["status"]["code"], "registered");
        assert_eq!(r["status"]["zh"], "已登记");
        let p = &r["particulars"];
        assert_eq!(p["title"], "一种智能农机控制系统技术开发");
        assert_eq!(p["contract_amount"], "1250000.00");
        assert_eq!(p["technical_amount"], "1000000.00");
        assert_eq!(p["seller"]["name"], "南京农机研究院");
        assert_eq!(p["seller"]["credit_code"], credit_code(1).as_str());
        assert_eq!(p["buyer"]["name"], "临沂农机有限公司");
        assert_eq!(p["contract_type"]["code"], "development");
        assert_eq!(p["subtype"]["code"], "commissioned");
        assert_eq!(p["office"]["code"], "371302");
        assert_eq!(p["signed_on"], "2026-03-01");
        assert!(p["registered_on"].as_str().unwrap().starts_with("20"));
        assert_eq!(r["entry"]["seq"], c["audit_seq"]);
        assert_eq!(r["entry"]["action"], "contract.register");

        // The proof, checked here against the entry as an auditor exports it — not against
        // the server's word: its leaf hash is the hash of that entry's bytes, its path leads
        // to the root of the checkpoint, and the checkpoint is signed by the log's key.
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let seq = c["audit_seq"].as_i64().unwrap();
        let (_, entry) = app
            .get(
                &format!("/api/v1/audit/entries/{seq}"),
                Some(&auditor.token),
            )
            .await;
        let entry: AuditEntry = serde_json::from_value(entry).unwrap();
        let leaf = merkle::leaf_hash(entry.body().canonical().unwrap().as_bytes());
        assert_eq!(r["inclusion"]["leaf_hash"], merkle::hex(&leaf));
        let note = Note::parse(r["checkpoint"].as_str().unwrap()).unwrap();
        let cp = CheckpointBody::parse(&note.text).unwrap();
        assert_eq!(cp.origin, r["origin"].as_str().unwrap());
        let head = later["audit_seq"].as_u64().unwrap();
        assert_eq!(
            cp.size, head,
            "the latest checkpoint, which covers the later change"
        );
        assert_eq!(r["inclusion"]["tree_size"], head);
        let path: Vec<merkle::Hash> = r["inclusion"]["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| merkle::parse_hex(h.as_str().unwrap()).unwrap())
            .collect();
        assert!(merkle::verify_inclusion(
            (seq - 1) as u64,
            cp.size,
            &leaf,
            &path,
            &cp.root
        ));
        let keys = r["log_keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        let key = VerifierKey::parse(keys[0].as_str().unwrap()).unwrap();
        assert!(
            note.signed_by(&key),
            "the checkpoint is signed by the key shown"
        );
        let (_, served) = app.get("/log/keys", None).await;
        assert_eq!(served["vkey"], keys[0]);

        // Nothing personal and nothing internal: not the contacts, their phones, the legal
        // representative, the parties' own contract number, the registrar, or any id.
        let text = r.to_string();
        for secret in [
            "13812345678",
            "0539-8123456",
            "王建功",
            "赵经理",
            "李明远",
            "NJ-LY-2026-017",
            "registrar-wang",
            reg.actor.id.as_str(),
            c["id"].as_str().unwrap(),
            c["seller_id"].as_str().unwrap(),
            c["buyer_id"].as_str().unwrap(),
            "created_by",
            "contact",
            "payload",
        ] {
            assert!(
                !text.contains(secret),
                "the public receipt leaks {secret}: {text}"
            );
        }
    }
);

both!(
    unknown_and_malformed_numbers_are_refused_with_a_problem,
    |app| {
        let (s, p) = app.get(&receipt_path("2026371302999999"), None).await;
        assert_eq!(s, Status::NotFound, "{p}");
        assert_eq!(p["status"], 404);
        assert!(p["detail"].as_str().unwrap().contains("2026371302999999"));
        for bad in ["12345", "2026371302abcdef", "2026000000000001"] {
            let (s, p) = app.get(&receipt_path(bad), None).await;
            assert_eq!(s, Status::UnprocessableEntity, "{bad}: {p}");
            assert_eq!(p["errors"][0]["field"], "registration_no", "{p}");
        }
    }
);

both!(
    a_voided_registration_shows_its_status_and_nothing_of_the_contract,
    |app| {
        let reg = app.registrar("reg1").await;
        let (_, c) = app.post("/api/v1/contracts", &reg.token, &body()).await;
        let no = c["registration_no"].as_str().unwrap().to_string();
        let (s, v) = app
            .post(
                &format!("/api/v1/contracts/{}/void", c["id"].as_str().unwrap()),
                &reg.token,
                &json!({"reason": "双方解除合同，联系人王建功13812345678申请撤销"}),
            )
            .await;
        assert_eq!(s, Status::Ok, "{v}");
        let (s, r) = app.get(&receipt_path(&no), None).await;
        assert_eq!(s, Status::Ok, "{r}");
        assert_eq!(r["status"]["code"], "voided");
        assert_eq!(r["particulars"], Value::Null);
        assert_eq!(r["entry"]["action"], "contract.void");
        assert_eq!(r["entry"]["seq"], v["audit_seq"]);
        let text = r.to_string();
        for secret in [
            "1250000.00",
            "南京农机研究院",
            "13812345678",
            "解除",
            "智能农机",
        ] {
            assert!(
                !text.contains(secret),
                "a voided registration leaks {secret}: {text}"
            );
        }
    }
);

both_with!(
    public_lookups_are_throttled_per_address,
    |config| {
        config.auth.public_lookups_per_minute = 2;
    },
    |app| {
        let (s, _) = app.get(&receipt_path("2026371302999999"), None).await;
        assert_eq!(s, Status::NotFound);
        let (s, _) = app.get(&receipt_path("2026371302999998"), None).await;
        assert_eq!(s, Status::NotFound);
        let res = app
            .client
            .get(receipt_path("2026371302999997"))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::TooManyRequests);
        let wait: u64 = res
            .headers()
            .get_one("Retry-After")
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        let (_, p) = read(res).await;
        assert_eq!(p["status"], 429);
    }
);
