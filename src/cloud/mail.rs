//! Outgoing e-mail: composing messages (plain text and HTML of the same words) and the SMTP
//! transport. Queuing and sending are the mail job's (`jobs::mail`): a message is queued
//! inside the transaction that causes it and sent by the job worker with retries, so a slow
//! or failing SMTP server never holds up a request.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::{SmtpConfig, SmtpTls};
use crate::error::Error;

/// One message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why nothing was sent when no SMTP host is configured; the API answers it as `email_reason`.
pub const NOT_CONFIGURED: &str =
    "E-mail is not set up on this server (no SMTP host is configured), so no message was sent.";

/// What became of a message a use case meant to send, so the API says what really happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Queued: the mail job sends it, with retries.
    Queued,
    /// Not sent and not queued: this server has no SMTP host.
    NotConfigured,
}

impl Delivery {
    /// Whether the message is on its way.
    pub fn sent(self) -> bool {
        self == Delivery::Queued
    }

    /// Why it is not, in words for people.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Delivery::Queued => None,
            Delivery::NotConfigured => Some(NOT_CONFIGURED),
        }
    }
}

/// Whether the server's e-mail works, as `/readyz` and `GET /api/v3/status` report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The SMTP server answered.
    Ok,
    /// No `smtp.host`: nothing is e-mailed.
    NotConfigured,
    /// Configured, but the SMTP server did not answer: messages wait in the queue.
    Unreachable(String),
}

impl Health {
    /// A stable word for machines.
    pub fn state(&self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::NotConfigured => "not_configured",
            Health::Unreachable(_) => "unreachable",
        }
    }

    /// What it means, in words for people.
    pub fn message(&self) -> String {
        match self {
            Health::Ok => "E-mail works.".into(),
            Health::NotConfigured => "E-mail is not set up on this server (no `smtp.host`): \
                invitations, password resets and address confirmations are not e-mailed; \
                admins can copy invitation and reset links to hand over instead."
                .into(),
            Health::Unreachable(e) => format!(
                "The SMTP server does not answer ({e}): messages wait in the queue and are \
                 retried."
            ),
        }
    }
}

/// Asks the SMTP server whether it answers (a connection and `NOOP`), within `wait`.
pub async fn probe(
    transport: Option<&AsyncSmtpTransport<Tokio1Executor>>,
    wait: std::time::Duration,
) -> Health {
    let Some(transport) = transport else {
        return Health::NotConfigured;
    };
    match tokio::time::timeout(wait, transport.test_connection()).await {
        Ok(Ok(true)) => Health::Ok,
        Ok(Ok(false)) => Health::Unreachable("it refused the connection test".into()),
        Ok(Err(e)) => Health::Unreachable(e.to_string()),
        Err(_) => Health::Unreachable(format!("no answer within {} s", wait.as_secs())),
    }
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

/// The message as lettre sends it, from `from` (the `smtp.from` setting).
pub fn build(from: &str, mail: &Mail) -> Result<Message, String> {
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
