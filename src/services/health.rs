//! Readiness: whether the database and the storage answer, and (in cloud mode) whether e-mail
//! works. E-mail is a warning, never a reason to be unready: a cloud server without SMTP still
//! serves every request, it only cannot e-mail links (admins copy them instead).

use crate::error::Error;
use crate::services::context::Core;

/// What answers and what does not.
pub struct Readiness {
    pub database: Result<(), Error>,
    pub storage: Result<(), Error>,
    /// Whether e-mail works; `None` on a device (it sends none).
    #[cfg(feature = "cloud")]
    pub mail: Option<crate::cloud::mail::Health>,
}

impl Readiness {
    /// Everything the server needs to serve answers.
    pub fn ok(&self) -> bool {
        self.database.is_ok() && self.storage.is_ok()
    }
}

/// Asks the database (a trivial query in a transaction), then the storage, then the SMTP
/// server.
pub async fn check(core: &Core) -> Readiness {
    let database = core.db.system(crate::db::probe).await;
    let storage = core.storage.check().await;
    Readiness {
        database,
        storage,
        #[cfg(feature = "cloud")]
        mail: mail(core).await,
    }
}

/// How long an SMTP answer is trusted, and how long one is waited for.
#[cfg(feature = "cloud")]
const MAIL_FRESH: std::time::Duration = std::time::Duration::from_secs(60);
#[cfg(feature = "cloud")]
const MAIL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether e-mail works; `None` on a device. The SMTP server is asked at most once a minute
/// and only the very first probe waits for its answer: later ones get the last answer at once
/// while a fresh one is fetched in the background, so a silent SMTP server never holds a load
/// balancer's health check for seconds.
#[cfg(feature = "cloud")]
pub async fn mail(core: &Core) -> Option<crate::cloud::mail::Health> {
    use crate::cloud::mail;
    let cloud = core.cloud.as_ref()?;
    let Some(transport) = &cloud.mailer else {
        return Some(mail::Health::NotConfigured);
    };
    // Held while the first answer is awaited, so concurrent first probes share one dial.
    let mut last = cloud.mail_health.lock().await;
    if let Some((asked, health)) = last.as_mut() {
        let known = health.clone();
        if asked.elapsed() >= MAIL_FRESH {
            // Marked as asked now, so only one refresh runs at a time.
            *asked = std::time::Instant::now();
            let (transport, slot) = (transport.clone(), cloud.mail_health.clone());
            tokio::spawn(async move {
                let health = mail::probe(Some(&transport), MAIL_WAIT).await;
                *slot.lock().await = Some((std::time::Instant::now(), health));
            });
        }
        return Some(known);
    }
    let health = mail::probe(Some(transport), MAIL_WAIT).await;
    *last = Some((std::time::Instant::now(), health.clone()));
    Some(health)
}
