//! What history views share: who (by id, username and name) and field-by-field differences.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::db::models::users::UserRow;

/// A user as history shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    /// User id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
}

/// One changed field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Field name.
    pub field: String,
    /// Value before (null for a new record): any JSON value.
    #[schema(value_type = Value)]
    pub from: Value,
    /// Value after: any JSON value.
    #[schema(value_type = Value)]
    pub to: Value,
}

/// Users by id.
pub fn actor_names(users: &[UserRow]) -> HashMap<String, ActorView> {
    users
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                ActorView {
                    id: u.id.clone(),
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                },
            )
        })
        .collect()
}

/// The user `id` (or a placeholder naming the id).
pub fn actor(names: &HashMap<String, ActorView>, id: &str) -> ActorView {
    names.get(id).cloned().unwrap_or_else(|| ActorView {
        id: id.to_string(),
        username: String::new(),
        display_name: String::new(),
    })
}

/// Fields of `after` that differ from `before` (all of them when there is no before), in
/// the order of `after`'s keys.
pub fn diff(before: Option<&Value>, after: &Value) -> Vec<Change> {
    let Some(after) = after.as_object() else {
        return vec![];
    };
    after
        .iter()
        .filter_map(|(k, v)| {
            let old = before
                .and_then(|b| b.get(k))
                .cloned()
                .unwrap_or(Value::Null);
            (before.is_none() || old != *v).then(|| Change {
                field: k.clone(),
                from: old,
                to: v.clone(),
            })
        })
        .filter(|c| !(c.from.is_null() && c.to.is_null()))
        .collect()
}
