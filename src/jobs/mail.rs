//! The e-mail job: a message is queued as a durable job inside the transaction that causes it
//! (so an invitation exists exactly when its e-mail is queued) and sent by the job worker with
//! retries. The queued payload holds a link with a one-time token, so it is sealed with the
//! tenant-secrets key: someone reading the jobs table cannot use it.

use lettre::AsyncTransport;
use serde::{Deserialize, Serialize};

use super::{Failure, Job};
use crate::cloud::Cloud;
use crate::cloud::mail::{self, Delivery, Mail};
use crate::cloud::secrets::SecretBox;
use crate::db::AnyConnection;
use crate::error::Error;
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// The job kind.
pub const KIND: &str = "email";

const AAD: &str = "signate e-mail job";

#[derive(Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    sealed: String,
}

/// Queues `mail` inside the caller's transaction (call `Core::jobs.wake()` after it commits).
pub fn queue(
    conn: &mut AnyConnection,
    sbox: &SecretBox,
    scope: &TenantScope,
    mail: &Mail,
) -> Result<(), Error> {
    let plain = serde_json::to_vec(mail).map_err(|e| Error::Internal(e.to_string()))?;
    let (nonce, sealed) = sbox.seal(AAD, &plain)?;
    super::enqueue(conn, scope, KIND, &Sealed { nonce, sealed })
}

/// Queues `mail` when this server can send e-mail; without an SMTP host nothing is queued (a
/// job that can only fail, holding a live link, helps nobody) and the caller says so.
pub fn deliver(
    conn: &mut AnyConnection,
    cloud: &Cloud,
    scope: &TenantScope,
    mail: &Mail,
) -> Result<Delivery, Error> {
    if cloud.mailer.is_none() {
        return Ok(Delivery::NotConfigured);
    }
    queue(conn, &cloud.secrets, scope, mail)?;
    Ok(Delivery::Queued)
}

/// Sends one queued message.
pub async fn run(state: &Core, job: &Job) -> Result<(), Failure> {
    let cloud = state
        .cloud
        .as_ref()
        .ok_or_else(|| Failure::permanent("e-mail jobs need cloud mode"))?;
    let sealed: Sealed = job.payload()?;
    let plain = cloud
        .secrets
        .open(AAD, &sealed.nonce, &sealed.sealed)
        .map_err(|e| Failure::permanent(e.to_string()))?;
    let mail: Mail = serde_json::from_slice(&plain)
        .map_err(|e| Failure::permanent(format!("unreadable e-mail job: {e}")))?;
    let Some(transport) = &cloud.mailer else {
        return Err(Failure::permanent(
            "e-mail is not configured (set `smtp.host`); the message was not sent",
        ));
    };
    let message = mail::build(&state.config.smtp.from, &mail).map_err(Failure::permanent)?;
    match transport.send(message).await {
        Ok(_) => {
            tracing::info!(job = job.id, subject = %mail.subject, "e-mail sent");
            Ok(())
        }
        Err(e) if e.is_permanent() => Err(Failure::permanent(format!(
            "the SMTP server refused the message: {e}"
        ))),
        Err(e) => Err(Failure::retry(format!("SMTP: {e}"))),
    }
}
