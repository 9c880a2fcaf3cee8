//! Text as requests bring it: no NUL character (U+0000) anywhere. PostgreSQL cannot store one
//! in a text column (the statement fails, which was a 500), SQLite and C libraries end strings
//! there, and no signage field has a use for it. So every API refuses it where it parses a
//! body or an address, before any field is read, naming the field. Pure.

use serde_json::{Map, Value};

/// Whether `text` holds a NUL character.
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Whether a NUL is anywhere in `value`: in a string, or in a key or value of anything nested.
pub fn value_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => has_nul(s),
        Value::Array(items) => items.iter().any(value_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| has_nul(k) || value_has_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// The first field of an object (in the order the client sent them) whose name or value holds a
/// NUL, however deep in the value: what an error names.
pub fn field_with_nul(fields: &Map<String, Value>) -> Option<&str> {
    fields
        .iter()
        .find(|(k, v)| has_nul(k) || value_has_nul(v))
        .map(|(k, _)| k.as_str())
}

/// The first `(name, value)` pair of a query string or form whose name or value holds a NUL.
pub fn pair_with_nul(pairs: &[(String, String)]) -> Option<&str> {
    pairs
        .iter()
        .find(|(k, v)| has_nul(k) || has_nul(v))
        .map(|(k, _)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_is_found_anywhere_and_named_by_its_field() {
        let Value::Object(body) = json!({
            "name": "fine",
            "metadata": { "deep": [1, { "x": ["ok", "n\u{0}"] }] },
            "uri": "also\u{0}",
        }) else {
            unreachable!()
        };
        assert_eq!(field_with_nul(&body), Some("metadata"));
        let Value::Object(key) = json!({ "a": 1, "tags": { "k\u{0}": true } }) else {
            unreachable!()
        };
        assert_eq!(field_with_nul(&key), Some("tags"));
        let Value::Object(clean) = json!({ "name": "tab\tand\u{1}control", "n": 0, "b": null })
        else {
            unreachable!()
        };
        assert_eq!(field_with_nul(&clean), None);
        assert!(!value_has_nul(&json!([1, true, null, "x"])));
        assert!(value_has_nul(&json!(["\u{0}"])));
        let pairs = vec![
            ("q".to_string(), "menu".to_string()),
            ("tag".to_string(), "a\u{0}".to_string()),
        ];
        assert_eq!(pair_with_nul(&pairs), Some("tag"));
        assert_eq!(pair_with_nul(&pairs[..1]), None);
    }
}
