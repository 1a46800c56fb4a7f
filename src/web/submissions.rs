//! Online submission pages (网上申报, issue 16): the public sign-up form; an applicant's own
//! submissions, the contract form with the signed contract to submit or correct, and each
//! submission with every version; a registrar's office queue, the submission with its file
//! and the accept / return / refuse decisions, and the applicants waiting for activation.
//! Each page is a frame; its script calls `/api/v1/submissions`, `/api/v1/applicants` and
//! `/api/v1/auth/sign-up`, which check every role and field again.

use std::sync::Arc;

use askama::Template;
use rocket::http::Status;
use rocket::{Route, State, get, routes};

use super::Page;
use super::i18n::{Entry, T};
use super::layout::{Layout, PageCtx};
use super::registrar::{
    Opt, Side, contract_types, ip_types, offices, page_strings, party_kinds, subtypes, tech_fields,
};
use crate::auth::{Applicant, AuthUser, Registrar};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::domain::Role;

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![
        sign_up,
        applicants,
        mine,
        new_submission,
        correct,
        queue,
        detail
    ]
}

/// The strings every page of this area embeds.
const SHARED: &[&str] = &["common.", "form.", "http.", "sub.", "status."];

fn strings(t: T, more: &[&str]) -> String {
    let prefixes: Vec<&str> = SHARED.iter().chain(more).copied().collect();
    page_strings(t, &prefixes)
}

/// A submission id as it may appear in a page (what the script puts back into API paths).
fn clean_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect()
}

/// The public sign-up page (申请人注册).
#[derive(Template)]
#[template(path = "submissions/sign_up.html")]
pub struct SignUpPage {
    layout: Layout,
    i18n: String,
    offices: Vec<Opt>,
}

/// `/sign-up`: anyone; the account waits for a registrar of the chosen office.
#[get("/sign-up")]
pub fn sign_up(ctx: PageCtx) -> Page<SignUpPage> {
    let layout = Layout::new(&ctx, None, "sub.signup.title");
    let t = layout.t;
    Page::ok(SignUpPage {
        i18n: strings(t, &["login."]),
        offices: offices(t.lang(), None),
        layout,
    })
}

/// The applicants waiting for activation (待激活申请人).
#[derive(Template)]
#[template(path = "submissions/applicants.html")]
pub struct ApplicantsPage {
    layout: Layout,
    i18n: String,
}

/// `/applicants`: the registrar's office's applicants (registrars).
#[get("/applicants")]
pub fn applicants(ctx: PageCtx, user: Registrar) -> Page<ApplicantsPage> {
    let layout = Layout::new(&ctx, Some(&user), "sub.appl.title");
    Page::ok(ApplicantsPage {
        i18n: strings(layout.t, &[]),
        layout,
    })
}

/// My submissions (我的申报).
#[derive(Template)]
#[template(path = "submissions/mine.html")]
pub struct MinePage {
    layout: Layout,
    i18n: String,
}

/// `/submissions`: the applicant's own submissions.
#[get("/submissions")]
pub fn mine(ctx: PageCtx, user: Applicant) -> Page<MinePage> {
    let layout = Layout::new(&ctx, Some(&user), "sub.mine.title");
    Page::ok(MinePage {
        i18n: strings(layout.t, &[]),
        layout,
    })
}

/// The contract form of a submission: the registrar's entry form (`contract_fields.html`,
/// `contract-form.js`) with the office, the signed contract and the seller fixed to the
/// applicant's own credit code.
#[derive(Template)]
#[template(path = "submissions/form.html")]
pub struct SubmissionFormPage {
    layout: Layout,
    i18n: String,
    types: Vec<Opt>,
    subtypes: Vec<Opt>,
    fields: Vec<Opt>,
    ip_types: Vec<Opt>,
    kinds: Vec<Opt>,
    offices: Vec<Opt>,
    sides: Vec<Side>,
    threshold: String,
    user_id: String,
    /// Always true here: the shared fields template shows the submission's variant.
    submission: bool,
    /// The applicant's credit code (the seller's).
    credit_code: String,
    /// The file limit in MiB.
    max_file_mib: u64,
    /// The submission corrected, empty for a new one.
    submission_id: String,
}

async fn applicant_code(db: &Db, user: &AuthUser) -> Result<String, Status> {
    let id = user.actor.id.clone();
    db.run(move |conn| crate::db::models::users::by_id(conn, &id).map_err(DbError::from))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading an applicant for their form");
            Status::InternalServerError
        })
        .map(|row| row.and_then(|r| r.credit_code).unwrap_or_default())
}

async fn form_page(
    ctx: &PageCtx,
    user: &AuthUser,
    db: &Db,
    config: &Config,
    submission_id: String,
) -> Result<Page<SubmissionFormPage>, Status> {
    let title = if submission_id.is_empty() {
        "sub.new.title"
    } else {
        "sub.correct.title"
    };
    let layout = Layout::new(ctx, Some(user), title);
    let t = layout.t;
    let lang = t.lang();
    let office = user.office().map(|o| o.code());
    Ok(Page::ok(SubmissionFormPage {
        i18n: strings(t, &["reg.", "review."]),
        types: contract_types(lang, None),
        subtypes: subtypes(lang),
        fields: tech_fields(lang, None),
        ip_types: ip_types(lang),
        kinds: party_kinds(lang),
        offices: offices(lang, office),
        sides: vec![
            Side {
                key: "seller",
                legend: t.s("reg.new.seller"),
                hint: t.s("sub.new.seller_hint"),
            },
            Side {
                key: "buyer",
                legend: t.s("reg.new.buyer"),
                hint: t.s("sub.new.buyer_hint"),
            },
        ],
        threshold: config.ledger.large_contract_threshold.to_string(),
        user_id: user.actor.id.clone(),
        submission: true,
        credit_code: applicant_code(db, user).await?,
        max_file_mib: config.submissions.max_file_mib,
        submission_id,
        layout,
    }))
}

/// `/submissions/new`: a new submission (applicants).
#[get("/submissions/new")]
pub async fn new_submission(
    ctx: PageCtx,
    user: Applicant,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> Result<Page<SubmissionFormPage>, Status> {
    form_page(&ctx, &user, db, config, String::new()).await
}

/// `/submissions/<id>/edit`: corrects one's own submission and submits it again (applicants);
/// anyone else's, or one that does not exist, is the 404 page.
#[get("/submissions/<id>/edit")]
pub async fn correct(
    ctx: PageCtx,
    user: Applicant,
    id: &str,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> Result<Page<SubmissionFormPage>, Status> {
    if !readable(db, &user, id).await? {
        return Err(Status::NotFound);
    }
    form_page(&ctx, &user, db, config, clean_id(id)).await
}

/// The office's queue (网上申报受理).
#[derive(Template)]
#[template(path = "submissions/queue.html")]
pub struct QueuePage {
    layout: Layout,
    i18n: String,
    office: String,
    overdue_days: u32,
}

/// `/submissions/queue`: the registrar's office's submissions.
#[get("/submissions/queue")]
pub fn queue(ctx: PageCtx, user: Registrar, config: &State<Arc<Config>>) -> Page<QueuePage> {
    let layout = Layout::new(&ctx, Some(&user), "sub.queue.title");
    let office = user
        .office()
        .map(|o| match layout.t.lang() {
            super::i18n::Lang::Zh => o.name_zh(),
            super::i18n::Lang::En => o.name_en(),
        })
        .unwrap_or_default()
        .to_string();
    Page::ok(QueuePage {
        i18n: strings(layout.t, &[]),
        office,
        overdue_days: config.submissions.overdue_working_days,
        layout,
    })
}

/// One submission with every version (申报详情).
#[derive(Template)]
#[template(path = "submissions/detail.html")]
pub struct DetailPage {
    layout: Layout,
    i18n: String,
    id: String,
    /// The applicant's view (reasons, correct, certificate) rather than the registrar's.
    applicant: bool,
    /// Registrars decide.
    registrar: bool,
}

async fn readable(db: &Db, user: &AuthUser, id: &str) -> Result<bool, Status> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(false);
    }
    let key = id.to_string();
    let row = db
        .run(move |conn| crate::db::models::submissions::by_id(conn, &key).map_err(DbError::from))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading a submission for its page");
            Status::InternalServerError
        })?;
    Ok(row.is_some_and(|r| crate::api::submissions::visible(user, &r)))
}

/// `/submissions/<id>`: one submission — the applicant's own, or one of the registrar's
/// office; anyone else's is the 404 page, as one that does not exist.
#[get("/submissions/<id>", rank = 3)]
pub async fn detail(
    ctx: PageCtx,
    user: crate::api::submissions::SubmissionReader,
    id: &str,
    db: &State<Db>,
) -> Result<Page<DetailPage>, Status> {
    if !readable(db, &user, id).await? {
        return Err(Status::NotFound);
    }
    let layout = Layout::new(&ctx, Some(&user), "sub.detail.title");
    let role = user.role();
    Ok(Page::ok(DetailPage {
        i18n: strings(
            layout.t,
            &[
                "reg.field.",
                "reg.party.",
                "reg.col.",
                "reg.new.pending_number",
            ],
        ),
        id: clean_id(id),
        applicant: role == Role::Applicant,
        registrar: role == Role::Registrar,
        layout,
    }))
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[
    ("nav.applicants", "待激活申请人", "Applicants to activate"),
    ("nav.my_submissions", "我的申报", "My submissions"),
    ("nav.new_submission", "网上申报合同", "Submit a contract"),
    ("nav.queue", "网上申报受理", "Online submissions"),
    ("role.applicant", "申请人", "Applicant"),
    ("status.accepted", "已受理", "Accepted"),
    ("status.returned", "退回修改", "Returned for correction"),
    ("status.submitted", "待受理", "Waiting"),
    ("sub.appl.action", "操作", "Action"),
    ("sub.appl.activate", "激活", "Activate"),
    (
        "sub.appl.activated",
        "已激活 {user}，该申请人现在可以登录并提交合同",
        "{user} is active: they can sign in and submit contracts now",
    ),
    ("sub.appl.activated_cell", "已激活", "Active"),
    (
        "sub.appl.confirm",
        "激活申请人 {user}（统一社会信用代码 {code}）？激活后该账号可以以该单位名义在线提交技术合同。",
        "Activate {user} (credit code {code})? They can then submit contracts online for that organisation.",
    ),
    (
        "sub.appl.create_intro",
        "为到登记点现场办理的申请人创建账号，账号属于本登记点并立即生效",
        "An account for an applicant at the counter: it belongs to this office and is active at once",
    ),
    (
        "sub.appl.create_submit",
        "创建申请人",
        "Create the applicant",
    ),
    (
        "sub.appl.create_title",
        "现场创建申请人",
        "Create an applicant at the counter",
    ),
    (
        "sub.appl.created",
        "已创建申请人 {user}，现在即可登录",
        "Applicant {user} created: they can sign in now",
    ),
    (
        "sub.appl.empty",
        "本登记点暂无等待激活的申请人",
        "No applicants of this office are waiting for activation",
    ),
    (
        "sub.appl.intro",
        "在本登记点注册、等待激活的申请人；核实单位和统一社会信用代码后激活",
        "Applicants who signed up with this office and wait; check the organisation and its credit code, then activate",
    ),
    ("sub.appl.signed_up", "注册时间", "Signed up"),
    (
        "sub.appl.title",
        "待激活申请人",
        "Applicants waiting for activation",
    ),
    ("sub.col.contract", "合同", "Contract"),
    (
        "sub.col.reasons",
        "退回或不予登记的原因",
        "Reasons (returned or refused)",
    ),
    ("sub.col.status", "状态", "Status"),
    ("sub.col.submitted", "提交时间", "Submitted"),
    ("sub.col.untitled", "（未填写合同名称）", "(untitled)"),
    ("sub.col.updated", "最近更新", "Last change"),
    ("sub.col.version", "版本", "Version"),
    (
        "sub.col.waiting",
        "已等待（工作日）",
        "Waiting (working days)",
    ),
    (
        "sub.correct.file_keep",
        "不选择新文件则沿用上一版本的合同文本",
        "choose no file to keep the previous version's",
    ),
    (
        "sub.correct.reasons",
        "登记员退回的修改意见",
        "What the registrar asks you to correct",
    ),
    (
        "sub.correct.submit",
        "修改后重新提交",
        "Submit the corrected version",
    ),
    (
        "sub.correct.title",
        "修改并重新提交",
        "Correct and submit again",
    ),
    ("sub.detail.accept", "受理登记", "Accept and register"),
    (
        "sub.detail.accept_confirm",
        "受理并登记“{title}”（合同成交额 {amount}）？登记后不能撤回。",
        "Accept and register \"{title}\" (contract amount {amount})? This cannot be undone.",
    ),
    (
        "sub.detail.accepted",
        "已受理登记",
        "Accepted and registered",
    ),
    (
        "sub.detail.accepted_no",
        "已受理，登记号 {no}",
        "Accepted: registration number {no}",
    ),
    (
        "sub.detail.accepted_pending",
        "已受理；大额合同待另一名登记员复核后编号",
        "Accepted; a large contract, pending approval by a second registrar before it is numbered",
    ),
    (
        "sub.detail.certificate",
        "下载技术合同登记证明（PDF）",
        "Download the registration certificate (PDF)",
    ),
    (
        "sub.detail.certificate_note",
        "需复核的大额合同在复核通过后才能下载",
        "a large contract's certificate is available once it is approved",
    ),
    (
        "sub.detail.correct",
        "修改并重新提交",
        "Correct and submit again",
    ),
    ("sub.detail.decide", "受理审查", "Decision"),
    (
        "sub.detail.decide_version",
        "针对第 {n} 版作出决定；申请人此后若重新提交，需重新审查",
        "You decide on version {n}; if the applicant submits again meanwhile, read it again",
    ),
    (
        "sub.detail.duplicate_confirm",
        "与已登记的合同重复：{detail}\n仍然登记？",
        "This repeats a registered contract: {detail}\nRegister anyway?",
    ),
    (
        "sub.detail.file_download",
        "查看/下载合同文本",
        "View / download the signed contract",
    ),
    (
        "sub.detail.open_contract",
        "打开已登记的合同",
        "Open the registered contract",
    ),
    (
        "sub.detail.pick_fields",
        "请勾选需要修改的字段并填写原因",
        "Tick the fields to correct and give a reason for each",
    ),
    ("sub.detail.reason", "修改意见", "Reason"),
    (
        "sub.detail.reason_placeholder",
        "需要修改的原因",
        "What to correct",
    ),
    (
        "sub.detail.refusal_reason",
        "不予登记原因",
        "Reason for refusal",
    ),
    ("sub.detail.refuse", "不予登记", "Refuse"),
    (
        "sub.detail.refuse_confirm",
        "不予登记“{title}”？原因：{reason}。此决定不能撤回。",
        "Refuse \"{title}\"? Reason: {reason}. This cannot be undone.",
    ),
    (
        "sub.detail.refuse_reason",
        "不予登记的原因",
        "Why it is refused",
    ),
    ("sub.detail.refuse_submit", "确认不予登记", "Refuse it"),
    (
        "sub.detail.refused",
        "该申报不予登记",
        "This submission was refused",
    ),
    ("sub.detail.refused_done", "已决定不予登记", "Refused"),
    ("sub.detail.return", "退回修改", "Return for correction"),
    (
        "sub.detail.return_hint",
        "勾选需要申请人修改的字段，并逐项填写原因",
        "Tick each field the applicant is to correct and give the reason",
    ),
    (
        "sub.detail.return_submit",
        "退回申请人修改",
        "Return to the applicant",
    ),
    (
        "sub.detail.returned",
        "已退回申请人修改，原因如下",
        "Returned to the applicant for correction:",
    ),
    (
        "sub.detail.returned_applicant",
        "登记员退回了您的申报，请按以下意见修改后重新提交",
        "The registrar returned your submission; correct the following and submit it again",
    ),
    (
        "sub.detail.returned_done",
        "已退回申请人修改",
        "Returned to the applicant",
    ),
    (
        "sub.detail.sent",
        "已提交，等待登记点受理",
        "Submitted; it waits for the office",
    ),
    ("sub.detail.title", "申报详情", "Submission"),
    ("sub.detail.version", "第 {n} 版", "Version {n}"),
    ("sub.detail.versions", "各版本", "Versions"),
    ("sub.detail.yuan", "元", "yuan"),
    ("sub.field.file", "已签署的合同文本", "Signed contract"),
    ("sub.field.office", "受理登记点", "Registration office"),
    (
        "sub.mine.empty",
        "您还没有提交过合同",
        "You have not submitted any contract yet",
    ),
    (
        "sub.mine.intro",
        "您在线提交的技术合同及其受理情况",
        "The contracts you submitted online and where they stand",
    ),
    ("sub.mine.title", "我的申报", "My submissions"),
    (
        "sub.new.buyer_hint",
        "技术的受让方、委托方",
        "The party receiving or commissioning the technology",
    ),
    (
        "sub.new.confirm_duplicate",
        "我确认这不是重复提交，仍然提交",
        "This is not a repeat: submit anyway",
    ),
    (
        "sub.new.file",
        "上传已签署的合同文本",
        "Attach the signed contract",
    ),
    (
        "sub.new.file_hint",
        "PDF、JPEG或PNG格式，按文件内容识别，最大",
        "PDF, JPEG or PNG (told by content), at most",
    ),
    (
        "sub.new.file_too_large",
        "文件超过大小限制，请压缩或分辨率调低后再上传",
        "The file is over the size limit; compress it or lower its resolution",
    ),
    (
        "sub.new.intro",
        "填写合同信息并上传已签署的合同文本，提交至登记点受理；登记点可能退回修改",
        "Fill in the contract, attach the signed text and submit it to an office; the office may return it for correction",
    ),
    (
        "sub.new.seller_hint",
        "卖方为您所代表的单位（技术的提供方），统一社会信用代码为注册时填写的代码",
        "The seller is the organisation you act for (the technology provider), with the credit code you signed up with",
    ),
    ("sub.new.submit", "提交申报", "Submit"),
    (
        "sub.new.title",
        "网上申报技术合同",
        "Submit a contract online",
    ),
    ("sub.new.where", "受理登记点", "Where to submit"),
    (
        "sub.queue.days",
        "个工作日的申报标为超期",
        "working days are flagged overdue",
    ),
    (
        "sub.queue.empty",
        "没有符合条件的申报",
        "No submissions here",
    ),
    (
        "sub.queue.intro",
        "申请人在线提交的合同，等待时间最长的在前；等待超过",
        "Contracts submitted online, the longest waiting first; waiting more than",
    ),
    ("sub.queue.overdue", "超期", "Overdue"),
    ("sub.queue.title", "网上申报受理", "Online submissions"),
    (
        "sub.signup.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    (
        "sub.signup.credit_code_hint",
        "18位，您所代表单位（技术合同卖方）的代码",
        "18 characters: the code of the organisation you act for (the seller)",
    ),
    ("sub.signup.display_name", "单位名称", "Organisation"),
    (
        "sub.signup.display_name_hint",
        "您所代表的单位（或个人）名称，登记员据此核实",
        "The organisation (or person) you act for, as the registrars will check it",
    ),
    (
        "sub.signup.done",
        "注册成功：{user}。请等待{office}的登记员核实并激活账号，激活后即可登录提交合同。",
        "Signed up: {user}. A registrar of {office} must check and activate the account; then you can sign in and submit contracts.",
    ),
    (
        "sub.signup.have_account",
        "已有账号？登录",
        "Have an account? Sign in",
    ),
    (
        "sub.signup.intro",
        "技术合同卖方（技术提供方）可注册账号，在线提交技术合同登记申请",
        "A contract's seller (the technology provider) signs up here to submit contracts for registration online",
    ),
    (
        "sub.signup.link",
        "注册申请人账号",
        "Sign up as an applicant",
    ),
    (
        "sub.signup.mismatch",
        "两次输入的密码不一致",
        "The two passwords differ",
    ),
    (
        "sub.signup.office_hint",
        "由该登记点的登记员激活您的账号并受理您的申报",
        "A registrar of this office activates your account and handles your submissions",
    ),
    (
        "sub.signup.password_again",
        "再次输入密码",
        "Password again",
    ),
    (
        "sub.signup.password_hint",
        "至少10个字符，且不能包含用户名",
        "At least 10 characters, not containing the username",
    ),
    (
        "sub.signup.question",
        "在线申报技术合同？",
        "Submitting contracts online?",
    ),
    ("sub.signup.submit", "注册", "Sign up"),
    ("sub.signup.title", "申请人注册", "Sign up as an applicant"),
    ("sub.signup.to_login", "前往登录", "Go to sign-in"),
    (
        "sub.signup.username_hint",
        "3–64个字符：字母、数字、“.”、“_”、“-”",
        "3–64 letters, digits, '.', '_' or '-'",
    ),
];
