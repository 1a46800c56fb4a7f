//! The columns of an import file: their English and Chinese headers, how a header cell is
//! recognised (case, blanks, a BOM, a `*` required marker, a unit in brackets), and the
//! header row as a whole (unknown, duplicate and missing columns).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::FileError;
use super::cells::Cell;

/// Which party a column describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    /// 卖方 (the party that supplies the technology).
    Seller,
    /// 买方.
    Buyer,
}

impl Side {
    /// `seller` / `buyer`.
    pub(crate) const fn key(self) -> &'static str {
        match self {
            Side::Seller => "seller",
            Side::Buyer => "buyer",
        }
    }

    /// 卖方 / 买方.
    pub(crate) const fn zh(self) -> &'static str {
        match self {
            Side::Seller => "卖方",
            Side::Buyer => "买方",
        }
    }
}

/// One field of a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PartyField {
    /// 统一社会信用代码.
    CreditCode,
    /// 名称.
    Name,
    /// 类型 (party kind).
    Kind,
    /// 所在地区 (GB/T 2260 code).
    Region,
    /// 国家 (foreign parties).
    Country,
    /// 性质代码 (registration form table B-3.4).
    NatureCode,
    /// 法定代表人.
    LegalRepresentative,
    /// 联系人 (of this contract, not of the party).
    ContactName,
    /// 联系电话.
    ContactPhone,
}

impl PartyField {
    /// Position among a party's columns.
    const fn offset(self) -> usize {
        match self {
            PartyField::CreditCode => 0,
            PartyField::Name => 1,
            PartyField::Kind => 2,
            PartyField::Region => 3,
            PartyField::Country => 4,
            PartyField::NatureCode => 5,
            PartyField::LegalRepresentative => 6,
            PartyField::ContactName => 7,
            PartyField::ContactPhone => 8,
        }
    }

    /// Whether the field describes the party itself (the contact fields describe its role
    /// in this contract).
    #[cfg(test)]
    const fn of_party(self) -> bool {
        !matches!(self, PartyField::ContactName | PartyField::ContactPhone)
    }

    /// The field's name inside a party on the wire (`credit_code`).
    #[cfg(test)]
    const fn key(self) -> &'static str {
        match self {
            PartyField::CreditCode => "credit_code",
            PartyField::Name => "name",
            PartyField::Kind => "kind",
            PartyField::Region => "region",
            PartyField::Country => "country",
            PartyField::NatureCode => "nature_code",
            PartyField::LegalRepresentative => "legal_representative",
            PartyField::ContactName => "contact_name",
            PartyField::ContactPhone => "contact_phone",
        }
    }

    /// The Chinese header after 卖方/买方, then accepted variants.
    const fn zh(self) -> &'static [&'static str] {
        match self {
            PartyField::CreditCode => &["统一社会信用代码", "信用代码", "社会信用代码"],
            PartyField::Name => &["名称", "单位名称", "主体名称"],
            PartyField::Kind => &["类型", "主体类型"],
            PartyField::Region => &["所在地区", "地区", "行政区划代码", "所在地区代码"],
            PartyField::Country => &["国家", "国别", "国家或地区"],
            PartyField::NatureCode => &["性质代码", "主体性质代码"],
            PartyField::LegalRepresentative => &["法定代表人", "法人代表"],
            PartyField::ContactName => &["联系人"],
            PartyField::ContactPhone => &["联系电话", "联系人电话", "电话"],
        }
    }
}

/// A column of the import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Column {
    /// 合同名称.
    Title,
    /// 合同类型.
    ContractType,
    /// 合同子类型.
    Subtype,
    /// A party's field.
    Party(Side, PartyField),
    /// 签订日期.
    SignedOn,
    /// 有效期至.
    ValidUntil,
    /// 合同成交额.
    ContractAmount,
    /// 技术交易额.
    TechnicalAmount,
    /// 技术领域.
    TechField,
    /// 知识产权类型.
    IpType,
    /// 合同编号 (the parties' own number).
    PartyContractNo,
    /// 技术交易额中技术开发/转让/许可本身的价款.
    SplitPrincipal,
    /// 技术交易额中相关技术咨询、技术服务的价款.
    SplitRelatedServices,
}

/// Columns of one side.
const SIDE_COLUMNS: usize = 9;

/// How many columns there are.
pub(crate) const COLUMN_COUNT: usize = 30;

/// Every column, in template order.
pub(crate) const ALL: [Column; COLUMN_COUNT] = [
    Column::Title,
    Column::ContractType,
    Column::Subtype,
    Column::Party(Side::Seller, PartyField::CreditCode),
    Column::Party(Side::Seller, PartyField::Name),
    Column::Party(Side::Seller, PartyField::Kind),
    Column::Party(Side::Seller, PartyField::Region),
    Column::Party(Side::Seller, PartyField::Country),
    Column::Party(Side::Seller, PartyField::NatureCode),
    Column::Party(Side::Seller, PartyField::LegalRepresentative),
    Column::Party(Side::Seller, PartyField::ContactName),
    Column::Party(Side::Seller, PartyField::ContactPhone),
    Column::Party(Side::Buyer, PartyField::CreditCode),
    Column::Party(Side::Buyer, PartyField::Name),
    Column::Party(Side::Buyer, PartyField::Kind),
    Column::Party(Side::Buyer, PartyField::Region),
    Column::Party(Side::Buyer, PartyField::Country),
    Column::Party(Side::Buyer, PartyField::NatureCode),
    Column::Party(Side::Buyer, PartyField::LegalRepresentative),
    Column::Party(Side::Buyer, PartyField::ContactName),
    Column::Party(Side::Buyer, PartyField::ContactPhone),
    Column::SignedOn,
    Column::ValidUntil,
    Column::ContractAmount,
    Column::TechnicalAmount,
    Column::TechField,
    Column::IpType,
    Column::PartyContractNo,
    Column::SplitPrincipal,
    Column::SplitRelatedServices,
];

/// The field names of [`ALL`], as on the wire.
const FIELD_NAMES: [&str; COLUMN_COUNT] = [
    "title",
    "contract_type",
    "subtype",
    "seller.credit_code",
    "seller.name",
    "seller.kind",
    "seller.region",
    "seller.country",
    "seller.nature_code",
    "seller.legal_representative",
    "seller_contact.name",
    "seller_contact.phone",
    "buyer.credit_code",
    "buyer.name",
    "buyer.kind",
    "buyer.region",
    "buyer.country",
    "buyer.nature_code",
    "buyer.legal_representative",
    "buyer_contact.name",
    "buyer_contact.phone",
    "signed_on",
    "valid_until",
    "contract_amount",
    "technical_amount",
    "tech_field",
    "ip_type",
    "party_contract_no",
    "technical_split.principal",
    "technical_split.related_services",
];

impl Column {
    /// Position in [`ALL`].
    pub(crate) const fn index(self) -> usize {
        match self {
            Column::Title => 0,
            Column::ContractType => 1,
            Column::Subtype => 2,
            Column::Party(Side::Seller, f) => 3 + f.offset(),
            Column::Party(Side::Buyer, f) => 3 + SIDE_COLUMNS + f.offset(),
            Column::SignedOn => 3 + 2 * SIDE_COLUMNS,
            Column::ValidUntil => 4 + 2 * SIDE_COLUMNS,
            Column::ContractAmount => 5 + 2 * SIDE_COLUMNS,
            Column::TechnicalAmount => 6 + 2 * SIDE_COLUMNS,
            Column::TechField => 7 + 2 * SIDE_COLUMNS,
            Column::IpType => 8 + 2 * SIDE_COLUMNS,
            Column::PartyContractNo => 9 + 2 * SIDE_COLUMNS,
            Column::SplitPrincipal => 10 + 2 * SIDE_COLUMNS,
            Column::SplitRelatedServices => 11 + 2 * SIDE_COLUMNS,
        }
    }

    /// The English header, e.g. `seller_credit_code`.
    pub(crate) fn key(self) -> String {
        self.field().replace('.', "_")
    }

    /// The field as named in errors and on the wire, e.g. `seller.credit_code`.
    pub(crate) fn field(self) -> &'static str {
        FIELD_NAMES.get(self.index()).copied().unwrap_or_default()
    }

    /// The Chinese header, e.g. 卖方统一社会信用代码.
    pub(crate) fn zh(self) -> String {
        self.zh_names().into_iter().next().unwrap_or_default()
    }

    /// The Chinese header and its accepted variants.
    fn zh_names(self) -> Vec<String> {
        let fixed: &[&str] = match self {
            Column::Title => &["合同名称", "项目名称"],
            Column::ContractType => &["合同类型", "合同类别"],
            Column::Subtype => &["合同子类型", "合同子类", "子类型"],
            Column::Party(side, field) => {
                return field
                    .zh()
                    .iter()
                    .map(|name| format!("{}{name}", side.zh()))
                    .collect();
            }
            Column::SignedOn => &["签订日期", "合同签订日期", "签订时间"],
            Column::ValidUntil => &["有效期至", "合同有效期至", "有效期截止日期", "截止日期"],
            Column::ContractAmount => &["合同成交额", "成交额", "合同成交金额"],
            Column::TechnicalAmount => &["技术交易额", "技术交易金额"],
            Column::TechField => &["技术领域"],
            Column::IpType => &["知识产权类型", "知识产权类别"],
            Column::PartyContractNo => &["合同编号", "当事人合同编号", "双方合同编号"],
            Column::SplitPrincipal => &[
                "技术开发转让许可价款",
                "技术开发、转让、许可价款",
                "技术价款",
            ],
            Column::SplitRelatedServices => &[
                "相关技术咨询服务价款",
                "相关技术咨询、技术服务价款",
                "与之相关的技术咨询、技术服务价款",
            ],
        };
        fixed.iter().map(|s| (*s).to_string()).collect()
    }

    /// Whether the column holds an amount of money (a unit in its header matters).
    pub(crate) const fn is_amount(self) -> bool {
        matches!(
            self,
            Column::ContractAmount
                | Column::TechnicalAmount
                | Column::SplitPrincipal
                | Column::SplitRelatedServices
        )
    }
}

/// Every accepted (normalised) header name, with its column.
static NAMES: LazyLock<HashMap<String, Column>> = LazyLock::new(|| {
    let mut names = HashMap::new();
    for column in ALL {
        names.insert(normalise_name(&column.key()), column);
        for zh in column.zh_names() {
            names.insert(normalise_name(&zh), column);
        }
    }
    names
});

/// Lower-cases ASCII, maps blanks, `-` and `.` to `_` in English names and drops them from
/// Chinese ones.
fn normalise_name(s: &str) -> String {
    let ascii = s.is_ascii();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() || c == '_' || c == '-' || c == '.' {
            if ascii && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Brackets a unit or note may be written in after a header.
const BRACKETS: [(char, char); 4] = [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')];

/// What one header cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HeaderCell {
    /// Nothing (the column is ignored, provided its cells stay empty).
    Blank,
    /// A known column, with the text of a trailing bracket if any.
    Known(Column, Option<String>),
    /// Not a header we know.
    Unknown(String),
}

/// Reads one header cell.
fn header_cell(text: &str) -> HeaderCell {
    let trimmed = text
        .trim_start_matches('\u{feff}')
        .trim()
        .trim_matches(|c: char| c == '*' || c == '＊' || c.is_whitespace());
    if trimmed.is_empty() {
        return HeaderCell::Blank;
    }
    let lookup = |name: &str| NAMES.get(&normalise_name(name)).copied();
    if let Some(column) = lookup(trimmed) {
        return HeaderCell::Known(column, None);
    }
    for (open, close) in BRACKETS {
        if let Some(inner) = trimmed.strip_suffix(close)
            && let Some(at) = inner.rfind(open)
        {
            let name =
                inner[..at].trim_matches(|c: char| c == '*' || c == '＊' || c.is_whitespace());
            let note = inner[at + open.len_utf8()..].trim();
            if let Some(column) = lookup(name) {
                return HeaderCell::Known(column, Some(note.to_string()));
            }
        }
    }
    // 合同成交额元 / 合同成交额万元: a unit glued on without brackets.
    for unit in ["万元", "元"] {
        if let Some(name) = trimmed.strip_suffix(unit)
            && let Some(column) = lookup(name)
            && column.is_amount()
        {
            return HeaderCell::Known(column, Some(unit.to_string()));
        }
    }
    HeaderCell::Unknown(trimmed.to_string())
}

/// What a unit note after an amount header means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Yuan, as required.
    Yuan,
    /// 万元 or 亿元: refused, the file must be in yuan.
    Scaled,
    /// Something else.
    Unknown,
}

/// Classifies the note in brackets after an amount header.
fn unit(note: &str) -> Unit {
    let n: String = note
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const YUAN: [&str; 10] = [
        "元",
        "yuan",
        "cny",
        "rmb",
        "人民币",
        "人民币元",
        "元人民币",
        "¥",
        "￥",
        "单位：元",
    ];
    if YUAN.contains(&n.as_str()) || n == "单位:元" {
        Unit::Yuan
    } else if n.contains('万')
        || n.contains('亿')
        || n.contains('千')
        || n.contains("10k")
        || n.contains("10000")
        || n.contains("thousand")
        || n == "wan"
    {
        Unit::Scaled
    } else {
        Unit::Unknown
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The header row: which column of the file holds which field.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// For each column of the file, the field it holds (`None` for a blank header).
    by_position: Vec<Option<Column>>,
    /// For each field, the column of the file that holds it.
    by_column: [Option<usize>; COLUMN_COUNT],
}

impl Header {
    /// Reads the header row: `None` when not one cell names a known column, `Err` for
    /// unknown, duplicate, mis-united or missing columns.
    pub(crate) fn read(cells: &[Cell<'_>]) -> Result<Option<Header>, FileError> {
        let mut by_position = Vec::with_capacity(cells.len());
        let mut by_column = [None; COLUMN_COUNT];
        let mut unknown = Vec::new();
        let mut duplicate = Vec::new();
        let mut scaled = Vec::new();
        let mut odd_unit = Vec::new();
        for (position, cell) in cells.iter().enumerate() {
            let text = cell.header_text();
            match header_cell(&text) {
                HeaderCell::Blank => by_position.push(None),
                HeaderCell::Unknown(name) => {
                    unknown.push(format!("“{name}” ({})", column_letter(position)));
                    by_position.push(None);
                }
                HeaderCell::Known(column, note) => {
                    if column.is_amount()
                        && let Some(note) = &note
                    {
                        match unit(note) {
                            Unit::Yuan => {}
                            Unit::Scaled => scaled.push(format!(
                                "“{}” ({})",
                                text.trim(),
                                column_letter(position)
                            )),
                            Unit::Unknown => odd_unit.push(format!(
                                "“{}” ({})",
                                text.trim(),
                                column_letter(position)
                            )),
                        }
                    }
                    match by_column[column.index()] {
                        Some(first) => {
                            duplicate.push(format!(
                                "{} ({} and {})",
                                column.key(),
                                column_letter(first),
                                column_letter(position)
                            ));
                            by_position.push(None);
                        }
                        None => {
                            by_column[column.index()] = Some(position);
                            by_position.push(Some(column));
                        }
                    }
                }
            }
        }
        if by_column.iter().all(Option::is_none) {
            return Ok(None);
        }
        let header = Header {
            by_position,
            by_column,
        };
        if !scaled.is_empty() {
            return Err(FileError::new(
                super::FileProblem::Unit,
                format!(
                    "amounts must be in yuan (元), not 万元 or 亿元: column {} — convert the amounts to yuan and name the column 合同成交额 / 技术交易额 or 合同成交额（元）",
                    scaled.join(", ")
                ),
                format!(
                    "金额必须以元为单位，不接受万元或亿元：{}。请将金额换算为元，并将列名改为“合同成交额”“技术交易额”或“合同成交额（元）”",
                    scaled.join("、")
                ),
            ));
        }
        if !unknown.is_empty() || !odd_unit.is_empty() {
            let mut en = Vec::new();
            let mut zh = Vec::new();
            if !unknown.is_empty() {
                en.push(format!(
                    "unknown column {}; the accepted columns are {}",
                    unknown.join(", "),
                    ALL.iter().map(|c| c.key()).collect::<Vec<_>>().join(", ")
                ));
                zh.push(format!(
                    "无法识别的列：{}；可用的列为：{}",
                    unknown.join("、"),
                    ALL.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、")
                ));
            }
            if !odd_unit.is_empty() {
                en.push(format!(
                    "unknown unit in {}: amounts are in yuan (元)",
                    odd_unit.join(", ")
                ));
                zh.push(format!(
                    "无法识别的金额单位：{}；金额应以元为单位",
                    odd_unit.join("、")
                ));
            }
            return Err(FileError::new(
                super::FileProblem::UnknownColumn,
                en.join("; "),
                zh.join("；"),
            ));
        }
        if !duplicate.is_empty() {
            return Err(FileError::new(
                super::FileProblem::DuplicateColumn,
                format!("column given twice: {}", duplicate.join(", ")),
                format!("列重复：{}", duplicate.join("、")),
            ));
        }
        header.check_required()?;
        Ok(Some(header))
    }

    /// Every required column is present.
    fn check_required(&self) -> Result<(), FileError> {
        let mut missing: Vec<(String, String)> = Vec::new();
        let mut need = |column: Column| {
            if !self.has(column) {
                missing.push((column.key(), column.zh()));
            }
        };
        need(Column::Title);
        need(Column::ContractType);
        for side in [Side::Seller, Side::Buyer] {
            let code = Column::Party(side, PartyField::CreditCode);
            let inline = [PartyField::Name, PartyField::Kind, PartyField::Region]
                .map(|f| Column::Party(side, f));
            if !self.has(code) {
                if inline.iter().any(|c| self.has(*c)) {
                    // Without a credit code column, every party is given inline.
                    inline.into_iter().for_each(&mut need);
                } else {
                    need(code);
                }
            }
        }
        need(Column::SignedOn);
        need(Column::ContractAmount);
        need(Column::TechnicalAmount);
        need(Column::TechField);
        need(Column::IpType);
        if missing.is_empty() {
            return Ok(());
        }
        let en: Vec<String> = missing.iter().map(|(k, z)| format!("{k} ({z})")).collect();
        let zh: Vec<String> = missing.iter().map(|(k, z)| format!("{z}（{k}）")).collect();
        Err(FileError::new(
            super::FileProblem::MissingColumn,
            format!(
                "required column missing: {} (a party needs its credit code column, or its name, kind and region columns)",
                en.join(", ")
            ),
            format!(
                "缺少必需的列：{}（合同主体须有统一社会信用代码列，或名称、类型和所在地区列）",
                zh.join("、")
            ),
        ))
    }

    /// Whether the file has this column.
    pub(crate) fn has(&self, column: Column) -> bool {
        self.by_column[column.index()].is_some()
    }

    /// The cell of `column` in a row (empty when the column is absent or the row short).
    pub(crate) fn cell<'r, 'a>(&self, cells: &'r [Cell<'a>], column: Column) -> &'r Cell<'a> {
        self.by_column[column.index()]
            .and_then(|position| cells.get(position))
            .unwrap_or(&Cell::Empty)
    }

    /// Whether a row repeats the header (e.g. the template's English second header row):
    /// every filled cell names the column it stands in.
    pub(crate) fn is_repeated_by(&self, cells: &[Cell<'_>]) -> bool {
        let mut named = 0;
        for (position, cell) in cells.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            match header_cell(&cell.header_text()) {
                HeaderCell::Known(column, _)
                    if self.by_position.get(position) == Some(&Some(column)) =>
                {
                    named += 1
                }
                _ => return false,
            }
        }
        named > 0
    }

    /// The first position past the header's named columns holding a value, if any.
    pub(crate) fn stray_value(&self, cells: &[Cell<'_>]) -> Option<usize> {
        cells
            .iter()
            .enumerate()
            .find(|(position, cell)| {
                !cell.is_blank() && self.by_position.get(*position).is_none_or(Option::is_none)
            })
            .map(|(position, _)| position)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_the_table() {
        for (i, column) in ALL.iter().enumerate() {
            assert_eq!(column.index(), i, "{column:?}");
            if let Column::Party(side, field) = column {
                if field.of_party() {
                    assert_eq!(column.field(), format!("{}.{}", side.key(), field.key()));
                } else {
                    assert_eq!(column.key(), format!("{}_{}", side.key(), field.key()));
                }
            }
        }
        assert_eq!(Column::ContractAmount.field(), "contract_amount");
        assert_eq!(
            Column::Party(Side::Buyer, PartyField::Region).key(),
            "buyer_region"
        );
    }

    #[test]
    fn headers_are_recognised_in_both_languages() {
        let cases = [
            ("title", Some(Column::Title)),
            ("  Title ", Some(Column::Title)),
            ("\u{feff}合同名称", Some(Column::Title)),
            ("CONTRACT_TYPE", Some(Column::ContractType)),
            ("Contract Type", Some(Column::ContractType)),
            ("contract-type", Some(Column::ContractType)),
            ("合同类型", Some(Column::ContractType)),
            ("*合同类型", Some(Column::ContractType)),
            (
                "seller.credit_code",
                Some(Column::Party(Side::Seller, PartyField::CreditCode)),
            ),
            (
                "卖方统一社会信用代码",
                Some(Column::Party(Side::Seller, PartyField::CreditCode)),
            ),
            (
                "买方 所在地区",
                Some(Column::Party(Side::Buyer, PartyField::Region)),
            ),
            (
                "buyer_country",
                Some(Column::Party(Side::Buyer, PartyField::Country)),
            ),
            ("签订日期", Some(Column::SignedOn)),
            ("有效期至", Some(Column::ValidUntil)),
            ("技术交易额", Some(Column::TechnicalAmount)),
            ("技术领域", Some(Column::TechField)),
            ("知识产权类型", Some(Column::IpType)),
            ("合同编号", Some(Column::PartyContractNo)),
            (
                "卖方联系电话",
                Some(Column::Party(Side::Seller, PartyField::ContactPhone)),
            ),
            (
                "buyer_contact_name",
                Some(Column::Party(Side::Buyer, PartyField::ContactName)),
            ),
            (
                "卖方法定代表人",
                Some(Column::Party(Side::Seller, PartyField::LegalRepresentative)),
            ),
            ("合同附件", None),
            ("", None),
        ];
        for (text, expected) in cases {
            let got = match header_cell(text) {
                HeaderCell::Known(c, _) => Some(c),
                _ => None,
            };
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn units_in_brackets() {
        let cases = [
            ("合同成交额（元）", Some(Unit::Yuan)),
            ("合同成交额(元)", Some(Unit::Yuan)),
            ("contract_amount (yuan)", Some(Unit::Yuan)),
            ("contract_amount [CNY]", Some(Unit::Yuan)),
            ("技术交易额【元】", Some(Unit::Yuan)),
            ("合同成交额元", Some(Unit::Yuan)),
            ("合同成交额（万元）", Some(Unit::Scaled)),
            ("合同成交额(万元)", Some(Unit::Scaled)),
            ("合同成交额万元", Some(Unit::Scaled)),
            ("contract_amount (10,000 yuan)", Some(Unit::Scaled)),
            ("技术交易额（亿元）", Some(Unit::Scaled)),
            ("技术交易额（美元）", Some(Unit::Unknown)),
            ("合同成交额", None),
        ];
        for (text, expected) in cases {
            match header_cell(text) {
                HeaderCell::Known(column, note) => {
                    assert!(column.is_amount(), "{text}");
                    assert_eq!(note.as_deref().map(unit), expected, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // A note on another column is only a note.
        assert_eq!(
            header_cell("签订日期（YYYY-MM-DD）"),
            HeaderCell::Known(Column::SignedOn, Some("YYYY-MM-DD".into()))
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
