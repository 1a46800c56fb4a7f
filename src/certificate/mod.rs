//! The registration certificate (技术合同认定登记证明): an A4 PDF in Chinese with the
//! registration number, the parties, the amounts in figures and in Chinese capitals, type,
//! field, registration date and office, and a QR code that links to the public verification of
//! that registration. Its font travels inside it (a subset of Noto Sans CJK SC), so it renders
//! the same everywhere.
//!
//! A character the font lacks (some rare characters of personal names, outside the basic CJK
//! block) is not dropped: it is drawn as the font's box, extracted as U+FFFD, named in a note
//! on the certificate itself, and reported to the caller ([`Rendered::missing`]), so that the
//! reader knows the box stands for a character and the operator learns which one.

mod font;
mod qr;

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::domain::{Money, RegistrationNo};

/// Why a certificate could not be made (never the client's fault: a 500).
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The font could not be read or subset.
    #[error("{0}")]
    Font(String),
    /// The QR code could not be made.
    #[error("the QR code: {0}")]
    Qr(String),
}

/// One side of the contract as the certificate names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateParty {
    /// Name.
    pub name: String,
    /// Unified social credit code, when it has one.
    pub credit_code: Option<String>,
}

/// Everything a certificate shows, already in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// 16-digit registration number.
    pub registration_no: String,
    /// Title of the contract.
    pub title: String,
    /// Type (and sub-type) in Chinese, e.g. 技术开发（委托开发）.
    pub contract_type: String,
    /// The seller (技术提供方).
    pub seller: CertificateParty,
    /// The buyer.
    pub buyer: CertificateParty,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// 合同成交额.
    pub contract_amount: Money,
    /// 技术交易额.
    pub technical_amount: Money,
    /// Technical field in Chinese.
    pub tech_field: String,
    /// IP type in Chinese.
    pub ip_type: String,
    /// The registering office, e.g. 临沂市兰山区.
    pub office: String,
    /// Registration date (Asia/Shanghai).
    pub registered_on: NaiveDate,
    /// Where the registration can be verified (the QR code's link).
    pub verify_url: String,
    /// seq of the audit entry of the contract's current version.
    pub audit_seq: i64,
}

/// A rendered certificate.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Characters the font lacks, drawn as boxes (empty almost always).
    pub missing: Vec<char>,
}

/// The public verification link of a registration: `<public base>/verify?no=<number>`. Every
/// link to a registration's verification is built here (the QR code of the certificate, the
/// pages), so that it changes in one place.
pub fn verification_url(public_base_url: &str, registration_no: &RegistrationNo) -> String {
    format!(
        "{}/verify?no={}",
        public_base_url.trim_end_matches('/'),
        registration_no.as_str()
    )
}

/// Deflates a stream.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// `1250000.00` → `1,250,000.00`.
fn grouped(amount: Money) -> String {
    let text = amount.to_string();
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut out = String::new();
    for (i, c) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{fraction}")
}

/// `2026年3月1日`.
fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// The table's left edge, the values' left edge and the right edge.
const LEFT: f32 = 70.0;
const VALUE_LEFT: f32 = 190.0;
const RIGHT: f32 = PAGE_WIDTH - 70.0;
/// Size of the table's text and its line height.
const TEXT_SIZE: f32 = 11.0;
const LINE: f32 = 17.0;

/// Writes text into one content stream with the one font.
struct Page<'f> {
    content: Content,
    font: &'f mut font::FontUse,
}

impl Page<'_> {
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let bytes = self.font.encode(text);
        self.content
            .begin_text()
            .set_font(Name(b"F1"), size)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    fn centred(&mut self, y: f32, size: f32, text: &str) {
        let width = self.font.width(text) * size;
        self.text((PAGE_WIDTH - width) / 2.0, y, size, text);
    }

    /// Breaks `text` into lines no wider than `width` points at `size`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let w = self.font.advance(c) * size;
            if used + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            line.push(c);
            used += w;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    fn hline(&mut self, y: f32, width: f32) {
        self.content
            .set_line_width(width)
            .move_to(LEFT, y)
            .line_to(RIGHT, y)
            .stroke();
    }
}

/// Renders a certificate.
pub fn render(c: &Certificate) -> Result<Rendered, CertificateError> {
    let mut font = font::FontUse::new()?;
    let modules = qr::encode(&c.verify_url)?;
    let mut page = Page {
        content: Content::new(),
        font: &mut font,
    };

    // A double frame.
    page.content.set_stroke_gray(0.25).set_line_width(1.6);
    page.content
        .rect(36.0, 36.0, PAGE_WIDTH - 72.0, PAGE_HEIGHT - 72.0)
        .stroke();
    page.content.set_line_width(0.5);
    page.content
        .rect(42.0, 42.0, PAGE_WIDTH - 84.0, PAGE_HEIGHT - 84.0)
        .stroke();
    page.content.set_stroke_gray(0.0);

    page.centred(760.0, 24.0, "技术合同认定登记证明");
    page.centred(
        738.0,
        9.0,
        "Registration Certificate of a Technology Contract",
    );
    let number = format!("登记编号：{}", c.registration_no);
    let width = page.font.width(&number) * 12.0;
    page.text(RIGHT - width, 706.0, 12.0, &number);

    let party = |p: &CertificateParty| match &p.credit_code {
        Some(code) => format!("{}\n统一社会信用代码：{code}", p.name),
        None => p.name.clone(),
    };
    let amount = |m: Money| format!("¥{} 元\n人民币{}", grouped(m), m.chinese_capitals());
    let rows: [(&str, String); 11] = [
        ("合同名称", c.title.clone()),
        ("合同类型", c.contract_type.clone()),
        ("卖方（技术提供方）", party(&c.seller)),
        ("买方（技术接受方）", party(&c.buyer)),
        ("签订日期", chinese_date(c.signed_on)),
        ("合同成交额", amount(c.contract_amount)),
        ("技术交易额", amount(c.technical_amount)),
        ("技术领域", c.tech_field.clone()),
        ("知识产权类型", c.ip_type.clone()),
        ("登记机构", c.office.clone()),
        ("登记日期", chinese_date(c.registered_on)),
    ];
    let mut y = 690.0;
    page.hline(y, 1.0);
    for (label, value) in rows {
        let lines: Vec<String> = value
            .split('\n')
            .flat_map(|part| page.wrap(part, TEXT_SIZE, RIGHT - VALUE_LEFT - 6.0))
            .collect();
        let top = y;
        y -= 8.0;
        page.text(LEFT + 6.0, y - TEXT_SIZE, TEXT_SIZE, label);
        for line in &lines {
            page.text(VALUE_LEFT, y - TEXT_SIZE, TEXT_SIZE, line);
            y -= LINE;
        }
        y -= 6.0;
        page.content
            .set_line_width(0.4)
            .move_to(VALUE_LEFT - 8.0, top)
            .line_to(VALUE_LEFT - 8.0, y)
            .stroke();
        page.hline(y, 0.4);
    }
    page.hline(y, 1.0);

    y -= 28.0;
    page.text(
        LEFT,
        y,
        TEXT_SIZE,
        "经认定，上述合同为技术合同，已在本机构登记。",
    );
    y -= LINE;
    page.text(
        LEFT,
        y,
        TEXT_SIZE,
        "本证明的真实性可扫描右侧二维码或访问下列网址核验：",
    );
    y -= LINE;
    for line in page.wrap(&c.verify_url, 9.0, RIGHT - LEFT - 130.0) {
        page.text(LEFT, y, 9.0, &line);
        y -= 12.0;
    }

    // The QR code, bottom right: one rectangle per dark run, a quiet zone of four modules.
    let size = 110.0;
    let module = size / modules.width as f32;
    let (qx, qy) = (RIGHT - size, 70.0);
    page.content.set_fill_gray(0.0);
    for (column, row, length) in qr::runs(&modules) {
        page.content.rect(
            qx + column as f32 * module,
            qy + size - (row + 1) as f32 * module,
            length as f32 * module,
            module,
        );
    }
    page.content.fill_nonzero();
    page.text(qx, qy - 14.0, 8.0, "扫码核验 · Scan to verify");

    page.text(LEFT, 110.0, 9.0, &format!("{}（登记机构）", c.office));
    page.text(LEFT, 95.0, 9.0, &chinese_date(c.registered_on));
    page.text(
        LEFT,
        72.0,
        7.5,
        &format!(
            "临沂市技术成果交易中心 技术合同账本 · 审计序号 {}",
            c.audit_seq
        ),
    );
    page.text(
        LEFT,
        62.0,
        7.5,
        "本证明由系统生成，登记信息以核验结果为准。",
    );
    let missing = page.font.missing();
    if !missing.is_empty() {
        let codes: Vec<String> = missing
            .iter()
            .map(|ch| format!("U+{:04X}", u32::from(*ch)))
            .collect();
        page.text(
            LEFT,
            50.0,
            7.5,
            &format!(
                "注：证明中的方框表示字库中没有的字符（{}），以登记系统中的记录为准。",
                codes.join("、")
            ),
        );
    }
    let content = page.content.finish();

    let mut pdf = Pdf::new();
    let mut next_id = 1;
    let mut next = || {
        let r = Ref::new(next_id);
        next_id += 1;
        r
    };
    let catalog = next();
    let pages = next();
    let page_ref = next();
    let content_ref = next();
    let font_ref = next();
    let info_ref = next();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_ref]).count(1);
    {
        let mut p = pdf.page(page_ref);
        p.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(pages)
            .contents(content_ref);
        p.resources().fonts().pair(Name(b"F1"), font_ref);
        p.finish();
    }
    let compressed = deflate(&content);
    pdf.stream(content_ref, &compressed)
        .filter(pdf_writer::Filter::FlateDecode);
    pdf.document_info(info_ref)
        .title(TextStr(&format!(
            "技术合同认定登记证明 {}",
            c.registration_no
        )))
        .producer(TextStr("techledger"));
    let missing = font.missing();
    font.write(&mut pdf, &mut next, font_ref)?;
    Ok(Rendered {
        pdf: pdf.finish(),
        missing,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Certificate {
        Certificate {
            registration_no: "2026371302000123".into(),
            title: "高效节能电机控制系统技术开发".into(),
            contract_type: "技术开发（委托开发）".into(),
            seller: CertificateParty {
                name: "山东临沂测试大学".into(),
                credit_code: Some("913713001682510225".into()),
            },
            buyer: CertificateParty {
                name: "张三".into(),
                credit_code: None,
            },
            signed_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            contract_amount: Money::parse("1250000.00").unwrap(),
            technical_amount: Money::parse("1000000.00").unwrap(),
            tech_field: "先进制造".into(),
            ip_type: "专利".into(),
            office: "临沂市兰山区".into(),
            registered_on: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            verify_url: "http://127.0.0.1:8000/verify?no=2026371302000123".into(),
            audit_seq: 42,
        }
    }

    #[test]
    fn amounts_group_their_thousands() {
        assert_eq!(grouped(Money::parse("1250000").unwrap()), "1,250,000.00");
        assert_eq!(grouped(Money::parse("999.5").unwrap()), "999.50");
        assert_eq!(grouped(Money::parse("1000").unwrap()), "1,000.00");
        assert_eq!(grouped(Money::ZERO), "0.00");
    }

    #[test]
    fn the_link_is_built_in_one_place() {
        let no = RegistrationNo::parse("2026371302000123").unwrap();
        assert_eq!(
            verification_url("https://ledger.example.cn/", &no),
            "https://ledger.example.cn/verify?no=2026371302000123"
        );
    }

    #[test]
    fn a_certificate_is_a_small_pdf_with_its_font_embedded() {
        let out = render(&sample()).unwrap();
        if let Ok(path) = std::env::var("TECHLEDGER_CERTIFICATE_SAMPLE") {
            std::fs::write(path, &out.pdf).unwrap();
        }
        assert!(out.pdf.starts_with(b"%PDF-"));
        assert!(out.missing.is_empty());
        let text = String::from_utf8_lossy(&out.pdf);
        assert!(text.contains("/FontFile3"));
        assert!(text.contains("/Subtype /OpenType"));
        // A subset, not the 5 MB font.
        assert!(out.pdf.len() < 400_000, "{} bytes", out.pdf.len());
    }

    #[test]
    fn a_character_the_font_lacks_is_named_not_dropped() {
        let mut c = sample();
        // U+20BB7 𠮷 (a surname variant) lies in CJK Extension B, outside the shipped subset.
        c.buyer.name = "\u{20BB7}大".into();
        let out = render(&c).unwrap();
        assert_eq!(out.missing, vec!['\u{20BB7}']);
    }
}
