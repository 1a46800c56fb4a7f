//! Failed-login throttling, per username and per client address, in memory (a restart
//! forgets; several instances each count their own).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Counts failed logins in a sliding minute.
#[derive(Debug)]
pub struct LoginLimiter {
    per_minute: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// At most `per_minute` failures per key in any minute.
    pub fn new(per_minute: u32) -> LoginLimiter {
        LoginLimiter {
            per_minute: per_minute.max(1) as usize,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` when any of `keys` used up its failures; the caller answers 429 with
    /// `Retry-After: seconds`.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let mut wait = 0;
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                prune(times, now);
                if times.len() >= self.per_minute
                    && let Some(oldest) = times.front()
                {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// Records a failure against each key.
    pub fn failed(&self, keys: &[String]) {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            prune(times, now);
            times.push_back(now);
        }
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_in_a_minute_is_throttled() {
        let limiter = LoginLimiter::new(10);
        let keys = vec!["user:alice".to_string(), "ip:127.0.0.1".to_string()];
        for _ in 0..10 {
            assert!(limiter.check(&keys).is_ok());
            limiter.failed(&keys);
        }
        let wait = limiter.check(&keys).unwrap_err();
        assert!((1..=60).contains(&wait));
        limiter.succeeded("user:alice");
        assert!(limiter.check(&["user:alice".to_string()]).is_ok());
        assert!(limiter.check(&["ip:127.0.0.1".to_string()]).is_err());
    }
}
