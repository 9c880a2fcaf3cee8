//! Device commands that follow the settings: the display power schedule turns the display on
//! and off with `display_power_command` (e.g. a `cec-client` line; the player blanks the page
//! as well, so a screen without CEC still goes dark), and `audio_output_command` routes sound
//! to HDMI or the headphone jack. Each is applied at start, on every settings change and once
//! a minute, and runs only when the wanted value changes (a failed run is retried).

use std::time::Duration;

use chrono::Utc;

use crate::domain::power::display_on;
use crate::services::context::Core;
use crate::services::settings::DeviceSettings;
use crate::tenancy::TenantScope;

/// What the display should be: `on`/`off` while the schedule is enabled, else nothing to do.
fn display_state(s: &DeviceSettings) -> Option<String> {
    if !s.display_power_schedule_enabled {
        return None;
    }
    let local = Utc::now().with_timezone(&s.tz()).naive_local();
    let on = display_on(
        local,
        &s.display_power_on_time,
        &s.display_power_off_time,
        &s.display_power_days,
    );
    Some(if on { "on" } else { "off" }.to_string())
}

/// Where sound goes: `hdmi` or `local` (anything else is not passed to a shell).
fn audio_output(s: &DeviceSettings) -> Option<String> {
    let v = s.audio_output.trim();
    (!v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then(|| v.to_string())
}

/// Starts the followers whose commands are configured (device mode only: `device` is the one
/// tenant).
pub fn spawn(state: std::sync::Arc<Core>, device: Option<TenantScope>) {
    let commands = [
        (
            "display power",
            state.config.display_power_command.clone(),
            "{state}",
            display_state as fn(&DeviceSettings) -> Option<String>,
        ),
        (
            "audio output",
            state.config.audio_output_command.clone(),
            "{output}",
            audio_output,
        ),
    ];
    for (what, template, placeholder, want) in commands {
        if let (Some(template), Some(scope)) = (template, device.clone()) {
            follow(state.clone(), scope, what, template, placeholder, want);
        }
    }
}

fn follow(
    state: std::sync::Arc<Core>,
    scope: TenantScope,
    what: &'static str,
    template: String,
    placeholder: &'static str,
    want: fn(&DeviceSettings) -> Option<String>,
) {
    // Subscribed before the task first runs, so no change made meanwhile is missed.
    let mut events = state.events.subscribe();
    tokio::spawn(async move {
        let mut applied: Option<String> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                event = events.recv() => match event {
                    Ok(crate::events::Event::SettingsChanged { tenant_id }) if tenant_id == scope.id() => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    _ => continue,
                },
            }
            let Ok(settings) = state.settings(&scope).await else {
                continue;
            };
            let Some(value) = want(&settings) else {
                applied = None;
                continue;
            };
            if applied.as_deref() == Some(value.as_str()) {
                continue;
            }
            let command = template.replace(placeholder, &value);
            let run = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true)
                .output();
            match tokio::time::timeout(Duration::from_secs(20), run).await {
                Ok(Ok(out)) if out.status.success() => {
                    tracing::info!(%value, "{what} applied");
                    applied = Some(value);
                }
                Ok(Ok(out)) => tracing::warn!(
                    %value,
                    stderr = %String::from_utf8_lossy(&out.stderr).trim(),
                    "{what} command failed; retrying in a minute"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "{what} command could not run"),
                Err(_) => tracing::warn!("{what} command took longer than 20 s"),
            }
        }
    });
}
