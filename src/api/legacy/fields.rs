//! Django REST Framework's field parsing, as Anthias clients meet it: the same coercions
//! (`"1"`, `"yes"`, `"on"` are true; `"20.0"` is 20), the same messages, and errors collected
//! per field in declaration order.

use chrono::{NaiveDateTime, NaiveTime};
use serde_json::{Map, Value};

use super::body::Data;
use crate::domain::time::parse_datetime;

/// Messages per field, in the order the fields were checked.
pub use crate::api::error::ErrorMap;

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const NOT_BLANK: &str = "This field may not be blank.";
pub const NOT_STRING: &str = "Not a valid string.";
pub const NOT_INTEGER: &str = "A valid integer is required.";
pub const NOT_BOOLEAN: &str = "Must be a valid boolean.";
pub const DATETIME_FORMAT: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
/// `ProhibitNullCharactersValidator`, which DRF gives every `CharField`; here it covers every
/// field (see `body::read`).
pub const NO_NUL: &str = "Null characters are not allowed.";
/// `CharField(max_length=…)`.
pub fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}
pub const TIME_FORMAT: &str =
    "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].";

/// One field's outcome: absent (and not required), present with a value, or invalid (the
/// error is already recorded).
pub enum Got<T> {
    Absent,
    Value(T),
    Invalid,
}

impl<T> Got<T> {
    /// The value, if one was given and valid.
    pub fn ok(self) -> Option<T> {
        match self {
            Got::Value(v) => Some(v),
            Got::Absent | Got::Invalid => None,
        }
    }
}

/// Reads fields out of a request body and records DRF-style errors.
pub struct Fields<'a> {
    data: &'a Data,
    /// PATCH: absent fields stay absent, even booleans in form bodies.
    partial: bool,
    pub errors: ErrorMap,
}

impl<'a> Fields<'a> {
    pub fn new(data: &'a Data, partial: bool) -> Fields<'a> {
        Fields {
            data,
            partial,
            errors: ErrorMap::new(),
        }
    }

    /// Records a message for `field` (a list, as serializers do).
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        let entry = self
            .errors
            .entry(field.to_string())
            .or_insert_with(|| Value::Array(vec![]));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }

    /// Whether every field so far was valid.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    fn raw(&mut self, field: &str, required: bool) -> Option<&'a Value> {
        match self.data.get(field) {
            Some(v) => Some(v),
            None => {
                if required && !self.partial {
                    self.fail(field, REQUIRED);
                }
                None
            }
        }
    }

    /// `CharField` (trimmed, like DRF). `Value(None)` is an explicit null when allowed.
    pub fn string(
        &mut self,
        field: &str,
        required: bool,
        allow_blank: bool,
        allow_null: bool,
    ) -> Got<Option<String>> {
        let Some(raw) = self.raw(field, required) else {
            return absent_or_invalid(self, field, required);
        };
        let text = match raw {
            Value::Null if allow_null => return Got::Value(None),
            Value::Null => {
                self.fail(field, NOT_NULL);
                return Got::Invalid;
            }
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.fail(field, NOT_STRING);
                return Got::Invalid;
            }
        };
        if text.is_empty() && !allow_blank {
            self.fail(field, NOT_BLANK);
            return Got::Invalid;
        }
        Got::Value(Some(text))
    }

    /// `IntegerField` with bounds.
    pub fn integer(
        &mut self,
        field: &str,
        required: bool,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Got<i64> {
        let Some(raw) = self.raw(field, required) else {
            return absent_or_invalid(self, field, required);
        };
        if raw.is_null() {
            self.fail(field, NOT_NULL);
            return Got::Invalid;
        }
        match parse_integer(raw) {
            Some(n) => {
                if let Some(min) = min
                    && n < min
                {
                    self.fail(
                        field,
                        format!("Ensure this value is greater than or equal to {min}."),
                    );
                    return Got::Invalid;
                }
                if let Some(max) = max
                    && n > max
                {
                    self.fail(
                        field,
                        format!("Ensure this value is less than or equal to {max}."),
                    );
                    return Got::Invalid;
                }
                Got::Value(n)
            }
            None => {
                self.fail(field, NOT_INTEGER);
                Got::Invalid
            }
        }
    }

    /// `BooleanField`: in form bodies a missing boolean is false (an unticked checkbox),
    /// except in a partial update.
    pub fn boolean(&mut self, field: &str, required: bool) -> Got<bool> {
        if self.data.is_form() && self.data.get(field).is_none() {
            return if self.partial {
                Got::Absent
            } else {
                Got::Value(false)
            };
        }
        let Some(raw) = self.raw(field, required) else {
            return absent_or_invalid(self, field, required);
        };
        match parse_boolean(raw) {
            Some(b) => Got::Value(b),
            None if raw.is_null() => {
                self.fail(field, NOT_NULL);
                Got::Invalid
            }
            None => {
                self.fail(field, NOT_BOOLEAN);
                Got::Invalid
            }
        }
    }

    /// `DateTimeField` (naive input is UTC); returns naive UTC.
    pub fn datetime(
        &mut self,
        field: &str,
        required: bool,
        allow_null: bool,
    ) -> Got<Option<NaiveDateTime>> {
        let Some(raw) = self.raw(field, required) else {
            return absent_or_invalid(self, field, required);
        };
        match raw {
            Value::Null if allow_null => Got::Value(None),
            Value::Null => {
                self.fail(field, NOT_NULL);
                Got::Invalid
            }
            Value::String(s) => match parse_datetime(s.trim()) {
                Some(dt) => Got::Value(Some(dt)),
                None => {
                    self.fail(field, DATETIME_FORMAT);
                    Got::Invalid
                }
            },
            _ => {
                self.fail(field, DATETIME_FORMAT);
                Got::Invalid
            }
        }
    }

    /// `TimeField`, nullable.
    pub fn time(&mut self, field: &str) -> Got<Option<NaiveTime>> {
        let Some(raw) = self.raw(field, false) else {
            return Got::Absent;
        };
        match raw {
            Value::Null => Got::Value(None),
            Value::String(s) if s.trim().is_empty() && self.data.is_form() => Got::Value(None),
            Value::String(s) => match crate::domain::schedule::parse_time(s.trim()) {
                Some(t) => Got::Value(Some(t)),
                None => {
                    self.fail(field, TIME_FORMAT);
                    Got::Invalid
                }
            },
            _ => {
                self.fail(field, TIME_FORMAT);
                Got::Invalid
            }
        }
    }

    /// `ListField(child=IntegerField(min, max))`; child errors are keyed by index.
    pub fn int_list(&mut self, field: &str, min: i64, max: i64) -> Got<Vec<i64>> {
        let items: Vec<Value> = if self.data.is_form() {
            let all = self.data.get_all(field);
            if all.is_empty() {
                return Got::Absent;
            }
            all
        } else {
            match self.data.get(field) {
                None => return Got::Absent,
                Some(Value::Array(items)) => items.clone(),
                Some(Value::Null) => {
                    self.fail(field, NOT_NULL);
                    return Got::Invalid;
                }
                Some(other) => {
                    self.fail(
                        field,
                        format!(
                            "Expected a list of items but got type \"{}\".",
                            python_type(other)
                        ),
                    );
                    return Got::Invalid;
                }
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut child_errors = Map::new();
        for (i, item) in items.iter().enumerate() {
            let message = match parse_integer(item) {
                Some(n) if n < min => {
                    format!("Ensure this value is greater than or equal to {min}.")
                }
                Some(n) if n > max => format!("Ensure this value is less than or equal to {max}."),
                Some(n) => {
                    out.push(n);
                    continue;
                }
                None => NOT_INTEGER.to_string(),
            };
            child_errors.insert(i.to_string(), Value::Array(vec![Value::String(message)]));
        }
        if !child_errors.is_empty() {
            self.errors
                .insert(field.to_string(), Value::Object(child_errors));
            return Got::Invalid;
        }
        Got::Value(out)
    }

    /// `DictField`: the raw object, for the caller's own checks.
    pub fn object(&mut self, field: &str) -> Got<Map<String, Value>> {
        let Some(raw) = self.raw(field, false) else {
            return Got::Absent;
        };
        let parsed;
        let raw = match raw {
            // A form can only carry an object as JSON text.
            Value::String(s) if self.data.is_form() => match serde_json::from_str::<Value>(s) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(_) => raw,
            },
            _ => raw,
        };
        match raw {
            Value::Object(map) => Got::Value(map.clone()),
            Value::Null => {
                self.fail(field, NOT_NULL);
                Got::Invalid
            }
            other => {
                self.fail(
                    field,
                    format!(
                        "Expected a dictionary of items but got type \"{}\".",
                        python_type(other)
                    ),
                );
                Got::Invalid
            }
        }
    }
}

fn absent_or_invalid<T>(fields: &Fields<'_>, field: &str, required: bool) -> Got<T> {
    if required && !fields.partial && fields.errors.contains_key(field) {
        Got::Invalid
    } else {
        Got::Absent
    }
}

/// The name Python gives a JSON value's type, for DRF's "got type" messages.
pub fn python_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// DRF `IntegerField.to_internal_value`: ints, integral floats, and strings such as
/// `"20"`, `" 20 "` or `"20.0"`; not booleans, not `"20.5"`.
pub fn parse_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
        }),
        Value::String(s) => {
            let s = s.trim();
            let s = match s.find('.') {
                Some(dot) if s[dot + 1..].bytes().all(|b| b == b'0') => &s[..dot],
                _ => s,
            };
            let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        }
        _ => None,
    }
}

/// DRF `BooleanField`: exactly its true and false spellings.
pub fn parse_boolean(v: &Value) -> Option<bool> {
    const TRUE: &[&str] = &[
        "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
    ];
    const FALSE: &[&str] = &[
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
    ];
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => {
            let f = n.as_f64()?;
            if f == 1.0 {
                Some(true)
            } else if f == 0.0 {
                Some(false)
            } else {
                None
            }
        }
        Value::String(s) if TRUE.contains(&s.as_str()) => Some(true),
        Value::String(s) if FALSE.contains(&s.as_str()) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_like_drf() {
        for (v, want) in [
            (json!(20), Some(20)),
            (json!("20"), Some(20)),
            (json!(" 20 "), Some(20)),
            (json!("20.0"), Some(20)),
            (json!(20.0), Some(20)),
            (json!("-3"), Some(-3)),
            (json!("20.5"), None),
            (json!(20.5), None),
            (json!("abc"), None),
            (json!(true), None),
            (json!(""), None),
            (json!(null), None),
        ] {
            assert_eq!(parse_integer(&v), want, "{v}");
        }
    }

    #[test]
    fn booleans_like_drf() {
        for v in [
            json!(true),
            json!(1),
            json!("1"),
            json!("yes"),
            json!("on"),
            json!("True"),
            json!("t"),
        ] {
            assert_eq!(parse_boolean(&v), Some(true), "{v}");
        }
        for v in [
            json!(false),
            json!(0),
            json!("0"),
            json!("no"),
            json!("off"),
            json!("FALSE"),
            json!("f"),
        ] {
            assert_eq!(parse_boolean(&v), Some(false), "{v}");
        }
        for v in [json!("tRuE"), json!(2), json!(""), json!(null), json!([])] {
            assert_eq!(parse_boolean(&v), None, "{v}");
        }
    }
}
