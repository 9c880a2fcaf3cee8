//! Request bodies as DRF sees them: JSON, URL-encoded forms and multipart forms, each turned
//! into one [`Data`]; other content types get DRF's 415.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::fields::NO_NUL;
use crate::api::error::LegacyError;
use crate::domain::text;

/// Largest JSON or form body accepted (files go through multipart streaming instead).
pub const MAX_BODY: usize = 1024 * 1024;

/// A parsed body.
#[derive(Debug, Clone)]
pub enum Data {
    /// A JSON object.
    Json(Map<String, Value>),
    /// Form fields: the last value of each key (what `QueryDict.get` returns) and all values.
    Form {
        last: Map<String, Value>,
        all: Map<String, Value>,
    },
}

impl Data {
    /// An empty form, which is what DRF makes of a request without a body.
    pub fn empty() -> Data {
        Data::Form {
            last: Map::new(),
            all: Map::new(),
        }
    }

    /// Builds form data from key/value pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Data {
        let mut last = Map::new();
        let mut all = Map::new();
        for (k, v) in pairs {
            last.insert(k.clone(), Value::String(v.clone()));
            match all.entry(k).or_insert_with(|| Value::Array(vec![])) {
                Value::Array(list) => list.push(Value::String(v)),
                _ => unreachable!("only arrays are inserted"),
            }
        }
        Data::Form { last, all }
    }

    /// The value of `field`.
    pub fn get(&self, field: &str) -> Option<&Value> {
        match self {
            Data::Json(map) => map.get(field),
            Data::Form { last, .. } => last.get(field),
        }
    }

    /// Every value given for `field` (forms can repeat a key).
    pub fn get_all(&self, field: &str) -> Vec<Value> {
        match self {
            Data::Json(map) => map.get(field).cloned().into_iter().collect(),
            Data::Form { all, .. } => match all.get(field) {
                Some(Value::Array(list)) => list.clone(),
                _ => vec![],
            },
        }
    }

    /// The first field whose name or value (however nested) holds a NUL character.
    fn field_with_nul(&self) -> Option<&str> {
        match self {
            Data::Json(map) => text::field_with_nul(map),
            Data::Form { all, .. } => text::field_with_nul(all),
        }
    }

    /// Forms follow HTML rules: a missing checkbox is false.
    pub fn is_form(&self) -> bool {
        matches!(self, Data::Form { .. })
    }
}

/// What a body held before it is known to be an object.
#[derive(Debug)]
pub enum Body {
    Object(Data),
    /// JSON that is not an object (a string, a list, …).
    Other(Value),
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Refuses a body with a NUL character anywhere (`domain::text`) before any field is read:
/// PostgreSQL cannot store one. DRF's `CharField`s say the same of their own values.
fn refuse_nul(data: Data) -> Result<Data, LegacyError> {
    match data.field_with_nul() {
        Some(field) => Err(LegacyError::fields_one(field, NO_NUL)),
        None => Ok(data),
    }
}

/// Reads and parses the body the way DRF's default parsers do; a body whose text holds a NUL
/// character is refused here, naming its field.
pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Body, LegacyError> {
    let ctype = content_type(req);
    if ctype == "multipart/form-data" {
        let mut form = Multipart::new(req.headers(), payload);
        let mut pairs = Vec::new();
        let mut total = 0usize;
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                LegacyError::detail(400, format!("Multipart form parse error - {e}"))
            })?;
            let name = field.name().unwrap_or_default().to_string();
            let is_file = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .is_some();
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| {
                    LegacyError::detail(400, format!("Multipart form parse error - {e}"))
                })?;
                total += chunk.len();
                if total > MAX_BODY {
                    return Err(LegacyError::too_large());
                }
                if !is_file {
                    value.extend_from_slice(&chunk);
                }
            }
            if !is_file {
                pairs.push((name, String::from_utf8_lossy(&value).into_owned()));
            }
        }
        return Ok(Body::Object(refuse_nul(Data::from_pairs(pairs))?));
    }
    let bytes = read_limited(payload).await?;
    if ctype.is_empty() && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::Object(Data::empty()));
    }
    match ctype.as_str() {
        "application/json" => parse_json(&bytes),
        t if t.ends_with("+json") => parse_json(&bytes),
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| LegacyError::detail(400, format!("Form parse error - {e}")))?;
            Ok(Body::Object(refuse_nul(Data::from_pairs(pairs))?))
        }
        other => Err(LegacyError::unsupported_media_type(if other.is_empty() {
            "".to_string()
        } else {
            other.to_string()
        })),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Body, LegacyError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(Body::Object(refuse_nul(Data::Json(map))?)),
        Ok(other) => Ok(Body::Other(other)),
        Err(e) => Err(LegacyError::detail(400, format!("JSON parse error - {e}"))),
    }
}

async fn read_limited(mut payload: web::Payload) -> Result<web::BytesMut, LegacyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            LegacyError::detail(400, format!("Could not read the request body: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(LegacyError::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body of a request that must be an object (v1.2 and v2 writes).
pub fn require_object(body: Body) -> Result<Data, LegacyError> {
    match body {
        Body::Object(data) => Ok(data),
        Body::Other(v) => Err(LegacyError::fields_one(
            "non_field_errors",
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                super::fields::python_type(&v)
            ),
        )),
    }
}

/// v1 and v1.1 carry the asset as JSON text: a `model` form field, a JSON object with
/// `model`, or a bare JSON string. Upstream answers 500 when it is missing; we answer 400 with
/// the same body.
pub fn model_object(body: Body) -> Result<Data, LegacyError> {
    let text = match &body {
        Body::Other(Value::String(s)) => Some(s.clone()),
        Body::Object(data) => match data.get("model") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(map)) => return Ok(Data::Json(map.clone())),
            _ => None,
        },
        Body::Other(_) => None,
    };
    let Some(text) = text else {
        return Err(LegacyError::error(400, "'model'"));
    };
    match serde_json::from_str::<Value>(&text) {
        // JSON inside a form field: its own text is read only now.
        Ok(Value::Object(map)) => refuse_nul(Data::Json(map)),
        Ok(_) | Err(_) => Err(LegacyError::error(
            400,
            "Request 'model' field is not valid JSON.",
        )),
    }
}
