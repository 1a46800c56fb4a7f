//! `import.commit`: a spreadsheet of contracts, one `contract.register` entry per accepted row
//! and one `import.commit` entry naming them all — all or nothing unless `partial`.

use std::thread::{Scope, ScopedJoinHandle};

use diesel::prelude::*;
use serde_json::json;

use super::pending::RowsToInsert;
use super::tx::Tx;
use super::{FieldError, ImportCommand, LedgerError, Outcome, RowReport, contracts};
use crate::db::DbConn;
use crate::db::schema::imports;
use crate::domain::Role;

/// Rows an import keeps in memory before inserting them.
const ROWS_IN_MEMORY: usize = 4000;

/// What the inserter thread hands back: the connection, the rows (only read there; freed back
/// on the thread that allocated them) and how the insert went.
type Inserted<'c> = (&'c mut DbConn, RowsToInsert, Result<(), LedgerError>);

/// Inserts an import's rows on another thread while the next ones are built and signed (on
/// SQLite the inserts were more than half of an import's time, and the second core was idle):
/// the transaction's connection is lent to it, and taken back when the next rows are ready or
/// a row needs the database itself. The rows go in in order, so the chain does too.
struct Inserter<'scope, 'c> {
    running: Option<ScopedJoinHandle<'scope, Inserted<'c>>>,
}

impl<'scope, 'c> Inserter<'scope, 'c> {
    fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Starts inserting the rows waiting.
    fn start<'env>(
        &mut self,
        scope: &'scope Scope<'scope, 'env>,
        tx: &mut Tx<'c>,
    ) -> Result<(), LedgerError>
    where
        'c: 'scope,
    {
        // Signed here while the rows before are still being inserted: the building thread
        // has time to spare, the inserting one has none.
        let mut rows = tx.take_rows_to_insert();
        rows.sign_here()?;
        self.finish(tx)?;
        let conn = tx.lend_conn().ok_or_else(|| {
            LedgerError::Storage("the import's connection is lent already".into())
        })?;
        self.running = Some(scope.spawn(move || {
            let inserted = rows.insert(conn);
            (conn, rows, inserted)
        }));
        Ok(())
    }

    /// Waits for the rows being inserted and takes the connection back.
    fn finish(&mut self, tx: &mut Tx<'c>) -> Result<(), LedgerError> {
        if let Some(running) = self.running.take() {
            let (conn, rows, inserted) = running.join().map_err(|_| {
                LedgerError::Storage("the import's inserter thread panicked".into())
            })?;
            tx.give_back_conn(conn);
            drop(rows);
            inserted?;
        }
        Ok(())
    }
}

pub(super) fn import(tx: &mut Tx<'_>, cmd: &ImportCommand) -> Result<Outcome, LedgerError> {
    let actor = tx.require(&[Role::Registrar], "import contracts", "导入合同")?;
    if cmd.rows_total == 0 {
        return Err(LedgerError::invalid(
            "file",
            "the file has no data rows",
            "文件中没有数据行",
        ));
    }
    // A file imported before is refused unless confirmed (its hash names it).
    let earlier: Option<(String, chrono::NaiveDateTime)> = imports::table
        .filter(imports::file_sha256.eq(&cmd.file_sha256))
        .select((imports::id, imports::recorded_at))
        .order(imports::recorded_at.asc())
        .first(tx.conn()?)
        .optional()?;
    if let Some((id, at)) = &earlier
        && !tx.confirm_duplicates
    {
        let at = crate::time::rfc3339(*at);
        return Err(LedgerError::conflict(
            "duplicate_file",
            format!(
                "this file (SHA-256 {}) was imported before, at {at} (import {id}): to import it again, send it with confirm_duplicate=true",
                cmd.file_sha256
            ),
            format!("该文件已于 {at} 导入过（导入编号 {id}）：如确需再次导入，请确认后重新提交"),
        ));
    }
    // Every row is checked against the live contracts signed on its date, read once.
    let mut dates: Vec<chrono::NaiveDate> = cmd.rows.iter().map(|r| r.contract.signed_on).collect();
    dates.sort_unstable();
    dates.dedup();
    tx.known_contracts = Some(super::duplicates::load(tx.conn()?, &dates)?);
    let mut rejected = cmd.rejected.clone();
    let mut accepted = Vec::with_capacity(cmd.rows.len());
    let mut warnings = Vec::new();
    std::thread::scope(|scope| -> Result<(), LedgerError> {
        let mut inserter = Inserter { running: None };
        for row in &cmd.rows {
            if let Some(progress) = &cmd.progress {
                progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            // Rows are registered without a savepoint each (that cost as much as the row
            // itself): a row is refused before anything of it is written, so a refusal leaves
            // no trace. A failure after writing began is not the row's fault, and fails the
            // whole import.
            let before = inserter.is_running().then(|| tx.snapshot());
            tx.wrote = false;
            let mut result = contracts::register_one(tx, &row.contract);
            if tx.conn_wanted
                && let Some(before) = before
            {
                // The row needs the database (a party not seen in this import yet): wait for
                // the inserter, take the connection back and run the row again.
                tx.restore(before);
                tx.warnings.clear();
                inserter.finish(tx)?;
                tx.wrote = false;
                result = contracts::register_one(tx, &row.contract);
            }
            let row_warnings = std::mem::take(&mut tx.warnings);
            match result {
                Ok(state) => {
                    accepted.push(state.id);
                    if !row_warnings.is_empty() {
                        warnings.push(RowReport {
                            row: row.row,
                            errors: row_warnings,
                        });
                    }
                    if tx.rows_waiting() >= ROWS_IN_MEMORY {
                        inserter.start(scope, tx)?;
                    }
                }
                Err(e) if tx.wrote => return Err(e),
                Err(LedgerError::Invalid(errors)) => rejected.push(RowReport {
                    row: row.row,
                    errors,
                }),
                Err(LedgerError::Conflict {
                    message,
                    message_zh,
                    ..
                })
                | Err(LedgerError::Forbidden {
                    message,
                    message_zh,
                }) => rejected.push(RowReport {
                    row: row.row,
                    errors: vec![FieldError::new("row", message, message_zh)],
                }),
                Err(LedgerError::NotFound { entity, id }) => rejected.push(RowReport {
                    row: row.row,
                    errors: vec![FieldError::new(
                        "row",
                        format!("{entity} {id} not found"),
                        "引用的记录不存在",
                    )],
                }),
                Err(other) => return Err(other),
            }
        }
        inserter.finish(tx)
    })?;
    rejected.sort_by_key(|r| r.row);
    if !rejected.is_empty() && !cmd.partial && !tx.dry_run {
        return Err(LedgerError::ImportRejected(rejected));
    }
    if accepted.is_empty() && !tx.dry_run {
        return Err(LedgerError::ImportRejected(rejected));
    }
    let actor_id = actor.id.clone();
    let now = tx.now;
    let dry_run = tx.dry_run;
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let import_id = uuid::Uuid::now_v7().to_string();
    let (_, stamp) = tx.change("import.commit", "import", |w, stamp| {
        diesel::insert_into(imports::table)
            .values((
                imports::id.eq(&import_id),
                imports::actor_id.eq(&actor_id),
                imports::file_name.eq(&cmd.file_name),
                imports::file_sha256.eq(&cmd.file_sha256),
                imports::rows_total.eq(cmd.rows_total as i32),
                imports::rows_accepted.eq(accepted.len() as i32),
                imports::rows_rejected.eq(rejected.len() as i32),
                imports::partial.eq(cmd.partial),
                imports::recorded_at.eq(now),
                imports::audit_seq.eq(stamp.seq),
            ))
            .execute(w.conn()?)?;
        // Bounded whatever the file's size: an entry of the transparency log holds at most
        // 64 KiB. Each accepted row has its own contract.register entry; this one names them
        // by the digest of their ids, in order.
        let payload = json!({
            "command": command,
            "accepted": accepted.len(),
            "rejected": rejected.len(),
            "contracts_sha256": crate::audit::entry::sha256_hex(accepted.join("\n").as_bytes()),
        });
        let mut payload = payload;
        if let Some((id, _)) = &earlier {
            payload["duplicate_of_import"] = json!(id);
        }
        Ok((import_id.clone(), payload, ()))
    })?;
    Ok(Outcome {
        audit_seq: stamp.seq,
        created: true,
        body: json!({
            "import_id": import_id,
            "dry_run": dry_run,
            "rows": cmd.rows_total,
            "accepted": accepted.len(),
            "rejected": rejected,
            "warnings": warnings,
            "contracts": accepted,
            "audit_seq": stamp.seq,
        }),
        replayed: false,
    })
}
