//! What an XLSX may inflate to, checked before calamine opens it. An XLSX is a zip of XML
//! parts: a few kilobytes can declare (or inflate to) gigabytes, and calamine reserves memory
//! for as many shared strings as `xl/sharedStrings.xml` announces in its `uniqueCount`
//! attribute — a 1.7 KB file announcing 10¹³ of them made the allocator abort the process.
//! So every entry is inflated here first, into nothing, counting bytes (the sizes a zip declares
//! may lie), and the shared-strings table's announced counts are read; anything over the limits
//! in `[limits]` of the configuration is refused as a problem of the field `file`.

use std::io::{self, BufReader, Read};

use quick_xml::Reader;
use quick_xml::events::Event;
use zip::ZipArchive;
use zip::result::ZipError;

use super::{FileError, FileProblem};

const MIB: u64 = 1024 * 1024;

/// How far into the shared-strings table its root element must start.
const SST_HEAD_BYTES: u64 = MIB;

/// The limits an XLSX is checked against (from `[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlsxLimits {
    /// The most bytes one zip entry may inflate to.
    pub entry_bytes: u64,
    /// The most bytes all entries together may inflate to.
    pub inflated_bytes: u64,
    /// The most shared strings (`uniqueCount`) and references to them (`count`) the
    /// shared-strings table may announce.
    pub shared_strings: u64,
}

impl XlsxLimits {
    /// Limits from the configuration's MiB and counts.
    pub fn new(entry_mib: u64, inflated_mib: u64, shared_strings: u64) -> XlsxLimits {
        XlsxLimits {
            entry_bytes: entry_mib.saturating_mul(MIB),
            inflated_bytes: inflated_mib.saturating_mul(MIB),
            shared_strings,
        }
    }
}

impl Default for XlsxLimits {
    fn default() -> XlsxLimits {
        XlsxLimits::new(256, 512, 4_000_000)
    }
}

/// Checks an XLSX's zip entries and shared-strings table against `limits`.
pub(crate) fn check(bytes: &[u8], limits: &XlsxLimits) -> Result<(), FileError> {
    let mut zip = ZipArchive::new(io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let entry = zip.by_index(index).map_err(unreadable)?;
        let name = entry.name().map_err(unreadable)?.to_string();
        let declared = entry.size();
        if declared > limits.entry_bytes {
            return Err(entry_too_large(&name, limits));
        }
        let shared_strings = is_shared_strings(&name);
        let mut counted = Counted {
            inner: entry.take(limits.entry_bytes.saturating_add(1)),
            bytes: 0,
        };
        if shared_strings {
            check_shared_strings(&mut counted, &name, limits)?;
        }
        if let Err(e) = io::copy(&mut counted, &mut io::sink()) {
            // The zip reader stops a part that inflates past the size it declares (zip 9 says
            // so only in the error's text; the test of the lying zip bomb pins it).
            return Err(if e.to_string().contains("declared uncompressed size") {
                FileError::new(
                    FileProblem::OverLimit,
                    format!(
                        "the XLSX file's part {name} inflates to more than the {declared} bytes it declares"
                    ),
                    format!("XLSX 文件的组成部分 {name} 解压后超过其声明的 {declared} 字节"),
                )
            } else {
                read_failure(&name, &e)
            });
        }
        if counted.bytes > limits.entry_bytes {
            return Err(entry_too_large(&name, limits));
        }
        total = total.saturating_add(counted.bytes);
        if total > limits.inflated_bytes {
            return Err(FileError::new(
                FileProblem::OverLimit,
                format!(
                    "the XLSX file inflates to more than {} MiB (limits.xlsx_inflated_mib)",
                    limits.inflated_bytes / MIB
                ),
                format!(
                    "XLSX 文件解压后超过 {} MiB（limits.xlsx_inflated_mib）",
                    limits.inflated_bytes / MIB
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a zip entry is a shared-strings table (calamine reads `<dir>/sharedStrings.xml`;
/// names are compared as calamine's path lookup does, whatever the case and slashes).
fn is_shared_strings(name: &str) -> bool {
    name.replace('\\', "/")
        .to_ascii_lowercase()
        .ends_with("sharedstrings.xml")
}

/// Reads the root element of a shared-strings table and checks the counts it announces.
fn check_shared_strings(
    entry: &mut impl Read,
    name: &str,
    limits: &XlsxLimits,
) -> Result<(), FileError> {
    let mut xml = Reader::from_reader(BufReader::new(entry.take(SST_HEAD_BYTES)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for attribute in ["uniqueCount", "count"] {
                    let value = e
                        .try_get_attribute(attribute)
                        .map_err(|_| bad_shared_strings(name))?;
                    let Some(value) = value else { continue };
                    let text = value.value.trim().to_string();
                    // calamine reads the number as an unsigned integer and ignores anything
                    // else; a number too large for 64 bits is over any limit.
                    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                        let n = text.parse::<u64>().unwrap_or(u64::MAX);
                        if n > limits.shared_strings {
                            return Err(FileError::new(
                                FileProblem::OverLimit,
                                format!(
                                    "the XLSX file's shared-strings table ({name}) announces {attribute}=\"{text}\", more than {} (limits.xlsx_shared_strings)",
                                    limits.shared_strings
                                ),
                                format!(
                                    "XLSX 文件的共享字符串表（{name}）声明 {attribute}=\"{text}\"，超过上限 {}（limits.xlsx_shared_strings）",
                                    limits.shared_strings
                                ),
                            ));
                        }
                    }
                }
                return Ok(());
            }
            Ok(Event::Eof) | Err(_) => return Err(bad_shared_strings(name)),
            Ok(_) => {}
        }
    }
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes = self.bytes.saturating_add(n as u64);
        Ok(n)
    }
}

fn entry_too_large(name: &str, limits: &XlsxLimits) -> FileError {
    FileError::new(
        FileProblem::OverLimit,
        format!(
            "the XLSX file's part {name} inflates to more than {} MiB (limits.xlsx_entry_mib)",
            limits.entry_bytes / MIB
        ),
        format!(
            "XLSX 文件的组成部分 {name} 解压后超过 {} MiB（limits.xlsx_entry_mib）",
            limits.entry_bytes / MIB
        ),
    )
}

fn bad_shared_strings(name: &str) -> FileError {
    FileError::new(
        FileProblem::NotASpreadsheet,
        format!("the XLSX file's shared-strings table ({name}) cannot be read"),
        format!("无法读取 XLSX 文件的共享字符串表（{name}）"),
    )
}

fn read_failure(name: &str, e: &io::Error) -> FileError {
    FileError::new(
        FileProblem::NotASpreadsheet,
        format!("the XLSX file's part {name} cannot be read: {e}"),
        format!("无法读取 XLSX 文件的组成部分 {name}：{e}"),
    )
}

fn unreadable(e: ZipError) -> FileError {
    FileError::new(
        FileProblem::NotASpreadsheet,
        format!("the XLSX file cannot be read: {e}"),
        format!("无法读取 XLSX 文件：{e}"),
    )
}
