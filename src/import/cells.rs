//! One cell of an import file, whatever the format: text (borrowed where it can be), an exact
//! decimal number, a date, or an Excel error. Floating-point numbers from XLSX cells are
//! turned into decimals here, at the moment they are read, and nowhere else.

use std::borrow::Cow;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A cell's value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Cell<'a> {
    /// Nothing.
    #[default]
    Empty,
    /// Text (CSV cells are always text).
    Text(Cow<'a, str>),
    /// A numeric XLSX cell, exactly as Excel shows it (15 significant digits).
    Number(Decimal),
    /// An XLSX cell formatted as a date (its time of day dropped).
    Date(NaiveDate),
    /// An XLSX boolean.
    Bool(bool),
    /// An XLSX error value (`#N/A`, `#VALUE!`) or a cell that cannot be read exactly.
    Error(String),
}

impl Cell<'_> {
    /// Whether the cell is empty or only blanks.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as header text.
    pub(crate) fn header_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s.as_ref()),
            Cell::Empty => Cow::Borrowed(""),
            other => Cow::Owned(other.display()),
        }
    }

    /// The cell written out as text (numbers in plain decimal, dates as `YYYY-MM-DD`).
    pub(crate) fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Number(d) => d.normalize().to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// Reads a numeric XLSX cell as the decimal Excel shows: Excel keeps 15 significant digits,
/// so the binary value is rounded to 15 significant digits and read back as a decimal. A typed
/// 1250000.13 stays 1250000.13 and a computed 0.1 + 0.2 becomes 0.3, while 0.001 stays
/// 0.001 (and is later refused as an amount). This is the only place a float is handled.
pub(crate) fn number_from_f64(value: f64) -> Cell<'static> {
    if !value.is_finite() {
        return Cell::Error("not a finite number".to_string());
    }
    let scientific = format!("{value:.14e}");
    match Decimal::from_scientific(&scientific) {
        Ok(d) => Cell::Number(d.normalize()),
        Err(_) => Cell::Error(format!("the number {scientific} is out of range")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn n(value: f64) -> String {
        match number_from_f64(value) {
            Cell::Number(d) => d.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn floats_become_the_decimal_excel_shows() {
        let cases = [
            (1250000.0, "1250000"),
            (1250000.5, "1250000.5"),
            (1250000.13, "1250000.13"),
            (0.1 + 0.2, "0.3"),
            (0.001, "0.001"),
            (999999999999.99, "999999999999.99"),
            (1000000000000.0, "1000000000000"),
            (-5.0, "-5"),
            (0.0, "0"),
            (913713001682510225.0, "913713001682510000"),
            (46082.0, "46082"),
        ];
        for (value, expected) in cases {
            assert_eq!(n(value), expected, "{value}");
        }
        assert!(matches!(number_from_f64(f64::NAN), Cell::Error(_)));
        assert!(matches!(number_from_f64(1e40), Cell::Error(_)));
    }

    #[test]
    fn blank_and_display() {
        assert!(Cell::Empty.is_blank());
        assert!(Cell::Text(" \t".into()).is_blank());
        assert!(!Cell::Text("x".into()).is_blank());
        assert!(!Cell::Number(Decimal::ZERO).is_blank());
        assert_eq!(
            Cell::Number(Decimal::from_str("371302.00").unwrap()).display(),
            "371302"
        );
        assert_eq!(
            Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()).display(),
            "2026-03-01"
        );
    }
}
