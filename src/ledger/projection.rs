//! From contract states to the totals: which amounts a state contributes, the signed amount
//! entries a change makes, and what those add to the rollups. The derivations are pure and
//! public (the audit reconciliation replays them); applying them is private to the ledger.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::models::contracts::ContractVersionRow;
use crate::db::models::parties::PartyVersionRow;
use crate::db::models::rollups::AmountEntryRow;
use crate::records::{ContractState, PartyState};

/// The dimensions the rollups are kept along (`total` has the single key `""`).
pub const DIMENSIONS: [&str; 8] = [
    "total",
    "office",
    "contract_type",
    "tech_field",
    "ip_type",
    "seller_kind",
    "flow",
    "review",
];

/// What a counted contract adds to the totals, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Contribution {
    year: i32,
    month: i32,
    office: String,
    contract_type: String,
    tech_field: String,
    ip_type: String,
    seller_kind: String,
    flow: String,
    review: String,
    introduced: bool,
    seller_id: String,
    buyer_id: String,
    contract_fen: i64,
    technical_fen: i64,
}

impl Contribution {
    fn of(state: &ContractState) -> Option<Contribution> {
        if !state.counts() {
            return None;
        }
        let (year, month) = state.period()?;
        Some(Contribution {
            year,
            month: month as i32,
            office: state.office.code().to_string(),
            contract_type: state.contract_type.code().to_string(),
            tech_field: state.tech_field.code().to_string(),
            ip_type: state.ip_type.code().to_string(),
            seller_kind: state.seller_kind.code().to_string(),
            flow: state.flow.code().to_string(),
            review: state.review.code().to_string(),
            introduced: state.introduced,
            seller_id: state.seller_id.clone(),
            buyer_id: state.buyer_id.clone(),
            contract_fen: state.contract_amount.fen(),
            technical_fen: state.technical_amount.fen(),
        })
    }

    fn same_place(&self, other: &Contribution) -> bool {
        let strip = |c: &Contribution| Contribution {
            contract_fen: 0,
            technical_fen: 0,
            ..c.clone()
        };
        strip(self) == strip(other)
    }

    fn line(
        &self,
        seq: i64,
        line: i32,
        contract_id: &str,
        at: NaiveDateTime,
        sign: i64,
        count: i32,
    ) -> AmountEntryRow {
        AmountEntryRow {
            audit_seq: seq,
            line,
            contract_id: contract_id.to_string(),
            recorded_at: at,
            recorded_on: crate::time::shanghai_date(at),
            year: self.year,
            month: self.month,
            office: self.office.clone(),
            contract_type: self.contract_type.clone(),
            tech_field: self.tech_field.clone(),
            ip_type: self.ip_type.clone(),
            seller_kind: self.seller_kind.clone(),
            flow: self.flow.clone(),
            review: self.review.clone(),
            introduced: self.introduced,
            seller_id: self.seller_id.clone(),
            buyer_id: self.buyer_id.clone(),
            contract_fen: sign * self.contract_fen,
            technical_fen: sign * self.technical_fen,
            contracts: count,
        }
    }
}

/// The amount entries a change from `before` to `after` makes: none when nothing counted
/// changes; one delta line when a counted contract's amounts change in place; otherwise a
/// line taking the old contribution out and one putting the new one in (a review moving a
/// contract from unreviewed to disputed is such a move, along the review dimension).
pub fn amount_lines(
    before: Option<&ContractState>,
    after: &ContractState,
    seq: i64,
    at: NaiveDateTime,
) -> Vec<AmountEntryRow> {
    let old = before.and_then(Contribution::of);
    let new = Contribution::of(after);
    let id = after.id.as_str();
    match (old, new) {
        (None, None) => vec![],
        (None, Some(n)) => vec![n.line(seq, 1, id, at, 1, 1)],
        (Some(o), None) => vec![o.line(seq, 1, id, at, -1, -1)],
        (Some(o), Some(n)) if o.same_place(&n) => {
            if o.contract_fen == n.contract_fen && o.technical_fen == n.technical_fen {
                vec![]
            } else {
                let mut line = n.line(seq, 1, id, at, 1, 0);
                line.contract_fen = n.contract_fen - o.contract_fen;
                line.technical_fen = n.technical_fen - o.technical_fen;
                vec![line]
            }
        }
        (Some(o), Some(n)) => vec![o.line(seq, 1, id, at, -1, -1), n.line(seq, 2, id, at, 1, 1)],
    }
}

/// Rollup key: (year, month, dimension, key).
pub type RollupKey = (i32, i32, &'static str, String);
/// Party rollup key: (year, side, party id).
pub type PartyKey = (i32, &'static str, String);
/// Deltas: (turnover fen, technical fen, contracts, introduced), summed in 128 bits: a sum of
/// deltas never wraps, and one that leaves the 64-bit range a rollup column holds is an error
/// where it is stored (the ledger refuses a change before that, see `headroom`).
pub type Delta = [i128; 4];

/// What `lines` add to each rollup and party rollup.
pub fn rollup_deltas(
    lines: &[AmountEntryRow],
) -> (BTreeMap<RollupKey, Delta>, BTreeMap<PartyKey, Delta>) {
    let mut rollup: BTreeMap<RollupKey, Delta> = BTreeMap::new();
    let mut party: BTreeMap<PartyKey, Delta> = BTreeMap::new();
    for l in lines {
        let introduced = if l.introduced {
            i128::from(l.contracts)
        } else {
            0
        };
        let delta = [
            i128::from(l.contract_fen),
            i128::from(l.technical_fen),
            i128::from(l.contracts),
            introduced,
        ];
        for dim in DIMENSIONS {
            let key = match dim {
                "total" => String::new(),
                "office" => l.office.clone(),
                "contract_type" => l.contract_type.clone(),
                "tech_field" => l.tech_field.clone(),
                "ip_type" => l.ip_type.clone(),
                "seller_kind" => l.seller_kind.clone(),
                "flow" => l.flow.clone(),
                _ => l.review.clone(),
            };
            add(
                rollup.entry((l.year, l.month, dim, key)).or_default(),
                &delta,
            );
        }
        add(
            party
                .entry((l.year, "seller", l.seller_id.clone()))
                .or_default(),
            &delta,
        );
        add(
            party
                .entry((l.year, "buyer", l.buyer_id.clone()))
                .or_default(),
            &delta,
        );
    }
    (rollup, party)
}

fn add(total: &mut Delta, delta: &Delta) {
    for (t, d) in total.iter_mut().zip(delta) {
        *t += d;
    }
}

/// Writes `lines` and adds them to the transaction's pending rollups, refusing them (before
/// anything is kept) when they would take a year's turnover past the largest total.
pub(super) fn apply(
    w: &mut super::tx::Writes<'_>,
    lines: &[AmountEntryRow],
) -> Result<(), super::LedgerError> {
    if lines.is_empty() {
        return Ok(());
    }
    super::headroom::check_lines(w, lines)?;
    w.pending.defer_amounts(lines);
    let (rollup, party) = rollup_deltas(lines);
    w.pending.add(rollup, party);
    Ok(())
}

/// The version row a party state is recorded as (also rebuilt by the reconciliation).
pub fn party_version_row(
    state: &PartyState,
    reason: Option<String>,
    actor_id: Option<String>,
) -> PartyVersionRow {
    PartyVersionRow {
        party_id: state.id.clone(),
        version: state.version,
        name: state.name.clone(),
        credit_code: state.credit_code.as_ref().map(|c| c.as_str().to_string()),
        kind: state.kind.code().to_string(),
        region: state.region.as_str().to_string(),
        nature_code: state.nature_code.clone(),
        country: state.country.as_ref().map(|c| c.as_str().to_string()),
        legal_representative: state.legal_representative.clone(),
        reason,
        actor_id,
        recorded_at: state.updated_at,
        audit_seq: state.audit_seq,
    }
}

/// The version row a contract change is recorded as (also rebuilt by the reconciliation).
pub fn contract_version_row(
    state: &ContractState,
    change: &str,
    reason: Option<String>,
    actor_id: String,
) -> ContractVersionRow {
    ContractVersionRow {
        contract_id: state.id.clone(),
        version: state.version,
        change: change.to_string(),
        status: state.status.code().to_string(),
        registration_no: state
            .registration_no
            .as_ref()
            .map(|n| n.as_str().to_string()),
        title: state.title.clone(),
        contract_type: state.contract_type.code().to_string(),
        subtype: state.subtype.clone(),
        seller_id: state.seller_id.clone(),
        buyer_id: state.buyer_id.clone(),
        signed_on: state.signed_on,
        valid_until: state.valid_until,
        contract_amount_fen: state.contract_amount.fen(),
        technical_amount_fen: state.technical_amount.fen(),
        tech_field: state.tech_field.code().to_string(),
        ip_type: state.ip_type.code().to_string(),
        reason,
        actor_id,
        recorded_at: state.updated_at,
        audit_seq: state.audit_seq,
        party_contract_no: state.party_contract_no.clone(),
        seller_contact_name: state.seller_contact.as_ref().map(|c| c.name.clone()),
        seller_contact_phone: state
            .seller_contact
            .as_ref()
            .map(|c| c.phone.as_str().to_string()),
        buyer_contact_name: state.buyer_contact.as_ref().map(|c| c.name.clone()),
        buyer_contact_phone: state
            .buyer_contact
            .as_ref()
            .map(|c| c.phone.as_str().to_string()),
        principal_fen: state.technical_split.map(|s| s.principal.fen()),
        related_services_fen: state.technical_split.map(|s| s.related_services.fen()),
    }
}
