//! Free text people type (titles, names, reasons, notes): what it may contain besides its
//! length. Control characters have no place in a contract title, and a NUL cannot even be
//! stored in a PostgreSQL text column — refused here, it is a 422 naming the field on both
//! backends instead of a row SQLite keeps and PostgreSQL refuses.

use super::FieldError;

/// One line (a title, a name): no control characters.
pub(crate) fn is_line(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// Several lines (a reason, a note): line breaks and tabs, no other control characters.
pub(crate) fn is_paragraph(value: &str) -> bool {
    !value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Records a refusal when `value` is not one line.
pub(super) fn check_line(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    if !is_line(value) {
        errors.push(refused(field));
    }
}

/// Records a refusal when `value` is not a paragraph.
pub(super) fn check_lines(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    if !is_paragraph(value) {
        errors.push(refused(field));
    }
}

/// The refusal, for `field`.
pub(crate) fn refused(field: &str) -> FieldError {
    FieldError::new(
        field,
        "must not contain control characters",
        "不能包含控制字符",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_paragraphs() {
        let cases = [
            ("临沂 技术合同（二期）", true, true),
            ("第一行\n第二行\t注", false, true),
            ("a\u{0}b", false, false),
            ("a\u{7}b", false, false),
            ("a\u{1b}[31mb", false, false),
            ("a\u{85}b", false, false),
        ];
        for (text, line_ok, lines_ok) in cases {
            let mut errors = Vec::new();
            check_line("f", text, &mut errors);
            assert_eq!(errors.is_empty(), line_ok, "{text:?} as a line");
            let mut errors = Vec::new();
            check_lines("f", text, &mut errors);
            assert_eq!(errors.is_empty(), lines_ok, "{text:?} as lines");
        }
    }
}
