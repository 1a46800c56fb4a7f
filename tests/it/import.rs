//! Spreadsheet import through the ledger: a file is parsed by `techledger::import::parse` and
//! registered by one `Command::Import` — dry runs write nothing, a real run registers every
//! row, one bad row stops the whole file (and is named), `partial` imports the good rows.

use diesel::prelude::*;
use serde_json::Value;
use techledger::audit::entry::sha256_hex;
use techledger::import::{self, FileKind, ParsedFile};
use techledger::ledger::{Command, ImportCommand, LedgerError, Outcome, Request, RowReport};

use crate::both;
use crate::support::*;

/// The Chinese headers of the generated files (with a unit on the amounts, as Excel users write).
const HEADER: &str = "合同名称,合同类型,合同子类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,\
买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,有效期至,合同成交额（元）,技术交易额（元）,技术领域,知识产权类型";

const TYPES: [&str; 5] = [
    "技术开发",
    "技术转让合同",
    "技术许可",
    "技术咨询",
    "技术服务",
];
const SUBTYPES: [&str; 5] = ["委托开发", "专利权转让", "普通实施许可", "", "一般技术服务"];
const FIELDS: [&str; 4] = ["先进制造", "电子信息", "农业", "新材料及其应用"];
const IP: [&str; 4] = ["专利", "技术秘密", "计算机软件著作权", "未涉及知识产权"];
const SELLER_REGIONS: [&str; 4] = ["310115", "370102", "371302", "320106"];
const BUYER_REGIONS: [&str; 3] = ["371302", "371311", "371321"];

/// Distinct sellers and buyers the rows cycle through (created by the first row naming them).
const PARTIES: usize = 300;

/// Row `i` (0-based) of a generated file: a valid contract below the large-contract threshold.
fn row(i: usize) -> String {
    let seller = i % PARTIES;
    let buyer = i % PARTIES + 1000;
    let contract_fen = 1_000_000 + (i as i64 * 7919) % 400_000_000; // 10,000.00 … 4,010,000.00
    let technical_fen = contract_fen * 4 / 5;
    // Thousands separators (quoted) on every other row.
    let amount = |fen: i64| {
        let yuan = (fen / 100).to_string();
        let cents = fen % 100;
        if i.is_multiple_of(2) {
            let mut grouped = String::new();
            for (n, c) in yuan.chars().enumerate() {
                if n > 0 && (yuan.len() - n).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            format!("\"{grouped}.{cents:02}\"")
        } else {
            format!("{yuan}.{cents:02}")
        }
    };
    let month = i % 12 + 1;
    let day = i % 28 + 1;
    let t = i % 5;
    format!(
        "技术合同{i},{},{},{},测试卖方{seller}有限公司,企业,{},{},测试买方{buyer}有限公司,企业,{},2025年{month}月{day}日,2027-12-31,{},{},{},{}",
        TYPES[t],
        SUBTYPES[t],
        credit_code(seller as u32 + 1),
        SELLER_REGIONS[seller % SELLER_REGIONS.len()],
        credit_code(buyer as u32 + 1),
        BUYER_REGIONS[buyer % BUYER_REGIONS.len()],
        amount(contract_fen),
        amount(technical_fen),
        FIELDS[i % FIELDS.len()],
        IP[i % IP.len()],
    )
}

/// A CSV file of `rows` generated rows (UTF-8 with BOM, `\r\n`), with some rows replaced.
fn file(rows: usize, replace: &[(usize, String)]) -> Vec<u8> {
    let mut text = String::from("\u{feff}");
    text.push_str(HEADER);
    text.push_str("\r\n");
    for i in 0..rows {
        match replace.iter().find(|(at, _)| *at == i) {
            Some((_, line)) => text.push_str(line),
            None => text.push_str(&row(i)),
        }
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// The spreadsheet row number of generated row `i` (the header is row 1).
fn sheet_row(i: usize) -> usize {
    i + 2
}

/// Parses a file and wraps it in an import command.
fn command(bytes: &[u8], partial: bool) -> (ParsedFile, Command) {
    let kind = FileKind::detect(Some("text/csv"), bytes).expect("csv");
    let parsed = import::parse(bytes, kind, &Default::default()).expect("the file parses");
    let command = Command::Import(ImportCommand {
        file_name: Some("contracts.csv".into()),
        file_sha256: sha256_hex(bytes),
        rows_total: parsed.rows_total,
        rows: parsed.rows.clone(),
        rejected: parsed.rejected.clone(),
        partial,
        progress: None,
    });
    (parsed, command)
}

/// Runs an import as `user`.
async fn run_import(
    app: &TestApp,
    user: &TestUser,
    bytes: &[u8],
    partial: bool,
    dry_run: bool,
) -> Result<Outcome, LedgerError> {
    let (_, command) = command(bytes, partial);
    app.ledger
        .execute(Request {
            principal: user.principal(),
            command,
            dry_run,
            idempotency: None,
            historical: false,
            // Scenes that import the same rows again (tests/it/duplicates.rs covers refusing).
            confirm_duplicate: true,
        })
        .await
}

/// What the database holds: contracts, registered contracts, parties, audit entries, imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    contracts: i64,
    registered: i64,
    parties: i64,
    audit: i64,
    imports: i64,
}

fn counts(app: &TestApp) -> Counts {
    use techledger::db::schema::{audit_entries, contracts, imports, parties};
    let mut conn = app.connect();
    Counts {
        contracts: contracts::table
            .count()
            .get_result(&mut conn)
            .expect("count"),
        registered: contracts::table
            .filter(contracts::status.eq("registered"))
            .count()
            .get_result(&mut conn)
            .expect("count"),
        parties: parties::table.count().get_result(&mut conn).expect("count"),
        audit: audit_entries::table
            .count()
            .get_result(&mut conn)
            .expect("count"),
        imports: imports::table.count().get_result(&mut conn).expect("count"),
    }
}

/// Audit entries with `action`.
fn entries_with(app: &TestApp, action: &str) -> i64 {
    use techledger::db::schema::audit_entries as a;
    let mut conn = app.connect();
    a::table
        .filter(a::action.eq(action))
        .count()
        .get_result(&mut conn)
        .expect("count")
}

fn rows_of(body: &Value) -> Vec<u64> {
    body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| r["row"].as_u64().expect("row"))
        .collect()
}

const ROWS: usize = 10_000;

both!(
    a_10000_row_csv_dry_run_writes_nothing_then_a_real_run_registers_every_row,
    |app| {
        let registrar = app.registrar("reg1").await;
        let bytes = file(ROWS, &[]);
        let (parsed, _) = command(&bytes, false);
        assert_eq!(parsed.rows_total, ROWS);
        assert_eq!(parsed.rejected, vec![]);
        assert_eq!(parsed.rows.first().map(|r| r.row), Some(2));
        assert_eq!(parsed.rows.last().map(|r| r.row), Some(ROWS + 1));

        let before = counts(&app);
        let dry = run_import(&app, &registrar, &bytes, false, true)
            .await
            .expect("dry run");
        assert_eq!(dry.body["dry_run"], true);
        assert_eq!(dry.body["accepted"], ROWS);
        assert_eq!(dry.body["rejected"].as_array().map(Vec::len), Some(0));
        assert_eq!(counts(&app), before, "a dry run writes nothing");

        let real = run_import(&app, &registrar, &bytes, false, false)
            .await
            .expect("import");
        assert_eq!(real.body["accepted"], ROWS);
        assert_eq!(real.body["contracts"].as_array().map(Vec::len), Some(ROWS));
        let after = counts(&app);
        assert_eq!(after.contracts, before.contracts + ROWS as i64);
        assert_eq!(
            after.registered,
            before.registered + ROWS as i64,
            "none went pending"
        );
        assert_eq!(after.parties, before.parties + 2 * PARTIES as i64);
        assert_eq!(after.imports, before.imports + 1);
        // One entry per contract, one per new party, one import.commit.
        assert_eq!(
            after.audit,
            before.audit + ROWS as i64 + 2 * PARTIES as i64 + 1
        );
        assert_eq!(entries_with(&app, "import.commit"), 1);
        assert_eq!(
            real.audit_seq, after.audit,
            "import.commit is the last entry"
        );
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);

both!(
    a_file_with_one_bad_row_writes_nothing_and_names_that_row,
    |app| {
        let registrar = app.registrar("reg1").await;
        // One row that does not parse (31 February): the ledger never even tries the file…
        let mut bad_date = split_csv_line(&row(4321));
        bad_date[11] = "2025-02-31".into();
        let bytes = file(ROWS, &[(4321, bad_date.join(","))]);
        let (parsed, _) = command(&bytes, false);
        assert_eq!(parsed.rows_total, ROWS);
        assert_eq!(parsed.rejected.len(), 1, "{:?}", parsed.rejected);
        assert_eq!(parsed.rejected[0].row, sheet_row(4321));
        assert_eq!(parsed.rejected[0].errors[0].field, "signed_on");

        let before = counts(&app);
        let refused = run_import(&app, &registrar, &bytes, false, false).await;
        let Err(LedgerError::ImportRejected(reports)) = refused else {
            panic!("expected the file to be refused: {refused:?}");
        };
        assert_eq!(
            reports.iter().map(|r| r.row).collect::<Vec<_>>(),
            vec![sheet_row(4321)]
        );
        assert!(
            reports[0].errors[0].message.contains("2025-02 has 28 days"),
            "{:?}",
            reports[0]
        );
        assert_eq!(counts(&app), before, "nothing was written");

        // …and one row the ledger refuses (technical amount above the contract amount): the 1,400
        // rows before it were registered (and, past the rows an import keeps in memory, already
        // inserted), then everything rolled back.
        let mut cells = split_csv_line(&row(1400));
        cells[14] = "99999999.00".into();
        let bytes = file(1500, &[(1400, cells.join(","))]);
        let refused = run_import(&app, &registrar, &bytes, false, false).await;
        let Err(LedgerError::ImportRejected(reports)) = refused else {
            panic!("expected the file to be refused: {refused:?}");
        };
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].row, sheet_row(1400));
        assert_eq!(reports[0].errors[0].field, "technical_amount");
        assert_eq!(counts(&app), before, "nothing was written");
        assert!(verify(&app).ok);
    }
);

/// Splits a generated line into cells, re-quoting cells that hold commas.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let record = reader.records().next().expect("a record").expect("csv");
    record
        .iter()
        .map(|c| {
            if c.contains(',') {
                format!("\"{c}\"")
            } else {
                c.to_string()
            }
        })
        .collect()
}

both!(
    partial_true_imports_the_good_rows_and_reports_the_bad_ones,
    |app| {
        let registrar = app.registrar("reg1").await;
        // Row 3 does not parse (three decimals, unknown field); row 6 names the same party on both
        // sides (the ledger refuses it); row 9 is blank and skipped.
        let mut same_party = split_csv_line(&row(4));
        for i in 0..4 {
            same_party[7 + i] = same_party[3 + i].clone();
        }
        let mut bad = split_csv_line(&row(1));
        bad[13] = "1250000.001".into();
        bad[15] = "人工智能".into();
        let mut bytes = file(8, &[(1, bad.join(",")), (4, same_party.join(","))]);
        bytes.extend_from_slice(b",,,,\r\n");
        bytes.extend_from_slice(row(8).as_bytes());
        bytes.extend_from_slice(b"\r\n");

        let (parsed, _) = command(&bytes, true);
        assert_eq!(parsed.rows_total, 9);
        assert_eq!(
            parsed.rejected,
            vec![RowReport {
                row: 3,
                errors: parsed.rejected[0].errors.clone()
            }]
        );
        let fields: Vec<&str> = parsed.rejected[0]
            .errors
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, vec!["contract_amount", "tech_field"]);

        let before = counts(&app);
        // Without partial, nothing.
        let refused = run_import(&app, &registrar, &bytes, false, false).await;
        let Err(LedgerError::ImportRejected(reports)) = refused else {
            panic!("expected the file to be refused: {refused:?}");
        };
        assert_eq!(
            reports.iter().map(|r| r.row).collect::<Vec<_>>(),
            vec![3, 6]
        );
        assert_eq!(counts(&app), before);

        // A dry run reports the same, writes nothing.
        let dry = run_import(&app, &registrar, &bytes, true, true)
            .await
            .expect("dry run");
        assert_eq!(rows_of(&dry.body), vec![3, 6]);
        assert_eq!(dry.body["accepted"], 7);
        assert_eq!(counts(&app), before);

        // partial=true: the 7 good rows.
        let outcome = run_import(&app, &registrar, &bytes, true, false)
            .await
            .expect("partial import");
        assert_eq!(outcome.body["accepted"], 7);
        assert_eq!(rows_of(&outcome.body), vec![3, 6]);
        let same = &outcome.body["rejected"][1]["errors"][0];
        assert_eq!(same["field"], "buyer", "{same}");
        let after = counts(&app);
        assert_eq!(after.contracts, before.contracts + 7);
        assert_eq!(after.registered, before.registered + 7);
        assert_eq!(after.imports, before.imports + 1);
        assert_eq!(entries_with(&app, "import.commit"), 1);
        assert_eq!(entries_with(&app, "contract.register"), 7);
        use techledger::db::schema::imports as im;
        let mut conn = app.connect();
        let (total, accepted, rejected, partial): (i32, i32, i32, bool) = im::table
            .select((
                im::rows_total,
                im::rows_accepted,
                im::rows_rejected,
                im::partial,
            ))
            .first(&mut conn)
            .expect("import row");
        assert_eq!((total, accepted, rejected, partial), (9, 7, 2, true));
        assert!(verify(&app).ok);
    }
);

both!(the_templates_import_their_example_row, |app| {
    let registrar = app.registrar("reg1").await;
    for (name, bytes) in [
        ("csv", import::template_csv()),
        ("xlsx", import::template_xlsx().expect("template")),
    ] {
        let kind = FileKind::detect(None, &bytes).expect("kind");
        let parsed = import::parse(&bytes, kind, &Default::default()).expect("parses");
        assert_eq!(parsed.rows.len(), 1, "{name}");
        let outcome = app
            .ledger
            .execute(Request {
                principal: registrar.principal(),
                command: Command::Import(ImportCommand {
                    file_name: Some(format!("template.{}", kind.extension())),
                    file_sha256: sha256_hex(&bytes),
                    rows_total: parsed.rows_total,
                    rows: parsed.rows,
                    rejected: parsed.rejected,
                    partial: false,
                    progress: None,
                }),
                dry_run: false,
                idempotency: None,
                historical: false,
                // The two templates carry the same example row.
                confirm_duplicate: true,
            })
            .await
            .expect("import");
        assert_eq!(outcome.body["accepted"], 1, "{name}");
    }
    let c = counts(&app);
    assert_eq!(
        (c.contracts, c.registered, c.parties, c.imports),
        (2, 2, 2, 2),
        "the second import reuses both parties"
    );
});

both!(
    a_known_credit_code_under_another_name_is_imported_with_a_warning,
    |app| {
        let registrar = app.registrar("reg1").await;
        // Row 0 creates seller 0 and buyer 1000; row 300 names them again (i % 300 == 0).
        let first = run_import(&app, &registrar, &file(1, &[]), false, false)
            .await
            .expect("first import");
        assert_eq!(first.body["warnings"], serde_json::json!([]));
        let renamed = row(PARTIES).replace("测试卖方0有限公司", "临沂另一家公司");
        let bytes = file(PARTIES + 1, &[(PARTIES, renamed)]);
        let parties_before = counts(&app).parties;
        for dry_run in [true, false] {
            let outcome = run_import(&app, &registrar, &bytes, false, dry_run)
                .await
                .expect("the row is imported, not rejected");
            assert_eq!(outcome.body["accepted"], PARTIES + 1, "dry run {dry_run}");
            let warnings = outcome.body["warnings"].as_array().expect("warnings");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(warnings[0]["row"], sheet_row(PARTIES));
            let warning = &warnings[0]["errors"][0];
            assert_eq!(warning["field"], "seller.name");
            assert!(
                warning["message_zh"]
                    .as_str()
                    .is_some_and(|m| m.contains("测试卖方0有限公司")),
                "{warning}"
            );
        }
        let mut conn = app.connect();
        let names: Vec<String> = techledger::db::schema::parties::table
            .filter(techledger::db::schema::parties::name.eq("临沂另一家公司"))
            .select(techledger::db::schema::parties::name)
            .load(&mut conn)
            .expect("parties");
        assert!(names.is_empty(), "the recorded party keeps its name");
        assert_eq!(
            counts(&app).parties,
            parties_before + 2 * (PARTIES as i64) - 2,
            "the other rows' new parties were created, no party for the renamed row"
        );
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);

/// Generated row `i` with a seller of its own: credit code `code`, name `name`.
fn row_with_seller(i: usize, code: u32, name: &str) -> String {
    let mut cells = split_csv_line(&row(i));
    cells[3] = credit_code(code).to_string();
    cells[4] = name.to_string();
    cells.join(",")
}

both!(
    rows_are_inserted_while_the_next_are_built_and_a_row_needing_the_database_waits_for_them,
    |app| {
        let registrar = app.registrar("reg1").await;
        // A party stored before the import, which the import names only late (its lookup must
        // go to the database while earlier rows are being inserted).
        let stored = row_with_seller(0, 70_000, "既有卖方有限公司");
        run_import(&app, &registrar, &file(1, &[(0, stored)]), false, false)
            .await
            .expect("first import");
        const N: usize = 6_000;
        let mut replace = vec![
            // new sellers long after the first rows went to the inserter
            (2_500, row_with_seller(2_500, 60_001, "新卖方甲有限公司")),
            (3_500, row_with_seller(3_500, 60_002, "新卖方乙有限公司")),
            (4_500, row_with_seller(4_500, 60_003, "新卖方丙有限公司")),
            // the stored party under another name: imported against it, with a warning
            (3_000, row_with_seller(3_000, 70_000, "改了名的卖方")),
        ];
        let mut bad = split_csv_line(&row(4_000));
        bad[14] = "99999999.00".into();
        replace.push((4_000, bad.join(",")));
        let bytes = file(N, &replace);
        let before = counts(&app);
        for dry_run in [true, false] {
            let outcome = run_import(&app, &registrar, &bytes, true, dry_run)
                .await
                .expect("the import runs");
            assert_eq!(outcome.body["accepted"], N - 1, "dry run {dry_run}");
            assert_eq!(rows_of(&outcome.body), vec![sheet_row(4_000) as u64]);
            let warnings = outcome.body["warnings"].as_array().expect("warnings");
            assert_eq!(warnings.len(), 1, "exactly one warning: {warnings:?}");
            assert_eq!(warnings[0]["row"], sheet_row(3_000));
            assert_eq!(warnings[0]["errors"][0]["field"], "seller.name");
            if dry_run {
                assert_eq!(counts(&app), before, "a dry run writes nothing");
            }
        }
        let after = counts(&app);
        assert_eq!(after.contracts, before.contracts + N as i64 - 1);
        assert_eq!(after.registered, before.registered + N as i64 - 1);
        // 300 sellers and 300 buyers cycle (buyer 1000 exists already), plus three new
        // sellers.
        let new_parties = 2 * PARTIES as i64 - 1 + 3;
        assert_eq!(after.parties, before.parties + new_parties);
        assert_eq!(after.audit, before.audit + (N as i64 - 1) + new_parties + 1);
        // Registration numbers: one per contract, consecutive within the office and year.
        use techledger::db::schema::contracts as c;
        let mut conn = app.connect();
        let mut numbers: Vec<u32> = c::table
            .filter(c::registration_no.is_not_null())
            .select(c::registration_no)
            .load::<Option<String>>(&mut conn)
            .expect("numbers")
            .into_iter()
            .flatten()
            .map(|n| n[10..].parse().expect("sequence"))
            .collect();
        numbers.sort_unstable();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        assert_eq!(numbers, expected, "gap-free");
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);
