//! Tests of the whole reader: files in, rows and reports out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::*;
use crate::domain::{
    ContractType, CountryCode, CreditCode, IpType, Money, PartyKind, RegionCode, Subtype, TechField,
};
use crate::ledger::{NewContract, NewParty, PartyRef};

const SELLER_CODE: &str = "913713001682510225";
const BUYER_CODE: &str = "9137130016829134XT";

/// The Chinese headers of a full file.
pub(super) const ZH: [&str; 19] = [
    "合同名称",
    "合同类型",
    "合同子类型",
    "卖方统一社会信用代码",
    "卖方名称",
    "卖方类型",
    "卖方所在地区",
    "卖方国家",
    "买方统一社会信用代码",
    "买方名称",
    "买方类型",
    "买方所在地区",
    "买方国家",
    "签订日期",
    "有效期至",
    "合同成交额",
    "技术交易额",
    "技术领域",
    "知识产权类型",
];

/// The same in English.
const EN: [&str; 19] = [
    "title",
    "contract_type",
    "subtype",
    "seller_credit_code",
    "seller_name",
    "seller_kind",
    "seller_region",
    "seller_country",
    "buyer_credit_code",
    "buyer_name",
    "buyer_kind",
    "buyer_region",
    "buyer_country",
    "signed_on",
    "valid_until",
    "contract_amount",
    "technical_amount",
    "tech_field",
    "ip_type",
];

/// A good row in that column order, with Chinese labels.
pub(super) const GOOD: [&str; 19] = [
    "智能分拣系统技术开发",
    "技术开发合同",
    "委托开发",
    SELLER_CODE,
    "天元建设集团有限公司",
    "企业",
    "371302",
    "",
    BUYER_CODE,
    "临沂市公共交通集团有限公司",
    "企业",
    "371300",
    "",
    "2026-03-01",
    "2027年2月28日",
    "1,250,000.00",
    "1000000",
    "先进制造",
    "专利",
];

/// The same row with codes.
const GOOD_CODES: [&str; 19] = [
    "智能分拣系统技术开发",
    "development",
    "commissioned",
    SELLER_CODE,
    "天元建设集团有限公司",
    "enterprise",
    "371302",
    "",
    BUYER_CODE,
    "临沂市公共交通集团有限公司",
    "enterprise",
    "371300",
    "",
    "2026/3/1",
    "2027.2.28",
    "1250000.00",
    "1000000.00",
    "advanced_manufacturing",
    "patent",
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn enterprise(name: &str, code: &str, region: &str) -> NewParty {
    NewParty {
        legal_representative: None,
        name: name.into(),
        credit_code: Some(CreditCode::parse(code).unwrap()),
        kind: PartyKind::Enterprise,
        region: RegionCode::parse(region).unwrap(),
        nature_code: None,
        country: None,
    }
}

/// What `GOOD` means.
fn expected() -> NewContract {
    NewContract {
        particulars: Default::default(),
        title: "智能分拣系统技术开发".into(),
        contract_type: ContractType::Development,
        subtype: Some(Subtype::Commissioned),
        seller: PartyRef::Inline(enterprise("天元建设集团有限公司", SELLER_CODE, "371302")),
        buyer: PartyRef::Inline(enterprise(
            "临沂市公共交通集团有限公司",
            BUYER_CODE,
            "371300",
        )),
        signed_on: date(2026, 3, 1),
        valid_until: Some(date(2027, 2, 28)),
        contract_amount: Money::parse("1250000.00").unwrap(),
        technical_amount: Money::parse("1000000.00").unwrap(),
        tech_field: TechField::AdvancedManufacturing,
        ip_type: IpType::Patent,
        registered_at: None,
        approved_by: None,
    }
}

/// A CSV file from rows of cells.
fn csv(rows: &[&[&str]]) -> Vec<u8> {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    (*c).to_string()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A row with some cells of `GOOD` replaced.
fn good_with(changes: &[(usize, &'static str)]) -> Vec<&'static str> {
    let mut row = GOOD.to_vec();
    for (i, v) in changes {
        row[*i] = v;
    }
    row
}

fn parse_csv(bytes: &[u8]) -> ParsedFile {
    parse(bytes, FileKind::Csv, &Default::default()).unwrap()
}

fn fields(report: &RowReport) -> Vec<&str> {
    report.errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn chinese_english_and_mixed_headers_read_the_same() {
    let mixed: Vec<String> = EN
        .iter()
        .enumerate()
        .map(|(i, en)| {
            if i % 2 == 0 {
                ZH[i].to_string()
            } else {
                en.to_uppercase().replace('_', " ")
            }
        })
        .collect();
    let mixed: Vec<&str> = mixed.iter().map(String::as_str).collect();
    let mut with_units = ZH.to_vec();
    with_units[15] = " 合同成交额（元） ";
    with_units[16] = "技术交易额(元)";
    with_units[0] = "\u{feff}*合同名称";
    let files = [
        csv(&[&ZH, &GOOD]),
        csv(&[&EN, &GOOD]),
        csv(&[&mixed, &GOOD]),
        csv(&[&with_units, &GOOD]),
        csv(&[&ZH, &GOOD_CODES]),
    ];
    for (i, file) in files.iter().enumerate() {
        let parsed = parse_csv(file);
        assert_eq!(parsed.rejected, vec![], "file {i}");
        assert_eq!(parsed.rows_total, 1, "file {i}");
        assert_eq!(parsed.rows.len(), 1, "file {i}");
        assert_eq!(parsed.rows[0].row, 2, "file {i}");
        assert_eq!(parsed.rows[0].contract, expected(), "file {i}");
    }
}

#[test]
fn columns_in_any_order_and_optional_ones_absent() {
    let header = [
        "技术交易额",
        "合同成交额",
        "知识产权类型",
        "技术领域",
        "签订日期",
        "买方统一社会信用代码",
        "卖方统一社会信用代码",
        "合同类型",
        "合同名称",
    ];
    let row = [
        "5000",
        "5000",
        "未涉及知识产权",
        "农业",
        "2025-12-31",
        BUYER_CODE,
        SELLER_CODE,
        "技术咨询",
        "小麦品种咨询",
    ];
    let parsed = parse_csv(&csv(&[&header, &row]));
    assert_eq!(parsed.rejected, vec![]);
    let c = &parsed.rows[0].contract;
    assert_eq!(
        c.seller,
        PartyRef::CreditCode(CreditCode::parse(SELLER_CODE).unwrap())
    );
    assert_eq!(
        c.buyer,
        PartyRef::CreditCode(CreditCode::parse(BUYER_CODE).unwrap())
    );
    assert_eq!(c.contract_type, ContractType::Consulting);
    assert_eq!(c.subtype, None);
    assert_eq!(c.valid_until, None);
    assert_eq!(c.ip_type, IpType::NotInvolved);
    assert_eq!(c.contract_amount, Money::parse("5000").unwrap());
}

#[test]
fn party_forms() {
    // (seller code, name, kind, region, country) → expected seller or failing fields.
    type Case = ([&'static str; 5], Result<PartyRef, Vec<&'static str>>);
    let deu = NewParty {
        legal_representative: None,
        name: "Beispiel GmbH".into(),
        credit_code: None,
        kind: PartyKind::Enterprise,
        region: RegionCode::ABROAD,
        nature_code: None,
        country: Some(CountryCode::parse("DEU").unwrap()),
    };
    let cases: Vec<Case> = vec![
        // Only the code: an existing party.
        (
            [SELLER_CODE, "", "", "", ""],
            Ok(PartyRef::CreditCode(
                CreditCode::parse(SELLER_CODE).unwrap(),
            )),
        ),
        // Code and name (for the reader): still by code.
        (
            [SELLER_CODE, "天元", "", "", ""],
            Ok(PartyRef::CreditCode(
                CreditCode::parse(SELLER_CODE).unwrap(),
            )),
        ),
        // Inline with a Chinese region name.
        (
            [
                SELLER_CODE,
                "天元建设集团有限公司",
                "企业",
                "临沂市兰山区",
                "",
            ],
            Ok(PartyRef::Inline(enterprise(
                "天元建设集团有限公司",
                SELLER_CODE,
                "371302",
            ))),
        ),
        // An individual carries no code.
        (
            ["", "张三", "个人", "371302", ""],
            Ok(PartyRef::Inline(NewParty {
                legal_representative: None,
                name: "张三".into(),
                credit_code: None,
                kind: PartyKind::Individual,
                region: RegionCode::parse("371302").unwrap(),
                nature_code: None,
                country: None,
            })),
        ),
        // Abroad: region 000000 or left blank with a country.
        (
            ["", "Beispiel GmbH", "enterprise", "000000", "deu"],
            Ok(PartyRef::Inline(deu.clone())),
        ),
        (
            ["", "Beispiel GmbH", "企业", "", "DEU"],
            Ok(PartyRef::Inline(deu)),
        ),
        // Nothing at all.
        (["", "", "", "", ""], Err(vec!["seller.credit_code"])),
        // An enterprise needs its code (NewParty::check).
        (
            ["", "某公司", "企业", "371302", ""],
            Err(vec!["seller.credit_code"]),
        ),
        // An individual must not have one.
        (
            [SELLER_CODE, "张三", "个人", "371302", ""],
            Err(vec!["seller.credit_code"]),
        ),
        // Inline but incomplete: every missing field named.
        (
            ["", "某公司", "", "", ""],
            Err(vec!["seller.kind", "seller.region"]),
        ),
        (
            [SELLER_CODE, "", "企业", "", ""],
            Err(vec!["seller.name", "seller.region"]),
        ),
        // Bad values.
        (
            ["91371300MA3R064567", "某公司", "公司", "371399", ""],
            Err(vec!["seller.credit_code", "seller.kind", "seller.region"]),
        ),
        (
            ["91371300MA3R064567", "", "", "", ""],
            Err(vec!["seller.credit_code"]),
        ),
        (
            ["9.13713E+17", "", "", "", ""],
            Err(vec!["seller.credit_code"]),
        ),
        (
            ["", "某公司", "企业", "鼓楼区", ""],
            Err(vec!["seller.region"]),
        ),
        (
            ["", "X Inc", "企业", "000000", ""],
            Err(vec!["seller.country"]),
        ),
        (
            ["", "X Inc", "企业", "", "CHN"],
            Err(vec!["seller.country"]),
        ),
        (
            [SELLER_CODE, "某公司", "企业", "371302", "DEU"],
            Err(vec!["seller.country"]),
        ),
    ];
    for (i, (cells, expected)) in cases.into_iter().enumerate() {
        let row = good_with(&[
            (3, cells[0]),
            (4, cells[1]),
            (5, cells[2]),
            (6, cells[3]),
            (7, cells[4]),
        ]);
        let parsed = parse_csv(&csv(&[&ZH, &row]));
        match expected {
            Ok(party) => {
                assert_eq!(parsed.rejected, vec![], "case {i}");
                assert_eq!(parsed.rows[0].contract.seller, party, "case {i}");
            }
            Err(expected_fields) => {
                assert_eq!(parsed.rows.len(), 0, "case {i}");
                assert_eq!(
                    fields(&parsed.rejected[0]),
                    expected_fields,
                    "case {i}: {:?}",
                    parsed.rejected
                );
            }
        }
    }
}

#[test]
fn every_error_of_a_row_is_named_at_once() {
    let row = [
        "",
        "技术买卖",
        "",
        "913713001682510224",
        "天元建设集团有限公司",
        "企业",
        "371302",
        "",
        BUYER_CODE,
        "临沂市公共交通集团有限公司",
        "单位",
        "3713",
        "",
        "2026-02-31",
        "next year",
        "1250000.001",
        "-5",
        "人工智能",
        "商标",
    ];
    let parsed = parse_csv(&csv(&[&ZH, &GOOD, &row, &GOOD]));
    assert_eq!(parsed.rows_total, 3);
    assert_eq!(
        parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(parsed.rejected.len(), 1);
    let report = &parsed.rejected[0];
    assert_eq!(report.row, 3);
    assert_eq!(
        fields(report),
        vec![
            "title",
            "contract_type",
            "seller.credit_code",
            "buyer.kind",
            "buyer.region",
            "signed_on",
            "valid_until",
            "contract_amount",
            "technical_amount",
            "tech_field",
            "ip_type",
        ]
    );
    for e in &report.errors {
        assert!(!e.message.is_empty() && !e.message_zh.is_empty(), "{e:?}");
        assert!(
            e.message_zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e:?}"
        );
    }
    let by_field = |f: &str| report.errors.iter().find(|e| e.field == f).unwrap();
    assert!(
        by_field("signed_on")
            .message
            .contains("2026-02 has 28 days")
    );
    assert!(
        by_field("contract_amount")
            .message
            .contains("more than two decimal places")
    );
    assert!(by_field("technical_amount").message.contains("negative"));
    assert!(
        by_field("seller.credit_code")
            .message
            .contains("check characters")
    );
    assert!(
        by_field("contract_type")
            .message
            .contains("unknown contract type")
    );
}

#[test]
fn the_subtype_must_belong_to_the_type() {
    let parsed = parse_csv(&csv(&[&ZH, &good_with(&[(2, "独占实施许可")])]));
    assert_eq!(fields(&parsed.rejected[0]), vec!["subtype"]);
    let parsed = parse_csv(&csv(&[
        &ZH,
        &good_with(&[(1, "技术许可"), (2, "独占实施许可")]),
    ]));
    assert_eq!(
        parsed.rows[0].contract.subtype,
        Some(Subtype::ExclusiveLicence)
    );
}

#[test]
fn amounts_in_rows() {
    let cases: [(&str, Result<i64, &str>); 9] = [
        ("1,250,000.00", Ok(125_000_000)),
        ("1250000.5", Ok(125_000_050)),
        (" ¥1,000 ", Ok(100_000)),
        ("1000000000000.00", Ok(100_000_000_000_000)),
        ("1250000.123", Err("more than two decimal places")),
        ("-1", Err("negative")),
        ("1000000000000.01", Err("above the maximum")),
        ("1,5", Err("commas may only separate thousands")),
        ("125万", Err("not 万元")),
    ];
    for (value, expected) in cases {
        let parsed = parse_csv(&csv(&[&ZH, &good_with(&[(15, value), (16, "0")])]));
        match expected {
            Ok(fen) => assert_eq!(
                parsed.rows[0].contract.contract_amount.fen(),
                fen,
                "{value}"
            ),
            Err(message) => {
                let e = &parsed.rejected[0].errors[0];
                assert_eq!(e.field, "contract_amount", "{value}");
                assert!(e.message.contains(message), "{value}: {}", e.message);
            }
        }
    }
}

#[test]
fn dates_in_rows() {
    for (value, ok) in [
        ("2026-03-01", true),
        ("2026/3/1", true),
        ("2026.3.1", true),
        ("2026年3月1日", true),
        ("20260301", true),
        ("2026-3-1 0:00", true),
        ("2026-02-31", false),
        ("2026-02-29", false),
        ("3/1/2026", false),
    ] {
        let parsed = parse_csv(&csv(&[&ZH, &good_with(&[(13, value)])]));
        if ok {
            assert_eq!(
                parsed.rows[0].contract.signed_on,
                date(2026, 3, 1),
                "{value}"
            );
        } else {
            assert_eq!(fields(&parsed.rejected[0]), vec!["signed_on"], "{value}");
        }
    }
}

#[test]
fn file_level_problems() {
    let mut no_title = ZH.to_vec();
    no_title.remove(0);
    let mut no_parties = ZH.to_vec();
    no_parties.retain(|h| !h.starts_with("买方"));
    let mut unknown = ZH.to_vec();
    unknown.push("合同附件");
    let mut wan = ZH.to_vec();
    wan[15] = "合同成交额（万元）";
    let mut wan_glued = ZH.to_vec();
    wan_glued[16] = "技术交易额万元";
    let mut dollars = ZH.to_vec();
    dollars[16] = "技术交易额（美元）";
    let mut twice = ZH.to_vec();
    twice.push("title");
    let mut name_only = ZH.to_vec();
    name_only.retain(|h| !h.starts_with("买方") || *h == "买方名称");
    let cases: Vec<(Vec<u8>, FileProblem, &str)> = vec![
        (Vec::new(), FileProblem::Empty, "empty"),
        (b"\xEF\xBB\xBF\r\n".to_vec(), FileProblem::Empty, "empty"),
        (b",,,\r\n , ,\r\n".to_vec(), FileProblem::Empty, "empty"),
        (
            csv(&[&GOOD, &GOOD]),
            FileProblem::NoHeader,
            "no header row: row 1",
        ),
        (
            csv(&[&["", ""], &GOOD]),
            FileProblem::NoHeader,
            "no header row: row 2",
        ),
        (
            csv(&[&["标题一"], &["标题二"], &["标题三"], &["标题四"], &ZH]),
            FileProblem::NoHeader,
            "no header row: row 4",
        ),
        (
            csv(&[&no_title, &GOOD[1..]]),
            FileProblem::MissingColumn,
            "title (合同名称)",
        ),
        (
            csv(&[&no_parties]),
            FileProblem::MissingColumn,
            "buyer_credit_code (买方统一社会信用代码)",
        ),
        (csv(&[&name_only]), FileProblem::MissingColumn, "buyer_kind"),
        (
            csv(&[&unknown, &GOOD]),
            FileProblem::UnknownColumn,
            "unknown column “合同附件” (T)",
        ),
        (csv(&[&wan, &GOOD]), FileProblem::Unit, "must be in yuan"),
        (
            csv(&[&wan_glued, &GOOD]),
            FileProblem::Unit,
            "must be in yuan",
        ),
        (
            csv(&[&dollars, &GOOD]),
            FileProblem::UnknownColumn,
            "unknown unit",
        ),
        (
            csv(&[&twice, &GOOD]),
            FileProblem::DuplicateColumn,
            "title (A and T)",
        ),
        (
            csv(&[&ZH, &GOOD, &[&GOOD[..], &["stray"]].concat()]),
            FileProblem::UnknownColumn,
            "cell T3 holds a value",
        ),
        (
            b"\xFF\xFE\x00\xD8".to_vec(),
            FileProblem::Encoding,
            "encoding",
        ),
    ];
    for (i, (bytes, problem, message)) in cases.into_iter().enumerate() {
        let err = parse(&bytes, FileKind::Csv, &Default::default()).unwrap_err();
        assert_eq!(err.problem, problem, "case {i}: {err}");
        assert_eq!(err.error.field, "file", "case {i}");
        assert!(
            err.error.message.contains(message),
            "case {i}: {}",
            err.error.message
        );
        assert!(!err.error.message_zh.is_empty(), "case {i}");
    }
    // The 万元 message says what to do, in Chinese too.
    let err = parse(&csv(&[&wan, &GOOD]), FileKind::Csv, &Default::default()).unwrap_err();
    assert!(
        err.error.message_zh.contains("金额必须以元为单位"),
        "{}",
        err.error.message_zh
    );
    assert_eq!(err.http_status(), 422);
}

#[test]
fn too_many_rows() {
    let file = csv(&[&ZH, &GOOD, &GOOD, &GOOD]);
    assert_eq!(
        parse_at_most(&file, FileKind::Csv, 3).unwrap().rows.len(),
        3
    );
    let file = csv(&[&ZH, &GOOD, &GOOD, &[], &GOOD, &GOOD]);
    let err = parse_at_most(&file, FileKind::Csv, 3).unwrap_err();
    assert_eq!(err.problem, FileProblem::TooManyRows);
    assert_eq!(err.http_status(), 413);
    assert!(err.error.message.contains("more than 3 data rows"));
}

#[test]
fn blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers() {
    let mut multi = GOOD.to_vec();
    multi[0] = "第一行\r\n第二行";
    let text = format!(
        "\r\n{}\r\n\r\n{}\r\n,,,,,\r\n{}\r\n{}",
        ZH.join(","),
        GOOD.map(|c| if c.contains(',') {
            format!("\"{c}\"")
        } else {
            c.to_string()
        })
        .join(","),
        multi
            .iter()
            .map(|c| if c.contains([',', '\n']) {
                format!("\"{c}\"")
            } else {
                c.to_string()
            })
            .collect::<Vec<_>>()
            .join(","),
        good_with(&[(13, "bad")])
            .iter()
            .map(|c| if c.contains(',') {
                format!("\"{c}\"")
            } else {
                c.to_string()
            })
            .collect::<Vec<_>>()
            .join(",")
    );
    let parsed = parse_csv(text.as_bytes());
    assert_eq!(parsed.rows_total, 3);
    assert_eq!(
        parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![4, 6]
    );
    assert_eq!(parsed.rows[1].contract.title, "第一行\r\n第二行");
    assert_eq!(parsed.rejected[0].row, 7);
    // `\n` and bare `\r` line ends too.
    let lf = String::from_utf8(csv(&[&ZH, &GOOD, &GOOD]))
        .unwrap()
        .replace("\r\n", "\n");
    assert_eq!(
        parse_csv(lf.as_bytes())
            .rows
            .iter()
            .map(|r| r.row)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    let cr = lf.replace('\n', "\r");
    assert_eq!(
        parse_csv(cr.as_bytes())
            .rows
            .iter()
            .map(|r| r.row)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
}

#[test]
fn a_caption_above_the_header_is_skipped() {
    let parsed = parse_csv(&csv(&[
        &["临沂市技术合同登记汇总表", "", ""],
        &[],
        &ZH,
        &GOOD,
    ]));
    assert_eq!(parsed.rows_total, 1);
    assert_eq!(parsed.rows[0].row, 4);
    assert_eq!(parsed.rows[0].contract, expected());
}

#[test]
fn a_second_header_row_is_skipped_once() {
    let parsed = parse_csv(&csv(&[&ZH, &EN, &GOOD]));
    assert_eq!(parsed.rows_total, 1);
    assert_eq!(parsed.rows[0].row, 3);
    // Only right after the header: later, a header row is a bad data row.
    let parsed = parse_csv(&csv(&[&ZH, &GOOD, &EN]));
    assert_eq!(parsed.rows_total, 2);
    assert_eq!(parsed.rejected[0].row, 3);
}

#[test]
fn encodings() {
    let text = String::from_utf8(csv(&[&ZH, &GOOD])).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gb).is_err(),
        "the GB18030 bytes are not UTF-8"
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("{}\r\n{}\r\n", ZH.join("\t"), GOOD.join("\t"))
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    for (name, bytes) in [
        ("utf-8", text.as_bytes().to_vec()),
        ("bom", bom),
        ("gb18030", gb.into_owned()),
    ] {
        let parsed = parse_csv(&bytes);
        assert_eq!(parsed.rejected, vec![], "{name}");
        assert_eq!(parsed.rows[0].contract, expected(), "{name}");
    }
    // UTF-16 "Unicode text" from Excel is tab-separated (the amount's commas stay inside it).
    let parsed = parse_csv(&utf16);
    assert_eq!(parsed.rows.len() + parsed.rejected.len(), 1);
    assert_eq!(parsed.rows[0].contract.title, "智能分拣系统技术开发");
}

/// An XLSX workbook as Excel users make them: numbers, dates and text mixed.
pub(super) fn workbook(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in ZH.iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    build(sheet);
    book.save_to_buffer().unwrap()
}

/// Writes `GOOD` to a row as strings.
fn write_good(sheet: &mut rust_xlsxwriter::Worksheet, row: u32) {
    for (i, v) in GOOD.iter().enumerate() {
        if !v.is_empty() {
            sheet.write_string(row, i as u16, *v).unwrap();
        }
    }
}

#[test]
fn xlsx_round_trip() {
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let bytes = workbook(|sheet| {
        // Row 2: everything as text.
        write_good(sheet, 1);
        // Row 4 (row 3 blank): numbers and real dates.
        write_good(sheet, 3);
        sheet.write_number(3, 6, 371302).unwrap();
        sheet.write_number(3, 11, 371300).unwrap();
        sheet
            .write_datetime_with_format(
                3,
                13,
                ExcelDateTime::from_ymd(2026, 3, 1).unwrap(),
                &date_format,
            )
            .unwrap();
        sheet.write_number(3, 14, 46446).unwrap(); // 2027-02-28 as a serial number
        sheet.write_number(3, 15, 1250000.5).unwrap();
        sheet.write_number(3, 16, 1250000.13).unwrap();
        // Row 5: the amount finer than a fen, a credit code Excel turned into a number.
        write_good(sheet, 4);
        sheet.write_number(4, 15, 0.001).unwrap();
        sheet.write_number(4, 3, 913713001682510225_f64).unwrap();
        sheet.write_string(4, 13, "2026-02-31").unwrap();
        // Row 6: a formula error.
        write_good(sheet, 5);
        sheet.write_formula(5, 16, "=1/0").unwrap();
    });
    assert_eq!(FileKind::detect(None, &bytes).unwrap(), FileKind::Xlsx);
    let parsed = parse(&bytes, FileKind::Xlsx, &Default::default()).unwrap();
    assert_eq!(parsed.rows_total, 4);
    assert_eq!(
        parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![2, 4, 6]
    );
    assert_eq!(parsed.rows[0].contract, expected());
    let numeric = &parsed.rows[1].contract;
    assert_eq!(numeric.signed_on, date(2026, 3, 1));
    assert_eq!(numeric.valid_until, Some(date(2027, 2, 28)));
    assert_eq!(numeric.contract_amount.fen(), 125_000_050);
    assert_eq!(numeric.technical_amount.fen(), 125_000_013);
    assert_eq!(
        numeric.seller,
        PartyRef::Inline(enterprise("天元建设集团有限公司", SELLER_CODE, "371302"))
    );
    // A formula without a cached value reads as 0 in calamine: the ledger sees a 0 amount.
    assert_eq!(parsed.rows[2].contract.technical_amount, Money::ZERO);
    let report = &parsed.rejected[0];
    assert_eq!(report.row, 5);
    assert_eq!(
        fields(report),
        vec!["seller.credit_code", "signed_on", "contract_amount"]
    );
    assert!(
        report.errors[0]
            .message
            .contains("Excel kept only 15 digits"),
        "{:?}",
        report.errors[0]
    );
    assert!(
        report.errors[2]
            .message
            .contains("more than two decimal places")
    );
}

#[test]
fn xlsx_header_problems_and_bad_bytes() {
    let bytes = {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in ZH.iter().enumerate() {
            let h = if i == 15 {
                "合同成交额(万元)"
            } else {
                *h
            };
            sheet.write_string(2, 1 + i as u16, h).unwrap();
        }
        book.save_to_buffer().unwrap()
    };
    let err = parse(&bytes, FileKind::Xlsx, &Default::default()).unwrap_err();
    assert_eq!(err.problem, FileProblem::Unit);
    assert!(err.error.message.contains("(Q)"), "{}", err.error.message);
    let err = parse(b"PK\x03\x04 broken", FileKind::Xlsx, &Default::default()).unwrap_err();
    assert_eq!(err.problem, FileProblem::NotASpreadsheet);
    let empty = Workbook::new().save_to_buffer().unwrap();
    assert_eq!(
        parse(&empty, FileKind::Xlsx, &Default::default())
            .unwrap_err()
            .problem,
        FileProblem::Empty
    );
}

#[test]
fn templates_parse_back_to_their_example_row() {
    let csv_template = template_csv();
    assert!(csv_template.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        FileKind::detect(Some("text/csv; charset=utf-8"), &csv_template).unwrap(),
        FileKind::Csv
    );
    let xlsx_template = template_xlsx().unwrap();
    assert_eq!(
        FileKind::detect(Some(XLSX_CONTENT_TYPE), &xlsx_template).unwrap(),
        FileKind::Xlsx
    );
    let from_csv = parse(&csv_template, FileKind::Csv, &Default::default()).unwrap();
    let from_xlsx = parse(&xlsx_template, FileKind::Xlsx, &Default::default()).unwrap();
    assert_eq!(from_csv.rejected, vec![]);
    assert_eq!(from_xlsx.rejected, vec![]);
    assert_eq!((from_csv.rows_total, from_xlsx.rows_total), (1, 1));
    assert_eq!(from_csv.rows[0].row, 2);
    assert_eq!(
        from_xlsx.rows[0].row, 3,
        "the English header row is skipped"
    );
    assert_eq!(from_csv.rows[0].contract, from_xlsx.rows[0].contract);
    let c = &from_csv.rows[0].contract;
    assert_eq!(c.contract_type, ContractType::Development);
    assert_eq!(c.signed_on, date(2026, 3, 1));
    assert_eq!(c.contract_amount, Money::parse("1250000.00").unwrap());
    assert!(matches!(&c.buyer, PartyRef::Inline(p) if p.region.is_linyi()));
    assert!(matches!(&c.seller, PartyRef::Inline(p) if p.region.province_prefix() == "31"));
}

#[test]
fn file_kind_detection() {
    let zip = b"PK\x03\x04rest";
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    let text = "合同名称,合同类型\r\n".as_bytes();
    type Case<'a> = (Option<&'a str>, &'a [u8], Result<FileKind, FileProblem>);
    let cases: [Case<'_>; 14] = [
        (None, zip, Ok(FileKind::Xlsx)),
        (Some(XLSX_CONTENT_TYPE), zip, Ok(FileKind::Xlsx)),
        (Some("application/octet-stream"), zip, Ok(FileKind::Xlsx)),
        (Some("text/csv"), zip, Ok(FileKind::Xlsx)),
        (None, text, Ok(FileKind::Csv)),
        (Some("text/csv"), text, Ok(FileKind::Csv)),
        (Some("Text/CSV; charset=GBK"), text, Ok(FileKind::Csv)),
        (Some("application/vnd.ms-excel"), text, Ok(FileKind::Csv)),
        (Some("text/plain"), text, Ok(FileKind::Csv)),
        (
            Some(XLSX_CONTENT_TYPE),
            text,
            Err(FileProblem::NotASpreadsheet),
        ),
        (
            Some("application/pdf"),
            b"%PDF-1.7",
            Err(FileProblem::NotASpreadsheet),
        ),
        (
            Some("application/json"),
            text,
            Err(FileProblem::NotASpreadsheet),
        ),
        (None, ole, Err(FileProblem::NotASpreadsheet)),
        (
            None,
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            Err(FileProblem::NotASpreadsheet),
        ),
    ];
    for (i, (content_type, bytes, expected)) in cases.into_iter().enumerate() {
        assert_eq!(
            FileKind::detect(content_type, bytes).map_err(|e| e.problem),
            expected,
            "case {i}"
        );
    }
    assert_eq!(FileKind::Xlsx.content_type(), XLSX_CONTENT_TYPE);
    assert_eq!(FileKind::Csv.extension(), "csv");
    let err = FileKind::detect(None, ole).unwrap_err();
    assert_eq!(err.http_status(), 415);
    assert!(err.error.message_zh.contains(".xls"));
}
