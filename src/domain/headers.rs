//! Custom HTTP headers a web-page asset is shown with (`metadata.headers`): Anthias's limits,
//! checked on the way in and normalised on the way out.

use serde_json::{Map, Value};

pub const MAX_ASSET_HEADERS: usize = 20;
pub const MAX_HEADER_NAME_LEN: usize = 256;
pub const MAX_HEADER_VALUE_LEN: usize = 4096;

/// The message upstream gives for any invalid header set.
pub const INVALID_HEADERS: &str = "Invalid custom headers. Each entry needs a valid header-name token (letters, digits, and !#$%&'*+-.^_`|~) and a value with no CR/LF, and at most 20 headers are allowed.";

/// An RFC 7230 token, within the length limit.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_HEADER_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// No line breaks or NUL, within the byte limit.
pub fn valid_value(value: &str) -> bool {
    value.len() <= MAX_HEADER_VALUE_LEN && !value.contains(['\r', '\n', '\0'])
}

/// A header set breaks a rule; upstream answers one message for every kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", INVALID_HEADERS)]
pub struct InvalidHeaders;

/// Checks a header set given by a client.
pub fn parse(input: &Map<String, Value>) -> Result<Map<String, Value>, InvalidHeaders> {
    if input.len() > MAX_ASSET_HEADERS {
        return Err(InvalidHeaders);
    }
    let mut out = Map::new();
    for (name, value) in input {
        let name = name.trim();
        let Value::String(value) = value else {
            return Err(InvalidHeaders);
        };
        if !valid_name(name) || !valid_value(value) {
            return Err(InvalidHeaders);
        }
        out.insert(name.to_string(), Value::String(value.clone()));
    }
    Ok(out)
}

/// What is shown and sent: whatever was stored, with invalid entries dropped and at most 20
/// kept (rows written by older versions or restored from backups may hold anything).
pub fn normalize(stored: Option<&Value>) -> Map<String, Value> {
    let Some(Value::Object(map)) = stored else {
        return Map::new();
    };
    map.iter()
        .filter_map(|(name, value)| {
            let name = name.trim();
            let value = value.as_str()?;
            (valid_name(name) && valid_value(value))
                .then(|| (name.to_string(), Value::String(value.to_string())))
        })
        .take(MAX_ASSET_HEADERS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_rejects_what_upstream_rejects() {
        let ok = json!({"X-Screen": "lobby", " Accept ": "text/html"});
        let parsed = parse(ok.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(parsed),
            json!({"X-Screen": "lobby", "Accept": "text/html"})
        );
        for bad in [
            json!({"X Screen": "a"}),
            json!({"X-A": "a\r\nb"}),
            json!({"X-A": 5}),
            json!({"": "a"}),
            json!({"X-A": "x".repeat(4097)}),
        ] {
            assert!(parse(bad.as_object().unwrap()).is_err(), "{bad}");
        }
        let many: Map<String, Value> = (0..21).map(|i| (format!("H{i}"), json!("v"))).collect();
        assert!(parse(&many).is_err());
    }

    #[test]
    fn normalize_drops_bad_entries() {
        let stored = json!({"Good": "1", "Bad Name": "2", "Num": 3, "Nl": "a\nb"});
        assert_eq!(
            Value::Object(normalize(Some(&stored))),
            json!({"Good": "1"})
        );
        assert!(normalize(Some(&json!("text"))).is_empty());
        assert!(normalize(None).is_empty());
    }
}
