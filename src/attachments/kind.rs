//! What an attachment is, told by its first bytes (magic numbers) — never by the name or the
//! Content-Type the client sent, which cost nothing to fake.

use serde::{Deserialize, Serialize};

/// The kinds of signed contract an applicant may attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    /// A PDF (`%PDF-`).
    Pdf,
    /// A JPEG photo or scan (`FF D8 FF`).
    Jpeg,
    /// A PNG image (the 8-byte PNG signature).
    Png,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl AttachmentKind {
    /// The kind of a file starting with `head`, if it is one we take.
    pub fn sniff(head: &[u8]) -> Option<AttachmentKind> {
        if head.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentKind::Jpeg)
        } else if head.starts_with(&PNG_SIGNATURE) {
            Some(AttachmentKind::Png)
        } else {
            None
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Jpeg => "jpeg",
            AttachmentKind::Png => "png",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<AttachmentKind> {
        match code {
            "pdf" => Some(AttachmentKind::Pdf),
            "jpeg" => Some(AttachmentKind::Jpeg),
            "png" => Some(AttachmentKind::Png),
            _ => None,
        }
    }

    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Png => "image/png",
        }
    }

    /// The file name extension it is served with.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Jpeg => "jpg",
            AttachmentKind::Png => "png",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_decide() {
        assert_eq!(
            AttachmentKind::sniff(b"%PDF-1.7\n..."),
            Some(AttachmentKind::Pdf)
        );
        assert_eq!(
            AttachmentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(AttachmentKind::Jpeg)
        );
        assert_eq!(
            AttachmentKind::sniff(&PNG_SIGNATURE),
            Some(AttachmentKind::Png)
        );
    }

    #[test]
    fn anything_else_is_refused_whatever_it_is_called() {
        for head in [
            &b"MZ\x90\x00"[..],
            b"PK\x03\x04",
            b"<html>%PDF-",
            b"%PD",
            b"",
            &PNG_SIGNATURE[..7],
        ] {
            assert_eq!(AttachmentKind::sniff(head), None, "{head:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in [
            AttachmentKind::Pdf,
            AttachmentKind::Jpeg,
            AttachmentKind::Png,
        ] {
            assert_eq!(AttachmentKind::from_code(k.code()), Some(k));
        }
        assert_eq!(AttachmentKind::from_code("gif"), None);
    }
}
