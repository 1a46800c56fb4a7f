//! Reading one cell as a typed value: text, a calendar date, an amount in yuan, a region.
//! Each reader names the field in its error, in English and in Chinese.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::cells::Cell;
use crate::domain::{Money, MoneyError, RegionCode};
use crate::ledger::FieldError;

/// The day before Excel's serial day 1 (1900 date system, past its 1900 leap-year bug).
const EXCEL_EPOCH: (i32, u32, u32) = (1899, 12, 30);
/// Excel's last serial date, 9999-12-31.
const EXCEL_MAX_SERIAL: i64 = 2_958_465;

/// The cell as trimmed text; `None` when blank. Numbers are written in plain decimal.
pub(crate) fn text<'c>(
    cell: &'c Cell<'_>,
    field: &str,
) -> Result<Option<Cow<'c, str>>, FieldError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(s) => {
            let t = s.trim();
            Ok((!t.is_empty()).then_some(Cow::Borrowed(t)))
        }
        Cell::Error(e) => Err(excel_error(field, e)),
        other => Ok(Some(Cow::Owned(other.display()))),
    }
}

/// The error for a cell that holds an Excel error value.
fn excel_error(field: &str, value: &str) -> FieldError {
    FieldError::new(
        field,
        format!("the cell holds an error value ({value}), not data"),
        format!("单元格内容为错误值（{value}），不是有效数据"),
    )
}

/// The error for a required cell left blank.
pub(crate) fn required(field: &str) -> FieldError {
    FieldError::new(field, "is required", "不能为空")
}

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DateProblem {
    /// Not one of the accepted forms.
    Format,
    /// The form is right but the day does not exist (31 February, month 13).
    NoSuchDay(i32, u32, u32),
}

/// A calendar date: a date cell, an Excel serial number, `20260301`, or text as
/// `2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日` (a time of day after it is ignored).
pub(crate) fn date(cell: &Cell<'_>, field: &str) -> Result<Option<NaiveDate>, FieldError> {
    let result = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => return Ok(Some(*d)),
        Cell::Text(s) if s.trim().is_empty() => return Ok(None),
        Cell::Text(s) => date_from_text(s.trim()),
        Cell::Number(n) => date_from_number(*n),
        Cell::Bool(_) => Err(DateProblem::Format),
        Cell::Error(e) => return Err(excel_error(field, e)),
    };
    result.map(Some).map_err(|problem| match problem {
        DateProblem::Format => FieldError::new(
            field,
            format!(
                "“{}” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-01 (2026/3/1, 2026.3.1 and 2026年3月1日 are accepted too)",
                echo(&cell.display())
            ),
            format!(
                "“{}”不是有效的日期格式：请填写为 YYYY-MM-DD，例如 2026-03-01（也可写作 2026/3/1、2026.3.1 或 2026年3月1日）",
                echo(&cell.display())
            ),
        ),
        DateProblem::NoSuchDay(y, m, d) => {
            let (en, zh) = if (1..=12).contains(&m) {
                let days = days_in_month(y, m);
                (
                    format!("{y}-{m:02}-{d:02} is not a calendar date: {y}-{m:02} has {days} days"),
                    format!("{y}年{m}月{d}日不存在：{y}年{m}月只有{days}天"),
                )
            } else {
                (
                    format!("{y}-{m:02}-{d:02} is not a calendar date: there is no month {m}"),
                    format!("{y}年{m}月{d}日不存在：没有{m}月"),
                )
            };
            FieldError::new(field, en, zh)
        }
    })
}

/// Days in a month of the proleptic Gregorian calendar.
fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |d| d.day())
}

/// At most 40 characters of a rejected value, for messages.
fn echo(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// Reads the date forms written as text.
fn date_from_text(s: &str) -> Result<NaiveDate, DateProblem> {
    // A time of day after the date (`2026-03-01 00:00:00`, `2026-03-01T08:00:00Z`) is ignored.
    let s = match s.split_once(['T', ' ']) {
        Some((day, rest)) if rest.contains(':') => day,
        _ => s,
    };
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m, d) = (number(&s[..4])?, number(&s[4..6])?, number(&s[6..])?);
        return ymd(y, m, d);
    }
    let parts: Vec<&str> = if let Some(rest) = s.strip_suffix('日') {
        let (y, rest) = rest.split_once('年').ok_or(DateProblem::Format)?;
        let (m, d) = rest.split_once('月').ok_or(DateProblem::Format)?;
        vec![y, m, d]
    } else {
        let separator = s
            .chars()
            .find(|c| matches!(c, '-' | '/' | '.'))
            .ok_or(DateProblem::Format)?;
        s.split(separator).collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(DateProblem::Format);
    };
    let (y, m, d) = (y.trim(), m.trim(), d.trim());
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return Err(DateProblem::Format);
    }
    ymd(number(y)?, number(m)?, number(d)?)
}

/// ASCII digits as a number.
fn number(s: &str) -> Result<u32, DateProblem> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DateProblem::Format);
    }
    s.parse().map_err(|_| DateProblem::Format)
}

/// The date, or why that day does not exist.
fn ymd(y: u32, m: u32, d: u32) -> Result<NaiveDate, DateProblem> {
    let year = i32::try_from(y).map_err(|_| DateProblem::Format)?;
    NaiveDate::from_ymd_opt(year, m, d).ok_or(DateProblem::NoSuchDay(year, m, d))
}

/// A number in a date column: `YYYYMMDD` or an Excel serial date.
fn date_from_number(n: Decimal) -> Result<NaiveDate, DateProblem> {
    let whole = n.trunc().to_i64().ok_or(DateProblem::Format)?;
    if (19_000_101..=99_991_231).contains(&whole) && n.fract().is_zero() {
        let v = u32::try_from(whole).map_err(|_| DateProblem::Format)?;
        return ymd(v / 10_000, v / 100 % 100, v % 100);
    }
    if !(1..=EXCEL_MAX_SERIAL).contains(&whole) {
        return Err(DateProblem::Format);
    }
    let (y, m, d) = EXCEL_EPOCH;
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(whole.unsigned_abs())))
        .ok_or(DateProblem::Format)
}

// ---------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------

/// An amount in yuan: a numeric cell, or text per `Money::parse` that may also carry
/// thousands separators (`1,250,000.00`), a leading ¥ or a trailing 元.
pub(crate) fn amount(cell: &Cell<'_>, field: &str) -> Result<Money, FieldError> {
    let money = |e: MoneyError| FieldError::from_domain(field, &e);
    match cell {
        Cell::Empty => Err(money(MoneyError::Empty)),
        Cell::Number(n) => Money::from_decimal(*n).map_err(money),
        Cell::Text(s) => amount_from_text(s.trim(), field),
        Cell::Date(_) => Err(FieldError::new(
            field,
            "expected an amount in yuan, found a date (check the cell's number format)",
            "应填写以元为单位的金额，单元格却是日期（请检查单元格格式）",
        )),
        Cell::Bool(_) => Err(money(MoneyError::NotANumber)),
        Cell::Error(e) => Err(excel_error(field, e)),
    }
}

/// Reads an amount written as text.
fn amount_from_text(s: &str, field: &str) -> Result<Money, FieldError> {
    let money = |e: MoneyError| FieldError::from_domain(field, &e);
    let s = s.strip_prefix(['¥', '￥']).unwrap_or(s).trim_start();
    if ["万", "万元", "亿", "亿元"]
        .iter()
        .any(|unit| s.ends_with(unit))
    {
        return Err(FieldError::new(
            field,
            format!(
                "“{}”: amounts are in yuan (元), not 万元 or 亿元 — write e.g. 1250000.00",
                echo(s)
            ),
            format!(
                "“{}”：金额应以元为单位，不能使用万元或亿元，例如应写作 1250000.00",
                echo(s)
            ),
        ));
    }
    let s = s.strip_suffix('元').unwrap_or(s).trim_end();
    if !s.contains([',', '，']) {
        return Money::parse(s).map_err(money);
    }
    let plain = strip_thousands(s).ok_or_else(|| {
        FieldError::new(
            field,
            format!(
                "“{}” is not an amount: commas may only separate thousands (1,250,000.00); the decimal separator is a point",
                echo(s)
            ),
            format!("“{}”不是有效金额：逗号只能用作千位分隔符（如 1,250,000.00），小数点请用“.”", echo(s)),
        )
    })?;
    Money::parse(&plain).map_err(money)
}

/// `1,250,000.00` → `1250000.00`, only when the commas group thousands correctly.
fn strip_thousands(s: &str) -> Option<String> {
    let s = s.replace('，', ",");
    let (sign, unsigned) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if fraction.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let mut groups = integer.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    out.push_str(sign);
    out.push_str(first);
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        out.push_str(group);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------------------

/// Every way to name a division in Chinese (its own name, and with its prefecture and
/// province before it), with the divisions each names.
static REGION_NAMES: LazyLock<HashMap<String, Vec<RegionCode>>> = LazyLock::new(|| {
    let mut names: HashMap<String, Vec<RegionCode>> = HashMap::new();
    for region in RegionCode::all() {
        let mut chain = vec![region];
        while let Some(parent) = chain.last().and_then(|r| r.parent()) {
            chain.push(parent);
        }
        let mut name = String::new();
        for link in &chain {
            name.insert_str(0, link.name_zh());
            let entry = names.entry(name.clone()).or_default();
            if !entry.contains(&region) {
                entry.push(region);
            }
        }
    }
    names.insert("境外".to_string(), vec![RegionCode::ABROAD]);
    names
});

/// A region: a GB/T 2260 code (text or number), `000000` abroad, or a Chinese name that
/// names exactly one division (兰山区, 临沂市兰山区, 山东省临沂市兰山区, 境外).
pub(crate) fn region(cell: &Cell<'_>, field: &str) -> Result<Option<RegionCode>, FieldError> {
    let Some(value) = text(cell, field)? else {
        return Ok(None);
    };
    let value = value.as_ref();
    let digits: Cow<'_, str> = match cell {
        // A number cell drops leading zeros: 0 is 000000 (abroad).
        Cell::Number(_) if value.bytes().all(|b| b.is_ascii_digit()) && value.len() < 6 => {
            Cow::Owned(format!("{value:0>6}"))
        }
        _ => Cow::Borrowed(value),
    };
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return RegionCode::parse(&digits)
            .map(Some)
            .map_err(|e| FieldError::from_domain(field, &e));
    }
    let name: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    match REGION_NAMES.get(&name).map(Vec::as_slice) {
        Some([one]) => Ok(Some(*one)),
        Some(many) => {
            let listed: Vec<String> = many
                .iter()
                .take(8)
                .map(|r| format!("{} {}", r.as_str(), r.full_name_zh()))
                .collect();
            Err(FieldError::new(
                field,
                format!(
                    "“{}” names more than one division ({}); give the 6-digit code",
                    echo(value),
                    listed.join(", ")
                ),
                format!(
                    "“{}”对应多个行政区划（{}），请填写 6 位行政区划代码",
                    echo(value),
                    listed.join("、")
                ),
            ))
        }
        None => Err(FieldError::new(
            field,
            format!(
                "“{}” is not a GB/T 2260 region: give the 6-digit code, e.g. 371302 (use 000000 for parties abroad)",
                echo(value)
            ),
            format!(
                "“{}”不是有效的行政区划：请填写 6 位行政区划代码（GB/T 2260），例如 371302；境外填 000000",
                echo(value)
            ),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn t(s: &str) -> Cell<'_> {
        Cell::Text(Cow::Borrowed(s))
    }

    fn num(s: &str) -> Cell<'static> {
        Cell::Number(Decimal::from_str(s).unwrap())
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let cases = [
            (t("2026-03-01"), d(2026, 3, 1)),
            (t(" 2026-3-1 "), d(2026, 3, 1)),
            (t("2026/03/01"), d(2026, 3, 1)),
            (t("2026/3/1"), d(2026, 3, 1)),
            (t("2026.3.1"), d(2026, 3, 1)),
            (t("2026.03.01"), d(2026, 3, 1)),
            (t("2026年3月1日"), d(2026, 3, 1)),
            (t("2026年03月01日"), d(2026, 3, 1)),
            (t("20260301"), d(2026, 3, 1)),
            (t("2026-03-01 00:00:00"), d(2026, 3, 1)),
            (t("2026-03-01T08:30:00Z"), d(2026, 3, 1)),
            (t("2024-02-29"), d(2024, 2, 29)),
            (Cell::Date(d(2026, 3, 1)), d(2026, 3, 1)),
            (num("46082"), d(2026, 3, 1)),
            (num("46082.75"), d(2026, 3, 1)),
            (num("20260301"), d(2026, 3, 1)),
        ];
        for (cell, expected) in cases {
            assert_eq!(date(&cell, "signed_on"), Ok(Some(expected)), "{cell:?}");
        }
        assert_eq!(date(&Cell::Empty, "valid_until"), Ok(None));
        assert_eq!(date(&t("  "), "valid_until"), Ok(None));
    }

    #[test]
    fn bad_dates_name_the_field_and_the_problem() {
        let cases = [
            (t("2026-02-31"), "2026-02 has 28 days"),
            (t("2026年2月31日"), "2026-02 has 28 days"),
            (t("2025-02-29"), "2025-02 has 28 days"),
            (t("2026-04-31"), "2026-04 has 30 days"),
            (t("2026-13-01"), "there is no month 13"),
            (t("20260231"), "2026-02 has 28 days"),
            (t("2026-00-10"), "there is no month 0"),
            (t("03/01/2026"), "write it as YYYY-MM-DD"),
            (t("2026-03"), "write it as YYYY-MM-DD"),
            (t("2026-03/01"), "write it as YYYY-MM-DD"),
            (t("yesterday"), "write it as YYYY-MM-DD"),
            (t("2026年3月"), "write it as YYYY-MM-DD"),
            (num("-3"), "write it as YYYY-MM-DD"),
            (num("99999999999"), "write it as YYYY-MM-DD"),
            (Cell::Bool(true), "write it as YYYY-MM-DD"),
            (Cell::Error("#N/A".into()), "error value (#N/A)"),
        ];
        for (cell, expected) in cases {
            let err = date(&cell, "signed_on").unwrap_err();
            assert_eq!(err.field, "signed_on");
            assert!(err.message.contains(expected), "{cell:?}: {}", err.message);
            assert!(!err.message_zh.is_empty());
        }
        let err = date(&t("2026-02-31"), "signed_on").unwrap_err();
        assert_eq!(err.message_zh, "2026年2月31日不存在：2026年2月只有28天");
    }

    #[test]
    fn amounts() {
        let ok = [
            (t("1250000.00"), 125_000_000),
            (t("1250000"), 125_000_000),
            (t(" 1250000.5 "), 125_000_050),
            (t("1,250,000.00"), 125_000_000),
            (t("1，250，000"), 125_000_000),
            (t("999,999.99"), 99_999_999),
            (t("¥1,250,000.00"), 125_000_000),
            (t("1250000元"), 125_000_000),
            (t("0"), 0),
            (t("1000000000000.00"), 100_000_000_000_000),
            (num("1250000.5"), 125_000_050),
            (num("1250000.13"), 125_000_013),
            (num("0"), 0),
            (num("1000000000000"), 100_000_000_000_000),
        ];
        for (cell, fen) in ok {
            assert_eq!(
                amount(&cell, "contract_amount").map(Money::fen),
                Ok(fen),
                "{cell:?}"
            );
        }
        let bad = [
            (t(""), "empty"),
            (Cell::Empty, "empty"),
            (t("1250000.001"), "more than two decimal places"),
            (num("0.001"), "more than two decimal places"),
            (t("-5"), "negative"),
            (t("-1,000.00"), "negative"),
            (num("-5"), "negative"),
            (t("1000000000000.01"), "above the maximum"),
            (t("1,000,000,000,000.01"), "above the maximum"),
            (num("1000000000000.01"), "above the maximum"),
            (t("abc"), "not a number"),
            (t("1,5"), "commas may only separate thousands"),
            (t("12,50,000"), "commas may only separate thousands"),
            (t("1,250.000,00"), "commas may only separate thousands"),
            (t(",125"), "commas may only separate thousands"),
            (t("125万"), "not 万元"),
            (t("1.25亿元"), "not 万元"),
            (t("1.2e6"), "not a number"),
            (Cell::Date(d(2026, 3, 1)), "found a date"),
            (Cell::Error("#VALUE!".into()), "error value"),
        ];
        for (cell, expected) in bad {
            let err = amount(&cell, "technical_amount").unwrap_err();
            assert_eq!(err.field, "technical_amount");
            assert!(err.message.contains(expected), "{cell:?}: {}", err.message);
            assert!(!err.message_zh.is_empty());
        }
    }

    #[test]
    fn regions_by_code_or_unambiguous_name() {
        let ok = [
            (t("371302"), "371302"),
            (num("371302"), "371302"),
            (t("000000"), "000000"),
            (num("0"), "000000"),
            (t("兰山区"), "371302"),
            (t("临沂市兰山区"), "371302"),
            (t("山东省临沂市兰山区"), "371302"),
            (t("临沂市"), "371300"),
            (t("山东省"), "370000"),
            (t("境外"), "000000"),
        ];
        for (cell, code) in ok {
            assert_eq!(
                region(&cell, "seller.region").unwrap().map(|r| r.as_str()),
                Some(code),
                "{cell:?}"
            );
        }
        assert_eq!(region(&Cell::Empty, "seller.region"), Ok(None));
        // 鼓楼区 exists in several cities; 371399 is not listed; 3713 is not six digits.
        for (cell, expected) in [
            (t("鼓楼区"), "more than one division"),
            (t("371399"), "not a GB/T 2260"),
            (t("3713"), "six digits"),
            (t("火星"), "not a GB/T 2260 region"),
        ] {
            let err = region(&cell, "buyer.region").unwrap_err();
            assert_eq!(err.field, "buyer.region");
            assert!(err.message.contains(expected), "{cell:?}: {}", err.message);
        }
    }

    #[test]
    fn text_cells() {
        assert_eq!(text(&t("  x "), "title").unwrap().as_deref(), Some("x"));
        assert_eq!(text(&t("   "), "title").unwrap(), None);
        assert_eq!(
            text(&num("12.50"), "title").unwrap().as_deref(),
            Some("12.5")
        );
        assert!(text(&Cell::Error("#REF!".into()), "title").is_err());
    }
}
