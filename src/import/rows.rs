//! From rows of cells to contracts: finds the header row, skips blank rows and a repeated
//! header, and turns each data row into an `ImportRow` or a `RowReport` naming every bad field.

use std::borrow::Cow;

use super::cells::Cell;
use super::columns::{Column, Header, PartyField, Side, column_letter};
use super::values::{amount, date, region, required, text};
use super::{FileError, FileProblem, ParsedFile};
use crate::domain::PhoneNumber;
use crate::domain::{
    ContractType, CountryCode, CreditCode, IpType, PartyKind, RegionCode, Subtype, TechField,
};
use crate::ledger::{
    ContractParticulars, FieldError, ImportRow, NewContract, NewParty, PartyRef, RowReport,
};
use crate::records::{Contact, TechnicalSplit};

/// Caption rows (a single filled cell, like a sheet title) that may precede the header.
const MAX_CAPTIONS: usize = 3;

/// Collects the rows of a file as they are read.
#[derive(Debug)]
pub(crate) struct Builder {
    /// The most data rows accepted.
    max_rows: usize,
    header: Option<Header>,
    /// No data row yet: a row repeating the header may still be skipped.
    first_after_header: bool,
    /// Caption rows skipped above the header.
    captions: usize,
    parsed: ParsedFile,
}

impl Builder {
    /// A builder waiting for the header row, accepting at most `max_rows` data rows.
    pub(crate) fn new(max_rows: usize) -> Builder {
        Builder {
            max_rows,
            header: None,
            first_after_header: false,
            captions: 0,
            parsed: ParsedFile::default(),
        }
    }

    /// Takes the next row; `number` is its spreadsheet row number (1-based).
    pub(crate) fn row(&mut self, number: usize, cells: &[Cell<'_>]) -> Result<(), FileError> {
        if cells.iter().all(Cell::is_blank) {
            return Ok(());
        }
        let Some(header) = &self.header else {
            return match Header::read(cells)? {
                Some(header) => {
                    self.header = Some(header);
                    self.first_after_header = true;
                    Ok(())
                }
                // A caption above the header (one filled cell, e.g. a merged title) is skipped.
                None if self.captions < MAX_CAPTIONS
                    && cells.iter().filter(|c| !c.is_blank()).count() == 1 =>
                {
                    self.captions += 1;
                    Ok(())
                }
                None => Err(no_header(number)),
            };
        };
        if std::mem::take(&mut self.first_after_header) && header.is_repeated_by(cells) {
            return Ok(());
        }
        if let Some(position) = header.stray_value(cells) {
            let cell = format!("{}{number}", column_letter(position));
            return Err(FileError::new(
                FileProblem::UnknownColumn,
                format!(
                    "cell {cell} holds a value but its column has no header; name the column or clear it"
                ),
                format!("单元格 {cell} 有内容，但所在列没有列名；请填写列名或清空该列"),
            ));
        }
        if self.parsed.rows_total >= self.max_rows {
            let max = self.max_rows;
            return Err(FileError::new(
                FileProblem::TooManyRows,
                format!("the file has more than {max} data rows; split it into several files"),
                format!("文件的数据行超过 {max} 行，请拆分为多个文件"),
            ));
        }
        self.parsed.rows_total += 1;
        match contract(header, cells) {
            Ok(contract) => self.parsed.rows.push(ImportRow {
                row: number,
                contract,
            }),
            Err(errors) => self.parsed.rejected.push(RowReport {
                row: number,
                errors,
            }),
        }
        Ok(())
    }

    /// The parsed file, once every row was given.
    pub(crate) fn finish(self) -> Result<ParsedFile, FileError> {
        if self.header.is_none() {
            return Err(FileError::new(
                FileProblem::Empty,
                "the file is empty: it has no header row and no data",
                "文件为空：没有表头，也没有数据",
            ));
        }
        Ok(self.parsed)
    }
}

/// The error for a first row that names no known column.
fn no_header(number: usize) -> FileError {
    FileError::new(
        FileProblem::NoHeader,
        format!(
            "no header row: row {number} names none of the columns (合同名称, 合同类型, …, or title, contract_type, …); start the file with a header row as in the import template"
        ),
        format!(
            "缺少表头：第 {number} 行不含任何可识别的列名（合同名称、合同类型……）；请按导入模板在首行填写列名"
        ),
    )
}

/// Collects the error of a value, keeping the value's place as `None`.
fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The text of a required cell; a blank or unreadable cell is an error.
fn filled_text<'c>(
    header: &Header,
    cells: &'c [Cell<'_>],
    column: Column,
    errors: &mut Vec<FieldError>,
) -> Option<Cow<'c, str>> {
    let field = column.field();
    match keep(text(header.cell(cells, column), field), errors) {
        Some(Some(value)) => Some(value),
        Some(None) => {
            errors.push(required(field));
            None
        }
        None => None,
    }
}

/// Reads one data row; every problem of the row is returned at once.
fn contract(header: &Header, cells: &[Cell<'_>]) -> Result<NewContract, Vec<FieldError>> {
    let mut errors = Vec::new();
    let cell = |column: Column| header.cell(cells, column);
    let label =
        |column: Column, errors: &mut Vec<FieldError>| filled_text(header, cells, column, errors);

    let title = label(Column::Title, &mut errors).map(Cow::into_owned);
    let contract_type = label(Column::ContractType, &mut errors).and_then(|s| {
        keep(
            ContractType::from_label(&s).map_err(|e| FieldError::from_domain("contract_type", &e)),
            &mut errors,
        )
    });
    let subtype = match keep(text(cell(Column::Subtype), "subtype"), &mut errors).flatten() {
        Some(s) => match contract_type {
            Some(t) => keep(
                Subtype::from_label(t, &s).map_err(|e| FieldError::from_domain("subtype", &e)),
                &mut errors,
            ),
            None => None,
        },
        None => None,
    };
    let seller = party(header, cells, Side::Seller, &mut errors);
    let buyer = party(header, cells, Side::Buyer, &mut errors);
    let signed_on = match keep(date(cell(Column::SignedOn), "signed_on"), &mut errors) {
        Some(Some(d)) => Some(d),
        Some(None) => {
            errors.push(required("signed_on"));
            None
        }
        None => None,
    };
    let valid_until = keep(date(cell(Column::ValidUntil), "valid_until"), &mut errors);
    let contract_amount = keep(
        amount(cell(Column::ContractAmount), "contract_amount"),
        &mut errors,
    );
    let technical_amount = keep(
        amount(cell(Column::TechnicalAmount), "technical_amount"),
        &mut errors,
    );
    let tech_field = label(Column::TechField, &mut errors).and_then(|s| {
        keep(
            TechField::from_label(&s).map_err(|e| FieldError::from_domain("tech_field", &e)),
            &mut errors,
        )
    });
    let ip_type = label(Column::IpType, &mut errors).and_then(|s| {
        keep(
            IpType::from_label(&s).map_err(|e| FieldError::from_domain("ip_type", &e)),
            &mut errors,
        )
    });
    let particulars = particulars(header, cells, &mut errors);

    match (
        title,
        contract_type,
        seller,
        buyer,
        signed_on,
        valid_until,
        contract_amount,
        technical_amount,
        tech_field,
        ip_type,
    ) {
        (
            Some(title),
            Some(contract_type),
            Some(seller),
            Some(buyer),
            Some(signed_on),
            Some(valid_until),
            Some(contract_amount),
            Some(technical_amount),
            Some(tech_field),
            Some(ip_type),
        ) if errors.is_empty() => Ok(NewContract {
            title,
            contract_type,
            subtype,
            seller,
            buyer,
            signed_on,
            valid_until,
            contract_amount,
            technical_amount,
            tech_field,
            ip_type,
            particulars,
            registered_at: None,
            approved_by: None,
        }),
        _ => Err(errors),
    }
}

/// The contract's own number, the contacts of both sides and the technical amount split; the
/// ledger checks the rules between them.
fn particulars(
    header: &Header,
    cells: &[Cell<'_>],
    errors: &mut Vec<FieldError>,
) -> ContractParticulars {
    let cell = |column: Column| header.cell(cells, column);
    let owned = |column: Column, errors: &mut Vec<FieldError>| {
        keep(text(cell(column), column.field()), errors)
            .flatten()
            .map(Cow::into_owned)
    };
    let contact = |side: Side, errors: &mut Vec<FieldError>| {
        let name_column = Column::Party(side, PartyField::ContactName);
        let phone_column = Column::Party(side, PartyField::ContactPhone);
        let name = owned(name_column, errors);
        let phone = owned(phone_column, errors).and_then(|p| {
            keep(
                PhoneNumber::parse(&p)
                    .map_err(|e| FieldError::from_domain(phone_column.field(), &e)),
                errors,
            )
        });
        match (name, phone) {
            (Some(name), Some(phone)) => Some(Contact { name, phone }),
            (None, None) => None,
            (Some(_), None) if cell(phone_column).is_blank() => {
                errors.push(required(phone_column.field()));
                None
            }
            (None, Some(_)) => {
                errors.push(required(name_column.field()));
                None
            }
            _ => None,
        }
    };
    let optional_amount = |column: Column, errors: &mut Vec<FieldError>| {
        if cell(column).is_blank() {
            None
        } else {
            keep(amount(cell(column), column.field()), errors)
        }
    };
    let party_contract_no = owned(Column::PartyContractNo, errors);
    let seller_contact = contact(Side::Seller, errors);
    let buyer_contact = contact(Side::Buyer, errors);
    let principal = optional_amount(Column::SplitPrincipal, errors);
    let related = optional_amount(Column::SplitRelatedServices, errors);
    let technical_split = match (principal, related) {
        (Some(principal), Some(related_services)) => Some(TechnicalSplit {
            principal,
            related_services,
        }),
        (Some(_), None) if cell(Column::SplitRelatedServices).is_blank() => {
            errors.push(required(Column::SplitRelatedServices.field()));
            None
        }
        (None, Some(_)) if cell(Column::SplitPrincipal).is_blank() => {
            errors.push(required(Column::SplitPrincipal.field()));
            None
        }
        _ => None,
    };
    ContractParticulars {
        party_contract_no,
        seller_contact,
        buyer_contact,
        technical_split,
    }
}

/// Reads a party: by credit code alone, or inline (name, kind and region, and the credit code
/// unless an individual or abroad). Errors are named `seller.credit_code` etc.
fn party(
    header: &Header,
    cells: &[Cell<'_>],
    side: Side,
    errors: &mut Vec<FieldError>,
) -> Option<PartyRef> {
    let before = errors.len();
    let get = |f: PartyField| header.cell(cells, Column::Party(side, f));
    let field = |f: PartyField| Column::Party(side, f).field();
    let read = |f: PartyField, errors: &mut Vec<FieldError>| -> Option<String> {
        keep(text(get(f), field(f)), errors)
            .flatten()
            .map(|s| s.into_owned())
    };
    let filled = |f: PartyField| !get(f).is_blank();

    // Kind, region, country or nature make the party inline; so does a name without a code.
    // A credit code alone (perhaps with the name, for the reader) names an existing party.
    let inline = filled(PartyField::Kind)
        || filled(PartyField::Region)
        || filled(PartyField::Country)
        || filled(PartyField::NatureCode)
        || filled(PartyField::LegalRepresentative)
        || (filled(PartyField::Name) && !filled(PartyField::CreditCode));
    if !inline && !filled(PartyField::CreditCode) {
        errors.push(FieldError::new(
            field(PartyField::CreditCode),
            format!(
                "the {} is missing: give its unified social credit code, or its name, kind and region",
                side.key()
            ),
            format!("缺少{}：请填写其统一社会信用代码，或名称、类型和所在地区", side.zh()),
        ));
        return None;
    }
    let code = read(PartyField::CreditCode, errors).and_then(|c| {
        let parsed = CreditCode::parse(&c).map_err(|e| {
            credit_code_error(
                field(PartyField::CreditCode),
                get(PartyField::CreditCode),
                &e,
            )
        });
        keep(parsed, errors)
    });
    if !inline {
        return code
            .filter(|_| errors.len() == before)
            .map(PartyRef::CreditCode);
    }

    // Every field in column order, each missing or bad one named.
    let name = read(PartyField::Name, errors);
    if !filled(PartyField::Name) {
        errors.push(required(field(PartyField::Name)));
    }
    let kind = read(PartyField::Kind, errors).and_then(|k| {
        keep(
            PartyKind::from_label(&k)
                .map_err(|e| FieldError::from_domain(field(PartyField::Kind), &e)),
            errors,
        )
    });
    if !filled(PartyField::Kind) {
        errors.push(required(field(PartyField::Kind)));
    }
    let region = match keep(
        region(get(PartyField::Region), field(PartyField::Region)),
        errors,
    ) {
        Some(Some(r)) => Some(r),
        // A foreign party may leave its region blank and give only its country.
        Some(None) if filled(PartyField::Country) => Some(RegionCode::ABROAD),
        Some(None) => {
            errors.push(required(field(PartyField::Region)));
            None
        }
        None => None,
    };
    let country = read(PartyField::Country, errors).and_then(|c| {
        keep(
            CountryCode::parse(&c)
                .map_err(|e| FieldError::from_domain(field(PartyField::Country), &e)),
            errors,
        )
    });
    let nature_code = read(PartyField::NatureCode, errors);
    let legal_representative = read(PartyField::LegalRepresentative, errors);
    if errors.len() != before {
        return None;
    }
    let (Some(name), Some(kind), Some(region)) = (name, kind, region) else {
        return None;
    };
    let new = NewParty {
        name,
        credit_code: code,
        kind,
        region,
        nature_code,
        country,
        legal_representative,
    };
    let problems = new.check();
    if problems.is_empty() {
        Some(PartyRef::Inline(new))
    } else {
        let prefix = format!("{}.", side.key());
        errors.extend(problems.into_iter().map(|e| e.prefixed(&prefix)));
        None
    }
}

/// A credit-code error, with a hint when Excel turned the code into a number and lost digits
/// (a numeric XLSX cell, or `9.13713E+17` in a CSV saved by Excel).
fn credit_code_error(
    field: &str,
    cell: &Cell<'_>,
    e: &crate::domain::CreditCodeError,
) -> FieldError {
    let mangled = match cell {
        Cell::Number(n) => n.trunc().to_string().len() >= 16,
        Cell::Text(s) => looks_scientific(s.trim()),
        _ => false,
    };
    if mangled {
        return FieldError::new(
            field,
            format!(
                "the credit code was stored as a number and Excel kept only 15 digits ({}); format the column as text and enter the code again",
                cell.display().trim()
            ),
            format!(
                "统一社会信用代码被存为数字，Excel 只保留了 15 位有效数字（{}）；请将该列设为文本格式后重新填写",
                cell.display().trim()
            ),
        );
    }
    FieldError::from_domain(field, e)
}

/// `9.13713E+17`: how Excel shows a long number.
fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((i, f)) => digits(i) && digits(f),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.strip_prefix('+').is_some_and(digits)
}
