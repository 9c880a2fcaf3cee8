//! Django REST Framework's field parsing, as Anthias clients meet it: the same coercions
//! (`"1"`, `"yes"`, `"on"` are true; `"20.0"` is 20), the same messages, and errors collected
//! per field in declaration order.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::body::Data;

/// Messages per field, in the order the fields were checked.
pub use crate::api::error::ErrorMap;

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const NOT_BLANK: &str = "This field may not be blank.";
pub const NOT_STRING: &str = "Not a valid string.";
pub const NOT_INTEGER: &str = "A valid integer is required.";
pub const NOT_BOOLEAN: &str = "Must be a valid boolean.";
pub const DATETIME_FORMAT: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
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

/// Python's `datetime.fromisoformat` (what Django's `parse_datetime` tries first): a date,
/// optionally `T` or space and a time, optionally an offset. Naive values are UTC. Returns
/// naive UTC.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"));
    }
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // Split the time from an offset: Z, +HH:MM, -HH:MM, +HHMM, +HH.
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let time = parse_iso_time(time)?;
    let naive = date.and_time(time);
    let offset = match offset {
        None => return Some(naive),
        Some("Z" | "z") => return Some(naive),
        Some(o) => parse_offset(o)?,
    };
    let aware: DateTime<FixedOffset> = offset.from_local_datetime(&naive).single()?;
    Some(aware.with_timezone(&Utc).naive_utc())
}

fn parse_iso_time(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.split_once(['.', ',']) {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str| -> Option<u32> {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let (h, m, sec) = match parts.as_slice() {
        [h] => (num(h)?, 0, 0),
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, sec] => (num(h)?, num(m)?, num(sec)?),
        _ => return None,
    };
    let micros = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<6}");
            padded[..6].parse().ok()?
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = s[1..].replace(':', "");
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match body.len() {
        2 => (body.parse::<i32>().ok()?, 0),
        4 => (
            body[..2].parse::<i32>().ok()?,
            body[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
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

    #[test]
    fn datetimes_like_fromisoformat() {
        let at = |s: &str| parse_datetime(s).map(|d| d.to_string());
        assert_eq!(
            at("2019-08-24T14:15:22Z").as_deref(),
            Some("2019-08-24 14:15:22")
        );
        assert_eq!(
            at("2019-08-24T16:15:22+02:00").as_deref(),
            Some("2019-08-24 14:15:22")
        );
        assert_eq!(
            at("2019-08-24 14:15").as_deref(),
            Some("2019-08-24 14:15:00")
        );
        assert_eq!(
            at("2019-08-24T14:15:22.5").as_deref(),
            Some("2019-08-24 14:15:22.500")
        );
        assert_eq!(at("2019-08-24").as_deref(), Some("2019-08-24 00:00:00"));
        assert_eq!(
            at("2019-08-24T14:15:22-0130").as_deref(),
            Some("2019-08-24 15:45:22")
        );
        assert_eq!(at("24/08/2019"), None);
        assert_eq!(at("2019-08-24T25:00"), None);
        assert_eq!(at("tomorrow"), None);
    }
}
