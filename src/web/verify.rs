//! The public verification page `/verify` (no sign-in; where a certificate's QR code leads):
//! a registration number, or a receipt pasted or uploaded, checked in the browser —
//! SHA-256 leaf and node hashes and the RFC 9162 inclusion proof with WebCrypto, the
//! checkpoint's Ed25519 signed-note signature against the log key the page shows with its
//! fingerprint. The page only frames; `static/verify.js` does the checking, so that nothing
//! of it rests on the server's word but the key, which the user compares out of band.

use askama::Template;
use rocket::{Route, get, routes};

use super::Page;
use super::i18n::Entry;
use super::layout::{Layout, PageCtx};
use super::registrar::page_strings;

/// The routes of this page.
pub fn routes() -> Vec<Route> {
    routes![page]
}

/// The verification page.
#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    layout: Layout,
    i18n: String,
    /// The registration number the page was opened with (`?no=`), checked on load.
    no: String,
}

/// `/verify?no=`: public.
#[get("/verify?<no>")]
pub fn page(ctx: PageCtx, no: Option<&str>) -> Page<VerifyPage> {
    let layout = Layout::new(&ctx, None, "verify.title");
    Page::ok(VerifyPage {
        i18n: page_strings(layout.t, &["verify."]),
        no: no
            .map(|n| {
                n.trim()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .take(16)
                    .collect()
            })
            .unwrap_or_default(),
        layout,
    })
}

/// The strings of this page: (key, 中文, English), sorted by key.
pub static STRINGS: &[Entry] = &[
    ("verify.action", "审计记录的操作", "What the entry recorded"),
    (
        "verify.bad_json",
        "无法读取该回执：不是有效的 JSON。",
        "This receipt cannot be read: it is not valid JSON.",
    ),
    (
        "verify.bad_receipt",
        "这不是技术合同账本的回执（缺少 entry、inclusion 或 checkpoint）。",
        "This is not a techledger receipt (it lacks entry, inclusion or checkpoint).",
    ),
    ("verify.buyer", "买方（技术接受方）", "Buyer"),
    (
        "verify.check.entry_hash",
        "记录哈希与回执所载一致",
        "The entry's hash matches the one it carries",
    ),
    (
        "verify.check.inclusion",
        "包含证明（RFC 9162）从叶哈希推算出检查点的根哈希",
        "The inclusion proof (RFC 9162) leads from the leaf hash to the checkpoint's root hash",
    ),
    (
        "verify.check.latest",
        "该记录也在最新检查点中（用最新检查点的包含证明重新验证）",
        "The entry is also in the latest checkpoint (a fresh inclusion proof, checked)",
    ),
    (
        "verify.check.latest_signature",
        "最新检查点的签名有效",
        "The latest checkpoint's signature holds",
    ),
    (
        "verify.check.leaf",
        "叶哈希由回执中的记录内容在本浏览器中计算（SHA-256(0x00‖规范化JSON)）",
        "The leaf hash is computed in this browser from the entry in the receipt (SHA-256(0x00 ‖ canonical JSON))",
    ),
    (
        "verify.check.leaf_withheld",
        "记录原文未公开（含登记员账号，可能含联系人电话），叶哈希由服务器提供；持有完整回执的当事人可在下方粘贴回执，核对叶哈希确为本登记的记录",
        "The entry's bytes are not public (they name the registrar's account and may carry contact phone numbers), so its leaf hash is as the server states it; a party holding the full receipt can paste it below to check that the leaf is this registration's entry",
    ),
    (
        "verify.check.origin",
        "检查点属于本日志，格式为 C2SP 签名检查点",
        "The checkpoint is this log's, a C2SP signed checkpoint",
    ),
    (
        "verify.check.signature",
        "检查点的 Ed25519 签名在本浏览器中验证有效（WebCrypto）",
        "The checkpoint's Ed25519 signature verifies in this browser (WebCrypto)",
    ),
    (
        "verify.check.signature_unsupported",
        "本浏览器不支持 Ed25519，签名未在浏览器中验证；请用新版浏览器或下方命令核验",
        "Signature not checked in this browser (it lacks Ed25519); use a current browser or the command below",
    ),
    (
        "verify.checked",
        "在本浏览器中核验的内容",
        "What this browser checked",
    ),
    ("verify.checkpoint", "检查点", "Checkpoint"),
    ("verify.checkpoint_at", "检查点时间", "Checkpoint time"),
    (
        "verify.cli_hint",
        "独立核验：下载回执（当事人从合同页面获取），从中心公布的渠道获得根密钥指纹，在自己的电脑上运行：",
        "Check it independently: keep the receipt (parties download it from the contract page), obtain the root key fingerprint from a channel the centre publishes, and run on your own computer:",
    ),
    ("verify.contract_amount", "合同成交额", "Contract amount"),
    ("verify.contract_type", "合同类型", "Contract type"),
    ("verify.credit_code", "统一社会信用代码", "Credit code"),
    ("verify.entry", "审计记录", "Audit entry"),
    ("verify.entry_at", "记录时间", "Entry time"),
    ("verify.failed", "未通过", "failed"),
    (
        "verify.file",
        "或上传回执文件（.json）",
        "or upload a receipt file (.json)",
    ),
    (
        "verify.fingerprint_hint",
        "以上密钥由本服务器提供。请将根密钥指纹与您从其他渠道获得的指纹（中心公告、官方网站、见证人）逐字比对；一致，签名核验才有意义。",
        "These keys come from this server. Compare the root key's fingerprint, character by character, with one you obtained elsewhere (the centre's notice, its official website, a witness); only then does the signature check mean something.",
    ),
    ("verify.go", "核验", "Verify"),
    (
        "verify.intro",
        "任何人无需登录即可核验一份技术合同登记：输入登记编号，或粘贴回执。证明在您的浏览器中计算核验，不依赖服务器的结论。",
        "Anyone can check a technology contract registration without signing in: enter its registration number, or paste a receipt. The proof is checked in your browser, not taken on the server's word.",
    ),
    ("verify.ip_type", "知识产权类型", "IP type"),
    ("verify.key", "日志密钥", "Log keys"),
    (
        "verify.key_fingerprint",
        "指纹（SHA-256）",
        "Fingerprint (SHA-256)",
    ),
    ("verify.key_root", "根密钥", "root key"),
    (
        "verify.key_signed",
        "签署了该检查点",
        "signed this checkpoint",
    ),
    ("verify.leaf_hash", "叶哈希", "Leaf hash"),
    ("verify.no", "登记编号", "Registration number"),
    (
        "verify.no_placeholder",
        "16位数字，例如 2026371302000123",
        "16 digits, e.g. 2026371302000123",
    ),
    ("verify.not_checked", "未核验", "not checked"),
    ("verify.office", "登记机构", "Registration office"),
    ("verify.ok", "通过", "passed"),
    ("verify.origin", "日志", "Log"),
    ("verify.parties", "合同主体", "Parties"),
    ("verify.paste", "粘贴回执（JSON）", "Paste a receipt (JSON)"),
    ("verify.receipt", "按回执核验", "Verify a receipt"),
    (
        "verify.receipt_hint",
        "回执是审计记录及其包含证明和签名检查点，当事人可从合同页面下载。",
        "A receipt is an audit entry with its inclusion proof and the signed checkpoint; parties download it from the contract page.",
    ),
    ("verify.registered_on", "登记日期", "Registered on"),
    ("verify.registration", "登记信息", "Registration"),
    ("verify.root_hash", "根哈希", "Root hash"),
    ("verify.seller", "卖方（技术提供方）", "Seller"),
    ("verify.signed_on", "签订日期", "Signed on"),
    ("verify.size", "日志大小（记录数）", "Tree size (entries)"),
    ("verify.status", "状态", "Status"),
    ("verify.tech_field", "技术领域", "Technical field"),
    ("verify.technical_amount", "技术交易额", "Technical amount"),
    (
        "verify.throttled",
        "查询过于频繁，请稍后再试。",
        "Too many lookups from here; try again shortly.",
    ),
    ("verify.title", "登记核验", "Verify a registration"),
    ("verify.title_field", "合同名称", "Contract title"),
    (
        "verify.unreadable",
        "服务器暂时无法回答，请稍后再试。",
        "The server cannot answer now; try again later.",
    ),
    (
        "verify.verdict.bad_no",
        "这不是有效的登记编号（应为16位数字）。",
        "That is not a registration number (16 digits).",
    ),
    (
        "verify.verdict.included",
        "已收录：该记录包含在最新签名检查点中，证明已在本浏览器中核验通过。",
        "Included: the entry is in the latest signed checkpoint; the proof checked out in this browser.",
    ),
    (
        "verify.verdict.not_found",
        "未收录：账本中没有这个登记编号。",
        "Not included: the ledger holds no registration with this number.",
    ),
    (
        "verify.verdict.not_in_latest",
        "未收录于最新检查点：回执本身有效，但日志的最新检查点不再包含该记录——日志可能被改写，请报告审计部门。",
        "Not included in the latest checkpoint: the receipt holds on its own, but the log's latest checkpoint no longer contains its entry — the log may have been rewritten; report it to the auditors.",
    ),
    (
        "verify.verdict.tampered",
        "证明不成立（可能被篡改）：",
        "The proof fails (tampered?): ",
    ),
    (
        "verify.verdict.voided",
        "注意：该登记已被撤销（作废），不再有效。",
        "Note: this registration has been voided and no longer stands.",
    ),
];
