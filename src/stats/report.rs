//! The official's report as a spreadsheet: the summary and every breakdown, Chinese headers,
//! amounts in 万元 (numbers, for sums and charts) beside the exact amounts in 元 (text).

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

use super::{Breakdown, Dimension, Summary, TopParty};

/// Amount in 万元 for a spreadsheet cell. Spreadsheet numbers are binary floating point by
/// the file format; the exact amount in 元 is written beside it as text.
fn wan(yuan: &str) -> f64 {
    yuan.parse::<rust_decimal::Decimal>()
        .ok()
        .and_then(|d| {
            rust_decimal::prelude::ToPrimitive::to_f64(&(d / rust_decimal::Decimal::from(10_000)))
        })
        .unwrap_or(0.0)
}

/// The rows of the summary sheet naming the transparency-log checkpoint the figures were
/// computed at, and how to check them.
fn checkpoint_rows(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first: u32,
    summary: &Summary,
) -> Result<(), XlsxError> {
    let Some(cp) = &summary.checkpoint else {
        sheet.write(
            first,
            0,
            "日志检查点：无（当日账本尚无记录） · log checkpoint: none (no entry by then)",
        )?;
        return Ok(());
    };
    sheet.write(
        first,
        0,
        "日志检查点（条目数） · log checkpoint (tree size)",
    )?;
    sheet.write(first, 1, cp.tree_size as f64)?;
    sheet.write(first + 1, 0, "根哈希 · root hash")?;
    sheet.write(first + 1, 1, cp.root_hash.as_str())?;
    if let Some(note) = &cp.note {
        sheet.write(first + 2, 0, "签名检查点 · signed checkpoint")?;
        sheet.write(first + 2, 1, note.as_str())?;
    }
    sheet.write(
        first + 3,
        0,
        format!(
            "核验 · verify: techledger verify figures --year {} --checkpoint checkpoint.txt --export audit.jsonl --trust-root <根密钥指纹 root fingerprint>",
            summary.year
        ),
    )?;
    Ok(())
}

/// How the forecast was made, in words (`Summary::forecast_method` is a code).
fn forecast_method_zh(code: &str) -> &'static str {
    match code {
        "complete" => "全年已结束，预测即全年实际成交额",
        "seasonal" => "按上年同期至全年的比例推算（沿用上年季节规律）",
        "run_rate" => "按本年迄今日均成交额推算全年",
        _ => "暂无法预测（本年尚无数据）",
    }
}

/// The workbook bytes.
pub fn workbook(
    summary: &Summary,
    breakdowns: &[Breakdown],
    sellers: &[TopParty],
    buyers: &[TopParty],
    as_of: Option<NaiveDate>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("#E8EEF7")
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let wan_format = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0.00%");

    let sheet = book.add_worksheet().set_name("概要")?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 22)?;
    sheet.set_column_width(2, 24)?;
    sheet.write_with_format(
        0,
        0,
        format!("临沂市技术合同成交情况 {}年", summary.year),
        &title,
    )?;
    sheet.write(
        1,
        0,
        format!(
            "数据截至 {}（审计序号 {}）",
            summary.as_of, summary.audit_seq
        ),
    )?;
    if as_of.is_some() {
        sheet.write(
            2,
            0,
            "按当日账本状态重现 · reproduced as the ledger stood that day",
        )?;
    }
    sheet.write_with_format(4, 0, "指标", &header)?;
    sheet.write_with_format(4, 1, "数值（万元/项）", &header)?;
    sheet.write_with_format(4, 2, "精确值（元）", &header)?;
    let rows: [(&str, Option<&str>, Option<i64>); 6] = [
        ("技术合同成交额", Some(&summary.turnover), None),
        ("技术交易额", Some(&summary.technical_amount), None),
        ("成交额目标", Some(&summary.targets.turnover), None),
        ("年末预测成交额", Some(&summary.forecast_turnover), None),
        ("登记合同数（项）", None, Some(summary.contracts)),
        (
            "引进长三角及济青科技成果（项）",
            None,
            Some(summary.introduced),
        ),
    ];
    for (i, (label, amount, count)) in rows.iter().enumerate() {
        let r = 5 + i as u32;
        sheet.write(r, 0, *label)?;
        if let Some(a) = amount {
            sheet.write_with_format(r, 1, wan(a), &wan_format)?;
            sheet.write(r, 2, *a)?;
        }
        if let Some(c) = count {
            sheet.write(r, 1, *c as f64)?;
        }
    }
    let mut r = 12;
    for (label, value) in [
        ("成交额目标完成率", &summary.progress.turnover),
        ("合同数目标完成率", &summary.progress.contracts),
        ("引进成果目标完成率", &summary.progress.introduced),
        ("全年时间进度", &summary.progress.year_elapsed),
    ] {
        sheet.write(r, 0, label)?;
        if let Some(v) = value.as_f64() {
            sheet.write_with_format(r, 1, v, &percent)?;
        }
        r += 1;
    }
    sheet.write(
        r + 1,
        0,
        format!("预测方法：{}", forecast_method_zh(&summary.forecast_method)),
    )?;
    checkpoint_rows(sheet, r + 3, summary)?;

    for b in breakdowns {
        let name = Dimension::parse(&b.by).map_or(b.by.clone(), |d| format!("按{}", d.label_zh()));
        let sheet = book.add_worksheet().set_name(&name)?;
        sheet.set_column_width(0, 30)?;
        for (c, h) in [
            "类别",
            "类别（英文）",
            "成交额（万元）",
            "技术交易额（万元）",
            "合同数（项）",
            "引进成果（项）",
            "成交额（元）",
            "技术交易额（元）",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_with_format(0, c as u16, *h, &header)?;
            if c > 0 {
                sheet.set_column_width(c as u16, 16)?;
            }
        }
        for (i, row) in b.rows.iter().enumerate() {
            let r = 1 + i as u32;
            sheet.write(r, 0, row.label_zh.as_str())?;
            sheet.write(r, 1, row.label_en.as_str())?;
            sheet.write_with_format(r, 2, wan(&row.turnover), &wan_format)?;
            sheet.write_with_format(r, 3, wan(&row.technical_amount), &wan_format)?;
            sheet.write(r, 4, row.contracts as f64)?;
            sheet.write(r, 5, row.introduced as f64)?;
            sheet.write(r, 6, row.turnover.as_str())?;
            sheet.write(r, 7, row.technical_amount.as_str())?;
        }
        let total = 1 + b.rows.len() as u32;
        sheet.write_with_format(total, 0, "合计", &header)?;
        sheet.write_with_format(total, 2, wan(&summary.turnover), &wan_format)?;
        sheet.write_with_format(total, 3, wan(&summary.technical_amount), &wan_format)?;
        sheet.write(total, 4, summary.contracts as f64)?;
        sheet.write(total, 5, summary.introduced as f64)?;
        sheet.write(total, 6, summary.turnover.as_str())?;
        sheet.write(total, 7, summary.technical_amount.as_str())?;
    }

    for (name, parties) in [("前十卖方", sellers), ("前十买方", buyers)] {
        let sheet = book.add_worksheet().set_name(name)?;
        sheet.set_column_width(0, 40)?;
        for (c, h) in [
            "名称",
            "地区代码",
            "成交额（万元）",
            "合同数（项）",
            "成交额（元）",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_with_format(0, c as u16, *h, &header)?;
        }
        for (i, p) in parties.iter().enumerate() {
            let r = 1 + i as u32;
            sheet.write(r, 0, p.name.as_str())?;
            sheet.write(r, 1, p.region.as_str())?;
            sheet.write_with_format(r, 2, wan(&p.turnover), &wan_format)?;
            sheet.write(r, 3, p.contracts as f64)?;
            sheet.write(r, 4, p.turnover.as_str())?;
        }
    }
    book.save_to_buffer()
}
