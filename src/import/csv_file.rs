//! CSV files: UTF-8 with or without a BOM, else GB18030 (what Excel on Chinese Windows
//! saves), or UTF-16 with a BOM (Excel's "Unicode text"); comma-separated (tab-separated when
//! the first line has tabs and no commas); `\r\n`, `\n` or `\r` line ends.

use std::borrow::Cow;

use super::cells::Cell;
use super::rows::Builder;
use super::{FileError, FileProblem, ParsedFile};

/// Decodes the bytes of a text file.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FileError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|_| unreadable());
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| Cow::Owned(s.into_owned()))
                .ok_or_else(unreadable);
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| Cow::Owned(s.into_owned()))
        .ok_or_else(unreadable)
}

/// The error for bytes that are neither UTF-8 nor GB18030.
fn unreadable() -> FileError {
    FileError::new(
        FileProblem::Encoding,
        "the file's text encoding cannot be read: save the CSV as UTF-8 (or from Excel as \"CSV (comma delimited)\")",
        "无法识别文件的文字编码：请将 CSV 文件另存为 UTF-8 编码（或在 Excel 中另存为“CSV（逗号分隔）”）",
    )
}

/// Reads a CSV file.
pub(crate) fn read(bytes: &[u8], max_rows: usize) -> Result<ParsedFile, FileError> {
    let text = decode(bytes)?;
    // Old Mac line ends: only `\r`.
    let text = if text.contains('\r') && !text.contains('\n') {
        Cow::Owned(text.replace('\r', "\n"))
    } else {
        text
    };
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut builder = Builder::new(max_rows);
    let mut record = csv::StringRecord::new();
    // Excel shows one row per record and one per blank line (which the reader skips), so a
    // record's row number counts the line breaks before it, less those inside quoted cells.
    let bytes = text.as_bytes();
    let mut scanned = 0;
    let mut breaks_before = 0;
    let mut breaks_in_cells = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(FileError::new(
                    FileProblem::NotASpreadsheet,
                    format!("the CSV cannot be read: {e}"),
                    format!("无法读取 CSV 文件：{e}"),
                ));
            }
        }
        // The reader may place a record's start on the end of the previous line's break.
        let mut start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(scanned)
            .clamp(scanned, bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        breaks_before += line_breaks(&bytes[scanned..start]);
        scanned = start;
        let number = 1 + breaks_before - breaks_in_cells.min(breaks_before);
        let cells: Vec<Cell<'_>> = record
            .iter()
            .map(|s| Cell::Text(Cow::Borrowed(s)))
            .collect();
        builder.row(number, &cells)?;
        breaks_in_cells += record
            .iter()
            .map(|s| line_breaks(s.as_bytes()))
            .sum::<usize>();
    }
    builder.finish()
}

/// The line breaks in some text (`\n` after the `\r`-only files were converted).
fn line_breaks(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}
