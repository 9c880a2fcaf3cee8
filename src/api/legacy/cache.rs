//! Rendered asset lists, kept until something could change them: any database write (the
//! generation moves), the device time zone, the next schedule boundary, or one second, which
//! bounds how late a daily window's start or end can show in `is_active`. Dashboards poll the
//! list; rendering 100 assets on every poll is most of what a Pi would otherwise spend.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::Version;

struct Entry {
    generation: u64,
    tz: Tz,
    valid_until: DateTime<Utc>,
    body: Bytes,
}

/// Rendered list bodies per tenant and version.
#[derive(Default)]
pub struct ListCache {
    entries: Mutex<HashMap<(String, u8), Entry>>,
}

/// What a rendered list depends on besides the schedule: the data and the zone, at a time.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    pub generation: u64,
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

/// The longest a rendered list is reused.
const MAX_AGE: TimeDelta = TimeDelta::seconds(1);

fn key(tenant: &str, v: Version) -> (String, u8) {
    (tenant.to_string(), v as u8)
}

impl ListCache {
    /// The cached body, if nothing it depends on has moved.
    pub fn get(&self, tenant: &str, v: Version, at: &Stamp) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.get(&key(tenant, v))?;
        (e.generation == at.generation && e.tz == at.tz && at.now < e.valid_until)
            .then(|| e.body.clone())
    }

    /// Keeps `body`, rendered as of `at`, until `deadline` (the next schedule boundary) or one
    /// second.
    pub fn put(
        &self,
        tenant: &str,
        v: Version,
        at: &Stamp,
        deadline: Option<DateTime<Utc>>,
        body: Bytes,
    ) {
        let cap = at.now + MAX_AGE;
        let entry = Entry {
            generation: at.generation,
            tz: at.tz,
            valid_until: deadline.map_or(cap, |d| d.min(cap)),
            body,
        };
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key(tenant, v), entry);
    }
}
