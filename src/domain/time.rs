//! Times as clients write them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Python's `datetime.fromisoformat` (what Django's `parse_datetime` tries first): a date,
/// optionally `T` or space and a time, optionally an offset. Naive values are UTC. Returns
/// naive UTC.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"));
    }
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // Split the time from an offset: Z, +HH:MM, -HH:MM, +HHMM, +HH.
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let time = parse_iso_time(time)?;
    let naive = date.and_time(time);
    let offset = match offset {
        None => return Some(naive),
        Some("Z" | "z") => return Some(naive),
        Some(o) => parse_offset(o)?,
    };
    let aware: DateTime<FixedOffset> = offset.from_local_datetime(&naive).single()?;
    Some(aware.with_timezone(&Utc).naive_utc())
}

fn parse_iso_time(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.split_once(['.', ',']) {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str| -> Option<u32> {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let (h, m, sec) = match parts.as_slice() {
        [h] => (num(h)?, 0, 0),
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, sec] => (num(h)?, num(m)?, num(sec)?),
        _ => return None,
    };
    let micros = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<6}");
            padded[..6].parse().ok()?
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = s[1..].replace(':', "");
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match body.len() {
        2 => (body.parse::<i32>().ok()?, 0),
        4 => (
            body[..2].parse::<i32>().ok()?,
            body[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_like_fromisoformat() {
        let at = |s: &str| parse_datetime(s).map(|d| d.to_string());
        assert_eq!(
            at("2019-08-24T14:15:22Z").as_deref(),
            Some("2019-08-24 14:15:22")
        );
        assert_eq!(
            at("2019-08-24T16:15:22+02:00").as_deref(),
            Some("2019-08-24 14:15:22")
        );
        assert_eq!(
            at("2019-08-24 14:15").as_deref(),
            Some("2019-08-24 14:15:00")
        );
        assert_eq!(
            at("2019-08-24T14:15:22.5").as_deref(),
            Some("2019-08-24 14:15:22.500")
        );
        assert_eq!(at("2019-08-24").as_deref(), Some("2019-08-24 00:00:00"));
        assert_eq!(
            at("2019-08-24T14:15:22-0130").as_deref(),
            Some("2019-08-24 15:45:22")
        );
        assert_eq!(at("24/08/2019"), None);
        assert_eq!(at("2019-08-24T25:00"), None);
        assert_eq!(at("tomorrow"), None);
    }
}
