//! The display power schedule (`display_power_*` settings): when the screen should be on.
//! The player applies the same rule in the browser (`web/src/player/schedule.ts`).

use chrono::{NaiveDateTime, NaiveTime};

use super::schedule::{PlayDays, Window};

/// Whether the display is on at device-local time `local`. An on-period begins at `on` on each
/// listed day (`days`: Monday = 0, comma-separated) and ends at `off`, the next day when
/// `off` is earlier. A schedule that cannot be read (bad times, `on == off`) keeps it on.
pub fn display_on(local: NaiveDateTime, on: &str, off: &str, days: &str) -> bool {
    let parse = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    let (Some(on), Some(off)) = (parse(on), parse(off)) else {
        return true;
    };
    if on == off {
        return true;
    }
    let listed: Vec<u8> = days
        .split(',')
        .filter_map(|d| d.trim().parse::<u8>().ok())
        .filter(|d| *d <= 6)
        .map(|d| d + 1)
        .collect();
    let window = Window {
        play_days: PlayDays::new(listed).unwrap_or_default(),
        from: Some(on),
        to: Some(off),
    };
    window.matches(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn office_hours_on_weekdays() {
        // 2027-01-04 is a Monday.
        assert!(display_on(
            at("2027-01-04 08:00"),
            "08:00",
            "18:00",
            "0,1,2,3,4"
        ));
        assert!(!display_on(
            at("2027-01-04 18:00"),
            "08:00",
            "18:00",
            "0,1,2,3,4"
        ));
        assert!(!display_on(
            at("2027-01-04 07:59"),
            "08:00",
            "18:00",
            "0,1,2,3,4"
        ));
        assert!(
            !display_on(at("2027-01-09 12:00"), "08:00", "18:00", "0,1,2,3,4"),
            "Saturday"
        );
    }

    #[test]
    fn night_period_belongs_to_the_day_it_begins() {
        // On Friday at 20:00 until 02:00: Saturday 01:00 is on, Monday 01:00 is not.
        assert!(display_on(at("2027-01-09 01:00"), "20:00", "02:00", "4"));
        assert!(!display_on(at("2027-01-04 01:00"), "20:00", "02:00", "4"));
    }

    #[test]
    fn unreadable_schedules_keep_the_screen_on() {
        assert!(display_on(at("2027-01-04 03:00"), "bad", "18:00", "0"));
        assert!(display_on(at("2027-01-04 03:00"), "08:00", "08:00", "0"));
    }
}
