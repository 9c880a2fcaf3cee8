//! The document keeps its word: real v3 requests across the API, each answer (successes and
//! errors alike) checked against the schema that the served OpenAPI document
//! (`GET /api/v3/openapi.json`, not the file) declares for its path, method and status. An
//! answer with a field the document does not name, a wrong type, a missing required field or a
//! status the document does not list is reported with the route, the status and the JSON
//! pointer of the first mismatch.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{PASSWORD, address, mail_to, spawn, stored_picture, token_in};
use crate::helpers::TestApp;

/// The served document, and what the requests made through it found.
struct Contract<'a> {
    app: &'a TestApp,
    doc: Value,
    /// Answers that disagree with the document: route, status, first mismatch.
    drift: RefCell<Vec<String>>,
    /// `METHOD /template → status` of every answer checked.
    covered: RefCell<BTreeSet<String>>,
}

impl<'a> Contract<'a> {
    /// Fetches the document the server serves.
    async fn load(app: &'a TestApp) -> Contract<'a> {
        let res = app.get("/api/v3/openapi.json").await;
        assert_eq!(res.status(), 200, "GET /api/v3/openapi.json");
        let doc: Value = res.json().await.expect("the OpenAPI document is JSON");
        // The schemas are read as OpenAPI 3.1 says (JSON Schema 2020-12), see `json_schema`.
        assert_eq!(doc["openapi"], "3.1.0", "the document's OpenAPI version");
        let contract = Contract {
            app,
            doc,
            drift: RefCell::default(),
            covered: RefCell::default(),
        };
        // The document is an answer of the API too.
        contract.get(200, "/api/v3/openapi.json", None).await;
        contract
    }

    /// Sends the request, checks the answer against the document and returns its status and
    /// body (JSON, else the text as a string; `null` when empty).
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let req = req.build().expect("a request");
        let (method, path) = (req.method().to_string(), req.url().path().to_string());
        let res = self.app.client.execute(req).await.expect("request");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.bytes().await.expect("body");
        let checked = check(
            &self.doc,
            &method,
            &path,
            status,
            content_type.as_deref(),
            &body,
        );
        match checked {
            Ok(template) => {
                let line = format!("{method} {template} → {status}");
                self.covered.borrow_mut().insert(line);
            }
            Err(why) => {
                let shown: String = String::from_utf8_lossy(&body).chars().take(1500).collect();
                let line = format!("{method} {path} → {status}: {why}\n    answer: {shown}");
                self.drift.borrow_mut().push(line);
            }
        }
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()))
        };
        (status, value)
    }

    /// A request with an optional bearer credential and JSON body.
    fn request(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::RequestBuilder {
        let mut req = self.app.client.request(method, self.app.url(path));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req
    }

    /// Sends the request and asserts its status; returns the body.
    async fn expect(
        &self,
        status: u16,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: impl Into<Option<Value>>,
    ) -> Value {
        let req = self.request(method.clone(), path, bearer, body.into());
        let (s, b) = self.send(req).await;
        assert_eq!(
            s,
            status,
            "{method} {path} answered {b}{}",
            self.drift_so_far()
        );
        b
    }

    async fn get(&self, status: u16, path: &str, bearer: Option<&str>) -> Value {
        self.expect(status, Method::GET, path, bearer, None).await
    }

    async fn post(
        &self,
        status: u16,
        path: &str,
        bearer: Option<&str>,
        body: impl Into<Option<Value>>,
    ) -> Value {
        self.expect(status, Method::POST, path, bearer, body).await
    }

    async fn patch(&self, status: u16, path: &str, bearer: Option<&str>, body: Value) -> Value {
        self.expect(status, Method::PATCH, path, bearer, body).await
    }

    async fn put(&self, status: u16, path: &str, bearer: Option<&str>, body: Value) -> Value {
        self.expect(status, Method::PUT, path, bearer, body).await
    }

    async fn delete(&self, status: u16, path: &str, bearer: Option<&str>) -> Value {
        self.expect(status, Method::DELETE, path, bearer, None)
            .await
    }

    fn drift_so_far(&self) -> String {
        let drift = self.drift.borrow();
        if drift.is_empty() {
            return String::new();
        }
        format!(
            "\n(answers that disagreed with the document before this:\n{})",
            drift.join("\n")
        )
    }

    /// Fails with every answer that disagreed with the document.
    fn finish(self) {
        let covered: Vec<String> = self.covered.into_inner().into_iter().collect();
        println!(
            "answers checked against the served document:\n  {}",
            covered.join("\n  ")
        );
        let drift = self.drift.into_inner();
        assert!(
            drift.is_empty(),
            "{} answer(s) disagree with the served OpenAPI document (GET /api/v3/openapi.json):\n{}",
            drift.len(),
            drift.join("\n")
        );
    }
}

/// Checks one answer against the document: the status must be declared for the path and
/// method, the body must have a declared media type and fit its schema. Returns the path
/// template the answer belongs to.
fn check(
    doc: &Value,
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<String, String> {
    let (template, op) = operation(doc, method, path)?;
    let lower = method.to_ascii_lowercase();
    let place = format!("#/paths/{}/{lower}/responses", escape(template));
    let responses = op["responses"]
        .as_object()
        .ok_or_else(|| format!("{method} {template} declares no responses ({place})"))?;
    let code = status.to_string();
    let range = format!("{}XX", status / 100);
    let (key, response) = [code.as_str(), range.as_str(), "default"]
        .into_iter()
        .find_map(|k| responses.get(k).map(|r| (k, r)))
        .ok_or_else(|| {
            format!(
                "status {status} is not declared for {method} {template} (it declares {})",
                responses.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
    let place = format!("{place}/{key}");
    let response = resolve(doc, response, &place)?;
    let content = response["content"].as_object().filter(|c| !c.is_empty());
    let Some(content) = content else {
        return if body.is_empty() {
            Ok(template.to_string())
        } else {
            Err(format!(
                "{place} declares no body, the answer has {} bytes",
                body.len()
            ))
        };
    };
    let declared = || content.keys().cloned().collect::<Vec<_>>().join(", ");
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            format!(
                "the answer has no Content-Type; {place} declares {}",
                declared()
            )
        })?;
    let (media, declared_media) = content
        .iter()
        .find(|(k, _)| media_matches(k, &essence))
        .ok_or_else(|| {
            format!(
                "Content-Type {essence} is not declared by {place} (it declares {})",
                declared()
            )
        })?;
    let is_json = essence == "application/json" || essence.ends_with("+json");
    let Some(schema) = declared_media.get("schema").filter(|_| is_json) else {
        return Ok(template.to_string());
    };
    let place = format!("{place}/content/{}/schema", escape(media));
    let instance: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let schema = json_schema(doc, schema, &place, 0)?;
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("the schema at {place} does not compile: {e}"))?;
    let errors: Vec<_> = validator.iter_errors(&instance).collect();
    let Some(first) = errors.first() else {
        return Ok(template.to_string());
    };
    // The first mismatch leads; a couple more help tell a rename from a removal.
    let shown: Vec<String> = errors
        .iter()
        .take(3)
        .map(|e| format!("at {}: {e}", shown_pointer(e.instance_path().as_str())))
        .collect();
    let more = match errors.len() {
        n if n > 3 => format!("; and {} more", n - 3),
        _ => String::new(),
    };
    Err(format!(
        "{}{more}; the document's schema: {place} (keyword {})",
        shown.join("; "),
        first.schema_path().as_str()
    ))
}

/// A JSON pointer as the report shows it (the empty one, the whole body, named).
fn shown_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "\"\" (the whole body)"
    } else {
        pointer
    }
}

/// The document's path template and operation that `path` and `method` fall on. Literal
/// segments win over templated ones, as OpenAPI says (`/users/invitations` before
/// `/users/{id}`).
fn operation<'d>(doc: &'d Value, method: &str, path: &str) -> Result<(&'d str, &'d Value), String> {
    let want: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &'d str, &'d Value)> = None;
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        let have: Vec<&str> = template.split('/').collect();
        if have.len() != want.len() {
            continue;
        }
        let mut literal = 0;
        let fits = have.iter().zip(&want).all(|(h, w)| {
            if h.starts_with('{') && h.ends_with('}') {
                !w.is_empty()
            } else {
                literal += 1;
                h == w
            }
        });
        if fits && best.is_none_or(|(n, _, _)| literal > n) {
            best = Some((literal, template.as_str(), item));
        }
    }
    let (_, template, item) = best.ok_or_else(|| format!("the document has no path for {path}"))?;
    let op = item
        .get(method.to_ascii_lowercase())
        .filter(|o| o.is_object())
        .ok_or_else(|| format!("the document has no {method} for {template}"))?;
    Ok((template, op))
}

/// `image/*` covers `image/png`.
fn media_matches(declared: &str, actual: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    declared == actual
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|kind| actual.split('/').next() == Some(kind))
}

/// A JSON pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Follows a `$ref` within the document (`#/components/…`).
fn resolve<'d>(doc: &'d Value, node: &'d Value, place: &str) -> Result<&'d Value, String> {
    match node.get("$ref").and_then(Value::as_str) {
        None => Ok(node),
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .ok_or_else(|| format!("{place}: only local $refs are followed, not {r}"))?;
            doc.pointer(pointer)
                .ok_or_else(|| format!("{place}: $ref {r} points at nothing"))
        }
    }
}

/// An OpenAPI 3.1 schema as a self-contained JSON Schema 2020-12: `$ref`s inlined (with their
/// siblings, which 3.1 applies too), OpenAPI's own keywords (`example`, `discriminator`, `xml`,
/// `externalDocs`) dropped. Everything else, `additionalProperties` above all, stays as the
/// document says. OpenAPI 3.0's `nullable` is refused: 3.1 ignores it, so a hand edit that
/// used it would silently make a field non-nullable (write `"type": ["string", "null"]`).
fn json_schema(doc: &Value, node: &Value, place: &str, depth: usize) -> Result<Value, String> {
    if depth > 64 {
        return Err(format!("{place}: $refs nest too deep (a cycle?)"));
    }
    let Some(obj) = node.as_object() else {
        return Ok(node.clone());
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let target = json_schema(doc, resolve(doc, node, place)?, r, depth + 1)?;
        let mut siblings = obj.clone();
        siblings.remove("$ref");
        if siblings.is_empty() {
            return Ok(target);
        }
        let rest = json_schema(doc, &Value::Object(siblings), place, depth + 1)?;
        let mut both = rest.as_object().cloned().unwrap_or_default();
        both.insert("allOf".into(), json!([target]));
        return Ok(Value::Object(both));
    }
    let mut out = Map::new();
    for (k, v) in obj {
        let at = format!("{place}/{k}");
        let converted = match k.as_str() {
            "nullable" => {
                return Err(format!(
                    "{at}: `nullable` is OpenAPI 3.0; this 3.1 document says \
                     \"type\": [\"<type>\", \"null\"] instead"
                ));
            }
            "example" | "discriminator" | "xml" | "externalDocs" => continue,
            "properties" => Value::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| {
                        json_schema(doc, s, &format!("{at}/{}", escape(name)), depth + 1)
                            .map(|s| (name.clone(), s))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "items" | "not" | "additionalProperties" if v.is_object() => {
                json_schema(doc, v, &at, depth + 1)?
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, s)| json_schema(doc, s, &format!("{at}/{i}"), depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            _ => v.clone(),
        };
        out.insert(k.clone(), converted);
    }
    Ok(Value::Object(out))
}

/// Calls `visit` with every schema that an answer of the document uses, nested ones included,
/// each once, with its place in the document (`$ref`s followed).
fn answer_schemas<'d>(doc: &'d Value, visit: &mut impl FnMut(&str, &'d Value)) {
    fn walk<'d>(
        doc: &'d Value,
        node: &'d Value,
        place: String,
        seen: &mut HashSet<String>,
        visit: &mut impl FnMut(&str, &'d Value),
    ) {
        let Some(obj) = node.as_object() else { return };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            if seen.insert(r.to_string())
                && let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p))
            {
                walk(doc, target, r.to_string(), seen, visit);
            }
            return;
        }
        visit(&place, node);
        for (name, s) in obj
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            walk(
                doc,
                s,
                format!("{place}/properties/{}", escape(name)),
                seen,
                visit,
            );
        }
        for k in ["items", "not", "additionalProperties"] {
            if let Some(s) = obj.get(k) {
                walk(doc, s, format!("{place}/{k}"), seen, visit);
            }
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            for (i, s) in obj
                .get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                walk(doc, s, format!("{place}/{k}/{i}"), seen, visit);
            }
        }
    }
    let mut seen = HashSet::new();
    for (place, media) in answer_media(doc) {
        if let Some(schema) = media.get("schema") {
            walk(doc, schema, format!("{place}/schema"), &mut seen, visit);
        }
    }
}

/// Every media type of every declared answer, with its place in the document.
fn answer_media(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                let place = format!("#/paths/{}/{method}/responses/{status}", escape(path));
                let Ok(response) = resolve(doc, response, &place) else {
                    continue;
                };
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    out.push((format!("{place}/content/{}", escape(media)), content));
                }
            }
        }
    }
    out
}

/// Why `example` does not fit the schema at `place`, if it does not.
fn misfit(doc: &Value, schema: &Value, place: &str, example: &Value) -> Option<String> {
    let validator = json_schema(doc, schema, place, 0).and_then(|s| {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&s)
            .map_err(|e| format!("{place}: the schema does not compile: {e}"))
    });
    match validator {
        Err(e) => Some(e),
        Ok(v) => v
            .iter_errors(example)
            .next()
            .map(|e| format!("at {}: {e}", shown_pointer(e.instance_path().as_str()))),
    }
}

#[tokio::test]
async fn the_served_document_can_tell_answers_apart() {
    let app = spawn().await;
    let contract = Contract::load(&app).await;
    let doc = &contract.doc;
    // An object that leaves additionalProperties unsaid is open: an answer could grow a field
    // there unnoticed.
    let mut open = Vec::new();
    // A wrong example misleads whoever copies it.
    let mut wrong = Vec::new();
    answer_schemas(doc, &mut |place, node| {
        let is_object = node.get("properties").is_some()
            || match node.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(ts)) => ts.contains(&json!("object")),
                _ => false,
            };
        if is_object && node.get("additionalProperties").is_none() {
            open.push(place.to_string());
        }
        // OpenAPI's `example`, and JSON Schema's `examples` (a list).
        let mut examples: Vec<(String, &Value)> = Vec::new();
        if let Some(example) = node.get("example") {
            examples.push((format!("{place}/example"), example));
        }
        for (i, example) in node
            .get("examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            examples.push((format!("{place}/examples/{i}"), example));
        }
        for (at, example) in examples {
            if let Some(why) = misfit(doc, node, place, example) {
                wrong.push(format!("{at} {why}"));
            }
        }
    });
    for (place, media) in answer_media(doc) {
        let Some(schema) = media.get("schema") else {
            continue;
        };
        let mut examples: Vec<(String, &Value)> = Vec::new();
        if let Some(e) = media.get("example") {
            examples.push((format!("{place}/example"), e));
        }
        for (name, e) in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("{place}/examples/{}", escape(name));
            if let Some(value) = resolve(doc, e, &at).ok().and_then(|e| e.get("value")) {
                examples.push((at, value));
            }
        }
        for (at, example) in examples {
            if let Some(why) = misfit(doc, schema, &format!("{place}/schema"), example) {
                wrong.push(format!("{at} {why}"));
            }
        }
    }
    assert!(
        open.is_empty(),
        "these objects of answers leave additionalProperties unsaid, so an answer could grow a \
         field there unnoticed; say false (or true where the object is free-form):\n{}",
        open.join("\n")
    );
    assert!(
        wrong.is_empty(),
        "these examples of answers do not fit their own schema:\n{}",
        wrong.join("\n")
    );
    contract.finish();
}

/// A new tenant through the checked client: (access token, refresh token, e-mail, slug).
async fn sign_up(c: &Contract<'_>, hint: &str) -> (String, String, String, String) {
    let email = address(hint);
    let slug = format!("{hint}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let body = json!({ "email": email, "password": PASSWORD, "name": "Ada Admin", "tenant_name": format!("{hint} Inc"), "tenant_slug": slug });
    let b = c.post(201, "/api/v3/auth/signup", None, body).await;
    let text = |k: &str| b[k].as_str().unwrap().to_string();
    (text("access_token"), text("refresh_token"), email, slug)
}

/// An API key of `role` made by `admin`: (id, secret).
async fn new_key(c: &Contract<'_>, admin: Option<&str>, role: &str) -> (String, String) {
    let body = json!({ "name": format!("{role} key"), "role": role });
    let b = c.post(201, "/api/v3/api-keys", admin, body).await;
    let text = |k: &str| b[k].as_str().unwrap().to_string();
    (text("id"), text("key"))
}

/// An asset id no tenant has.
const NO_ASSET: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn auth_and_tenant_answers_match_the_document() {
    let app = spawn().await;
    let c = Contract::load(&app).await;
    let (access, refresh, email, slug) = sign_up(&c, "docauth").await;
    let (other, _, _, other_slug) = sign_up(&c, "docother").await;
    let (me, other) = (Some(access.as_str()), Some(other.as_str()));

    // Sign-up: an address that has an account, a bad slug.
    let again = json!({ "email": email, "password": PASSWORD, "name": "A", "tenant_name": "A", "tenant_slug": format!("{slug}-2") });
    c.post(409, "/api/v3/auth/signup", None, again).await;
    let bad = json!({ "email": address("x"), "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": "No Spaces" });
    let b = c.post(400, "/api/v3/auth/signup", None, bad).await;
    assert_eq!(b["error"]["field"], "tenant_slug");

    // Sign-in; a wrong password, a missing field, a tenant the user is not a member of.
    let login = "/api/v3/auth/login";
    c.post(
        200,
        login,
        None,
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    c.post(
        401,
        login,
        None,
        json!({ "email": email, "password": "not it" }),
    )
    .await;
    c.post(400, login, None, json!({ "password": PASSWORD }))
        .await;
    let elsewhere = json!({ "email": email, "password": PASSWORD, "tenant": other_slug });
    c.post(403, login, None, elsewhere).await;

    // Refresh: a good token, a made-up one, none.
    let refresh_path = "/api/v3/auth/refresh";
    let pair = c
        .post(200, refresh_path, None, json!({ "refresh_token": refresh }))
        .await;
    c.post(
        401,
        refresh_path,
        None,
        json!({ "refresh_token": "sgr_made_up" }),
    )
    .await;
    c.post(400, refresh_path, None, json!({})).await;
    let refreshed = pair["access_token"].as_str().unwrap().to_string();

    // Who am I: as a user, as an API key; without credentials, with bad ones, naming another
    // tenant, naming one that does not exist.
    c.get(200, "/api/v3/auth/me", me).await;
    let (_, key) = new_key(&c, me, "viewer").await;
    let key = Some(key.as_str());
    let b = c.get(200, "/api/v3/auth/me", key).await;
    assert_eq!(
        (&b["user"], b["api_key"]["name"].as_str()),
        (&Value::Null, Some("viewer key"))
    );
    c.get(400, "/api/v3/auth/me", None).await;
    c.get(401, "/api/v3/auth/me", Some("not-a-token")).await;
    for (tenant, bearer, status) in [
        (slug.as_str(), None, 401),
        (other_slug.as_str(), me, 403),
        ("no-such-tenant", None, 404),
    ] {
        let req = c.request(Method::GET, "/api/v3/auth/me", bearer, None);
        let (s, b) = c.send(req.header("X-Tenant-ID", tenant)).await;
        assert_eq!(s, status, "X-Tenant-ID {tenant}: {b}");
    }

    // The media cookie: for a user's token only.
    c.post(204, "/api/v3/auth/media-cookie", me, None).await;
    c.post(400, "/api/v3/auth/media-cookie", key, None).await;

    // E-mail verification: resend while unverified, verify with the mailed link (once), resend
    // once verified.
    c.post(202, "/api/v3/auth/resend-verification", me, None)
        .await;
    let mails = mail_to(&email, 1).await;
    assert!(!mails.is_empty(), "no verification mail to {email}");
    let token = json!({ "token": token_in(&mails[0]) });
    c.post(200, "/api/v3/auth/verify-email", None, token.clone())
        .await;
    c.post(400, "/api/v3/auth/verify-email", None, token).await;
    c.post(200, "/api/v3/auth/resend-verification", me, None)
        .await;

    // Password reset: the request answers alike for any address; a made-up link is refused.
    let forgot = "/api/v3/auth/forgot-password";
    c.post(202, forgot, None, json!({ "email": address("nobody") }))
        .await;
    c.post(400, forgot, None, json!({ "email": "not an address" }))
        .await;
    let reset = json!({ "token": "made-up", "password": "another long passphrase" });
    c.post(400, "/api/v3/auth/reset-password", None, reset)
        .await;

    // The tenant: read, change; a read-only field, a domain another tenant has, a role without
    // the right.
    let tenant = "/api/v3/tenants/current";
    c.get(200, tenant, me).await;
    c.get(200, tenant, key).await;
    let change = json!({ "name": "Renamed", "domain": "signs.docs-example.com", "settings": { "timezone": "Europe/Berlin" } });
    c.patch(200, tenant, me, change).await;
    c.patch(400, tenant, me, json!({ "slug": "other" })).await;
    c.patch(
        409,
        tenant,
        other,
        json!({ "domain": "signs.docs-example.com" }),
    )
    .await;
    c.patch(403, tenant, key, json!({ "name": "Nope" })).await;

    // Its secrets.
    let secret = "/api/v3/tenants/current/secrets/weather.key";
    c.put(204, secret, me, json!({ "value": "s3cret" })).await;
    c.put(
        400,
        "/api/v3/tenants/current/secrets/Bad%20Name",
        me,
        json!({ "value": "x" }),
    )
    .await;
    let b = c.get(200, "/api/v3/tenants/current/secrets", me).await;
    assert_eq!(b["items"][0]["name"], "weather.key");
    c.get(403, "/api/v3/tenants/current/secrets", key).await;
    c.delete(204, secret, me).await;
    c.delete(404, secret, me).await;

    // Sign-out: not for an API key; a user's token stops working at once.
    c.post(400, "/api/v3/auth/logout", key, None).await;
    c.post(204, "/api/v3/auth/logout", Some(&refreshed), None)
        .await;
    c.get(401, "/api/v3/auth/me", Some(&refreshed)).await;
    c.post(401, "/api/v3/auth/logout", Some(&refreshed), None)
        .await;
    c.finish();
}

#[tokio::test]
async fn asset_answers_match_the_document() {
    let app = spawn().await;
    let c = Contract::load(&app).await;
    let (access, _, _, _) = sign_up(&c, "docassets").await;
    let me = Some(access.as_str());
    let (_, viewer) = new_key(&c, me, "viewer").await;
    let viewer = Some(viewer.as_str());

    // One of each kind that needs no network: a web page (not probed), a picture and a video
    // at an address, a stream. (A youtube_asset is downloaded, so it is left out.)
    let mut ids = Vec::new();
    for body in [
        json!({ "name": "Menu", "uri": "https://example.com/menu", "mimetype": "webpage", "skip_asset_check": true, "nocache": true, "is_enabled": true, "tags": ["lobby", "food"], "metadata": { "owner": "kitchen" } }),
        json!({ "name": "Poster", "uri": "https://example.com/poster.png", "mimetype": "image", "duration": 15, "start_date": "2026-01-01T00:00:00Z", "end_date": "2036-01-01T00:00:00Z", "play_days": [1, 2, 3, 4, 5], "play_time_from": "08:00", "play_time_to": "18:00" }),
        json!({ "name": "Clip", "uri": "https://example.com/clip.mp4", "mimetype": "video" }),
        json!({ "name": "Camera", "uri": "rtsp://camera.example.com/live", "mimetype": "streaming", "play_order": 7 }),
    ] {
        let b = c.post(201, "/api/v3/assets", me, body).await;
        ids.push(b["id"].as_str().unwrap().to_string());
    }
    // A stored file, as an upload leaves it (a size, a duration: the legacy API that uploads
    // asks for one).
    let tenant = c.get(200, "/api/v3/tenants/current", me).await;
    let png = b"\x89PNG\r\n\x1a\nnot really";
    let stored = stored_picture(&app, tenant["id"].as_str().unwrap(), "Stored", png).await;
    let stored = format!("/api/v3/assets/{}", stored.asset_id);
    c.patch(200, &stored, me, json!({ "duration": 20 })).await;

    // Refusals: a bad field, a made-up key, a role without the right.
    let bad = json!({ "name": "x", "uri": "https://example.com", "mimetype": "webpage", "duration": "long" });
    let b = c.post(400, "/api/v3/assets", me, bad).await;
    assert_eq!(b["error"]["field"], "duration");
    c.post(401, "/api/v3/assets", Some("sgk_made_up"), json!({}))
        .await;
    let page = json!({ "name": "x", "uri": "https://example.com", "mimetype": "webpage" });
    c.post(403, "/api/v3/assets", viewer, page).await;

    // Pages of two, following the cursor to the end; filters; bad parameters.
    let (mut seen, mut cursor) = (0, String::new());
    loop {
        let path = format!("/api/v3/assets?limit=2&ordering=-created_at{cursor}");
        let page = c.get(200, &path, viewer).await;
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, 5);
    for query in [
        "mimetype=image",
        "is_enabled=false",
        "tag=lobby",
        "q=men",
        "ordering=name",
    ] {
        c.get(200, &format!("/api/v3/assets?{query}"), me).await;
    }
    for query in [
        "limit=0",
        "ordering=size",
        "cursor=nonsense",
        "is_enabled=maybe",
    ] {
        c.get(400, &format!("/api/v3/assets?{query}"), me).await;
    }

    // One asset: read, change; a read-only field, a role without the right, a missing one.
    let menu = format!("/api/v3/assets/{}", ids[0]);
    let missing = format!("/api/v3/assets/{NO_ASSET}");
    c.get(200, &menu, viewer).await;
    c.get(200, &stored, me).await;
    c.get(404, &missing, me).await;
    let change =
        json!({ "name": "Lunch menu", "end_date": null, "metadata": { "owner": "canteen" } });
    c.patch(200, &menu, me, change).await;
    c.patch(400, &menu, me, json!({ "sha256": "ff" })).await;
    c.patch(403, &menu, viewer, json!({ "name": "x" })).await;
    c.patch(404, &missing, me, json!({ "name": "x" })).await;

    // Share links: make one, open its page, a bad lifetime, withdraw them.
    let share = format!("{menu}/share");
    let link = c
        .post(201, &share, me, json!({ "expires_in_hours": 24 }))
        .await;
    let token = link["share_token"].as_str().unwrap();
    c.get(200, &format!("/share/{token}"), None).await;
    c.get(404, &format!("/share/{token}/content"), None).await;
    c.get(404, "/share/made-up-token", None).await;
    c.post(400, &share, me, json!({ "expires_in_hours": 0 }))
        .await;
    c.post(403, &share, viewer, None).await;
    let b = c.delete(200, &format!("{menu}/shares"), me).await;
    assert_eq!(b["revoked"], 1);
    c.delete(404, &format!("{missing}/shares"), me).await;

    // A stored file's link serves the file: whole, in part, not again, not past its end.
    let link = c.post(201, &format!("{stored}/share"), me, None).await;
    let file = format!("/share/{}/content", link["share_token"].as_str().unwrap());
    for (header, value, status) in [
        ("Accept", "*/*", 200),
        ("Range", "bytes=0-3", 206),
        ("If-None-Match", "*", 304),
        ("Range", "bytes=100-200", 416),
    ] {
        let req = c
            .request(Method::GET, &file, None, None)
            .header(header, value);
        let (s, _) = c.send(req).await;
        assert_eq!(s, status, "GET {file} with {header}: {value}");
    }

    // Copies: of a page, of a stored file.
    c.post(201, &format!("{menu}/duplicate"), me, None).await;
    c.post(201, &format!("{stored}/duplicate"), me, None).await;
    c.post(403, &format!("{menu}/duplicate"), viewer, None)
        .await;
    c.post(404, &format!("{missing}/duplicate"), me, None).await;

    // Removal.
    let camera = format!("/api/v3/assets/{}", ids[3]);
    c.delete(403, &camera, viewer).await;
    c.delete(204, &camera, me).await;
    c.delete(404, &camera, me).await;
    c.finish();
}

#[tokio::test]
async fn team_key_and_audit_answers_match_the_document() {
    let app = spawn().await;
    let c = Contract::load(&app).await;
    let (access, _, admin_email, _) = sign_up(&c, "docteam").await;
    let me = Some(access.as_str());
    let (viewer_id, viewer) = new_key(&c, me, "viewer").await;
    let viewer = Some(viewer.as_str());

    // Members and invitations: invite; a bad role, a role without the right, a member already;
    // cancel one.
    c.get(200, "/api/v3/users", me).await;
    c.get(403, "/api/v3/users", viewer).await;
    let invite = "/api/v3/users/invite";
    let invitee = address("docjoin");
    c.post(
        201,
        invite,
        me,
        json!({ "email": invitee, "role": "content_manager" }),
    )
    .await;
    c.post(
        400,
        invite,
        me,
        json!({ "email": address("x"), "role": "owner" }),
    )
    .await;
    c.post(
        403,
        invite,
        viewer,
        json!({ "email": address("x"), "role": "viewer" }),
    )
    .await;
    c.post(
        409,
        invite,
        me,
        json!({ "email": admin_email, "role": "viewer" }),
    )
    .await;
    let dropped = c
        .post(
            201,
            invite,
            me,
            json!({ "email": address("docdrop"), "role": "viewer" }),
        )
        .await;
    let b = c.get(200, "/api/v3/users/invitations", me).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    let dropped = format!(
        "/api/v3/users/invitations/{}",
        dropped["id"].as_str().unwrap()
    );
    c.delete(204, &dropped, me).await;
    c.delete(404, &dropped, me).await;

    // The invitee joins through the mailed link, which works once.
    let mails = mail_to(&invitee, 1).await;
    assert!(!mails.is_empty(), "no invitation mail to {invitee}");
    let token = token_in(&mails[0]);
    let accept = "/api/v3/auth/accept-invite";
    let joined = c
        .post(
            200,
            accept,
            None,
            json!({ "token": token, "password": PASSWORD, "name": "Grace" }),
        )
        .await;
    c.post(
        400,
        accept,
        None,
        json!({ "token": token, "password": PASSWORD }),
    )
    .await;
    let member = format!("/api/v3/users/{}", joined["user"]["id"].as_str().unwrap());
    let admin = c.get(200, "/api/v3/auth/me", me).await;
    let admin = format!("/api/v3/users/{}", admin["user"]["id"].as_str().unwrap());

    // Roles: change one; a bad role, one's own, a stranger; the last admin stays.
    let demote = json!({ "role": "viewer", "permissions": ["devices.view"] });
    c.patch(200, &member, me, demote).await;
    c.patch(400, &member, me, json!({ "role": "owner" })).await;
    c.patch(403, &admin, me, json!({ "role": "viewer" })).await;
    let stranger = "/api/v3/users/00000000-0000-4000-8000-000000000000";
    c.patch(404, stranger, me, json!({ "role": "viewer" }))
        .await;
    c.delete(409, &admin, me).await;
    c.delete(403, &member, viewer).await;
    c.delete(204, &member, me).await;
    c.delete(404, &member, me).await;

    // API keys: list; a missing name, a role without the right; revoke, after which the key
    // is refused.
    c.get(200, "/api/v3/api-keys", me).await;
    c.post(
        400,
        "/api/v3/api-keys",
        me,
        json!({ "name": "", "role": "viewer" }),
    )
    .await;
    c.get(403, "/api/v3/api-keys", viewer).await;
    let revoke = format!("/api/v3/api-keys/{viewer_id}");
    c.delete(204, &revoke, me).await;
    c.delete(404, &revoke, me).await;
    c.get(401, "/api/v3/assets", viewer).await;

    // The audit log in pages, filtered; bad parameters; a role without the right.
    let page = c.get(200, "/api/v3/audit-log?limit=3", me).await;
    let next = page["next_cursor"].as_str().expect("more than 3 entries");
    c.get(200, &format!("/api/v3/audit-log?limit=3&cursor={next}"), me)
        .await;
    c.get(200, "/api/v3/audit-log?action=user.invited", me)
        .await;
    c.get(400, "/api/v3/audit-log?cursor=nonsense", me).await;
    c.get(400, "/api/v3/audit-log?limit=500", me).await;
    let (_, editor) = new_key(&c, me, "content_manager").await;
    c.get(403, "/api/v3/audit-log", Some(&editor)).await;
    c.finish();
}

#[tokio::test]
async fn screen_answers_match_the_document() {
    let app = spawn().await;
    let c = Contract::load(&app).await;
    let (access, _, _, _) = sign_up(&c, "docscreens").await;
    let me = Some(access.as_str());
    let (_, editor) = new_key(&c, me, "content_manager").await;
    let editor = Some(editor.as_str());

    // Pairing, the screen's side: a code; pending; a bad body; an unknown secret.
    let started = c
        .post(
            201,
            "/api/v3/screens/pair",
            None,
            json!({"resolution": "1920x1080"}),
        )
        .await;
    c.post(400, "/api/v3/screens/pair", None, json!({"resolution": 7}))
        .await;
    let poll = format!(
        "/api/v3/screens/pair/{}",
        started["secret"].as_str().unwrap()
    );
    c.get(202, &poll, None).await;
    c.get(410, "/api/v3/screens/pair/sgp_nothing", None).await;

    // The admin's side: groups, a claim (and a bad one), the list, an edit, commands.
    let group = c
        .post(201, "/api/v3/groups", me, json!({"name": "Lobby"}))
        .await;
    c.post(409, "/api/v3/groups", me, json!({"name": "Lobby"}))
        .await;
    c.post(400, "/api/v3/groups", me, json!({"name": ""})).await;
    c.get(403, "/api/v3/groups", editor).await;
    let gid = group["id"].as_str().unwrap();
    c.post(
        404,
        "/api/v3/screens",
        me,
        json!({"code": "ZZZZZZ", "name": "Nope"}),
    )
    .await;
    let screen = c
        .post(
            201,
            "/api/v3/screens",
            me,
            json!({"code": started["code"], "name": "Hall", "group_id": gid, "tags": ["a"]}),
        )
        .await;
    let paired = c.get(200, &poll, None).await;
    assert!(paired["device_token"].as_str().unwrap().starts_with("sgd_"));
    c.get(410, &poll, None).await;
    let id = screen["id"].as_str().unwrap();
    let one = format!("/api/v3/screens/{id}");
    c.get(200, "/api/v3/screens", me).await;
    c.get(200, "/api/v3/screens?status=never_seen&q=ha", me)
        .await;
    c.get(400, "/api/v3/screens?status=asleep", me).await;
    c.get(200, &one, me).await;
    c.get(
        404,
        "/api/v3/screens/00000000-0000-4000-8000-000000000000",
        me,
    )
    .await;
    c.patch(200, &one, me, json!({"name": "Hall 2", "group_id": null}))
        .await;
    c.patch(400, &one, me, json!({"name": ""})).await;
    c.get(200, "/api/v3/groups", me).await;
    c.get(200, &format!("/api/v3/groups/{gid}"), me).await;
    c.patch(
        200,
        &format!("/api/v3/groups/{gid}"),
        me,
        json!({"name": "Front"}),
    )
    .await;
    c.post(
        409,
        &format!("{one}/commands"),
        me,
        json!({"command": "next"}),
    )
    .await;
    c.post(
        400,
        &format!("{one}/commands"),
        me,
        json!({"command": "reboot"}),
    )
    .await;
    c.post(
        409,
        &format!("/api/v3/groups/{gid}/commands"),
        me,
        json!({"command": "blank"}),
    )
    .await;
    c.delete(204, &format!("/api/v3/groups/{gid}"), me).await;
    c.delete(204, &one, me).await;
    c.delete(404, &one, me).await;
    c.finish();
}

#[tokio::test]
async fn what_an_asset_answer_shows_can_be_sent_back() {
    // The request schemas must take what the answers show (a client that reads an asset and
    // writes it back, or copies a value from one to another), and the server must too.
    let app = spawn().await;
    let c = Contract::load(&app).await;
    let (access, _, _, _) = sign_up(&c, "roundtrip").await;
    let made = c
        .post(
            201,
            "/api/v3/assets",
            Some(&access),
            json!({ "name": "Window", "uri": "https://example.com/w", "mimetype": "webpage", "play_time_from": "08:00", "play_time_to": "18:30:15", "play_days": [1, 5], "tags": ["a"], "metadata": { "k": 1 }, "start_date": "2026-01-01T00:00:00Z", "end_date": "2027-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(made["play_time_from"], "08:00:00");
    let doc = c.doc.clone();
    for schema in ["AssetPatch", "AssetCreate"] {
        let place = format!("#/components/schemas/{schema}");
        let properties = doc
            .pointer(&format!("/components/schemas/{schema}/properties"))
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{place} has properties"));
        let mut back = Map::new();
        for (name, property) in properties {
            let Some(shown) = made.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let at = format!("{place}/properties/{}", escape(name));
            if let Some(why) = misfit(&doc, property, &at, shown) {
                panic!("{at} refuses the {name} an answer showed, {shown}: {why}");
            }
            back.insert(name.clone(), shown.clone());
        }
        assert!(back.contains_key("play_time_to"), "{back:?}");
        let id = made["id"].as_str().unwrap();
        if schema == "AssetPatch" {
            let again = c
                .patch(
                    200,
                    &format!("/api/v3/assets/{id}"),
                    Some(&access),
                    Value::Object(back),
                )
                .await;
            assert_eq!(again["play_time_to"], "18:30:15");
        }
    }
    c.finish();
}

#[tokio::test]
async fn billing_answers_match_the_document() {
    let app = super::billing::app().await;
    let c = Contract::load(&app).await;
    let (access, _, _, _) = sign_up(&c, "docbill").await;
    let me = Some(access.as_str());
    c.get(200, "/api/v3/billing/plans", None).await;
    c.get(200, "/api/v3/billing/subscription", me).await;
    c.get(400, "/api/v3/billing/subscription", None).await;
    c.post(
        400,
        "/api/v3/billing/checkout",
        me,
        json!({ "plan": "gold" }),
    )
    .await;
    c.post(
        400,
        "/api/v3/billing/checkout",
        me,
        json!({ "plan": "free" }),
    )
    .await;
    c.post(409, "/api/v3/billing/portal", me, None).await;
    c.post(
        200,
        "/api/v3/billing/checkout",
        me,
        json!({ "plan": "pro" }),
    )
    .await;
    c.get(200, "/api/v3/billing/invoices", me).await;
    c.get(200, "/api/v3/billing/usage", me).await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    c.get(200, &format!("/api/v3/billing/usage?period={month}"), me)
        .await;
    c.get(400, "/api/v3/billing/usage?period=soon", me).await;
    c.get(404, "/api/v3/billing/usage?period=2001-01", me).await;
    let (s, _) = c
        .send(
            app.client
                .post(app.url("/webhooks/stripe"))
                .header("Stripe-Signature", "t=1,v1=00")
                .body("{}"),
        )
        .await;
    assert_eq!(s, 400);
    c.finish();
}
