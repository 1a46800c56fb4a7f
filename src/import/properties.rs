//! Property tests of reading import cells: amounts, dates and regions from text and numeric
//! cells, and whole CSV and XLSX rows with any title and amount.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::cells::{Cell, number_from_f64};
use super::tests::{GOOD, ZH, workbook};
use super::values::{amount, date, region};
use super::{FileKind, parse};
use crate::domain::{Money, RegionCode};

fn money() -> impl Strategy<Value = Money> {
    prop_oneof![
        (0..=Money::MAX.fen()).prop_map(|fen| Money::from_fen(fen).unwrap()),
        // Whole yuan and small amounts, as most contracts are written.
        (0..=10_000_000_000i64).prop_map(|yuan| Money::from_fen(yuan * 100).unwrap()),
        (0..=10_000i64).prop_map(|fen| Money::from_fen(fen).unwrap()),
    ]
}

fn text(s: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(s))
}

/// `m` written with thousands separators (`,` or `，`), e.g. `1,250,000.5`.
fn grouped(m: Money, separator: char, decimals: usize) -> String {
    let yuan = (m.fen() / 100).to_string();
    let mut out = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    let cents = format!("{:02}", m.fen() % 100);
    match decimals {
        0 if m.fen() % 100 == 0 => out,
        1 if m.fen() % 10 == 0 => format!("{out}.{}", &cents[..1]),
        _ => format!("{out}.{cents}"),
    }
}

/// A CSV file with every cell quoted.
fn quoted_csv(rows: &[&[&str]]) -> Vec<u8> {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn day() -> impl Strategy<Value = NaiveDate> {
    // From Excel's first unambiguous serial day (1900-03-01) to its last.
    let first = NaiveDate::from_ymd_opt(1900, 3, 1).unwrap();
    (0..2_958_405u64).prop_map(move |n| first + chrono::Days::new(n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A typed amount in an XLSX cell (a binary float) reads back as exactly that many fen.
    #[test]
    fn numeric_cells_read_the_amount_typed(m in money()) {
        let typed = m.fen() as f64 / 100.0;
        let cell = number_from_f64(typed);
        prop_assert_eq!(amount(&cell, "contract_amount"), Ok(m), "{:?}", cell);
    }

    #[test]
    fn text_amounts_with_separators_units_and_blanks_read_the_same(
        m in money(),
        separator in proptest::sample::select(vec![',', '，']),
        decimals in 0..3usize,
        prefix in proptest::sample::select(vec!["", "¥", "￥", " ", "¥ "]),
        suffix in proptest::sample::select(vec!["", "元", " 元", " "]),
    ) {
        let plain = grouped(m, separator, decimals).replace(separator, "");
        let written = format!("{prefix}{}{suffix}", grouped(m, separator, decimals));
        prop_assert_eq!(amount(&text(&written), "a"), Ok(m), "{}", written);
        prop_assert_eq!(amount(&text(&plain), "a"), Ok(m), "{}", plain);
    }

    /// A comma that does not group thousands is refused, naming the field.
    #[test]
    fn misplaced_separators_are_refused(m in money(), cut in 1..4usize) {
        let yuan = (m.fen() / 100).to_string();
        prop_assume!(yuan.len() > cut);
        let (head, tail) = yuan.split_at(yuan.len() - cut);
        let written = format!("{head},{tail}");
        if cut != 3 {
            let refused = amount(&text(&written), "contract_amount").unwrap_err();
            prop_assert_eq!(refused.field, "contract_amount");
        }
        // A comma as decimal separator is refused too.
        let decimal_comma = format!("{head},{:02}", m.fen() % 100);
        prop_assert!(amount(&text(&decimal_comma), "a").is_err(), "{}", decimal_comma);
    }

    /// Whatever a text cell holds, the readers answer without panicking.
    #[test]
    fn readers_never_panic(s in "\\PC{0,24}|[-+ .,，0-9年月日/¥元万]{0,24}") {
        let cell = text(&s);
        let _ = amount(&cell, "a");
        let _ = date(&cell, "d");
        let _ = region(&cell, "r");
    }

    /// Every written form of a day, and its numeric forms, read as that day.
    #[test]
    fn dates_in_every_form_read_the_same_day(d in day()) {
        let (y, m, dd) = (d.year(), d.month(), d.day());
        let forms = [
            format!("{y}-{m:02}-{dd:02}"),
            format!("{y}/{m}/{dd}"),
            format!("{y}.{m}.{dd}"),
            format!("{y}年{m}月{dd}日"),
            format!("{y}{m:02}{dd:02}"),
            format!("{y}-{m:02}-{dd:02} 08:30:00"),
            format!("{y}-{m:02}-{dd:02}T00:00:00Z"),
        ];
        for form in &forms {
            prop_assert_eq!(date(&text(form), "signed_on"), Ok(Some(d)), "{}", form);
        }
        let yyyymmdd = Decimal::from(y * 10_000 + i32::try_from(m * 100 + dd).unwrap());
        prop_assert_eq!(date(&Cell::Number(yyyymmdd), "signed_on"), Ok(Some(d)));
        let serial = (d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
        prop_assert_eq!(date(&number_from_f64(serial as f64), "signed_on"), Ok(Some(d)));
        prop_assert_eq!(date(&Cell::Date(d), "signed_on"), Ok(Some(d)));
    }

    /// A region reads the same from text, from a number cell (leading zeros dropped by Excel)
    /// and from its full Chinese name.
    #[test]
    fn regions_read_from_codes_numbers_and_full_names(
        r in proptest::sample::select(RegionCode::all().collect::<Vec<_>>()),
    ) {
        prop_assert_eq!(region(&text(r.as_str()), "r"), Ok(Some(r)));
        let number = Decimal::from(r.as_str().parse::<u32>().unwrap());
        prop_assert_eq!(region(&Cell::Number(number), "r"), Ok(Some(r)));
        // A full name names this division, or several (the error lists them), never another.
        match region(&text(&r.full_name_zh()), "r") {
            Ok(found) => prop_assert_eq!(found, Some(r)),
            Err(e) => prop_assert!(e.message.contains(r.as_str()), "{:?}", e),
        }
    }
}

proptest! {
    // Each case writes and reads a whole file.
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A CSV row keeps any title (quotes, commas, line breaks, CJK) and any amount.
    #[test]
    fn csv_rows_keep_any_title_and_amount(
        title in "[^\u{0}-\u{1f}\u{7f}]{1,12}|[\"',\r\n 临沂a-z]{1,12}",
        m in money(),
    ) {
        let title = format!("T{title}");
        let amount_text = grouped(m, ',', 2);
        let mut row = GOOD.to_vec();
        row[0] = &title;
        row[15] = &amount_text;
        row[16] = &amount_text;
        let parsed = parse(&quoted_csv(&[&ZH, &row]), FileKind::Csv, &Default::default()).unwrap();
        prop_assert_eq!(parsed.rejected.len(), 0, "{:?}", parsed.rejected);
        let contract = &parsed.rows[0].contract;
        prop_assert_eq!(contract.title.as_str(), title.trim());
        prop_assert_eq!(contract.contract_amount, m);
        prop_assert_eq!(contract.technical_amount, m);
    }

    /// An XLSX row keeps any title and an amount typed as a number.
    #[test]
    fn xlsx_rows_keep_any_title_and_amount(
        title in "[^\u{0}-\u{1f}\u{7f}]{1,12}",
        m in money(),
    ) {
        let title = format!("T{title}");
        let bytes = workbook(|sheet| {
            for (i, v) in GOOD.iter().enumerate() {
                if !v.is_empty() {
                    sheet.write_string(1, i as u16, *v).unwrap();
                }
            }
            sheet.write_string(1, 0, &title).unwrap();
            sheet.write_number(1, 15, m.fen() as f64 / 100.0).unwrap();
            sheet.write_number(1, 16, m.fen() as f64 / 100.0).unwrap();
        });
        let parsed = parse(&bytes, FileKind::Xlsx, &Default::default()).unwrap();
        prop_assert_eq!(parsed.rejected.len(), 0, "{:?}", parsed.rejected);
        let contract = &parsed.rows[0].contract;
        prop_assert_eq!(contract.title.as_str(), title.trim());
        prop_assert_eq!(contract.contract_amount, m);
    }
}
