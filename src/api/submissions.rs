//! Online submissions (issue 16) under `/api/v1/submissions`: an applicant submits a contract
//! form with the signed contract (multipart: `submission`, `file`), sees and corrects only
//! their own; a registrar of the office works the queue — accept (registers the contract),
//! return with reasons per field, refuse — each step one audit entry through the ledger.

use std::sync::Arc;

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{State, get, post};
use serde::{Deserialize, Serialize};

use super::contracts::ContractBody;
use super::json::{ApiJson, BodyHash};
use super::problem::{ApiError, ApiResult};
use super::upload;
use super::written::{Attachment, IdempotencyHeader, Written};
use crate::attachments::AttachmentStore;
use crate::auth::guards::{APPLICANT, AUDITOR, Authorized, REGISTRAR};
use crate::auth::{Applicant, AuthUser, Registrar};
use crate::config::Config;
use crate::db::models::submissions::{self as rows, SubmissionFilter, SubmissionRow};
use crate::db::{Db, DbError};
use crate::domain::{OfficeCode, Role, SubmissionStatus, WorkCalendar};
use crate::ledger::{Command, Decision, FieldError, Ledger, Request, SubmissionDraft};
use crate::records::{
    AttachedFile, FieldReason, SubmissionDecision, SubmissionState, SubmissionVersion,
};

/// Who reads submissions: their applicant, the registrars of their office, auditors.
pub type SubmissionReader = Authorized<{ APPLICANT | REGISTRAR | AUDITOR }>;

/// A submission in a list: its state, what its current version is about, where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    /// The submission.
    #[serde(flatten)]
    pub submission: SubmissionState,
    /// The current version's title.
    pub title: Option<String>,
    /// The current version's seller name.
    pub seller_name: Option<String>,
    /// The current version's buyer name.
    pub buyer_name: Option<String>,
    /// The current version's contract amount (yuan).
    pub contract_amount: Option<String>,
    /// The decision on the current version (a return's reasons per field, a refusal's reason).
    pub decision: Option<SubmissionDecision>,
    /// Working days in the queue (Monday to Friday less configured holidays), while waiting.
    pub working_days_waiting: Option<u32>,
    /// Waiting longer than `submissions.overdue_working_days`.
    pub overdue: bool,
}

/// One submission with its whole history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionDetail {
    /// The submission, as in the list.
    #[serde(flatten)]
    pub view: SubmissionView,
    /// Every version submitted, oldest first.
    pub versions: Vec<SubmissionVersion>,
    /// Every decision, oldest first.
    pub decisions: Vec<SubmissionDecision>,
}

fn text_of(form: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut v = form;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::to_string)
}

/// The multipart body of `POST /api/v1/submissions` (described for the OpenAPI document; the
/// route reads the parts as they stream in, see `upload::read`).
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SubmissionUpload {
    /// The contract form as JSON: the body of `POST /api/v1/contracts`, the seller given by its
    /// fields with the applicant's credit code, and `office` the office to submit to.
    submission: ContractBody,
    /// The signed contract: a PDF, JPEG or PNG told by its content, at most
    /// `submissions.max_file_mib` MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The multipart body of `POST /api/v1/submissions/{id}/versions`.
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SubmissionCorrection {
    /// The corrected contract form as JSON (as in a submission).
    submission: ContractBody,
    /// Another signed contract; without it the previous version's stays.
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
}

/// The queue figures of a submission as of `now`.
fn view(
    state: SubmissionState,
    form: Option<&serde_json::Value>,
    decision: Option<SubmissionDecision>,
    config: &Config,
) -> SubmissionView {
    let waiting = (state.status == SubmissionStatus::Submitted).then(|| {
        let calendar = WorkCalendar::new(
            config.submissions.holidays.iter().copied(),
            config.submissions.working_weekend_days.iter().copied(),
        );
        calendar.working_days_between(
            crate::time::shanghai_date(state.queued_at),
            crate::time::shanghai_date(crate::time::now()),
        )
    });
    let field = |path: &[&str]| form.and_then(|f| text_of(f, path));
    SubmissionView {
        title: field(&["title"]),
        seller_name: field(&["seller", "name"]),
        buyer_name: field(&["buyer", "name"]),
        contract_amount: field(&["contract_amount"]),
        overdue: waiting.is_some_and(|d| d > config.submissions.overdue_working_days),
        working_days_waiting: waiting,
        decision,
        submission: state,
    }
}

/// May `user` read `row`? Anyone else's is not found — an applicant cannot tell another's
/// submission from one that does not exist.
pub(crate) fn visible(user: &AuthUser, row: &SubmissionRow) -> bool {
    match user.role() {
        Role::Applicant => row.applicant_id == user.actor.id,
        Role::Registrar => user.office().map(|o| o.code()) == Some(row.office.as_str()),
        Role::Auditor => true,
        _ => false,
    }
}

/// The submission `id` if `user` may read it, with its versions and decisions.
async fn load(
    db: &Db,
    user: &AuthUser,
    id: &str,
) -> ApiResult<(
    SubmissionRow,
    Vec<SubmissionVersion>,
    Vec<SubmissionDecision>,
)> {
    let key = id.to_string();
    let found = db
        .run(move |conn| {
            let Some(row) = rows::by_id(conn, &key)? else {
                return Ok::<_, DbError>(None);
            };
            let versions = rows::versions(conn, &key)?;
            let decisions = rows::decisions(conn, &key)?;
            Ok(Some((row, versions, decisions)))
        })
        .await?;
    let not_found = || ApiError::not_found(format!("submission {id} not found"));
    let (row, versions, decisions) = found.ok_or_else(not_found)?;
    if !visible(user, &row) {
        return Err(not_found());
    }
    let versions = versions
        .iter()
        .map(SubmissionVersion::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let decisions = decisions
        .iter()
        .map(SubmissionDecision::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((row, versions, decisions))
}

fn detail(
    row: &SubmissionRow,
    versions: Vec<SubmissionVersion>,
    decisions: Vec<SubmissionDecision>,
    config: &Config,
) -> ApiResult<SubmissionDetail> {
    let state = SubmissionState::from_row(row)?;
    let form = versions
        .iter()
        .find(|v| v.version == state.version)
        .map(|v| v.form.clone());
    let decision = decisions
        .iter()
        .find(|d| d.version == state.version)
        .cloned();
    Ok(SubmissionDetail {
        view: view(state, form.as_ref(), decision, config),
        versions,
        decisions,
    })
}

/// Parses the upload's form: the contract body of `POST /api/v1/contracts` with `office`
/// required (the office whose queue it goes to). Returns what is stored (the form without
/// `confirm_duplicate`), the draft's parts and the confirmation flag.
fn parse_form(
    bytes: Option<&[u8]>,
) -> ApiResult<(
    serde_json::Value,
    crate::ledger::NewContract,
    OfficeCode,
    bool,
)> {
    let bytes = bytes.ok_or_else(|| {
        ApiError::Invalid(vec![FieldError::new(
            "submission",
            "the part `submission` (the contract form as JSON) is missing",
            "缺少合同表单（submission）",
        )])
    })?;
    let body: ContractBody = super::json::parse(bytes)?;
    let mut form: serde_json::Value = super::json::parse(bytes)?;
    if let Some(map) = form.as_object_mut() {
        map.remove("confirm_duplicate");
    }
    let office = match body
        .office
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Err(FieldError::new(
            "office",
            "choose the registration office to submit to",
            "请选择受理的登记点",
        )),
        Some(code) => OfficeCode::parse(code).map_err(|_| {
            FieldError::new("office", "not a registration office", "不是有效的登记点")
        }),
    };
    let contract = body.parse();
    match (office, contract) {
        (Ok(office), Ok(contract)) => Ok((
            form,
            contract,
            office,
            body.confirm_duplicate.unwrap_or(false),
        )),
        (office, contract) => {
            let mut errors = Vec::new();
            if let Err(e) = office {
                errors.push(e);
            }
            match contract {
                Err(ApiError::Invalid(mut e)) => errors.append(&mut e),
                Err(other) => return Err(other),
                Ok(_) => {}
            }
            Err(ApiError::Invalid(errors))
        }
    }
}

/// The file limit in bytes.
fn file_limit(config: &Config) -> u64 {
    config.submissions.max_file_mib * 1024 * 1024
}

/// Receives an upload, checks the form, keeps the file and runs `command`: nothing is kept
/// when the form or the file is refused, and the ledger's own checks run once as a dry run
/// before the file is kept, so a submission the ledger refuses leaves no file behind.
#[allow(clippy::too_many_arguments)]
async fn submit_upload(
    user: &AuthUser,
    path: &str,
    data: rocket::data::Data<'_>,
    content_type: Option<&ContentType>,
    idempotency: &IdempotencyHeader,
    ledger: &Ledger,
    store: &AttachmentStore,
    config: &Config,
    make: impl Fn(SubmissionDraft) -> Command,
    file_required: bool,
) -> ApiResult<Written> {
    let upload = upload::read(data, content_type, store, file_limit(config)).await?;
    let (form, contract, office, confirm) = parse_form(upload.form.as_deref())?;
    if file_required && upload.file.is_none() {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "file",
            "attach the signed contract (PDF, JPEG or PNG)",
            "请上传已签署的合同文本（PDF、JPEG或PNG）",
        )]));
    }
    let file = upload.file.as_ref().map(|r| AttachedFile {
        sha256: r.sha256.clone(),
        kind: r.kind,
        size: i64::try_from(r.size).unwrap_or(i64::MAX),
        name: upload.file_name.clone(),
    });
    let draft = SubmissionDraft {
        office,
        form,
        contract,
        file,
    };
    let hash = BodyHash(crate::audit::entry::sha256_hex(
        serde_json::to_string(&draft)
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .as_bytes(),
    ));
    let request = |dry_run| Request {
        idempotency: if dry_run {
            None
        } else {
            idempotency.key("POST", path, &hash)
        },
        confirm_duplicate: confirm,
        dry_run,
        ..Request::new(user.principal(), make(draft.clone()))
    };
    ledger.execute(request(true)).await?;
    if let Some(received) = upload.file {
        let store = store.clone();
        rocket::tokio::task::spawn_blocking(move || store.keep(received))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(format!("keeping an attachment: {e}")))?;
    }
    Ok(Written(ledger.execute(request(false)).await?))
}

/// Submits a contract for registration (applicants): `multipart/form-data` with the part
/// `submission`, the contract form as JSON (the body of `POST /api/v1/contracts`, the seller
/// being the applicant's own party, given by its fields, and `office` the office to submit
/// to), and the part `file`, the signed contract — a PDF, JPEG or PNG told by its content, at
/// most `submissions.max_file_mib`. A contract like a live one is refused (422 naming
/// `confirm_duplicate`) unless the form says `"confirm_duplicate": true`.
#[utoipa::path(post, operation_id = "submissions_create", path = "/api/v1/submissions", tag = "submissions", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    request_body(description = "multipart/form-data: the part `submission` (the contract form as JSON, a ContractBody with `office`) and the part `file` (the signed contract)",
        content((SubmissionUpload = "multipart/form-data", encoding(("submission" = (content_type = "application/json")))))),
    responses((status = 201, description = "In the office's queue", body = SubmissionState),
        (status = 403, description = "Not an applicant", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large (field `file`)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named (`file` for a file that is not a PDF, JPEG or PNG by content)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/submissions", data = "<data>")]
#[allow(clippy::too_many_arguments)]
pub async fn create(
    applicant: Applicant,
    content_type: Option<&ContentType>,
    idempotency: IdempotencyHeader,
    data: rocket::data::Data<'_>,
    ledger: &State<Ledger>,
    store: &State<AttachmentStore>,
    config: &State<Arc<Config>>,
) -> ApiResult<Written> {
    submit_upload(
        &applicant.0,
        "/api/v1/submissions",
        data,
        content_type,
        &idempotency,
        ledger,
        store,
        config,
        Command::Submit,
        true,
    )
    .await
}

/// A corrected version (applicants, their own submission, while it waits or after it was
/// returned): the same parts as submitting; without `file` the previous version's file stays.
/// The new version goes to the back of the queue; the earlier ones are kept.
#[utoipa::path(post, operation_id = "submissions_resubmit", path = "/api/v1/submissions/{id}/versions", tag = "submissions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Submission id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    request_body(description = "multipart/form-data: the part `submission` (the corrected form as JSON) and optionally the part `file` (another signed contract; without it the previous version's stays)",
        content((SubmissionCorrection = "multipart/form-data", encoding(("submission" = (content_type = "application/json")))))),
    responses((status = 200, description = "The new version is in the queue", body = SubmissionState),
        (status = 404, description = "No such submission of yours", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already accepted or refused", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large (field `file`)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/submissions/<id>/versions", data = "<data>")]
#[allow(clippy::too_many_arguments)]
pub async fn resubmit(
    applicant: Applicant,
    id: &str,
    content_type: Option<&ContentType>,
    idempotency: IdempotencyHeader,
    data: rocket::data::Data<'_>,
    ledger: &State<Ledger>,
    store: &State<AttachmentStore>,
    config: &State<Arc<Config>>,
) -> ApiResult<Written> {
    let id = id.to_string();
    submit_upload(
        &applicant.0,
        &format!("/api/v1/submissions/{id}/versions"),
        data,
        content_type,
        &idempotency,
        ledger,
        store,
        config,
        |draft| Command::Resubmit {
            id: id.clone(),
            draft,
        },
        false,
    )
    .await
}

/// Submissions: an applicant's own; a registrar's office queue (all statuses, longest waiting
/// first; `status=submitted` for what waits); everything for auditors.
#[utoipa::path(get, operation_id = "submissions_list", path = "/api/v1/submissions", tag = "submissions", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "submitted | returned | accepted | refused")),
    responses((status = 200, description = "The submissions, longest in the queue first (at most 500)", body = Vec<SubmissionView>)))]
#[get("/submissions?<status>")]
pub async fn list(
    reader: SubmissionReader,
    status: Option<&str>,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> ApiResult<Json<Vec<SubmissionView>>> {
    let user = &reader.0;
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(SubmissionStatus::from_code(s).map_err(|_| {
            ApiError::invalid(
                "status",
                "submitted, returned, accepted or refused",
                "应为 submitted、returned、accepted 或 refused",
            )
        })?),
    };
    let filter = SubmissionFilter {
        applicant_id: (user.role() == Role::Applicant).then(|| user.actor.id.clone()),
        office: match user.role() {
            Role::Registrar => Some(
                user.office()
                    .map(|o| o.code().to_string())
                    .unwrap_or_default(),
            ),
            _ => None,
        },
        status: status.map(|s| s.code().to_string()),
    };
    let found = db
        .run(move |conn| {
            let list = rows::list(conn, &filter, 500)?;
            let mut out = Vec::with_capacity(list.len());
            for row in list {
                let version = rows::version(conn, &row.id, row.version)?;
                let decision = rows::decisions(conn, &row.id)?
                    .into_iter()
                    .find(|d| d.version == row.version);
                out.push((row, version, decision));
            }
            Ok::<_, DbError>(out)
        })
        .await?;
    let mut views = Vec::with_capacity(found.len());
    for (row, version, decision) in found {
        let state = SubmissionState::from_row(&row)?;
        let form = version
            .as_ref()
            .map(SubmissionVersion::from_row)
            .transpose()?
            .map(|v| v.form);
        let decision = decision
            .as_ref()
            .map(SubmissionDecision::from_row)
            .transpose()?;
        views.push(view(state, form.as_ref(), decision, config));
    }
    Ok(Json(views))
}

/// One submission with every version and decision.
#[utoipa::path(get, operation_id = "submissions_get_one", path = "/api/v1/submissions/{id}", tag = "submissions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, description = "The submission", body = SubmissionDetail),
        (status = 404, description = "No such submission that you may read", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/submissions/<id>")]
pub async fn get_one(
    reader: SubmissionReader,
    id: &str,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> ApiResult<Json<SubmissionDetail>> {
    let (row, versions, decisions) = load(db, &reader.0, id).await?;
    Ok(Json(detail(&row, versions, decisions, config)?))
}

/// The signed contract attached to a version, as uploaded.
#[utoipa::path(get, operation_id = "submissions_file", path = "/api/v1/submissions/{id}/versions/{version}/file", tag = "submissions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Submission id"), ("version" = i32, Path, description = "Version")),
    responses((status = 200, description = "The file (application/pdf, image/jpeg or image/png)", body = Vec<u8>),
        (status = 404, description = "No such submission or version that you may read", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/submissions/<id>/versions/<version>/file")]
pub async fn file(
    reader: SubmissionReader,
    id: &str,
    version: i32,
    db: &State<Db>,
    store: &State<AttachmentStore>,
) -> ApiResult<Attachment<Vec<u8>>> {
    let (_, versions, _) = load(db, &reader.0, id).await?;
    let v = versions
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| ApiError::not_found(format!("submission {id} has no version {version}")))?;
    let body = store
        .read(&v.file.sha256)
        .await
        .map_err(|e| ApiError::Internal(format!("reading attachment {}: {e}", v.file.sha256)))?;
    if crate::audit::entry::sha256_hex(&body) != v.file.sha256 {
        // Served only as recorded: a file changed on disk is the operator's alarm, not the
        // reader's download.
        return Err(ApiError::Integrity(format!(
            "the attachment of submission {id} version {version} no longer has its recorded SHA-256"
        )));
    }
    let content_type =
        ContentType::parse_flexible(v.file.kind.media_type()).unwrap_or(ContentType::Binary);
    Ok(Attachment {
        content_type,
        filename: format!("submission-{id}-v{version}.{}", v.file.kind.extension()),
        body,
    })
}

/// A registrar's decision on the version they read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// The version read (another one is a 409: the applicant resubmitted since).
    pub version: Option<i32>,
    /// What to correct, per field of the form (`contract_amount`, `seller.name`, `file`, …).
    pub reasons: Option<Vec<FieldReason>>,
}

/// Accepting the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The version read.
    pub version: Option<i32>,
    /// Register it although a live contract has the same parties, type, amounts and signing
    /// date (without it such a registration is refused, 422 naming this field).
    pub confirm_duplicate: Option<bool>,
}

/// Refusing the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// The version read.
    pub version: Option<i32>,
    /// Why.
    pub reason: Option<String>,
}

fn version_of(version: Option<i32>) -> ApiResult<i32> {
    version.filter(|v| *v >= 1).ok_or_else(|| {
        ApiError::invalid(
            "version",
            "the version you read (1, 2, …)",
            "请给出您查看的版本号",
        )
    })
}

async fn decide(
    registrar: &Registrar,
    ledger: &Ledger,
    id: &str,
    version: i32,
    decision: Decision,
    confirm_duplicate: bool,
) -> ApiResult<Written> {
    let request = Request {
        confirm_duplicate,
        ..Request::new(
            registrar.principal(),
            Command::DecideSubmission {
                id: id.to_string(),
                version,
                decision,
            },
        )
    };
    Ok(Written(ledger.execute(request).await?))
}

/// Returns a waiting submission to its applicant with reasons per field (registrars of its
/// office); the applicant corrects it and submits a new version.
#[utoipa::path(post, operation_id = "submissions_return", path = "/api/v1/submissions/{id}/return", tag = "submissions", security(("bearer" = [])), request_body = ReturnBody,
    params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, description = "Returned", body = SubmissionState),
        (status = 403, description = "Not a registrar of its office", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting, or another version than the one read", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/submissions/<id>/return", data = "<body>")]
pub async fn return_(
    registrar: Registrar,
    id: &str,
    body: ApiJson<ReturnBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, _) = body;
    let version = version_of(body.version)?;
    let reasons = body.reasons.unwrap_or_default();
    decide(
        &registrar,
        ledger,
        id,
        version,
        Decision::Return { reasons },
        false,
    )
    .await
}

/// Refuses a waiting submission with a reason (registrars of its office).
#[utoipa::path(post, operation_id = "submissions_refuse", path = "/api/v1/submissions/{id}/refuse", tag = "submissions", security(("bearer" = [])), request_body = RefuseBody,
    params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, description = "Refused", body = SubmissionState),
        (status = 403, description = "Not a registrar of its office", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting, or another version than the one read", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/submissions/<id>/refuse", data = "<body>")]
pub async fn refuse(
    registrar: Registrar,
    id: &str,
    body: ApiJson<RefuseBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, _) = body;
    let version = version_of(body.version)?;
    let reason = body.reason.unwrap_or_default();
    decide(
        &registrar,
        ledger,
        id,
        version,
        Decision::Refuse { reason },
        false,
    )
    .await
}

/// Accepts a waiting submission (registrars of its office): its contract is registered by the
/// registration rules — a number at once, or pending a second registrar when large — and the
/// answer carries it as `contract`.
#[utoipa::path(post, operation_id = "submissions_accept", path = "/api/v1/submissions/{id}/accept", tag = "submissions", security(("bearer" = [])), request_body = AcceptBody,
    params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, description = "Accepted, with the registered `contract`", body = SubmissionState),
        (status = 403, description = "Not a registrar of its office", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting, or another version than the one read", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The contract breaks a registration rule (each field named), or repeats a live one (`confirm_duplicate`)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/submissions/<id>/accept", data = "<body>")]
pub async fn accept(
    registrar: Registrar,
    id: &str,
    body: ApiJson<AcceptBody>,
    ledger: &State<Ledger>,
    db: &State<Db>,
) -> ApiResult<Written> {
    let ApiJson(body, _) = body;
    let version = version_of(body.version)?;
    let (key, v) = (id.to_string(), version);
    let stored = db
        .run(move |conn| rows::version(conn, &key, v).map_err(DbError::from))
        .await?;
    // What the registrar accepts is the stored version; the ledger checks it is the current
    // one and that the registrar works for its office.
    let contract = match stored {
        Some(row) => {
            let form = SubmissionVersion::from_row(&row)?.form;
            let body: ContractBody = serde_json::from_value(form)
                .map_err(|e| ApiError::Internal(format!("a stored form does not parse: {e}")))?;
            body.parse()?
        }
        None => {
            return Err(ApiError::not_found(format!(
                "submission {id} has no version {version}"
            )));
        }
    };
    decide(
        &registrar,
        ledger,
        id,
        version,
        Decision::Accept {
            contract: Box::new(contract),
        },
        body.confirm_duplicate.unwrap_or(false),
    )
    .await
}
