//! Login throttling, in memory (a restart forgets; several instances each count their own).
//!
//! Every attempt is reserved before its password is checked, so concurrent guesses cannot slip
//! past a limit that only counted the failures already finished. Two limits apply:
//!
//! - **Per client address**, a hard limit: at most `limit` attempts in any minute (failures
//!   and attempts still being checked; a success gives its attempt back). Then 429.
//! - **Per username**, a slow-down rather than a lock: the first `limit` failures are free;
//!   after them each attempt must wait 1 s, 2 s, 4 s … (at most `max_backoff`) after the one
//!   before it. A guesser gets one guess per wait, however many addresses they use. The user
//!   is not locked out: from an address they signed in from successfully before (remembered
//!   for [`KNOWN_FOR`]) the per-user wait does not apply — the per-address limit still does —
//!   and anywhere else they wait at most `max_backoff`. The failures of a username are
//!   forgotten [`FORGET_AFTER`] after the last one; a success does not forget them (it would
//!   hand the guesser a fresh set of free guesses each time the user signs in).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The per-address window.
const WINDOW: Duration = Duration::from_secs(60);
/// A username's failures are forgotten this long after its last failure.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// An address a user signed in from is remembered this long.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Bound on each map; beyond it stale entries are dropped (and, if still full, the oldest).
const MAX_ENTRIES: usize = 100_000;

/// Reserves and records login attempts.
#[derive(Debug)]
pub struct LoginLimiter {
    limit: usize,
    max_backoff: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Attempts per address in the window: failures, and reservations not yet settled.
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
    users: HashMap<String, UserFailures>,
    /// (username, address) → last successful sign-in.
    known: HashMap<(String, IpAddr), Instant>,
}

#[derive(Debug, Clone, Copy)]
struct UserFailures {
    failures: u32,
    in_flight: u32,
    not_before: Instant,
    last: Instant,
}

/// A reserved attempt: settle it with [`LoginLimiter::failed`] or [`LoginLimiter::succeeded`];
/// dropped unsettled (an error, a client gone), it is given back uncounted.
#[derive(Debug)]
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    user: String,
    address: Option<IpAddr>,
    reserved_at: Instant,
    settled: bool,
}

impl LoginLimiter {
    /// `limit` attempts per address per minute and free failures per username; per-user waits
    /// grow to at most `max_backoff`.
    pub fn new(limit: u32, max_backoff: Duration) -> LoginLimiter {
        LoginLimiter {
            limit: limit.max(1) as usize,
            max_backoff: max_backoff.max(Duration::from_secs(1)),
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves an attempt to sign in as `username` from `address`, or `Err(seconds)` to wait
    /// (the caller answers 429 with `Retry-After`).
    pub fn reserve(&self, username: &str, address: Option<IpAddr>) -> Result<Attempt<'_>, u64> {
        self.reserve_at(username, address, Instant::now())
    }

    fn reserve_at(
        &self,
        username: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<Attempt<'_>, u64> {
        let user = username.to_lowercase();
        let Ok(mut state) = self.state.lock() else {
            return Err(1);
        };
        state.tidy(now);
        if let Some(ip) = address {
            let times = state.addresses.entry(ip).or_default();
            prune(times, now);
            if times.len() >= self.limit
                && let Some(oldest) = times.front()
            {
                return Err(seconds(WINDOW.saturating_sub(now.duration_since(*oldest))));
            }
        }
        let known = address.is_some_and(|ip| state.known.contains_key(&(user.clone(), ip)));
        let fresh = UserFailures {
            failures: 0,
            in_flight: 0,
            not_before: now,
            last: now,
        };
        let entry = state.users.entry(user.clone()).or_insert(fresh);
        if entry.in_flight == 0 && now.duration_since(entry.last) >= FORGET_AFTER {
            *entry = fresh;
        }
        if !known && now < entry.not_before {
            return Err(seconds(entry.not_before - now));
        }
        entry.in_flight += 1;
        // Counted as failing until it settles, so that concurrent attempts see it.
        let pending = entry.failures.saturating_add(entry.in_flight);
        if !known {
            entry.not_before = entry.not_before.max(now + self.backoff(pending));
        }
        if let Some(ip) = address {
            state.addresses.entry(ip).or_default().push_back(now);
        }
        Ok(Attempt {
            limiter: self,
            user,
            address,
            reserved_at: now,
            settled: false,
        })
    }

    /// The wait after `failures` failures of one username: none for the first `limit - 1`,
    /// then 1 s, doubling, at most `max_backoff`.
    fn backoff(&self, failures: u32) -> Duration {
        let limit = self.limit as u32;
        if failures < limit {
            return Duration::ZERO;
        }
        let doublings = (failures - limit).min(30);
        Duration::from_secs(1u64 << doublings).min(self.max_backoff)
    }

    /// The password was wrong (or the user unknown or inactive).
    pub fn failed(&self, mut attempt: Attempt<'_>) {
        attempt.settled = true;
        self.settle(&attempt, Outcome::Failed, Instant::now());
    }

    /// The password was right: the attempt is given back and the address remembered as the
    /// user's.
    pub fn succeeded(&self, mut attempt: Attempt<'_>) {
        attempt.settled = true;
        self.settle(&attempt, Outcome::Succeeded, Instant::now());
    }

    fn settle(&self, attempt: &Attempt<'_>, outcome: Outcome, now: Instant) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if outcome != Outcome::Failed
            && let Some(ip) = attempt.address
            && let Some(times) = state.addresses.get_mut(&ip)
            && let Some(i) = times.iter().position(|t| *t == attempt.reserved_at)
        {
            times.remove(i);
        }
        if outcome == Outcome::Succeeded
            && let Some(ip) = attempt.address
        {
            state.known.insert((attempt.user.clone(), ip), now);
        }
        let backoff = |failures| self.backoff(failures);
        if let Some(entry) = state.users.get_mut(&attempt.user) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
            if outcome == Outcome::Failed {
                entry.failures = entry.failures.saturating_add(1);
                entry.last = now;
                let pending = entry.failures.saturating_add(entry.in_flight);
                entry.not_before = entry.not_before.max(now + backoff(pending));
            } else if entry.in_flight == 0 {
                // Nothing pending any more: the wait is the failures' own.
                entry.not_before = entry.last + backoff(entry.failures);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed,
    Succeeded,
    Abandoned,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter
                .settle(self, Outcome::Abandoned, Instant::now());
        }
    }
}

impl State {
    /// Keeps the maps bounded: drops what no longer matters once one grows large.
    fn tidy(&mut self, now: Instant) {
        if self.addresses.len() > MAX_ENTRIES {
            self.addresses.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        if self.users.len() > MAX_ENTRIES {
            self.users
                .retain(|_, u| u.in_flight > 0 || now.duration_since(u.last) < FORGET_AFTER);
        }
        if self.known.len() > MAX_ENTRIES {
            self.known
                .retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
            if self.known.len() > MAX_ENTRIES {
                let mut ages: Vec<Instant> = self.known.values().copied().collect();
                ages.sort();
                let cut = ages[ages.len() - MAX_ENTRIES];
                self.known.retain(|_, at| *at >= cut);
            }
        }
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

/// Whole seconds to wait, at least 1.
fn seconds(d: Duration) -> u64 {
    d.as_secs_f64().ceil().max(1.0) as u64
}

/// Requests per client address: at most `limit` in any minute, and every request counts,
/// answered or refused. Requests without an address share one count. `W` names what is
/// counted, so that each public door has a limiter of its own in Rocket's state.
#[derive(Debug)]
pub struct PerAddressLimiter<W> {
    limit: usize,
    attempts: Mutex<HashMap<Option<IpAddr>, VecDeque<Instant>>>,
    what: std::marker::PhantomData<W>,
}

/// Sign-ups per client address, throttled like logins, so that nobody fills the registrars'
/// activation list from one place.
pub type SignUpLimiter = PerAddressLimiter<SignUps>;

/// Anonymous lookups of a registration's public receipt (`/verify`), so that nobody walks
/// the registration numbers quickly.
pub type PublicLookupLimiter = PerAddressLimiter<PublicLookups>;

/// What [`SignUpLimiter`] counts.
#[derive(Debug)]
pub struct SignUps;

/// What [`PublicLookupLimiter`] counts.
#[derive(Debug)]
pub struct PublicLookups;

impl<W> PerAddressLimiter<W> {
    /// At most `limit` requests per address in any minute.
    pub fn new(limit: u32) -> PerAddressLimiter<W> {
        PerAddressLimiter {
            limit: limit.max(1) as usize,
            attempts: Mutex::new(HashMap::new()),
            what: std::marker::PhantomData,
        }
    }

    /// Counts a request from `address`, or `Err(seconds)` to wait.
    pub fn attempt(&self, address: Option<IpAddr>) -> Result<(), u64> {
        self.attempt_at(address, Instant::now())
    }

    fn attempt_at(&self, address: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let Ok(mut map) = self.attempts.lock() else {
            return Err(1);
        };
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        let times = map.entry(address).or_default();
        prune(times, now);
        if times.len() >= self.limit
            && let Some(oldest) = times.front()
        {
            return Err(seconds(WINDOW.saturating_sub(now.duration_since(*oldest))));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(300);

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_eleventh_attempt_from_one_address_in_a_minute_waits() {
        let limiter = LoginLimiter::new(10, MAX);
        let t0 = Instant::now();
        for i in 0..10 {
            let a = limiter
                .reserve_at(&format!("user{i}"), ip("10.0.0.1"), t0)
                .unwrap();
            limiter.settle(&a, Outcome::Failed, t0);
            std::mem::forget(a);
        }
        let wait = limiter.reserve_at("other", ip("10.0.0.1"), t0).unwrap_err();
        assert_eq!(wait, 60);
        assert!(limiter.reserve_at("other", ip("10.0.0.2"), t0).is_ok());
        let later = t0 + WINDOW;
        assert!(limiter.reserve_at("other", ip("10.0.0.1"), later).is_ok());
    }

    #[test]
    fn concurrent_reservations_count_before_they_fail() {
        let limiter = LoginLimiter::new(10, MAX);
        let t0 = Instant::now();
        let held: Vec<_> = (0..40)
            .filter_map(|_| limiter.reserve_at("alice", None, t0).ok())
            .collect();
        assert_eq!(held.len(), 10);
    }

    #[test]
    fn a_users_waits_double_up_to_the_maximum() {
        let limiter = LoginLimiter::new(10, Duration::from_secs(8));
        let mut now = Instant::now();
        let fail = |now: Instant| {
            let a = limiter.reserve_at("alice", None, now)?;
            limiter.settle(&a, Outcome::Failed, now);
            std::mem::forget(a);
            Ok::<_, u64>(())
        };
        for _ in 0..10 {
            fail(now).unwrap();
        }
        let mut waits = Vec::new();
        for _ in 0..6 {
            let wait = fail(now).unwrap_err();
            waits.push(wait);
            now += Duration::from_secs(wait);
            fail(now).unwrap();
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 8, 8]);
    }

    #[test]
    fn the_right_password_gets_through_from_a_known_address_or_after_the_wait() {
        let limiter = LoginLimiter::new(3, MAX);
        let t0 = Instant::now();
        let a = limiter.reserve_at("alice", ip("10.0.0.5"), t0).unwrap();
        limiter.settle(&a, Outcome::Succeeded, t0);
        std::mem::forget(a);
        for i in 0..3 {
            let a = limiter
                .reserve_at("alice", ip(&format!("192.0.2.{i}")), t0)
                .unwrap();
            limiter.settle(&a, Outcome::Failed, t0);
            std::mem::forget(a);
        }
        let wait = limiter
            .reserve_at("alice", ip("192.0.2.9"), t0)
            .unwrap_err();
        assert!(wait >= 1);
        assert!(limiter.reserve_at("alice", ip("10.0.0.5"), t0).is_ok());
        let after = t0 + Duration::from_secs(wait);
        assert!(limiter.reserve_at("alice", ip("192.0.2.9"), after).is_ok());
    }

    #[test]
    fn an_abandoned_attempt_is_given_back_and_failures_are_forgotten_in_time() {
        let limiter = LoginLimiter::new(1, MAX);
        let t0 = Instant::now();
        drop(limiter.reserve_at("alice", ip("10.0.0.1"), t0).unwrap());
        assert!(limiter.reserve_at("alice", ip("10.0.0.1"), t0).is_ok());
        let limiter = LoginLimiter::new(1, MAX);
        let a = limiter.reserve_at("bob", None, t0).unwrap();
        limiter.settle(&a, Outcome::Failed, t0);
        std::mem::forget(a);
        assert!(limiter.reserve_at("bob", None, t0).is_err());
        assert!(limiter.reserve_at("bob", None, t0 + FORGET_AFTER).is_ok());
    }

    #[test]
    fn every_sign_up_attempt_counts_per_address() {
        let limiter = SignUpLimiter::new(3);
        let here = Some(std::net::IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert!(limiter.attempt(here).is_ok());
        }
        assert!(limiter.attempt(here).is_err());
        assert!(
            limiter
                .attempt(Some(std::net::IpAddr::from([10, 0, 0, 2])))
                .is_ok()
        );
    }
}
