//! Canonical JSON (RFC 8785, JCS) for the values our audit entries hold: objects, arrays,
//! strings, booleans, null and integers. Floats are refused — no audit payload carries one,
//! and refusing them keeps every language's reproduction of a hash exact.

use serde_json::Value;

/// Why a value has no canonical form here.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A floating-point number (money is a decimal string, counts are integers).
    #[error("floating-point number {0} in an audit payload")]
    Float(String),
}

/// Serialises `value` canonically: object keys sorted by UTF-16 code units, no insignificant
/// whitespace, strings escaped as ECMAScript's `JSON.stringify` does, UTF-8 left unescaped.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                return Err(CanonicalError::Float(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{09}' => out.push_str("\\t"),
            '\u{0A}' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{0D}' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_whitespace_dropped() {
        let v = json!({"b": 1, "a": [true, null, "x"], "c": {"z": 0, "y": -5}});
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            r#"{"a":[true,null,"x"],"b":1,"c":{"y":-5,"z":0}}"#
        );
    }

    #[test]
    fn utf8_is_not_escaped_but_controls_are() {
        let v = json!({"name": "临沂\u{1}\n\"/"});
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            "{\"name\":\"临沂\\u0001\\n\\\"/\"}"
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_code_points() {
        // U+FF61 sorts after U+1F600 in UTF-16 (0xD83D < 0xFF61 is false: 0xD83D is smaller),
        // so the emoji key (surrogates 0xD83D…) comes first.
        let v = json!({"\u{ff61}": 1, "\u{1f600}": 2});
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            "{\"\u{1f600}\":2,\"\u{ff61}\":1}"
        );
    }

    #[test]
    fn floats_are_refused() {
        assert!(to_canonical_string(&json!({"amount": 1.5})).is_err());
    }
}
