//! Signing audit entries on another core while the writer inserts the rest of a transaction.
//!
//! An Ed25519 signature costs ~16 µs here, as much as inserting a contract's three rows. On
//! SQLite nothing references the audit entries, so they can go in last, and their signatures
//! can be made meanwhile by one long-lived thread of the process (starting a thread per
//! transaction would cost more than the signature). Any caller may hand it work; it signs one
//! batch after another.

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, Sender};

use super::chain::{self, AuditError, AuditRow, UnsignedEntry};
use super::keys::{KeyError, KeyPair};

type Signed = Result<Vec<AuditRow>, AuditError>;

struct Job {
    entries: Vec<UnsignedEntry>,
    signers: Vec<KeyPair>,
    reply: Sender<Signed>,
}

/// Entries being signed.
#[must_use = "the signed entries are only had by finishing"]
pub struct Signing(State);

enum State {
    Done(Signed),
    Elsewhere(Receiver<Signed>),
}

/// Starts signing `entries` (each with the signer its kid names) on the signing thread; on
/// this thread when that thread cannot be had.
pub fn begin(entries: Vec<UnsignedEntry>, signers: &[KeyPair]) -> Signing {
    if entries.is_empty() {
        return Signing(State::Done(Ok(Vec::new())));
    }
    let Some(thread) = signing_thread() else {
        return Signing(State::Done(chain::sign_all(entries, signers, 1)));
    };
    let (reply, answer) = mpsc::channel();
    let job = Job {
        entries,
        signers: signers.to_vec(),
        reply,
    };
    match thread.send(job) {
        Ok(()) => Signing(State::Elsewhere(answer)),
        // The thread is gone: the job comes back with the error.
        Err(mpsc::SendError(job)) => {
            tracing::warn!("the signing thread is gone; signing on this thread");
            Signing(State::Done(chain::sign_all(job.entries, &job.signers, 1)))
        }
    }
}

impl Signing {
    /// The signed entries, in the order given; waits for them.
    pub fn finish(self) -> Signed {
        match self.0 {
            State::Done(signed) => signed,
            State::Elsewhere(answer) => answer.recv().unwrap_or_else(|_| {
                Err(KeyError::Sign("signing failed on the signing thread".into()).into())
            }),
        }
    }
}

/// The process's signing thread, started on first use.
fn signing_thread() -> Option<&'static Sender<Job>> {
    static THREAD: OnceLock<Option<Sender<Job>>> = OnceLock::new();
    THREAD
        .get_or_init(|| {
            let (sender, jobs) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("techledger-signer".into())
                .spawn(move || {
                    for job in jobs {
                        // A panic fails this batch (its sender sees the reply dropped), not
                        // the thread.
                        let signed = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            chain::sign_all(job.entries, &job.signers, 1)
                        }));
                        if let Ok(signed) = signed {
                            let _ = job.reply.send(signed);
                        }
                    }
                })
                .inspect_err(|e| tracing::warn!(error = %e, "no signing thread; signing inline"))
                .ok()
                .map(|_| sender)
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::{ChainHead, EntryDraft, seal};
    use crate::audit::entry::{EntityRef, GENESIS_HASH};

    fn genesis() -> ChainHead {
        ChainHead {
            seq: 0,
            hash: GENESIS_HASH.into(),
        }
    }

    fn party(id: &str) -> EntityRef {
        EntityRef {
            kind: "party".into(),
            id: id.into(),
        }
    }

    #[test]
    fn entries_signed_elsewhere_come_back_in_order_and_verify() {
        let key = KeyPair::generate();
        let mut head = genesis();
        let mut unsigned = Vec::new();
        for i in 0..5 {
            let draft = EntryDraft {
                at: chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
                    .and_then(|d| d.and_hms_opt(9, 0, i))
                    .expect("a time"),
                actor: None,
                action: "party.create",
                entity: party(&format!("p{i}")),
                payload: serde_json::json!({ "n": i }),
            };
            let entry = seal(&mut head, &key, draft).expect("sealed");
            unsigned.push(entry);
        }
        let expected: Vec<String> = unsigned
            .iter()
            .map(|e| e.clone().sign(&key).expect("signed").signature)
            .collect();
        let signed = begin(unsigned, std::slice::from_ref(&key))
            .finish()
            .expect("signed elsewhere");
        let seqs: Vec<i64> = signed.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        let signatures: Vec<String> = signed.into_iter().map(|r| r.signature).collect();
        assert_eq!(signatures, expected);
    }

    #[test]
    fn an_entry_whose_key_is_not_given_fails_without_losing_the_thread() {
        let key = KeyPair::generate();
        let other = KeyPair::generate();
        let mut head = genesis();
        let draft = EntryDraft {
            at: chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .expect("a time"),
            actor: None,
            action: "party.create",
            entity: party("p"),
            payload: serde_json::json!({}),
        };
        let entry = seal(&mut head, &key, draft).expect("sealed");
        let again = entry.clone();
        assert!(
            begin(vec![entry], std::slice::from_ref(&other))
                .finish()
                .is_err()
        );
        assert!(
            begin(vec![again], std::slice::from_ref(&key))
                .finish()
                .is_ok()
        );
    }
}
