//! Turns the display on and off on the power schedule with the configured command (e.g. a
//! `cec-client` line); the player blanks the page as well, so a screen without CEC still goes
//! dark. Checked every minute and on every settings change; the command runs only when the
//! wanted state changes.

use std::time::Duration;

use actix_web::web::Data;
use chrono::Utc;

use crate::app::AppState;
use crate::domain::power::display_on;

/// Runs the display power schedule for the device's tenant.
pub fn spawn(state: Data<AppState>) {
    let (Some(scope), Some(template)) = (
        state.device_tenant.clone(),
        state.config.display_power_command.clone(),
    ) else {
        return;
    };
    // Subscribed before the task first runs, so no change made meanwhile is missed.
    let mut events = state.events.subscribe();
    tokio::spawn(async move {
        let mut applied: Option<bool> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            // A settings change applies at once; otherwise once a minute.
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
            if !settings.display_power_schedule_enabled {
                applied = None;
                continue;
            }
            let local = Utc::now().with_timezone(&settings.tz()).naive_local();
            let on = display_on(
                local,
                &settings.display_power_on_time,
                &settings.display_power_off_time,
                &settings.display_power_days,
            );
            if applied == Some(on) {
                continue;
            }
            let word = if on { "on" } else { "off" };
            let command = template.replace("{state}", word);
            let run = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true)
                .output();
            match tokio::time::timeout(Duration::from_secs(20), run).await {
                Ok(Ok(out)) if out.status.success() => {
                    tracing::info!(state = word, "display power schedule applied");
                    applied = Some(on);
                }
                Ok(Ok(out)) => tracing::warn!(
                    state = word,
                    stderr = %String::from_utf8_lossy(&out.stderr).trim(),
                    "display power command failed; retrying in a minute"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "display power command could not run"),
                Err(_) => tracing::warn!("display power command took longer than 20 s"),
            }
        }
    });
}
