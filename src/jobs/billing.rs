//! Billing's jobs: applying a stored Stripe event to its tenant, writing a tenant's monthly
//! usage report; and the background loops that count API calls and queue last month's
//! reports. The use cases are `services::billing`.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{Failure, Job};
use crate::domain::billing::Period;
use crate::services::billing;
use crate::services::context::Core;

#[derive(Deserialize)]
struct EventJob {
    event_id: String,
}

#[derive(Deserialize)]
struct ReportJob {
    period: String,
}

/// `stripe_event`: applies one stored event.
pub async fn apply_event(state: &Core, job: &Job) -> Result<(), Failure> {
    let p: EventJob = job.payload()?;
    billing::apply(state, &job.scope(), &p.event_id).await?;
    Ok(())
}

/// `usage_report`: one tenant's report for one month.
pub async fn usage_report(state: &Core, job: &Job) -> Result<(), Failure> {
    let p: ReportJob = job.payload()?;
    let period = Period::parse(&p.period)
        .ok_or_else(|| Failure::permanent(format!("bad period {:?}", p.period)))?;
    billing::generate_usage_report(state, &job.scope(), period).await?;
    Ok(())
}

/// Flushes counted API calls every minute; every hour queues missing monthly reports and
/// Stripe events whose job gave up.
pub fn spawn_loops(state: Arc<Core>) {
    let flusher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            billing::flush_calls(&flusher).await;
        }
    });
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = billing::queue_reports(&state).await {
                tracing::warn!(error = %e, "could not queue usage reports");
            }
            if let Err(e) = billing::requeue_stale_events(&state).await {
                tracing::warn!(error = %e, "could not queue waiting Stripe events again");
            }
        }
    });
}
