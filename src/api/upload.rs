//! A submission's upload: `multipart/form-data` with the form as JSON (part `submission`) and
//! the signed contract (part `file`), streamed into the attachments directory as it arrives —
//! hashed, size-checked and typed by its first bytes, never by its name or Content-Type.

use rocket::data::{Data, ToByteUnit};
use rocket::http::ContentType;

use super::problem::{ApiError, ApiResult};
use crate::attachments::{AttachmentStore, ReceiveError, Received};
use crate::ledger::FieldError;

/// What an upload carried.
#[derive(Debug, Default)]
pub struct Upload {
    /// The `submission` part (JSON).
    pub form: Option<Vec<u8>>,
    /// The `file` part, received into a temporary file.
    pub file: Option<Received>,
    /// The name the file was sent under (display only).
    pub file_name: Option<String>,
}

/// The largest form part.
const FORM_MAX: u64 = 256 * 1024;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        detail: detail.into(),
        errors: vec![],
    }
}

fn file_error(e: ReceiveError) -> ApiError {
    match e {
        ReceiveError::TooLarge(limit) => ApiError::TooLargeField(FieldError::new(
            "file",
            format!(
                "the signed contract may be at most {} MiB",
                limit / (1024 * 1024)
            ),
            format!("合同文件不能超过{}MB", limit / (1024 * 1024)),
        )),
        ReceiveError::Empty => ApiError::Invalid(vec![FieldError::new(
            "file",
            "the file is empty",
            "文件为空",
        )]),
        ReceiveError::WrongKind => ApiError::Invalid(vec![FieldError::new(
            "file",
            "the signed contract must be a PDF, JPEG or PNG file (told by its content, not its name)",
            "合同文件必须是PDF、JPEG或PNG格式（按文件内容判断，而非文件名）",
        )]),
        ReceiveError::Io(e) => ApiError::Internal(format!("storing an attachment: {e}")),
    }
}

fn multipart_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            let field = field_name.unwrap_or_else(|| "submission".into());
            ApiError::TooLargeField(FieldError::new(
                field,
                "this part is too large",
                "该部分内容过大",
            ))
        }
        multer::Error::StreamSizeExceeded { limit } => {
            ApiError::TooLarge(format!("the upload is larger than {limit} bytes"))
        }
        // A part the form does not have is a bad field, named like any other.
        multer::Error::UnknownField { field_name } => ApiError::Invalid(vec![FieldError::new(
            field_name.unwrap_or_default(),
            "not a part of this form: send `submission` (the form as JSON) and `file`",
            "不是本表单的内容：请只提交 submission（合同表单）和 file（合同文件）",
        )]),
        other => bad(format!("the multipart body cannot be read: {other}")),
    }
}

/// Reads an upload whose file may be at most `file_limit` bytes.
pub async fn read(
    data: Data<'_>,
    content_type: Option<&ContentType>,
    store: &AttachmentStore,
    file_limit: u64,
) -> ApiResult<Upload> {
    let boundary = content_type
        .filter(|c| c.top() == "multipart" && c.sub() == "form-data")
        .and_then(|c| c.params().find(|(k, _)| k == "boundary").map(|(_, v)| v.to_string()))
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType(
                "send multipart/form-data with the parts `submission` (the form as JSON) and `file` (the signed contract)".into(),
            )
        })?;
    // The whole body: the file, the form and the parts' headers.
    let whole = file_limit + FORM_MAX + 64 * 1024;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["submission", "file"])
        .size_limit(
            multer::SizeLimit::new()
                .whole_stream(whole)
                .for_field("submission", FORM_MAX),
        );
    let reader = data.open(whole.bytes());
    let mut parts = multer::Multipart::with_reader_with_constraints(reader, boundary, constraints);
    let mut upload = Upload::default();
    while let Some(mut part) = parts.next_field().await.map_err(multipart_error)? {
        match part.name() {
            Some("submission") if upload.form.is_none() => {
                let bytes = part.bytes().await.map_err(multipart_error)?;
                upload.form = Some(bytes.to_vec());
            }
            Some("file") if upload.file.is_none() => {
                upload.file_name = part.file_name().map(|n| {
                    n.chars()
                        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
                        .take(200)
                        .collect()
                });
                let mut receiving = store.begin(file_limit).await.map_err(file_error)?;
                while let Some(chunk) = part.chunk().await.map_err(multipart_error)? {
                    receiving.push(&chunk).await.map_err(file_error)?;
                }
                upload.file = Some(receiving.finish().await.map_err(file_error)?);
            }
            Some(name) => {
                return Err(ApiError::Invalid(vec![FieldError::new(
                    name.to_string(),
                    "sent twice",
                    "重复提交",
                )]));
            }
            None => return Err(bad("a part without a name")),
        }
    }
    Ok(upload)
}
