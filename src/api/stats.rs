//! Statistics for officials (and every role): summary, breakdowns, top parties, the XLSX
//! report.

use std::sync::Arc;

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{State, get};

use super::problem::{ApiError, ApiResult};
use super::written::Attachment;
use crate::audit::checkpoint as checkpoints;
use crate::auth::StatsReader;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::ledger::Ledger;
use crate::stats::{self, Breakdown, Dimension, FiguresCheckpoint, Summary, TopParty};

fn year(value: Option<&str>) -> ApiResult<i32> {
    Ok(super::query::int("year", value, i64::from(stats::this_year()), 2000, 2999)? as i32)
}

fn as_of(value: Option<&str>) -> ApiResult<Option<chrono::NaiveDate>> {
    let day = super::query::date("as_of", value)?;
    if let Some(d) = day
        && d > crate::time::shanghai_date(crate::time::now())
    {
        return Err(ApiError::invalid(
            "as_of",
            "must not be in the future",
            "不能晚于今天",
        ));
    }
    Ok(day)
}

/// The signed checkpoint of exactly `seq` entries, the size figures were just read at: the
/// stored one, or one the writer signs now. `seq` always comes from the server's own read
/// (never from the client), so anyone asking for figures makes at most one checkpoint per size
/// the chain ever had.
pub(crate) async fn checkpoint_of(
    db: &Db,
    ledger: &Ledger,
    seq: i64,
) -> ApiResult<Option<FiguresCheckpoint>> {
    if seq < 1 {
        return Ok(None);
    }
    let stored = db
        .run(move |conn| Ok::<_, DbError>(checkpoints::by_size(conn, seq)?))
        .await?;
    let cp = match stored {
        Some(cp) => cp,
        None => ledger.checkpoint_at(seq).await?,
    };
    let note = match cp.note {
        Some(_) => Some(super::log::with_cosignatures(db, &cp).await?),
        None => None,
    };
    let root_hash = match cp.root_hash {
        Some(root) => root,
        // A checkpoint stored before the Merkle tree: the tree's root at its size.
        None => {
            db.run(move |conn| {
                crate::audit::tlog::root(conn, seq as u64)
                    .map(|r| crate::audit::merkle::hex(&r))
                    .map_err(|e| DbError::Task(e.to_string()))
            })
            .await?
        }
    };
    Ok(Some(FiguresCheckpoint {
        tree_size: cp.tree_size,
        root_hash,
        note,
    }))
}

/// Turnover, contracts and introduced achievements of a year against its targets, with
/// progress ratios and a year-end forecast; `as_of` reproduces the figures as the ledger stood
/// at the end of that day (Asia/Shanghai). `checkpoint` names the signed checkpoint of
/// exactly the entries the figures reflect (for `as_of`, up to the last entry of that day):
/// `techledger verify figures` recomputes them from the export up to it.
#[utoipa::path(get, operation_id = "stats_summary", path = "/api/v1/stats/summary", tag = "stats", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, description = "Registration year (default: this year)"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD: the ledger as it stood at the end of that day")),
    responses((status = 200, description = "The summary", body = Summary),
        (status = 422, description = "A bad parameter, named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/stats/summary?<year>&<as_of>")]
pub async fn summary(
    _reader: StatsReader,
    year: Option<&str>,
    as_of: Option<&str>,
    read: &State<crate::app::ReadDb>,
    ledger: &State<Ledger>,
    config: &State<Arc<Config>>,
) -> ApiResult<Json<Summary>> {
    let db = &read.0;
    let (year, day) = (self::year(year)?, self::as_of(as_of)?);
    let targets = config.targets.for_year(year).clone();
    let mut summary = db
        .run(move |conn| stats::summary(conn, year, day, &targets))
        .await?;
    summary.checkpoint = checkpoint_of(db, ledger, summary.audit_seq).await?;
    Ok(Json(summary))
}

/// A year's figures by office, contract type, technical field, IP type, seller kind, flow,
/// month or review state; the rows add up to the summary exactly. `checkpoint` as in the
/// summary.
#[utoipa::path(get, operation_id = "stats_breakdown", path = "/api/v1/stats/breakdown", tag = "stats", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, description = "Registration year (default: this year)"),
           ("by" = String, Query, description = "office | contract_type | tech_field | ip_type | seller_kind | flow | month | review"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, description = "The breakdown", body = Breakdown),
        (status = 422, description = "A bad parameter, named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/stats/breakdown?<year>&<by>&<as_of>")]
pub async fn breakdown(
    _reader: StatsReader,
    year: Option<&str>,
    by: Option<&str>,
    as_of: Option<&str>,
    read: &State<crate::app::ReadDb>,
    ledger: &State<Ledger>,
    config: &State<Arc<Config>>,
) -> ApiResult<Json<Breakdown>> {
    let db = &read.0;
    let (year, day) = (self::year(year)?, self::as_of(as_of)?);
    let by = by.and_then(Dimension::parse).ok_or_else(|| {
        ApiError::invalid(
            "by",
            "one of office, contract_type, tech_field, ip_type, seller_kind, flow, month, review",
            "分组方式应为 office、contract_type、tech_field、ip_type、seller_kind、flow、month 或 review",
        )
    })?;
    let targets = config.targets.for_year(year).clone();
    let mut breakdown = db
        .run(move |conn| stats::breakdown(conn, year, by, day, &targets))
        .await?;
    breakdown.checkpoint = checkpoint_of(db, ledger, breakdown.audit_seq).await?;
    Ok(Json(breakdown))
}

/// The largest sellers or buyers of a year by turnover.
#[utoipa::path(get, operation_id = "stats_top_parties", path = "/api/v1/stats/top-parties", tag = "stats", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, description = "Registration year"),
           ("side" = String, Query, description = "seller | buyer"),
           ("limit" = Option<i64>, Query, description = "1–100, default 10")),
    responses((status = 200, description = "Largest first", body = Vec<TopParty>)))]
#[get("/stats/top-parties?<year>&<side>&<limit>")]
pub async fn top_parties(
    _reader: StatsReader,
    year: Option<&str>,
    side: Option<&str>,
    limit: Option<&str>,
    read: &State<crate::app::ReadDb>,
) -> ApiResult<Json<Vec<TopParty>>> {
    let db = &read.0;
    let year = self::year(year)?;
    let side = match side {
        Some("seller") => "seller",
        Some("buyer") => "buyer",
        _ => {
            return Err(ApiError::invalid(
                "side",
                "seller or buyer",
                "应为 seller 或 buyer",
            ));
        }
    };
    let limit = super::query::int("limit", limit, 10, 1, 100)?;
    let rows = db
        .run(move |conn| stats::top_parties(conn, year, side, limit))
        .await?;
    Ok(Json(rows))
}

/// The official's report: the summary and every breakdown as sheets, Chinese headers,
/// amounts in 万元 beside the exact 元; every sheet read in one snapshot, the summary sheet
/// naming the checkpoint it was computed at.
#[utoipa::path(get, operation_id = "stats_report", path = "/api/v1/stats/report.xlsx", tag = "stats", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, description = "Registration year"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, description = "XLSX workbook", body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
#[get("/stats/report.xlsx?<year>&<as_of>")]
pub async fn report(
    _reader: StatsReader,
    year: Option<&str>,
    as_of: Option<&str>,
    read: &State<crate::app::ReadDb>,
    ledger: &State<Ledger>,
    config: &State<Arc<Config>>,
) -> ApiResult<Attachment<Vec<u8>>> {
    let db = &read.0;
    let (year, day) = (self::year(year)?, self::as_of(as_of)?);
    let targets = config.targets.for_year(year).clone();
    let (mut summary, breakdowns, sellers, buyers) = db
        .run(move |conn| {
            let reading = stats::read(conn, year, day)?;
            let summary = stats::summary_of(&reading, year, day, &targets);
            let breakdowns: Vec<Breakdown> = Dimension::ALL
                .iter()
                .map(|d| stats::breakdown_of(&reading.figures, year, *d, day, &targets))
                .collect();
            let sellers = stats::top_parties(conn, year, "seller", 10)?;
            let buyers = stats::top_parties(conn, year, "buyer", 10)?;
            Ok::<_, DbError>((summary, breakdowns, sellers, buyers))
        })
        .await?;
    summary.checkpoint = checkpoint_of(db, ledger, summary.audit_seq).await?;
    let bytes = stats::report::workbook(&summary, &breakdowns, &sellers, &buyers, day)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Attachment {
        content_type: ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        filename: format!("techledger-report-{year}.xlsx"),
        body: bytes,
    })
}
