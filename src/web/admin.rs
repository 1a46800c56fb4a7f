//! Admin pages: users (用户管理). Every change goes through the users API, which audits it.

use askama::Template;
use rocket::{Route, get, routes};

use super::Page;
use super::i18n::{Entry, Lang};
use super::layout::{Layout, PageCtx};
use super::registrar::{Opt, offices, page_strings};
use crate::auth::Admin;
use crate::domain::Role;

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![users]
}

/// The users page.
#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    layout: Layout,
    i18n: String,
    roles: Vec<Opt>,
    offices: Vec<Opt>,
    me: String,
}

fn roles(lang: Lang) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt {
            code: r.code(),
            label: match lang {
                Lang::Zh => r.label_zh(),
                Lang::En => r.label_en(),
            },
            parent: "",
            selected: *r == Role::Registrar,
        })
        .collect()
}

/// `/admin/users`: lists, creates and changes users (admins).
#[get("/admin/users")]
pub fn users(ctx: PageCtx, user: Admin) -> Page<UsersPage> {
    let layout = Layout::new(&ctx, Some(&user), "adm.users.title");
    let lang = layout.t.lang();
    Page::ok(UsersPage {
        i18n: page_strings(layout.t, &["common.", "form.", "http.", "adm.", "role."]),
        roles: roles(lang),
        offices: offices(lang, None),
        me: user.actor.id.clone(),
        layout,
    })
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[
    (
        "adm.create.done",
        "已创建用户 {user}",
        "Created user {user}",
    ),
    ("adm.create.submit", "创建用户", "Create the user"),
    ("adm.create.title", "新建用户", "New user"),
    ("adm.edit.done", "已更新用户 {user}", "Updated user {user}"),
    ("adm.edit.nothing", "没有需要保存的修改", "Nothing to save"),
    (
        "adm.edit.revokes",
        "修改角色或登记点后，该用户须重新登录",
        "Changing the role or office signs the user out everywhere",
    ),
    ("adm.edit.save", "保存", "Save"),
    (
        "adm.edit.title",
        "角色、登记点和姓名",
        "Role, office and name",
    ),
    ("adm.field.active", "状态", "Status"),
    (
        "adm.field.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    (
        "adm.field.credit_code_hint",
        "仅申请人填写：其所代表的单位",
        "Applicants only: the party they submit for",
    ),
    ("adm.field.display_name", "姓名", "Name"),
    ("adm.field.office", "登记点", "Office"),
    (
        "adm.field.office_hint",
        "登记员和申请人必须指定登记点",
        "Required for registrars and applicants",
    ),
    ("adm.field.password", "初始密码", "Password"),
    (
        "adm.field.password_hint",
        "至少10个字符，且不能包含用户名",
        "At least 10 characters, not containing the username",
    ),
    ("adm.field.role", "角色", "Role"),
    ("adm.field.updated_at", "最近修改", "Last changed"),
    ("adm.field.username", "用户名", "Username"),
    (
        "adm.field.username_hint",
        "3–64个字母、数字或 . _ -",
        "3–64 letters, digits, . _ or -",
    ),
    (
        "adm.password.done",
        "已重置 {user} 的密码，其原有登录已失效",
        "Reset the password of {user}; their sessions ended",
    ),
    ("adm.password.new", "新密码", "New password"),
    ("adm.password.submit", "重置密码", "Reset the password"),
    ("adm.password.title", "重置密码", "Reset the password"),
    ("adm.users.actions", "操作", "Actions"),
    ("adm.users.active", "启用", "Active"),
    ("adm.users.audit_seq", "审计序号 {seq}", "audit seq {seq}"),
    (
        "adm.users.confirm_deactivate",
        "确认停用用户 {user}？停用后其登录立即失效，不能再登录，直到管理员重新启用。",
        "Deactivate {user}? Their sessions end at once and they cannot sign in until an administrator reactivates them.",
    ),
    ("adm.users.deactivate", "停用", "Deactivate"),
    (
        "adm.users.deactivated",
        "已停用 {user}，其登录立即失效",
        "Deactivated {user}: their sessions ended at once",
    ),
    ("adm.users.edit", "修改", "Edit"),
    ("adm.users.inactive", "已停用", "Inactive"),
    (
        "adm.users.intro",
        "每项修改都通过接口完成并记入审计链",
        "Every change goes through the API and is recorded in the audit chain",
    ),
    ("adm.users.reactivate", "启用", "Reactivate"),
    (
        "adm.users.reactivated",
        "已重新启用 {user}",
        "Reactivated {user}",
    ),
    ("adm.users.title", "用户管理", "Users"),
    ("adm.users.you", "本人", "You"),
];
