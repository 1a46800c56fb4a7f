//! Import templates for registrars: a CSV (UTF-8 with BOM, Chinese headers, one example row)
//! and an XLSX workbook (Chinese headers, English names in a second header row, a note on each
//! header, drop-down lists, text-formatted code and amount columns, and a help sheet).

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatBorder, Note,
    Workbook, Worksheet, XlsxError,
};

use super::MAX_ROWS;
use super::columns::{Column, PartyField, Side};
use crate::domain::{ContractType, IpType, PartyKind, Subtype, TechField};

/// How a template column is formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text (titles, names).
    Text,
    /// Codes that must stay text (credit codes, region codes with leading zeros).
    Code,
    /// A calendar date.
    Date,
    /// An amount in yuan, kept as text so it is never a float.
    Amount,
    /// One of a code list (a drop-down of Chinese labels).
    List,
}

/// The label lists of the drop-downs.
struct Lists {
    contract_type: Vec<&'static str>,
    subtype: Vec<&'static str>,
    party_kind: Vec<&'static str>,
    tech_field: Vec<&'static str>,
    ip_type: Vec<&'static str>,
}

/// The Chinese labels of every list, subtypes without duplicates (其他 is in two types).
fn lists() -> Lists {
    let mut subtype: Vec<&'static str> = Vec::new();
    for s in Subtype::ALL {
        if !subtype.contains(&s.label_zh()) {
            subtype.push(s.label_zh());
        }
    }
    Lists {
        contract_type: ContractType::ALL.iter().map(|t| t.label_zh()).collect(),
        subtype,
        party_kind: PartyKind::ALL.iter().map(|k| k.label_zh()).collect(),
        tech_field: TechField::ALL.iter().map(|f| f.label_zh()).collect(),
        ip_type: IpType::ALL.iter().map(|i| i.label_zh()).collect(),
    }
}

/// One column of the template.
struct TemplateColumn {
    column: Column,
    /// The Chinese header as written in the template.
    header_zh: &'static str,
    /// The English header as written in the second row.
    header_en: &'static str,
    width: u16,
    kind: Kind,
    /// What to enter, for the note on the header (Chinese, then English).
    note: &'static str,
}

/// The template's columns, in order (the party nature codes are accepted but not offered).
const COLUMNS: [TemplateColumn; 19] = [
    TemplateColumn {
        column: Column::Title,
        header_zh: "合同名称",
        header_en: "title",
        width: 36,
        kind: Kind::Text,
        note: "必填。合同名称，最多300字。\nRequired. Contract title, at most 300 characters.",
    },
    TemplateColumn {
        column: Column::ContractType,
        header_zh: "合同类型",
        header_en: "contract_type",
        width: 12,
        kind: Kind::List,
        note: "必填。技术开发、技术转让、技术许可、技术咨询或技术服务（也可填代码）。\nRequired. development, transfer, licensing, consulting or service (Chinese label or code).",
    },
    TemplateColumn {
        column: Column::Subtype,
        header_zh: "合同子类型",
        header_en: "subtype",
        width: 16,
        kind: Kind::List,
        note: "选填。须属于所选合同类型，如技术开发→委托开发/合作开发。\nOptional. Must belong to the contract type, e.g. development → commissioned / cooperative.",
    },
    TemplateColumn {
        column: Column::Party(Side::Seller, PartyField::CreditCode),
        header_zh: "卖方统一社会信用代码",
        header_en: "seller_credit_code",
        width: 22,
        kind: Kind::Code,
        note: "18位统一社会信用代码（个人和境外主体不填）。已登记的主体只填此项即可。\n18-character unified social credit code (none for individuals and foreign parties). For a party already registered this column alone is enough.",
    },
    TemplateColumn {
        column: Column::Party(Side::Seller, PartyField::Name),
        header_zh: "卖方名称",
        header_en: "seller_name",
        width: 28,
        kind: Kind::Text,
        note: "新主体必填：名称。\nName (required for a new party).",
    },
    TemplateColumn {
        column: Column::Party(Side::Seller, PartyField::Kind),
        header_zh: "卖方类型",
        header_en: "seller_kind",
        width: 12,
        kind: Kind::List,
        note: "新主体必填：企业、高等院校、科研机构、个人或其他。\nKind (required for a new party): enterprise, university, research_institute, individual or other.",
    },
    TemplateColumn {
        column: Column::Party(Side::Seller, PartyField::Region),
        header_zh: "卖方所在地区",
        header_en: "seller_region",
        width: 14,
        kind: Kind::Code,
        note: "新主体必填：6位行政区划代码（GB/T 2260），如 371302；境外填 000000。\nRegion (required for a new party): 6-digit GB/T 2260 code, e.g. 371302; 000000 abroad.",
    },
    TemplateColumn {
        column: Column::Party(Side::Seller, PartyField::Country),
        header_zh: "卖方国家",
        header_en: "seller_country",
        width: 10,
        kind: Kind::Code,
        note: "仅境外主体填写：3位国别代码（ISO 3166-1），如 DEU。\nForeign parties only: 3-letter ISO 3166-1 code, e.g. DEU.",
    },
    TemplateColumn {
        column: Column::Party(Side::Buyer, PartyField::CreditCode),
        header_zh: "买方统一社会信用代码",
        header_en: "buyer_credit_code",
        width: 22,
        kind: Kind::Code,
        note: "18位统一社会信用代码（个人和境外主体不填）。已登记的主体只填此项即可。\n18-character unified social credit code (none for individuals and foreign parties). For a party already registered this column alone is enough.",
    },
    TemplateColumn {
        column: Column::Party(Side::Buyer, PartyField::Name),
        header_zh: "买方名称",
        header_en: "buyer_name",
        width: 28,
        kind: Kind::Text,
        note: "新主体必填：名称。\nName (required for a new party).",
    },
    TemplateColumn {
        column: Column::Party(Side::Buyer, PartyField::Kind),
        header_zh: "买方类型",
        header_en: "buyer_kind",
        width: 12,
        kind: Kind::List,
        note: "新主体必填：企业、高等院校、科研机构、个人或其他。\nKind (required for a new party): enterprise, university, research_institute, individual or other.",
    },
    TemplateColumn {
        column: Column::Party(Side::Buyer, PartyField::Region),
        header_zh: "买方所在地区",
        header_en: "buyer_region",
        width: 14,
        kind: Kind::Code,
        note: "新主体必填：6位行政区划代码（GB/T 2260），如 371302；境外填 000000。\nRegion (required for a new party): 6-digit GB/T 2260 code, e.g. 371302; 000000 abroad.",
    },
    TemplateColumn {
        column: Column::Party(Side::Buyer, PartyField::Country),
        header_zh: "买方国家",
        header_en: "buyer_country",
        width: 10,
        kind: Kind::Code,
        note: "仅境外主体填写：3位国别代码（ISO 3166-1），如 DEU。\nForeign parties only: 3-letter ISO 3166-1 code, e.g. DEU.",
    },
    TemplateColumn {
        column: Column::SignedOn,
        header_zh: "签订日期",
        header_en: "signed_on",
        width: 12,
        kind: Kind::Date,
        note: "必填。日期，如 2026-03-01（也可 2026/3/1、2026年3月1日），不能晚于今天。\nRequired. Date, e.g. 2026-03-01; not in the future.",
    },
    TemplateColumn {
        column: Column::ValidUntil,
        header_zh: "有效期至",
        header_en: "valid_until",
        width: 12,
        kind: Kind::Date,
        note: "选填。合同有效期截止日期，不早于签订日期。\nOptional. End of validity, not before the signing date.",
    },
    TemplateColumn {
        column: Column::ContractAmount,
        header_zh: "合同成交额（元）",
        header_en: "contract_amount (yuan)",
        width: 18,
        kind: Kind::Amount,
        note: "必填。以元为单位（不是万元），最多两位小数，如 1250000.00。\nRequired. In yuan (not 万元), at most 2 decimals, e.g. 1250000.00.",
    },
    TemplateColumn {
        column: Column::TechnicalAmount,
        header_zh: "技术交易额（元）",
        header_en: "technical_amount (yuan)",
        width: 18,
        kind: Kind::Amount,
        note: "必填。以元为单位，不超过合同成交额；500万元及以上须复核后登记。\nRequired. In yuan, at most the contract amount; 5,000,000.00 or more waits for a second registrar's approval.",
    },
    TemplateColumn {
        column: Column::TechField,
        header_zh: "技术领域",
        header_en: "tech_field",
        width: 22,
        kind: Kind::List,
        note: "必填。11个技术领域之一（见下拉列表或“说明”表）。\nRequired. One of the 11 technical fields (drop-down or the help sheet).",
    },
    TemplateColumn {
        column: Column::IpType,
        header_zh: "知识产权类型",
        header_en: "ip_type",
        width: 22,
        kind: Kind::List,
        note: "必填。专利、技术秘密、计算机软件著作权……或未涉及知识产权。\nRequired. patent, know_how, software_copyright, … or none.",
    },
];

/// The example row (a development contract bought in Linyi from Shanghai — an "introduced
/// achievement"). The seller is fictitious with a valid computed code; the buyer's code is a
/// real public one with letters, so that Excel keeps it as text when it opens the CSV.
const EXAMPLE: [&str; 19] = [
    "公交智能调度系统技术开发（示例行，导入前请删除）",
    "技术开发",
    "委托开发",
    "91310115MA1K3Y8P1B",
    "上海示例智能科技有限公司",
    "企业",
    "310115",
    "",
    "9137130016829134XT",
    "临沂市公共交通集团有限公司",
    "企业",
    "371300",
    "",
    "2026-03-01",
    "2027-02-28",
    "1250000.00",
    "1000000.00",
    "现代交通",
    "技术秘密",
];

/// The CSV template: UTF-8 with a BOM (so Excel reads the Chinese), Chinese headers, and one
/// example row.
pub fn template_csv() -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = cells.map(csv_cell).collect::<Vec<_>>().join(",");
        s.push_str("\r\n");
        s
    };
    out.extend_from_slice(line(&mut COLUMNS.iter().map(|c| c.header_zh)).as_bytes());
    out.extend_from_slice(line(&mut EXAMPLE.iter().copied()).as_bytes());
    out
}

/// Quotes a CSV cell when it needs it.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The XLSX template: the sheet 合同导入 (Chinese headers, English names in row 2, a note on
/// every header, drop-downs of the Chinese labels, code and amount columns as text, dates as
/// dates, one example row) and the sheet 说明 (every column and every code list).
pub fn template_xlsx() -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let lists = lists();
    let sheet = workbook.add_worksheet();
    sheet.set_name("合同导入")?;
    contract_sheet(sheet, &lists)?;
    let help = workbook.add_worksheet();
    help.set_name("说明")?;
    help_sheet(help)?;
    workbook.save_to_buffer()
}

/// The drop-down labels of a column.
fn list_of(column: Column, lists: &Lists) -> &[&'static str] {
    match column {
        Column::ContractType => &lists.contract_type,
        Column::Subtype => &lists.subtype,
        Column::Party(_, PartyField::Kind) => &lists.party_kind,
        Column::TechField => &lists.tech_field,
        Column::IpType => &lists.ip_type,
        _ => &[],
    }
}

/// Fills the data sheet.
fn contract_sheet(sheet: &mut Worksheet, lists: &Lists) -> Result<(), XlsxError> {
    let border = Format::new()
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xB4C6E7));
    let header = border
        .clone()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_text_wrap();
    let english = border
        .clone()
        .set_italic()
        .set_font_color(Color::RGB(0x7F7F7F))
        .set_background_color(Color::RGB(0xF2F2F2));
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let last_row = u32::try_from(MAX_ROWS + 1).unwrap_or(u32::MAX);
    for (i, col) in COLUMNS.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, col.header_zh, &header)?;
        sheet.write_string_with_format(1, c, col.header_en, &english)?;
        sheet.insert_note(
            0,
            c,
            &Note::new(col.note)
                .set_author("techledger")
                .add_author_prefix(false)
                .set_width(320)
                .set_height(110),
        )?;
        sheet.set_column_width(c, col.width)?;
        let example = EXAMPLE[i];
        match col.kind {
            Kind::Date => {
                sheet.set_column_format(c, &date)?;
                if let Some(d) = example_date(example) {
                    sheet.write_datetime_with_format(2, c, &d, &date)?;
                }
            }
            Kind::Code | Kind::Amount => {
                sheet.set_column_format(c, &text)?;
                if !example.is_empty() {
                    sheet.write_string_with_format(2, c, example, &text)?;
                }
            }
            Kind::Text | Kind::List => {
                if !example.is_empty() {
                    sheet.write_string(2, c, example)?;
                }
            }
        }
        let labels = list_of(col.column, lists);
        if col.kind == Kind::List && !labels.is_empty() {
            let validation = DataValidation::new()
                .allow_list_strings(labels)?
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("不在列表中 Not in the list")?
                .set_error_message("请从下拉列表中选择；也可以填写代码。\nChoose from the list, or enter the code.")?;
            sheet.add_data_validation(2, c, last_row, c, &validation)?;
        }
    }
    sheet.set_row_height(0, 30)?;
    sheet.set_freeze_panes(2, 1)?;
    Ok(())
}

/// `YYYY-MM-DD` as an Excel date.
fn example_date(s: &str) -> Option<ExcelDateTime> {
    let mut parts = s.split('-').map(|p| p.parse::<u16>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    ExcelDateTime::from_ymd(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
}

/// The rows of a code list on the help sheet: code, Chinese label, English label (or type).
type CodeRows = Vec<(&'static str, &'static str, &'static str)>;

/// Fills the help sheet: the columns, then every code list.
fn help_sheet(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 26)?;
    sheet.set_column_width(2, 30)?;
    sheet.set_column_width(3, 90)?;
    sheet.write_string_with_format(0, 0, "技术合同导入说明 / Contract import help", &title)?;
    sheet.write_string(
        1,
        0,
        "第1行为中文列名，第2行为英文列名（可保留或删除），数据从第3行开始；金额以元为单位。Row 1: Chinese headers; row 2: English names (keep or delete); data from row 3; amounts in yuan.",
    )?;
    let mut row: u32 = 3;
    for (i, heading) in [
        "列名 Column",
        "英文列名 English",
        "字段 Field",
        "说明 Notes",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(row, u16::try_from(i).unwrap_or(0), *heading, &bold)?;
    }
    for col in &COLUMNS {
        row += 1;
        sheet.write_string(row, 0, col.header_zh)?;
        sheet.write_string(row, 1, col.header_en)?;
        sheet.write_string(row, 2, col.column.field())?;
        sheet.write_string_with_format(row, 3, col.note, &wrap)?;
    }
    let code_lists: [(&str, CodeRows); 5] = [
        (
            "合同类型 contract_type",
            ContractType::ALL
                .iter()
                .map(|v| (v.code(), v.label_zh(), v.label_en()))
                .collect(),
        ),
        (
            "合同子类型 subtype",
            Subtype::ALL
                .iter()
                .map(|v| (v.code(), v.label_zh(), v.contract_type().label_zh()))
                .collect(),
        ),
        (
            "主体类型 seller_kind / buyer_kind",
            PartyKind::ALL
                .iter()
                .map(|v| (v.code(), v.label_zh(), v.label_en()))
                .collect(),
        ),
        (
            "技术领域 tech_field",
            TechField::ALL
                .iter()
                .map(|v| (v.code(), v.label_zh(), v.label_en()))
                .collect(),
        ),
        (
            "知识产权类型 ip_type",
            IpType::ALL
                .iter()
                .map(|v| (v.code(), v.label_zh(), v.label_en()))
                .collect(),
        ),
    ];
    for (name, values) in code_lists {
        row += 2;
        sheet.write_string_with_format(row, 0, name, &bold)?;
        sheet.write_string_with_format(row, 1, "代码 code", &bold)?;
        sheet.write_string_with_format(row, 2, "中文", &bold)?;
        sheet.write_string_with_format(row, 3, "English / 所属合同类型", &bold)?;
        for (code, zh, en) in values {
            row += 1;
            sheet.write_string(row, 1, code)?;
            sheet.write_string(row, 2, zh)?;
            sheet.write_string(row, 3, en)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn template_columns_are_recognised_in_both_rows() {
        for col in &COLUMNS {
            assert_eq!(
                col.column.zh(),
                col.header_zh.trim_end_matches("（元）"),
                "{}",
                col.header_zh
            );
        }
        // The example's credit codes are valid, and the seller's is what `complete` gives.
        assert_eq!(
            crate::domain::CreditCode::complete("91310115MA1K3Y8P")
                .unwrap()
                .as_str(),
            EXAMPLE[3]
        );
        crate::domain::CreditCode::parse(EXAMPLE[8]).unwrap();
    }
}
