//! Device endpoints: info, settings, power, display, integrations, addresses, what is playing.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Offset, Timelike, Utc};
use serde_json::{Value, json};

use super::Version;
use super::body;
use super::fields::{Fields, Got, too_long};
use super::views::AssetV1;
use crate::api::error::LegacyError;
use crate::api::extract::{Device, OpenDevice};
use crate::auth::password;
use crate::domain::schedule::{DURATION_S_MAX, parse_time};
use crate::events::Event;
use crate::host;
use crate::services::assets;
use crate::services::settings::{DeviceSettings, parse_tz};

/// Longest free-text setting (player name, audio output, date format), in characters.
const SETTING_TEXT_MAX: usize = 255;
/// Longest user name: Django's `User.username` limit, which Anthias's accounts had.
const USERNAME_MAX: usize = 150;

/// `GET /api/v1/info` and `GET /api/v2/info`
pub async fn info(dev: Device, v: Version) -> HttpResponse {
    let config = &dev.state.config;
    let load = host::load_average().map(|l| (l[2] * 100.0).round() / 100.0);
    let free = host::disk_free_bytes(&config.data_dir).map(host::filesizeformat);
    let display_power = if config.display_power_command.is_some() {
        Value::String("Configured".into())
    } else {
        Value::Null
    };
    let mut body = json!({
        "viewlog": "Not yet implemented",
        "loadavg": load,
        "free_space": free,
        "display_power": display_power,
        // Signate has no update feed of its own (updates come through the package manager),
        // so no newer version is ever known here.
        "up_to_date": true,
    });
    if v == Version::V2 {
        let tz = dev.tz();
        let now = Utc::now().with_timezone(&tz);
        let offset = now.offset().fix().local_minus_utc();
        let (days, hours) = host::uptime_parts(host::uptime_seconds().unwrap_or(0.0));
        let (own_days, own_hours) = host::uptime_parts(host::process_uptime_seconds());
        let memory = host::memory().map(|m| {
            json!({
                "total": m.total, "used": m.used, "free": m.free, "shared": m.shared,
                "buff": m.buff, "available": m.available, "low_ram": host::is_low_ram(m.total),
            })
        });
        let extra = json!({
            "anthias_version": format!("signate v{}", env!("CARGO_PKG_VERSION")),
            "device_model": host::device_model(),
            "uptime": { "days": days, "hours": hours },
            "memory": memory,
            "under_voltage": host::under_voltage(),
            "storage": { "supported": false, "status": "unknown" },
            "ip_addresses": host::reachable_urls(config.listen),
            "mac_address": host::mac_address().unwrap_or_else(|| "Unknown".into()),
            "host_user": std::env::var("HOST_USER").ok(),
            // Signate's own additions: the app tells the machine's uptime
            // from Signate's, and offers only the commands this device can run.
            "signate_uptime": { "days": own_days, "hours": own_hours },
            "commands": {
                "reboot": config.reboot_command.is_some(),
                "shutdown": config.shutdown_command.is_some(),
                "display_power": config.display_power_command.is_some(),
                "audio_output": config.audio_output_command.is_some(),
            },
            "time": {
                // Python's `isoformat()`: a numeric offset even in UTC, unlike DRF's fields.
                "iso": now.with_nanosecond(0).unwrap_or(now).format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                "timezone": tz.name(),
                "offset": format!(
                    "UTC{}{:02}:{:02}",
                    if offset < 0 { '-' } else { '+' },
                    offset.abs() / 3600,
                    (offset.abs() % 3600) / 60
                ),
            },
        });
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
    }
    HttpResponse::Ok().json(body)
}

/// The settings as `GET /api/v2/device_settings` shows them, in upstream's key order.
fn settings_view(s: &DeviceSettings) -> Value {
    json!({
        "player_name": s.player_name,
        "audio_output": s.audio_output,
        "default_duration": s.default_duration,
        "default_streaming_duration": s.default_streaming_duration,
        "date_format": s.date_format,
        "timezone": s.timezone,
        "auth_backend": s.auth_backend,
        "show_splash": s.show_splash,
        "default_assets": s.default_assets,
        "shuffle_playlist": s.shuffle_playlist,
        "use_24_hour_clock": s.use_24_hour_clock,
        "debug_logging": s.debug_logging,
        "prefer_dark_mode": s.prefer_dark_mode,
        "verify_ssl": s.verify_ssl,
        "screen_rotation": if [0, 90, 180, 270].contains(&s.screen_rotation) { s.screen_rotation } else { 0 },
        "username": if s.auth_backend == "auth_basic" { s.username.as_str() } else { "" },
        "display_power_schedule_enabled": s.display_power_schedule_enabled,
        "display_power_on_time": s.display_power_on_time,
        "display_power_off_time": s.display_power_off_time,
        "display_power_days": s.display_power_days,
    })
}

/// `GET /api/v2/device_settings`
pub async fn get_settings(dev: Device) -> HttpResponse {
    HttpResponse::Ok().json(settings_view(&dev.settings))
}

/// `HH:MM` or `HH:MM:SS`, stored as `HH:MM`.
fn power_time(f: &mut Fields<'_>, field: &str) -> Option<String> {
    let raw = f.string(field, false, true, false).ok().flatten()?;
    let ok = raw.len() <= 8 && raw.matches(':').count() <= 2 && raw.len() >= 4;
    match parse_time(&raw).filter(|_| ok) {
        Some(t) => Some(t.format("%H:%M").to_string()),
        None => {
            f.fail(field, format!("Invalid time '{raw}': expected HH:MM."));
            None
        }
    }
}

/// Comma list of weekdays 0..6, stored sorted and de-duplicated; blank is every day.
fn power_days(f: &mut Fields<'_>) -> Option<String> {
    let raw = f
        .string("display_power_days", false, true, false)
        .ok()
        .flatten()?;
    if raw.trim().is_empty() {
        return Some("0,1,2,3,4,5,6".into());
    }
    let mut days = Vec::new();
    for part in raw.split(',') {
        match part.trim().parse::<u8>() {
            Ok(d) if d <= 6 => days.push(d),
            _ => {
                f.fail(
                    "display_power_days",
                    format!(
                        "Invalid weekday '{}': expected 0-6 (Monday=0), comma-separated.",
                        part.trim()
                    ),
                );
                return None;
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    Some(days.iter().map(u8::to_string).collect::<Vec<_>>().join(","))
}

/// `PATCH /api/v2/device_settings`: validate everything, apply the auth rules, then save.
pub async fn patch_settings(
    dev: Device,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let data = body::require_object(body::read(&req, payload).await?)?;
    let mut f = Fields::new(&data, true);
    let mut new: DeviceSettings = (*dev.settings).clone();
    let old = dev.settings.clone();

    // Free text is bounded like asset names (Anthias has no limit; the settings row has no use
    // for a megabyte).
    macro_rules! text {
        ($field:ident) => {
            if let Some(v) = f
                .string(stringify!($field), false, true, false)
                .ok()
                .flatten()
            {
                if v.chars().count() > SETTING_TEXT_MAX {
                    f.fail(stringify!($field), too_long(SETTING_TEXT_MAX));
                } else {
                    new.$field = v;
                }
            }
        };
    }
    macro_rules! flag {
        ($field:ident) => {
            if let Got::Value(v) = f.boolean(stringify!($field), false) {
                new.$field = v;
            }
        };
    }
    text!(player_name);
    text!(audio_output);
    if let Got::Value(v) = f.integer("default_duration", false, Some(0), Some(DURATION_S_MAX)) {
        new.default_duration = v;
    }
    if let Got::Value(v) = f.integer(
        "default_streaming_duration",
        false,
        Some(0),
        Some(DURATION_S_MAX),
    ) {
        new.default_streaming_duration = v;
    }
    text!(date_format);
    if let Some(tz) = f.string("timezone", false, true, false).ok().flatten() {
        if tz.is_empty() || parse_tz(&tz).is_some() {
            new.timezone = tz;
        } else {
            f.fail(
                "timezone",
                format!("Unknown or unavailable timezone: {tz}."),
            );
        }
    }
    flag!(show_splash);
    flag!(default_assets);
    flag!(shuffle_playlist);
    flag!(use_24_hour_clock);
    flag!(debug_logging);
    flag!(prefer_dark_mode);
    flag!(verify_ssl);
    if let Some(raw) = data.get("screen_rotation") {
        match super::fields::parse_integer(raw).filter(|r| [0, 90, 180, 270].contains(r)) {
            Some(r) => new.screen_rotation = r,
            None => {
                let shown = match raw {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                f.fail(
                    "screen_rotation",
                    format!("\"{shown}\" is not a valid choice."),
                );
            }
        }
    }
    let backend = f.string("auth_backend", false, true, false).ok().flatten();
    if let Some(b) = &backend
        && !b.is_empty()
        && b != "auth_basic"
    {
        f.fail("auth_backend", format!("\"{b}\" is not a valid choice."));
    }
    let username = f.string("username", false, true, false).ok().flatten();
    if username
        .as_ref()
        .is_some_and(|u| u.chars().count() > USERNAME_MAX)
    {
        f.fail("username", too_long(USERNAME_MAX));
    }
    let password = f.string("password", false, true, false).ok().flatten();
    let password_2 = f.string("password_2", false, true, false).ok().flatten();
    let current = f
        .string("current_password", false, true, false)
        .ok()
        .flatten();
    flag!(display_power_schedule_enabled);
    if let Some(t) = power_time(&mut f, "display_power_on_time") {
        new.display_power_on_time = t;
    }
    if let Some(t) = power_time(&mut f, "display_power_off_time") {
        new.display_power_off_time = t;
    }
    if let Some(d) = power_days(&mut f) {
        new.display_power_days = d;
    }
    if !f.is_valid() {
        return Err(LegacyError::fields(f.errors));
    }

    let current = match current.filter(|c| !c.is_empty()) {
        Some(c) => Some(password::verify_gated(&c, &old.password_hash).await),
        None => None,
    };
    apply_auth(
        &old, &mut new, backend, username, password, password_2, current,
    )
    .map_err(|msg| LegacyError::error(400, msg))?;

    if new.default_assets != old.default_assets {
        // Upstream adds its three stock web pages when switched on, and removes every
        // `default_*` asset when switched off.
        assets::set_default_assets(&dev.ctx(), new.default_assets, new.default_duration).await?;
    }
    dev.state
        .save_settings(&dev.scope, new)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "saving settings failed");
            LegacyError::error(400, "An error occurred while saving settings.")
        })?;
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: dev.scope.id().to_string(),
        command: "reload".into(),
    });
    Ok(HttpResponse::Ok().json(json!({ "message": "Settings were successfully saved." })))
}

/// Anthias's `apply_auth_settings`: who may turn authentication on or off, and change the
/// operator's name or password. Messages are upstream's. `current` says whether the current
/// password was given and right (checked beforehand, off the executor and rate-limited).
fn apply_auth(
    old: &DeviceSettings,
    new: &mut DeviceSettings,
    backend: Option<String>,
    username: Option<String>,
    password: Option<String>,
    password_2: Option<String>,
    current: Option<bool>,
) -> Result<(), String> {
    let backend = backend.unwrap_or_else(|| old.auth_backend.clone());
    let has_operator = !old.username.is_empty() && !old.password_hash.is_empty();
    // `current`: whether a current password was given, and whether it was right.
    let current_ok = || -> Result<(), String> {
        match current {
            None => Err(String::new()),
            Some(true) => Ok(()),
            Some(false) => Err("Incorrect current password.".into()),
        }
    };
    let password = password.filter(|p| !p.is_empty());
    let username = username
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if backend != old.auth_backend && has_operator {
        current_ok().map_err(|e| {
            if e.is_empty() {
                "Must supply current password to change authentication method".into()
            } else {
                e
            }
        })?;
    }
    if backend == "auth_basic" && !has_operator {
        let user = username.clone().ok_or("Must provide username")?;
        let pass = password.clone().ok_or("Must provide password")?;
        if password_2.as_deref() != Some(pass.as_str()) {
            return Err("New passwords do not match!".into());
        }
        password::check_strength(&pass, &user)?;
        new.username = user;
        new.password_hash = password::hash(&pass).map_err(|e| e.to_string())?;
    } else if backend == "auth_basic" && backend == old.auth_backend {
        if let Some(user) = &username
            && user != &old.username
        {
            current_ok().map_err(|e| {
                if e.is_empty() {
                    "Must supply current password to change username".into()
                } else {
                    e
                }
            })?;
            new.username = user.clone();
        }
        if let Some(pass) = &password {
            current_ok().map_err(|e| {
                if e.is_empty() {
                    "Must supply current password to change password".into()
                } else {
                    e
                }
            })?;
            if password_2.as_deref() != Some(pass.as_str()) {
                return Err("New passwords do not match!".into());
            }
            password::check_strength(pass, &new.username)?;
            new.password_hash = password::hash(pass).map_err(|e| e.to_string())?;
        }
    }
    new.auth_backend = backend;
    Ok(())
}

async fn run_configured(command: Option<&str>, what: &str) -> Result<HttpResponse, LegacyError> {
    let Some(command) = command else {
        return Err(LegacyError::detail(
            503,
            format!(
                "{what} is not configured on this device (set `{}_command`).",
                what.to_lowercase()
            ),
        ));
    };
    tracing::warn!(%command, "{what} requested through the API");
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            // The machine may go down before the command returns; reap it in the background.
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            Ok(HttpResponse::Ok().finish())
        }
        Err(e) => Err(LegacyError::error(
            500,
            format!("Could not run the {what} command: {e}"),
        )),
    }
}

/// `POST /api/<v>/reboot`: runs `reboot_command`.
pub async fn reboot(dev: Device) -> Result<HttpResponse, LegacyError> {
    run_configured(dev.state.config.reboot_command.as_deref(), "Reboot").await
}

/// `POST /api/<v>/shutdown`: runs `shutdown_command`.
pub async fn shutdown(dev: Device) -> Result<HttpResponse, LegacyError> {
    run_configured(dev.state.config.shutdown_command.as_deref(), "Shutdown").await
}

/// `POST /api/v2/display/<on|off>`: runs `display_power_command`.
pub async fn display(dev: Device, state: web::Path<String>) -> Result<HttpResponse, LegacyError> {
    let state = state.into_inner();
    if state != "on" && state != "off" {
        return Err(LegacyError::message(400, "Invalid display state."));
    }
    let Some(template) = dev.state.config.display_power_command.as_deref() else {
        return Err(LegacyError::message(
            503,
            "No HDMI-CEC adapter detected on this device.",
        ));
    };
    let command = template.replace("{state}", &state);
    let action = if state == "on" { "turn-on" } else { "turn-off" };
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await;
    match out {
        Ok(Ok(o)) if o.status.success() => Ok(HttpResponse::Ok().json(json!({
            "message": format!("Display {action} command sent to 1 display.")
        }))),
        Ok(Ok(o)) => Err(LegacyError::message(
            502,
            format!(
                "Display {action} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
        )),
        Ok(Err(e)) => Err(LegacyError::message(
            502,
            format!("Display {action} failed: {e}"),
        )),
        Err(_) => Err(LegacyError::message(
            502,
            format!("Display {action} failed: no answer in 20 s"),
        )),
    }
}

/// `GET /api/v2/integrations`: the non-balena answer unless balena's variables are set.
pub async fn integrations(_dev: Device) -> HttpResponse {
    let env = |k: &str| std::env::var(k).ok();
    HttpResponse::Ok().json(json!({
        "is_balena": env("BALENA").is_some() || env("BALENA_DEVICE_UUID").is_some(),
        "balena_device_id": env("BALENA_DEVICE_UUID"),
        "balena_app_id": env("BALENA_APP_ID"),
        "balena_app_name": env("BALENA_APP_NAME"),
        "balena_supervisor_version": env("BALENA_SUPERVISOR_VERSION"),
        "balena_host_os_version": env("BALENA_HOST_OS_VERSION"),
        "balena_device_name_at_init": env("BALENA_DEVICE_NAME_AT_INIT"),
    }))
}

/// `GET /api/v2/network/ip-addresses` (open: the splash screen shows it).
pub async fn ip_addresses(dev: OpenDevice) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "ip_addresses": host::reachable_urls(dev.0.state.config.listen) }))
}

/// `GET /api/v1/viewer_current_asset`: `[]` when nothing plays.
pub async fn viewer_current_asset(dev: Device) -> Result<HttpResponse, LegacyError> {
    let Some(id) = dev.state.now_playing.get(dev.scope.id()) else {
        return Ok(HttpResponse::Ok().json(json!([])));
    };
    let asset = dev.asset(&id).await?;
    Ok(HttpResponse::Ok().json(AssetV1::new(&asset, Utc::now(), dev.tz())))
}
