//! Figures bound to the log (issue 15): the summary and every breakdown name the signed
//! checkpoint of exactly the entries they reflect, and `techledger verify figures` recomputes
//! them from the export up to that checkpoint — agreeing with the API to the fen after a
//! history of voids, amendments across the large-contract threshold, approvals, reviews and a
//! registration late on December 31st, and naming the row when a published figure is one fen
//! off.

use std::path::Path;

use diesel::prelude::*;
use rocket::http::Header;
use serde_json::{Value, json};
use techledger::audit::entry::AuditEntry;
use techledger::audit::keys::KeyPurpose;
use techledger::audit::merkle::{self, Frontier};
use techledger::audit::note::{CheckpointBody, Note};
use techledger::domain::*;
use techledger::ledger::{Command, ContractAmendment, NewContract, PartyRef, Request};

use crate::both;
use crate::support::*;

const DIMENSIONS: [&str; 8] = [
    "office",
    "contract_type",
    "tech_field",
    "ip_type",
    "seller_kind",
    "flow",
    "month",
    "review",
];

/// The exported chain, as an auditor downloads it.
async fn export(app: &TestApp, auditor: &TestUser) -> String {
    app.client
        .get("/api/v1/audit/export")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", auditor.token),
        ))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap()
}

/// The Merkle root of the first `size` entries of an export, computed here.
fn root_of(export: &str, size: i64) -> String {
    let mut tree = Frontier::default();
    for line in export.lines().take(size as usize) {
        let entry: AuditEntry = serde_json::from_str(line).unwrap();
        tree.append(merkle::leaf_hash(
            entry.body().canonical().unwrap().as_bytes(),
        ));
    }
    assert_eq!(tree.size(), size as u64, "the export reaches the size");
    merkle::hex(&tree.root())
}

fn checkpoint_rows(app: &TestApp) -> i64 {
    techledger::db::schema::audit_checkpoints::table
        .count()
        .get_result(&mut app.connect())
        .unwrap()
}

/// A contract between two new parties.
fn deal(
    n: u32,
    contract_type: ContractType,
    seller_region: &str,
    buyer_region: &str,
    amount: &str,
    technical: &str,
    registered_at: Option<chrono::NaiveDateTime>,
) -> NewContract {
    let mut seller = enterprise(2 * n, seller_region);
    if n.is_multiple_of(3) {
        seller.kind = PartyKind::University;
    }
    NewContract {
        title: format!("技术合同 {n}"),
        contract_type,
        subtype: None,
        seller: PartyRef::Inline(seller),
        buyer: PartyRef::Inline(enterprise(2 * n + 1, buyer_region)),
        signed_on: registered_at.map_or_else(
            || techledger::time::shanghai_date(techledger::time::now()),
            |t| t.date() - chrono::Duration::days(20),
        ),
        valid_until: None,
        contract_amount: Money::parse(amount).unwrap(),
        technical_amount: Money::parse(technical).unwrap(),
        tech_field: TechField::ALL[n as usize % TechField::ALL.len()],
        ip_type: IpType::ALL[n as usize % IpType::ALL.len()],
        registered_at,
        approved_by: None,
        particulars: Default::default(),
    }
}

fn amendment(id: &str, amount: &str, technical: &str) -> ContractAmendment {
    ContractAmendment {
        id: id.to_string(),
        title: None,
        contract_type: None,
        subtype: None,
        seller_id: None,
        buyer_id: None,
        signed_on: None,
        valid_until: None,
        contract_amount: Some(Money::parse(amount).unwrap()),
        technical_amount: Some(Money::parse(technical).unwrap()),
        tech_field: None,
        ip_type: None,
        reason: "更正金额".into(),
        party_contract_no: None,
        seller_contact: None,
        buyer_contact: None,
        technical_split: None,
    }
}

/// Who acts in the history.
struct Cast {
    author: TestUser,
    second: TestUser,
    other_office: TestUser,
    auditor: TestUser,
    official: TestUser,
}

/// A history like the demo's: registrations of every type and flow in two offices, a void,
/// amendments up across the threshold (back to pending, approved again) and down below it, a
/// large contract approved, reviews confirming and disputing, and two historical
/// registrations either side of midnight on December 31st of last year in Asia/Shanghai.
async fn history(app: &TestApp) -> (Cast, i32) {
    let year = techledger::stats::this_year();
    let cast = Cast {
        author: app.registrar("reg-a").await,
        second: app.registrar("reg-b").await,
        other_office: app
            .user(
                "reg-c",
                Role::Registrar,
                Some(OfficeCode::parse("371371").unwrap()),
            )
            .await,
        auditor: app.user("aud", Role::Auditor, None).await,
        official: app.user("off", Role::Official, None).await,
    };
    let register = |who: &TestUser, c: NewContract| {
        let historical = c.registered_at.is_some();
        let request = Request {
            historical,
            ..Request::new(who.principal(), Command::RegisterContract(c))
        };
        async move {
            let outcome = app.ledger.execute(request).await.expect("registered");
            outcome.body["id"].as_str().unwrap().to_string()
        }
    };
    let act = |who: &TestUser, command: Command| {
        let request = Request::new(who.principal(), command);
        async move { app.ledger.execute(request).await.expect("accepted") }
    };
    let dec31 = chrono::NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap();
    // 23:59:59.999999 in Shanghai on December 31st, and midnight a microsecond later.
    let last_of_year = dec31.and_hms_micro_opt(15, 59, 59, 999_999).unwrap();
    let first_of_year = dec31.and_hms_opt(16, 0, 0).unwrap();
    register(
        &cast.author,
        deal(
            1,
            ContractType::Transfer,
            "320102",
            "371302",
            "880000.00",
            "800000.00",
            Some(last_of_year),
        ),
    )
    .await;
    register(
        &cast.author,
        deal(
            2,
            ContractType::Licensing,
            "370102",
            "371321",
            "123456.78",
            "100000.01",
            Some(first_of_year),
        ),
    )
    .await;
    let mut ids = Vec::new();
    for (n, t, s, b, amount, technical) in [
        (
            3,
            ContractType::Development,
            "310115",
            "371302",
            "1250000.00",
            "1000000.00",
        ),
        (
            4,
            ContractType::Consulting,
            "371302",
            "110108",
            "45000.50",
            "45000.50",
        ),
        (
            5,
            ContractType::Service,
            "371302",
            "371311",
            "300000.00",
            "120000.00",
        ),
        (
            6,
            ContractType::Development,
            "440305",
            "110108",
            "999999.99",
            "999999.99",
        ),
        (
            7,
            ContractType::Transfer,
            "370203",
            "371302",
            "4999999.99",
            "4999999.99",
        ),
        (
            8,
            ContractType::Licensing,
            "330106",
            "371302",
            "2000000.00",
            "1500000.00",
        ),
    ] {
        ids.push(register(&cast.author, deal(n, t, s, b, amount, technical, None)).await);
    }
    let zone = register(
        &cast.other_office,
        deal(
            9,
            ContractType::Development,
            "340104",
            "371311",
            "777777.77",
            "700000.00",
            None,
        ),
    )
    .await;
    // A large contract: pending until a second registrar approves it.
    let large = register(
        &cast.author,
        deal(
            10,
            ContractType::Development,
            "310115",
            "371302",
            "9000000.00",
            "8000000.00",
            None,
        ),
    )
    .await;
    act(
        &cast.second,
        Command::ApproveContract {
            id: large.clone(),
            version: 1,
        },
    )
    .await;
    // A pending one that stays pending, and one amended below the threshold.
    register(
        &cast.author,
        deal(
            11,
            ContractType::Transfer,
            "310115",
            "371302",
            "7000000.00",
            "6000000.00",
            None,
        ),
    )
    .await;
    let lowered = register(
        &cast.author,
        deal(
            12,
            ContractType::Transfer,
            "310115",
            "371302",
            "7000000.00",
            "6000000.00",
            None,
        ),
    )
    .await;
    act(
        &cast.author,
        Command::AmendContract(amendment(&lowered, "4000000.00", "3999999.99")),
    )
    .await;
    // Raised across the threshold: back to pending, out of the totals …
    act(
        &cast.author,
        Command::AmendContract(amendment(&ids[0], "6500000.00", "6000000.00")),
    )
    .await;
    // … and another raised, then approved again at its new amount.
    act(
        &cast.author,
        Command::AmendContract(amendment(&ids[4], "5000000.01", "5000000.00")),
    )
    .await;
    act(
        &cast.second,
        Command::ApproveContract {
            id: ids[4].clone(),
            version: 2,
        },
    )
    .await;
    // An amendment in place, a void, reviews.
    act(
        &cast.author,
        Command::AmendContract(amendment(&ids[1], "45000.51", "45000.00")),
    )
    .await;
    act(
        &cast.author,
        Command::VoidContract {
            id: ids[2].clone(),
            reason: "合同解除".into(),
        },
    )
    .await;
    for (id, verdict) in [
        (&ids[3], ReviewState::Confirmed),
        (&ids[5], ReviewState::Disputed),
        (&zone, ReviewState::Confirmed),
    ] {
        act(
            &cast.auditor,
            Command::ReviewContract {
                id: id.clone(),
                verdict,
                note: "核查".into(),
            },
        )
        .await;
    }
    (cast, year)
}

/// Runs the binary in `dir`; (exit code, stdout, stderr).
fn cli(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
        .args(args)
        .current_dir(dir)
        .env("TECHLEDGER_DATA_DIR", dir.join("no-data"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// What an outsider downloads: the summary and every breakdown of `year`, the checkpoint note
/// they name, written to `dir` (breakdowns under `dir/breakdowns`).
async fn publish(app: &TestApp, token: &str, year: i32, dir: &Path) -> (Value, Vec<Value>) {
    let (status, summary) = app
        .get(&format!("/api/v1/stats/summary?year={year}"), Some(token))
        .await;
    assert_eq!(status.code, 200, "{summary}");
    std::fs::create_dir_all(dir.join("breakdowns")).unwrap();
    std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    std::fs::write(
        dir.join("checkpoint.txt"),
        summary["checkpoint"]["note"].as_str().unwrap(),
    )
    .unwrap();
    let mut breakdowns = Vec::new();
    for by in DIMENSIONS {
        let (status, b) = app
            .get(
                &format!("/api/v1/stats/breakdown?year={year}&by={by}"),
                Some(token),
            )
            .await;
        assert_eq!(status.code, 200, "{b}");
        assert_eq!(
            b["checkpoint"], summary["checkpoint"],
            "{by}: read at the same state, bound to the same checkpoint"
        );
        std::fs::write(dir.join(format!("breakdowns/{by}.json")), b.to_string()).unwrap();
        breakdowns.push(b);
    }
    (summary, breakdowns)
}

both!(
    the_summary_names_the_checkpoint_of_exactly_its_entries,
    |app| {
        let (cast, year) = history(&app).await;
        let token = cast.official.token.as_str();
        let before = checkpoint_rows(&app);
        let (status, summary) = app
            .get(&format!("/api/v1/stats/summary?year={year}"), Some(token))
            .await;
        assert_eq!(status.code, 200, "{summary}");
        let cp = &summary["checkpoint"];
        let size = cp["tree_size"].as_i64().expect("a checkpoint");
        assert_eq!(size, app.head_seq(), "the figures reflect the head");
        assert_eq!(summary["audit_seq"], size);
        let exported = export(&app, &cast.auditor).await;
        assert_eq!(
            cp["root_hash"].as_str().unwrap(),
            root_of(&exported, size),
            "the root recomputed from the export"
        );
        // The note says the same, signed by the log's key; /log/checkpoint/{size} serves it.
        let note = Note::parse(cp["note"].as_str().unwrap()).unwrap();
        let body = CheckpointBody::parse(&note.text).unwrap();
        assert_eq!(body.size, size as u64);
        assert_eq!(merkle::hex(&body.root), cp["root_hash"].as_str().unwrap());
        let res = app
            .client
            .get(format!("/log/checkpoint/{size}"))
            .dispatch()
            .await;
        assert_eq!(res.status().code, 200);
        assert_eq!(
            res.into_string().await.unwrap(),
            cp["note"].as_str().unwrap()
        );
        for bad in ["0", "-1", "x", "99999999"] {
            let res = app
                .client
                .get(format!("/log/checkpoint/{bad}"))
                .dispatch()
                .await;
            assert_eq!(res.status().code, 404, "{bad}");
        }
        // Reading again makes no new checkpoint: one per size, however often figures are read.
        assert!(checkpoint_rows(&app) <= before + 1);
        let rows = checkpoint_rows(&app);
        for _ in 0..5 {
            let (_, again) = app
                .get(&format!("/api/v1/stats/summary?year={year}"), Some(token))
                .await;
            assert_eq!(again["checkpoint"], summary["checkpoint"]);
            app.get(
                &format!("/api/v1/stats/breakdown?year={year}&by=office"),
                Some(token),
            )
            .await;
        }
        assert_eq!(
            checkpoint_rows(&app),
            rows,
            "no write for a size already signed"
        );
        // One more entry: one more checkpoint, at exactly the new head.
        run(
            &app,
            &cast.author,
            Command::RegisterContract(deal(
                40,
                ContractType::Service,
                "371302",
                "371302",
                "1.00",
                "1.00",
                None,
            )),
        )
        .await;
        let (_, after) = app
            .get(&format!("/api/v1/stats/summary?year={year}"), Some(token))
            .await;
        let grown = app.head_seq();
        assert!(grown > size);
        assert_eq!(after["checkpoint"]["tree_size"], grown);
        assert_eq!(checkpoint_rows(&app), rows + 1);
        // As of today: the last entry of today, the head. Before the ledger began: none.
        let today = techledger::time::shanghai_date(techledger::time::now());
        let (_, as_of_today) = app
            .get(
                &format!("/api/v1/stats/summary?year={year}&as_of={today}"),
                Some(token),
            )
            .await;
        assert_eq!(as_of_today["checkpoint"], after["checkpoint"]);
        assert_eq!(as_of_today["turnover"], after["turnover"]);
        let (_, long_ago) = app
            .get(
                &format!(
                    "/api/v1/stats/summary?year={}&as_of={}-01-01",
                    year - 5,
                    year - 5
                ),
                Some(token),
            )
            .await;
        assert_eq!(long_ago["checkpoint"], Value::Null);
        assert_eq!(long_ago["audit_seq"], 0);
        assert_eq!(long_ago["contracts"], 0);
        // The spreadsheet's summary sheet names the checkpoint too.
        let res = app
            .client
            .get(format!("/api/v1/stats/report.xlsx?year={year}"))
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .dispatch()
            .await;
        assert_eq!(res.status().code, 200);
        let bytes = res.into_bytes().await.unwrap();
        let sheet = summary_sheet(&bytes);
        let root = after["checkpoint"]["root_hash"].as_str().unwrap();
        assert!(
            sheet.contains(root),
            "the root hash is on the summary sheet: {sheet}"
        );
        assert!(sheet.contains(&grown.to_string()), "{sheet}");
        assert!(sheet.contains("techledger verify figures"), "{sheet}");
        assert!(
            verify(&app).ok,
            "the checkpoints made for figures verify with the chain"
        );
    }
);

/// The text of the report's first sheet.
pub(crate) fn summary_sheet(xlsx: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

both!(
    a_checkpoint_at_a_past_size_is_signed_once_over_the_stored_tree,
    |app| {
        let (cast, _) = history(&app).await;
        let size = app.head_seq();
        let latest = app.ledger.checkpoint().await.unwrap();
        assert_eq!(latest.tree_size, size);
        let past = app.ledger.checkpoint_at(5).await.unwrap();
        assert_eq!(past.tree_size, 5);
        let exported = export(&app, &cast.auditor).await;
        assert_eq!(
            past.root_hash.as_deref(),
            Some(root_of(&exported, 5).as_str())
        );
        let fifth: AuditEntry = serde_json::from_str(exported.lines().nth(4).unwrap()).unwrap();
        assert_eq!(past.head_hash, fifth.hash, "the JWS names entry 5's hash");
        assert_eq!(
            app.ledger.checkpoint_at(5).await.unwrap(),
            past,
            "reused, not signed again"
        );
        assert!(app.ledger.checkpoint_at(size + 1).await.is_err());
        assert!(app.ledger.checkpoint_at(0).await.is_err());
        // The newest checkpoint is still the latest one served.
        let res = app.client.get("/log/checkpoint").dispatch().await;
        let body =
            CheckpointBody::parse(&Note::parse(&res.into_string().await.unwrap()).unwrap().text)
                .unwrap();
        assert_eq!(body.size, size as u64);
        assert!(verify(&app).ok);
    }
);

both!(
    verify_figures_agrees_with_the_api_to_the_fen_and_names_what_differs,
    |app| {
        let (cast, year) = history(&app).await;
        let root = app
            .key_store()
            .current(KeyPurpose::Audit)
            .unwrap()
            .unwrap()
            .fingerprint();
        let token = cast.official.token.clone();
        let dir = temp_dir();
        let this = dir.join("this");
        let last = dir.join("last");
        let (last_summary, _) = publish(&app, &token, year - 1, &last).await;
        run(
            &app,
            &cast.author,
            Command::RegisterContract(deal(
                49,
                ContractType::Service,
                "371302",
                "110108",
                "3.00",
                "2.00",
                None,
            )),
        )
        .await;
        let (summary, breakdowns) = publish(&app, &token, year, &this).await;
        assert_ne!(summary["checkpoint"], last_summary["checkpoint"]);
        // The year boundary in Asia/Shanghai: 23:59:59.999999 on December 31st counts last
        // year, midnight this year.
        assert_eq!(last_summary["contracts"], 1);
        assert_eq!(last_summary["turnover"], "880000.00");
        let month = &breakdowns[6];
        assert_eq!(month["rows"][0]["key"], "01");
        assert!(month["rows"][0]["contracts"].as_i64().unwrap() >= 1);
        // Later writes do not matter: the figures stand at their checkpoint.
        run(
            &app,
            &cast.author,
            Command::RegisterContract(deal(
                50,
                ContractType::Service,
                "371302",
                "371302",
                "5.00",
                "5.00",
                None,
            )),
        )
        .await;
        std::fs::write(dir.join("audit.jsonl"), export(&app, &cast.auditor).await).unwrap();
        let (status, keys) = app.get("/log/keys", None).await;
        assert_eq!(status.code, 200);
        std::fs::write(dir.join("log-keys.json"), keys.to_string()).unwrap();

        let check = |which: &Path, year: i32, extra: &[&str]| {
            let year = year.to_string();
            let cp = which.join("checkpoint.txt");
            let summary = which.join("summary.json");
            let breakdowns = which.join("breakdowns");
            let mut args = vec![
                "verify",
                "figures",
                "--year",
                &year,
                "--checkpoint",
                cp.to_str().unwrap(),
                "--export",
                "audit.jsonl",
                "--trust-root",
                &root,
                "--summary",
                summary.to_str().unwrap(),
                "--breakdowns",
                breakdowns.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            cli(&dir, &args)
        };
        for (which, y) in [(&this, year), (&last, year - 1)] {
            let (code, out, err) = check(which, y, &[]);
            assert_eq!(code, Some(0), "{out}{err}");
            assert!(
                out.starts_with(&format!("OK figures of {y}: the summary and 8 breakdowns")),
                "{out}"
            );
            assert!(out.contains("trust: root key"), "{out}");
        }
        let (code, out, err) = check(&this, year, &["--log-keys", "log-keys.json"]);
        assert_eq!(code, Some(0), "{out}{err}");

        // Without --summary: the recomputed figures as JSON, equal to the API's.
        let cp = this.join("checkpoint.txt");
        let (code, out, err) = cli(
            &dir,
            &[
                "verify",
                "figures",
                "--year",
                &year.to_string(),
                "--checkpoint",
                cp.to_str().unwrap(),
                "--export",
                "audit.jsonl",
                "--trust-root",
                &root,
            ],
        );
        assert_eq!(code, Some(0), "{out}{err}");
        let recomputed: Value = serde_json::from_str(&out).unwrap();
        for field in ["turnover", "technical_amount", "contracts", "introduced"] {
            assert_eq!(recomputed[field], summary[field], "{field}");
        }
        assert_eq!(
            recomputed["checkpoint"]["tree_size"],
            summary["checkpoint"]["tree_size"]
        );
        assert_eq!(
            recomputed["checkpoint"]["root_hash"],
            summary["checkpoint"]["root_hash"]
        );
        for (by, published) in DIMENSIONS.iter().zip(&breakdowns) {
            for (mine, theirs) in recomputed["breakdowns"][*by]
                .as_array()
                .unwrap()
                .iter()
                .zip(published["rows"].as_array().unwrap())
            {
                for field in [
                    "key",
                    "turnover",
                    "technical_amount",
                    "contracts",
                    "introduced",
                ] {
                    assert_eq!(mine[field], theirs[field], "{by} {field}");
                }
            }
        }

        // One fen off in the summary, then in a breakdown row: named, exit 1.
        let fen_more = |yuan: &Value| {
            let fen = Total::parse(yuan.as_str().unwrap()).unwrap().fen() + 1;
            json!(Total::from_fen(fen).unwrap().to_string())
        };
        let mut tampered = summary.clone();
        tampered["turnover"] = fen_more(&summary["turnover"]);
        std::fs::write(this.join("summary.json"), tampered.to_string()).unwrap();
        let (code, out, _) = check(&this, year, &[]);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.starts_with("FAIL figures: 1 published figure(s)"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "summary turnover: published {}, recomputed {}",
                tampered["turnover"].as_str().unwrap(),
                summary["turnover"].as_str().unwrap()
            )),
            "{out}"
        );
        std::fs::write(this.join("summary.json"), summary.to_string()).unwrap();
        let mut office = breakdowns[0].clone();
        let row = office["rows"]
            .as_array()
            .unwrap()
            .iter()
            .position(|r| r["key"] == "371302")
            .unwrap();
        office["rows"][row]["technical_amount"] =
            fen_more(&office["rows"][row]["technical_amount"]);
        std::fs::write(this.join("breakdowns/office.json"), office.to_string()).unwrap();
        let (code, out, _) = check(&this, year, &[]);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("breakdown office row 371302 technical_amount: published"),
            "{out}"
        );
        // Figures of another checkpoint: the summary names another size.
        std::fs::write(
            this.join("breakdowns/office.json"),
            breakdowns[0].to_string(),
        )
        .unwrap();
        std::fs::write(
            this.join("checkpoint.txt"),
            last_summary["checkpoint"]["note"].as_str().unwrap(),
        )
        .unwrap();
        let (code, out, _) = check(&this, year, &[]);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains(&format!(
                "summary checkpoint tree_size: published {}, recomputed {}",
                summary["checkpoint"]["tree_size"], last_summary["checkpoint"]["tree_size"]
            )),
            "{out}"
        );
        // A rewritten export does not reach the checkpoint's root.
        let export_text = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
        std::fs::write(
            this.join("checkpoint.txt"),
            summary["checkpoint"]["note"].as_str().unwrap(),
        )
        .unwrap();
        let forged: String = export_text
            .lines()
            .take(summary["checkpoint"]["tree_size"].as_u64().unwrap() as usize - 1)
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join("audit.jsonl"), forged).unwrap();
        let (code, out, _) = check(&this, year, &[]);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("(truncated)"), "{out}");
        std::fs::remove_dir_all(dir).ok();
    }
);

both!(
    figures_read_while_two_writers_group_commit_match_their_checkpoint,
    |app| {
        let registrar = app.registrar("reg-a").await;
        let auditor = app.user("aud", Role::Auditor, None).await;
        let official = app.user("off", Role::Official, None).await;
        // A second server on the same database: its own writer, its own connection.
        let config = app.config.clone();
        let other = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
            .await
            .unwrap()
            .expect("a second server opens");
        let year = techledger::stats::this_year();
        let mut writers = Vec::new();
        for (w, ledger) in [app.ledger.clone(), other.ledger.clone()]
            .into_iter()
            .enumerate()
        {
            let principal = registrar.principal();
            writers.push(rocket::tokio::spawn(async move {
                // Pipelined through the queue: the writer commits them in groups.
                let pending: Vec<_> = (0..30u32)
                    .map(|i| {
                        let n = 1000 * (w as u32 + 1) + i;
                        let amount = format!("{}.{:02}", 1000 + n, n % 100);
                        let request = Request::new(
                            principal.clone(),
                            Command::RegisterContract(deal(
                                n,
                                ContractType::ALL[n as usize % 5],
                                ["310115", "371302", "110108"][n as usize % 3],
                                ["371302", "440305"][n as usize % 2],
                                &amount,
                                "1.00",
                                None,
                            )),
                        );
                        let ledger = ledger.clone();
                        async move { ledger.execute_queued(request).await }
                    })
                    .collect();
                for p in pending {
                    p.await.expect("registered");
                }
            }));
        }
        let mut read = Vec::new();
        while writers.iter().any(|w| !w.is_finished()) || read.len() < 3 {
            let (status, s) = app
                .get(
                    &format!("/api/v1/stats/summary?year={year}"),
                    Some(&official.token),
                )
                .await;
            assert_eq!(status.code, 200, "{s}");
            read.push(s);
        }
        for w in writers {
            w.await.unwrap();
        }
        let exported = export(&app, &auditor).await;
        let entries: Vec<AuditEntry> = exported
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let sizes: std::collections::BTreeSet<i64> = read
            .iter()
            .map(|s| s["checkpoint"]["tree_size"].as_i64().unwrap())
            .collect();
        for summary in &read {
            let size = summary["checkpoint"]["tree_size"].as_i64().unwrap();
            let mut replay = techledger::audit::figures::FigureReplay::new();
            for e in &entries[..size as usize] {
                replay.apply(e).unwrap();
            }
            let figures = replay.figures(year).unwrap();
            assert_eq!(
                Total::parse(summary["turnover"].as_str().unwrap())
                    .unwrap()
                    .fen(),
                figures.total.turnover_fen,
                "the turnover read at {size} is the log's at {size}"
            );
            assert_eq!(summary["contracts"], figures.total.contracts, "at {size}");
            assert_eq!(summary["audit_seq"], size);
            assert_eq!(
                summary["checkpoint"]["root_hash"].as_str().unwrap(),
                root_of(&exported, size)
            );
        }
        eprintln!(
            "{} summaries read at {} distinct sizes",
            read.len(),
            sizes.len()
        );
        assert!(verify(&app).ok);
    }
);

both!(
    the_dashboard_shows_the_checkpoint_its_figures_were_computed_at,
    |app| {
        let official = app.user("off", Role::Official, None).await;
        let page = |lang: &'static str| {
            let req = app
                .client
                .get(format!("/?lang={lang}"))
                .header(Header::new("Accept", "text/html"))
                .cookie(rocket::http::Cookie::new(
                    "tl_session",
                    official.token.clone(),
                ));
            async move { req.dispatch().await.into_string().await.unwrap() }
        };
        let zh = page("zh").await;
        for needle in [
            "id=\"figures-checkpoint\"",
            "id=\"checkpoint-link\" href=\"/log/checkpoint\"",
            "id=\"checkpoint-size\"",
            "id=\"checkpoint-root\"",
            "id=\"verify-command\"",
            "以上数字计算自日志检查点",
            "如何核验",
            "techledger verify figures",
        ] {
            assert!(zh.contains(needle), "{needle}");
        }
        let en = page("en").await;
        assert!(en.contains("These figures were computed at the log checkpoint"));
        assert!(en.contains("How to verify"));
        // The script fills them from the summary's checkpoint.
        let script = app.client.get("/static/dashboard.js").dispatch().await;
        let script = script.into_string().await.unwrap();
        assert!(script.contains("summary.checkpoint"));
        assert!(script.contains("\"/log/checkpoint/\" + cp.tree_size"));
    }
);
