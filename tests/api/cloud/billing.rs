//! Billing (issue 17): plans set limits; Stripe's webhooks (signed as Stripe signs them, in
//! the shapes Stripe sends) move a tenant between plans in any delivery order; a failed payment
//! gives a grace period, then the free plan's limits — refusing creations, deleting nothing;
//! checkout, the portal and metered usage go to the local Stripe stand-in
//! (`scripts/services.sh ensure_stripe`: localstripe plus our fixture routes).

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use super::screens::pair;
use super::{Account, api_key, call, mail_to, signup, spawn_with};
use crate::helpers::{TestApp, status_json};

const SECRET: &str = "whsec_signate_test";

fn stripe_url() -> String {
    std::env::var("SIGNATE_TEST_STRIPE_URL").unwrap_or_else(|_| "http://127.0.0.1:51420".into())
}

fn stripe_key() -> String {
    std::env::var("SIGNATE_TEST_STRIPE_KEY").unwrap_or_else(|_| "sk_test_signate".into())
}

/// A cloud server with two plans: free (1 screen, 2 users) and pro (3 screens, 5 users,
/// metered by screens), a 7-day grace period, and Stripe at the stand-in.
pub(super) async fn app() -> TestApp {
    app_with(|_| {}).await
}

async fn app_with(adjust: impl FnOnce(&mut signate::config::Config)) -> TestApp {
    ensure_price().await;
    spawn_with(|c| {
        let b = &mut c.billing;
        b.free_plan = "free".into();
        b.grace_days = 7;
        b.webhook_secret = SECRET.into();
        b.stripe_secret_key = stripe_key();
        b.api_base = stripe_url();
        b.plans.insert(
            "free".into(),
            signate::config::PlanConfig {
                max_devices: 1,
                max_users: 2,
                storage_quota_bytes: 0,
                ..Default::default()
            },
        );
        b.plans.insert(
            "pro".into(),
            signate::config::PlanConfig {
                price_id: Some("price_pro".into()),
                amount: 2900,
                currency: "eur".into(),
                max_devices: 3,
                max_users: 5,
                storage_quota_bytes: 0,
                features: vec!["layouts".into()],
                metered: Some("screens".into()),
                ..Default::default()
            },
        );
        b.plans.insert(
            "business".into(),
            signate::config::PlanConfig {
                price_id: Some("price_biz".into()),
                amount: 9900,
                currency: "eur".into(),
                max_devices: 10,
                max_users: 20,
                storage_quota_bytes: 0,
                ..Default::default()
            },
        );
        adjust(c);
    })
    .await
}

/// The stand-in knows the pro plan's price (localstripe keeps prices as plans; a second
/// create of the same id is refused, which is fine).
async fn ensure_price() {
    let res = reqwest::Client::new()
        .post(format!("{}/v1/plans", stripe_url()))
        .basic_auth(stripe_key(), Some(""))
        .form(&[
            ("id", "price_pro"),
            ("amount", "2900"),
            ("currency", "eur"),
            ("interval", "month"),
            ("product[name]", "Signate Pro"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the Stripe stand-in at {} (scripts/services.sh ensure_stripe): {e}",
                stripe_url()
            )
        });
    assert!(res.status().as_u16() < 500, "{:?}", res.text().await);
}

/// A Stripe event as Stripe sends it.
fn event(kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created,
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
        "data": { "object": object }
    })
}

fn subscription(t: &Account, id: &str, status: &str, price: &str, created: i64) -> Value {
    json!({
        "id": id,
        "object": "subscription",
        "customer": format!("cus_{}", &t.tenant_id[..8]),
        "status": status,
        "cancel_at_period_end": false,
        "created": created,
        "start_date": created,
        "trial_end": null,
        "metadata": { "tenant_id": t.tenant_id },
        "items": { "object": "list", "data": [{
            "id": "si_1", "object": "subscription_item", "quantity": 1,
            "current_period_start": created,
            "current_period_end": created + 30 * 86400,
            "price": { "id": price, "object": "price", "currency": "eur", "unit_amount": 2900,
                       "recurring": { "interval": "month" } }
        }]}
    })
}

fn invoice(t: &Account, id: &str, sub: &str, status: &str, created: i64) -> Value {
    let paid = status == "paid";
    json!({
        "id": id,
        "object": "invoice",
        "customer": format!("cus_{}", &t.tenant_id[..8]),
        "number": format!("SIG-{}", &id[3..]),
        "created": created,
        "amount_due": 2900,
        "amount_paid": if paid { 2900 } else { 0 },
        "currency": "eur",
        "status": status,
        "hosted_invoice_url": format!("https://invoice.stripe.com/i/{id}"),
        "invoice_pdf": format!("https://pay.stripe.com/invoice/{id}/pdf"),
        "parent": { "type": "subscription_details",
                    "subscription_details": { "subscription": sub, "metadata": { "tenant_id": t.tenant_id } } }
    })
}

/// Delivers `body` as Stripe does: signed now with the endpoint's secret.
async fn deliver_raw(app: &TestApp, body: &str, signature: Option<String>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(sig) = signature {
        req = req.header("Stripe-Signature", sig);
    }
    status_json(req.send().await.unwrap()).await
}

async fn deliver(app: &TestApp, ev: &Value) -> (u16, Value) {
    let body = ev.to_string();
    let sig = signate::domain::billing::signature::header(
        body.as_bytes(),
        SECRET,
        Utc::now().timestamp(),
    );
    deliver_raw(app, &body, Some(sig)).await
}

async fn sub_of(app: &TestApp, t: &Account) -> Value {
    let (s, b) = call(
        app,
        Method::GET,
        "/api/v3/billing/subscription",
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

/// Waits until the job queue applied what was delivered (the subscription satisfies `done`).
async fn until(app: &TestApp, t: &Account, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let v = sub_of(app, t).await;
        if done(&v) || std::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until the job queue has dealt with every event stored so far (none left `queued`), so
/// that what a test asserts next is the outcome of those events, not a race with the queue.
async fn settled(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let queued: i64 = app
            .state
            .db
            .system(|c| {
                use diesel::prelude::*;
                use signate::db::schema::stripe_events::dsl::*;
                Ok(stripe_events
                    .filter(state.eq("queued"))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        if queued == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{queued} Stripe events still queued after 15 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Tries to add one more screen: the status and body of the claim.
async fn add_screen(app: &TestApp, t: &Account) -> (u16, Value) {
    let (s, started) = status_json(
        app.client
            .post(app.url("/api/v3/screens/pair"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    call(
        app,
        Method::POST,
        "/api/v3/screens",
        &t.access,
        Some(json!({ "code": started["code"], "name": "One more" })),
    )
    .await
}

#[tokio::test]
async fn plans_are_public_and_ordered_with_their_limits() {
    let app = app().await;
    let (s, plans) = status_json(
        app.client
            .get(app.url("/api/v3/billing/plans"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{plans}");
    assert_eq!(plans[0]["name"], "free");
    assert_eq!(plans[0]["free"], true);
    assert_eq!(plans[0]["price"], Value::Null);
    assert_eq!(plans[1]["name"], "pro");
    assert_eq!(
        plans[1]["price"],
        json!({ "amount": 2900, "currency": "eur", "interval": "month" })
    );
    assert_eq!(plans[1]["limits"]["max_devices"], 3);
    assert_eq!(plans[1]["metered"], "screens");
    assert_eq!(plans[1]["features"], json!(["layouts"]));

    let t = signup(&app, "plans").await;
    let sub = sub_of(&app, &t).await;
    assert_eq!(sub["plan"], "free");
    assert_eq!(sub["status"], "none");
    assert_eq!(sub["limits"]["max_devices"], 1);
    assert_eq!(
        sub["usage"],
        json!({ "devices": 0, "users": 1, "storage_bytes": 0 })
    );
    assert_eq!(sub["billing_enabled"], true);
    assert_eq!(sub["has_customer"], false);
    // The tenant's own view says the same plan and limits.
    let (_, me) = call(
        &app,
        Method::GET,
        "/api/v3/tenants/current",
        &t.access,
        None,
    )
    .await;
    assert_eq!(
        (me["plan"].clone(), me["max_devices"].clone()),
        (json!("free"), json!(1))
    );
    // Only tenant.billing sees the subscription.
    let viewer = api_key(&app, &t.access, "viewer").await;
    let (s, b) = call(
        &app,
        Method::GET,
        "/api/v3/billing/subscription",
        &viewer,
        None,
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &viewer,
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn forged_old_or_missing_signatures_change_nothing() {
    let app = app().await;
    let t = signup(&app, "forged").await;
    let now = Utc::now().timestamp();
    let ev = event(
        "customer.subscription.created",
        now,
        subscription(&t, "sub_forged", "active", "price_pro", now),
    );
    let body = ev.to_string();
    use signate::domain::billing::signature::header;
    let cases = [
        (None, "missing"),
        (
            Some(header(body.as_bytes(), "whsec_wrong", now)),
            "wrong secret",
        ),
        (Some(header(body.as_bytes(), SECRET, now - 301)), "too old"),
        (Some(format!("t={now},v1=00ff")), "garbage signature"),
        (Some(header(b"{}", SECRET, now)), "another payload"),
    ];
    for (sig, why) in cases {
        let (s, b) = deliver_raw(&app, &body, sig).await;
        assert_eq!(s, 400, "{why}: {b}");
        assert_eq!(b["error"]["code"], "invalid", "{why}");
    }
    // A body changed after signing is refused too.
    let sig = header(body.as_bytes(), SECRET, now);
    let (s, _) = deliver_raw(
        &app,
        &body.replace("price_pro", "price_biz"),
        Some(sig.clone()),
    )
    .await;
    assert_eq!(s, 400);
    settled(&app).await;
    assert_eq!(sub_of(&app, &t).await["plan"], "free");
    // The same bytes, signed right, are taken (the refusals stored nothing under their id).
    let (s, b) = deliver_raw(&app, &body, Some(sig)).await;
    assert_eq!((s, b["repeat"].clone()), (200, json!(false)), "{b}");
    let sub = until(&app, &t, |v| v["plan"] == "pro").await;
    assert_eq!(sub["plan"], "pro", "{sub}");
}

/// The whole run: upgrade → limits rise → payment fails → grace → falls to the free
/// plan's limits → data kept, creations refused → paid again.
#[tokio::test]
async fn upgrade_payment_failure_grace_and_downgrade_keep_data() {
    let app = app().await;
    let t = signup(&app, "journey").await;
    pair(&app, &t, "Lobby").await;
    let (s, refused) = add_screen(&app, &t).await;
    assert_eq!(s, 403, "{refused}");
    let e = &refused["error"];
    assert_eq!(e["code"], "limit_exceeded");
    assert_eq!(e["limit"], "max_devices");
    assert_eq!(e["plan"], "free");
    assert_eq!(e["upgrade_plan"], "pro");
    assert!(
        e["message"].as_str().unwrap().contains("pro plan allows 3"),
        "{e}"
    );

    // Checkout completes; the subscription's own event follows.
    let t0 = Utc::now().timestamp() - 3600;
    let session = json!({
        "id": "cs_test_1", "object": "checkout.session", "mode": "subscription",
        "customer": format!("cus_{}", &t.tenant_id[..8]), "subscription": "sub_journey",
        "client_reference_id": t.tenant_id, "payment_status": "paid", "status": "complete",
        "metadata": { "tenant_id": t.tenant_id, "plan": "pro" }
    });
    assert_eq!(
        deliver(&app, &event("checkout.session.completed", t0, session))
            .await
            .0,
        200
    );
    let (s, _) = deliver(
        &app,
        &event(
            "customer.subscription.created",
            t0,
            subscription(&t, "sub_journey", "active", "price_pro", t0),
        ),
    )
    .await;
    assert_eq!(s, 200);
    let sub = until(&app, &t, |v| {
        v["plan"] == "pro" && v["current_period_end"].is_string()
    })
    .await;
    assert_eq!(sub["status"], "active", "{sub}");
    assert_eq!(sub["limits"]["max_devices"], 3);
    assert_eq!(sub["has_customer"], true);
    assert_eq!(
        add_screen(&app, &t).await.0,
        201,
        "limits rose with the plan"
    );
    assert_eq!(add_screen(&app, &t).await.0, 201);
    assert_eq!(add_screen(&app, &t).await.0, 403, "pro allows 3");

    // A payment fails now: grace, everything keeps working, the admins are told.
    let failed_at = Utc::now().timestamp() - 60;
    deliver(
        &app,
        &event(
            "invoice.payment_failed",
            failed_at,
            invoice(&t, "in_journey1", "sub_journey", "open", failed_at),
        ),
    )
    .await;
    let sub = until(&app, &t, |v| v["status"] == "past_due").await;
    assert_eq!(sub["plan"], "pro", "grace keeps the plan: {sub}");
    let grace_end =
        chrono::DateTime::parse_from_rfc3339(sub["grace_ends_at"].as_str().unwrap()).unwrap();
    assert_eq!(grace_end.timestamp(), failed_at + 7 * 86400);
    let mails = mail_to(&t.email, 2).await;
    assert!(
        mails.iter().any(|m| m["subject"]
            .as_str()
            .unwrap_or("")
            .starts_with("Payment failed")),
        "the admin is told: {:?}",
        mails
            .iter()
            .map(|m| m["subject"].clone())
            .collect::<Vec<_>>()
    );

    // The grace period ends (the failure's own time says when it began).
    let old = Utc::now().timestamp() - 8 * 86400;
    let t2 = signup(&app, "journey-late").await;
    for (kind, at, obj) in [
        (
            "customer.subscription.created",
            old - 60,
            subscription(&t2, "sub_late", "active", "price_pro", old - 60),
        ),
        (
            "invoice.payment_failed",
            old,
            invoice(&t2, "in_late", "sub_late", "open", old),
        ),
    ] {
        deliver(&app, &event(kind, at, obj)).await;
    }
    let sub = until(&app, &t2, |v| v["status"] == "past_due").await;
    assert_eq!(sub["plan"], "free", "after the grace period: {sub}");
    assert_eq!(sub["subscribed_plan"], "pro");
    assert_eq!(sub["limits"]["max_devices"], 1);

    // The first tenant is downgraded for good: its subscription ends.
    let end = Utc::now().timestamp();
    deliver(
        &app,
        &event(
            "customer.subscription.deleted",
            end,
            subscription(&t, "sub_journey", "canceled", "price_pro", t0),
        ),
    )
    .await;
    let sub = until(&app, &t, |v| v["status"] == "canceled").await;
    assert_eq!(sub["plan"], "free", "{sub}");
    // Nothing was deleted: three screens are there, and a fourth (any more) is refused.
    let (_, screens) = call(&app, Method::GET, "/api/v3/screens", &t.access, None).await;
    assert_eq!(screens.as_array().unwrap().len(), 3, "{screens}");
    let (s, refused) = add_screen(&app, &t).await;
    assert_eq!(
        (s, refused["error"]["plan"].clone()),
        (403, json!("free")),
        "{refused}"
    );
    let (_, usage) = call(
        &app,
        Method::GET,
        "/api/v3/billing/subscription",
        &t.access,
        None,
    )
    .await;
    assert_eq!(
        usage["usage"]["devices"], 3,
        "usage over the limit is shown, not cut"
    );
}

#[tokio::test]
async fn repeated_and_out_of_order_events_are_safe() {
    let app = app().await;
    let t = signup(&app, "order").await;
    let base = Utc::now().timestamp() - 1000;
    // Delivered newest first: deleted (t+30), updated past_due (t+20), created active (t+10).
    let deleted = event(
        "customer.subscription.deleted",
        base + 30,
        subscription(&t, "sub_o", "canceled", "price_pro", base),
    );
    let updated = event(
        "customer.subscription.updated",
        base + 20,
        subscription(&t, "sub_o", "past_due", "price_pro", base),
    );
    let created = event(
        "customer.subscription.created",
        base + 10,
        subscription(&t, "sub_o", "active", "price_pro", base),
    );
    for ev in [&deleted, &updated, &created] {
        assert_eq!(deliver(&app, ev).await.0, 200);
    }
    // A repeat of an event is a no-op 200.
    let (s, b) = deliver(&app, &updated).await;
    assert_eq!((s, b["repeat"].clone()), (200, json!(true)));
    settled(&app).await;
    let sub = until(&app, &t, |v| v["status"] == "canceled").await;
    assert_eq!(
        (sub["status"].clone(), sub["plan"].clone()),
        (json!("canceled"), json!("free")),
        "{sub}"
    );

    // A new subscription afterwards is taken; the old one's late news does not end it.
    let t2 = base + 100;
    deliver(
        &app,
        &event(
            "customer.subscription.created",
            t2,
            subscription(&t, "sub_new", "active", "price_pro", t2),
        ),
    )
    .await;
    until(&app, &t, |v| v["status"] == "active").await;
    deliver(
        &app,
        &event(
            "customer.subscription.deleted",
            t2 + 5,
            subscription(&t, "sub_o", "canceled", "price_pro", base),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "customer.subscription.updated",
            t2 - 50,
            subscription(&t, "sub_new", "incomplete", "price_pro", t2),
        ),
    )
    .await;
    settled(&app).await;
    let sub = sub_of(&app, &t).await;
    assert_eq!(
        (sub["status"].clone(), sub["plan"].clone()),
        (json!("active"), json!("pro")),
        "{sub}"
    );

    // An older failed payment after a newer paid one changes nothing.
    deliver(
        &app,
        &event(
            "invoice.paid",
            t2 + 20,
            invoice(&t, "in_2", "sub_new", "paid", t2 + 20),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "invoice.payment_failed",
            t2 + 10,
            invoice(&t, "in_1", "sub_new", "open", t2 + 10),
        ),
    )
    .await;
    settled(&app).await;
    let sub = sub_of(&app, &t).await;
    assert_eq!(
        (sub["status"].clone(), sub["grace_ends_at"].clone()),
        (json!("active"), Value::Null),
        "{sub}"
    );
    // Both invoices are listed, newest first, with what the app shows.
    let (s, invoices) = call(
        &app,
        Method::GET,
        "/api/v3/billing/invoices",
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let ids: Vec<_> = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids, [json!("in_2"), json!("in_1")]);
    let i = &invoices[0];
    assert_eq!(
        (
            i["amount_paid"].clone(),
            i["currency"].clone(),
            i["status"].clone()
        ),
        (json!(2900), json!("eur"), json!("paid"))
    );
    assert_eq!(i["hosted_invoice_url"], "https://invoice.stripe.com/i/in_2");
    assert_eq!(i["number"], "SIG-2");
    // The fields the issue names: the date and the amount, beside Stripe's own names.
    assert_eq!(i["amount"], 2900);
    assert_eq!(i["date"], i["created"]);
    assert!(
        i["date"].as_str().unwrap().starts_with("20"),
        "an RFC 3339 date: {i}"
    );
}

#[tokio::test]
async fn events_for_unknown_or_other_tenants_touch_nobody_else() {
    let app = app().await;
    let (a, b) = (signup(&app, "iso-a").await, signup(&app, "iso-b").await);
    let now = Utc::now().timestamp();
    // A tenant id nobody has: recorded, ignored, 200 (Stripe must not retry it forever).
    let mut ghost = subscription(&a, "sub_ghost", "active", "price_pro", now);
    ghost["metadata"]["tenant_id"] = json!("00000000-0000-0000-0000-000000000000");
    ghost["customer"] = json!("cus_nobody");
    let (s, body) = deliver(&app, &event("customer.subscription.created", now, ghost)).await;
    assert_eq!(s, 200, "{body}");
    // An event type billing does not act on.
    assert_eq!(
        deliver(
            &app,
            &event(
                "product.created",
                now,
                json!({"id": "prod_1", "object": "product"})
            )
        )
        .await
        .0,
        200
    );
    // A's subscription and invoice.
    deliver(
        &app,
        &event(
            "customer.subscription.created",
            now,
            subscription(&a, "sub_a", "active", "price_pro", now),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "invoice.paid",
            now,
            invoice(&a, "in_a", "sub_a", "paid", now),
        ),
    )
    .await;
    until(&app, &a, |v| v["plan"] == "pro").await;
    // A's customer cannot speak for B: an event with A's customer naming B is not applied to
    // anyone (and a Checkout Session's client_reference_id, which a Payment Link's buyer
    // chooses, names nobody).
    let mut for_b = subscription(&a, "sub_b_by_a", "active", "price_pro", now + 5);
    for_b["metadata"]["tenant_id"] = json!(b.tenant_id);
    assert_eq!(
        deliver(
            &app,
            &event("customer.subscription.created", now + 5, for_b)
        )
        .await
        .0,
        200
    );
    let session = json!({
        "id": "cs_link", "object": "checkout.session", "mode": "subscription",
        "customer": "cus_linkbuyer", "subscription": "sub_link", "client_reference_id": b.tenant_id,
        "payment_status": "paid", "metadata": {}
    });
    assert_eq!(
        deliver(&app, &event("checkout.session.completed", now + 5, session))
            .await
            .0,
        200
    );
    // A newer second subscription of A that was never paid leaves A's paid one in place.
    deliver(
        &app,
        &event(
            "customer.subscription.created",
            now + 10,
            subscription(&a, "sub_a2", "incomplete", "price_pro", now + 10),
        ),
    )
    .await;
    settled(&app).await;
    let sa = sub_of(&app, &a).await;
    assert_eq!(
        (sa["plan"].clone(), sa["status"].clone()),
        (json!("pro"), json!("active")),
        "{sa}"
    );
    let sb = sub_of(&app, &b).await;
    assert_eq!(
        (sb["plan"].clone(), sb["status"].clone()),
        (json!("free"), json!("none"))
    );
    let (_, inv) = call(
        &app,
        Method::GET,
        "/api/v3/billing/invoices",
        &b.access,
        None,
    )
    .await;
    assert_eq!(inv, json!([]), "B sees none of A's invoices");
    // B naming A's tenant in the header gets nothing of A's.
    let res = app
        .client
        .get(app.url("/api/v3/billing/invoices"))
        .bearer_auth(&b.access)
        .header("X-Tenant-ID", &a.slug)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert!(status >= 400 || body == json!([]), "{status} {body}");
}

#[tokio::test]
async fn checkout_and_portal_go_to_stripe_with_the_tenant_on_the_subscription() {
    let app = app().await;
    let t = signup(&app, "checkout").await;

    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "gold"})),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (400, json!("plan")),
        "{b}"
    );
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "free"})),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/portal",
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 409, "no customer yet: {b}");

    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let url = b["url"].as_str().unwrap();
    assert!(url.starts_with("http"), "{url}");
    let seen = standin_requests().await;
    let req = seen
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| {
            r["path"] == "/v1/checkout/sessions"
                && r["form"]["client_reference_id"] == json!(t.tenant_id)
        })
        .unwrap_or_else(|| panic!("the checkout request reached Stripe: {seen}"));
    let form = &req["form"];
    assert_eq!(form["mode"], "subscription");
    assert_eq!(
        form["subscription_data"]["metadata"]["tenant_id"],
        json!(t.tenant_id)
    );
    assert_eq!(form["line_items"][0]["price"], "price_pro");
    assert_eq!(form["customer_email"], json!(t.email));
    assert!(
        form["success_url"]
            .as_str()
            .unwrap()
            .ends_with("/billing?checkout=done")
    );

    // Once subscribed (the customer exists at Stripe), the portal opens, and choosing
    // another plan goes there too instead of a second subscription.
    let customer = stripe_post("/v1/customers", &[("email", t.email.as_str())]).await;
    let cus = customer["id"].as_str().unwrap();
    let now = Utc::now().timestamp();
    let mut sub = subscription(&t, "sub_portal", "active", "price_pro", now);
    sub["customer"] = json!(cus);
    deliver(&app, &event("customer.subscription.created", now, sub)).await;
    until(&app, &t, |v| v["has_customer"] == true).await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/portal",
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["url"].as_str().unwrap().starts_with("http"));
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert_eq!(s, 409, "already on pro: {b}");
    // Another plan while subscribed: the portal opens on confirming the new price on the
    // subscription's plan item, not on a second subscription.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "business"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let seen = standin_requests().await;
    let portal = seen
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| {
            r["path"] == "/v1/billing_portal/sessions"
                && r["form"]["customer"] == json!(cus)
                && !r["form"]["flow_data"].is_null()
        })
        .unwrap_or_else(|| panic!("a plan-change portal session: {seen}"));
    let flow = &portal["form"]["flow_data"];
    assert_eq!(flow["type"], "subscription_update_confirm", "{flow}");
    assert_eq!(
        flow["subscription_update_confirm"]["subscription"],
        "sub_portal"
    );
    assert_eq!(
        flow["subscription_update_confirm"]["items"][0]["id"],
        "si_1"
    );
    assert_eq!(
        flow["subscription_update_confirm"]["items"][0]["price"],
        "price_biz"
    );
}

#[tokio::test]
async fn stripe_unreachable_is_a_clear_502_and_billing_off_is_409() {
    let down = app_with(|c| c.billing.api_base = "http://127.0.0.1:9".into()).await;
    let t = signup(&down, "down").await;
    let (s, b) = call(
        &down,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (502, json!("payment_provider_error")),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );

    let off = app_with(|c| c.billing.stripe_secret_key = String::new()).await;
    let t = signup(&off, "off").await;
    let (s, b) = call(
        &off,
        Method::POST,
        "/api/v3/billing/checkout",
        &t.access,
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(sub_of(&off, &t).await["billing_enabled"], false);
}

#[tokio::test]
async fn usage_reports_count_and_metered_usage_reaches_stripe() {
    let app = app().await;
    let t = signup(&app, "usage").await;
    let now = Utc::now();
    let period = now.format("%Y-%m").to_string();
    for _ in 0..3 {
        call(&app, Method::GET, "/api/v3/assets", &t.access, None).await;
    }
    let (s, r) = call(
        &app,
        Method::GET,
        &format!("/api/v3/billing/usage?period={period}"),
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["final"], false);
    assert!(r["api_calls"].as_i64().unwrap() >= 3, "{r}");
    assert_eq!(r["asset_count"], 0);
    for bad in ["2026-13", "december", "2026-1"] {
        let (s, b) = call(
            &app,
            Method::GET,
            &format!("/api/v3/billing/usage?period={bad}"),
            &t.access,
            None,
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].clone()),
            (400, json!("period")),
            "{bad}"
        );
    }
    let (s, _) = call(
        &app,
        Method::GET,
        "/api/v3/billing/usage?period=2001-01",
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 404);

    // Last month's report, written by the job, for a metered plan with a Stripe customer.
    let customer = stripe_post("/v1/customers", &[("email", t.email.as_str())]).await;
    let ts = now.timestamp();
    let mut sub = subscription(&t, "sub_usage", "active", "price_pro", ts);
    sub["customer"] = customer["id"].clone();
    deliver(&app, &event("customer.subscription.created", ts, sub)).await;
    until(&app, &t, |v| v["plan"] == "pro").await;
    let last = signate::domain::billing::Period::of(now).previous();
    signate::services::billing::generate_usage_report(
        &app.state.core,
        &signate::tenancy::TenantScope::new(&t.tenant_id),
        last,
    )
    .await
    .expect("the report");
    let (s, r) = call(
        &app,
        Method::GET,
        &format!("/api/v3/billing/usage?period={last}"),
        &t.access,
        None,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["final"], true);
    assert!(
        r["reported_to_stripe_at"].is_string(),
        "metered usage sent: {r}"
    );
    let (_, all) = call(&app, Method::GET, "/api/v3/billing/usage", &t.access, None).await;
    assert_eq!(all[0]["period"], json!(last.to_string()));
    let seen = standin_requests().await;
    let sent = seen
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["path"] == "/v1/billing/meter_events"
                && r["form"]["payload"]["stripe_customer_id"] == customer["id"]
        })
        .unwrap_or_else(|| panic!("a meter event for the customer: {seen}"));
    assert_eq!(sent["form"]["event_name"], "signate_active_screens");
    assert_eq!(sent["form"]["payload"]["value"], "0");
    // Writing the report again changes nothing and sends nothing twice.
    signate::services::billing::generate_usage_report(
        &app.state.core,
        &signate::tenancy::TenantScope::new(&t.tenant_id),
        last,
    )
    .await
    .unwrap();
    let again = standin_requests().await;
    let count = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["path"] == "/v1/billing/meter_events"
                    && r["form"]["payload"]["stripe_customer_id"] == customer["id"]
            })
            .count()
    };
    assert_eq!(count(&again), 1);
}

/// Every request the stand-in's own routes received (checkout, portal, meter events).
async fn standin_requests() -> Value {
    reqwest::get(format!("{}/_standin/requests", stripe_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A form POST to the stand-in with the secret key; its JSON answer.
async fn stripe_post(path: &str, form: &[(&str, &str)]) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}{path}", stripe_url()))
        .basic_auth(stripe_key(), Some(""))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    // localstripe's own configuration routes answer with an empty body.
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// localstripe itself delivers the events (signed with the endpoint's secret, in its own
/// order): a subscription made at "Stripe" for the tenant lifts its limits, a status change
/// to past_due starts the grace period, and cancelling it at "Stripe" ends the plan.
#[tokio::test]
async fn events_delivered_by_the_stripe_stand_in_are_applied() {
    let app = app().await;
    let t = signup(&app, "delivered").await;
    // One endpoint id for every run: localstripe sends each event to every endpoint it knows,
    // one after another, so endpoints left by earlier runs would only slow delivery down.
    let url = app.url("/webhooks/stripe");
    stripe_post(
        "/_config/webhooks/signate-test",
        &[("url", url.as_str()), ("secret", SECRET)],
    )
    .await;
    let customer = stripe_post("/v1/customers", &[("email", t.email.as_str())]).await;
    let cus = customer["id"].as_str().unwrap();
    let pm = stripe_post(
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let pm = pm["id"].as_str().unwrap();
    stripe_post(
        &format!("/v1/payment_methods/{pm}/attach"),
        &[("customer", cus)],
    )
    .await;
    stripe_post(
        &format!("/v1/customers/{cus}"),
        &[("invoice_settings[default_payment_method]", pm)],
    )
    .await;
    let sub = stripe_post(
        "/v1/subscriptions",
        &[
            ("customer", cus),
            ("items[0][plan]", "price_pro"),
            ("metadata[tenant_id]", t.tenant_id.as_str()),
        ],
    )
    .await;
    let sub_id = sub["id"].as_str().unwrap().to_string();
    let got = until(&app, &t, |v| v["plan"] == "pro").await;
    assert_eq!(
        (got["status"].clone(), got["has_customer"].clone()),
        (json!("active"), json!(true)),
        "{got}"
    );
    assert!(got["current_period_end"].is_string(), "{got}");

    stripe_post(
        &format!("/_standin/subscriptions/{sub_id}/status"),
        &[("status", "past_due")],
    )
    .await;
    let got = until(&app, &t, |v| v["status"] == "past_due").await;
    assert_eq!(got["plan"], "pro", "within the grace period: {got}");
    assert!(got["grace_ends_at"].is_string(), "{got}");

    let res = reqwest::Client::new()
        .delete(format!("{}/v1/subscriptions/{sub_id}", stripe_url()))
        .basic_auth(stripe_key(), Some(""))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let got = until(&app, &t, |v| v["status"] == "canceled").await;
    assert_eq!(
        (got["status"].clone(), got["plan"].clone()),
        (json!("canceled"), json!("free")),
        "{got}"
    );
}
