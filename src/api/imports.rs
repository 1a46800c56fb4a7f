//! Spreadsheet imports: `POST /api/v1/imports?dry_run=&partial=` with a CSV or XLSX body, and
//! the templates to fill in.

use std::sync::Arc;

use rocket::data::{Data, ToByteUnit};
use rocket::http::ContentType;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{State, get, post};

use super::json::BodyHash;
use super::problem::{ApiError, ApiResult, Problem};
use super::written::{Attachment, IdempotencyHeader, Written};
use crate::auth::{Registrar, Staff};
use crate::config::Config;
use crate::import::{self, FileKind};
use crate::ledger::{Command, ImportCommand, Ledger, Request as LedgerRequest};

/// The optional `X-File-Name` header (the uploaded file's name, for the import record).
pub struct FileName(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for FileName {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        // Header values are Latin-1 in browsers: clients send a percent-encoded UTF-8 name.
        let name = req
            .headers()
            .get_one("X-File-Name")
            .map(|n| {
                percent_decode(n)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty());
        Outcome::Success(FileName(name))
    }
}

/// Decodes `%XX` escapes (UTF-8); invalid sequences stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn flag(name: &str, value: Option<&str>) -> ApiResult<bool> {
    match value {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(ApiError::invalid(
            name,
            "true or false",
            "应为 true 或 false",
        )),
    }
}

/// Imports contracts from a CSV or XLSX file (English or Chinese headers). A dry run checks
/// every row exactly as a real run would and writes nothing; a real run writes nothing when any
/// row is rejected unless `partial=true`. One `contract.register` audit entry per contract and
/// one `import.commit` entry.
#[utoipa::path(post, operation_id = "imports_create", path = "/api/v1/imports", tag = "contracts", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "Check only; write nothing"),
           ("partial" = Option<bool>, Query, description = "Import the good rows even if some are rejected"),
           ("confirm_duplicate" = Option<bool>, Query, description = "Import although the file was imported before (409 otherwise) and register rows like live contracts (rejected otherwise)"),
           ("X-File-Name" = Option<String>, Header, description = "The file's name, for the record"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    request_body(content = String, description = "The file: text/csv or an XLSX workbook", content_type = "text/csv"),
    responses(
        (status = 200, description = "Dry run: the report, nothing written", body = Object),
        (status = 201, description = "Imported: {accepted, rejected:[{row, errors}], warnings:[{row, errors}] (an inline party matched on its credit code under another name: the recorded party is used), contracts:[ids], import_id, audit_seq}", body = Object),
        (status = 413, description = "Too large, or too many rows", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a spreadsheet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A file-level problem (field `file`), or rejected rows with partial=false (`rejected`)", body = Problem, content_type = "application/problem+json")))]
#[post("/imports?<dry_run>&<partial>&<confirm_duplicate>", data = "<body>")]
#[allow(clippy::too_many_arguments)]
pub async fn create(
    registrar: Registrar,
    dry_run: Option<&str>,
    partial: Option<&str>,
    confirm_duplicate: Option<&str>,
    content_type: Option<&ContentType>,
    file_name: FileName,
    idempotency: IdempotencyHeader,
    body: Data<'_>,
    ledger: &State<Ledger>,
    config: &State<Arc<Config>>,
) -> ApiResult<Written> {
    let dry_run = flag("dry_run", dry_run)?;
    let partial = flag("partial", partial)?;
    let confirm_duplicate = flag("confirm_duplicate", confirm_duplicate)?;
    let limit = config.limits.import_mib.mebibytes();
    let bytes = body
        .open(limit)
        .into_bytes()
        .await
        .map_err(|e| ApiError::BadRequest {
            detail: format!("the file could not be read: {e}"),
            errors: vec![],
        })?;
    if !bytes.is_complete() {
        return Err(ApiError::TooLarge(format!(
            "the file is larger than {limit}"
        )));
    }
    let bytes = bytes.into_inner();
    let kind = FileKind::detect(content_type.map(|c| c.to_string()).as_deref(), &bytes)
        .map_err(file_error)?;
    let sha = crate::audit::entry::sha256_hex(&bytes);
    let limits = config.limits.xlsx();
    let parsed = rocket::tokio::task::spawn_blocking(move || import::parse(&bytes, kind, &limits))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(file_error)?;
    let command = Command::Import(ImportCommand {
        file_name: file_name.0,
        file_sha256: sha.clone(),
        rows_total: parsed.rows_total,
        rows: parsed.rows,
        rejected: parsed.rejected,
        partial,
        progress: None,
    });
    let path = format!(
        "/api/v1/imports?dry_run={dry_run}&partial={partial}&confirm_duplicate={confirm_duplicate}"
    );
    let request = LedgerRequest {
        idempotency: idempotency.key("POST", &path, &BodyHash(sha)),
        dry_run,
        confirm_duplicate,
        ..LedgerRequest::new(registrar.principal(), command)
    };
    let mut outcome = ledger.execute(request).await?;
    if dry_run {
        outcome.created = false;
    }
    Ok(Written(outcome))
}

fn file_error(e: import::FileError) -> ApiError {
    match e.http_status() {
        413 => ApiError::TooLarge(e.error.message.clone()),
        415 => ApiError::UnsupportedMediaType(e.error.message.clone()),
        _ => ApiError::Invalid(vec![e.error]),
    }
}

/// The import template as CSV (UTF-8 with BOM, Chinese headers, one example row).
#[utoipa::path(get, operation_id = "imports_template_csv", path = "/api/v1/imports/template.csv", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, description = "text/csv", body = String, content_type = "text/csv")))]
#[get("/imports/template.csv")]
pub fn template_csv(_user: Staff) -> Attachment<Vec<u8>> {
    Attachment {
        content_type: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        filename: "techledger-import-template.csv".into(),
        body: import::template_csv(),
    }
}

/// The import template as XLSX (Chinese headers, drop-down lists for the codes).
#[utoipa::path(get, operation_id = "imports_template_xlsx", path = "/api/v1/imports/template.xlsx", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, description = "XLSX", body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
#[get("/imports/template.xlsx")]
pub fn template_xlsx(_user: Staff) -> ApiResult<Attachment<Vec<u8>>> {
    let bytes = import::template_xlsx().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Attachment {
        content_type: ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        filename: "techledger-import-template.xlsx".into(),
        body: bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn file_names_arrive_percent_encoded() {
        assert_eq!(percent_decode("%E5%90%88%E5%90%8C.csv"), "合同.csv");
        assert_eq!(percent_decode("plain.xlsx"), "plain.xlsx");
        assert_eq!(percent_decode("bad%zz%4"), "bad%zz%4");
    }
}
