//! Page languages: Chinese first, English available (`?lang=en`, remembered in a cookie).

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::Request;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (the default).
    Zh,
    /// English.
    En,
}

/// The cookie that remembers the language.
pub const LANG_COOKIE: &str = "tl_lang";

impl Lang {
    /// The language of a request: `?lang=` (remembered), then the cookie, then Chinese.
    pub fn of(req: &Request<'_>) -> Lang {
        let from = |v: &str| match v {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        };
        if let Some(lang) = req
            .query_value::<&str>("lang")
            .and_then(|r| r.ok())
            .and_then(from)
        {
            remember(req.cookies(), lang);
            return lang;
        }
        req.cookies()
            .get(LANG_COOKIE)
            .and_then(|c| from(c.value()))
            .unwrap_or(Lang::Zh)
    }

    /// `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

fn remember(jar: &CookieJar<'_>, lang: Lang) {
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(rocket::time::Duration::days(365));
    jar.add(cookie);
}

/// Translations of one page language.
#[derive(Debug, Clone, Copy)]
pub struct T(pub Lang);

impl T {
    /// The text for `key` ("?" when missing, which a test forbids).
    pub fn s(&self, key: &str) -> &'static str {
        match find(key) {
            Some((_, zh, en)) => match self.0 {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => "?",
        }
    }

    /// Whether `key` has a translation.
    pub fn has(key: &str) -> bool {
        find(key).is_some()
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.0
    }

    /// Every string of a key prefix as JSON, for the page scripts.
    pub fn json(&self, prefix: &str) -> String {
        let map: serde_json::Map<String, serde_json::Value> = TABLES
            .iter()
            .flat_map(|table| table.iter())
            .filter(|(k, _, _)| k.starts_with(prefix))
            .map(|(k, zh, en)| {
                let text = match self.0 {
                    Lang::Zh => zh,
                    Lang::En => en,
                };
                (k.to_string(), serde_json::Value::String(text.to_string()))
            })
            .collect();
        // Safe inside <script type="application/json">: no "</script>" can appear.
        serde_json::Value::Object(map)
            .to_string()
            .replace('<', "\\u003c")
    }
}

/// One translation: (key, 中文, English).
pub type Entry = (&'static str, &'static str, &'static str);

/// Every table of translations; each is sorted by key, and keys are unique across tables
/// (tests check both). Each page area keeps its own table beside its pages.
static TABLES: &[&[Entry]] = &[
    STRINGS,
    super::registrar::STRINGS,
    super::audit_pages::STRINGS,
    super::admin::STRINGS,
    super::account::STRINGS,
    super::verify::STRINGS,
    super::submissions::STRINGS,
];

fn find(key: &str) -> Option<&'static Entry> {
    TABLES.iter().find_map(|table| {
        table
            .binary_search_by(|(k, _, _)| (*k).cmp(key))
            .ok()
            .map(|i| &table[i])
    })
}

/// The shared strings: (key, 中文, English), sorted by key.
pub static STRINGS: &[Entry] = &[
    (
        "app.name",
        "临沂市技术成果交易中心 · 技术合同登记",
        "Linyi Technology Achievement Trading Centre · Contract Ledger",
    ),
    ("app.short", "技术合同账本", "techledger"),
    ("chart.by_field", "技术领域分布", "By technical field"),
    ("chart.by_office", "各登记点成交额", "Turnover by office"),
    ("chart.by_type", "合同类型构成", "By contract type"),
    (
        "chart.cumulative",
        "累计成交额与目标进度",
        "Cumulative turnover vs target path",
    ),
    ("chart.flow", "技术流向", "Technology flow"),
    ("chart.review", "审核状态", "Review status"),
    ("chart.target_path", "目标进度线", "Target path"),
    ("chart.top_buyers", "买方前十", "Top 10 buyers"),
    ("chart.top_sellers", "卖方前十", "Top 10 sellers"),
    ("chart.turnover", "成交额", "Turnover"),
    ("chart.unit_wan", "万元", "CNY 10k"),
    ("chart.unit_yi", "亿元", "CNY 100M"),
    ("common.contracts_unit", "项", "contracts"),
    ("common.error", "出错了", "Something went wrong"),
    ("common.loading", "加载中…", "Loading…"),
    ("common.wan", "万元", "× 10,000 yuan"),
    ("common.yi", "亿元", "× 100 million yuan"),
    ("dash.as_of", "数据截至", "As of"),
    ("dash.audit_seq", "审计序号", "Audit seq"),
    (
        "dash.checkpoint",
        "以上数字计算自日志检查点",
        "These figures were computed at the log checkpoint",
    ),
    ("dash.checkpoint_root", "根哈希", "root hash"),
    ("dash.checkpoint_size", "条目数", "tree size"),
    ("dash.completion", "完成率", "Completion"),
    ("dash.contracts", "登记合同数", "Contracts registered"),
    ("dash.forecast", "年末预测", "Year-end forecast"),
    (
        "dash.introduced",
        "引进长三角、济青科技成果",
        "Achievements introduced from the Yangtze Delta, Jinan and Qingdao",
    ),
    ("dash.of_target", "目标", "target"),
    (
        "dash.office_targets",
        "各登记点目标完成情况",
        "Offices against their targets",
    ),
    ("dash.print", "打印", "Print"),
    (
        "dash.report",
        "下载年度报表（Excel）",
        "Download the yearly report (Excel)",
    ),
    ("dash.target_yi", "目标（亿元）", "Target (CNY 100M)"),
    ("dash.technical", "技术交易额", "Technical amount"),
    (
        "dash.title",
        "技术合同成交额看板",
        "Technology contract turnover",
    ),
    (
        "dash.turnover",
        "技术合同成交额",
        "Technology contract turnover",
    ),
    ("dash.turnover_yi", "成交额（亿元）", "Turnover (CNY 100M)"),
    (
        "dash.verify_explain",
        "任何人都可以用该检查点和审计导出独立重算全部数字（精确到分）：先用公布的根密钥指纹核验检查点签名与导出，再从合同记录重算汇总和各项分类。",
        "Anyone can recompute every figure to the fen from this checkpoint and the audit export: the pinned root key fingerprint checks the checkpoint's signature and the export, then the summary and every breakdown are recomputed from the contract records.",
    ),
    ("dash.verify_link", "如何核验", "How to verify"),
    (
        "dash.verify_title",
        "核验这些数字 · techledger verify figures",
        "Verify these figures · techledger verify figures",
    ),
    ("dash.year", "年度", "Year"),
    ("dash.year_elapsed", "时间进度", "Year elapsed"),
    ("dash.yoy", "同比", "Year on year"),
    ("dash.yoy_base", "去年同期", "same period last year:"),
    ("dash.yoy_full_year", "全年", "full year"),
    (
        "login.bad_next",
        "登录后要打开的页面地址无效",
        "The page to open after signing in is not a valid address",
    ),
    (
        "login.failed",
        "用户名或密码错误",
        "Wrong username or password",
    ),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.throttled",
        "失败次数过多，请稍后再试",
        "Too many failed attempts; try again shortly",
    ),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "Username"),
    ("nav.anomalies", "异常线索", "Anomalies"),
    ("nav.approvals", "待复核", "Approvals"),
    ("nav.audit", "审计", "Audit"),
    ("nav.contracts", "合同查询", "Contracts"),
    ("nav.dashboard", "统计分析", "Statistics"),
    ("nav.import", "批量导入", "Import"),
    ("nav.leader_dashboard", "领导看板", "Leadership dashboard"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.main", "主菜单", "Main menu"),
    ("nav.menu", "菜单", "Menu"),
    ("nav.new_contract", "登记技术合同", "Register a contract"),
    ("nav.users", "用户管理", "Users"),
    ("role.admin", "管理员", "Administrator"),
    ("role.auditor", "审计员", "Auditor"),
    ("role.official", "领导", "Official"),
    ("role.registrar", "登记员", "Registrar"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_sorted_and_unique() {
        let mut all = std::collections::HashSet::new();
        for table in TABLES {
            for pair in table.windows(2) {
                assert!(
                    pair[0].0 < pair[1].0,
                    "{} must come before {}",
                    pair[0].0,
                    pair[1].0
                );
            }
            for (k, _, _) in table.iter() {
                assert!(all.insert(*k), "{k} is defined twice");
            }
        }
    }

    #[test]
    fn every_key_used_in_templates_and_scripts_is_translated() {
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/static"),
        ];
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (i, _) in text.match_indices("t.s(\"") {
                    let rest = &text[i + 5..];
                    let key = &rest[..rest.find('"').unwrap()];
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
