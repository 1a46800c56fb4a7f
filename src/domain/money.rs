//! Amounts of money in yuan, held as integer fen (分): one contract's amount (`Money`) and
//! sums of many (`Total`).

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::Localized;

/// Fen in one yuan.
const FEN_PER_YUAN: i64 = 100;
/// Fen in 0.01 万元 (100 yuan), the last digit `format_wan` shows.
const FEN_PER_WAN_HUNDREDTH: i64 = 10_000;
/// Fen in 0.01 亿元 (1,000,000 yuan), the last digit `format_yi` shows.
const FEN_PER_YI_HUNDREDTH: i64 = 100_000_000;
/// Integer digits beyond which no amount can fit in `i64` fen.
const MAX_INTEGER_DIGITS: usize = 18;

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing (or only blanks) was given.
    #[error("the amount is empty")]
    Empty,
    /// The text is not a plain decimal number.
    #[error(
        "the amount is not a number: use digits in yuan with an optional point and at most two decimals, e.g. \"1250000.00\""
    )]
    NotANumber,
    /// The amount is below zero.
    #[error("the amount is negative")]
    Negative,
    /// The amount has more than two decimal places (finer than one fen).
    #[error("the amount has more than two decimal places")]
    TooManyDecimals,
    /// The amount is above 1,000,000,000,000.00 yuan.
    #[error("the amount is above the maximum of 1000000000000.00 yuan")]
    AboveMaximum,
    /// A total does not fit the 64-bit fen counter.
    #[error("the total is too large")]
    TotalTooLarge,
}

impl Localized for MoneyError {
    fn message_zh(&self) -> String {
        match self {
            Self::Empty => "金额不能为空",
            Self::NotANumber => {
                "金额格式不正确：请填写以元为单位的数字，最多两位小数，例如 1250000.00"
            }
            Self::Negative => "金额不能为负数",
            Self::TooManyDecimals => "金额最多保留两位小数（精确到分）",
            Self::AboveMaximum => "金额不能超过 1000000000000.00 元（一万亿元）",
            Self::TotalTooLarge => "合计金额超出可表示的范围",
        }
        .to_owned()
    }
}

/// One contract's amount in yuan: whole fen from 0 to 1,000,000,000,000.00 yuan.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);
    /// The largest amount accepted: 1,000,000,000,000.00 yuan (10^14 fen).
    pub const MAX: Money = Money(100_000_000_000_000);

    /// Parses a yuan amount written as `digits[.d[d]]`, e.g. `"1250000.00"`, `"0.5"`.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let fen = parse_fen(s, MoneyError::AboveMaximum)?;
        Self::from_fen(fen)
    }

    /// Builds an amount from whole fen.
    pub fn from_fen(fen: i64) -> Result<Money, MoneyError> {
        if fen < 0 {
            Err(MoneyError::Negative)
        } else if fen > Self::MAX.0 {
            Err(MoneyError::AboveMaximum)
        } else {
            Ok(Money(fen))
        }
    }

    /// The amount in whole fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Adds two amounts; `None` if the result is above `MAX`.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0
            .checked_add(other.0)
            .and_then(|fen| Self::from_fen(fen).ok())
    }

    /// Subtracts an amount; `None` if the result is below zero.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0
            .checked_sub(other.0)
            .and_then(|fen| Self::from_fen(fen).ok())
    }

    /// Adds up amounts into a `Total`; `None` only if the sum leaves the 64-bit fen range.
    pub fn sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Total> {
        amounts
            .into_iter()
            .try_fold(Total::ZERO, |total, m| total.checked_add(Total::from(m)))
    }

    /// The amount as a yuan `Decimal` with scale 2, for storage and libraries at the edge.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Converts a yuan `Decimal`; trailing zeros beyond two decimals are ignored.
    pub fn from_decimal(d: Decimal) -> Result<Money, MoneyError> {
        Self::from_fen(decimal_to_fen(d, MoneyError::AboveMaximum)?)
    }

    /// The amount in 万元 (10^4 yuan) with two decimals, rounded half up: `"125.00"`.
    pub fn format_wan(self) -> String {
        format_scaled(self.0, FEN_PER_WAN_HUNDREDTH)
    }

    /// The amount in 亿元 (10^8 yuan) with two decimals, rounded half up: `"1.25"`.
    pub fn format_yi(self) -> String {
        format_scaled(self.0, FEN_PER_YI_HUNDREDTH)
    }
}

/// A sum of amounts in fen; unlike `Money` it may exceed 10^12 yuan, and it is never negative.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Total(i64);

impl Total {
    /// Nothing summed yet.
    pub const ZERO: Total = Total(0);

    /// The largest total: `i64::MAX` fen, the range of the rollup columns.
    pub const MAX: Total = Total(i64::MAX);

    /// Parses a yuan total written like a `Money` amount but without its maximum.
    pub fn parse(s: &str) -> Result<Total, MoneyError> {
        parse_fen(s, MoneyError::TotalTooLarge).and_then(Self::from_fen)
    }

    /// Builds a total from whole fen (for example a `SUM` read from the database).
    pub fn from_fen(fen: i64) -> Result<Total, MoneyError> {
        if fen < 0 {
            Err(MoneyError::Negative)
        } else {
            Ok(Total(fen))
        }
    }

    /// The total in whole fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Adds another total (or a `Money` via `Total::from`); `None` on overflow.
    pub fn checked_add(self, other: Total) -> Option<Total> {
        self.0.checked_add(other.0).map(Total)
    }

    /// Subtracts another total; `None` if the result would be negative.
    pub fn checked_sub(self, other: Total) -> Option<Total> {
        self.0
            .checked_sub(other.0)
            .and_then(|fen| Self::from_fen(fen).ok())
    }

    /// The total as a yuan `Decimal` with scale 2.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Converts a yuan `Decimal`; trailing zeros beyond two decimals are ignored.
    pub fn from_decimal(d: Decimal) -> Result<Total, MoneyError> {
        Self::from_fen(decimal_to_fen(d, MoneyError::TotalTooLarge)?)
    }

    /// The total in 万元 with two decimals, rounded half up.
    pub fn format_wan(self) -> String {
        format_scaled(self.0, FEN_PER_WAN_HUNDREDTH)
    }

    /// The total in 亿元 with two decimals, rounded half up.
    pub fn format_yi(self) -> String {
        format_scaled(self.0, FEN_PER_YI_HUNDREDTH)
    }

    /// Yuan with thousands grouped, exact: `"12,345,678.90"`.
    pub fn format_yuan_grouped(self) -> String {
        yuan_grouped(i128::from(self.0))
    }

    /// 万元 with thousands grouped, exact (see [`wan_grouped`]).
    pub fn format_wan_grouped(self) -> String {
        wan_grouped(i128::from(self.0))
    }
}

impl From<Money> for Total {
    fn from(m: Money) -> Total {
        Total(m.0)
    }
}

/// Parses `^[0-9]+(\.[0-9]{1,2})?$` into fen; `too_large` is returned past the `i64` range.
fn parse_fen(s: &str, too_large: MoneyError) -> Result<i64, MoneyError> {
    if s.trim().is_empty() {
        return Err(MoneyError::Empty);
    }
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(MoneyError::NotANumber);
    }
    if negative {
        return Err(MoneyError::Negative);
    }
    let fraction = fraction.unwrap_or("");
    if fraction.len() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    let significant = integer.trim_start_matches('0');
    if significant.len() > MAX_INTEGER_DIGITS {
        return Err(too_large);
    }
    // At most 18 integer digits and 2 fraction digits: below 10^21, far inside u128.
    let digit = |b: u8| u128::from(b - b'0');
    let yuan = significant
        .bytes()
        .fold(0u128, |acc, b| acc * 10 + digit(b));
    let cents = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(2)
        .fold(0u128, |acc, b| acc * 10 + digit(b));
    i64::try_from(yuan * 100 + cents).map_err(|_| too_large)
}

/// Converts a yuan `Decimal` into fen, refusing negatives and sub-fen precision.
fn decimal_to_fen(d: Decimal, too_large: MoneyError) -> Result<i64, MoneyError> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(MoneyError::Negative);
    }
    let mut d = d.normalize();
    if d.scale() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    if d > Decimal::new(i64::MAX, 2) {
        return Err(too_large);
    }
    d.rescale(2);
    i64::try_from(d.mantissa()).map_err(|_| too_large)
}

/// Writes non-negative fen as yuan with two decimals.
fn write_yuan(f: &mut fmt::Formatter<'_>, fen: i64) -> fmt::Result {
    write!(f, "{}.{:02}", fen / FEN_PER_YUAN, fen % FEN_PER_YUAN)
}

/// Fen as yuan with two decimals, exact and ungrouped, as the API writes amounts (`"1234567.80"`;
/// 128-bit: any sum).
pub fn yuan_exact(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Fen as yuan with thousands grouped, exact: `"12,345,678.90"` (128-bit: any sum).
pub fn yuan_grouped(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        group_thousands(&(abs / 100).to_string()),
        abs % 100
    )
}

/// Fen as 万元 with thousands grouped, exact: two decimals, more only where the fen need them
/// (`"1,234.50"`, `"1,234.5678"`, `"0.000001"`).
pub fn wan_grouped(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let mut decimals = format!("{:06}", abs % 1_000_000);
    while decimals.len() > 2 && decimals.ends_with('0') {
        decimals.pop();
    }
    format!(
        "{sign}{}.{decimals}",
        group_thousands(&(abs / 1_000_000).to_string())
    )
}

/// Digits with a comma between each group of three: `"1234567"` → `"1,234,567"`.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats non-negative fen in units of `100 * step` with two decimals, rounding half up.
fn format_scaled(fen: i64, step: i64) -> String {
    let step = i128::from(step);
    let hundredths = (i128::from(fen) + step / 2) / step;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Digits in financial capitals (大写数字), 0–9.
const CAPITAL_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// The units inside a group of four digits, from the ones up.
const CAPITAL_UNITS: [&str; 4] = ["", "拾", "佰", "仟"];

/// An amount in fen written in Chinese financial capitals (中文大写金额), the way cheques,
/// invoices and registration certificates write it, without the 人民币 prefix:
/// `125_000_000` → `壹佰贰拾伍万元整`, `140_950` → `壹仟肆佰零玖元伍角整`,
/// `32_504` → `叁佰贰拾伍元零肆分`.
///
/// The rules (《正确填写票据和结算凭证的基本规定》): every ten is written with its digit (壹拾);
/// a run of zeros between two digits of the yuan is one 零, across 万 and 亿 too (陆仟零柒元,
/// 壹拾万零柒仟元); a zero ones digit before the 角 takes none (壹仟陆佰捌拾元叁角贰分); where
/// the rules allow a 零 in either of two places this writes the second of their examples, so
/// one amount has one text. A zero 角 before a 分 takes 零 (叁佰贰拾伍元零肆分); 整 closes an
/// amount that ends at 元 or 角 (so no digit can be added after it), never one with 分; zero
/// is 零元整; amounts below one yuan start at the 角 or 分 (伍角整). Above 亿 the count of 亿
/// is written like any number (壹万零壹亿, 壹万亿).
///
/// Defined for 0 ≤ fen < 10^16 (beyond any `Money`, and any year's `Total` in sight); larger
/// or negative values give `None`.
pub fn chinese_capitals(fen: i64) -> Option<String> {
    const LIMIT: i64 = 10_000_000_000_000_000;
    if !(0..LIMIT).contains(&fen) {
        return None;
    }
    let yuan = fen / FEN_PER_YUAN;
    let jiao = usize::try_from(fen % FEN_PER_YUAN / 10).ok()?;
    let cents = usize::try_from(fen % 10).ok()?;
    let mut out = String::new();
    if yuan > 0 {
        write_capital_yuan(&mut out, yuan);
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(CAPITAL_DIGITS[j]);
            out.push_str("角整");
        }
        (j, c) => {
            if j > 0 {
                out.push(CAPITAL_DIGITS[j]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            out.push(CAPITAL_DIGITS[c]);
            out.push('分');
        }
    }
    Some(out)
}

/// Writes whole yuan (> 0) in capitals, without the 元: the 亿 above the 万 above the rest,
/// so that 10,001 亿 reads 壹万零壹亿 and 10^12 reads 壹万亿.
fn write_capital_yuan(out: &mut String, yuan: i64) {
    write_capital_split(out, yuan, 100_000_000, '亿', |out, n| {
        write_capital_split(out, n, 10_000, '万', write_capital_group)
    });
}

/// Writes `n` (> 0) as `n / unit` followed by `unit_char`, then `n % unit`, each part by
/// `lower`.
fn write_capital_split(
    out: &mut String,
    n: i64,
    unit: i64,
    unit_char: char,
    lower: impl Fn(&mut String, i64),
) {
    let (high, low) = (n / unit, n % unit);
    if high > 0 {
        lower(out, high);
        out.push(unit_char);
        // A zero between the two parts — at the end of the upper one (壹拾万零柒仟) or at the
        // start of the lower one (壹万零壹) — is one 零, like any run of zeros between digits.
        if low > 0 && (high % 10 == 0 || low < unit / 10) {
            out.push('零');
        }
    }
    if low > 0 {
        lower(out, low);
    }
}

/// Writes 1 ≤ n ≤ 9999: each digit with its unit, one 零 for a run of zeros between digits.
fn write_capital_group(out: &mut String, n: i64) {
    let mut started = false;
    let mut zero_waiting = false;
    for power in (0..4).rev() {
        let d = usize::try_from(n / 10_i64.pow(power) % 10).unwrap_or(0);
        if d == 0 {
            zero_waiting = started;
            continue;
        }
        started = true;
        if zero_waiting {
            out.push('零');
            zero_waiting = false;
        }
        out.push(CAPITAL_DIGITS[d]);
        out.push_str(CAPITAL_UNITS[power as usize]);
    }
}

impl Money {
    /// The amount in Chinese financial capitals (see [`chinese_capitals`]): `壹佰贰拾伍万元整`.
    pub fn chinese_capitals(self) -> String {
        // Every Money is below 10^16 fen.
        chinese_capitals(self.0).unwrap_or_default()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_yuan(f, self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_yuan(f, self.0)
    }
}

impl fmt::Debug for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Total({self})")
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s)
    }
}

impl FromStr for Total {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Total, MoneyError> {
        Total::parse(s)
    }
}

impl TryFrom<&str> for Money {
    type Error = MoneyError;
    fn try_from(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(d: Decimal) -> Result<Money, MoneyError> {
        Money::from_decimal(d)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        m.to_decimal()
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Serialize for Total {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        deserializer.deserialize_str(YuanVisitor(Money::parse, PhantomData))
    }
}

impl<'de> Deserialize<'de> for Total {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Total, D::Error> {
        deserializer.deserialize_str(YuanVisitor(Total::parse, PhantomData))
    }
}

/// Accepts only strings, so a JSON number is refused with a hint to send a string.
struct YuanVisitor<T>(fn(&str) -> Result<T, MoneyError>, PhantomData<T>);

impl<T> Visitor<'_> for YuanVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an amount in yuan as a decimal string such as \"1250000.00\" (send amounts as JSON strings, not numbers)",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exact_yuan_of_any_128_bit_sum() {
        assert_eq!(yuan_exact(0), "0.00");
        assert_eq!(yuan_exact(5), "0.05");
        assert_eq!(yuan_exact(123_456_780), "1234567.80");
        assert_eq!(yuan_exact(-101), "-1.01");
        // Past i64: 2^63 fen and the most a 128-bit sum holds.
        assert_eq!(yuan_exact(1i128 << 63), "92233720368547758.08");
        assert_eq!(
            yuan_exact(i128::MIN),
            "-1701411834604692317316873037158841057.28"
        );
    }

    #[test]
    fn capitals_follow_the_payment_settlement_rules() {
        let cases = [
            // The examples of the rules and of the brief.
            (125_000_000, "壹佰贰拾伍万元整"),
            (140_950, "壹仟肆佰零玖元伍角整"),
            (600_714, "陆仟零柒元壹角肆分"),
            (168_032, "壹仟陆佰捌拾元叁角贰分"),
            (10_700_053, "壹拾万零柒仟元伍角叁分"),
            (1_640_902, "壹万陆仟肆佰零玖元零贰分"),
            (32_504, "叁佰贰拾伍元零肆分"),
            // Tens always carry their digit.
            (1_000, "壹拾元整"),
            (1_600, "壹拾陆元整"),
            (10_000_000, "壹拾万元整"),
            (100_000_000_000, "壹拾亿元整"),
            // Zero and amounts below one yuan.
            (0, "零元整"),
            (1, "壹分"),
            (10, "壹角整"),
            (55, "伍角伍分"),
            (5, "伍分"),
            (100, "壹元整"),
            (101, "壹元零壹分"),
            (110, "壹元壹角整"),
            // Zero runs across the groups: one 零, and no group unit for an empty group.
            (10_000_000_100, "壹亿零壹元整"),
            (10_000_010_000, "壹亿零壹佰元整"),
            (10_010_000_000, "壹亿零壹拾万元整"),
            (100_100_000_000, "壹拾亿零壹佰万元整"),
            (1_000_100, "壹万零壹元整"),
            (100_000_100_000_000, "壹万亿零壹佰万元整"),
            (100_010_000_000_000, "壹万零壹亿元整"),
            (1_000_000_000, "壹仟万元整"),
            (1_000_000_100, "壹仟万零壹元整"),
            (10_100_000, "壹拾万零壹仟元整"),
            (200_000_000, "贰佰万元整"),
            (2_000_000_000, "贰仟万元整"),
            (2_000_100_000, "贰仟万零壹仟元整"),
            // The largest amount a contract may have, and the largest Money below it.
            (Money::MAX.fen(), "壹万亿元整"),
            (
                99_999_999_999_999,
                "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
            // Totals beyond one contract.
            (
                9_999_999_999_999_999,
                "玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
        ];
        for (fen, want) in cases {
            assert_eq!(chinese_capitals(fen).as_deref(), Some(want), "{fen} fen");
        }
    }

    #[test]
    fn capitals_refuse_what_they_cannot_write() {
        assert_eq!(chinese_capitals(-1), None);
        assert_eq!(chinese_capitals(10_000_000_000_000_000), None);
        assert_eq!(chinese_capitals(i64::MAX), None);
    }

    #[test]
    fn capitals_never_repeat_or_end_on_a_zero() {
        // Every amount from 0 to 1,000,100.00 yuan in steps that hit every digit pattern of
        // the low groups: no 零零, no 零 before a unit, no 零 just before 元 or 万.
        let mut fen = 0i64;
        while fen <= 100_010_000 {
            let text = chinese_capitals(fen).unwrap_or_default();
            for bad in [
                "零零", "零元", "零万", "零亿", "零整", "零角", "万万", "亿万",
            ] {
                assert!(
                    !text.contains(bad) || (fen == 0 && bad == "零元"),
                    "{fen}: {text}"
                );
            }
            assert!(
                text.ends_with('整') || text.ends_with('分'),
                "{fen}: {text}"
            );
            fen += if fen < 200_000 { 1 } else { 9_973 };
        }
    }

    #[test]
    fn money_writes_its_capitals() {
        assert_eq!(
            Money::parse("1250000.00").map(Money::chinese_capitals),
            Ok("壹佰贰拾伍万元整".to_string())
        );
    }

    #[test]
    fn well_formed_amounts_parse_to_fen() {
        let cases = [
            ("1250000.00", 125_000_000),
            ("1250000", 125_000_000),
            ("0.5", 50),
            ("0.05", 5),
            ("007.10", 710),
            ("0", 0),
            ("0.00", 0),
            ("0.01", 1),
            ("1000000000000", 100_000_000_000_000),
            ("1000000000000.00", 100_000_000_000_000),
            ("999999999999.99", 99_999_999_999_999),
            ("0000000000000000000000000000000000000001.00", 100),
        ];
        for (input, fen) in cases {
            assert_eq!(Money::parse(input).map(Money::fen), Ok(fen), "{input}");
        }
    }

    #[test]
    fn empty_amounts_are_refused() {
        for input in ["", "   ", "\t"] {
            assert_eq!(Money::parse(input), Err(MoneyError::Empty), "{input:?}");
        }
    }

    #[test]
    fn text_that_is_not_a_plain_number_is_refused() {
        let cases = [
            "1e5", "1,000", " 1", "1 ", "+1", "1.", ".5", "abc", "NaN", "inf", "-", "--1", "1.2.3",
            "１", "0x10", "1_000", "-1e5", "-.5", "¥1",
        ];
        for input in cases {
            assert_eq!(
                Money::parse(input),
                Err(MoneyError::NotANumber),
                "{input:?}"
            );
        }
    }

    #[test]
    fn negative_amounts_are_refused() {
        for input in ["-1", "-0.01", "-0", "-1.234"] {
            assert_eq!(Money::parse(input), Err(MoneyError::Negative), "{input}");
        }
        assert_eq!(Money::from_fen(-1), Err(MoneyError::Negative));
    }

    #[test]
    fn three_decimals_are_refused() {
        for input in ["1.234", "1.000", "0.001", "99999999999999999999.999"] {
            assert_eq!(
                Money::parse(input),
                Err(MoneyError::TooManyDecimals),
                "{input}"
            );
        }
    }

    #[test]
    fn amounts_above_the_maximum_are_refused_without_overflow() {
        let cases = [
            "1000000000000.01",
            "1000000000001",
            "92233720368547758.08",
            "9999999999999999999",
            "1234567890123456789012345678901234567890",
            "1234567890123456789012345678901234567890.99",
        ];
        for input in cases {
            assert_eq!(
                Money::parse(input),
                Err(MoneyError::AboveMaximum),
                "{input}"
            );
        }
        assert_eq!(
            Money::from_fen(Money::MAX.fen() + 1),
            Err(MoneyError::AboveMaximum)
        );
        assert_eq!(Money::from_fen(i64::MAX), Err(MoneyError::AboveMaximum));
    }

    #[test]
    fn display_has_exactly_two_decimals() {
        let cases = [
            (0, "0.00"),
            (1, "0.01"),
            (5, "0.05"),
            (50, "0.50"),
            (125_000_000, "1250000.00"),
            (100_000_000_000_000, "1000000000000.00"),
        ];
        for (fen, text) in cases {
            let m = Money::from_fen(fen).unwrap();
            assert_eq!(m.to_string(), text);
            assert_eq!(Money::parse(text), Ok(m));
        }
        assert_eq!(format!("{:?}", Money::from_fen(5).unwrap()), "Money(0.05)");
    }

    #[test]
    fn arithmetic_stays_inside_the_range() {
        let one = Money::from_fen(1).unwrap();
        assert_eq!(Money::MAX.checked_add(one), None);
        assert_eq!(Money::MAX.checked_add(Money::ZERO), Some(Money::MAX));
        assert_eq!(Money::ZERO.checked_sub(one), None);
        assert_eq!(one.checked_sub(one), Some(Money::ZERO));
        assert_eq!(
            Money::MAX.checked_sub(one).map(Money::fen),
            Some(99_999_999_999_999)
        );
    }

    #[test]
    fn sums_may_exceed_the_per_contract_maximum() {
        let total = Money::sum([Money::MAX, Money::MAX, Money::from_fen(1).unwrap()]).unwrap();
        assert_eq!(total.fen(), 200_000_000_000_001);
        assert_eq!(total.to_string(), "2000000000000.01");
        assert_eq!(Money::sum([]), Some(Total::ZERO));
        let too_many = std::iter::repeat_n(Money::MAX, 100_000);
        assert_eq!(Money::sum(too_many), None);
    }

    #[test]
    fn totals_parse_without_the_per_contract_maximum() {
        assert_eq!(
            Total::parse("2000000000000.01").map(Total::fen),
            Ok(200_000_000_000_001)
        );
        assert_eq!(
            Total::parse("92233720368547758.07").map(Total::fen),
            Ok(i64::MAX)
        );
        assert_eq!(
            Total::parse("92233720368547758.08"),
            Err(MoneyError::TotalTooLarge)
        );
        assert_eq!(
            Total::parse("1234567890123456789012345678901234567890"),
            Err(MoneyError::TotalTooLarge)
        );
        assert_eq!(Total::parse("-5"), Err(MoneyError::Negative));
        assert_eq!(Total::from_fen(-1), Err(MoneyError::Negative));
        let ten = Total::from_fen(10).unwrap();
        assert_eq!(ten.checked_sub(Total::from_fen(11).unwrap()), None);
        assert_eq!(Total::from_fen(i64::MAX).unwrap().checked_add(ten), None);
    }

    #[test]
    fn wan_and_yi_round_half_up() {
        let cases = [
            // (fen, 万元, 亿元)
            (0, "0.00", "0.00"),
            (125_000_000, "125.00", "0.01"),
            (12_500_000_000, "12500.00", "1.25"),
            (4_999, "0.00", "0.00"),
            (5_000, "0.01", "0.00"),
            (1_234_999, "1.23", "0.00"),
            (1_235_000, "1.24", "0.00"),
            (49_999_999, "50.00", "0.00"),
            (50_000_000, "50.00", "0.01"),
            (99_999_999_999_999, "100000000.00", "10000.00"),
            (100_000_000_000_000, "100000000.00", "10000.00"),
        ];
        for (fen, wan, yi) in cases {
            let m = Money::from_fen(fen).unwrap();
            assert_eq!(m.format_wan(), wan, "wan of {fen}");
            assert_eq!(m.format_yi(), yi, "yi of {fen}");
        }
        let big = Total::from_fen(i64::MAX).unwrap();
        assert_eq!(big.format_yi(), "922337203.69");
        assert_eq!(big.format_wan(), "9223372036854.78");
    }

    #[test]
    fn grouped_amounts_are_exact() {
        let cases = [
            (0, "0.00", "0.00"),
            (1, "0.01", "0.000001"),
            (123_450_000, "1,234,500.00", "123.45"),
            (1_234_567_890, "12,345,678.90", "1,234.56789"),
            (100_000_000_000, "1,000,000,000.00", "100,000.00"),
            (
                i64::MAX,
                "92,233,720,368,547,758.07",
                "9,223,372,036,854.775807",
            ),
        ];
        for (fen, yuan, wan) in cases {
            let t = Total::from_fen(fen).unwrap();
            assert_eq!(t.format_yuan_grouped(), yuan, "yuan of {fen}");
            assert_eq!(t.format_wan_grouped(), wan, "wan of {fen}");
        }
    }

    #[test]
    fn decimals_convert_both_ways() {
        let m = Money::parse("1250000.05").unwrap();
        assert_eq!(m.to_decimal().to_string(), "1250000.05");
        assert_eq!(Money::from_decimal(m.to_decimal()), Ok(m));
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            Money::from_decimal(d("1.500")),
            Ok(Money::from_fen(150).unwrap())
        );
        assert_eq!(
            Money::from_decimal(d("7")),
            Ok(Money::from_fen(700).unwrap())
        );
        assert_eq!(Money::from_decimal(d("-0.00")), Ok(Money::ZERO));
        assert_eq!(
            Money::from_decimal(d("1.234")),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(Money::from_decimal(d("-0.01")), Err(MoneyError::Negative));
        assert_eq!(
            Money::from_decimal(d("1000000000000.01")),
            Err(MoneyError::AboveMaximum)
        );
        assert_eq!(
            Money::from_decimal(Decimal::MAX),
            Err(MoneyError::AboveMaximum)
        );
        assert_eq!(
            Total::from_decimal(Decimal::MAX),
            Err(MoneyError::TotalTooLarge)
        );
        assert_eq!(
            Total::from_decimal(d("2000000000000.10")).map(Total::fen),
            Ok(200_000_000_000_010)
        );
        assert_eq!(Total::from_fen(7).unwrap().to_decimal().to_string(), "0.07");
        let max = Total::from_fen(i64::MAX).unwrap();
        assert_eq!(Total::from_decimal(max.to_decimal()), Ok(max));
    }

    #[test]
    fn serde_uses_the_yuan_string() {
        let m = Money::parse("1250000").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1250000.00\"");
        assert_eq!(serde_json::from_str::<Money>("\"1250000.00\"").unwrap(), m);
        let t = Total::from(m);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"1250000.00\"");
        assert_eq!(serde_json::from_str::<Total>("\"1250000.00\"").unwrap(), t);
    }

    #[test]
    fn serde_refuses_json_numbers_with_a_hint() {
        for input in ["1250000", "1.5", "-3"] {
            let err = serde_json::from_str::<Money>(input)
                .unwrap_err()
                .to_string();
            assert!(err.contains("decimal string"), "{err}");
            assert!(serde_json::from_str::<Total>(input).is_err());
        }
    }

    #[test]
    fn serde_reports_the_parse_error() {
        let err = serde_json::from_str::<Money>("\"1.234\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than two decimal places"), "{err}");
    }

    #[test]
    fn every_error_has_english_and_chinese_messages() {
        let all = [
            MoneyError::Empty,
            MoneyError::NotANumber,
            MoneyError::Negative,
            MoneyError::TooManyDecimals,
            MoneyError::AboveMaximum,
            MoneyError::TotalTooLarge,
        ];
        for e in all {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
            assert_ne!(e.message_en(), e.message_zh());
        }
    }
}
