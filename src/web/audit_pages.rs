//! Auditor pages: review queue, contract history, anomalies, chain status, entries browser.
//! The contract history is the contract page (`/contracts/<id>`), where auditors also find
//! the review form and the contract's audit entries.

use askama::Template;
use rocket::{FromForm, Route, get, routes};

use super::Page;
use super::i18n::{Entry, Lang, T};
use super::layout::{Layout, PageCtx};
use super::registrar::{Opt, page_strings};
use crate::anomalies::Rule;
use crate::auth::{AuditReader, Auditor, AuthUser};
use crate::domain::Role;

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![chain, entries, queue, anomalies]
}

/// A tab of the audit pages.
#[derive(Debug, Clone)]
pub struct Tab {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Whether it is the current page.
    pub active: bool,
}

fn tabs(t: T, user: &AuthUser, current: &str) -> Vec<Tab> {
    let mut all = vec![
        ("/audit", "aud.tab.chain"),
        ("/audit/entries", "aud.tab.entries"),
    ];
    if user.role() == Role::Auditor {
        all.push(("/audit/queue", "aud.tab.queue"));
    }
    all.into_iter()
        .map(|(href, key)| Tab {
            href,
            label: t.s(key),
            active: href == current,
        })
        .collect()
}

fn strings(t: T, more: &[&str]) -> String {
    let prefixes: Vec<&str> = ["common.", "form.", "http.", "review.", "status.", "aud."]
        .iter()
        .chain(more)
        .copied()
        .collect();
    page_strings(t, &prefixes)
}

/// The chain status page.
#[derive(Template)]
#[template(path = "audit/chain.html")]
pub struct ChainPage {
    layout: Layout,
    i18n: String,
    tabs: Vec<Tab>,
    admin: bool,
}

/// `/audit`: the chain's latest checkpoint, verification on demand, downloads (auditors,
/// admins; admins also rotate the signing key).
#[get("/audit")]
pub fn chain(ctx: PageCtx, user: AuditReader) -> Page<ChainPage> {
    let layout = Layout::new(&ctx, Some(&user), "aud.chain.title");
    Page::ok(ChainPage {
        i18n: strings(layout.t, &[]),
        tabs: tabs(layout.t, &user, "/audit"),
        admin: user.role() == Role::Admin,
        layout,
    })
}

/// The filters of the entries browser (the API's names).
#[derive(Debug, Default, FromForm)]
pub struct EntryFilters {
    actor: Option<String>,
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after_seq: Option<String>,
}

/// Every audit action, for the action filter's suggestions.
pub const ACTIONS: &[&str] = &[
    "contract.register",
    "contract.amend",
    "contract.approve",
    "contract.refuse",
    "contract.void",
    "contract.review",
    "party.create",
    "party.update",
    "user.create",
    "user.update",
    "key.rotate",
    "import.commit",
    "log.cosign",
    "submission.submit",
    "submission.resubmit",
    "submission.return",
    "submission.accept",
    "submission.refuse",
];

/// The kinds of record an audit entry is about.
pub const ENTITY_TYPES: &[&str] = &[
    "contract",
    "party",
    "user",
    "key",
    "import",
    "checkpoint",
    "submission",
];

/// The entries browser.
#[derive(Template)]
#[template(path = "audit/entries.html")]
pub struct EntriesPage {
    layout: Layout,
    i18n: String,
    tabs: Vec<Tab>,
    actions: Vec<Opt>,
    entity_types: Vec<Opt>,
    actor: String,
    action: String,
    entity_id: String,
    from: String,
    to: String,
    after_seq: String,
}

fn text(v: &Option<String>, max: usize) -> String {
    v.as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .chars()
        .take(max)
        .collect()
}

/// `/audit/entries`: audit entries filtered by actor, action, entity and time, paged by
/// seq (auditors, admins).
#[get("/audit/entries?<f..>")]
pub fn entries(ctx: PageCtx, user: AuditReader, f: EntryFilters) -> Page<EntriesPage> {
    let layout = Layout::new(&ctx, Some(&user), "aud.entries.title");
    let t = layout.t;
    let entity = text(&f.entity_type, 20);
    Page::ok(EntriesPage {
        i18n: strings(t, &["role.", "reg.field."]),
        tabs: tabs(t, &user, "/audit/entries"),
        actions: ACTIONS
            .iter()
            .map(|a| Opt {
                code: a,
                label: t.s(&format!("aud.action.{a}")),
                parent: "",
                selected: false,
            })
            .collect(),
        entity_types: ENTITY_TYPES
            .iter()
            .map(|e| Opt {
                code: e,
                label: t.s(&format!("aud.entity.{e}")),
                parent: "",
                selected: entity == *e,
            })
            .collect(),
        actor: text(&f.actor, 64),
        action: text(&f.action, 64),
        entity_id: text(&f.entity_id, 64),
        from: text(&f.from, 10),
        to: text(&f.to, 10),
        after_seq: text(&f.after_seq, 19)
            .chars()
            .filter(char::is_ascii_digit)
            .collect(),
        layout,
    })
}

/// The review queue.
#[derive(Template)]
#[template(path = "audit/queue.html")]
pub struct QueuePage {
    layout: Layout,
    i18n: String,
    tabs: Vec<Tab>,
}

/// `/audit/queue`: registered, unreviewed contracts, largest first (auditors).
#[get("/audit/queue")]
pub fn queue(ctx: PageCtx, user: Auditor) -> Page<QueuePage> {
    let layout = Layout::new(&ctx, Some(&user), "aud.queue.title");
    Page::ok(QueuePage {
        i18n: strings(layout.t, &["reg.col."]),
        tabs: tabs(layout.t, &user, "/audit/queue"),
        layout,
    })
}

/// A rule of the anomaly filter, with what it looks for.
#[derive(Debug, Clone)]
pub struct RuleOpt {
    /// Its code.
    pub code: &'static str,
    /// Its title in the page language.
    pub title: &'static str,
    /// What it looks for and why it matters.
    pub explanation: &'static str,
    /// high | medium | low.
    pub severity: &'static str,
    /// The severity's label.
    pub severity_label: &'static str,
    /// Whether the filter selects it.
    pub selected: bool,
}

/// The anomaly list.
#[derive(Template)]
#[template(path = "audit/anomalies.html")]
pub struct AnomaliesPage {
    layout: Layout,
    i18n: String,
    years: Vec<super::registrar::YearOpt>,
    year: i32,
    rules: Vec<RuleOpt>,
    rule: String,
}

/// `/anomalies`: rule-based findings of a year, each naming its contracts (auditors, admins).
#[get("/anomalies?<year>&<rule>")]
pub fn anomalies(
    ctx: PageCtx,
    user: AuditReader,
    year: Option<&str>,
    rule: Option<&str>,
) -> Page<AnomaliesPage> {
    let layout = Layout::new(&ctx, Some(&user), "aud.anom.title");
    let t = layout.t;
    let this_year = crate::stats::this_year();
    let year = year
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=this_year).contains(y))
        .unwrap_or(this_year);
    let rule = rule
        .map(str::trim)
        .filter(|r| Rule::ALL.iter().any(|x| x.code() == *r))
        .unwrap_or_default()
        .to_string();
    let lang = t.lang();
    Page::ok(AnomaliesPage {
        i18n: strings(t, &["reg.col.", "reg.field."]),
        years: (this_year - 4..=this_year)
            .rev()
            .map(|y| super::registrar::YearOpt {
                year: y,
                selected: y == year,
            })
            .collect(),
        year,
        rules: Rule::ALL
            .iter()
            .map(|r| RuleOpt {
                code: r.code(),
                title: pick(lang, r.title_zh(), r.title_en()),
                explanation: pick(lang, r.explanation_zh(), r.explanation_en()),
                severity: r.severity().code(),
                severity_label: t.s(&format!("aud.severity.{}", r.severity().code())),
                selected: r.code() == rule,
            })
            .collect(),
        rule,
        layout,
    })
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[
    ("aud.action.contract.amend", "变更合同", "Contract amended"),
    (
        "aud.action.contract.approve",
        "复核通过合同",
        "Contract approved",
    ),
    ("aud.action.contract.refuse", "退回合同", "Contract refused"),
    (
        "aud.action.contract.register",
        "登记合同",
        "Contract registered",
    ),
    (
        "aud.action.contract.review",
        "审核合同",
        "Contract reviewed",
    ),
    ("aud.action.contract.void", "注销合同", "Contract voided"),
    ("aud.action.import.commit", "批量导入", "Import committed"),
    (
        "aud.action.key.rotate",
        "轮换签名密钥",
        "Signing key rotated",
    ),
    (
        "aud.action.log.cosign",
        "见证方共同签名检查点",
        "Checkpoint cosigned by a witness",
    ),
    ("aud.action.party.create", "新建主体", "Party created"),
    ("aud.action.party.update", "变更主体", "Party updated"),
    (
        "aud.action.submission.accept",
        "受理申请",
        "Submission accepted",
    ),
    (
        "aud.action.submission.refuse",
        "不予受理",
        "Submission refused",
    ),
    (
        "aud.action.submission.resubmit",
        "补正后重新提交",
        "Submission corrected",
    ),
    (
        "aud.action.submission.return",
        "退回补正",
        "Submission returned",
    ),
    (
        "aud.action.submission.submit",
        "网上提交",
        "Submission made",
    ),
    ("aud.action.user.create", "新建用户", "User created"),
    ("aud.action.user.update", "变更用户", "User updated"),
    ("aud.anom.about_rule", "规则说明", "About this rule"),
    ("aud.anom.all_rules", "全部规则", "All rules"),
    ("aud.anom.count", "共 {n} 条线索", "{n} findings"),
    ("aud.anom.filters", "筛选", "Filters"),
    (
        "aud.anom.intro",
        "按规则自动发现的可能虚报、重复或拆分的合同线索，须人工核实",
        "Findings of rules that flag possibly fake, duplicated or split contracts; each needs checking by a person",
    ),
    (
        "aud.anom.more",
        "共涉及 {n} 份合同，此处列出前50份",
        "{n} contracts in all; the first 50 are listed",
    ),
    (
        "aud.anom.none",
        "该年度未发现异常线索",
        "No findings for this year",
    ),
    ("aud.anom.rule", "规则", "Rule"),
    ("aud.anom.rules", "规则说明", "The rules"),
    ("aud.anom.title", "异常线索", "Anomalies"),
    (
        "aud.anom.unavailable",
        "异常线索接口暂不可用",
        "The anomaly service is not available yet",
    ),
    ("aud.anom.why", "为什么值得关注", "Why it matters"),
    ("aud.chain.at", "签署时间", "Signed at"),
    (
        "aud.chain.bad",
        "审计链校验未通过",
        "The audit chain does NOT verify",
    ),
    ("aud.chain.checkpoint", "最新检查点", "Latest checkpoint"),
    (
        "aud.chain.checkpoint_hint",
        "检查点对审计链的长度和链头哈希签名；此后对链的任何截断或改写都会与已发布的检查点矛盾",
        "A checkpoint signs the chain's length and head hash; any later truncation or rewrite contradicts a published checkpoint",
    ),
    ("aud.chain.detail", "说明", "Detail"),
    ("aud.chain.discrepancies", "不一致之处", "Discrepancies"),
    (
        "aud.chain.downloads",
        "下载与离线验证",
        "Downloads for offline verification",
    ),
    (
        "aud.chain.downloads_hint",
        "下载全部审计条目（NDJSON）和公钥（JWKS），可用命令行或任何JOSE库离线验证",
        "Download every entry (NDJSON) and the public keys (JWKS), then verify them offline with the CLI or any JOSE library",
    ),
    ("aud.chain.entries", "已校验条目", "Entries verified"),
    (
        "aud.chain.export",
        "下载审计条目（NDJSON）",
        "Download the entries (NDJSON)",
    ),
    ("aud.chain.first_bad", "首个异常序号", "First bad seq"),
    ("aud.chain.head", "链头哈希", "Head hash"),
    ("aud.chain.history", "历史检查点", "Stored checkpoints"),
    (
        "aud.chain.jwks",
        "下载公钥（JWKS）",
        "Download the keys (JWKS)",
    ),
    ("aud.chain.key", "记录", "Key"),
    ("aud.chain.kid", "签名密钥", "Signing key"),
    (
        "aud.chain.no_checkpoints",
        "尚无存储的检查点",
        "No stored checkpoints yet",
    ),
    (
        "aud.chain.ok",
        "审计链完整：每条哈希、链接和签名均校验通过，各数据表与审计链一致",
        "The chain verifies: every hash, link and signature holds, and every table reconciles with it",
    ),
    (
        "aud.chain.reconciliation",
        "对账（各表行数）",
        "Reconciliation (rows per table)",
    ),
    ("aud.chain.rotate", "轮换签名密钥", "Rotate the signing key"),
    ("aud.chain.rotate_button", "轮换密钥…", "Rotate the key…"),
    ("aud.chain.rotate_confirm", "确认轮换", "Rotate now"),
    (
        "aud.chain.rotate_hint",
        "此后的条目用新密钥签名；已有条目仍可用原公钥验证",
        "Later entries are signed with a new key; earlier entries stay verifiable with the old public key",
    ),
    (
        "aud.chain.rotate_sure",
        "确定要轮换签名密钥吗？",
        "Rotate the signing key now?",
    ),
    (
        "aud.chain.rotated",
        "已轮换签名密钥 {kid}，审计序号 {seq}",
        "Rotated the signing key: {kid}, audit seq {seq}",
    ),
    ("aud.chain.rows", "行数", "Rows"),
    (
        "aud.chain.show_signature",
        "查看签名（JWS）",
        "Show the signature (JWS)",
    ),
    ("aud.chain.signature", "签名", "Signature"),
    ("aud.chain.size", "条目数", "Entries"),
    ("aud.chain.table", "数据表", "Table"),
    ("aud.chain.title", "审计链状态", "Audit chain"),
    ("aud.chain.verify", "校验", "Verification"),
    (
        "aud.chain.verify_hint",
        "在服务器上重新校验整条审计链的哈希、链接和签名，并与各数据表对账",
        "Re-checks every hash, link and signature of the whole chain on the server, and reconciles every table with it",
    ),
    ("aud.chain.verify_now", "立即校验", "Verify now"),
    ("aud.chain.verifying", "正在校验…", "Verifying…"),
    ("aud.entity.checkpoint", "检查点", "Checkpoint"),
    ("aud.entity.contract", "合同", "Contract"),
    ("aud.entity.import", "导入", "Import"),
    ("aud.entity.key", "密钥", "Key"),
    ("aud.entity.party", "主体", "Party"),
    ("aud.entity.submission", "网上申请", "Submission"),
    ("aud.entity.user", "用户", "User"),
    ("aud.entries.action", "操作", "Action"),
    ("aud.entries.actor", "操作人", "Actor"),
    (
        "aud.entries.actor_placeholder",
        "用户名或用户编号",
        "Username or user id",
    ),
    ("aud.entries.after_seq", "从序号之后", "After seq"),
    (
        "aud.entries.any_contract",
        "所有合同操作",
        "Any contract action",
    ),
    ("aud.entries.at", "时间", "When"),
    ("aud.entries.changes", "变更内容", "Changes"),
    (
        "aud.entries.empty",
        "没有符合条件的条目",
        "No entries match",
    ),
    ("aud.entries.entity", "对象", "Record"),
    ("aud.entries.entity_id", "对象编号", "Record id"),
    ("aud.entries.entity_type", "对象类型", "Record type"),
    ("aud.entries.filters", "筛选", "Filters"),
    ("aud.entries.from", "日期自", "From"),
    ("aud.entries.hide", "收起", "Hide"),
    ("aud.entries.latest", "最新条目", "Latest entries"),
    ("aud.entries.no_changes", "没有字段变化", "No field changed"),
    ("aud.entries.raw", "原始数据（JSON）", "Raw data (JSON)"),
    ("aud.entries.reason", "原因", "Reason"),
    ("aud.entries.seq", "序号", "Seq. no."),
    ("aud.entries.show", "展开", "Show"),
    (
        "aud.entries.shown",
        "本页 {n} 条",
        "{n} entries on this page",
    ),
    ("aud.entries.system", "系统", "System"),
    ("aud.entries.title", "审计条目", "Audit entries"),
    ("aud.entries.to", "日期至（含）", "To (inclusive)"),
    ("aud.entries.unnumbered", "（尚未编号）", "(no number yet)"),
    ("aud.field.accepted", "导入成功行数", "Rows imported"),
    ("aud.field.active", "启用", "Active"),
    ("aud.field.country", "国家或地区", "Country"),
    (
        "aud.field.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("aud.field.display_name", "显示名称", "Display name"),
    ("aud.field.file_name", "文件名", "File name"),
    ("aud.field.kid", "签名密钥", "Signing key"),
    ("aud.field.kind", "主体类型", "Kind"),
    (
        "aud.field.legal_representative",
        "法定代表人",
        "Legal representative",
    ),
    ("aud.field.name", "名称", "Name"),
    ("aud.field.nature_code", "主体性质代码", "Party-nature code"),
    ("aud.field.note", "审核意见", "Note"),
    ("aud.field.office", "登记点", "Office"),
    (
        "aud.field.password_changed",
        "已修改密码",
        "Password changed",
    ),
    ("aud.field.reason", "原因", "Reason"),
    ("aud.field.region", "所在地区", "Region"),
    ("aud.field.role", "角色", "Role"),
    ("aud.field.rows_total", "总行数", "Rows"),
    ("aud.field.username", "用户名", "Username"),
    ("aud.field.verdict", "审核结论", "Verdict"),
    ("aud.queue.empty", "没有待审核的合同", "Nothing to review"),
    (
        "aud.queue.intro",
        "已登记、尚未审核的合同，金额大的在前",
        "Registered contracts nobody has reviewed yet, largest first",
    ),
    ("aud.queue.open", "审核", "Review"),
    ("aud.queue.review", "去审核", "Review"),
    ("aud.queue.title", "待审核队列", "Review queue"),
    ("aud.severity.high", "高", "High"),
    ("aud.severity.low", "低", "Low"),
    ("aud.severity.medium", "中", "Medium"),
    ("aud.tab.chain", "链状态", "Chain status"),
    ("aud.tab.entries", "审计条目", "Entries"),
    ("aud.tab.queue", "待审核队列", "Review queue"),
    ("aud.table.amount_entries", "金额分录", "Amount entries"),
    (
        "aud.table.attachments",
        "合同附件文件",
        "Attached contract files",
    ),
    ("aud.table.audit_entries", "审计条目", "Audit entries"),
    (
        "aud.table.contract_details",
        "合同补充信息",
        "Contract particulars",
    ),
    (
        "aud.table.contract_versions",
        "合同版本",
        "Contract versions",
    ),
    ("aud.table.contracts", "合同", "Contracts"),
    ("aud.table.imports", "导入记录", "Imports"),
    ("aud.table.parties", "合同主体", "Parties"),
    ("aud.table.party_rollups", "按主体汇总", "Totals per party"),
    ("aud.table.party_versions", "主体版本", "Party versions"),
    (
        "aud.table.registration_counters",
        "登记编号计数",
        "Registration number counters",
    ),
    ("aud.table.reviews", "审核记录", "Reviews"),
    ("aud.table.rollups", "统计汇总", "Totals"),
    ("aud.table.signing_keys", "签名密钥", "Signing keys"),
    (
        "aud.table.submission_decisions",
        "申报处理决定",
        "Submission decisions",
    ),
    (
        "aud.table.submission_versions",
        "申报版本",
        "Submission versions",
    ),
    ("aud.table.submissions", "网上申报", "Submissions"),
    (
        "aud.table.tlog_cosignatures",
        "见证方联署",
        "Witness cosignatures",
    ),
    ("aud.table.users", "用户", "Users"),
    ("aud.tabs", "审计页面", "Audit pages"),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_entity_type_has_a_label() {
        for a in ACTIONS {
            assert!(T::has(&format!("aud.action.{a}")), "aud.action.{a}");
        }
        for e in ENTITY_TYPES {
            assert!(T::has(&format!("aud.entity.{e}")), "aud.entity.{e}");
        }
        for s in ["pending", "registered", "refused", "voided"] {
            assert!(T::has(&format!("status.{s}")));
        }
        for s in ["unreviewed", "confirmed", "disputed"] {
            assert!(T::has(&format!("review.{s}")));
        }
    }
}
