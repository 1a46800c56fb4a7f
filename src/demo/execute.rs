//! Running the plan through the ledger's one write path: the demo users, then the parties,
//! the contracts and what happens to them afterwards, each as an ordinary `Request`.
//!
//! Requests go out from one thread in plan order, many at a time: each is sent to the writer
//! as soon as it is made and its answer collected later (a window of requests in flight), so
//! the writer's group commit fills whole transactions while the writer still executes the
//! commands in exactly the plan's order — registration numbers and the audit chain come out
//! the same for the same seed.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::progress::Progress;
use chrono::{Duration, NaiveDateTime};

use super::DemoError;
use super::parties::PlannedParty;
use super::plan::{Approval, Change, Planned, Review};
use crate::app::Services;
use crate::db::DbError;
use crate::db::models::{parties as party_rows, users as user_rows};
use crate::domain::{CountryCode, Money, OfficeCode, ReviewState, Role};
use crate::ledger::{
    Actor, Command, ContractAmendment, Ledger, LedgerError, NewContract, NewParty, NewUser,
    Outcome, PartyRef, Principal, Request,
};

/// The demo's users.
pub(super) struct Users {
    /// Two registrars per office: `demo-<office>-a` and `-b`.
    pub registrars: HashMap<OfficeCode, [Actor; 2]>,
    /// `demo-auditor`.
    pub auditor: Actor,
    /// Users created by this run.
    pub created: u64,
    /// Users that already existed and were reused.
    pub reused: u64,
    /// The generated password, when this run generated one and created users with it.
    pub generated_password: Option<String>,
}

impl Users {
    /// The office's first (`second == false`) or second registrar.
    pub fn registrar(&self, office: OfficeCode, second: bool) -> Result<Principal, DemoError> {
        let pair = self
            .registrars
            .get(&office)
            .ok_or_else(|| DemoError::Internal(format!("no demo registrar for office {office}")))?;
        Ok(Principal::User(pair[usize::from(second)].clone()))
    }

    /// The user id of the office's first (`second == false`) or second registrar.
    pub fn registrar_id(&self, office: OfficeCode, second: bool) -> Result<String, DemoError> {
        match self.registrar(office, second)? {
            Principal::User(actor) => Ok(actor.id),
            _ => Err(DemoError::Internal(format!(
                "no demo registrar for office {office}"
            ))),
        }
    }
}

/// A demo user to create or reuse.
struct UserSpec {
    username: String,
    display_name: String,
    role: Role,
    office: Option<OfficeCode>,
}

fn user_specs() -> Vec<UserSpec> {
    let mut specs = Vec::new();
    for &office in OfficeCode::ALL {
        for (suffix, ordinal) in [("a", "甲"), ("b", "乙")] {
            specs.push(UserSpec {
                username: format!("demo-{}-{suffix}", office.code()),
                display_name: format!("{}登记员{ordinal}（演示）", office.short_zh()),
                role: Role::Registrar,
                office: Some(office),
            });
        }
    }
    specs.push(UserSpec {
        username: "demo-auditor".into(),
        display_name: "审计员（演示）".into(),
        role: Role::Auditor,
        office: None,
    });
    specs.push(UserSpec {
        username: "demo-official".into(),
        display_name: "统计分析员（演示）".into(),
        role: Role::Official,
        office: None,
    });
    specs
}

/// Creates the demo users that do not exist yet (password from `TECHLEDGER_DEMO_PASSWORD`, or
/// generated) and reuses the ones that do, when they have the expected role and office.
pub(super) fn ensure_users(services: &Services) -> Result<Users, DemoError> {
    let specs = user_specs();
    let mut existing = Vec::with_capacity(specs.len());
    for spec in &specs {
        let row = services.db.run_blocking(|conn| {
            user_rows::by_username(conn, &spec.username).map_err(DbError::from)
        })?;
        existing.push(row);
    }
    let missing = existing.iter().filter(|r| r.is_none()).count();
    let (password, generated) = match std::env::var("TECHLEDGER_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (crate::auth::password::generate(), true),
    };
    let hash = if missing > 0 {
        for spec in specs
            .iter()
            .zip(&existing)
            .filter(|(_, r)| r.is_none())
            .map(|(s, _)| s)
        {
            if let Some(problem) =
                crate::auth::password::check_rules(&spec.username, &password).first()
            {
                return Err(DemoError::Password(problem.message.clone()));
            }
        }
        // One hash for every new demo user: they share the password anyway.
        Some(
            services
                .passwords
                .hash(&password)
                .map_err(|e| DemoError::Internal(e.to_string()))?,
        )
    } else {
        None
    };
    let mut actors: HashMap<String, Actor> = HashMap::new();
    let (mut created, mut reused) = (0, 0);
    for (spec, row) in specs.iter().zip(existing) {
        let actor = match row {
            Some(row) => {
                let role = Role::from_code(&row.role).ok();
                let office = row
                    .office
                    .as_deref()
                    .and_then(|o| OfficeCode::parse(o).ok());
                if role != Some(spec.role) || office != spec.office || !row.active {
                    return Err(DemoError::UserConflict {
                        username: spec.username.clone(),
                        detail: format!(
                            "it exists with role {} and office {} ({}), the demo needs an active {} of {}",
                            row.role,
                            row.office.as_deref().unwrap_or("none"),
                            if row.active { "active" } else { "inactive" },
                            spec.role.code(),
                            spec.office.map_or("no office", |o| o.code()),
                        ),
                    });
                }
                reused += 1;
                Actor {
                    id: row.id,
                    username: row.username,
                    role: spec.role,
                    office: spec.office,
                }
            }
            None => {
                let command = Command::CreateUser(NewUser {
                    credit_code: None,
                    username: spec.username.clone(),
                    display_name: spec.display_name.clone(),
                    role: spec.role,
                    office: spec.office,
                    password_hash: hash.clone().unwrap_or_default(),
                });
                let outcome = services
                    .ledger
                    .execute_blocking(Request::new(Principal::System, command))
                    .map_err(|e| ledger_error(format!("creating user {}", spec.username), e))?;
                created += 1;
                Actor {
                    id: body_id(&outcome)?,
                    username: spec.username.clone(),
                    role: spec.role,
                    office: spec.office,
                }
            }
        };
        actors.insert(spec.username.clone(), actor);
    }
    let mut take = |name: &str| {
        actors
            .remove(name)
            .ok_or_else(|| DemoError::Internal(format!("demo user {name} missing")))
    };
    let mut registrars = HashMap::new();
    for &office in OfficeCode::ALL {
        let a = take(&format!("demo-{}-a", office.code()))?;
        let b = take(&format!("demo-{}-b", office.code()))?;
        registrars.insert(office, [a, b]);
    }
    let auditor = take("demo-auditor")?;
    Ok(Users {
        registrars,
        auditor,
        created,
        reused,
        generated_password: (generated && created > 0).then_some(password),
    })
}

/// The id in a command's answer.
fn body_id(outcome: &Outcome) -> Result<String, DemoError> {
    outcome.body["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| DemoError::Internal("a ledger answer without an id".into()))
}

fn ledger_error(what: String, source: LedgerError) -> DemoError {
    DemoError::Ledger { what, source }
}

/// Wakes the submitting thread when an answer arrives.
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

type Answer<'a> = Pin<Box<dyn Future<Output = Result<Outcome, LedgerError>> + 'a>>;

/// A request in flight, or its answer if it came back at once.
enum Slot<'a> {
    Waiting(Answer<'a>),
    Done(Result<Outcome, LedgerError>),
}

/// Requests in flight, answered in the order they were sent.
pub(super) struct Pipeline<'a, T> {
    ledger: &'a Ledger,
    window: usize,
    queue: VecDeque<(T, Slot<'a>)>,
    waker: Waker,
    progress: &'a Progress,
}

impl<'a, T> Pipeline<'a, T> {
    /// A pipeline with at most `window` requests in flight.
    pub fn new(ledger: &'a Ledger, window: usize, progress: &'a Progress) -> Pipeline<'a, T> {
        Pipeline {
            ledger,
            window: window.max(1),
            queue: VecDeque::with_capacity(window),
            waker: Waker::from(Arc::new(ThreadWaker(std::thread::current()))),
            progress,
        }
    }

    /// Sends `request` to the writer now; hands finished answers, oldest first, to `done`.
    pub fn push(
        &mut self,
        tag: T,
        request: Request,
        done: &mut impl FnMut(T, Result<Outcome, LedgerError>) -> Result<(), DemoError>,
    ) -> Result<(), DemoError> {
        let mut answer: Answer<'a> = Box::pin(self.ledger.execute_queued(request));
        // The first poll sends the job to the writer's queue (and only then waits).
        let mut cx = Context::from_waker(&self.waker);
        let slot = match answer.as_mut().poll(&mut cx) {
            Poll::Ready(result) => Slot::Done(result),
            Poll::Pending => Slot::Waiting(answer),
        };
        self.queue.push_back((tag, slot));
        while self.queue.len() >= self.window {
            self.complete_one(done)?;
        }
        Ok(())
    }

    /// Waits for every request still in flight.
    pub fn finish(
        &mut self,
        done: &mut impl FnMut(T, Result<Outcome, LedgerError>) -> Result<(), DemoError>,
    ) -> Result<(), DemoError> {
        while !self.queue.is_empty() {
            self.complete_one(done)?;
        }
        Ok(())
    }

    fn complete_one(
        &mut self,
        done: &mut impl FnMut(T, Result<Outcome, LedgerError>) -> Result<(), DemoError>,
    ) -> Result<(), DemoError> {
        let Some((tag, slot)) = self.queue.pop_front() else {
            return Ok(());
        };
        let result = match slot {
            Slot::Done(result) => result,
            Slot::Waiting(mut answer) => {
                let mut cx = Context::from_waker(&self.waker);
                loop {
                    if let Poll::Ready(result) = answer.as_mut().poll(&mut cx) {
                        break result;
                    }
                    std::thread::park();
                }
            }
        };
        self.progress.inc(1);
        done(tag, result)
    }
}

/// The party as a ledger command.
pub(super) fn new_party(p: &PlannedParty) -> Result<NewParty, DemoError> {
    Ok(NewParty {
        legal_representative: None,
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        kind: p.kind,
        region: p.region,
        nature_code: p.nature_code.map(str::to_string),
        country: p
            .country
            .map(CountryCode::parse)
            .transpose()
            .map_err(|e| DemoError::Internal(e.to_string()))?,
    })
}

/// Creates the parties `order` lists (each with the registrar of the office that first uses
/// it); returns their ids and how many already existed (same credit code).
pub(super) fn create_parties(
    services: &Services,
    users: &Users,
    parties: &[PlannedParty],
    order: &[(u32, OfficeCode)],
    window: usize,
    progress: &Progress,
) -> Result<(Vec<Option<String>>, u64), DemoError> {
    let mut ids: Vec<Option<String>> = vec![None; parties.len()];
    let mut reused = 0;
    let mut pipeline = Pipeline::new(&services.ledger, window, progress);
    let mut done = |index: u32, result: Result<Outcome, LedgerError>| -> Result<(), DemoError> {
        let party = &parties[index as usize];
        let id = match result {
            Ok(outcome) => body_id(&outcome)?,
            Err(LedgerError::Conflict {
                code: "duplicate_credit_code",
                ..
            }) => {
                // Made by an earlier run (or by hand): use it.
                let code = party
                    .credit_code
                    .as_ref()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default();
                reused += 1;
                services
                    .db
                    .run_blocking(|conn| {
                        party_rows::by_credit_code(conn, &code).map_err(DbError::from)
                    })?
                    .map(|row| row.id)
                    .ok_or_else(|| {
                        DemoError::Internal(format!("party with credit code {code} vanished"))
                    })?
            }
            Err(e) => return Err(ledger_error(format!("creating party {}", party.name), e)),
        };
        ids[index as usize] = Some(id);
        Ok(())
    };
    for &(index, office) in order {
        let request = Request::new(
            users.registrar(office, false)?,
            Command::CreateParty(new_party(&parties[index as usize])?),
        );
        pipeline.push(index, request, &mut done)?;
    }
    pipeline.finish(&mut done)?;
    Ok((ids, reused))
}

/// The registration time in UTC of a historical registration.
pub(super) fn registered_at(c: &Planned) -> Option<NaiveDateTime> {
    if c.now {
        return None;
    }
    let midnight = c.registered_on.and_hms_opt(0, 0, 0)?;
    Some(midnight + Duration::seconds(i64::from(c.registered_secs)) - Duration::hours(8))
}

/// The contract as a ledger command.
pub(super) fn new_contract(c: &Planned, ids: &[Option<String>]) -> Result<NewContract, DemoError> {
    let id = |p: u32| {
        ids[p as usize]
            .clone()
            .ok_or_else(|| DemoError::Internal(format!("party {p} was not created")))
    };
    let money = |fen: i64| Money::from_fen(fen).map_err(|e| DemoError::Internal(e.to_string()));
    Ok(NewContract {
        particulars: Default::default(),
        title: super::names::title(c.title, c.contract_type, c.subtype, c.tech_field, c.ip_type),
        contract_type: c.contract_type,
        subtype: c.subtype,
        seller: PartyRef::Id(id(c.seller)?),
        buyer: PartyRef::Id(id(c.buyer)?),
        signed_on: c.signed_on,
        valid_until: c.valid_until,
        contract_amount: money(c.contract_fen)?,
        technical_amount: money(c.technical_fen)?,
        tech_field: c.tech_field,
        ip_type: c.ip_type,
        registered_at: registered_at(c),
        approved_by: None,
    })
}

/// Whether a contract is needed again after registration.
fn needs_id(c: &Planned) -> bool {
    c.now || c.change != Change::Keep || c.review != Review::None || c.plant.is_some()
}

/// Registers the contracts in plan order; returns the ids of those needed afterwards.
pub(super) fn register_contracts(
    services: &Services,
    users: &Users,
    plan: &super::Plan,
    party_ids: &[Option<String>],
    window: usize,
    progress: &Progress,
) -> Result<(Vec<Option<String>>, u64), DemoError> {
    let contracts = &plan.contracts;
    let mut ids: Vec<Option<String>> = vec![None; contracts.len()];
    let mut registered = 0u64;
    let threshold_fen = services.config.ledger.large_contract_threshold.fen();
    let mut pipeline = Pipeline::new(&services.ledger, window, progress);
    let mut done = |index: usize, result: Result<Outcome, LedgerError>| -> Result<(), DemoError> {
        let outcome = result
            .map_err(|e| ledger_error(format!("registering contract {index} of the plan"), e))?;
        registered += 1;
        if needs_id(&contracts[index]) {
            ids[index] = Some(body_id(&outcome)?);
        }
        Ok(())
    };
    for (index, c) in contracts.iter().enumerate() {
        let command = Command::RegisterContract(new_contract(c, party_ids)?);
        let mut command = command;
        if !c.now
            && c.technical_fen >= threshold_fen
            && let Command::RegisterContract(contract) = &mut command
        {
            // A large contract of the past was approved by the office's other registrar, as a
            // new one is today: the record names them.
            contract.approved_by = Some(users.registrar_id(c.office, !c.by_second)?);
        }
        let mut request = Request::new(users.registrar(c.office, c.by_second)?, command);
        request.historical = !c.now;
        // The plan plants duplicate contracts for the auditors' rule on purpose; the rest are
        // unique by construction.
        request.confirm_duplicate = true;
        pipeline.push(index, request, &mut done)?;
    }
    pipeline.finish(&mut done)?;
    Ok((ids, registered))
}

/// What happened after registration.
#[derive(Debug, Default)]
pub(super) struct Afterwards {
    /// Large contracts approved by the second registrar.
    pub approved: u64,
    /// Large contracts refused.
    pub refused: u64,
    /// Large contracts left pending.
    pub left_pending: u64,
    /// Amendments.
    pub amended: u64,
    /// Amended large contracts approved again.
    pub reapproved: u64,
    /// Voids.
    pub voided: u64,
    /// Reviews (confirmed or disputed).
    pub reviewed: u64,
    /// Of those, disputes.
    pub disputed: u64,
}

/// Why a registrar refused a large contract.
const REFUSALS: &[&str] = &[
    "技术交易额核定依据不足，合同附件未列明技术性收入构成，请补充材料后重新提交",
    "合同标的主要为设备采购，不符合技术合同认定条件",
    "合同文本与登记表填报金额不一致，予以退回",
    "未提供知识产权权属证明，无法认定为技术转让合同",
];

/// Why a contract was amended, by kind of correction.
const TECHNICAL_REASONS: &[&str] = &[
    "技术交易额核定调整：扣除设备、材料等非技术性费用",
    "根据技术性收入核定表更正技术交易额",
    "复核发现技术交易额包含原材料费用，予以核减",
];
const AMOUNT_REASONS: &[&str] = &[
    "合同金额录入有误，依据合同原件更正",
    "双方签订补充协议调整合同金额，办理变更登记",
    "合同增加研发内容，追加经费并变更成交额",
];

/// Why a contract was voided.
const VOIDS: &[&str] = &[
    "双方协商一致解除合同，申请注销登记",
    "合同未实际履行，当事人申请注销",
    "经核查不属于技术合同认定范围，予以注销",
    "重复提交登记，注销其中一份",
];

/// Auditors' notes: confirmations and disputes. The first dispute note is the one planted
/// duplicates get.
const CONFIRMS: &[&str] = &[
    "已核对合同原件、发票及技术性收入核定表，登记信息属实",
    "抽查确认：合同内容与登记信息一致",
    "已电话回访买方，确认合同真实履行",
];
const DISPUTES: &[&str] = &[
    "疑似重复登记：与同一买卖双方、相同金额、相同签订日期的另一份合同重复",
    "技术交易额占比偏高，合同包含设备采购内容，需补充核定材料",
    "买方未能提供付款凭证，合同真实性存疑",
    "合同标的与技术领域分类不符，建议更正",
];

/// The verdict and note of a review.
fn note(review: Review) -> (ReviewState, &'static str) {
    match review {
        Review::Dispute(0) => (ReviewState::Disputed, DISPUTES[0]),
        Review::Dispute(k) => (
            ReviewState::Disputed,
            DISPUTES[1 + usize::from(k) % (DISPUTES.len() - 1)],
        ),
        Review::Confirm(k) => (
            ReviewState::Confirmed,
            CONFIRMS[usize::from(k) % CONFIRMS.len()],
        ),
        Review::None => (ReviewState::Confirmed, CONFIRMS[0]),
    }
}

/// Approvals and refusals of large contracts, amendments, voids, then reviews.
pub(super) fn afterwards(
    services: &Services,
    users: &Users,
    plan: &super::Plan,
    ids: &[Option<String>],
    window: usize,
    progress: &Progress,
) -> Result<Afterwards, DemoError> {
    let threshold = services.config.ledger.large_contract_threshold.fen();
    let mut counts = Afterwards::default();
    let mut steps: Vec<(usize, Principal, Command, &'static str)> = Vec::new();
    let id_of = |i: usize| {
        ids[i]
            .clone()
            .ok_or_else(|| DemoError::Internal(format!("contract {i} of the plan has no id")))
    };
    for (i, c) in plan.contracts.iter().enumerate().filter(|(_, c)| c.now) {
        let other = users.registrar(c.office, !c.by_second)?;
        match c.approval {
            Approval::Approve => steps.push((
                i,
                other,
                Command::ApproveContract {
                    id: id_of(i)?,
                    version: 1,
                },
                "approve",
            )),
            Approval::Refuse(k) => steps.push((
                i,
                other,
                Command::RefuseContract {
                    id: id_of(i)?,
                    reason: REFUSALS[usize::from(k) % REFUSALS.len()].to_string(),
                },
                "refuse",
            )),
            Approval::Leave | Approval::Immediate => {
                counts.left_pending += u64::from(c.approval == Approval::Leave)
            }
        }
    }
    for (i, c) in plan.contracts.iter().enumerate() {
        match c.change {
            Change::Keep => {}
            Change::Amend {
                technical_only,
                reason,
                ..
            } => {
                let (contract, technical) = c.final_amounts(threshold);
                let money =
                    |fen: i64| Money::from_fen(fen).map_err(|e| DemoError::Internal(e.to_string()));
                let reasons = if technical_only {
                    TECHNICAL_REASONS
                } else {
                    AMOUNT_REASONS
                };
                let amendment = ContractAmendment {
                    party_contract_no: None,
                    seller_contact: None,
                    buyer_contact: None,
                    technical_split: None,
                    id: id_of(i)?,
                    title: None,
                    contract_type: None,
                    subtype: None,
                    seller_id: None,
                    buyer_id: None,
                    signed_on: None,
                    valid_until: None,
                    contract_amount: (contract != c.contract_fen)
                        .then(|| money(contract))
                        .transpose()?,
                    technical_amount: (technical != c.technical_fen)
                        .then(|| money(technical))
                        .transpose()?,
                    tech_field: None,
                    ip_type: None,
                    reason: reasons[usize::from(reason) % reasons.len()].to_string(),
                };
                steps.push((
                    i,
                    users.registrar(c.office, c.by_second)?,
                    Command::AmendContract(amendment),
                    "amend",
                ));
                // A registered contract that stays large goes back to pending: the office's
                // other registrar, who wrote none of it, approves the amended version (right
                // after the amendment, in the same queue; before any review).
                if c.approved_again(threshold) {
                    let approved_before = c.now && c.approval == Approval::Approve;
                    steps.push((
                        i,
                        users.registrar(c.office, !c.by_second)?,
                        Command::ApproveContract {
                            id: id_of(i)?,
                            version: 2 + i32::from(approved_before),
                        },
                        "approve again",
                    ));
                }
            }
            Change::Void(k) => steps.push((
                i,
                users.registrar(c.office, c.by_second)?,
                Command::VoidContract {
                    id: id_of(i)?,
                    reason: VOIDS[usize::from(k) % VOIDS.len()].to_string(),
                },
                "void",
            )),
        }
    }
    for (i, c) in plan.contracts.iter().enumerate() {
        if c.review != Review::None {
            let (verdict, text) = note(c.review);
            steps.push((
                i,
                Principal::User(users.auditor.clone()),
                Command::ReviewContract {
                    id: id_of(i)?,
                    verdict,
                    note: text.to_string(),
                },
                if verdict == ReviewState::Disputed {
                    "dispute"
                } else {
                    "confirm"
                },
            ));
        }
    }
    let mut pipeline = Pipeline::new(&services.ledger, window, progress);
    let mut done = |(i, what): (usize, &'static str),
                    result: Result<Outcome, LedgerError>|
     -> Result<(), DemoError> {
        result.map_err(|e| ledger_error(format!("{what} of contract {i} of the plan"), e))?;
        match what {
            "approve" => counts.approved += 1,
            "approve again" => counts.reapproved += 1,
            "refuse" => counts.refused += 1,
            "amend" => counts.amended += 1,
            "void" => counts.voided += 1,
            "dispute" => {
                counts.reviewed += 1;
                counts.disputed += 1;
            }
            _ => counts.reviewed += 1,
        }
        Ok(())
    };
    for (i, principal, command, what) in steps {
        pipeline.push((i, what), Request::new(principal, command), &mut done)?;
    }
    pipeline.finish(&mut done)?;
    Ok(counts)
}

/// How many requests go through `afterwards`.
pub(super) fn afterwards_steps(plan: &super::Plan, threshold_fen: i64) -> u64 {
    plan.contracts
        .iter()
        .map(|c| {
            u64::from(c.now && matches!(c.approval, Approval::Approve | Approval::Refuse(_)))
                + u64::from(c.change != Change::Keep)
                + u64::from(c.approved_again(threshold_fen))
                + u64::from(c.review != Review::None)
        })
        .sum()
}
