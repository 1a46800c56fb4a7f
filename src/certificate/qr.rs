//! The QR code of the verification link, as dark modules to draw as rectangles.

use qrcode::{Color, EcLevel, QrCode};

use super::CertificateError;

/// A QR code: `width` × `width` modules, row by row from the top, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Modules {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// Encodes `text` with error correction M (15 % of the code may be damaged).
pub(super) fn encode(text: &str) -> Result<Modules, CertificateError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| CertificateError::Qr(e.to_string()))?;
    Ok(Modules {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

/// The dark runs of each row, as (column, row, length): one rectangle per run keeps the page
/// small and leaves no hairline gaps between neighbouring modules.
pub(super) fn runs(modules: &Modules) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for row in 0..modules.width {
        let line = &modules.dark[row * modules.width..(row + 1) * modules.width];
        let mut column = 0;
        while column < line.len() {
            if line[column] {
                let start = column;
                while column < line.len() && line[column] {
                    column += 1;
                }
                out.push((start, row, column - start));
            } else {
                column += 1;
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_link_encodes_and_its_runs_cover_every_dark_module() {
        let modules = encode("https://ledger.example.cn/verify?no=2026371302000123").unwrap();
        assert_eq!(modules.dark.len(), modules.width * modules.width);
        // The finder pattern: the top-left module is dark.
        assert!(modules.dark[0]);
        let covered: usize = runs(&modules).iter().map(|r| r.2).sum();
        assert_eq!(covered, modules.dark.iter().filter(|d| **d).count());
    }
}
