//! Registrar pages: contract entry, list, detail with amend and void, approvals, import.
//! Each page is a frame rendered here with its labels and code lists; its script (under
//! /static) calls the JSON API with the session cookie and the page's CSRF token.

use askama::Template;
use rocket::{FromForm, Route, get, routes};

use super::Page;
use super::i18n::{Entry, Lang, T};
use super::layout::{Layout, PageCtx};
use crate::auth::{AuthUser, LedgerReader, Registrar};
use crate::domain::{
    ContractStatus, ContractType, IpType, OfficeCode, PartyKind, ReviewState, TechField,
};

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![new_contract, list, detail, approvals, import]
}

/// One option of a select: its code, its label in the page language, the code it belongs to
/// (a sub-type's contract type; empty otherwise) and whether it is selected.
#[derive(Debug, Clone)]
pub struct Opt {
    /// The code sent to the API.
    pub code: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// The parent code (sub-types: their contract type).
    pub parent: &'static str,
    /// Whether it is the selected option.
    pub selected: bool,
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn opt(
    lang: Lang,
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    selected: Option<&str>,
) -> Opt {
    Opt {
        code,
        label: pick(lang, zh, en),
        parent: "",
        selected: selected == Some(code),
    }
}

/// Contract types, `selected` marked.
pub fn contract_types(lang: Lang, selected: Option<&str>) -> Vec<Opt> {
    ContractType::ALL
        .iter()
        .map(|t| opt(lang, t.code(), t.label_zh(), t.label_en(), selected))
        .collect()
}

/// Every sub-type, each naming its contract type.
pub fn subtypes(lang: Lang) -> Vec<Opt> {
    ContractType::ALL
        .iter()
        .flat_map(|t| {
            t.subtypes().iter().map(move |s| Opt {
                code: s.code(),
                label: pick(lang, s.label_zh(), s.label_en()),
                parent: t.code(),
                selected: false,
            })
        })
        .collect()
}

/// Technical fields, `selected` marked.
pub fn tech_fields(lang: Lang, selected: Option<&str>) -> Vec<Opt> {
    TechField::ALL
        .iter()
        .map(|t| opt(lang, t.code(), t.label_zh(), t.label_en(), selected))
        .collect()
}

/// IP types.
pub fn ip_types(lang: Lang) -> Vec<Opt> {
    IpType::ALL
        .iter()
        .map(|t| opt(lang, t.code(), t.label_zh(), t.label_en(), None))
        .collect()
}

/// Party kinds.
pub fn party_kinds(lang: Lang) -> Vec<Opt> {
    PartyKind::ALL
        .iter()
        .map(|t| opt(lang, t.code(), t.label_zh(), t.label_en(), None))
        .collect()
}

/// Registration offices, `selected` marked.
pub fn offices(lang: Lang, selected: Option<&str>) -> Vec<Opt> {
    OfficeCode::ALL
        .iter()
        .map(|o| opt(lang, o.code(), o.name_zh(), o.name_en(), selected))
        .collect()
}

/// Contract statuses, `selected` marked.
pub fn statuses(lang: Lang, selected: Option<&str>) -> Vec<Opt> {
    ContractStatus::ALL
        .iter()
        .map(|s| opt(lang, s.code(), s.label_zh(), s.label_en(), selected))
        .collect()
}

/// Review states, `selected` marked.
pub fn reviews(lang: Lang, selected: Option<&str>) -> Vec<Opt> {
    ReviewState::ALL
        .iter()
        .map(|s| opt(lang, s.code(), s.label_zh(), s.label_en(), selected))
        .collect()
}

/// The strings a page script reads with `TL.t`: every key under one of `prefixes`, as the
/// JSON embedded in `<script type="application/json" id="i18n">`.
pub fn page_strings(t: T, prefixes: &[&str]) -> String {
    let mut all = serde_json::Map::new();
    for prefix in prefixes {
        if let Ok(serde_json::Value::Object(map)) =
            serde_json::from_str::<serde_json::Value>(&t.json(prefix))
        {
            all.extend(map);
        }
    }
    // Safe inside <script type="application/json">: no "</script>" can appear.
    serde_json::Value::Object(all)
        .to_string()
        .replace('<', "\\u003c")
}

/// The prefixes of the strings every page of this area embeds.
const SHARED: &[&str] = &["common.", "form.", "http.", "review.", "status."];

fn strings(t: T, more: &[&str]) -> String {
    let prefixes: Vec<&str> = SHARED.iter().chain(more).copied().collect();
    page_strings(t, &prefixes)
}

/// One side of a contract (seller or buyer) in the entry form.
#[derive(Debug, Clone)]
pub struct Side {
    /// `seller` or `buyer`.
    pub key: &'static str,
    /// The fieldset's legend.
    pub legend: &'static str,
    /// A hint under the legend.
    pub hint: &'static str,
}

/// The contract entry form (登记技术合同).
#[derive(Template)]
#[template(path = "registrar/new.html")]
pub struct NewContractPage {
    layout: Layout,
    i18n: String,
    types: Vec<Opt>,
    subtypes: Vec<Opt>,
    fields: Vec<Opt>,
    ip_types: Vec<Opt>,
    kinds: Vec<Opt>,
    sides: Vec<Side>,
    threshold: String,
    user_id: String,
    /// False: the shared fields template shows the registrar's variant (find or create parties).
    submission: bool,
    /// Unused by the registrar's variant (the applicant's credit code in a submission).
    credit_code: String,
}

/// `/contracts/new`: registers a contract (registrars).
#[get("/contracts/new")]
pub fn new_contract(
    ctx: PageCtx,
    user: Registrar,
    config: &rocket::State<std::sync::Arc<crate::config::Config>>,
) -> Page<NewContractPage> {
    let layout = Layout::new(&ctx, Some(&user), "reg.new.title");
    let t = layout.t;
    let lang = t.lang();
    Page::ok(NewContractPage {
        i18n: strings(t, &["reg."]),
        types: contract_types(lang, None),
        subtypes: subtypes(lang),
        fields: tech_fields(lang, None),
        ip_types: ip_types(lang),
        kinds: party_kinds(lang),
        sides: vec![
            Side {
                key: "seller",
                legend: t.s("reg.new.seller"),
                hint: t.s("reg.new.seller_hint"),
            },
            Side {
                key: "buyer",
                legend: t.s("reg.new.buyer"),
                hint: t.s("reg.new.buyer_hint"),
            },
        ],
        threshold: config.ledger.large_contract_threshold.to_string(),
        user_id: user_id(&user),
        submission: false,
        credit_code: String::new(),
        layout,
    })
}

/// The filters of the contract list, as the page's query string (the API's names).
#[derive(Debug, Default, FromForm)]
pub struct ListFilters {
    year: Option<String>,
    office: Option<String>,
    contract_type: Option<String>,
    tech_field: Option<String>,
    status: Option<String>,
    review: Option<String>,
    q: Option<String>,
    signed_from: Option<String>,
    signed_to: Option<String>,
    sort: Option<String>,
}

/// A year of the year filter.
#[derive(Debug, Clone)]
pub struct YearOpt {
    /// The year.
    pub year: i32,
    /// Whether it is selected.
    pub selected: bool,
}

/// The contract list (合同查询).
#[derive(Template)]
#[template(path = "registrar/list.html")]
pub struct ListPage {
    layout: Layout,
    i18n: String,
    years: Vec<YearOpt>,
    offices: Vec<Opt>,
    types: Vec<Opt>,
    fields: Vec<Opt>,
    statuses: Vec<Opt>,
    reviews: Vec<Opt>,
    q: String,
    signed_from: String,
    signed_to: String,
    amount_sort: bool,
}

fn clean(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `/contracts`: finds contracts (registrars, auditors, officials).
#[get("/contracts?<f..>")]
pub fn list(ctx: PageCtx, user: LedgerReader, f: ListFilters) -> Page<ListPage> {
    let layout = Layout::new(&ctx, Some(&user), "reg.list.title");
    let t = layout.t;
    let lang = t.lang();
    let this_year = crate::stats::this_year();
    let year: Option<i32> = clean(&f.year).and_then(|y| y.parse().ok());
    let text = |v: &Option<String>, max: usize| {
        clean(v)
            .map(|s| s.chars().take(max).collect())
            .unwrap_or_default()
    };
    Page::ok(ListPage {
        i18n: strings(t, &["reg.list.", "reg.col."]),
        years: (this_year - 9..=this_year)
            .rev()
            .map(|y| YearOpt {
                year: y,
                selected: Some(y) == year,
            })
            .collect(),
        offices: offices(lang, clean(&f.office)),
        types: contract_types(lang, clean(&f.contract_type)),
        fields: tech_fields(lang, clean(&f.tech_field)),
        statuses: statuses(lang, clean(&f.status)),
        reviews: reviews(lang, clean(&f.review)),
        q: text(&f.q, 100),
        signed_from: text(&f.signed_from, 10),
        signed_to: text(&f.signed_to, 10),
        amount_sort: clean(&f.sort) == Some("amount_desc"),
        layout,
    })
}

/// A contract with its versions, reviews and audit entries, and the forms that act on it.
#[derive(Template)]
#[template(path = "registrar/detail.html")]
pub struct DetailPage {
    layout: Layout,
    i18n: String,
    id: String,
    user_id: String,
    types: Vec<Opt>,
    subtypes: Vec<Opt>,
    fields: Vec<Opt>,
    ip_types: Vec<Opt>,
    /// Registrars act on contracts of their office.
    registrar: bool,
    /// Auditors review.
    auditor: bool,
}

/// `/contracts/<id>`: one contract (registrars, auditors, officials); a link to a contract
/// that does not exist is the 404 page, not an empty contract page with an error in it.
#[get("/contracts/<id>")]
pub async fn detail(
    ctx: PageCtx,
    user: LedgerReader,
    id: &str,
    db: &rocket::State<crate::db::Db>,
) -> Result<Page<DetailPage>, rocket::http::Status> {
    let lookup = id.to_string();
    let exists = uuid::Uuid::parse_str(id).is_ok()
        && db
            .run(move |conn| {
                crate::db::models::contracts::by_id(conn, &lookup).map_err(crate::db::DbError::from)
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "reading a contract for its page");
                rocket::http::Status::InternalServerError
            })?
            .is_some();
    if !exists {
        return Err(rocket::http::Status::NotFound);
    }
    let layout = Layout::new(&ctx, Some(&user), "reg.detail.title");
    let t = layout.t;
    let lang = t.lang();
    let role = user.role();
    Ok(Page::ok(DetailPage {
        i18n: strings(
            t,
            &[
                "reg.detail.",
                "reg.col.",
                "reg.confirm.",
                "reg.change.",
                "reg.field.",
                "reg.party.",
                "reg.new.",
                "aud.action.",
            ],
        ),
        id: id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(64)
            .collect(),
        user_id: user_id(&user),
        types: contract_types(lang, None),
        subtypes: subtypes(lang),
        fields: tech_fields(lang, None),
        ip_types: ip_types(lang),
        registrar: role == crate::domain::Role::Registrar,
        auditor: role == crate::domain::Role::Auditor,
        layout,
    }))
}

fn user_id(user: &AuthUser) -> String {
    user.actor.id.clone()
}

/// The approval queue (待复核).
#[derive(Template)]
#[template(path = "registrar/approvals.html")]
pub struct ApprovalsPage {
    layout: Layout,
    i18n: String,
    user_id: String,
    office: String,
}

/// `/approvals`: the office's pending large contracts (registrars).
#[get("/approvals")]
pub fn approvals(ctx: PageCtx, user: Registrar) -> Page<ApprovalsPage> {
    let layout = Layout::new(&ctx, Some(&user), "reg.appr.title");
    let office = user
        .office()
        .map(|o| pick(layout.t.lang(), o.name_zh(), o.name_en()).to_string())
        .unwrap_or_default();
    Page::ok(ApprovalsPage {
        // The decision buttons and their messages are the contract page's.
        i18n: strings(
            layout.t,
            &[
                "reg.appr.",
                "reg.col.",
                "reg.confirm.",
                "reg.detail.approve",
                "reg.detail.refuse",
            ],
        ),
        user_id: user_id(&user),
        office,
        layout,
    })
}

/// The import page (批量导入).
#[derive(Template)]
#[template(path = "registrar/import.html")]
pub struct ImportPage {
    layout: Layout,
    i18n: String,
}

/// `/import`: imports a CSV or XLSX file of contracts (registrars).
#[get("/import")]
pub fn import(ctx: PageCtx, user: Registrar) -> Page<ImportPage> {
    let layout = Layout::new(&ctx, Some(&user), "reg.imp.title");
    Page::ok(ImportPage {
        i18n: strings(
            layout.t,
            &["reg.imp.", "reg.field.", "reg.party.", "reg.col."],
        ),
        layout,
    })
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[
    ("form.all", "全部", "All"),
    ("form.cancel", "取消", "Cancel"),
    ("form.choose", "请选择", "Choose…"),
    (
        "form.fix_fields",
        "请按提示修改标出的字段后再提交",
        "Please correct the marked fields and submit again",
    ),
    ("form.more", "加载更多", "Load more"),
    (
        "form.network",
        "网络连接失败，请检查网络后重试；已填写的内容不会丢失",
        "The network failed; check the connection and try again (nothing you entered is lost)",
    ),
    ("form.next", "下一页", "Next page"),
    ("form.none", "无", "None"),
    ("form.page", "第 {n} 页", "Page {n}"),
    ("form.page_of", "第 {n} / {pages} 页", "Page {n} of {pages}"),
    ("form.pages", "分页", "Pages"),
    ("form.prev", "上一页", "Previous page"),
    ("form.sending", "正在提交…", "Sending…"),
    ("http.0", "无法连接服务器", "Cannot reach the server"),
    ("http.400", "请求有误", "Bad request"),
    (
        "http.401",
        "登录已过期，请重新登录",
        "Your session has expired; please sign in again",
    ),
    ("http.403", "您没有权限执行此操作", "You may not do this"),
    ("http.404", "记录不存在", "Not found"),
    (
        "http.409",
        "操作与记录的当前状态冲突",
        "This conflicts with the record's current state",
    ),
    ("http.413", "文件太大", "The file is too large"),
    (
        "http.415",
        "不支持的文件类型",
        "This file type is not accepted",
    ),
    (
        "http.422",
        "提交的内容有误",
        "The request has invalid values",
    ),
    (
        "http.429",
        "请求过于频繁，请稍后再试",
        "Too many requests; try again shortly",
    ),
    (
        "http.500",
        "服务器出错，请稍后再试",
        "The server failed; please try again",
    ),
    (
        "http.503",
        "系统暂时不可用，请稍后再试",
        "The service is unavailable; please try again shortly",
    ),
    ("reg.appr.decision", "复核", "Decision"),
    (
        "reg.appr.empty",
        "本登记点暂无待复核的合同",
        "No contracts of this office are waiting for approval",
    ),
    (
        "reg.appr.intro",
        "技术交易额达到大额标准的合同，须由本登记点未登记、未变更过该合同的另一名登记员复核通过后才予登记编号、计入统计；已登记的合同变更后仍达到该标准的，回到此处重新复核（保留原登记编号）",
        "Large contracts are registered, numbered and counted only after a registrar of this office who neither recorded nor amended them approves them; a registered contract amended while it stays large comes back here for a fresh approval (keeping its number)",
    ),
    ("reg.appr.me", "本人", "You"),
    (
        "reg.appr.own",
        "您登记或变更过该合同，须由其他登记员复核",
        "You recorded or amended this one: another registrar must approve it",
    ),
    ("reg.appr.recorded_by", "登记人", "Recorded by"),
    ("reg.appr.refuse_confirm", "确认退回", "Confirm refusal"),
    ("reg.appr.title", "待复核", "Approvals"),
    ("reg.appr.version", "第{n}版", "Version {n}"),
    ("reg.change.amend", "变更", "Amended"),
    ("reg.change.approve", "复核通过", "Approved"),
    ("reg.change.refuse", "退回（未予登记）", "Refused"),
    ("reg.change.register", "登记", "Registered"),
    ("reg.change.void", "注销", "Voided"),
    ("reg.col.buyer", "买方", "Buyer"),
    (
        "reg.col.contract_wan",
        "成交额（万元）",
        "Amount (10k yuan)",
    ),
    ("reg.col.office", "登记点", "Office"),
    ("reg.col.registration_no", "登记编号", "Registration no."),
    ("reg.col.review", "审核", "Review"),
    ("reg.col.seller", "卖方", "Seller"),
    ("reg.col.status", "状态", "Status"),
    (
        "reg.col.technical_wan",
        "技术交易额（万元）",
        "Technical (10k yuan)",
    ),
    (
        "reg.confirm.approve",
        "确认复核通过《{title}》（技术交易额 {amount}）？通过后即予登记编号并计入统计，不能撤回。",
        "Approve “{title}” (technical amount {amount})? It is then registered, numbered and counted; this cannot be undone.",
    ),
    (
        "reg.confirm.refuse",
        "确认退回《{title}》（技术交易额 {amount}）？退回后该合同不予登记。退回原因：{reason}",
        "Refuse “{title}” (technical amount {amount})? It will not be registered. Reason: {reason}",
    ),
    ("reg.detail.action", "操作", "Action"),
    ("reg.detail.actions", "登记员操作", "Registrar actions"),
    ("reg.detail.actor", "操作人", "By"),
    (
        "reg.detail.all_fields",
        "登记时的全部字段（{n} 项）",
        "Every field as registered ({n})",
    ),
    ("reg.detail.amend", "变更合同", "Amend the contract"),
    (
        "reg.detail.amend_hint",
        "只修改需要变更的字段；变更作为新版本记录，原版本保留。变更后的版本须重新审核；技术交易额达到大额标准的，还须由另一名登记员重新复核，复核通过前不计入统计",
        "Change only what needs changing; the amendment is recorded as a new version and earlier versions stay. The new version is unreviewed again, and while the technical amount is at or above the large-contract threshold it needs a fresh approval by another registrar and counts nowhere until then",
    ),
    (
        "reg.detail.amend_reason",
        "变更原因",
        "Reason for the amendment",
    ),
    (
        "reg.detail.amend_submit",
        "提交变更",
        "Submit the amendment",
    ),
    (
        "reg.detail.amended",
        "已变更，新版本已记录",
        "Amended: a new version was recorded",
    ),
    ("reg.detail.approve", "复核通过", "Approve"),
    (
        "reg.detail.approve_version",
        "复核的是所示的第{n}版",
        "You approve version {n}, as shown",
    ),
    (
        "reg.detail.approved",
        "已复核通过，登记编号 {no}",
        "Approved: registration number {no}",
    ),
    ("reg.detail.approved_by", "复核人", "Approved by"),
    ("reg.detail.at", "时间", "When"),
    ("reg.detail.audit_entries", "审计条目", "Audit entries"),
    ("reg.detail.audit_seq", "审计序号", "Audit seq"),
    (
        "reg.detail.audit_seq_note",
        "每个版本和审核都标有审计序号，审计员可据此在审计链中核对",
        "Each version and review carries its audit seq, by which auditors check it against the audit chain",
    ),
    (
        "reg.detail.certificate",
        "下载登记证明（PDF）",
        "Download the registration certificate (PDF)",
    ),
    ("reg.detail.change", "变更类型", "Change"),
    (
        "reg.detail.closed",
        "该合同已注销或未予登记，不能再变更",
        "This contract is voided or refused and cannot be changed",
    ),
    (
        "reg.detail.decide_intro",
        "该合同为大额合同，须由您复核：核对所示版本无误后复核通过，或填写原因退回。如合同在此期间被变更，复核将被拒绝，请查看新版本后再复核",
        "This large contract needs your decision: approve the version shown once checked, or refuse it with a reason. If it is amended meanwhile, the approval is refused: check the new version first",
    ),
    ("reg.detail.diff", "变更内容", "What changed"),
    ("reg.detail.facts", "合同信息", "Contract"),
    ("reg.detail.flow", "技术流向", "Flow"),
    (
        "reg.detail.flow_inflow",
        "技术吸纳（买方在临沂）",
        "Inflow (buyer in Linyi)",
    ),
    (
        "reg.detail.flow_local",
        "本地交易（双方均在临沂）",
        "Local (both parties in Linyi)",
    ),
    ("reg.detail.flow_other", "其他", "Other"),
    (
        "reg.detail.flow_outflow",
        "技术输出（卖方在临沂）",
        "Outflow (seller in Linyi)",
    ),
    ("reg.detail.historical", "历史登记", "Historical"),
    (
        "reg.detail.introduced",
        "计入引进科技成果",
        "Counts as an introduced achievement",
    ),
    (
        "reg.detail.loaded_by",
        "载入人（历史数据）",
        "Loaded from the records by",
    ),
    ("reg.detail.no_reviews", "尚无审核记录", "No reviews yet"),
    ("reg.detail.note", "审核意见", "Note"),
    (
        "reg.detail.note_hint",
        "提出异议时必须说明原因",
        "A dispute needs a note saying why",
    ),
    (
        "reg.detail.other_office",
        "该合同属于其他登记点，您只能查看",
        "This contract belongs to another office: you can only read it",
    ),
    (
        "reg.detail.own_pending",
        "您登记或变更过这份大额合同，须由本登记点另一名登记员复核；任何人都不能复核自己登记或变更过的合同",
        "You recorded or amended this large contract: another registrar of your office must approve it, as nobody approves what they wrote",
    ),
    ("reg.detail.parties", "合同主体", "Parties"),
    ("reg.detail.payload", "内容", "Payload"),
    ("reg.detail.reason", "原因", "Reason"),
    ("reg.detail.receipt", "下载回执", "Download the receipt"),
    ("reg.detail.recorded_by", "登记人", "Recorded by"),
    ("reg.detail.refuse", "退回", "Refuse"),
    ("reg.detail.refuse_reason", "退回原因", "Reason for refusal"),
    (
        "reg.detail.refused",
        "已退回，该合同未予登记",
        "Refused: the contract was not registered",
    ),
    ("reg.detail.registered_at", "登记时间", "Registered"),
    ("reg.detail.review", "审核合同", "Review this contract"),
    ("reg.detail.review_submit", "提交审核", "Submit the review"),
    (
        "reg.detail.reviewed",
        "审核已记录：{verdict}",
        "Review recorded: {verdict}",
    ),
    ("reg.detail.reviewer", "审核人", "Reviewer"),
    ("reg.detail.reviews", "审核记录", "Reviews"),
    ("reg.detail.show_payload", "查看", "Show"),
    ("reg.detail.system", "系统", "System"),
    ("reg.detail.title", "合同详情", "Contract"),
    ("reg.detail.verdict", "审核结论", "Verdict"),
    ("reg.detail.verify", "公开核验", "Public verification"),
    ("reg.detail.version", "版本", "Version"),
    (
        "reg.detail.versions",
        "版本与变更记录",
        "Versions and changes",
    ),
    ("reg.detail.void", "注销合同", "Void the contract"),
    (
        "reg.detail.void_hint",
        "注销后该合同的金额不再计入任何统计；注销记录保留，不可撤销",
        "Once voided, its amounts leave every total; the void is recorded and cannot be undone",
    ),
    ("reg.detail.void_reason", "注销原因", "Reason for voiding"),
    ("reg.detail.void_submit", "确认注销", "Void it"),
    ("reg.detail.voided", "已注销", "Voided"),
    ("reg.field.buyer_contact", "买方联系人", "Buyer's contact"),
    ("reg.field.buyer_id", "买方", "Buyer"),
    ("reg.field.contract_amount", "合同成交额", "Contract amount"),
    ("reg.field.contract_type", "合同类型", "Contract type"),
    ("reg.field.ip_type", "知识产权类型", "IP type"),
    (
        "reg.field.party_contract_no",
        "合同编号（当事人）",
        "Parties' contract no.",
    ),
    ("reg.field.registration_no", "登记编号", "Registration no."),
    ("reg.field.seller_contact", "卖方联系人", "Seller's contact"),
    ("reg.field.seller_id", "卖方", "Seller"),
    ("reg.field.signed_on", "签订日期", "Signed on"),
    (
        "reg.field.split_principal",
        "技术开发/转让/许可",
        "Development, transfer or licence",
    ),
    (
        "reg.field.split_related",
        "相关技术咨询、技术服务",
        "Related consulting and services",
    ),
    ("reg.field.status", "状态", "Status"),
    ("reg.field.subtype", "合同子类型", "Sub-type"),
    ("reg.field.tech_field", "技术领域", "Technical field"),
    (
        "reg.field.technical_amount",
        "技术交易额",
        "Technical amount",
    ),
    (
        "reg.field.technical_split",
        "技术交易额构成",
        "Technical amount split",
    ),
    ("reg.field.title", "合同名称", "Title"),
    ("reg.field.valid_until", "有效期至", "Valid until"),
    ("reg.imp.accepted", "行无误", "rows valid"),
    (
        "reg.imp.all_good",
        "所有行均无误，可以全部导入",
        "Every row is valid: you can import them all",
    ),
    (
        "reg.imp.check",
        "检查文件（试导入）",
        "Check the file (dry run)",
    ),
    ("reg.imp.choose", "选择文件…", "Choose a file…"),
    ("reg.imp.commit_all", "全部导入", "Import all"),
    (
        "reg.imp.commit_good",
        "仅导入无误的行",
        "Import only the good rows",
    ),
    (
        "reg.imp.commit_hint",
        "有误的行存在时不能全部导入：可修正文件后重新检查，或只导入无误的行",
        "\"Import all\" needs a file without rejected rows: fix the file and check it again, or import only the good rows",
    ),
    (
        "reg.imp.confirm_duplicate",
        "我已核对：确需再次导入该文件（或与已有合同相同的行）",
        "I have checked: import this file again (or rows like existing contracts) anyway",
    ),
    ("reg.imp.contracts", "份合同已导入", "contracts imported"),
    ("reg.imp.done", "导入完成", "Import complete"),
    (
        "reg.imp.done_note",
        "审计序号 {seq}；有误未导入的行：{rejected} 行",
        "Audit seq {seq}; rejected rows not imported: {rejected}",
    ),
    ("reg.imp.field", "字段", "Field"),
    (
        "reg.imp.file",
        "选择文件（CSV 或 XLSX）",
        "File (CSV or XLSX)",
    ),
    (
        "reg.imp.file_hint",
        "第一行为列名（中文或英文），每行一份合同；金额以元为单位",
        "The first row holds the column names (Chinese or English), one contract per row; amounts in yuan",
    ),
    ("reg.imp.message", "原因", "Why"),
    ("reg.imp.no_file", "请先选择文件", "Choose a file first"),
    ("reg.imp.no_file_chosen", "未选择文件", "No file chosen"),
    ("reg.imp.rejected", "行有误", "rows rejected"),
    ("reg.imp.rejected_rows", "有误的行", "Rejected rows"),
    ("reg.imp.report", "检查结果", "Dry-run report"),
    ("reg.imp.row", "行号", "Row"),
    ("reg.imp.rows", "行", "rows"),
    (
        "reg.imp.step1",
        "下载模板，每行填写一份合同",
        "Download a template and fill in one contract per row",
    ),
    (
        "reg.imp.step2",
        "上传并检查：系统逐行校验，列出每个有误的字段",
        "Upload and check it: every row is validated and each bad field listed",
    ),
    (
        "reg.imp.step3",
        "全部导入，或只导入无误的行",
        "Import all rows, or only the good ones",
    ),
    ("reg.imp.template_csv", "下载CSV模板", "CSV template"),
    ("reg.imp.template_xlsx", "下载Excel模板", "Excel template"),
    ("reg.imp.templates", "导入模板：", "Templates:"),
    ("reg.imp.title", "批量导入", "Import"),
    (
        "reg.imp.to_list",
        "在合同查询中查看",
        "See them in the contract list",
    ),
    (
        "reg.imp.warnings",
        "以下行的主体名称与已登记的名称不一致（按统一社会信用代码匹配，使用已登记的主体）：请核对",
        "In these rows a party's name differs from the recorded one (matched on the credit code; the recorded party is used): please check",
    ),
    ("reg.list.empty", "没有符合条件的合同", "No contracts match"),
    ("reg.list.export", "导出CSV", "Export CSV"),
    ("reg.list.filters", "查询条件", "Filters"),
    ("reg.list.historical", "历史登记", "Historical"),
    (
        "reg.list.historical_hint",
        "历史登记数据：{at} 登记，{loaded} 载入本系统",
        "Historical registration: registered {at}, loaded into this ledger {loaded}",
    ),
    ("reg.list.q", "关键词", "Search"),
    (
        "reg.list.q_placeholder",
        "合同名称、登记编号或主体名称",
        "Title, registration number or party name",
    ),
    ("reg.list.reset", "重置", "Reset"),
    ("reg.list.search", "查询", "Search"),
    (
        "reg.list.shown",
        "本页显示 {n} 份合同",
        "{n} contracts on this page",
    ),
    ("reg.list.signed_from", "签订日期自", "Signed from"),
    ("reg.list.signed_to", "签订日期至", "Signed to"),
    ("reg.list.sort", "排序", "Sort"),
    ("reg.list.sort_amount", "按金额从大到小", "Largest first"),
    ("reg.list.sort_newest", "最新登记在前", "Newest first"),
    ("reg.list.title", "合同查询", "Contracts"),
    (
        "reg.list.totals",
        "共 {n} 份，合同金额 {contract}，技术交易额 {technical}",
        "{n} contracts, contract amount {contract}, technical amount {technical}",
    ),
    (
        "reg.list.totals_one",
        "共 {n} 份，合同金额 {contract}，技术交易额 {technical}",
        "{n} contract, contract amount {contract}, technical amount {technical}",
    ),
    ("reg.list.year", "登记年度", "Year"),
    ("reg.new.again", "继续登记下一份", "Register another"),
    (
        "reg.new.buyer",
        "买方（委托方、受让方、被许可方）",
        "Buyer (client, transferee, licensee)",
    ),
    (
        "reg.new.buyer_hint",
        "按名称或统一社会信用代码查找已有主体；找不到时可新建",
        "Find a party by name or credit code; create it when it is not there yet",
    ),
    ("reg.new.clear", "清空表单", "Clear the form"),
    (
        "reg.new.confirm_duplicate",
        "我已核对：这不是同一份合同的重复登记，仍然登记",
        "I have checked: this is not the same contract registered twice; register it",
    ),
    ("reg.new.contact_name", "联系人", "Contact person"),
    ("reg.new.contact_phone", "联系电话", "Telephone"),
    ("reg.new.contract", "合同基本信息", "The contract"),
    (
        "reg.new.done_pending",
        "已提交，待复核",
        "Submitted: pending second approval",
    ),
    (
        "reg.new.done_registered",
        "登记成功，登记编号",
        "Registered. Registration number",
    ),
    ("reg.new.in_yuan", "（元）", " (yuan)"),
    (
        "reg.new.intro",
        "带 * 的为必填项；提交后由系统校验，有误的字段会在旁边标出",
        "Fields marked * are required; the server checks everything and marks each field it refuses",
    ),
    ("reg.new.open_contract", "查看合同", "Open the contract"),
    (
        "reg.new.particulars",
        "合同细项（选填）",
        "Particulars (optional)",
    ),
    (
        "reg.new.particulars_hint",
        "当事人自编的合同编号、双方本合同的联系人及电话；技术开发、转让、许可合同可填写技术交易额的构成。",
        "The parties' own contract number, each side's contact for this contract; for development, transfer and licensing contracts, how the technical amount divides.",
    ),
    ("reg.new.party_change", "更换", "Change"),
    (
        "reg.new.party_exists",
        "该统一社会信用代码已登记为“{name}”，提交时将使用已登记的主体",
        "This credit code is on record as “{name}”: the stored party will be used",
    ),
    (
        "reg.new.party_exists_other_name",
        "该统一社会信用代码已登记为“{name}”，与所填名称不同；提交时将使用已登记的主体（名称、类型和地区以登记为准）",
        "This credit code is on record as “{name}”, not the name typed here: the stored party will be used (its name, kind and region)",
    ),
    (
        "reg.new.party_find_instead",
        "改为查找已有主体",
        "Find an existing party instead",
    ),
    ("reg.new.party_new", "新建主体", "New party"),
    (
        "reg.new.party_none",
        "未找到，可点击「新建主体」",
        "No match: use \"New party\"",
    ),
    ("reg.new.party_results", "查找结果", "Matches"),
    ("reg.new.party_search", "查找主体", "Find a party"),
    (
        "reg.new.party_search_hint",
        "输入至少两个字，或18位统一社会信用代码；↑↓选择，回车确认",
        "Type at least two characters, or the 18-character credit code; ↑↓ to choose, Enter to pick",
    ),
    (
        "reg.new.party_search_placeholder",
        "名称或统一社会信用代码",
        "Name or unified social credit code",
    ),
    (
        "reg.new.party_use_existing",
        "改为选择已登记的主体",
        "Pick the stored party",
    ),
    (
        "reg.new.pending_note",
        "技术交易额达到大额合同标准（{wan} 万元），须由本登记点另一名登记员复核通过后才予登记并编号。",
        "The technical amount is at or above the large-contract threshold ({wan} × 10k yuan): a second registrar of your office must approve it before it is registered and numbered.",
    ),
    (
        "reg.new.pending_number",
        "待复核",
        "Pending second approval",
    ),
    (
        "reg.new.replayed",
        "该表单此前已提交过，系统没有重复登记。",
        "This form had already been submitted: nothing was registered twice.",
    ),
    (
        "reg.new.seller",
        "卖方（研究开发方、让与方、许可方、受托方）",
        "Seller (developer, transferor, licensor, contractor)",
    ),
    (
        "reg.new.seller_hint",
        "按名称或统一社会信用代码查找已有主体；找不到时可新建",
        "Find a party by name or credit code; create it when it is not there yet",
    ),
    (
        "reg.new.split_hint",
        "技术交易额的构成：两项之和应等于技术交易额。",
        "How the technical amount divides: the two parts add up to it.",
    ),
    ("reg.new.submit", "提交登记", "Register"),
    (
        "reg.new.subtype_hint",
        "可不填；可选项随合同类型变化",
        "Optional; the choices follow the contract type",
    ),
    (
        "reg.new.technical_hint",
        "达到此金额须由第二名登记员复核：",
        "At or above this a second registrar must approve:",
    ),
    (
        "reg.new.terms",
        "日期、金额与分类",
        "Dates, amounts and classification",
    ),
    ("reg.new.title", "登记技术合同", "Register a contract"),
    ("reg.party.city", "市", "City"),
    (
        "reg.party.contact",
        "本合同联系人",
        "Contact for this contract",
    ),
    (
        "reg.party.country",
        "国家（外国主体）",
        "Country (foreign party)",
    ),
    (
        "reg.party.country_hint",
        "三位字母代码，如 DEU",
        "Three-letter code, e.g. DEU",
    ),
    ("reg.party.county", "区县", "County"),
    (
        "reg.party.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    (
        "reg.party.credit_code_hint",
        "18位；个人不填",
        "18 characters; not for individuals",
    ),
    ("reg.party.kind", "主体类型", "Kind"),
    (
        "reg.party.legal_representative",
        "法定代表人",
        "Legal representative",
    ),
    ("reg.party.name", "名称", "Name"),
    ("reg.party.province", "省", "Province"),
    ("reg.party.region", "所在地区", "Region"),
    ("review.confirmed", "已确认", "Confirmed"),
    ("review.disputed", "有异议", "Disputed"),
    ("review.unreviewed", "未审核", "Unreviewed"),
    ("status.pending", "待复核", "Pending approval"),
    ("status.refused", "未予登记", "Refused"),
    ("status.registered", "已登记", "Registered"),
    ("status.voided", "已注销", "Voided"),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every `t.s("…")` in the page templates of the three page areas and every `TL.t("…")`
    /// in the scripts they load has a translation.
    #[test]
    fn every_key_of_these_pages_is_translated() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = Vec::new();
        for dir in ["templates/registrar", "templates/audit", "templates/admin"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        for script in [
            "pages.js",
            "contract-form.js",
            "contracts.js",
            "contract.js",
            "approvals.js",
            "import.js",
            "audit.js",
            "admin.js",
        ] {
            files.push(format!("{root}/static/{script}").into());
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for pattern in ["t.s(\"", "TL.t(\""] {
                for (i, _) in text.match_indices(pattern) {
                    let rest = &text[i + pattern.len()..];
                    let end = rest.find('"').unwrap();
                    // A literal key (`TL.t("a.b")`); a key built at run time (`"a." + x`) is
                    // checked by the page test that renders it.
                    if rest[end + 1..].starts_with(')') {
                        let key = &rest[..end];
                        assert!(
                            T::has(key),
                            "{} uses untranslated key {key}",
                            path.display()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn both_languages_are_given_for_every_key() {
        for table in [
            STRINGS,
            super::super::audit_pages::STRINGS,
            super::super::admin::STRINGS,
        ] {
            for (key, zh, en) in table {
                assert!(
                    !zh.trim().is_empty() && !en.trim().is_empty(),
                    "{key} lacks a translation"
                );
            }
        }
    }

    #[test]
    fn sub_types_name_their_contract_type() {
        let subs = subtypes(Lang::Zh);
        assert!(subs.iter().any(|s| s.parent == "development"
            && s.code == "commissioned"
            && s.label == "委托开发"));
        assert!(subs.iter().all(|s| !s.parent.is_empty()));
        let en = contract_types(Lang::En, Some("transfer"));
        assert!(en.iter().any(|t| t.code == "transfer" && t.selected));
    }

    #[test]
    fn page_strings_merge_prefixes() {
        let json: serde_json::Value =
            serde_json::from_str(&page_strings(T(Lang::En), &["nav.", "role."])).unwrap();
        assert_eq!(json["nav.logout"], "Sign out");
        assert_eq!(json["role.admin"], "Administrator");
        assert!(json.get("login.title").is_none());
    }
}
