//! The registration certificate (登记证明): a PDF whose text — extracted by poppler's
//! pdftotext, an independent reader — holds the number, both parties, the amounts in figures
//! and in Chinese capitals; only for registered contracts.

use rocket::http::{Header, Status};
use serde_json::json;

use crate::both;
use crate::support::*;

/// The PDF's text as pdftotext reads it, or None (with a note) when poppler-utils is missing:
/// .ci/run installs it, so CI always checks.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = temp_dir();
    let path = dir.join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!(
            "pdftotext refused the certificate: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            eprintln!("skipped the text check: pdftotext (poppler-utils) is not installed");
            None
        }
    }
}

async fn download(app: &TestApp, id: &str, token: &str) -> (Status, Vec<u8>, Option<String>) {
    let res = app
        .client
        .get(format!("/api/v1/contracts/{id}/certificate.pdf"))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    let status = res.status();
    let missing = res
        .headers()
        .get_one("X-Certificate-Missing-Characters")
        .map(str::to_string);
    (status, res.into_bytes().await.unwrap_or_default(), missing)
}

fn body(seller_name: &str, amount: &str, technical: &str) -> serde_json::Value {
    json!({
        "title": "一种智能农机控制系统技术开发",
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": {"name": seller_name, "credit_code": credit_code(1).as_str(), "kind": "university", "region": "320102"},
        "buyer": {"name": "临沂犇鑫农业机械有限公司", "credit_code": credit_code(2).as_str(), "kind": "enterprise", "region": "371302"},
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": technical,
        "tech_field": "agriculture",
        "ip_type": "patent"
    })
}

both!(
    a_registered_contract_has_a_certificate_with_its_facts,
    |app| {
        let reg = app.registrar("reg1").await;
        let (s, c) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body("南京堃玥科技大学", "1250000.00", "1000000.50"),
            )
            .await;
        assert_eq!(s, Status::Created, "{c}");
        let id = c["id"].as_str().unwrap();
        let no = c["registration_no"].as_str().unwrap();
        let official = app
            .user("off1", techledger::domain::Role::Official, None)
            .await;
        let (s, pdf, missing) = download(&app, id, &official.token).await;
        assert_eq!(s, Status::Ok);
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            missing, None,
            "every character of this contract is in the font"
        );
        if let Some(text) = pdftotext(&pdf) {
            for needle in [
                "技术合同认定登记证明",
                no,
                "南京堃玥科技大学",
                "临沂犇鑫农业机械有限公司",
                credit_code(1).as_str(),
                "¥1,250,000.00",
                "人民币壹佰贰拾伍万元整",
                "¥1,000,000.50",
                "人民币壹佰万元伍角整",
                "技术开发（委托开发）",
                "临沂市兰山区",
                &format!("/verify?no={no}"),
            ] {
                assert!(text.contains(needle), "{needle:?} not in:\n{text}");
            }
        }
    }
);

both!(a_character_the_font_lacks_is_named, |app| {
    let reg = app.registrar("reg1").await;
    // U+20BB7 (a variant of 吉 used in surnames) lies outside the shipped font.
    let (s, c) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body("\u{20BB7}野科技大学", "10.00", "10.00"),
        )
        .await;
    assert_eq!(s, Status::Created, "{c}");
    let (s, pdf, missing) = download(&app, c["id"].as_str().unwrap(), &reg.token).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(missing.as_deref(), Some("U+20BB7"));
    if let Some(text) = pdftotext(&pdf) {
        // Drawn as a box that reads as U+FFFD, never dropped, and named on the page.
        assert!(text.contains("\u{FFFD}野科技大学"), "{text}");
        assert!(text.contains("U+20BB7"), "{text}");
    }
});

both!(only_a_registered_contract_has_a_certificate, |app| {
    let reg = app.registrar("reg1").await;
    // At the large-contract threshold: pending, without a number.
    let (s, c) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body("南京测试大学", "6000000.00", "5000000.00"),
        )
        .await;
    assert_eq!(s, Status::Created, "{c}");
    assert_eq!(c["status"], "pending");
    let (s, _, _) = download(&app, c["id"].as_str().unwrap(), &reg.token).await;
    assert_eq!(s, Status::Conflict);
    // A voided one has none any more.
    let (_, small) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body("南京测试大学", "10.00", "10.00"),
        )
        .await;
    let id = small["id"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/contracts/{id}/void"),
            &reg.token,
            &json!({"reason": "双方解除合同"}),
        )
        .await;
    assert_eq!(s, Status::Ok);
    let (s, _, _) = download(&app, id, &reg.token).await;
    assert_eq!(s, Status::Conflict);
    let (s, _, _) = download(&app, "00000000-0000-0000-0000-000000000000", &reg.token).await;
    assert_eq!(s, Status::NotFound);
});
