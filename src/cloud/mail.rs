//! Outgoing e-mail through lettre over SMTP. Messages are queued as durable jobs inside the
//! transaction that causes them (so an invitation exists exactly when its e-mail is queued),
//! and sent by the job worker with retries: a slow or failing SMTP server never holds up a
//! request. The queued payload holds a link with a one-time token, so it is sealed with the
//! tenant-secrets key: someone reading the jobs table cannot use it.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::cloud::secrets::SecretBox;
use crate::config::{SmtpConfig, SmtpTls};
use crate::db::AnyConnection;
use crate::error::Error;
use crate::jobs::{Failure, Job};
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// The job kind.
pub const KIND: &str = "email";

const AAD: &str = "signate e-mail job";

/// One message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    sealed: String,
}

/// The SMTP transport, or `None` when no host is configured.
pub fn transport(cfg: &SmtpConfig) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, Error> {
    if cfg.host.is_empty() {
        return Ok(None);
    }
    let fail = |e: lettre::transport::smtp::Error| Error::Startup(format!("key `smtp.host`: {e}"));
    let mut builder = match cfg.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        SmtpTls::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host).map_err(fail)?
        }
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(fail)?,
    }
    .port(cfg.port)
    .timeout(Some(std::time::Duration::from_secs(20)));
    if !cfg.username.is_empty() {
        builder = builder.credentials(Credentials::new(cfg.username.clone(), cfg.password.clone()));
    }
    Ok(Some(builder.build()))
}

/// Queues `mail` inside the caller's transaction.
pub fn queue(
    conn: &mut AnyConnection,
    sbox: &SecretBox,
    scope: &TenantScope,
    mail: &Mail,
) -> Result<(), Error> {
    let plain = serde_json::to_vec(mail).map_err(|e| Error::Internal(e.to_string()))?;
    let (nonce, sealed) = sbox.seal(AAD, &plain)?;
    crate::jobs::enqueue(conn, scope, KIND, &Sealed { nonce, sealed })
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
    let message = build(&state.config.smtp.from, &mail).map_err(Failure::permanent)?;
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

fn build(from: &str, mail: &Mail) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("key `smtp.from` is not an address: {e}"))?;
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| format!("recipient {:?} is not an address: {e}", mail.to))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message with one call to action: plain text and HTML versions of the same words.
pub fn with_link(
    to: &str,
    subject: &str,
    lines: &[String],
    action: &str,
    link: &str,
    footer: &str,
) -> Mail {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push_str("\n\n");
    }
    text.push_str(&format!("{action}: {link}\n\n{footer}\n"));
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">",
    );
    for l in lines {
        html.push_str(&format!("<p>{}</p>", escape(l)));
    }
    html.push_str(&format!(
        "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none\">{}</a></p>\
         <p style=\"color:#555;font-size:13px\">{}<br>{}</p></body></html>",
        escape(link),
        escape(action),
        escape(footer),
        escape(link)
    ));
    Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_both_parts_and_escape_names() {
        let m = with_link(
            "a@example.com",
            "Join <Acme>",
            &["Bob <b@x> invited you to \"Acme & Co\".".into()],
            "Accept the invitation",
            "https://s.example.com/invite?token=abc",
            "The link expires in 7 days.",
        );
        assert!(m.text.contains("https://s.example.com/invite?token=abc"));
        assert!(m.html.contains("Acme &amp; Co"));
        assert!(!m.html.contains("<b@x>"));
        let built = build("Signate <no-reply@example.com>", &m).unwrap();
        let raw = String::from_utf8(built.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/html"));
    }
}
