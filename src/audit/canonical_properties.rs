//! Property tests of the canonical JSON: deterministic, round-trips, keys in UTF-16 order,
//! and the same text as serde_json's compact form where the two orders agree.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

use super::canonical::{CanonicalError, to_canonical_string};

/// Strings with what makes escaping and ordering hard: controls, quotes, backslashes, CJK,
/// characters just below and above the surrogate range, and astral characters.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => any::<char>(),
            1 => proptest::sample::select(vec![
                '"', '\\', '/', '\u{0}', '\u{8}', '\u{1f}', '\u{7f}', '\u{2028}', '临', '\u{ff61}',
                '\u{e000}', '\u{1f600}', '\u{10ffff}', 'a', 'B',
            ]),
        ],
        0..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A JSON value as the audit payloads hold them: no floats.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// The same value with every object's entries inserted in reverse order.
fn reinserted(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(reinserted).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.reverse();
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), reinserted(v));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Whether every string and key of the value lies in the Basic Multilingual Plane, where
/// UTF-16 order and code point order agree.
fn all_bmp(value: &Value) -> bool {
    let bmp = |s: &str| s.chars().all(|c| (c as u32) < 0x1_0000);
    match value {
        Value::String(s) => bmp(s),
        Value::Array(items) => items.iter().all(all_bmp),
        Value::Object(map) => map.iter().all(|(k, v)| bmp(k) && all_bmp(v)),
        _ => true,
    }
}

/// Checks that every object's keys, as they appear in the text, are in UTF-16 order.
fn keys_in_utf16_order(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().all(keys_in_utf16_order),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let text = to_canonical_string(value).unwrap();
            let mut at = 1; // after '{'
            for (i, key) in keys.iter().enumerate() {
                let written = to_canonical_string(&Value::String((*key).clone())).unwrap();
                if i > 0 {
                    at += 1; // ','
                }
                if !text[at..].starts_with(&written) {
                    return false;
                }
                at += written.len() + 1; // ':'
                at += to_canonical_string(&map[key.as_str()]).unwrap().len();
            }
            map.values().all(keys_in_utf16_order)
        }
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_text_parses_back_to_the_value(v in value()) {
        let text = to_canonical_string(&v).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &v);
        // Idempotent: the canonical form of the parsed text is the same text.
        prop_assert_eq!(to_canonical_string(&back).unwrap(), text);
    }

    #[test]
    fn insertion_order_does_not_matter(v in value()) {
        prop_assert_eq!(
            to_canonical_string(&reinserted(&v)).unwrap(),
            to_canonical_string(&v).unwrap()
        );
    }

    #[test]
    fn keys_are_written_in_utf16_order(v in value()) {
        prop_assert!(keys_in_utf16_order(&v), "{}", to_canonical_string(&v).unwrap());
    }

    /// Within the BMP, the canonical text is serde_json's compact output of the value with
    /// sorted keys (serde_json's map is ordered by code points): no whitespace, the same
    /// escapes, UTF-8 unescaped.
    #[test]
    fn within_the_bmp_it_is_compact_sorted_json(v in value()) {
        prop_assume!(all_bmp(&v));
        prop_assert_eq!(to_canonical_string(&v).unwrap(), serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn a_float_anywhere_is_refused(v in value(), f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let float = Value::Number(Number::from_f64(f).unwrap());
        let wrapped = Value::Array(vec![v, Value::Object(Map::from_iter([("x".to_string(), float)]))]);
        let refused = matches!(to_canonical_string(&wrapped), Err(CanonicalError::Float(_)));
        prop_assert!(refused, "a float was written");
    }
}
