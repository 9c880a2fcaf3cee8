//! The two ends of a move as HTTP clients: the source's API v2 (Signate device mode or
//! Anthias, optionally with basic auth) and the target's API v3 (an API key). Every failure
//! becomes one line a person can act on.

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use super::MigrateError;

/// How long a request may take to connect; transfers themselves are not limited.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client; `follow` redirects or not. The source's client does not: Anthias answers
/// a request without its login with a redirect to `/login/`, which must read as "pass
/// --from-user", not as a page that is not JSON. The target's does (S3's signed media URLs;
/// reqwest drops `Authorization` on a redirect to another host).
pub fn client(follow: bool) -> Result<Client, MigrateError> {
    let policy = if follow {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(policy)
        .user_agent(concat!("signate-migrate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| MigrateError::Usage(format!("cannot start an HTTP client: {e}")))
}

/// A base URL without its trailing slash or user information, checked to be http(s), and the
/// user and password the URL carried (`http://user:pass@pi:8080`), which never reach a message.
pub fn base(raw: &str, flag: &str) -> Result<(String, Option<(String, String)>), MigrateError> {
    let mut url = url::Url::parse(raw.trim())
        .map_err(|_| MigrateError::Usage(format!("{flag} is not a URL (http://host:port)")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(MigrateError::Usage(format!(
            "{flag} must be an http:// or https:// address"
        )));
    }
    let creds = (!url.username().is_empty()).then(|| {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        (decode(url.username()), decode(url.password().unwrap_or("")))
    });
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok((url.as_str().trim_end_matches('/').to_string(), creds))
}

/// The server being read.
pub struct Source {
    pub http: Client,
    pub base: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Whether the source speaks API v2; older Anthias releases speak only v1.x (no play
    /// days or windows, no settings), read through v1.2 and v1.
    pub v2: bool,
}

impl Source {
    /// The source's assets: v2 where it is served, else v1.2.
    pub async fn assets(&mut self) -> Result<Value, MigrateError> {
        let probe = self
            .request(Method::GET, "/api/v2/assets")
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if probe.status() == StatusCode::NOT_FOUND {
            self.v2 = false;
            return self.json("/api/v1.2/assets").await;
        }
        self.v2 = true;
        self.json("/api/v2/assets").await
    }

    /// Where an asset's content is answered (v1 has it; v1.1 and v1.2 do not).
    pub fn content_path(&self, asset_id: &str) -> String {
        let api = if self.v2 { "v2" } else { "v1" };
        format!("/api/{api}/assets/{asset_id}/content")
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.user {
            Some(u) => req.basic_auth(u, self.password.as_deref()),
            None => req,
        }
    }

    /// `GET path` as JSON, with the source's failures named.
    pub async fn json(&self, path: &str) -> Result<Value, MigrateError> {
        let resp = self
            .request(Method::GET, path)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let login = resp.status().is_redirection()
            && resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.contains("login"));
        match resp.status() {
            _ if login => Err(self.credentials()),
            s if s.is_success() => read_json(resp).await.map_err(|e| {
                MigrateError::Source(format!(
                    "{}{path} did not answer JSON ({e}); is this a Signate device or an Anthias?",
                    self.base
                ))
            }),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(MigrateError::Source(match &self.user {
                    None => format!(
                        "{} asks for a user name and password: pass --from-user and --from-password",
                        self.base
                    ),
                    Some(u) => format!("{} refused user {u:?} and its password", self.base),
                }))
            }
            s => Err(MigrateError::Source(format!(
                "{}{path} answered {s}; is this a Signate device or an Anthias?",
                self.base
            ))),
        }
    }

    pub fn unreachable(&self, e: reqwest::Error) -> MigrateError {
        MigrateError::Source(format!(
            "cannot reach the source {}: {}",
            self.base,
            cause(&e)
        ))
    }

    fn credentials(&self) -> MigrateError {
        MigrateError::Source(match &self.user {
            None => format!(
                "{} asks for a user name and password: pass --from-user and --from-password",
                self.base
            ),
            Some(u) => format!("{} refused user {u:?} and its password", self.base),
        })
    }
}

/// The cloud tenant being written.
pub struct Target {
    pub http: Client,
    pub base: String,
    pub api_key: String,
}

impl Target {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
    }

    /// Sends `body` (if any) as JSON and answers the status and the JSON answer (`null` when
    /// there is none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), MigrateError> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let json = read_json(resp).await.unwrap_or(Value::Null);
        if status == StatusCode::UNAUTHORIZED {
            return Err(MigrateError::Target(format!(
                "{} refused the API key (revoked, expired or for another server)",
                self.base
            )));
        }
        Ok((status, json))
    }

    /// Like [`Target::call`], failing on any answer but 2xx with the server's own message.
    pub async fn ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, MigrateError> {
        let (status, json) = self.call(method.clone(), path, body).await?;
        if status.is_success() {
            return Ok(json);
        }
        Err(MigrateError::Target(format!(
            "{method} {path} answered {status}: {}",
            message(&json)
        )))
    }

    pub fn unreachable(&self, e: reqwest::Error) -> MigrateError {
        MigrateError::Target(format!(
            "cannot reach the target {}: {}",
            self.base,
            cause(&e)
        ))
    }
}

async fn read_json(resp: Response) -> Result<Value, String> {
    let bytes = resp.bytes().await.map_err(|e| cause(&e))?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// The message of an error answer in any of the API's shapes (v3 `{"error":{"message"}}`,
/// Anthias `{"detail"}`, `{"error"}` or `{"field": ["…"]}`).
pub fn message(json: &Value) -> String {
    if let Some(m) = json.pointer("/error/message").and_then(Value::as_str) {
        return m.to_string();
    }
    for key in ["detail", "error"] {
        if let Some(m) = json.get(key).and_then(Value::as_str) {
            return m.to_string();
        }
    }
    if let Some(obj) = json.as_object()
        && let Some((field, v)) = obj.iter().next()
    {
        let text = match v {
            Value::Array(a) => a.first().and_then(Value::as_str).unwrap_or("").to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return format!("{field}: {text}");
    }
    json.to_string()
}

/// The innermost cause of a transport error ("Connection refused"), which is the useful part.
pub fn cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    if e.is_timeout() {
        return "timed out".into();
    }
    source.to_string()
}
