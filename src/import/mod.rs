//! Reading a spreadsheet of contracts (CSV or XLSX) into rows the ledger can register.
//!
//! This module only reads: [`parse`] turns a file into [`ImportRow`]s (every field parsed into
//! domain types) and [`RowReport`]s (rows with at least one field that does not parse, every
//! problem of the row named at once). The ledger then checks the rules that need the
//! database or cross fields (technical ≤ contract amount, same party on both sides, dates in
//! the future…) and registers everything or nothing (`ImportCommand`).
//!
//! - Headers in English or Chinese, one column per field (see the templates:
//!   [`template_csv`], [`template_xlsx`]); amounts in yuan (`合同成交额（元）` is fine,
//!   `合同成交额（万元）` is refused).
//! - Row numbers are spreadsheet row numbers (the header is row 1); blank rows are skipped
//!   and not counted; a second header row (the template's English names) is skipped.
//! - At most [`MAX_ROWS`] data rows.

mod cells;
mod columns;
mod csv_file;
mod rows;
mod template;
mod values;
mod xlsx_file;
mod xlsx_limits;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use template::{template_csv, template_xlsx};
pub use xlsx_limits::XlsxLimits;

use crate::ledger::{FieldError, ImportRow, LedgerError, RowReport};

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 200_000;

/// The MIME type of XLSX workbooks.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The MIME type of CSV files.
pub const CSV_CONTENT_TYPE: &str = "text/csv";

/// The two file formats an import accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Comma-separated text (UTF-8, or GB18030 as Excel on Chinese Windows saves it).
    Csv,
    /// An Excel workbook (Office Open XML); the first visible worksheet is read.
    Xlsx,
}

impl FileKind {
    /// Decides the format from the request's content type (if any) and the bytes: a zip
    /// (`PK\x03\x04`) is XLSX, text is CSV; anything else, or a content type naming another
    /// format, is refused.
    pub fn detect(content_type: Option<&str>, bytes: &[u8]) -> Result<FileKind, FileError> {
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty());
        let zip = bytes.starts_with(b"PK\x03\x04");
        if zip {
            return match mime.as_deref() {
                None
                | Some(
                    XLSX_CONTENT_TYPE
                    | "application/octet-stream"
                    | "application/zip"
                    | "application/x-zip-compressed"
                    | "application/vnd.ms-excel"
                    | "text/csv",
                ) => Ok(FileKind::Xlsx),
                Some(other) => Err(not_a_spreadsheet(other)),
            };
        }
        if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            return Err(FileError::new(
                FileProblem::NotASpreadsheet,
                "this is an old Excel 97–2003 workbook (.xls): save it as .xlsx or as CSV and upload it again",
                "这是旧版 Excel 97–2003 工作簿（.xls）：请另存为 .xlsx 或 CSV 后重新上传",
            ));
        }
        if mime.as_deref() == Some(XLSX_CONTENT_TYPE) {
            return Err(FileError::new(
                FileProblem::NotASpreadsheet,
                "the body was sent as XLSX but is not an XLSX workbook",
                "上传内容声明为 XLSX，但不是有效的 XLSX 工作簿",
            ));
        }
        let textual = matches!(
            mime.as_deref(),
            None | Some(
                "text/csv"
                    | "text/plain"
                    | "text/comma-separated-values"
                    | "text/tab-separated-values"
                    | "application/csv"
                    | "application/vnd.ms-excel"
                    | "application/octet-stream"
            )
        );
        if !textual {
            return Err(not_a_spreadsheet(mime.as_deref().unwrap_or_default()));
        }
        if looks_binary(bytes) {
            return Err(FileError::new(
                FileProblem::NotASpreadsheet,
                "the file is neither a CSV text file nor an XLSX workbook",
                "文件既不是 CSV 文本文件，也不是 XLSX 工作簿",
            ));
        }
        Ok(FileKind::Csv)
    }

    /// The MIME type of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Csv => CSV_CONTENT_TYPE,
            FileKind::Xlsx => XLSX_CONTENT_TYPE,
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
        }
    }
}

/// The error for a content type that is no spreadsheet.
fn not_a_spreadsheet(mime: &str) -> FileError {
    FileError::new(
        FileProblem::NotASpreadsheet,
        format!("{mime} is not a spreadsheet: upload a CSV (text/csv) or XLSX file"),
        format!("{mime} 不是电子表格：请上传 CSV（text/csv）或 XLSX 文件"),
    )
}

/// Whether the start of the bytes holds NUL bytes (binary data; UTF-16 text has a BOM).
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return false;
    }
    bytes.iter().take(8192).any(|b| *b == 0)
}

/// What kind of file-level problem a [`FileError`] is (for choosing an HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileProblem {
    /// Not a CSV or XLSX file, or an XLSX that cannot be read (415 or 422).
    NotASpreadsheet,
    /// Text in an encoding that cannot be read.
    Encoding,
    /// No header row and no data.
    Empty,
    /// The first row with content names no known column.
    NoHeader,
    /// A required column is missing.
    MissingColumn,
    /// A column (or a unit) that is not known, or values under a column with no header.
    UnknownColumn,
    /// The same column twice.
    DuplicateColumn,
    /// Amounts in 万元 or 亿元 rather than yuan.
    Unit,
    /// More than [`MAX_ROWS`] data rows (413).
    TooManyRows,
    /// An XLSX whose parts inflate past the configured limits, or whose shared-strings table
    /// announces more strings than they allow ([`XlsxLimits`]).
    OverLimit,
}

/// A problem with the file as a whole: nothing of it can be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .error.message)]
pub struct FileError {
    /// What kind of problem.
    pub problem: FileProblem,
    /// The problem as an error of the field `file`, in English and Chinese.
    pub error: FieldError,
}

impl FileError {
    /// A file error with both messages.
    pub fn new(
        problem: FileProblem,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> FileError {
        FileError {
            problem,
            error: FieldError::new("file", message, message_zh),
        }
    }

    /// The HTTP status the problem deserves: 413 for too many rows, 415 for a body that is
    /// no spreadsheet at all, 422 for the rest.
    pub fn http_status(&self) -> u16 {
        match self.problem {
            FileProblem::TooManyRows => 413,
            FileProblem::NotASpreadsheet => 415,
            _ => 422,
        }
    }
}

impl From<FileError> for LedgerError {
    fn from(e: FileError) -> LedgerError {
        LedgerError::Invalid(vec![e.error])
    }
}

/// A file read into rows.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Data rows in the file (blank rows and the header not counted).
    pub rows_total: usize,
    /// Rows whose every field parsed, in file order.
    pub rows: Vec<ImportRow>,
    /// Rows with fields that did not parse, each with every problem, in file order.
    pub rejected: Vec<RowReport>,
}

/// Reads a CSV or XLSX file of contracts; an XLSX is first checked against `limits`.
pub fn parse(bytes: &[u8], kind: FileKind, limits: &XlsxLimits) -> Result<ParsedFile, FileError> {
    read(bytes, kind, MAX_ROWS, limits)
}

/// `parse` with another row limit and the default XLSX limits (tests).
#[cfg(test)]
fn parse_at_most(bytes: &[u8], kind: FileKind, max_rows: usize) -> Result<ParsedFile, FileError> {
    read(bytes, kind, max_rows, &XlsxLimits::default())
}

fn read(
    bytes: &[u8],
    kind: FileKind,
    max_rows: usize,
    limits: &XlsxLimits,
) -> Result<ParsedFile, FileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) || bytes == b"\xEF\xBB\xBF" {
        return Err(FileError::new(
            FileProblem::Empty,
            "the file is empty",
            "文件为空",
        ));
    }
    match kind {
        FileKind::Csv => csv_file::read(bytes, max_rows),
        FileKind::Xlsx => {
            xlsx_limits::check(bytes, limits)?;
            xlsx_file::read(bytes, max_rows)
        }
    }
}
