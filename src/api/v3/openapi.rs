//! The v3 document: `openapi/v3.json`, served as it is committed. Its paths, parameters,
//! request bodies and examples are written by hand; the schemas of the answers
//! (`components.schemas` named in [`generated`]) are the code's own, derived from the types of
//! [`super::views`] and written into the file by a unit test (`SIGNATE_BLESS=1`), which fails
//! while the committed file differs from what the views say.

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::views;
use crate::api::error::ErrorBody;

/// The committed document, as served.
pub const DOCUMENT: &str = include_str!("../../../openapi/v3.json");

/// `GET /api/v3/openapi.json`
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DOCUMENT)
}

/// `GET /api/v3/docs`
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(include_str!("../../../openapi/docs.html"))
}

/// Adds `T`'s schema and those it refers to.
fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

/// The component schemas the views generate, by name, in the order they are first met, each
/// as it goes into the document (see [`tidy`]).
pub fn generated() -> Vec<(String, Value)> {
    let mut all = Vec::new();
    add::<ErrorBody>(&mut all);
    add::<views::Status>(&mut all);
    add::<views::Role>(&mut all);
    add::<views::PermissionName>(&mut all);
    add::<views::User>(&mut all);
    add::<views::TenantRef>(&mut all);
    add::<views::TokenBody>(&mut all);
    add::<views::Me>(&mut all);
    add::<views::Tenant>(&mut all);
    add::<views::SecretList>(&mut all);
    add::<views::Asset>(&mut all);
    add::<views::AssetList>(&mut all);
    add::<views::Share>(&mut all);
    add::<views::SharesRevoked>(&mut all);
    add::<views::Member>(&mut all);
    add::<views::MemberList>(&mut all);
    add::<views::Invitation>(&mut all);
    add::<views::InvitationList>(&mut all);
    add::<views::InvitationSent>(&mut all);
    add::<views::ResetLink>(&mut all);
    add::<views::MailAck>(&mut all);
    add::<views::ServerStatus>(&mut all);
    add::<views::ApiKey>(&mut all);
    add::<views::ApiKeyCreated>(&mut all);
    add::<views::ApiKeyList>(&mut all);
    add::<views::AuditEntry>(&mut all);
    add::<views::AuditList>(&mut all);
    add::<views::Playlist>(&mut all);
    add::<views::Schedule>(&mut all);
    add::<views::Interrupt>(&mut all);
    add::<views::TimelineSegment>(&mut all);
    add::<views::AssetDeleted>(&mut all);
    add::<views::PlaysReport>(&mut all);
    add::<views::UptimeReport>(&mut all);
    add::<super::billing::BillingPlan>(&mut all);
    add::<super::billing::BillingSubscription>(&mut all);
    add::<super::billing::BillingRedirect>(&mut all);
    add::<super::billing::BillingInvoice>(&mut all);
    add::<super::billing::UsageReport>(&mut all);
    add::<crate::api::screens::views::Screen>(&mut all);
    add::<crate::api::screens::views::Group>(&mut all);
    add::<crate::api::screens::views::CommandSent>(&mut all);
    add::<crate::api::screens::views::PairingStarted>(&mut all);
    add::<crate::api::screens::views::PairingPending>(&mut all);
    add::<crate::api::screens::views::PairingDone>(&mut all);
    let mut out: Vec<(String, Value)> = Vec::new();
    for (name, schema) in all {
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut value = serde_json::to_value(schema).expect("a schema is JSON");
        tidy(&mut value);
        out.push((name, value));
    }
    out
}

/// What the document says beyond what utoipa derives: answers' objects are closed
/// (`additionalProperties: false`) unless free-form (no properties: `true`), so an answer that
/// grows a field fails the answer tests; doc comments wrapped at 100 columns read as one line.
fn tidy(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let is_object = obj.contains_key("properties")
        || match obj.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
            _ => false,
        };
    if is_object && !obj.contains_key("additionalProperties") {
        let free_form = !obj.contains_key("properties");
        obj.insert("additionalProperties".into(), Value::Bool(free_form));
    }
    // utoipa writes a nullable reference's description beside the `$ref` inside `oneOf`;
    // readers look for it on the property.
    if !obj.contains_key("description")
        && let Some(Value::Array(branches)) = obj.get_mut("oneOf")
        && let Some(d) = branches
            .iter_mut()
            .find_map(|b| b.as_object_mut()?.remove("description"))
    {
        obj.insert("description".into(), d);
    }
    if let Some(Value::String(d)) = obj.get_mut("description") {
        *d = unwrap_lines(d);
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        props.values_mut().for_each(tidy);
    }
    for k in ["items", "additionalProperties", "not"] {
        if let Some(s) = obj.get_mut(k) {
            tidy(s);
        }
    }
    for k in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(list)) = obj.get_mut(k) {
            list.iter_mut().for_each(tidy);
        }
    }
}

/// Joins the lines of each paragraph with spaces (blank lines still part paragraphs).
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `document` with its generated schemas replaced by (or, when new, added as) the views'
/// ones, as the committed file is written: two-space indents and a final newline.
pub fn with_generated_schemas(document: &str) -> Result<String, String> {
    let mut doc: Value = serde_json::from_str(document).map_err(|e| format!("not JSON: {e}"))?;
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the document has no components.schemas")?;
    for (name, schema) in generated() {
        // Replacing keeps the entry's place; a new one goes last.
        schemas.insert(name, schema);
    }
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// Local `$ref`s of `node` that point at no component of `doc`.
#[cfg(test)]
fn dangling(doc: &Value, node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(obj) => {
            if let Some(Value::String(r)) = obj.get("$ref")
                && r.strip_prefix('#').and_then(|p| doc.pointer(p)).is_none()
            {
                out.push(r.clone());
            }
            obj.values().for_each(|v| dangling(doc, v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| dangling(doc, v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document carries the schemas the views generate; a view that changes
    /// without the document changing fails here.
    #[test]
    fn the_document_has_the_views_schemas() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/v3.json");
        let have = std::fs::read_to_string(path).unwrap();
        let want = with_generated_schemas(&have).unwrap();
        if std::env::var_os("SIGNATE_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
            return;
        }
        if have != want {
            let (have_doc, want_doc): (Value, Value) = (
                serde_json::from_str(&have).unwrap(),
                serde_json::from_str(&want).unwrap(),
            );
            let stale: Vec<String> = generated()
                .into_iter()
                .filter(|(name, _)| {
                    let at = format!("/components/schemas/{name}");
                    have_doc.pointer(&at) != want_doc.pointer(&at)
                })
                .map(|(name, _)| name)
                .collect();
            panic!(
                "{path} is stale: the schemas {} differ from what src/api/v3/views.rs \
                 generates (or the file is not formatted as the generator writes it). Run \
                 `SIGNATE_BLESS=1 cargo test --all-features --lib api::v3::openapi`, review the \
                 diff and commit it.",
                if stale.is_empty() {
                    "(none; only the formatting)".to_string()
                } else {
                    stale.join(", ")
                }
            );
        }
    }

    /// What the views refer to exists in the document (a hand-written `SecretName`, say).
    #[test]
    fn generated_schemas_refer_to_schemas_the_document_has() {
        let doc: Value = serde_json::from_str(&with_generated_schemas(DOCUMENT).unwrap()).unwrap();
        let mut missing = Vec::new();
        for (_, schema) in generated() {
            dangling(&doc, &schema, &mut missing);
        }
        assert!(missing.is_empty(), "dangling $refs: {missing:?}");
    }

    /// A view renamed leaves its old schema behind; nothing may point at it, so it must go.
    #[test]
    fn every_schema_of_the_document_is_used() {
        let doc: Value = serde_json::from_str(&with_generated_schemas(DOCUMENT).unwrap()).unwrap();
        let mut used = std::collections::HashSet::new();
        refs(&doc, &mut used);
        let unused: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|name| !used.contains(&format!("#/components/schemas/{name}")))
            .collect();
        assert!(
            unused.is_empty(),
            "openapi/v3.json has schemas nothing refers to (left by a renamed view?): {unused:?}"
        );
    }

    /// Every local `$ref` in `node`.
    fn refs(node: &Value, out: &mut std::collections::HashSet<String>) {
        match node {
            Value::Object(obj) => {
                if let Some(Value::String(r)) = obj.get("$ref") {
                    out.insert(r.clone());
                }
                obj.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn answers_objects_are_closed_and_free_form_ones_say_so() {
        let mut v = serde_json::json!({
            "type": "object",
            "description": "One\nline.\n\nTwo.",
            "properties": { "m": { "type": "object" }, "n": { "type": ["object", "null"], "properties": {} } },
            "example": { "type": "object" }
        });
        tidy(&mut v);
        assert_eq!(v["additionalProperties"], false);
        assert_eq!(v["description"], "One line.\n\nTwo.");
        assert_eq!(v["properties"]["m"]["additionalProperties"], true);
        assert_eq!(v["properties"]["n"]["additionalProperties"], false);
        assert!(v["example"].get("additionalProperties").is_none());
    }

    #[test]
    fn the_views_are_generated_once_each() {
        let names: Vec<String> = generated().into_iter().map(|(n, _)| n).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        assert!(names.contains(&"Asset".to_string()) && names.contains(&"Error".to_string()));
    }
}
