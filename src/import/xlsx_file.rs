//! XLSX files, read with calamine cell by cell from the first visible worksheet (shared
//! strings are borrowed, not copied, so a 100,000-row sheet is never held twice).

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::cells::{Cell, number_from_f64};
use super::rows::Builder;
use super::{FileError, FileProblem, ParsedFile};

/// Reads an XLSX workbook.
pub(crate) fn read(bytes: &[u8], max_rows: usize) -> Result<ParsedFile, FileError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = book
        .sheets_metadata()
        .iter()
        .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            FileError::new(
                FileProblem::Empty,
                "the workbook has no visible worksheet",
                "工作簿中没有可见的工作表",
            )
        })?;
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut builder = Builder::new(max_rows);
    let mut row: Vec<Cell<'_>> = Vec::new();
    let mut current: Option<u32> = None;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(done) = current {
                builder.row(row_number(done), &row)?;
            }
            row.clear();
            current = Some(r);
        }
        let value = convert(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        let c = usize::try_from(c).unwrap_or(usize::MAX);
        if row.len() <= c {
            row.resize(c + 1, Cell::Empty);
        }
        if let Some(slot) = row.get_mut(c) {
            *slot = value;
        }
    }
    if let Some(done) = current {
        builder.row(row_number(done), &row)?;
    }
    builder.finish()
}

/// The spreadsheet row number of a 0-based row index.
fn row_number(index: u32) -> usize {
    usize::try_from(index).map_or(usize::MAX, |i| i + 1)
}

/// One calamine value as a cell.
fn convert<'a>(value: &DataRef<'a>) -> Cell<'a> {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::SharedString(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(Cow::Owned(s.clone()))
        }
        DataRef::Int(i) => Cell::Number(Decimal::from(*i)),
        DataRef::Float(f) => number_from_f64(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map_or_else(|| Cell::Error(format!("{y}-{m:02}-{d:02}")), Cell::Date)
        }
        DataRef::DateTime(_) => Cell::Error("a duration".to_string()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The error for a workbook calamine cannot read.
fn unreadable(e: XlsxError) -> FileError {
    match e {
        XlsxError::Password => FileError::new(
            FileProblem::NotASpreadsheet,
            "the workbook is password-protected: remove the password and upload it again",
            "工作簿设有密码保护：请取消密码后重新上传",
        ),
        other => FileError::new(
            FileProblem::NotASpreadsheet,
            format!("the XLSX file cannot be read: {other}"),
            format!("无法读取 XLSX 文件：{other}"),
        ),
    }
}
