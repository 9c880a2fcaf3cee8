//! Billing rules (issue 17), pure: which plan's limits a tenant has from its Stripe
//! subscription and the time, which Stripe event may change a stored subscription (Stripe
//! delivers them out of order and more than once), the cheapest plan that lifts a limit, a
//! usage period's bounds, and the `Stripe-Signature` check.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

/// A limit a plan sets; the name is the one the API, the config and the errors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MaxDevices,
    MaxUsers,
    StorageQuotaBytes,
}

impl Limit {
    pub fn name(self) -> &'static str {
        match self {
            Limit::MaxDevices => "max_devices",
            Limit::MaxUsers => "max_users",
            Limit::StorageQuotaBytes => "storage_quota_bytes",
        }
    }
}

/// What a plan allows. 0 for storage means unlimited (as the tenants table has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    pub max_devices: i64,
    pub max_users: i64,
    pub storage_quota_bytes: i64,
}

impl Limits {
    pub fn get(&self, limit: Limit) -> i64 {
        match limit {
            Limit::MaxDevices => self.max_devices,
            Limit::MaxUsers => self.max_users,
            Limit::StorageQuotaBytes => self.storage_quota_bytes,
        }
    }

    /// Whether `wanted` units fit under `limit` (storage 0: unlimited).
    pub fn allows(&self, limit: Limit, wanted: i64) -> bool {
        let max = self.get(limit);
        (limit == Limit::StorageQuotaBytes && max <= 0) || wanted <= max
    }
}

/// A plan as the operator configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    /// The Stripe Price a subscription to it carries; none for a plan nobody buys (free).
    pub price_id: Option<String>,
    /// For display: minor units (2900 = 29.00) per `interval`, in `currency`.
    pub amount: i64,
    pub currency: String,
    pub interval: String,
    pub limits: Limits,
    pub features: Vec<String>,
    /// What is reported to Stripe as usage (`screens`), when the plan is metered.
    pub metered: Option<String>,
}

/// The operator's plans, cheapest first, and the one a tenant without a subscription has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    plans: Vec<Plan>,
    free: String,
}

impl Catalogue {
    /// `plans` in any order; `free` must name one of them (the config check makes sure).
    pub fn new(mut plans: Vec<Plan>, free: &str) -> Catalogue {
        plans.sort_by(|a, b| {
            (a.amount, a.limits.max_devices, &a.name).cmp(&(
                b.amount,
                b.limits.max_devices,
                &b.name,
            ))
        });
        Catalogue {
            plans,
            free: free.to_string(),
        }
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    pub fn get(&self, name: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.name == name)
    }

    /// The plan a tenant without a (live) subscription has.
    pub fn free(&self) -> Option<&Plan> {
        self.get(&self.free)
    }

    pub fn free_name(&self) -> &str {
        &self.free
    }

    /// The plan a Stripe Price belongs to.
    pub fn by_price(&self, price_id: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|p| p.price_id.as_deref() == Some(price_id))
    }

    /// The cheapest plan one can buy that allows `wanted` units of `limit`.
    pub fn lifting(&self, limit: Limit, wanted: i64) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|p| p.price_id.is_some() && p.limits.allows(limit, wanted))
    }
}

/// A Stripe subscription's status (`none`: the tenant never had one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    None,
    Incomplete,
    Trialing,
    Active,
    PastDue,
    Unpaid,
    Paused,
    Canceled,
    IncompleteExpired,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "none" => Status::None,
            "incomplete" => Status::Incomplete,
            "trialing" => Status::Trialing,
            "active" => Status::Active,
            "past_due" => Status::PastDue,
            "unpaid" => Status::Unpaid,
            "paused" => Status::Paused,
            "canceled" => Status::Canceled,
            "incomplete_expired" => Status::IncompleteExpired,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::None => "none",
            Status::Incomplete => "incomplete",
            Status::Trialing => "trialing",
            Status::Active => "active",
            Status::PastDue => "past_due",
            Status::Unpaid => "unpaid",
            Status::Paused => "paused",
            Status::Canceled => "canceled",
            Status::IncompleteExpired => "incomplete_expired",
        }
    }

    /// A subscription that can still bill: a new checkout would make a second one.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Status::Trialing | Status::Active | Status::PastDue | Status::Unpaid | Status::Paused
        )
    }

    /// Stripe never brings these back: the subscription is over.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Canceled | Status::IncompleteExpired)
    }

    /// Where a status lies in a subscription's life, to order two events of the same second.
    fn rank(self) -> u8 {
        match self {
            Status::None => 0,
            Status::Incomplete => 1,
            Status::Trialing => 2,
            Status::Active => 3,
            Status::PastDue => 4,
            Status::Unpaid | Status::Paused => 5,
            Status::Canceled | Status::IncompleteExpired => 6,
        }
    }
}

/// What is stored of a tenant's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: Option<String>,
    pub plan: Option<String>,
    pub status: Status,
    /// Since when a payment has been failing (the grace period runs from here).
    pub past_due_since: Option<DateTime<Utc>>,
    /// The Stripe time of the last subscription event applied.
    pub event_at: Option<DateTime<Utc>>,
}

/// Which plan's limits a tenant has now, and until when a failing payment is forgiven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing<'a> {
    pub plan: Option<&'a Plan>,
    pub grace_ends_at: Option<DateTime<Utc>>,
}

/// The rule: a trialing or active subscription gives its plan; a past-due one keeps it for
/// `grace_days` from the first failed payment; anything else (none, unpaid, paused,
/// canceled, incomplete) gives the free plan. A plan no longer in the config gives the free
/// plan too (the operator removed it; nothing is deleted either way).
pub fn standing<'a>(
    catalogue: &'a Catalogue,
    sub: Option<&Subscription>,
    now: DateTime<Utc>,
    grace_days: u32,
) -> Standing<'a> {
    let free = Standing {
        plan: catalogue.free(),
        grace_ends_at: None,
    };
    let Some(sub) = sub else { return free };
    let Some(plan) = sub.plan.as_deref().and_then(|p| catalogue.get(p)) else {
        return free;
    };
    match sub.status {
        Status::Trialing | Status::Active => Standing {
            plan: Some(plan),
            grace_ends_at: None,
        },
        Status::PastDue => {
            let since = sub.past_due_since.or(sub.event_at).unwrap_or(now);
            let ends = TimeDelta::try_days(i64::from(grace_days))
                .and_then(|d| since.checked_add_signed(d))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            Standing {
                plan: if now < ends {
                    Some(plan)
                } else {
                    catalogue.free()
                },
                grace_ends_at: Some(ends),
            }
        }
        _ => free,
    }
}

/// Whether a subscription event (for subscription `id`, in `status`, sent at `event_at`) may
/// replace what is stored. Older news never overwrites newer; of two events in the same
/// second the later status in a subscription's life wins; a subscription that ended stays
/// ended; an event about another subscription replaces the stored one only when that one is
/// over or the other is newer and still live (an old subscription's end never ends a new
/// one).
pub fn supersedes(
    stored: Option<&Subscription>,
    id: &str,
    status: Status,
    event_at: DateTime<Utc>,
) -> bool {
    let Some(stored) = stored else { return true };
    let (Some(stored_id), Some(stored_at)) = (stored.id.as_deref(), stored.event_at) else {
        return true;
    };
    if stored_id == id {
        if stored.status.is_final() {
            return false;
        }
        return event_at > stored_at
            || (event_at == stored_at && status.rank() >= stored.status.rank());
    }
    if status.is_final() {
        return false;
    }
    // Another subscription: it replaces one that is over or never started, and a live one
    // only when it is live itself and newer (an abandoned second checkout, `incomplete`,
    // never takes the place of a paid subscription).
    if stored.status.is_final() || !stored.status.is_live() {
        return true;
    }
    status.is_live() && event_at >= stored_at
}

/// When the grace period starts or ends with an invoice event: a failed payment starts it
/// (the earliest failure counts), a paid invoice newer than the last payment news ends it.
/// `None` when the event changes nothing.
pub fn after_invoice(
    past_due_since: Option<DateTime<Utc>>,
    payment_event_at: Option<DateTime<Utc>>,
    paid: bool,
    event_at: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    if payment_event_at.is_some_and(|last| event_at < last) {
        return None;
    }
    if paid {
        Some(None)
    } else {
        Some(Some(past_due_since.map_or(event_at, |s| s.min(event_at))))
    }
}

/// A usage period: a calendar month in UTC, `2026-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Period { year, month })
    }

    pub fn of(t: DateTime<Utc>) -> Period {
        Period {
            year: t.year(),
            month: t.month(),
        }
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The first instant of the month.
    pub fn start(self) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .unwrap_or_default()
    }

    /// The first instant after the month.
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]`, where
/// each `v1` is HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's secret.
pub mod signature {
    use hmac::{KeyInit, Mac};

    type HmacSha256 = hmac::Hmac<sha2::Sha256>;

    /// How far back a signed timestamp may be (Stripe's own libraries use 300 s).
    pub const TOLERANCE_SECONDS: i64 = 300;

    /// Why a signature is refused; the text is what the sender gets back.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum Refused {
        #[error("The Stripe-Signature header is missing.")]
        Missing,
        #[error("The Stripe-Signature header has no timestamp (t=).")]
        NoTimestamp,
        #[error("The Stripe-Signature header has no v1 signature.")]
        NoSignature,
        #[error("The Stripe-Signature timestamp is older than {TOLERANCE_SECONDS} seconds.")]
        TooOld,
        #[error("No v1 signature in the Stripe-Signature header matches the payload.")]
        Mismatch,
    }

    fn mac(secret: &str, t: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
        mac.update(t.as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }

    /// Checks `header` against `payload` at `now` (unix seconds); the signed time on success.
    /// Every `v1` is tried (Stripe sends several while a secret is being rolled); each
    /// comparison is constant-time.
    pub fn verify(
        header: Option<&str>,
        payload: &[u8],
        secret: &str,
        now: i64,
    ) -> Result<i64, Refused> {
        let header = header.ok_or(Refused::Missing)?;
        let mut t = None;
        let mut v1 = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) if t.is_none() => t = Some(v.trim()),
                Some(("v1", v)) => v1.push(v.trim()),
                _ => {}
            }
        }
        let t_text = t.ok_or(Refused::NoTimestamp)?;
        let t: i64 = t_text.parse().map_err(|_| Refused::NoTimestamp)?;
        if v1.is_empty() {
            return Err(Refused::NoSignature);
        }
        if t < now - TOLERANCE_SECONDS {
            return Err(Refused::TooOld);
        }
        let expected = mac(secret, t_text, payload);
        for sig in v1 {
            if let Some(bytes) = unhex(sig)
                && expected.clone().verify_slice(&bytes).is_ok()
            {
                return Ok(t);
            }
        }
        Err(Refused::Mismatch)
    }

    /// The header Stripe would send for `payload` at `t` (for tests and the stand-in).
    pub fn header(payload: &[u8], secret: &str, t: i64) -> String {
        let sig = mac(secret, &t.to_string(), payload).finalize().into_bytes();
        let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
        format!("t={t},v1={hex}")
    }

    fn unhex(s: &str) -> Option<Vec<u8>> {
        if !s.len().is_multiple_of(2) {
            return None;
        }
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(name: &str, price: Option<&str>, amount: i64, devices: i64) -> Plan {
        Plan {
            name: name.into(),
            price_id: price.map(Into::into),
            amount,
            currency: "eur".into(),
            interval: "month".into(),
            limits: Limits {
                max_devices: devices,
                max_users: devices * 2,
                storage_quota_bytes: devices << 30,
            },
            features: vec![],
            metered: None,
        }
    }

    fn catalogue() -> Catalogue {
        Catalogue::new(
            vec![
                plan("business", Some("price_biz"), 9900, 500),
                plan("free", None, 0, 3),
                plan("pro", Some("price_pro"), 2900, 50),
            ],
            "free",
        )
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn sub(id: &str, status: Status, event_at: &str) -> Subscription {
        Subscription {
            id: Some(id.into()),
            plan: Some("pro".into()),
            status,
            past_due_since: None,
            event_at: Some(at(event_at)),
        }
    }

    #[test]
    fn plans_are_ordered_cheapest_first_and_the_cheapest_that_lifts_is_named() {
        let c = catalogue();
        let names: Vec<_> = c.plans().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["free", "pro", "business"]);
        assert_eq!(c.lifting(Limit::MaxDevices, 4).unwrap().name, "pro");
        assert_eq!(c.lifting(Limit::MaxDevices, 51).unwrap().name, "business");
        assert!(c.lifting(Limit::MaxDevices, 501).is_none());
        assert_eq!(c.by_price("price_biz").unwrap().name, "business");
        assert!(c.by_price("price_x").is_none());
    }

    #[test]
    fn storage_zero_is_unlimited_but_zero_devices_is_zero() {
        let l = Limits {
            max_devices: 0,
            max_users: 1,
            storage_quota_bytes: 0,
        };
        assert!(l.allows(Limit::StorageQuotaBytes, i64::MAX));
        assert!(!l.allows(Limit::MaxDevices, 1));
        assert!(l.allows(Limit::MaxUsers, 1));
    }

    #[test]
    fn standing_follows_status_and_grace() {
        let c = catalogue();
        let now = at("2026-12-10T00:00:00Z");
        assert_eq!(standing(&c, None, now, 7).plan.unwrap().name, "free");
        for (status, plan) in [
            (Status::Active, "pro"),
            (Status::Trialing, "pro"),
            (Status::Canceled, "free"),
            (Status::Unpaid, "free"),
            (Status::Incomplete, "free"),
            (Status::Paused, "free"),
        ] {
            let s = sub("sub_1", status, "2026-12-01T00:00:00Z");
            assert_eq!(
                standing(&c, Some(&s), now, 7).plan.unwrap().name,
                plan,
                "{status:?}"
            );
        }
        let mut s = sub("sub_1", Status::PastDue, "2026-12-09T00:00:00Z");
        s.past_due_since = Some(at("2026-12-05T00:00:00Z"));
        let st = standing(&c, Some(&s), now, 7);
        assert_eq!(st.plan.unwrap().name, "pro");
        assert_eq!(st.grace_ends_at, Some(at("2026-12-12T00:00:00Z")));
        let st = standing(&c, Some(&s), at("2026-12-12T00:00:00Z"), 7);
        assert_eq!(
            st.plan.unwrap().name,
            "free",
            "the grace ends on the second"
        );
        assert_eq!(standing(&c, Some(&s), now, 0).plan.unwrap().name, "free");
        // A plan the operator removed from the config gives the free plan.
        s.status = Status::Active;
        s.plan = Some("gold".into());
        assert_eq!(standing(&c, Some(&s), now, 7).plan.unwrap().name, "free");
    }

    #[test]
    fn older_events_never_overwrite_newer_ones() {
        let stored = sub("sub_1", Status::PastDue, "2026-12-05T10:00:00Z");
        let t = |s| at(s);
        assert!(!supersedes(
            Some(&stored),
            "sub_1",
            Status::Active,
            t("2026-12-05T09:59:59Z")
        ));
        assert!(supersedes(
            Some(&stored),
            "sub_1",
            Status::Active,
            t("2026-12-05T10:00:01Z")
        ));
        // The same second: the later status in a subscription's life wins.
        assert!(!supersedes(
            Some(&stored),
            "sub_1",
            Status::Active,
            t("2026-12-05T10:00:00Z")
        ));
        assert!(supersedes(
            Some(&stored),
            "sub_1",
            Status::Canceled,
            t("2026-12-05T10:00:00Z")
        ));
        assert!(supersedes(
            None,
            "sub_1",
            Status::Incomplete,
            t("2020-01-01T00:00:00Z")
        ));
    }

    #[test]
    fn an_ended_subscription_stays_ended_and_an_old_one_never_ends_a_new_one() {
        let ended = sub("sub_1", Status::Canceled, "2026-12-05T10:00:00Z");
        assert!(!supersedes(
            Some(&ended),
            "sub_1",
            Status::Active,
            at("2026-12-06T00:00:00Z")
        ));
        // A new subscription after the old one ended.
        assert!(supersedes(
            Some(&ended),
            "sub_2",
            Status::Active,
            at("2026-12-01T00:00:00Z")
        ));
        let live = sub("sub_2", Status::Active, "2026-12-06T00:00:00Z");
        // The old subscription's deletion, delivered late.
        assert!(!supersedes(
            Some(&live),
            "sub_1",
            Status::Canceled,
            at("2026-12-07T00:00:00Z")
        ));
        assert!(!supersedes(
            Some(&live),
            "sub_1",
            Status::Active,
            at("2026-12-05T00:00:00Z")
        ));
        assert!(supersedes(
            Some(&live),
            "sub_3",
            Status::Active,
            at("2026-12-08T00:00:00Z")
        ));
        // A newer second subscription that never got paid does not replace the paid one.
        let t = at("2026-12-08T00:00:00Z");
        assert!(!supersedes(Some(&live), "sub_3", Status::Incomplete, t));
        let abandoned = sub("sub_3", Status::Incomplete, "2026-12-08T00:00:00Z");
        assert!(supersedes(
            Some(&abandoned),
            "sub_2",
            Status::Active,
            at("2026-12-01T00:00:00Z")
        ));
    }

    #[test]
    fn invoices_start_and_end_the_grace_period_in_order() {
        let d1 = at("2026-12-01T00:00:00Z");
        let d2 = at("2026-12-02T00:00:00Z");
        let d3 = at("2026-12-03T00:00:00Z");
        assert_eq!(after_invoice(None, None, false, d2), Some(Some(d2)));
        // The earliest failure counts.
        assert_eq!(after_invoice(Some(d2), Some(d2), false, d3), Some(Some(d2)));
        assert_eq!(after_invoice(Some(d2), Some(d3), true, d3), Some(None));
        // A failure older than the last payment news changes nothing.
        assert_eq!(after_invoice(None, Some(d3), false, d1), None);
    }

    #[test]
    fn periods_parse_and_bound_months() {
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.to_string(), "2026-12");
        assert_eq!(p.start(), at("2026-12-01T00:00:00Z"));
        assert_eq!(p.end(), at("2027-01-01T00:00:00Z"));
        assert_eq!(Period::parse("2027-01").unwrap().previous(), p);
        for bad in ["2026-13", "2026-1", "26-12", "2026/12", "", "2026-00"] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Period::of(at("2026-12-31T23:59:59Z")), p);
    }

    #[test]
    fn signatures_are_checked_as_stripe_specifies() {
        use signature::{Refused, header, verify};
        let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
        let now = 1_765_000_000;
        let good = header(body, "whsec_a", now - 10);
        assert_eq!(verify(Some(&good), body, "whsec_a", now), Ok(now - 10));
        assert_eq!(
            verify(Some(&good), body, "whsec_b", now),
            Err(Refused::Mismatch)
        );
        assert_eq!(
            verify(Some(&good), b"{}", "whsec_a", now),
            Err(Refused::Mismatch)
        );
        // Every v1 is tried: an old secret's signature first, the right one second.
        let other = header(body, "whsec_old", now);
        let v1 = |h: &str| h.split_once(",v1=").unwrap().1.to_string();
        let both = format!(
            "t={now},v1={},v0=ignored,v1={}",
            v1(&other),
            v1(&header(body, "whsec_a", now))
        );
        assert_eq!(verify(Some(&both), body, "whsec_a", now), Ok(now));
        let old = header(body, "whsec_a", now - 301);
        assert_eq!(
            verify(Some(&old), body, "whsec_a", now),
            Err(Refused::TooOld)
        );
        assert_eq!(verify(None, body, "whsec_a", now), Err(Refused::Missing));
        assert_eq!(
            verify(Some("v1=00"), body, "whsec_a", now),
            Err(Refused::NoTimestamp)
        );
        assert_eq!(
            verify(Some("t=abc,v1=00"), body, "whsec_a", now),
            Err(Refused::NoTimestamp)
        );
        assert_eq!(
            verify(Some(&format!("t={now}")), body, "whsec_a", now),
            Err(Refused::NoSignature)
        );
        assert_eq!(
            verify(Some(&format!("t={now},v1=zz")), body, "whsec_a", now),
            Err(Refused::Mismatch)
        );
    }
}
