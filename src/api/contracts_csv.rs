//! The contract list as a CSV file (合同导出): what the list's filters show, for spreadsheets —
//! UTF-8 with a BOM (Excel reads it as such), Chinese headers, amounts in yuan, times in Beijing
//! time (a contract registered at 20:00 UTC on 31 December falls in the next year there, as in
//! the statistics), each party by name and unified social credit code besides its id, and no
//! cell a spreadsheet would run as a formula.

use rocket::http::ContentType;
use rocket::response::stream::ByteStream;
use rocket::{State, get};

use super::contracts::{ContractView, ListQuery, with_names};
use super::problem::ApiResult;
use super::written::Attachment;
use crate::auth::LedgerReader;
use crate::db::DbError;
use crate::db::models::contracts;
use crate::domain::Subtype;

/// The same filters as CSV (UTF-8 with BOM, Chinese headers, amounts in yuan, times in Beijing
/// time, the parties' names and credit codes).
#[utoipa::path(get, operation_id = "contracts_csv", path = "/api/v1/contracts.csv", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, description = "text/csv", body = String, content_type = "text/csv")))]
#[get("/contracts.csv?<query..>")]
pub async fn csv(
    _reader: LedgerReader,
    query: ListQuery<'_>,
    read: &State<crate::app::ReadDb>,
) -> ApiResult<Attachment<ByteStream![Vec<u8>]>> {
    let db = &read.0;
    let filter = query.filter()?;
    let db = db.clone();
    let stream = ByteStream! {
        let mut header = vec![0xEF, 0xBB, 0xBF];
        header.extend(csv_line(&CSV_HEADERS.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
        yield header;
        let mut after: Option<String> = None;
        loop {
            let f = filter.clone();
            let cursor = after.clone();
            let page = db.run(move |conn| {
                let rows = contracts::list(conn, &f, cursor.as_deref(), 1000).map_err(DbError::from)?;
                with_names(conn, rows)
            }).await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export stopped");
                    break;
                }
            };
            let Some(last) = page.last() else { break };
            after = Some(last.contract.id.clone());
            let mut chunk = Vec::new();
            for c in &page {
                chunk.extend(csv_line(&csv_fields(c)));
            }
            let done = page.len() < 1000;
            yield chunk;
            if done {
                break;
            }
        }
    };
    Ok(Attachment {
        content_type: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        filename: "contracts.csv".into(),
        body: stream,
    })
}

/// The columns, in order.
pub const CSV_HEADERS: [&str; 33] = [
    "登记号",
    "合同名称",
    "合同类型",
    "合同子类型",
    "卖方",
    "卖方统一社会信用代码",
    "卖方编号",
    "买方",
    "买方统一社会信用代码",
    "买方编号",
    "签订日期",
    "有效期至",
    "合同成交额（元）",
    "技术交易额（元）",
    "技术领域",
    "知识产权类型",
    "登记点",
    "状态",
    "审核",
    "流向",
    "登记时间（北京时间）",
    "登记年度",
    "录入时间（北京时间）",
    "编号",
    "合同编号",
    "卖方法定代表人",
    "卖方联系人",
    "卖方联系电话",
    "买方法定代表人",
    "买方联系人",
    "买方联系电话",
    "技术开发/转让/许可价款（元）",
    "相关技术咨询、技术服务价款（元）",
];

/// One contract's cells, in the order of [`CSV_HEADERS`].
fn csv_fields(c: &ContractView) -> Vec<String> {
    let s = &c.contract;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        s.registration_no
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        s.title.clone(),
        s.contract_type.label_zh().to_string(),
        s.subtype
            .as_deref()
            .and_then(|code| Subtype::parse(s.contract_type, code).ok())
            .map(|st| st.label_zh().to_string())
            .unwrap_or_default(),
        c.seller_name.clone(),
        text(&c.seller_credit_code),
        s.seller_id.clone(),
        c.buyer_name.clone(),
        text(&c.buyer_credit_code),
        s.buyer_id.clone(),
        s.signed_on.to_string(),
        s.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        s.contract_amount.to_string(),
        s.technical_amount.to_string(),
        s.tech_field.label_zh().to_string(),
        s.ip_type.label_zh().to_string(),
        s.office.name_zh().to_string(),
        s.status.label_zh().to_string(),
        s.review.label_zh().to_string(),
        s.flow.label_zh().to_string(),
        s.registered_at
            .map(crate::time::shanghai_wall_clock)
            .unwrap_or_default(),
        s.period().map(|(y, _)| y.to_string()).unwrap_or_default(),
        crate::time::shanghai_wall_clock(s.created_at),
        s.id.clone(),
        text(&s.party_contract_no),
        text(&c.seller_legal_representative),
        s.seller_contact
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        s.seller_contact
            .as_ref()
            .map(|c| c.phone.to_string())
            .unwrap_or_default(),
        text(&c.buyer_legal_representative),
        s.buyer_contact
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        s.buyer_contact
            .as_ref()
            .map(|c| c.phone.to_string())
            .unwrap_or_default(),
        s.technical_split
            .map(|t| t.principal.to_string())
            .unwrap_or_default(),
        s.technical_split
            .map(|t| t.related_services.to_string())
            .unwrap_or_default(),
    ]
}

/// A cell a spreadsheet would take for a formula (OWASP's CSV injection: it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return), defused with a leading apostrophe.
fn defused(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// One CSV record, CRLF-terminated, every cell defused.
fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let safe: Vec<String> = fields.iter().map(|f| defused(f)).collect();
    let _ = writer.write_record(&safe);
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_others_kept() {
        for cell in ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\r=1"] {
            assert_eq!(defused(cell), format!("'{cell}"));
        }
        for cell in ["", "北京某某公司", "0539-8123456", "1250000.00", "a=b"] {
            assert_eq!(defused(cell), cell);
        }
        assert_eq!(
            String::from_utf8(csv_line(&["=HYPERLINK(\"x\")".into(), "a,b".into()]))
                .unwrap_or_default(),
            "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\"\r\n"
        );
    }
}
