//! `techledger demo`: realistic synthetic Linyi data, written through the ledger's one write
//! path (`Ledger::execute`) exactly as registrars and auditors would write it — never SQL.
//!
//! [`run`] first builds the whole plan from the seed (parties, contracts, what happens to
//! them, planted anomalies), then executes it: users, parties, contracts, then approvals,
//! amendments, voids and reviews. The same seed on the same empty database gives the same
//! contracts in the same order with the same registration numbers (ids and the times of the
//! writes differ). A second run on a database that already holds contracts mixes the number of
//! contracts into the seed, so it adds new data instead of repeating the first run.
//!
//! # Modelling choices
//!
//! Sources are domain.md Part B where it has numbers; the rest are stated assumptions.
//!
//! - **Users**: two registrars per office (`demo-371302-a`, `demo-371302-b`, …) so that large
//!   contracts can be approved by the second, `demo-auditor` and `demo-official`. Password
//!   from `TECHLEDGER_DEMO_PASSWORD`, else generated and returned in the report. Existing demo
//!   users are reused.
//! - **Parties**: a pool of `max(50, contracts / 3)`: 48 % Linyi enterprises, 4 % Linyi
//!   universities, institutes and hospitals, 4 % Linyi individuals; 20 % from Shanghai,
//!   Jiangsu, Zhejiang, Anhui, Jinan and Qingdao (the "introduced" regions); 8 % elsewhere in
//!   Shandong; 13 % elsewhere in China (Beijing and Guangdong most); 1.5 % abroad (region
//!   000000 and a country); 1.5 % individuals elsewhere. Linyi parties sit in the 12
//!   districts and counties (兰山 30 %, 罗庄 14 %, 河东 13 %, …); a share of those in 兰山,
//!   罗庄, 河东 and 莒南 register at the high-tech zone, the ETDZ or the Lingang zone.
//!   Organisations carry valid credit codes (91 enterprise, 12 public institution) whose
//!   positions 3–8 are their own region; individuals and foreign parties carry none. Names
//!   are synthetic: place + trade name + industry + legal form, 山东XX大学, XX研究院.
//!   Parties are chosen with a mild skew, so some sign many contracts. Only parties that a
//!   contract uses are created.
//! - **Flow** (from Linyi's side): local 42 %, inflow 36 %, outflow 18 %, neither 4 %. The
//!   office is the seller's when the seller is in Linyi (sellers register), else the buyer's.
//! - **Types** (assumption; national releases are dominated by services and development):
//!   service 48 %, development 32 %, consulting 9 %, transfer 7 %, licensing 4 %; foreign
//!   sellers mostly license or transfer, individuals never develop. Sub-types: commissioned
//!   80 % of development; patent 45 %, know-how 30 % of transfers; ordinary patent licences
//!   45 % of licences; general service 85 % of services. IP types follow type and sub-type
//!   (patent and know-how transfers and licences carry those rights; "other" rights follow
//!   the field: software, plant varieties, biomedical varieties); services and consulting
//!   mostly involve none.
//! - **Fields**: 70 % the Linyi party's own field; fields lean to Linyi's industries:
//!   advanced manufacturing 22 %, new materials 15 %, biomedicine 13 %, electronic
//!   information 11 %, agriculture 11 %, new energy 8 %, …
//! - **Amounts**: log-normal per type with σ = 2.0 and medians of 370,000 (service),
//!   1,850,000 (development), 275,000 (consulting), 1,500,000 (transfer) and 920,000
//!   (licensing) yuan: the mean is about the 2024 national 6.84 million yuan per contract,
//!   the median about 680,000, about 1 % above 100 million, a fifth below 100,000; drawn
//!   between 1,000 yuan and 5 billion yuan and rounded as contracts state them. The
//!   technical amount is 60–95 % of a development contract (equipment, materials), 85–100 %
//!   of transfers and licences, 90–100 % of consulting, 70–100 % of services. About 16 % of
//!   contracts reach the large-contract threshold.
//! - **Dates**: registrations spread over the months of the year range up to yesterday,
//!   weighted by season (quiet February, a June peak, December heaviest at 15 % of the year,
//!   its second half twice as busy) with 12 % growth a year; working days, office hours
//!   08:30–17:30 in Asia/Shanghai. Signing precedes registration by 1–20 days (55 %), 3 weeks
//!   to 3 months (30 %), 3–7 months (12 %) or up to 11 months (3 %). Public holidays are not
//!   modelled.
//! - **Lifecycle**: historical registrations carry their registration time (the operator's
//!   shell may) and were approved back then; `max(5, contracts / 200)` large contracts are
//!   registered now and take the large-contract path: the first stays pending, the second is
//!   refused, of the rest 80 % are approved by the office's other registrar, 10 % refused,
//!   10 % left pending. Of the historical contracts 3 % are amended (technical amount or both
//!   amounts corrected, with a Chinese reason; a large one goes back to pending and the
//!   office's other registrar approves the amended version), 1 % voided, 8 % confirmed and
//!   1 % disputed by the auditor.
//! - **Planted anomalies** (from 200 contracts on; once per year of the range from 10,000):
//!   one clear case of each rule of issue 7 with its parameters from `AnomalyConfig` and
//!   `ledger.large_contract_threshold` — duplicate (the same contract registered again weeks
//!   later, disputed by the auditor), splitting (3–4 development contracts within 30 days,
//!   technical amounts 91–99 % of the threshold), round trip (A→B, then B→A within months for
//!   ±10 %), late registration (400–665 days after signing) and full technical amount (a
//!   1.2–4 million yuan development contract, all technical) at the office with the largest
//!   turnover of the latest year, diluted with ordinary contracts when that office's year is
//!   small; a year-end surge (60 % of the turnover of the busiest office after 兰山 and the
//!   high-tech zone registered in the second half of December of the latest full year, its
//!   earlier Decembers normal); a concentration (one buyer with 60 % of the turnover of the
//!   office with the least turnover in the latest year, which gets at least the rule's
//!   number of contracts). Planted cases use parties of their own; the total stays
//!   `contracts` (as many clean contracts are left out, never from an office's year that
//!   holds a planted case).
//! - **Clean data stays clean**: the rules are re-stated over the plan with wider margins
//!   (shares 10 points lower, windows longer, any status, no history) and every clean
//!   contract they catch is repaired — an amount nudged, halved or scaled down, a technical
//!   amount lowered, a December registration moved to November, a dominant party's contracts
//!   handed to other parties of the same kind and place — before and after planting; the
//!   auditors' list shows the planted cases and nothing else (tested against
//!   `crate::anomalies`).
//!
//! Amounts are integer fen everywhere except the one log-normal draw (`random::log_normal_fen`),
//! which converts to fen once.

mod checks;
mod execute;
mod names;
mod parties;
mod plan;
mod plant;
mod progress;
mod random;

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use progress::Progress;
use rand::{Rng, SeedableRng};

use crate::app::Services;
use crate::config::AnomalyConfig;
use crate::db::DbError;
use crate::domain::OfficeCode;
use crate::ledger::LedgerError;
use parties::Pool;
use plan::{Calendar, Change, Generator, Planned, Review};
use plant::{Case, Planter, SUPPORT};
use random::DemoRng;

/// Below this many contracts nothing is planted (the cases would swamp the clean data).
pub const PLANT_MIN_CONTRACTS: u64 = 200;
/// From this many contracts the contract-level cases are planted in every year of the range.
pub const PLANT_EVERY_YEAR_CONTRACTS: u64 = 10_000;
/// The most contracts one run generates.
pub const MAX_CONTRACTS: u64 = 50_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Contracts to register (planted cases included).
    pub contracts: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// First and last year of registration (`--years 2024-2026`); months after yesterday
    /// are skipped.
    pub years: (i32, i32),
    /// Show progress on stderr: a bar on a terminal, plain lines otherwise.
    pub progress: bool,
    /// Add to a database that already holds contracts (without it such a database is refused:
    /// demo data mixed into real data could not be told apart).
    pub force: bool,
}

impl DemoOptions {
    /// The default range: the current year (Asia/Shanghai) and the two before it.
    pub fn default_years() -> (i32, i32) {
        let year = chrono::Datelike::year(&crate::time::shanghai_date(crate::time::now()));
        (year - 2, year)
    }
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            contracts: 1000,
            seed: 2026,
            years: DemoOptions::default_years(),
            progress: false,
            force: false,
        }
    }
}

/// What a demo run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// Users created.
    pub users: u64,
    /// Demo users that already existed and were reused.
    pub users_reused: u64,
    /// The password generated for the new demo users (None when it came from
    /// `TECHLEDGER_DEMO_PASSWORD` or no user was created); show it once.
    pub password: Option<String>,
    /// Parties created.
    pub parties: u64,
    /// Parties that already existed (same credit code) and were reused.
    pub parties_reused: u64,
    /// Contracts registered (every status).
    pub contracts: u64,
    /// Large contracts registered now and approved by a second registrar.
    pub pending_approved: u64,
    /// Large contracts refused by the second registrar.
    pub pending_refused: u64,
    /// Large contracts left waiting for approval.
    pub pending_left: u64,
    /// Contracts amended.
    pub amended: u64,
    /// Of those, large contracts sent back for approval by the amendment and approved again.
    pub reapproved: u64,
    /// Contracts voided.
    pub voided: u64,
    /// Contracts reviewed by the auditor (confirmed or disputed).
    pub reviewed: u64,
    /// Of those, disputed.
    pub disputed: u64,
    /// Planted anomalies: the rule code (as `crate::anomalies` names it) and the contracts.
    pub planted: Vec<(&'static str, Vec<String>)>,
    /// The seed given.
    pub seed: u64,
    /// The seed used (the given one on an empty database).
    pub effective_seed: u64,
    /// Years of registration.
    pub years: (i32, i32),
    /// Clean contracts adjusted so that they trip no anomaly rule.
    pub repairs: u64,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Wall time of building the plan (no I/O).
    pub plan_elapsed: Duration,
    /// Wall time of the contract registrations alone.
    pub register_elapsed: Duration,
}

impl DemoReport {
    /// Contract registrations per second (of the registration phase).
    pub fn contracts_per_second(&self) -> u64 {
        let ms = u64::try_from(self.register_elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.contracts.saturating_mul(1000) / ms
    }
}

impl fmt::Display for DemoReport {
    /// A summary for the terminal (without the password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "demo data, years {}-{}, seed {} (used {}):",
            self.years.0, self.years.1, self.seed, self.effective_seed
        )?;
        writeln!(
            f,
            "  users       {} created, {} reused",
            self.users, self.users_reused
        )?;
        writeln!(
            f,
            "  parties     {} created, {} reused",
            self.parties, self.parties_reused
        )?;
        writeln!(
            f,
            "  contracts   {} registered in {:.1} s ({} per second)",
            self.contracts,
            self.register_elapsed.as_secs_f64(),
            self.contracts_per_second()
        )?;
        writeln!(
            f,
            "  large       {} approved, {} refused, {} pending",
            self.pending_approved, self.pending_refused, self.pending_left
        )?;
        writeln!(
            f,
            "  afterwards  {} amended ({} approved again), {} voided, {} reviewed ({} disputed)",
            self.amended, self.reapproved, self.voided, self.reviewed, self.disputed
        )?;
        for (rule, ids) in &self.planted {
            writeln!(f, "  planted     {rule}: {} contract(s)", ids.len())?;
        }
        write!(
            f,
            "  total time  {:.1} s (plan {:.1} s)",
            self.elapsed.as_secs_f64(),
            self.plan_elapsed.as_secs_f64()
        )
    }
}

/// Why a demo run stopped. What was written before stays (every write is a complete,
/// audited ledger command).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The options are unusable.
    #[error("invalid demo options: {0}")]
    Options(String),
    /// The database already holds contracts and `force` was not given.
    #[error(
        "the database already holds {0} contracts: demo data would mix with them; use an empty database, or give --force to add demo data anyway"
    )]
    NotEmpty(i64),
    /// `TECHLEDGER_DEMO_PASSWORD` breaks the password rules.
    #[error("TECHLEDGER_DEMO_PASSWORD is not acceptable: {0}")]
    Password(String),
    /// A user with a demo username exists with another role or office.
    #[error("demo user {username} cannot be reused: {detail}")]
    UserConflict {
        /// The username.
        username: String,
        /// What differs.
        detail: String,
    },
    /// The ledger refused or failed a command.
    #[error("{what} failed: {source}")]
    Ledger {
        /// Which step.
        what: String,
        /// The ledger's answer.
        #[source]
        source: LedgerError,
    },
    /// Reading the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A bug in the generator.
    #[error("demo generator: {0}")]
    Internal(String),
}

/// The whole plan of a run.
struct Plan {
    /// Parties (those used get created).
    pool: Pool,
    /// Contracts in registration order.
    contracts: Vec<Planned>,
    /// Planted cases (`Planned::plant` indexes this).
    cases: Vec<Case>,
    /// Clean contracts repaired.
    repairs: usize,
}

/// Builds the plan of `contracts` contracts from `seed` (pure: no I/O).
fn build_plan(
    contracts: u64,
    seed: u64,
    years: (i32, i32),
    today: chrono::NaiveDate,
    threshold_fen: i64,
    config: &AnomalyConfig,
) -> Result<Plan, DemoError> {
    let mut rng = DemoRng::seed_from_u64(seed);
    let calendar = Calendar::new(years, today).map_err(DemoError::Options)?;
    let n =
        usize::try_from(contracts).map_err(|_| DemoError::Options("too many contracts".into()))?;
    let mut pool = Pool::generate(&mut rng, (n / 3).max(50));
    let now_count = (n / 200).max(5).min(n / 4);
    let mut contracts: Vec<Planned> = {
        let generator = Generator {
            pool: &pool,
            calendar: &calendar,
            threshold_fen,
        };
        (0..n)
            .map(|i| {
                generator.contract(
                    &mut rng,
                    u32::try_from(i).unwrap_or(u32::MAX),
                    i >= n - now_count,
                )
            })
            .collect()
    };
    plan::assign_approvals(&mut rng, &mut contracts);
    ensure_lifecycle(&mut contracts);
    // The clean data first, so that planted cases are sized against what will be written.
    let mut repairs = checks::sanitize(&mut contracts, &[], &pool, config, threshold_fen);
    let mut cases = Vec::new();
    if contracts.len() as u64 >= PLANT_MIN_CONTRACTS {
        let mut planter = Planter {
            calendar: &calendar,
            threshold_fen,
            config,
            cases: Vec::new(),
            next_seq: u32::try_from(n).unwrap_or(u32::MAX),
        };
        let every_year = contracts.len() as u64 >= PLANT_EVERY_YEAR_CONTRACTS;
        let planted = planter.plant(&mut rng, &mut pool, &contracts, every_year);
        cases = planter.cases;
        leave_out(&mut rng, &mut contracts, &planted, &cases);
        contracts.extend(planted);
        repairs += checks::sanitize(&mut contracts, &cases, &pool, config, threshold_fen);
    }
    contracts.sort_by_key(|c| (c.registered_on, c.registered_secs, c.seq));
    Ok(Plan {
        pool,
        contracts,
        cases,
        repairs,
    })
}

/// Leaves out as many clean contracts as were planted (so the total stays as asked), never
/// from an office's year that holds a planted case (nor any year of the surge's office, its
/// history), and never one registered now.
fn leave_out(rng: &mut DemoRng, contracts: &mut Vec<Planned>, planted: &[Planned], cases: &[Case]) {
    let rule = |c: &Planned| {
        c.plant
            .and_then(|k| cases.get(usize::from(k)))
            .map(|c| c.rule)
    };
    let surge_offices: HashSet<OfficeCode> = planted
        .iter()
        .filter(|c| rule(c) == Some(plant::YEAR_END_SURGE))
        .map(|c| c.office)
        .collect();
    let measured: HashSet<(OfficeCode, i32)> = planted
        .iter()
        .map(|c| (c.office, chrono::Datelike::year(&c.registered_on)))
        .collect();
    let mut eligible: Vec<usize> = (0..contracts.len())
        .filter(|&i| {
            let c = &contracts[i];
            !c.now
                && !surge_offices.contains(&c.office)
                && !measured.contains(&(c.office, chrono::Datelike::year(&c.registered_on)))
        })
        .collect();
    let drop = planted.len().min(eligible.len());
    for k in 0..drop {
        let j = rng.gen_range(k..eligible.len());
        eligible.swap(k, j);
    }
    let dropped: HashSet<usize> = eligible[..drop].iter().copied().collect();
    let mut i = 0;
    contracts.retain(|_| {
        let keep = !dropped.contains(&i);
        i += 1;
        keep
    });
}

/// Makes sure every kind of change happens at least once (small runs could miss one by
/// chance): an amendment, a void, a confirmation and a dispute among the clean historical
/// contracts.
fn ensure_lifecycle(contracts: &mut [Planned]) {
    let clean = |c: &Planned| c.plant.is_none() && !c.now;
    let has = |contracts: &[Planned], f: &dyn Fn(&Planned) -> bool| {
        contracts.iter().any(|c| clean(c) && f(c))
    };
    if !has(contracts, &|c| matches!(c.change, Change::Amend { .. }))
        && let Some(c) = contracts
            .iter_mut()
            .find(|c| clean(c) && c.change == Change::Keep)
    {
        c.change = Change::Amend {
            technical_only: true,
            percent: 90,
            reason: 0,
        };
    }
    if !has(contracts, &|c| matches!(c.change, Change::Void(_)))
        && let Some(c) = contracts
            .iter_mut()
            .rev()
            .find(|c| clean(c) && c.change == Change::Keep)
    {
        c.change = Change::Void(0);
    }
    if !has(contracts, &|c| matches!(c.review, Review::Confirm(_)))
        && let Some(c) = contracts
            .iter_mut()
            .find(|c| clean(c) && c.review == Review::None)
    {
        c.review = Review::Confirm(0);
    }
    if !has(contracts, &|c| matches!(c.review, Review::Dispute(_)))
        && let Some(c) = contracts
            .iter_mut()
            .rev()
            .find(|c| clean(c) && c.review == Review::None)
    {
        c.review = Review::Dispute(1);
    }
}

/// The order parties are created in (first use in the plan) and the office whose registrar
/// creates each.
fn party_order(plan: &Plan) -> Vec<(u32, OfficeCode)> {
    let mut seen = vec![false; plan.pool.parties.len()];
    let mut order = Vec::new();
    for c in &plan.contracts {
        for p in [c.seller, c.buyer] {
            if !std::mem::replace(&mut seen[p as usize], true) {
                order.push((p, c.office));
            }
        }
    }
    order
}

/// Generates demo data through the ledger: see the module documentation. Blocking: call it
/// outside an async runtime (or from `spawn_blocking`).
pub fn run(services: &Services, options: &DemoOptions) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    if options.contracts > MAX_CONTRACTS {
        return Err(DemoError::Options(format!(
            "at most {MAX_CONTRACTS} contracts per run"
        )));
    }
    let today = crate::time::shanghai_date(crate::time::now());
    Calendar::new(options.years, today).map_err(DemoError::Options)?;
    let existing: i64 = services.db.run_blocking(|conn| {
        crate::db::schema::contracts::table
            .count()
            .get_result(conn)
            .map_err(DbError::from)
    })?;
    if existing > 0 && !options.force {
        return Err(DemoError::NotEmpty(existing));
    }
    let effective_seed = if existing == 0 {
        options.seed
    } else {
        options.seed ^ splitmix(existing as u64)
    };
    let users = execute::ensure_users(services)?;
    let threshold_fen = services.config.ledger.large_contract_threshold.fen();
    let plan_started = Instant::now();
    let plan = build_plan(
        options.contracts,
        effective_seed,
        options.years,
        today,
        threshold_fen,
        &services.config.anomalies,
    )?;
    let plan_elapsed = plan_started.elapsed();
    let order = party_order(&plan);
    let total = order.len() as u64
        + plan.contracts.len() as u64
        + execute::afterwards_steps(&plan, threshold_fen);
    let progress = if options.progress {
        Progress::on_stderr(total)
    } else {
        Progress::hidden()
    };
    // Keep the writer's group commit full: several transactions' worth of requests in flight.
    let window = services
        .config
        .ledger
        .group_commit_max
        .saturating_mul(4)
        .clamp(64, 4096);

    progress.set_message("parties 主体");
    let (party_ids, parties_reused) = execute::create_parties(
        services,
        &users,
        &plan.pool.parties,
        &order,
        window,
        &progress,
    )?;
    progress.set_message("contracts 合同");
    let register_started = Instant::now();
    let (contract_ids, registered) =
        execute::register_contracts(services, &users, &plan, &party_ids, window, &progress)?;
    let register_elapsed = register_started.elapsed();
    progress.set_message("approvals, reviews 复核");
    let after = execute::afterwards(services, &users, &plan, &contract_ids, window, &progress)?;
    progress.finish_and_clear();

    let mut planted: Vec<(&'static str, Vec<String>)> = plan
        .cases
        .iter()
        .filter(|c| c.rule != SUPPORT)
        .map(|c| (c.rule, Vec::new()))
        .collect();
    let case_slot: Vec<Option<usize>> = {
        let mut k = 0;
        plan.cases
            .iter()
            .map(|c| {
                (c.rule != SUPPORT).then(|| {
                    k += 1;
                    k - 1
                })
            })
            .collect()
    };
    for (c, id) in plan.contracts.iter().zip(&contract_ids) {
        if let (Some(case), Some(id)) = (c.plant, id)
            && let Some(Some(slot)) = case_slot.get(usize::from(case))
        {
            planted[*slot].1.push(id.clone());
        }
    }
    Ok(DemoReport {
        users: users.created,
        users_reused: users.reused,
        password: users.generated_password,
        parties: order.len() as u64 - parties_reused,
        parties_reused,
        contracts: registered,
        pending_approved: after.approved,
        pending_refused: after.refused,
        pending_left: after.left_pending,
        amended: after.amended,
        reapproved: after.reapproved,
        voided: after.voided,
        reviewed: after.reviewed,
        disputed: after.disputed,
        planted,
        seed: options.seed,
        effective_seed,
        years: options.years,
        repairs: plan.repairs as u64,
        elapsed: started.elapsed(),
        plan_elapsed,
        register_elapsed,
    })
}

/// Mixes a number into a seed (SplitMix64).
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
