//! The CSV export of the contract list (issue 17): times in Beijing time, so that a contract
//! registered late on 31 December (UTC) is in the next year as the statistics count it; each
//! party by name and credit code; no cell a spreadsheet would run as a formula.

use rocket::http::{Header, Status};
use techledger::domain::PartyKind;
use techledger::ledger::{Command, PartyRef, Request};

use crate::both;
use crate::support::*;

/// The export under `query` as rows of cells keyed by header (the BOM checked and dropped).
async fn export(app: &TestApp, token: &str, query: &str) -> Vec<Vec<(String, String)>> {
    let res = app
        .client
        .get(format!("/api/v1/contracts.csv?{query}"))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let bytes = res.into_bytes().await.expect("body");
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM for Excel");
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            assert_eq!(r.len(), headers.len());
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], header: &str) -> &'a str {
    row.iter()
        .find(|(h, _)| h == header)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {header}"))
}

both!(
    csv_times_are_beijing_time_and_parties_carry_names_and_credit_codes,
    |app| {
        let reg = app.registrar("reg1").await;
        // Registered 2025-12-31 20:00 UTC = 2026-01-01 04:00 in Beijing: a 2026 registration.
        let late = chrono::NaiveDate::from_ymd_opt(2025, 12, 31)
            .and_then(|d| d.and_hms_opt(20, 0, 0))
            .expect("time");
        let mut seller = enterprise(501, "310115");
        seller.name = "=HYPERLINK(\"http://example.com\")有限公司".into();
        let mut buyer = enterprise(502, "371302");
        buyer.name = "@临沂某某科技有限公司".into();
        let mut historical = contract(501, 502, "250000.00", "200000.00");
        historical.seller = PartyRef::Inline(seller);
        historical.buyer = PartyRef::Inline(buyer);
        historical.title = "跨年登记的历史合同".into();
        historical.signed_on = chrono::NaiveDate::from_ymd_opt(2025, 12, 20).expect("date");
        historical.registered_at = Some(late);
        let outcome = app
            .ledger
            .execute(Request {
                historical: true,
                ..Request::new(reg.principal(), Command::RegisterContract(historical))
            })
            .await
            .expect("a historical registration");
        let id = outcome.body["id"].as_str().expect("id").to_string();
        assert_eq!(outcome.body["registered_at"], "2025-12-31T20:00:00.000000Z");
        // One registered now, by an individual buyer without a credit code.
        let mut now = contract(503, 504, "1000.00", "1000.00");
        now.buyer = PartyRef::Inline(techledger::ledger::NewParty {
            legal_representative: None,
            name: "张三".into(),
            credit_code: None,
            kind: PartyKind::Individual,
            region: techledger::domain::RegionCode::parse("371302").expect("region"),
            nature_code: None,
            country: None,
        });
        now.title = "今年登记的合同".into();
        run(&app, &reg, Command::RegisterContract(now)).await;

        let in_2026 = export(&app, &reg.token, "year=2026").await;
        let row = in_2026
            .iter()
            .find(|r| cell(r, "编号") == id)
            .expect("the contract of 2025-12-31 20:00 UTC is exported under 2026");
        assert_eq!(cell(row, "登记时间（北京时间）"), "2026-01-01 04:00:00");
        assert_eq!(cell(row, "登记年度"), "2026");
        assert_eq!(cell(row, "签订日期"), "2025-12-20");
        assert!(cell(row, "登记号").starts_with("2026371302"), "{row:?}");
        // Recorded now (after it was registered): Beijing time too, never RFC 3339 UTC.
        let recorded = cell(row, "录入时间（北京时间）");
        assert!(
            chrono::NaiveDateTime::parse_from_str(recorded, "%Y-%m-%d %H:%M:%S").is_ok(),
            "{recorded}"
        );
        assert!(recorded > "2026-01-01 04:00:00", "{recorded}");
        // The parties by name and credit code; names that would be formulas are defused.
        assert_eq!(
            cell(row, "卖方"),
            "'=HYPERLINK(\"http://example.com\")有限公司"
        );
        assert_eq!(cell(row, "卖方统一社会信用代码"), credit_code(501).as_str());
        assert_eq!(cell(row, "买方"), "'@临沂某某科技有限公司");
        assert_eq!(cell(row, "买方统一社会信用代码"), credit_code(502).as_str());
        assert_eq!(cell(row, "合同成交额（元）"), "250000.00");
        assert_eq!(cell(row, "技术交易额（元）"), "200000.00");
        let this_year = chrono::Utc::now().format("%Y").to_string();
        let current = export(&app, &reg.token, &format!("year={this_year}")).await;
        let individual = current
            .iter()
            .find(|r| cell(r, "合同名称") == "今年登记的合同")
            .expect("this year's contract");
        assert_eq!(cell(individual, "买方"), "张三");
        assert_eq!(cell(individual, "买方统一社会信用代码"), "");
        assert_eq!(
            cell(individual, "卖方统一社会信用代码"),
            credit_code(503).as_str()
        );
        // No cell of any row is a UTC RFC 3339 time.
        for row in in_2026.iter().chain(&current) {
            for (header, value) in row {
                assert!(
                    !(value.len() >= 20 && value.contains('T') && value.ends_with('Z')),
                    "{header}: {value}"
                );
            }
        }

        // Not in 2025, although registered on 31 December 2025 in UTC.
        let in_2025 = export(&app, &reg.token, "year=2025").await;
        assert!(in_2025.iter().all(|r| cell(r, "编号") != id), "{in_2025:?}");
        // The list agrees: the same contract under the same year.
        let (_, page) = app
            .get("/api/v1/contracts?year=2026", Some(&reg.token))
            .await;
        assert!(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|c| c["id"] == id.as_str() && c["historical"] == true)
        );
        assert!(page["items"][0]["seller_credit_code"].is_string());
    }
);
