//! Money sums at the real limit (issue 14, point 4): one contract is at most 10¹² yuan
//! (10¹⁴ fen), a year's turnover is at most `i64::MAX` fen (92,233,720,368,547,758.07 yuan), so
//! 92,233 contracts at the maximum fit in a year and the 92,234th does not. Every way an amount
//! enters the totals — an import row, a registration, an amendment, an approval — is refused
//! with a 422 naming the field when it would take the year past that; the figures read back
//! exact to the fen at the limit.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::both;
use crate::support::*;

/// The largest contract amount, in yuan.
const MAX_AMOUNT: &str = "1000000000000.00";
/// Contracts at the maximum that fit in one year: ⌊i64::MAX / 10¹⁴⌋.
const FIT: usize = 92_233;
/// The rows of the big import: more than fit.
const ROWS: usize = 95_000;
/// What is left of the year's room after `FIT` maximal contracts: i64::MAX − FIT × 10¹⁴ fen.
const ROOM_LEFT: &str = "720368547758.07";
/// The largest turnover a year can hold, in yuan.
const YEAR_MAX: &str = "92233720368547758.07";

const HEADER: &str = "合同名称,合同类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,\
买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,合同成交额（元）,技术交易额（元）,技术领域,知识产权类型";

/// Distinct sellers (and buyers) the rows cycle through.
const PARTIES: usize = 200;

/// A CSV of `rows` contracts of `amount` yuan each (the technical amounts differ, below the
/// large-contract threshold, so no row repeats another and none waits for approval), titles
/// starting with `tag`.
fn csv(rows: usize, amount: &str, tag: &str) -> String {
    let mut out = String::with_capacity(rows * 260);
    out.push_str(HEADER);
    out.push('\n');
    for i in 0..rows {
        let seller = i % PARTIES;
        let technical_fen = 100 + i as u64;
        out.push_str(&format!(
            "{tag}{i},技术开发,{},卖方{seller}有限公司,企业,320102,{},买方{seller}有限公司,企业,371302,2026-{:02}-{:02},{amount},{}.{:02},农业,专利\n",
            credit_code(seller as u32 + 1).as_str(),
            credit_code(seller as u32 + 10_001).as_str(),
            i % 11 + 1,
            i % 28 + 1,
            technical_fen / 100,
            technical_fen % 100,
        ));
    }
    out
}

async fn import(app: &TestApp, token: &str, csv: String, query: &str) -> (Status, Value) {
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

/// A registration body between two new parties.
fn contract_body(n: u32, amount: &str, technical: &str) -> Value {
    json!({
        "title": format!("溢出测试合同{n}"),
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": {"name": format!("溢出卖方{n}"), "credit_code": credit_code(50_000 + n).as_str(),
                   "kind": "enterprise", "region": "320102"},
        "buyer": {"name": format!("溢出买方{n}"), "credit_code": credit_code(60_000 + n).as_str(),
                  "kind": "enterprise", "region": "371302"},
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": technical,
        "tech_field": "agriculture",
        "ip_type": "patent",
    })
}

/// The fields named by a problem's `errors` (or by the rows of a rejected import).
fn fields(problem: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for e in problem["errors"].as_array().into_iter().flatten() {
        out.push(e["field"].as_str().unwrap_or_default().to_string());
    }
    for r in problem["rejected"].as_array().into_iter().flatten() {
        for e in r["errors"].as_array().into_iter().flatten() {
            out.push(e["field"].as_str().unwrap_or_default().to_string());
        }
    }
    out
}

both!(
    a_year_at_the_turnover_limit_refuses_every_fen_more_and_reads_exact,
    |app| {
        let reg = app.registrar("reg1").await;
        let approver = app.registrar("reg2").await;
        let official = app
            .user("official", techledger::domain::Role::Official, None)
            .await;
        let year = techledger::stats::this_year();

        // A contract above the large-contract threshold waits for approval, outside the totals.
        let (s, pending) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &contract_body(1, "6000000.00", "6000000.00"),
            )
            .await;
        assert_eq!(s, Status::Created, "{pending}");
        assert_eq!(pending["status"], "pending");

        // 95,000 rows at the maximum: the first 92,233 fit, every one after is refused naming
        // its amount; partial=true keeps those that fit.
        let (s, body) = import(
            &app,
            &reg.token,
            csv(ROWS, MAX_AMOUNT, "满额"),
            "partial=true",
        )
        .await;
        assert_eq!(
            s,
            Status::Created,
            "{}",
            &body.to_string()[..body.to_string().len().min(2000)]
        );
        assert_eq!(body["accepted"], FIT);
        let rejected = body["rejected"].as_array().expect("rejected");
        assert_eq!(rejected.len(), ROWS - FIT);
        assert_eq!(
            rejected[0]["row"],
            FIT + 2,
            "the first row that does not fit"
        );
        assert!(
            fields(&body).iter().all(|f| f == "contract_amount"),
            "{:?}",
            &rejected[0]
        );

        let summary_path = format!("/api/v1/stats/summary?year={year}");
        let (s, summary) = app.get(&summary_path, Some(&official.token)).await;
        assert_eq!(s, Status::Ok);
        assert_eq!(summary["turnover"], format!("{FIT}000000000000.00"));

        // Without partial, a file with a row that does not fit is refused whole, naming it.
        let (s, refused) = import(&app, &reg.token, csv(3, "999999999999.99", "再导入"), "").await;
        assert_eq!(s, Status::UnprocessableEntity, "{refused}");
        assert!(
            fields(&refused).contains(&"contract_amount".to_string()),
            "{refused}"
        );

        // One fen more than the room left is refused; exactly the room left is registered.
        let one_fen_more = "720368547758.08";
        let (s, problem) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &contract_body(2, one_fen_more, "1.00"),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        assert_eq!(fields(&problem), vec!["contract_amount"]);
        let (s, last) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &contract_body(3, ROOM_LEFT, "1.00"),
            )
            .await;
        assert_eq!(s, Status::Created, "{last}");

        // The year is full: an amendment adding a fen, and the approval of the pending
        // contract, are refused naming the amount; a smaller amendment is fine.
        let id = last["id"].as_str().expect("id");
        let (s, problem) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &reg.token,
                &json!({"contract_amount": one_fen_more, "reason": "补充金额"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        assert_eq!(fields(&problem), vec!["contract_amount"]);
        let pending_id = pending["id"].as_str().expect("id");
        let (s, problem) = app
            .post(
                &format!("/api/v1/contracts/{pending_id}/approve"),
                &approver.token,
                &json!({"version": pending["version"]}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        assert_eq!(fields(&problem), vec!["contract_amount"]);

        // Every figure reads back exact at the limit.
        let (s, summary) = app.get(&summary_path, Some(&official.token)).await;
        assert_eq!(s, Status::Ok);
        assert_eq!(summary["turnover"], YEAR_MAX);
        assert_eq!(summary["contracts"], FIT + 1);
        for by in ["office", "month", "flow", "contract_type", "review"] {
            let (s, breakdown) = app
                .get(
                    &format!("/api/v1/stats/breakdown?year={year}&by={by}"),
                    Some(&official.token),
                )
                .await;
            assert_eq!(s, Status::Ok, "{by}");
            let sum: i128 = breakdown["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|r| {
                    let t = r["turnover"].as_str().expect("turnover").replace('.', "");
                    t.parse::<i128>().expect("fen")
                })
                .sum();
            assert_eq!(sum, i128::from(i64::MAX), "{by} adds up to the summary");
        }
    }
);
