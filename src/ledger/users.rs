//! `user.create`, `user.update`.

use diesel::prelude::*;
use serde_json::json;

use super::tx::Tx;
use super::{FieldError, LedgerError, NewUser, Outcome, Principal, UserUpdate};
use crate::db::models::users as user_rows;
use crate::db::schema::users;
use crate::domain::Role;
use crate::records::{PASSWORD_DIGEST_KEY, UserState, password_hash_digest};

/// The rules on a user's own fields (username, display name) and on the office and party its
/// role needs. The API runs them before hashing a password, so that a form hears of every bad
/// field at once; the ledger runs them again in the transaction.
pub fn check_fields(
    username: Option<&str>,
    display_name: Option<&str>,
    role: Role,
    has_office: bool,
    has_credit_code: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(u) = username {
        let ok_chars = u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if u.len() < 3 || u.len() > 64 || !ok_chars {
            errors.push(FieldError::new(
                "username",
                "3–64 characters: letters, digits, '.', '_' or '-'",
                "用户名为3至64个字符，只能包含字母、数字、点、下划线或连字符",
            ));
        }
    }
    if let Some(d) = display_name
        && (d.trim().is_empty() || d.chars().count() > 100)
    {
        errors.push(FieldError::new(
            "display_name",
            "1–100 characters",
            "显示名称为1至100个字符",
        ));
    }
    if let Some(d) = display_name {
        super::text::check_line("display_name", d, &mut errors);
    }
    if role == Role::Registrar && !has_office {
        errors.push(FieldError::new(
            "office",
            "a registrar needs an office",
            "登记员必须指定登记点",
        ));
    }
    if role == Role::Applicant && !has_office {
        errors.push(FieldError::new(
            "office",
            "an applicant needs the registration office that activates them",
            "申请人必须选择受理的登记点",
        ));
    }
    match (role == Role::Applicant, has_credit_code) {
        (true, false) => errors.push(FieldError::new(
            "credit_code",
            "an applicant is bound to the party it submits for: give its unified social credit code",
            "申请人须绑定所代表的单位：请填写统一社会信用代码",
        )),
        (false, true) => errors.push(FieldError::new(
            "credit_code",
            "only applicants are bound to a party",
            "只有申请人绑定统一社会信用代码",
        )),
        _ => {}
    }
    errors
}

fn may_manage_users(tx: &Tx<'_>) -> Result<(), LedgerError> {
    match tx.principal {
        Principal::System => Ok(()),
        Principal::Public | Principal::User(_) => tx
            .require(&[Role::Admin], "manage users", "管理用户")
            .map(|_| ()),
    }
}

/// Who may create `cmd`: the system and admins anyone; a registrar an applicant of their own
/// office (an applicant who came to the counter); nobody else.
fn may_create(tx: &Tx<'_>, cmd: &NewUser) -> Result<(), LedgerError> {
    if let Principal::User(actor) = tx.principal
        && actor.role == Role::Registrar
    {
        if cmd.role != Role::Applicant {
            return Err(LedgerError::forbidden(
                "registrars create applicants only",
                "登记员只能创建申请人",
            ));
        }
        if cmd.office.is_some() && cmd.office != actor.office {
            return Err(LedgerError::forbidden(
                "registrars create applicants of their own office only",
                "登记员只能为本登记点创建申请人",
            ));
        }
        return Ok(());
    }
    may_manage_users(tx)
}

pub(super) fn create(tx: &mut Tx<'_>, cmd: &NewUser) -> Result<Outcome, LedgerError> {
    may_create(tx, cmd)?;
    insert(tx, cmd, "user.create", true)
}

/// `user.sign_up`: an applicant who signed up on the public page, created inactive until a
/// registrar of the office they chose activates them. Only applicants sign up.
pub(super) fn sign_up(tx: &mut Tx<'_>, cmd: &NewUser) -> Result<Outcome, LedgerError> {
    if !matches!(tx.principal, Principal::Public | Principal::System) {
        return Err(LedgerError::forbidden(
            "signing up is for people who are not signed in",
            "已登录的用户不能注册",
        ));
    }
    if cmd.role != Role::Applicant {
        return Err(LedgerError::forbidden(
            "only applicants sign up",
            "只能注册为申请人",
        ));
    }
    insert(tx, cmd, "user.sign_up", false)
}

fn insert(
    tx: &mut Tx<'_>,
    cmd: &NewUser,
    action: &'static str,
    active: bool,
) -> Result<Outcome, LedgerError> {
    let errors = check_fields(
        Some(&cmd.username),
        Some(&cmd.display_name),
        cmd.role,
        cmd.office.is_some(),
        cmd.credit_code.is_some(),
    );
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    if user_rows::by_username(tx.conn()?, &cmd.username)?.is_some() {
        return Err(LedgerError::conflict(
            "username_taken",
            format!("username {:?} is taken", cmd.username),
            "用户名已存在",
        ));
    }
    let now = tx.now;
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, stamp) = tx.change(action, "user", |w, stamp| {
        let state = UserState {
            id: uuid::Uuid::now_v7().to_string(),
            username: cmd.username.clone(),
            display_name: cmd.display_name.trim().to_string(),
            role: cmd.role,
            office: cmd.office,
            credit_code: cmd.credit_code.clone(),
            active,
            token_generation: 1,
            created_at: now,
            updated_at: now,
            audit_seq: stamp.seq,
        };
        diesel::insert_into(users::table)
            .values(state.to_row(cmd.password_hash.clone()))
            .execute(w.conn()?)?;
        let payload = json!({
            "command": command,
            "state": state,
            PASSWORD_DIGEST_KEY: password_hash_digest(&cmd.password_hash),
        });
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, true, &state)
}

/// Admins change any user; a user changes their own password and ends their own sessions.
fn may_update(tx: &Tx<'_>, cmd: &UserUpdate) -> Result<(), LedgerError> {
    match tx.principal {
        Principal::User(actor) if actor.id == cmd.id && cmd.is_own_credentials_only() => Ok(()),
        _ => may_manage_users(tx),
    }
}

pub(super) fn update(tx: &mut Tx<'_>, cmd: &UserUpdate) -> Result<Outcome, LedgerError> {
    may_update(tx, cmd)?;
    let row = user_rows::by_id(tx.conn()?, &cmd.id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "user",
        id: cmd.id.clone(),
    })?;
    let current = UserState::from_row(&row)?;
    let role = cmd.role.unwrap_or(current.role);
    let office = cmd.office.unwrap_or(current.office);
    let active = cmd.active.unwrap_or(current.active);
    let mut errors = check_fields(
        None,
        cmd.display_name.as_deref(),
        role,
        office.is_some(),
        current.credit_code.is_some(),
    );
    if !matches!(role, Role::Registrar | Role::Applicant) && matches!(cmd.office, Some(Some(_))) {
        // Offices matter only for registrars and applicants; an office kept from an earlier
        // registrar role is harmless, but giving anyone else a new one is almost certainly a
        // mistake.
        errors.push(FieldError::new(
            "office",
            "only registrars and applicants have an office",
            "只有登记员和申请人需要登记点",
        ));
    }
    if (role == Role::Applicant) != (current.role == Role::Applicant) {
        // An applicant is bound to a party; nobody becomes one, or stops being one, by a
        // change of role: that is another user.
        errors.retain(|e| e.field != "credit_code");
        errors.push(FieldError::new(
            "role",
            "an applicant stays an applicant, and nobody else becomes one: create another user",
            "申请人不能改为其他角色，其他用户也不能改为申请人；请另建用户",
        ));
    }
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    let loses_admin =
        current.role == Role::Admin && current.active && (role != Role::Admin || !active);
    if loses_admin && user_rows::active_admins(tx.conn()?)? <= 1 {
        return Err(LedgerError::conflict(
            "last_admin",
            "the last active admin cannot be demoted or deactivated",
            "不能停用或降级最后一位管理员",
        ));
    }
    // Any change of who the user is or may be revokes every token they hold.
    let revokes = role != current.role
        || office != current.office
        || active != current.active
        || cmd.password_hash.is_some()
        || cmd.revoke_tokens;
    let next = UserState {
        display_name: cmd
            .display_name
            .clone()
            .unwrap_or(current.display_name.clone()),
        role,
        office,
        active,
        token_generation: current.token_generation + i64::from(revokes),
        updated_at: tx.now,
        ..current.clone()
    };
    if next == current {
        return Err(LedgerError::invalid(
            "body",
            "nothing to change",
            "没有需要修改的内容",
        ));
    }
    let password_hash = cmd.password_hash.clone().unwrap_or(row.password_hash);
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, stamp) = tx.change("user.update", "user", |w, stamp| {
        let state = UserState {
            audit_seq: stamp.seq,
            ..next
        };
        let digest = password_hash_digest(&password_hash);
        diesel::update(users::table.find(&state.id))
            .set(state.to_row(password_hash))
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state, PASSWORD_DIGEST_KEY: digest});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, false, &state)
}

/// `user.activate`: a registrar of the applicant's office lets a signed-up applicant in.
pub(super) fn activate(tx: &mut Tx<'_>, id: &str) -> Result<Outcome, LedgerError> {
    let actor = tx.require(&[Role::Registrar], "activate applicants", "激活申请人")?;
    let row = user_rows::by_id(tx.conn()?, id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "user",
        id: id.to_string(),
    })?;
    let current = UserState::from_row(&row)?;
    if current.role != Role::Applicant {
        // Registrars see applicants only: anyone else is not theirs to find.
        return Err(LedgerError::NotFound {
            entity: "applicant",
            id: id.to_string(),
        });
    }
    if current.office != actor.office {
        return Err(LedgerError::forbidden(
            "the applicant registered with another office",
            "该申请人属于其他登记点",
        ));
    }
    if current.active {
        return Err(LedgerError::conflict(
            "already_active",
            "the applicant is already active",
            "该申请人已激活",
        ));
    }
    let next = UserState {
        active: true,
        token_generation: current.token_generation + 1,
        updated_at: tx.now,
        ..current
    };
    let command = serde_json::json!({"command": "activate_applicant", "id": id});
    let (state, stamp) = tx.change("user.activate", "user", |w, stamp| {
        let state = UserState {
            audit_seq: stamp.seq,
            ..next
        };
        let digest = password_hash_digest(&row.password_hash);
        diesel::update(users::table.find(&state.id))
            .set(state.to_row(row.password_hash))
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state, PASSWORD_DIGEST_KEY: digest});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, false, &state)
}

fn outcome(seq: i64, created: bool, state: &UserState) -> Result<Outcome, LedgerError> {
    Ok(Outcome {
        audit_seq: seq,
        created,
        body: serde_json::to_value(state).map_err(|e| LedgerError::Storage(e.to_string()))?,
        replayed: false,
    })
}
