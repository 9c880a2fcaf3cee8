//! The durable job queue: jobs are rows, written in the same transaction as the change that
//! needs them, claimed by workers inside the binary (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! the single writer on SQLite), retried with backoff, and picked up again after a crash
//! (a running job whose lease ran out is due again).

#[cfg(feature = "billing")]
pub mod billing;
pub mod download;
#[cfg(feature = "cloud")]
pub mod mail;
pub mod normalise;
pub mod page_check;
pub mod thumbnail;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::db::AnyConnection;
use crate::db::schema::jobs;
use crate::error::Error;
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// How long a claim lasts without renewal: a worker renews it while the job runs, so a job of
/// a killed process is taken over within this time.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// How often a running job's claim is renewed.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// How often an idle worker looks for due jobs (it is also woken on enqueue).
const POLL: Duration = Duration::from_secs(5);

/// A row of `jobs`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub tenant_id: String,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

impl Job {
    /// The payload as the handler's type.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        serde_json::from_str(&self.payload)
            .map_err(|e| Failure::permanent(format!("bad job payload: {e}")))
    }

    /// The tenant the job acts for.
    pub fn scope(&self) -> TenantScope {
        TenantScope::new(&self.tenant_id)
    }
}

/// Why a job did not finish; permanent failures are not retried.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub permanent: bool,
}

impl Failure {
    pub fn retry(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: true,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            // Retrying would only fill the disk up to its reserve again.
            Error::InsufficientStorage(_) => Failure::permanent(e.to_string()),
            _ => Failure::retry(e.to_string()),
        }
    }
}

/// Wakes the workers when a job is queued.
#[derive(Default, Clone)]
pub struct Queue {
    notify: Arc<Notify>,
}

impl Queue {
    /// Tells an idle worker to look now (call after the enqueuing transaction committed).
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

/// Queues a job inside the caller's transaction, so it exists exactly when the change does.
pub fn enqueue<T: Serialize>(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    kind: &str,
    payload: &T,
) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    let payload = serde_json::to_string(payload).map_err(|e| Error::Internal(e.to_string()))?;
    diesel::insert_into(jobs::table)
        .values((
            jobs::tenant_id.eq(scope.id()),
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::state.eq("pending"),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(5),
            jobs::run_at.eq(now),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a job of `kind` for the tenant is waiting or running (sweeps queue one at a time).
pub fn is_queued(conn: &mut AnyConnection, scope: &TenantScope, kind: &str) -> Result<bool, Error> {
    let n: i64 = jobs::table
        .filter(jobs::tenant_id.eq(scope.id()))
        .filter(jobs::kind.eq(kind))
        .filter(jobs::state.eq_any(["pending", "running"]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Queues what a new stored file needs: a conversion first when the screen's browser may not
/// show it (the asset is marked processing until then when that is certain), else a preview.
pub fn enqueue_processing(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset: &crate::db::models::asset::Asset,
) -> Result<(), Error> {
    use normalise::Plan;
    match normalise::plan(asset) {
        Plan::Nothing => enqueue_thumbnail(conn, scope, asset),
        plan => {
            if matches!(plan, Plan::Picture | Plan::Video) {
                use crate::db::schema::assets;
                diesel::update(
                    assets::table
                        .filter(assets::tenant_id.eq(scope.id()))
                        .filter(assets::asset_id.eq(&asset.asset_id)),
                )
                .set(assets::is_processing.eq(true))
                .execute(conn)?;
            }
            enqueue(
                conn,
                scope,
                normalise::KIND,
                &normalise::Normalise {
                    asset_id: asset.asset_id.clone(),
                },
            )
        }
    }
}

/// Queues a preview of the asset when it has a stored picture or video.
pub fn enqueue_thumbnail(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset: &crate::db::models::asset::Asset,
) -> Result<(), Error> {
    let visual = asset
        .mimetype
        .as_deref()
        .is_some_and(|m| m.contains("image") || m.contains("video"));
    if asset.file_key.is_some() && visual {
        enqueue(
            conn,
            scope,
            thumbnail::KIND,
            &thumbnail::Thumbnail {
                asset_id: asset.asset_id.clone(),
            },
        )?;
    }
    Ok(())
}

/// Takes the next due job: pending and due, or running with an expired lease (its worker died).
fn claim(conn: &mut AnyConnection) -> Result<Option<Job>, Error> {
    let now = Utc::now().naive_utc();
    let due = jobs::state
        .eq("pending")
        .and(jobs::run_at.le(now))
        .or(jobs::state.eq("running").and(jobs::locked_until.lt(now)));
    let id: Option<i64> = match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => jobs::table
            .filter(due)
            .order(jobs::run_at.asc())
            .select(jobs::id)
            .for_update()
            .skip_locked()
            .first(pg)
            .optional()?,
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(lite) => jobs::table
            .filter(due)
            .order(jobs::run_at.asc())
            .select(jobs::id)
            .first(lite)
            .optional()?,
    };
    let Some(id) = id else { return Ok(None) };
    diesel::update(jobs::table.find(id))
        .set((
            jobs::state.eq("running"),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::locked_until.eq(now + LEASE),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Some(
        jobs::table.find(id).select(Job::as_select()).first(conn)?,
    ))
}

/// Records how a job ended: done, due again later, or failed for good.
fn finish(
    conn: &mut AnyConnection,
    job: &Job,
    outcome: &Result<(), Failure>,
) -> Result<bool, Error> {
    let now = Utc::now().naive_utc();
    let (state, run_at, error, gave_up) = match outcome {
        Ok(()) => ("done", job.run_at, None, false),
        Err(f) if f.permanent || job.attempts >= job.max_attempts => {
            ("failed", job.run_at, Some(f.message.clone()), true)
        }
        Err(f) => {
            // 10 s, 20 s, 40 s, … up to ten minutes.
            let backoff = 10i64 << (job.attempts.clamp(1, 6) - 1);
            (
                "pending",
                now + TimeDelta::seconds(backoff.min(600)),
                Some(f.message.clone()),
                false,
            )
        }
    };
    diesel::update(jobs::table.find(job.id))
        .set((
            jobs::state.eq(state),
            jobs::run_at.eq(run_at),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(gave_up)
}

/// Puts jobs left "running" by a previous process back in the queue. Only for SQLite, where
/// one process owns the database: on PostgreSQL other instances may really be running them,
/// and their claims simply expire if they died.
async fn requeue_orphans(state: &Core) {
    if state.db.backend() != crate::db::Backend::Sqlite {
        return;
    }
    let requeued = state
        .db
        .system(|c| {
            Ok(
                diesel::update(jobs::table.filter(jobs::state.eq("running")))
                    .set((
                        jobs::state.eq("pending"),
                        jobs::locked_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c)?,
            )
        })
        .await;
    match requeued {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "resuming jobs interrupted by the last shutdown"),
        Err(e) => tracing::warn!(error = %e, "could not requeue interrupted jobs"),
    }
}

/// Runs jobs until the process ends.
pub fn spawn_worker(state: std::sync::Arc<Core>) {
    page_check::spawn_sweep(state.clone());
    #[cfg(feature = "billing")]
    if state.config.mode == crate::config::Mode::Cloud {
        billing::spawn_loops(state.clone());
    }
    tokio::spawn(async move {
        requeue_orphans(&state).await;
        loop {
            let claimed = state.db.system(claim).await;
            match claimed {
                Ok(Some(job)) => run(&state, job).await,
                Ok(None) => {
                    let _ = tokio::time::timeout(POLL, state.jobs.notify.notified()).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "job queue unavailable");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
}

async fn run(state: &Core, job: Job) {
    tracing::info!(id = job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let work = async {
        match job.kind.as_str() {
            download::KIND => download::run(state, &job).await,
            thumbnail::KIND => thumbnail::run(state, &job).await,
            normalise::KIND => normalise::run(state, &job).await,
            page_check::KIND => page_check::run(state, &job).await,
            #[cfg(feature = "cloud")]
            mail::KIND => mail::run(state, &job).await,
            #[cfg(feature = "billing")]
            crate::services::billing::EVENT_JOB => billing::apply_event(state, &job).await,
            #[cfg(feature = "billing")]
            crate::services::billing::REPORT_JOB => billing::usage_report(state, &job).await,
            other => Err(Failure::permanent(format!("unknown job kind {other:?}"))),
        }
    };
    let heartbeat = async {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            let id = job.id;
            let renewed = state
                .db
                .system(move |c| {
                    Ok(diesel::update(jobs::table.find(id))
                        .set(jobs::locked_until.eq(Utc::now().naive_utc() + LEASE))
                        .execute(c)?)
                })
                .await;
            if let Err(e) = renewed {
                tracing::warn!(id, error = %e, "could not renew a job's claim");
            }
        }
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        () = heartbeat => unreachable!("the heartbeat never ends"),
    };
    match &outcome {
        Ok(()) => tracing::info!(id = job.id, kind = %job.kind, "job done"),
        Err(f) => tracing::warn!(id = job.id, kind = %job.kind, error = %f.message, "job failed"),
    }
    let j = job.clone();
    let result = state
        .db
        .system(move |c| finish(c, &j, &outcome).map(|gave_up| (gave_up, outcome)))
        .await;
    match result {
        Ok((true, Err(f))) => {
            if job.kind == download::KIND {
                download::gave_up(state, &job, &f.message).await;
            }
        }
        Ok(_) => {}
        Err(e) => tracing::error!(id = job.id, error = %e, "could not record a job's end"),
    }
}
