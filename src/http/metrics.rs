//! Prometheus metrics: requests by route and status, a latency histogram per route, and the
//! write path's counters — rendered by hand in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use crate::ledger::LedgerMetrics;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// Request counters and latency histograms.
#[derive(Default)]
pub struct HttpMetrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl HttpMetrics {
    /// Records one answered request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let h = latency
                .entry((method.to_string(), route.to_string()))
                .or_default();
            let seconds = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum_seconds += seconds;
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self, ledger: &LedgerMetrics) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP techledger_http_requests_total HTTP requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE techledger_http_requests_total counter");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "techledger_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP techledger_http_request_duration_seconds Time to answer, by route."
        );
        let _ = writeln!(
            out,
            "# TYPE techledger_http_request_duration_seconds histogram"
        );
        if let Ok(latency) = self.latency.lock() {
            for ((method, route), h) in latency.iter() {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                    let _ = writeln!(
                        out,
                        "techledger_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "techledger_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "techledger_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum_seconds
                );
                let _ = writeln!(
                    out,
                    "techledger_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }
        let counters = [
            (
                "techledger_ledger_commits_total",
                "Write transactions committed (one per group commit).",
                &ledger.commits,
            ),
            (
                "techledger_ledger_commits_on_caller_total",
                "Of those, run on the caller's own thread (nobody else was writing).",
                &ledger.commits_on_caller,
            ),
            (
                "techledger_ledger_commands_total",
                "Commands committed through the write path.",
                &ledger.commands,
            ),
            (
                "techledger_ledger_refused_total",
                "Commands refused or failed.",
                &ledger.refused,
            ),
            (
                "techledger_ledger_audit_entries_total",
                "Audit entries appended.",
                &ledger.entries,
            ),
            (
                "techledger_ledger_failed_transactions_total",
                "Write transactions that failed as a whole.",
                &ledger.failed_batches,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Relaxed));
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}
