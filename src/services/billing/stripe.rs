//! The calls Signate makes to Stripe, through async-stripe's typed requests. Answers are read
//! leniently (miniserde's `Value`, then the few fields we use): Stripe adds fields with every
//! API version and stand-ins leave some out, and neither should break a checkout.

use std::collections::HashMap;
use std::time::Duration;

use stripe::StripeRequest;
use stripe_billing::billing_meter_event::CreateBillingMeterEvent;
use stripe_billing::billing_portal_session::{
    CreateBillingPortalSession, CreateBillingPortalSessionFlowData,
    CreateBillingPortalSessionFlowDataSubscriptionUpdate,
    CreateBillingPortalSessionFlowDataSubscriptionUpdateConfirm,
    CreateBillingPortalSessionFlowDataSubscriptionUpdateConfirmItems,
    CreateBillingPortalSessionFlowDataType,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};

use crate::config::BillingConfig;
use crate::error::Error;

/// A Stripe API client for the configured key and address.
pub struct Stripe {
    client: stripe::Client,
}

/// A plan change of a live subscription.
pub struct PlanChange<'a> {
    pub subscription: &'a str,
    /// The subscription item that carries the plan's price.
    pub item: Option<&'a str>,
    pub price: &'a str,
    pub metered: bool,
}

/// What a checkout is for.
pub struct Checkout<'a> {
    pub tenant_id: &'a str,
    pub price_id: &'a str,
    pub plan: &'a str,
    /// The tenant's Stripe customer from an earlier subscription, reused.
    pub customer: Option<&'a str>,
    /// The signed-in admin's address, for a new customer.
    pub email: Option<&'a str>,
    pub trial_days: Option<u32>,
    /// A metered price takes no quantity (Stripe refuses one).
    pub metered: bool,
    pub success_url: String,
    pub cancel_url: String,
}

impl Stripe {
    /// `None` when no key is configured (or the address is unusable: the config check says
    /// why at start).
    pub fn new(config: &BillingConfig) -> Option<Stripe> {
        if config.stripe_secret_key.is_empty() {
            return None;
        }
        // The client joins `<base>v1<path>`.
        let base = format!("{}/", config.api_base.trim_end_matches('/'));
        let client = stripe::ClientBuilder::new(config.stripe_secret_key.clone())
            .url(base)
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot build the Stripe client"))
            .ok()?;
        Some(Stripe { client })
    }

    /// A Checkout Session for a subscription to the plan; its URL.
    pub async fn checkout(&self, c: Checkout<'_>) -> Result<String, Error> {
        let metadata = HashMap::from([
            ("tenant_id".to_string(), c.tenant_id.to_string()),
            ("plan".to_string(), c.plan.to_string()),
        ]);
        let mut line = CreateCheckoutSessionLineItems::new();
        line.price = Some(c.price_id.to_string());
        if !c.metered {
            line.quantity = Some(1);
        }
        let mut sub = CreateCheckoutSessionSubscriptionData::new();
        // The subscription carries the tenant: every later event about it finds its tenant.
        sub.metadata = Some(metadata.clone());
        sub.trial_period_days = c.trial_days.filter(|d| *d > 0);
        let mut req = CreateCheckoutSession::new()
            .mode(stripe_checkout::CheckoutSessionMode::Subscription)
            .line_items(vec![line])
            .subscription_data(sub)
            .client_reference_id(c.tenant_id)
            .metadata(metadata)
            .success_url(c.success_url)
            .cancel_url(c.cancel_url);
        if let Some(customer) = c.customer {
            req = req.customer(customer);
        } else if let Some(email) = c.email {
            req = req.customer_email(email);
        }
        let session = self.send(&req).await?;
        url_of(&session)
    }

    /// A customer portal session; with `change`, opened on changing the subscription's plan;
    /// its URL.
    pub async fn portal(
        &self,
        customer: &str,
        return_url: String,
        change: Option<PlanChange<'_>>,
    ) -> Result<String, Error> {
        let mut req = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url);
        match change {
            // The new price on the plan's item: the customer only confirms.
            Some(PlanChange {
                subscription,
                item: Some(item),
                price,
                metered,
            }) => {
                let mut line =
                    CreateBillingPortalSessionFlowDataSubscriptionUpdateConfirmItems::new(item);
                line.price = Some(price.to_string());
                if !metered {
                    line.quantity = Some(1);
                }
                let mut flow = CreateBillingPortalSessionFlowData::new(
                    CreateBillingPortalSessionFlowDataType::SubscriptionUpdateConfirm,
                );
                flow.subscription_update_confirm = Some(
                    CreateBillingPortalSessionFlowDataSubscriptionUpdateConfirm::new(
                        vec![line],
                        subscription,
                    ),
                );
                req = req.flow_data(flow);
            }
            // The item is not known yet: the portal's own plan choice.
            Some(PlanChange {
                subscription,
                item: None,
                ..
            }) => {
                let mut flow = CreateBillingPortalSessionFlowData::new(
                    CreateBillingPortalSessionFlowDataType::SubscriptionUpdate,
                );
                flow.subscription_update = Some(
                    CreateBillingPortalSessionFlowDataSubscriptionUpdate::new(subscription),
                );
                req = req.flow_data(flow);
            }
            None => {}
        }
        let session = self.send(&req).await?;
        url_of(&session)
    }

    /// Reports `value` for the month to a Billing Meter; `identifier` makes a repeat a no-op
    /// on Stripe's side.
    pub async fn meter_event(
        &self,
        event_name: &str,
        customer: &str,
        value: i64,
        identifier: &str,
        timestamp: i64,
    ) -> Result<(), Error> {
        let payload = HashMap::from([
            ("stripe_customer_id".to_string(), customer.to_string()),
            ("value".to_string(), value.to_string()),
        ]);
        let req = CreateBillingMeterEvent::new(event_name, payload)
            .identifier(identifier)
            .timestamp(timestamp);
        self.send(&req).await.map(|_| ())
    }

    async fn send<R: StripeRequest>(&self, req: &R) -> Result<serde_json::Value, Error> {
        let answer: miniserde::json::Value = req
            .build()
            .customize::<miniserde::json::Value>()
            .send(&self.client)
            .await
            .map_err(refused)?;
        serde_json::from_str(&miniserde::json::to_string(&answer))
            .map_err(|e| Error::Upstream(format!("Stripe's answer could not be read: {e}")))
    }
}

fn url_of(session: &serde_json::Value) -> Result<String, Error> {
    session["url"]
        .as_str()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_string)
        .ok_or_else(|| Error::Upstream("Stripe's answer has no session URL.".into()))
}

/// Stripe's refusal or an unreachable Stripe, as a 502 that says which (the key is never in it).
fn refused(e: stripe::StripeError) -> Error {
    tracing::warn!(error = %e, "Stripe request failed");
    match e {
        stripe::StripeError::Stripe(api, status) => Error::Upstream(format!(
            "Stripe refused the request ({status}): {}",
            api.message.as_deref().unwrap_or("no reason given")
        )),
        stripe::StripeError::Timeout => {
            Error::Upstream("Stripe did not answer in time; nothing was changed. Try again.".into())
        }
        stripe::StripeError::JSONDeserialize(_) => {
            Error::Upstream("Stripe's answer could not be read; nothing was changed.".into())
        }
        _ => Error::Upstream("Stripe could not be reached; nothing was changed. Try again.".into()),
    }
}
