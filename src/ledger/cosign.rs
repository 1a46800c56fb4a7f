//! `log.cosign`: a witness's cosignature of a stored checkpoint (C2SP tlog-cosignature v1) is
//! kept and served with the checkpoint. Whoever sends it needs no account: the signature is
//! the credential, and only keys in `audit.witnesses` are accepted. A stored cosignature is a
//! change like any other — one signed audit entry — so the entry lands in the log after the
//! checkpoint it cosigns (the log grows by one per cosignature; see the README's witness
//! section).

use diesel::prelude::*;
use serde_json::json;

use super::tx::Tx;
use super::{LedgerError, Outcome, Principal};
use crate::audit::checkpoint;
use crate::audit::note::{Note, SignatureLine};
use crate::db::schema::tlog_cosignatures;

/// A witness's cosignature of the stored checkpoint of `tree_size` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The checkpoint's tree size.
    pub tree_size: i64,
    /// The signature line (`— <witness> base64(key ID ‖ time ‖ signature)`).
    pub line: SignatureLine,
}

impl serde::Serialize for Cosignature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Cosignature", 2)?;
        st.serialize_field("tree_size", &self.tree_size)?;
        st.serialize_field("cosignature", &self.line.encode())?;
        st.end()
    }
}

#[derive(Insertable)]
#[diesel(table_name = tlog_cosignatures)]
struct CosignatureRow {
    tree_size: i64,
    witness: String,
    signature_line: String,
    signed_at: i64,
    received_at: chrono::NaiveDateTime,
    audit_seq: i64,
}

/// Stores a cosignature that holds, by a configured witness, of a stored checkpoint; the
/// first cosignature of a checkpoint by a witness stands (a second one is answered with it
/// and writes nothing).
pub(super) fn cosign(tx: &mut Tx<'_>, cmd: &Cosignature) -> Result<Outcome, LedgerError> {
    if matches!(tx.principal, Principal::User(_)) {
        // Not a role's business: only the witness's key vouches for a cosignature.
        return Err(LedgerError::forbidden(
            "cosignatures are sent by witnesses, not by signed-in users",
            "共同签名由见证方提交，无需登录",
        ));
    }
    let witness = tx
        .settings
        .witnesses
        .iter()
        .find(|w| cmd.line.is_by(w))
        .cloned()
        .ok_or_else(|| {
            LedgerError::forbidden(
                format!(
                    "{:?} (key ID {}) is not a witness this log accepts (audit.witnesses)",
                    cmd.line.name,
                    crate::audit::entry::to_hex(&cmd.line.id)
                ),
                "该见证方密钥不在本日志接受的见证方之列（audit.witnesses）",
            )
        })?;
    let stored = checkpoint::by_size(tx.conn()?, cmd.tree_size)?
        .and_then(|c| c.note)
        .ok_or_else(|| {
            LedgerError::invalid(
                "tree_size",
                format!(
                    "the log has no signed checkpoint of {} entries (cosign one GET /log/checkpoint served)",
                    cmd.tree_size
                ),
                format!("日志中没有大小为{}的已签名检查点", cmd.tree_size),
            )
        })?;
    let text = Note::parse(&stored)
        .map_err(|e| LedgerError::Storage(format!("the stored checkpoint: {e}")))?
        .text;
    let probe = Note {
        text,
        signatures: vec![cmd.line.clone()],
    };
    let Some(signed_at) = probe.cosigned_by(&witness) else {
        return Err(LedgerError::invalid(
            "cosignature",
            format!(
                "not a valid cosignature/v1 by {} of the checkpoint of {} entries",
                witness.name, cmd.tree_size
            ),
            format!(
                "不是{}对大小为{}的检查点的有效共同签名",
                witness.name, cmd.tree_size
            ),
        ));
    };
    let signed_at = i64::try_from(signed_at).map_err(|_| {
        LedgerError::invalid(
            "cosignature",
            "the cosignature's time is out of range",
            "共同签名的时间超出范围",
        )
    })?;
    let existing: Option<(String, i64)> = tlog_cosignatures::table
        .find((cmd.tree_size, &witness.name))
        .select((
            tlog_cosignatures::signature_line,
            tlog_cosignatures::audit_seq,
        ))
        .first(tx.conn()?)
        .optional()?;
    if let Some((line, seq)) = existing {
        return Ok(Outcome {
            audit_seq: seq,
            created: false,
            body: answer(cmd.tree_size, &witness.name, &line, seq),
            replayed: true,
        });
    }
    let now = tx.now;
    let line = cmd.line.encode();
    let name = witness.name.clone();
    let vkey = witness.encode();
    let (_, stamp) = tx.change("log.cosign", "checkpoint", |w, stamp| {
        diesel::insert_into(tlog_cosignatures::table)
            .values(CosignatureRow {
                tree_size: cmd.tree_size,
                witness: name.clone(),
                signature_line: line.clone(),
                signed_at,
                received_at: now,
                audit_seq: stamp.seq,
            })
            .execute(w.conn()?)?;
        let payload = json!({
            "tree_size": cmd.tree_size,
            "witness": name,
            "vkey": vkey,
            "signature_line": line,
            "signed_at": signed_at,
        });
        Ok((cmd.tree_size.to_string(), payload, ()))
    })?;
    Ok(Outcome {
        audit_seq: stamp.seq,
        created: true,
        body: answer(cmd.tree_size, &witness.name, &cmd.line.encode(), stamp.seq),
        replayed: false,
    })
}

fn answer(tree_size: i64, witness: &str, line: &str, seq: i64) -> serde_json::Value {
    json!({
        "tree_size": tree_size,
        "witness": witness,
        "cosignature": line,
        "audit_seq": seq,
    })
}
