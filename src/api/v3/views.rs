//! What API v3 answers: one type per response body, built from rows and use-case results by
//! `From`/`new`, serialised by serde. The same types derive their JSON Schemas (utoipa), which
//! `openapi` writes into `openapi/v3.json`: a field added, renamed or retyped here changes the
//! document, and a test fails until the document is regenerated. Doc comments are the
//! document's descriptions. Field order is the JSON's key order.

use chrono::{NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::iso;
use crate::cloud::mail::{Delivery, Health};
use crate::db::models::program as program_rows;
use crate::db::models::{api_key, asset, audit, invitation, membership, tenant, user};
use crate::domain::permission::{self, Permission};
use crate::domain::schedule::PlayDays;
use crate::services::invitations::Invited;
use crate::services::passwords;
use crate::services::program;
use crate::services::sessions::{Me as Held, Started};
use crate::services::tenants::Current;

// ---------------------------------------------------------------------------------------------
// Assets

/// A content item of the tenant.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::asset)]
pub struct Asset {
    /// Asset id: 32 lowercase hex digits.
    #[schema(read_only, example = "7e57d004a5b14e0f8c3d2b1a09f8e7d6")]
    pub id: String,
    /// Display name (null only for an asset restored from an Anthias backup without one).
    #[schema(required = true, min_length = 1)]
    pub name: Option<String>,
    /// Where the content lives: an `http(s)://` URL (web page, image, video), a stream URL
    /// (`rtsp://`, `rtmp://`, …) or, for stored files, the storage location (null only for an
    /// asset restored from an Anthias backup without one).
    #[schema(required = true)]
    pub uri: Option<String>,
    /// Kind of content: `image`, `video`, `webpage` or `streaming` (a `youtube_asset` is
    /// answered as `video` once created: it is downloaded). An asset made through the Anthias
    /// API or restored from an Anthias backup keeps the mimetype it was given there, which may
    /// be another string, or null.
    #[schema(required = true)]
    pub mimetype: Option<String>,
    /// Seconds shown. For videos the measured length (0 while processing); null only for an
    /// asset that came through the Anthias API or an Anthias backup without one.
    #[schema(required = true, minimum = 0, maximum = 31_536_000)]
    pub duration: Option<i64>,
    /// Start of the availability window, or null (no start).
    #[schema(required = true, format = DateTime)]
    pub start_date: Option<String>,
    /// End of the availability window, or null (no end).
    #[schema(required = true, format = DateTime)]
    pub end_date: Option<String>,
    /// On/off switch.
    pub is_enabled: bool,
    /// Computed: enabled, inside the date window and the play days/times now.
    #[schema(read_only)]
    pub is_active: bool,
    /// A download or transcode is in progress (same as `processing_status` `processing`).
    #[schema(read_only)]
    pub is_processing: bool,
    /// Background processing state; `done` for content that needs none.
    #[schema(read_only)]
    pub processing_status: ProcessingStatus,
    /// Why processing failed, when `processing_status` is `failed`; else null.
    #[schema(required = true, read_only)]
    pub processing_error: Option<String>,
    /// Web pages: bypass the cache on every display.
    pub nocache: bool,
    /// Position in the playlist (0-based).
    #[schema(minimum = 0)]
    pub play_order: i32,
    /// The URI was not probed for reachability.
    pub skip_asset_check: bool,
    // Described in `play_days`: a schema function replaces what doc comments would say.
    #[schema(schema_with = play_days)]
    pub play_days: Vec<u8>,
    /// Daily window start `HH:MM:SS` (`HH:MM:SS.ffffff` when given to the microsecond) in the
    /// screen's local time, or null (all day).
    #[schema(
        required = true,
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?$",
        example = "08:00:00"
    )]
    pub play_time_from: Option<String>,
    /// Daily window end (exclusive) `HH:MM:SS` (`HH:MM:SS.ffffff` when given to the
    /// microsecond), or null. `from > to` is an overnight window.
    #[schema(
        required = true,
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?$",
        example = "18:00:00"
    )]
    pub play_time_to: Option<String>,
    /// Free labels, for filtering with `?tag=`.
    pub tags: Vec<String>,
    /// Free-form JSON object; searched by `?q=`.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// Bytes of the stored file; null for content that is not stored (web pages, streams).
    #[schema(required = true, read_only)]
    pub file_size: Option<i64>,
    /// Hex SHA-256 of the stored file, or null.
    #[schema(required = true, read_only)]
    pub sha256: Option<String>,
    /// When the asset was created.
    #[schema(read_only, format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(read_only, format = DateTime)]
    pub updated_at: String,
    /// How often screens showed it (proof of play).
    #[schema(read_only, minimum = 0)]
    pub view_count: i64,
    /// When a screen last finished showing it, or null.
    #[schema(required = true, read_only, format = DateTime)]
    pub last_viewed: Option<String>,
    /// Web pages: whether a screen can show it, as the server's last check found (it checks
    /// on create, when the address changes and every six hours); null until a check was made,
    /// and for other kinds of content.
    #[schema(required = true, read_only)]
    pub page_check: Option<PageCheck>,
}

/// What the server's check of a web page found.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageCheck {
    pub status: PageCheckStatus,
    /// The reason in words, for people.
    pub reason: String,
    /// When the check was made.
    #[schema(format = DateTime)]
    pub checked_at: String,
}

/// The verdict of a page check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PageCheckStatus {
    /// It answers and a browser shows it inside the player.
    Ok,
    /// It answers but forbids being shown inside another page (`X-Frame-Options`, CSP
    /// `frame-ancestors`): only screens running the kiosk extension show it; others skip it.
    NotFrameable,
    /// No answer or an error status: screens skip it.
    Unreachable,
}

impl From<crate::domain::framing::PageStatus> for PageCheckStatus {
    fn from(s: crate::domain::framing::PageStatus) -> PageCheckStatus {
        use crate::domain::framing::PageStatus;
        match s {
            PageStatus::Ok => PageCheckStatus::Ok,
            PageStatus::NotFrameable => PageCheckStatus::NotFrameable,
            PageStatus::Unreachable => PageCheckStatus::Unreachable,
        }
    }
}

/// Where an asset's background work stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProcessingStatus {
    /// A download or conversion runs.
    Processing,
    /// Nothing to do, or done.
    Done,
    /// The work failed; `processing_error` says why.
    Failed,
}

impl Asset {
    /// The asset as clients see it; `is_active` is judged in the tenant's time zone (its
    /// `timezone` setting), as its screens do.
    pub fn new(a: &asset::Asset, tz: chrono_tz::Tz) -> Asset {
        let metadata = a.metadata_map();
        let error = metadata
            .get("error_message")
            .and_then(Value::as_str)
            .map(str::to_string);
        let processing_status = if a.is_processing {
            ProcessingStatus::Processing
        } else if error.is_some() {
            ProcessingStatus::Failed
        } else {
            ProcessingStatus::Done
        };
        Asset {
            id: a.asset_id.clone(),
            name: a.name.clone(),
            uri: a.uri.clone(),
            mimetype: a.mimetype.clone(),
            duration: a.duration,
            start_date: a.start_date.map(iso),
            end_date: a.end_date.map(iso),
            is_enabled: a.is_enabled,
            is_active: a.schedule().is_active(Utc::now(), tz),
            is_processing: a.is_processing,
            processing_status,
            processing_error: error,
            nocache: a.nocache,
            play_order: a.play_order,
            skip_asset_check: a.skip_asset_check,
            play_days: PlayDays::from_json_text(&a.play_days).days().to_vec(),
            play_time_from: a.play_time_from.clone(),
            play_time_to: a.play_time_to.clone(),
            tags: serde_json::from_str(&a.tags).unwrap_or_default(),
            metadata,
            file_size: a.file_size,
            sha256: a.sha256.clone(),
            created_at: iso(a.created_at),
            updated_at: iso(a.updated_at),
            view_count: 0,
            last_viewed: None,
            page_check: a.page_check().map(|(status, reason, at)| PageCheck {
                status: status.into(),
                reason: reason.to_string(),
                checked_at: iso(at),
            }),
        }
    }

    /// With what proof of play says about it.
    pub fn viewed(
        mut self,
        views: &std::collections::HashMap<String, (i64, NaiveDateTime)>,
    ) -> Asset {
        if let Some((n, last)) = views.get(&self.id) {
            self.view_count = *n;
            self.last_viewed = Some(iso(*last));
        }
        self
    }
}

/// ISO weekdays, each once.
fn play_days() -> impl Into<RefOr<Schema>> {
    ArrayBuilder::new()
        .description(Some(
            "ISO weekdays the asset plays on, 1 = Monday … 7 = Sunday; sorted.",
        ))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(7)),
        )
        .unique_items(true)
}

/// A page of the tenant's assets.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::asset_list)]
pub struct AssetList {
    pub items: Vec<Asset>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A public, read-only link to one asset; anyone with it can view the asset until it expires.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::share)]
pub struct Share {
    /// Full URL of the public page (`/share/{share_token}`).
    #[schema(format = "uri")]
    pub share_url: String,
    /// The secret part of the link.
    pub share_token: String,
    /// When the link stops working (`410`).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// How many share links of an asset stopped working.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::shares_revoked)]
pub struct SharesRevoked {
    /// Links removed, expired ones included.
    pub revoked: usize,
}

// ---------------------------------------------------------------------------------------------
// Accounts and sign-in

/// A person's account (one account can belong to several tenants).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::user)]
pub struct User {
    /// User id (UUID).
    #[schema(format = "uuid", read_only)]
    pub id: String,
    /// Sign-in address, lower case.
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// Display name.
    pub name: String,
    /// The address was confirmed with `POST /api/v3/auth/verify-email`.
    pub email_verified: bool,
}

impl From<&user::User> for User {
    fn from(u: &user::User) -> User {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            email_verified: u.email_verified_at.is_some(),
        }
    }
}

/// A tenant in brief.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::tenant_ref)]
pub struct TenantRef {
    /// Tenant id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// Subdomain label, unique.
    pub slug: String,
    /// Display name.
    pub name: String,
}

impl From<&tenant::Tenant> for TenantRef {
    fn from(t: &tenant::Tenant) -> TenantRef {
        TenantRef {
            id: t.id.clone(),
            slug: t.slug.clone(),
            name: t.name.clone(),
        }
    }
}

/// A new sign-in (or a refreshed one). Send `access_token` as `Authorization: Bearer …`; before
/// it expires, trade `refresh_token` for a new pair with `POST /api/v3/auth/refresh`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::token_body)]
pub struct TokenBody {
    /// JWT (HS256) naming the user, the tenant and the sign-in session; valid for `expires_in`
    /// seconds (15 minutes by default). Treat it as opaque.
    pub access_token: String,
    /// Opaque, single-use, valid 7 days. Each refresh answers a new one and spends the old one;
    /// presenting a spent one again revokes the whole sign-in.
    pub refresh_token: String,
    #[schema(schema_with = bearer)]
    pub token_type: &'static str,
    /// Seconds until `access_token` expires.
    #[schema(minimum = 1, example = 900)]
    pub expires_in: i64,
    pub user: User,
    pub tenant: TenantRef,
    #[schema(value_type = Role)]
    pub role: String,
    /// Sign-up only: whether the e-mail confirming the address is on its way (queued for
    /// sending); `false` when this server cannot send e-mail. Absent from other answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_sent: Option<bool>,
    /// Sign-up only, when `email_sent` is `false`: why, in words for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_reason: Option<&'static str>,
}

impl TokenBody {
    /// A sign-up's answer: the session and what became of the confirmation e-mail.
    pub fn signed_up(s: &Started, delivery: Delivery) -> TokenBody {
        TokenBody {
            email_sent: Some(delivery.sent()),
            email_reason: delivery.reason(),
            ..TokenBody::from(s)
        }
    }
}

impl From<&Started> for TokenBody {
    fn from(s: &Started) -> TokenBody {
        TokenBody {
            access_token: s.tokens.access_token.clone(),
            refresh_token: s.tokens.refresh_token.clone(),
            token_type: s.tokens.token_type,
            expires_in: s.tokens.expires_in,
            user: User::from(&s.user),
            tenant: TenantRef::from(&s.tenant),
            role: s.role.clone(),
            email_sent: None,
            email_reason: None,
        }
    }
}

/// The one token type.
fn bearer() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["Bearer"]))
}

/// Who the credential acts for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The signed-in user; `null` for an API key.
    #[schema(required = true)]
    pub user: Option<User>,
    /// The API key the request was made with; `null` for a signed-in user.
    #[schema(required = true)]
    pub api_key: Option<ApiKeyRef>,
    pub tenant: TenantRef,
    #[schema(value_type = Role)]
    pub role: String,
    /// Every permission held in this tenant: the role's, expanded (no wildcards), plus the
    /// member's extra permissions.
    #[schema(value_type = Vec<PermissionName>)]
    pub permissions: Vec<&'static str>,
}

impl Me {
    /// A user's or a key's answer (`key`: the key's id and name).
    pub fn new(held: Held, key: Option<(String, String)>, tenant: TenantRef, role: String) -> Me {
        Me {
            user: held.user.as_ref().map(User::from),
            api_key: key.map(|(id, name)| ApiKeyRef { id, name }),
            tenant,
            role,
            permissions: held.permissions,
        }
    }
}

/// An API key in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyRef {
    /// API key id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The key's name.
    pub name: String,
}

/// A bare acknowledgement. Rely on the HTTP status, not on the text of `status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// What happened, in words for people.
    #[schema(example = "Your e-mail address is confirmed.")]
    pub status: &'static str,
}

impl Status {
    /// An acknowledgement saying `status`.
    pub fn new(status: &'static str) -> Status {
        Status { status }
    }
}

/// An acknowledgement of a request that sends an e-mail, saying whether it went out.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::mail_ack)]
pub struct MailAck {
    /// What happened, in words for people.
    pub status: &'static str,
    /// Whether the e-mail is on its way (queued for sending). `false` when this server cannot
    /// send e-mail: nothing was sent.
    pub email_sent: bool,
    /// Present when `email_sent` is `false`: why, in words for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_reason: Option<&'static str>,
}

impl MailAck {
    /// `sent` or `not_sent` as the status, by what became of the e-mail.
    pub fn new(delivery: Delivery, sent: &'static str, not_sent: &'static str) -> MailAck {
        MailAck {
            status: if delivery.sent() { sent } else { not_sent },
            email_sent: delivery.sent(),
            email_reason: delivery.reason(),
        }
    }
}

/// What the server's own parts say, for admins: whether e-mail works.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::server_status)]
pub struct ServerStatus {
    pub email: EmailStatus,
}

/// Whether this server can send e-mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailStatus {
    /// `ok`: the SMTP server answers; `not_configured`: no SMTP host is set, nothing is
    /// e-mailed (invitation and reset links can be copied instead); `unreachable`: the SMTP
    /// server does not answer, messages wait in the queue.
    #[schema(schema_with = email_states)]
    pub state: &'static str,
    /// What it means, in words for people.
    pub message: String,
}

impl From<&Health> for ServerStatus {
    fn from(h: &Health) -> ServerStatus {
        ServerStatus {
            email: EmailStatus {
                state: h.state(),
                message: h.message(),
            },
        }
    }
}

fn email_states() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["ok", "not_configured", "unreachable"]))
}

// ---------------------------------------------------------------------------------------------
// The tenant

/// The tenant the credential belongs to, with its plan limits and usage.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::tenant)]
pub struct Tenant {
    /// Tenant id (UUID).
    #[schema(format = "uuid", read_only)]
    pub id: String,
    /// Subdomain label; fixed at sign-up.
    #[schema(read_only)]
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Custom domain serving this tenant (a lower-case host name), or null.
    #[schema(required = true)]
    pub domain: Option<String>,
    /// An inactive tenant answers `404` everywhere.
    #[schema(read_only)]
    pub is_active: bool,
    /// Plan name.
    #[schema(read_only, example = "free")]
    pub plan: String,
    /// Most devices the plan allows.
    #[schema(read_only)]
    pub max_devices: i32,
    /// Most members plus pending invitations the plan allows.
    #[schema(read_only)]
    pub max_users: i32,
    /// Most bytes of stored files the plan allows.
    #[schema(read_only)]
    pub storage_quota_bytes: i64,
    /// Bytes of stored files now.
    #[schema(read_only)]
    pub storage_used_bytes: u64,
    /// Members now (pending invitations not counted).
    #[schema(read_only)]
    pub member_count: i64,
    /// Feature flags enabled for the plan.
    #[schema(read_only)]
    pub features: Vec<String>,
    /// Free-form tenant settings (JSON object).
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
    /// When the tenant was created.
    #[schema(read_only, format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(read_only, format = DateTime)]
    pub updated_at: String,
}

impl From<&Current> for Tenant {
    fn from(c: &Current) -> Tenant {
        let t = &c.tenant;
        Tenant {
            id: t.id.clone(),
            slug: t.slug.clone(),
            name: t.name.clone(),
            domain: t.domain.clone(),
            is_active: t.is_active,
            plan: t.plan.clone(),
            max_devices: t.max_devices,
            max_users: t.max_users,
            storage_quota_bytes: t.storage_quota_bytes,
            storage_used_bytes: c.storage_used_bytes,
            member_count: c.member_count,
            features: serde_json::from_str(&t.features).unwrap_or_default(),
            settings: serde_json::from_str(&t.settings).unwrap_or_default(),
            created_at: iso(t.created_at),
            updated_at: iso(t.updated_at),
        }
    }
}

/// The tenant's secrets: names and times, never values.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::secret_list)]
pub struct SecretList {
    #[schema(inline)]
    pub items: Vec<Secret>,
}

/// One secret, without its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct Secret {
    #[schema(schema_with = secret_name)]
    pub name: String,
    /// When the value was last set.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The hand-written `SecretName` (the path parameter's schema too).
fn secret_name() -> impl Into<RefOr<Schema>> {
    Ref::from_schema_name("SecretName")
}

// ---------------------------------------------------------------------------------------------
// Members, invitations, API keys

/// A user's membership of this tenant.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::member)]
pub struct Member {
    /// User id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// Sign-in address.
    #[schema(format = Email)]
    pub email: String,
    /// Display name.
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Extra permissions granted on top of the role.
    #[schema(value_type = Vec<PermissionName>)]
    pub permissions: Vec<String>,
    /// The address was confirmed.
    pub email_verified: bool,
    /// When the user joined this tenant.
    #[schema(format = DateTime)]
    pub joined_at: String,
}

impl Member {
    /// The user `u` as a member (`m`) of the tenant.
    pub fn new(m: &membership::Membership, u: &user::User) -> Member {
        Member {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: m.role.clone(),
            permissions: m.grant().extra,
            email_verified: u.email_verified_at.is_some(),
            joined_at: iso(m.created_at),
        }
    }
}

/// The tenant's members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::member_list)]
pub struct MemberList {
    pub items: Vec<Member>,
}

/// A pending invitation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::invitation)]
pub struct Invitation {
    /// Invitation id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// Invited address.
    #[schema(format = Email)]
    pub email: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// When the link stops working (7 days after sending).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl From<&Invited> for Invitation {
    fn from(i: &Invited) -> Invitation {
        Invitation {
            id: i.id.clone(),
            email: i.email.clone(),
            role: i.role.clone(),
            expires_at: iso(i.expires_at),
        }
    }
}

impl From<&invitation::Invitation> for Invitation {
    fn from(i: &invitation::Invitation) -> Invitation {
        Invitation {
            id: i.id.clone(),
            email: i.email.clone(),
            role: i.role.clone(),
            expires_at: iso(i.expires_at),
        }
    }
}

/// A new (or resent) invitation and what became of its e-mail.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::invitation_sent)]
pub struct InvitationSent {
    /// Invitation id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// Invited address.
    #[schema(format = Email)]
    pub email: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// When the link stops working (7 days after sending).
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Whether the invitation e-mail is on its way (queued for sending); `false` when this
    /// server cannot send e-mail: nothing was sent.
    pub email_sent: bool,
    /// Present when `email_sent` is `false`: why, in words for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_reason: Option<&'static str>,
    /// Present when `email_sent` is `false` and the caller holds `users.manage`: the link to
    /// accept the invitation, to hand over by other means. Whoever holds it can join with the
    /// role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub link: Option<String>,
}

impl From<&Invited> for InvitationSent {
    fn from(i: &Invited) -> InvitationSent {
        InvitationSent {
            id: i.id.clone(),
            email: i.email.clone(),
            role: i.role.clone(),
            expires_at: iso(i.expires_at),
            email_sent: i.delivery.sent(),
            email_reason: i.delivery.reason(),
            link: i.link.clone(),
        }
    }
}

/// A one-time password reset link for a member, to hand over by other means than e-mail.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::reset_link)]
pub struct ResetLink {
    /// Opens the page where the member chooses a new password; works once. Whoever holds it
    /// can take over the account: hand it to the member only.
    #[schema(format = "uri")]
    pub link: String,
    /// When the link stops working (24 hours after it was made).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl From<&passwords::ResetLink> for ResetLink {
    fn from(r: &passwords::ResetLink) -> ResetLink {
        ResetLink {
            link: r.link.clone(),
            expires_at: iso(r.expires_at),
        }
    }
}

/// The tenant's pending invitations.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::invitation_list)]
pub struct InvitationList {
    pub items: Vec<Invitation>,
}

/// An API key (the secret itself is never shown again after creation).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::api_key)]
pub struct ApiKey {
    /// API key id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// What the key is for.
    pub name: String,
    /// The first characters of the secret (`sgk_` and 6 more), to tell keys apart.
    #[schema(example = "sgk_Q3vX9a")]
    pub prefix: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Id of the user who created it; null if that user is gone.
    #[schema(required = true, format = "uuid")]
    pub created_by: Option<String>,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last request made with it, or null.
    #[schema(required = true, format = DateTime)]
    pub last_used_at: Option<String>,
}

impl From<&api_key::ApiKey> for ApiKey {
    fn from(k: &api_key::ApiKey) -> ApiKey {
        ApiKey {
            id: k.id.clone(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            role: k.role.clone(),
            created_by: k.created_by.clone(),
            created_at: iso(k.created_at),
            last_used_at: k.last_used_at.map(iso),
        }
    }
}

/// The new key, with its secret. Store `key` now: it is kept only as a hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::api_key_created)]
pub struct ApiKeyCreated {
    /// API key id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// What the key is for.
    pub name: String,
    /// The first characters of the secret (`sgk_` and 6 more), to tell keys apart.
    #[schema(example = "sgk_Q3vX9a")]
    pub prefix: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Id of the user who created it; null if that user is gone.
    #[schema(required = true, format = "uuid")]
    pub created_by: Option<String>,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last request made with it, or null.
    #[schema(required = true, format = DateTime)]
    pub last_used_at: Option<String>,
    /// The secret: send it as `Authorization: Bearer sgk_…`. Shown once.
    #[schema(
        pattern = "^sgk_",
        example = "sgk_Q3vX9aLm2Pz7Rt5Wy8Kc1Nb4Hd6Jf0Gs3Ve9Ux2Yq"
    )]
    pub key: String,
}

impl ApiKeyCreated {
    /// The key `k` just made, with its `secret`.
    pub fn new(k: &api_key::ApiKey, secret: String) -> ApiKeyCreated {
        let ApiKey {
            id,
            name,
            prefix,
            role,
            created_by,
            created_at,
            last_used_at,
        } = ApiKey::from(k);
        ApiKeyCreated {
            id,
            name,
            prefix,
            role,
            created_by,
            created_at,
            last_used_at,
            key: secret,
        }
    }
}

/// The tenant's API keys that still work.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::api_key_list)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
}

// ---------------------------------------------------------------------------------------------
// The audit log

/// One recorded action. Entries are written in the same transaction as the change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::audit_entry)]
pub struct AuditEntry {
    /// Entry id; larger is newer.
    pub id: i64,
    #[schema(schema_with = actor_type)]
    pub actor_type: String,
    /// User id or API key id.
    #[schema(required = true)]
    pub actor_id: Option<String>,
    /// The user's e-mail address or the key's name, as it was then.
    #[schema(required = true)]
    pub actor_label: Option<String>,
    /// What happened: `asset.created`, `asset.updated`, `asset.deleted`, `asset.shared`,
    /// `asset.duplicated`, `user.invited`, `user.joined`, `user.role_changed`, `user.removed`,
    /// `apikey.created`, `apikey.revoked`, `tenant.updated`, `tenant.secret_set`,
    /// `tenant.secret_deleted`, `auth.login`. More may be added.
    #[schema(example = "asset.updated")]
    pub action: String,
    /// Kind of object acted on (`asset`, `user`, `invitation`, `api_key`, `tenant`, `secret`),
    /// or null.
    #[schema(required = true)]
    pub object_type: Option<String>,
    /// Its id (a secret's name), or null.
    #[schema(required = true)]
    pub object_id: Option<String>,
    /// Client address, or null.
    #[schema(required = true)]
    pub ip: Option<String>,
    /// When it happened.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Action-specific data (never secret values).
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

impl From<&audit::Entry> for AuditEntry {
    fn from(e: &audit::Entry) -> AuditEntry {
        AuditEntry {
            id: e.id,
            actor_type: e.actor_type.clone(),
            actor_id: e.actor_id.clone(),
            actor_label: e.actor_label.clone(),
            action: e.action.clone(),
            object_type: e.object_type.clone(),
            object_id: e.object_id.clone(),
            ip: e.ip.clone(),
            // Microseconds: entries of one request keep their order when sorted by time.
            created_at: format!("{}Z", e.created_at.format("%Y-%m-%dT%H:%M:%S%.6f")),
            details: serde_json::from_str(&e.details).unwrap_or_default(),
        }
    }
}

/// The two kinds of actor.
fn actor_type() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Who acted: a signed-in user or an API key."))
        .enum_values(Some(["user", "api_key"]))
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = examples::audit_list)]
pub struct AuditList {
    /// Newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` to get older entries; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Programming (see docs/programming.md)

/// One item of a playlist.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistItem {
    pub asset_id: String,
    /// Seconds, overriding the asset's own; null keeps the asset's.
    #[schema(required = true, minimum = 1, maximum = 86_400)]
    pub duration: Option<i32>,
}

/// A playlist: assets in order (an asset may appear several times).
#[derive(Debug, Serialize, ToSchema)]
pub struct Playlist {
    #[schema(format = "uuid")]
    pub id: String,
    pub name: String,
    pub shuffle: bool,
    pub items: Vec<PlaylistItem>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&program::FullPlaylist> for Playlist {
    fn from(p: &program::FullPlaylist) -> Playlist {
        Playlist {
            id: p.playlist.id.clone(),
            name: p.playlist.name.clone(),
            shuffle: p.playlist.shuffle,
            items: p
                .items
                .iter()
                .map(|i| PlaylistItem {
                    asset_id: i.asset_id.clone(),
                    duration: i.duration,
                })
                .collect(),
            created_at: iso(p.playlist.created_at),
            updated_at: iso(p.playlist.updated_at),
        }
    }
}

/// Whom a schedule or an interrupt is for: `{"all": true}` or screens and groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct Targets {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub screen_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub group_ids: Option<Vec<String>>,
}

impl Targets {
    fn parse(stored: &str) -> Targets {
        let t = program::TargetsJson::parse(stored);
        Targets {
            all: t.all.then_some(true),
            screen_ids: t.screen_ids,
            group_ids: t.group_ids,
        }
    }
}

/// A schedule: a playlist for some screens, on some days, at some hours, with a priority.
#[derive(Debug, Serialize, ToSchema)]
pub struct Schedule {
    #[schema(format = "uuid")]
    pub id: String,
    pub name: String,
    #[schema(format = "uuid")]
    pub playlist_id: String,
    pub targets: Targets,
    /// UTC; null: open.
    #[schema(required = true, format = DateTime)]
    pub start_date: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub end_date: Option<String>,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub play_days: Vec<u8>,
    /// In the tenant's time zone; overnight when after `play_time_to`.
    #[schema(required = true)]
    pub play_time_from: Option<String>,
    #[schema(required = true)]
    pub play_time_to: Option<String>,
    #[schema(minimum = 0, maximum = 100)]
    pub priority: i32,
    pub is_enabled: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&program_rows::Schedule> for Schedule {
    fn from(s: &program_rows::Schedule) -> Schedule {
        Schedule {
            id: s.id.clone(),
            name: s.name.clone(),
            playlist_id: s.playlist_id.clone(),
            targets: Targets::parse(&s.targets),
            start_date: s.start_date.map(iso),
            end_date: s.end_date.map(iso),
            play_days: PlayDays::from_json_text(&s.play_days).days().to_vec(),
            play_time_from: s.play_time_from.clone(),
            play_time_to: s.play_time_to.clone(),
            priority: s.priority,
            is_enabled: s.is_enabled,
            created_at: iso(s.created_at),
            updated_at: iso(s.updated_at),
        }
    }
}

/// A full-screen message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterruptMessage {
    pub text: String,
    /// `#rgb` or `#rrggbb`.
    pub background: String,
    pub color: String,
}

/// An interrupt: an asset or a message on the targeted screens now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Interrupt {
    #[schema(format = "uuid")]
    pub id: String,
    pub targets: Targets,
    #[schema(required = true)]
    pub asset_id: Option<String>,
    #[schema(required = true)]
    pub message: Option<InterruptMessage>,
    /// It ends by itself then; null: until ended.
    #[schema(required = true, format = DateTime)]
    pub until: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When someone ended it; null while it runs (or until `until`).
    #[schema(required = true, format = DateTime)]
    pub ended_at: Option<String>,
}

impl From<&program_rows::Interrupt> for Interrupt {
    fn from(i: &program_rows::Interrupt) -> Interrupt {
        let message = i
            .message
            .as_deref()
            .and_then(|m| serde_json::from_str::<program::Message>(m).ok())
            .map(|m| InterruptMessage {
                text: m.text,
                background: m.background,
                color: m.color,
            });
        Interrupt {
            id: i.id.clone(),
            targets: Targets::parse(&i.targets),
            asset_id: i.asset_id.clone(),
            message,
            until: i.until.map(iso),
            created_at: iso(i.created_at),
            ended_at: i.ended_at.map(iso),
        }
    }
}

/// One stretch of a screen's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineSegment {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// `interrupt`, `schedule` or `default`.
    #[schema(pattern = "^(interrupt|schedule|default)$")]
    pub source: &'static str,
    pub schedule_ids: Vec<String>,
    pub playlist_ids: Vec<String>,
    #[schema(required = true)]
    pub interrupt_id: Option<String>,
}

impl From<&crate::domain::program::Segment> for TimelineSegment {
    fn from(s: &crate::domain::program::Segment) -> TimelineSegment {
        use crate::domain::program::Source;
        let stamp = |t: chrono::DateTime<Utc>| iso(t.naive_utc());
        let (schedule_ids, playlist_ids, interrupt_id) = match &s.source {
            Source::Schedules {
                schedule_ids,
                playlist_ids,
            } => (schedule_ids.clone(), playlist_ids.clone(), None),
            Source::Interrupt(id) => (vec![], vec![], Some(id.clone())),
            Source::Default => (vec![], vec![], None),
        };
        TimelineSegment {
            start: stamp(s.start),
            end: stamp(s.end),
            source: s.source.name(),
            schedule_ids,
            playlist_ids,
            interrupt_id,
        }
    }
}

/// A playlist in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistRef {
    #[schema(format = "uuid")]
    pub id: String,
    pub name: String,
}

/// An asset deleted that playlists held: it was taken out of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDeleted {
    pub removed_from_playlists: Vec<PlaylistRef>,
}

/// One line of a plays report.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaysRow {
    /// The asset, screen or schedule id, or the day (`YYYY-MM-DD`); `""` for no screen (the
    /// device's own) or no schedule (the default playlist or an interrupt).
    pub key: String,
    pub label: String,
    pub plays: i64,
    pub seconds: i64,
}

/// Plays summed over the tenant's days `from`..=`to`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaysReport {
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    #[schema(pattern = "^(asset|screen|day|schedule)$")]
    pub group_by: &'static str,
    pub rows: Vec<PlaysRow>,
}

/// A screen's online time on one UTC day.
#[derive(Debug, Serialize, ToSchema)]
pub struct UptimeRow {
    #[schema(format = "uuid")]
    pub screen_id: String,
    pub name: String,
    #[schema(format = Date)]
    pub day: String,
    pub online_seconds: i64,
    /// Of the day (today: of the day so far), one decimal.
    pub uptime_percent: f64,
}

/// Screens' uptime per day.
#[derive(Debug, Serialize, ToSchema)]
pub struct UptimeReport {
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub rows: Vec<UptimeRow>,
}

// ---------------------------------------------------------------------------------------------
// Roles and permissions: the schemas come from `domain::permission`, the one list.

/// The `Role` schema: the roles of `domain::permission::ROLES`, with what each grants.
pub struct Role;

impl PartialSchema for Role {
    fn schema() -> RefOr<Schema> {
        let grants: Vec<String> = permission::ROLES
            .iter()
            .map(|(role, patterns)| {
                let what = if patterns.contains(&"*") {
                    "everything".to_string()
                } else {
                    patterns
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!("`{role}` ({what})")
            })
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(permission::ROLES.iter().map(|(r, _)| *r)))
            .description(Some(format!(
                "A role in one tenant: {}.",
                grants.join(", ")
            )))
            .into()
    }
}

impl ToSchema for Role {}

/// The `Permission` schema: `domain::permission::Permission::ALL`.
pub struct PermissionName;

impl PartialSchema for PermissionName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Permission::ALL.iter().map(|p| p.as_str())))
            .description(Some("A permission a route can require."))
            .into()
    }
}

impl ToSchema for PermissionName {
    fn name() -> std::borrow::Cow<'static, str> {
        "Permission".into()
    }
}

/// The document's examples, each used by its schema and by the lists that hold it.
mod examples {
    use serde_json::{Value, json};

    pub fn asset() -> Value {
        json!({
            "id": "7e57d004a5b14e0f8c3d2b1a09f8e7d6",
            "name": "Lobby welcome",
            "uri": "https://cdn.example.com/lobby/welcome.png",
            "mimetype": "image",
            "duration": 10,
            "start_date": "2026-11-22T00:00:00Z",
            "end_date": "2027-11-22T00:00:00Z",
            "is_enabled": true,
            "is_active": true,
            "is_processing": false,
            "processing_status": "done",
            "processing_error": null,
            "nocache": false,
            "play_order": 0,
            "skip_asset_check": false,
            "play_days": [1, 2, 3, 4, 5],
            "play_time_from": "08:00:00",
            "play_time_to": "18:00:00",
            "tags": ["lobby", "welcome"],
            "metadata": { "campaign": "winter" },
            "file_size": 482113,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "created_at": "2026-11-22T09:30:00Z",
            "updated_at": "2026-11-22T09:45:00Z",
            "view_count": 128,
            "last_viewed": "2026-12-06T17:59:40Z",
            "page_check": null
        })
    }

    pub fn asset_list() -> Value {
        let dashboard = json!({
            "id": "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6",
            "name": "Sales dashboard",
            "uri": "https://dash.example.com/sales",
            "mimetype": "webpage",
            "duration": 30,
            "start_date": "2026-11-22T00:00:00Z",
            "end_date": "2027-11-22T00:00:00Z",
            "is_enabled": true,
            "is_active": true,
            "is_processing": false,
            "processing_status": "done",
            "processing_error": null,
            "nocache": true,
            "play_order": 1,
            "skip_asset_check": false,
            "play_days": [1, 2, 3, 4, 5, 6, 7],
            "play_time_from": null,
            "play_time_to": null,
            "tags": ["dashboards"],
            "metadata": {},
            "file_size": null,
            "sha256": null,
            "created_at": "2026-11-22T09:30:00Z",
            "updated_at": "2026-11-22T09:45:00Z",
            "view_count": 0,
            "last_viewed": null,
            "page_check": {
                "status": "not_frameable",
                "reason": "The site does not allow being shown inside another page (X-Frame-Options: DENY).",
                "checked_at": "2026-11-22T09:45:02Z"
            }
        });
        json!({ "items": [asset(), dashboard], "next_cursor": "eyJvIjoxLCJpZCI6IjFhMmIzYzRkIn0" })
    }

    pub fn share() -> Value {
        json!({
            "share_url": "https://acme.signate.example/share/shr_h3Kp9vQ2mX7tL4wZ8bN1cR6dF0",
            "share_token": "shr_h3Kp9vQ2mX7tL4wZ8bN1cR6dF0",
            "expires_at": "2026-11-29T09:45:00Z"
        })
    }

    pub fn shares_revoked() -> Value {
        json!({ "revoked": 2 })
    }

    pub fn user() -> Value {
        json!({
            "id": "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "email_verified": true
        })
    }

    pub fn tenant_ref() -> Value {
        json!({ "id": "c3a1e5f0-7d2b-4c9e-8a6f-5b4d3c2e1f00", "slug": "acme", "name": "Acme Corp" })
    }

    pub fn token_body() -> Value {
        json!({
            "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2ZjFjMmE4ZS0uLi4iLCJ0aWQiOiJjM2ExZTVmMC0uLi4iLCJzaWQiOiIuLi4iLCJleHAiOjE3OTQwMDAwMDB9.c2lnbmF0dXJl",
            "refresh_token": "sgr_Zt7q2yM4xK9pLw3vN8bR1sD6fH0jC5uE2aG7iO4kQ",
            "token_type": "Bearer",
            "expires_in": 900,
            "user": user(),
            "tenant": tenant_ref(),
            "role": "tenant_admin"
        })
    }

    pub fn tenant() -> Value {
        json!({
            "id": "c3a1e5f0-7d2b-4c9e-8a6f-5b4d3c2e1f00",
            "slug": "acme",
            "name": "Acme Corp",
            "domain": "signage.acme.com",
            "is_active": true,
            "plan": "free",
            "max_devices": 5,
            "max_users": 10,
            "storage_quota_bytes": 10_737_418_240_i64,
            "storage_used_bytes": 52_428_800,
            "member_count": 3,
            "features": [],
            "settings": { "timezone": "Europe/Berlin" },
            "created_at": "2026-11-01T08:00:00Z",
            "updated_at": "2026-11-22T09:45:00Z"
        })
    }

    pub fn secret_list() -> Value {
        json!({
            "items": [
                { "name": "smtp.password", "updated_at": "2026-11-22T09:30:00Z" },
                { "name": "weather_api_key", "updated_at": "2026-11-22T09:45:00Z" }
            ]
        })
    }

    pub fn member() -> Value {
        json!({
            "id": "0b9e8d7c-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
            "email": "grace@example.com",
            "name": "Grace Hopper",
            "role": "content_manager",
            "permissions": ["devices.view"],
            "email_verified": false,
            "joined_at": "2026-11-20T14:02:11Z"
        })
    }

    pub fn member_list() -> Value {
        let admin = json!({
            "id": "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "role": "tenant_admin",
            "permissions": [],
            "email_verified": true,
            "joined_at": "2026-11-01T08:00:00Z"
        });
        json!({ "items": [admin, member()] })
    }

    pub fn invitation() -> Value {
        json!({
            "id": "4e3d2c1b-0a9f-4e8d-b7c6-5a4b3c2d1e0f",
            "email": "linus@example.com",
            "role": "viewer",
            "expires_at": "2026-11-29T09:30:00Z"
        })
    }

    pub fn invitation_sent() -> Value {
        json!({
            "id": "4e3d2c1b-0a9f-4e8d-b7c6-5a4b3c2d1e0f",
            "email": "linus@example.com",
            "role": "viewer",
            "expires_at": "2026-11-29T09:30:00Z",
            "email_sent": false,
            "email_reason": "E-mail is not set up on this server (no SMTP host is configured), so no message was sent.",
            "link": "https://signage.example.com/accept-invite?token=kq3H9pX2vR7mT4wZ8nB6cD1fG5hJ0lYs"
        })
    }

    pub fn reset_link() -> Value {
        json!({
            "link": "https://signage.example.com/reset-password?token=Zt8Qm2Lp6Vx1Nc4Rb7Hk9Ws3Jd5Fg0Ay",
            "expires_at": "2026-11-23T09:30:00Z"
        })
    }

    pub fn mail_ack() -> Value {
        json!({
            "status": "E-mail is not set up on this server, so no reset link was sent. Ask an admin of your organisation for one.",
            "email_sent": false,
            "email_reason": "E-mail is not set up on this server (no SMTP host is configured), so no message was sent."
        })
    }

    pub fn server_status() -> Value {
        json!({
            "email": {
                "state": "not_configured",
                "message": "E-mail is not set up on this server (no `smtp.host`): invitations, password resets and address confirmations are not e-mailed; admins can copy invitation and reset links to hand over instead."
            }
        })
    }

    pub fn invitation_list() -> Value {
        json!({ "items": [invitation()] })
    }

    pub fn api_key() -> Value {
        json!({
            "id": "9d8c7b6a-5f4e-4d3c-9b2a-1e0f9d8c7b6a",
            "name": "CI deploy",
            "prefix": "sgk_Q3vX9a",
            "role": "content_manager",
            "created_by": "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            "created_at": "2026-11-22T09:30:00Z",
            "last_used_at": "2026-11-22T09:45:00Z"
        })
    }

    pub fn api_key_created() -> Value {
        let mut key = api_key();
        key["last_used_at"] = Value::Null;
        key["key"] = "sgk_Q3vX9aLm2Pz7Rt5Wy8Kc1Nb4Hd6Jf0Gs3Ve9Ux2Yq".into();
        key
    }

    pub fn api_key_list() -> Value {
        json!({ "items": [api_key()] })
    }

    pub fn audit_entry() -> Value {
        json!({
            "id": 1842,
            "actor_type": "user",
            "actor_id": "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            "actor_label": "ada@example.com",
            "action": "asset.updated",
            "object_type": "asset",
            "object_id": "7e57d004a5b14e0f8c3d2b1a09f8e7d6",
            "ip": "203.0.113.7",
            "created_at": "2026-11-22T09:45:00Z",
            "details": { "changed": ["is_enabled", "duration"] }
        })
    }

    pub fn audit_list() -> Value {
        let created = json!({
            "id": 1841,
            "actor_type": "api_key",
            "actor_id": "9d8c7b6a-5f4e-4d3c-9b2a-1e0f9d8c7b6a",
            "actor_label": "CI deploy",
            "action": "asset.created",
            "object_type": "asset",
            "object_id": "7e57d004a5b14e0f8c3d2b1a09f8e7d6",
            "ip": "198.51.100.20",
            "created_at": "2026-11-22T09:30:00Z",
            "details": { "name": "Lobby welcome" }
        });
        json!({ "items": [audit_entry(), created], "next_cursor": "eyJpZCI6MTg0MX0" })
    }
}
