//! The account page (账户): one's own password and "sign out everywhere". The page's script
//! calls `POST /api/v1/me/password` and `POST /api/v1/auth/logout-everywhere`; both end every
//! session of the user, so it then goes to the login page.

use askama::Template;
use rocket::{Route, get, routes};

use super::Page;
use super::i18n::Entry;
use super::layout::{Layout, PageCtx};
use super::registrar::page_strings;
use crate::auth::AuthUser;

/// The routes of this page.
pub fn routes() -> Vec<Route> {
    routes![account]
}

/// The account page.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    i18n: String,
    username: String,
}

/// `/account`: every signed-in user.
#[get("/account")]
pub fn account(ctx: PageCtx, user: AuthUser) -> Page<AccountPage> {
    let layout = Layout::new(&ctx, Some(&user), "acct.title");
    Page::ok(AccountPage {
        i18n: page_strings(layout.t, &["common.", "form.", "http.", "acct."]),
        username: user.actor.username.clone(),
        layout,
    })
}

/// Translations of this page, sorted by key.
pub static STRINGS: &[Entry] = &[
    (
        "acct.everywhere.intro",
        "在所有电脑和浏览器上退出登录（包括本页），此前签发的登录凭证立即失效",
        "Sign out on every computer and browser (this one too): every token issued so far stops working at once",
    ),
    (
        "acct.everywhere.submit",
        "退出所有设备",
        "Sign out everywhere",
    ),
    (
        "acct.everywhere.title",
        "退出所有设备",
        "Sign out everywhere",
    ),
    (
        "acct.password.confirm",
        "再次输入新密码",
        "New password again",
    ),
    ("acct.password.current", "当前密码", "Current password"),
    (
        "acct.password.done",
        "密码已修改，请用新密码重新登录",
        "Password changed; sign in again with the new one",
    ),
    (
        "acct.password.hint",
        "至少10个字符，且不能包含用户名；修改后所有设备上的登录都将失效",
        "At least 10 characters, not containing the username; every session ends after the change",
    ),
    (
        "acct.password.mismatch",
        "两次输入的新密码不一致",
        "The two new passwords differ",
    ),
    ("acct.password.new", "新密码", "New password"),
    ("acct.password.submit", "修改密码", "Change the password"),
    ("acct.password.title", "修改密码", "Change your password"),
    ("acct.title", "我的账户", "My account"),
];
