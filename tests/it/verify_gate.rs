//! `GET /api/v1/audit/verify` runs one verification at a time per process, on a database
//! connection of its own: the readers (and `/health`) never wait for it.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rocket::futures::future::join_all;
use rocket::http::{Header, Status};
use techledger::domain::Role;

use crate::both_with;
use crate::support::*;

/// Backends of this test database blocked waiting for a lock (PostgreSQL).
fn lock_waiters(app: &TestApp) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Count>(&mut app.connect())
    .map(|c| c.n)
    .unwrap_or(0)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The reproduction: ten verifications at once, each stuck behind a lock on the audit table
/// (standing in for a long chain), with one reader connection. Before, each verification held
/// a reader connection until it finished, and `/health` answered 503 after waiting for one.
#[rocket::async_test]
async fn ten_concurrent_verifications_leave_health_answering() {
    let Some(app) = TestApp::postgres_with(|c| c.database_pool_size = 1).await else {
        return;
    };
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let mut locker = app.connect();
    locker
        .batch_execute("BEGIN; LOCK TABLE audit_entries IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let verifications = join_all((0..10).map(|_| async {
        let res = app
            .client
            .get("/api/v1/audit/verify")
            .header(Header::new(
                "Authorization",
                format!("Bearer {}", auditor.token),
            ))
            .dispatch()
            .await;
        answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        res
    }));
    let health_meanwhile = async {
        // Wait until a verification is stuck behind the lock, then ask for /health.
        let mut waited = 0;
        while lock_waiters(&app) == 0 {
            waited += 1;
            assert!(waited < 600, "no verification ever reached the lock");
            rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let status = app.client.get("/health").dispatch().await.status();
        // Keep the running one stuck until the other nine have their answers.
        while answered.load(std::sync::atomic::Ordering::SeqCst) < 9 {
            rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        locker.batch_execute("COMMIT").unwrap();
        status
    };
    let (answers, health) = rocket::tokio::join!(verifications, health_meanwhile);
    assert_eq!(health, Status::Ok, "/health while verifications run");
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().code).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "one verification ran: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        9,
        "the others were told to come back: {statuses:?}"
    );
    for r in answers
        .iter()
        .filter(|r| r.status() == Status::TooManyRequests)
    {
        let retry: u64 = r.headers().get_one("Retry-After").unwrap().parse().unwrap();
        assert!(retry >= 1);
    }
}

both_with!(
    a_running_verification_leaves_the_readers_alone_and_a_second_one_gets_429,
    |config| {
        // One reader connection: a verification that took it would stop every reader.
        config.database_pool_size = 1;
        config.audit.verify_wait_seconds = 0;
    },
    |app| {
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let gate = app
            .client
            .rocket()
            .state::<techledger::audit::gate::VerifyGate>()
            .unwrap();
        // A verification that runs until it is released.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (entered, running) = rocket::tokio::sync::oneshot::channel::<()>();
        let held = gate.run(move |_conn| {
            let _ = entered.send(());
            released.recv().map_err(|e| e.to_string())
        });
        let meanwhile = async {
            running.await.unwrap();
            let (health, _) = app.get("/health", None).await;
            let (me, _) = app.get("/api/v1/me", Some(&auditor.token)).await;
            let res = app
                .client
                .get("/api/v1/audit/verify")
                .header(Header::new(
                    "Authorization",
                    format!("Bearer {}", auditor.token),
                ))
                .dispatch()
                .await;
            let busy = res.status();
            let retry = res.headers().get_one("Retry-After").map(str::to_string);
            let kind = res.content_type().map(|c| c.to_string());
            release.send(()).unwrap();
            (health, me, busy, retry, kind)
        };
        let (result, (health, me, busy, retry, kind)) = rocket::tokio::join!(held, meanwhile);
        assert!(result.is_ok());
        assert_eq!(health, Status::Ok, "/health while a verification runs");
        assert_eq!(me, Status::Ok, "readers while a verification runs");
        assert_eq!(busy, Status::TooManyRequests);
        assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
        assert_eq!(kind.as_deref(), Some("application/problem+json"));
        // Once it ended, the next one runs.
        let (s, body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
        assert_eq!(s, Status::Ok);
        assert_eq!(body["ok"], true, "{body}");
    }
);
