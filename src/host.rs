//! Facts about the machine Signate runs on, for `/api/v1/info` and
//! `/api/v2/info`.
//!
//! Everything here is synchronous and cheap (a few small reads from `/proc`
//! and `/sys`, one or two syscalls), so handlers may call it directly or from
//! a blocking task. Nothing panics: a missing file or failing syscall yields
//! `None`, an empty list or a neutral value, because an info page with a blank
//! field is better than a 500 on a board with an unusual kernel.
//!
//! Parsing is kept in pure `parse_*` functions so it can be tested against
//! sample text from real boards without needing one.

use std::ffi::CString;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

const LOADAVG_PATH: &str = "/proc/loadavg";
const MEMINFO_PATH: &str = "/proc/meminfo";
const UPTIME_PATH: &str = "/proc/uptime";
const ROUTE_PATH: &str = "/proc/net/route";
const NET_CLASS_DIR: &str = "/sys/class/net";
const DEVICE_TREE_MODEL_PATH: &str = "/proc/device-tree/model";
const THROTTLED_PATH: &str = "/sys/devices/platform/soc/soc:firmware/get_throttled";

// ---------------------------------------------------------------------------
// Load average
// ---------------------------------------------------------------------------

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> Option<[f64; 3]> {
    parse_loadavg(&fs::read_to_string(LOADAVG_PATH).ok()?)
}

/// Parses `/proc/loadavg`, e.g. `"0.52 0.58 0.59 1/389 12345\n"`.
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    let one = fields.next()??;
    let five = fields.next()??;
    let fifteen = fields.next()??;
    Some([one, five, fifteen])
}

// ---------------------------------------------------------------------------
// Disk
// ---------------------------------------------------------------------------

/// Bytes available to an unprivileged user on the filesystem holding `path`.
///
/// Uses `f_bavail` rather than `f_bfree` because the blocks reserved for root
/// cannot hold uploaded assets, so counting them would overstate the room
/// left for content.
pub fn disk_free_bytes(path: &Path) -> Option<u64> {
    let st = statvfs(path)?;
    widen(st.f_bavail).checked_mul(widen(st.f_frsize))
}

/// Total size in bytes of the filesystem holding `path`.
pub fn disk_total_bytes(path: &Path) -> Option<u64> {
    let st = statvfs(path)?;
    widen(st.f_blocks).checked_mul(widen(st.f_frsize))
}

// The statvfs field types are 32 bits wide on 32-bit ARM (older Pi OS images)
// and 64 bits on aarch64/x86_64; a generic conversion accepts both without a
// cast that clippy calls useless on one of the two.
fn widen<T: Into<u64>>(value: T) -> u64 {
    value.into()
}

fn statvfs(path: &Path) -> Option<libc::statvfs> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain old data; all-zero is a valid bit pattern and
    // the kernel overwrites it on success.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the
    // call, and `st` is a valid, exclusively borrowed out-pointer.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut st) };
    (rc == 0).then_some(st)
}

// ---------------------------------------------------------------------------
// Human-readable sizes
// ---------------------------------------------------------------------------

/// Formats a byte count exactly like Django's `filesizeformat` filter with
/// English translations, because the Anthias web UI and API clients show
/// these strings verbatim and compare them in tests.
///
/// The separator is U+00A0 (Django's `avoid_wrapping`) so the number and its
/// unit never break across lines.
pub fn filesizeformat(bytes: u64) -> String {
    const KB: u64 = 1 << 10;
    const MB: u64 = 1 << 20;
    const GB: u64 = 1 << 30;
    const TB: u64 = 1 << 40;
    const PB: u64 = 1 << 50;

    // Django computes `round(value, 1)` then prints one decimal; formatting
    // the exact binary value with `{:.1}` rounds identically, including
    // half-to-even on exact ties such as 1280 bytes -> 1.2 KB.
    let scaled = |unit: u64, name: &str| format!("{:.1}\u{a0}{name}", bytes as f64 / unit as f64);

    if bytes < KB {
        let noun = if bytes == 1 { "byte" } else { "bytes" };
        format!("{bytes}\u{a0}{noun}")
    } else if bytes < MB {
        scaled(KB, "KB")
    } else if bytes < GB {
        scaled(MB, "MB")
    } else if bytes < TB {
        scaled(GB, "GB")
    } else if bytes < PB {
        scaled(TB, "TB")
    } else {
        scaled(PB, "PB")
    }
}

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------

/// Memory usage in MiB, with the columns of `free -m`.
///
/// `used` follows the classic definition shared by psutil (which Anthias
/// uses) and procps before 4.0: total minus free, buffers and cache.
/// procps 4.x prints `total - available` instead, so its figure is higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Memory {
    pub total: u64,
    pub used: u64,
    pub free: u64,
    pub shared: u64,
    /// Buffers plus page cache plus reclaimable slab (`free`'s buff/cache).
    pub buff: u64,
    pub available: u64,
}

/// Current memory usage from `/proc/meminfo`.
pub fn memory() -> Option<Memory> {
    parse_meminfo(&fs::read_to_string(MEMINFO_PATH).ok()?)
}

/// Parses `/proc/meminfo` into `free -m` figures.
///
/// Returns `None` only when `MemTotal` or `MemFree` is missing; other absent
/// fields count as zero.
pub fn parse_meminfo(text: &str) -> Option<Memory> {
    let mut total = None;
    let mut free = None;
    let mut available = None;
    let (mut buffers, mut cached, mut reclaimable, mut shmem) = (0, 0, 0, 0);

    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        // Values are in kB; a line without a number is skipped rather than
        // failing the whole parse.
        let Some(kib) = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            continue;
        };
        match key.trim() {
            "MemTotal" => total = Some(kib),
            "MemFree" => free = Some(kib),
            "MemAvailable" => available = Some(kib),
            "Buffers" => buffers = kib,
            "Cached" => cached = kib,
            "SReclaimable" => reclaimable = kib,
            "Shmem" => shmem = kib,
            _ => {}
        }
    }

    let total = total?;
    let free = free?;
    // free(1) and psutil both count reclaimable slab as cache, since the
    // kernel hands it back under pressure just like page cache.
    let cache = cached.saturating_add(reclaimable);
    // Same fallback as free(1)/psutil: on odd kernels the subtraction can go
    // negative (e.g. in containers), and then "not free" is the best estimate.
    let used = total
        .checked_sub(free)
        .and_then(|v| v.checked_sub(buffers))
        .and_then(|v| v.checked_sub(cache))
        .unwrap_or_else(|| total.saturating_sub(free));
    // Kernels before 3.14 lack MemAvailable; MemFree is the conservative
    // answer there, which is also what older free(1) printed.
    let available = available.unwrap_or(free);

    let mib = |kib: u64| kib / 1024;
    Some(Memory {
        total: mib(total),
        used: mib(used),
        free: mib(free),
        shared: mib(shmem),
        buff: mib(buffers.saturating_add(cache)),
        available: mib(available),
    })
}

/// Whether a board counts as low-RAM, given `MemTotal` in MiB.
///
/// The firmware reserves GPU memory before Linux starts, so a 1 GB Pi reports
/// roughly 900 MiB and falls under this threshold too; only boards with more
/// than 1 GiB of RAM visible to Linux are treated as roomy.
pub fn is_low_ram(total_mib: u64) -> bool {
    total_mib < 1024
}

// ---------------------------------------------------------------------------
// Uptime
// ---------------------------------------------------------------------------

/// When this process started serving; set by `app::start`, so the first server's start wins.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Records Signate's start (the machine's uptime says nothing about when Signate restarted).
pub fn mark_started() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Seconds since Signate started (since the first call when `mark_started` was never called).
pub fn process_uptime_seconds() -> f64 {
    STARTED
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// Seconds since boot.
pub fn uptime_seconds() -> Option<f64> {
    parse_uptime(&fs::read_to_string(UPTIME_PATH).ok()?)
}

/// Parses `/proc/uptime`, e.g. `"350735.47 234388.90\n"`.
pub fn parse_uptime(text: &str) -> Option<f64> {
    let secs = text.split_whitespace().next()?.parse::<f64>().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs)
}

/// Splits an uptime into whole days and the remaining hours rounded to two
/// decimals, the shape Anthias reports.
///
/// Mirrors Python's `timedelta(seconds=s)` followed by
/// `round(td.seconds / 3600, 2)`: sub-second precision is dropped before
/// dividing, and `{:.2}` rounds the exact binary value as Python's `round`
/// does, so both servers print the same figure.
pub fn uptime_parts(secs: f64) -> (u64, f64) {
    if !secs.is_finite() || secs <= 0.0 {
        return (0, 0.0);
    }
    // `as` saturates for out-of-range floats, which is the right clamp here.
    let whole = secs.floor() as u64;
    let days = whole / 86_400;
    let rem = whole % 86_400;
    let hours = format!("{:.2}", rem as f64 / 3600.0)
        .parse::<f64>()
        .unwrap_or(0.0);
    (days, hours)
}

// ---------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------

/// Every address on interfaces that are up, except loopback: IPv4 first,
/// then IPv6, each in kernel order, without duplicates.
///
/// IPv6 link-local addresses are kept because Anthias lists them and they
/// are sometimes the only way to reach a screen on an unconfigured network.
pub fn ip_addresses() -> Vec<IpAddr> {
    let mut found = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `head` is a valid out-pointer; on success the kernel-provided
    // list is owned by us until `freeifaddrs`, which the guard below calls.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return found;
    }
    let _guard = IfAddrsGuard(head);

    let mut cursor = head;
    while !cursor.is_null() {
        // SAFETY: `cursor` is non-null and points into the list returned by
        // getifaddrs, which stays alive until `_guard` drops.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;

        let flags = entry.ifa_flags;
        if flags & libc::IFF_UP as libc::c_uint == 0
            || flags & libc::IFF_LOOPBACK as libc::c_uint != 0
        {
            continue;
        }
        // SAFETY: `ifa_addr` is either null or points to a sockaddr whose
        // concrete type is given by its `sa_family`, as getifaddrs documents.
        if let Some(ip) = unsafe { sockaddr_ip(entry.ifa_addr) } {
            found.push(ip);
        }
    }
    order_addresses(found)
}

/// Frees the getifaddrs list on every exit path.
struct IfAddrsGuard(*mut libc::ifaddrs);

impl Drop for IfAddrsGuard {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful getifaddrs and is freed
        // exactly once, here.
        unsafe { libc::freeifaddrs(self.0) };
    }
}

/// Reads an IP address out of a sockaddr, if it is IPv4 or IPv6.
///
/// # Safety
/// `sa` must be null or point to a valid sockaddr that is at least as large
/// as the structure its `sa_family` names.
unsafe fn sockaddr_ip(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    // Unaligned reads because the C library makes no alignment promise for
    // these buffers that Rust's references would require.
    // SAFETY: the caller guarantees `sa` points to at least a sockaddr.
    let family = unsafe { std::ptr::read_unaligned(sa) }.sa_family;
    match libc::c_int::from(family) {
        libc::AF_INET => {
            // SAFETY: family AF_INET means the storage is a sockaddr_in.
            let sin = unsafe { std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in>()) };
            // s_addr is in network byte order, which is exactly the byte
            // order of its in-memory representation.
            Some(IpAddr::V4(Ipv4Addr::from(
                sin.sin_addr.s_addr.to_ne_bytes(),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: family AF_INET6 means the storage is a sockaddr_in6.
            let sin6 = unsafe { std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>()) };
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// Drops duplicates and loopback addresses (which some setups put on
/// ordinary interfaces) and puts IPv4 first, keeping the order otherwise.
///
/// Duplicates happen when several interfaces share an address, e.g. a bond
/// and its slaves, and would show the same URL twice.
fn order_addresses(addrs: Vec<IpAddr>) -> Vec<IpAddr> {
    let mut unique: Vec<IpAddr> = Vec::with_capacity(addrs.len());
    for ip in addrs {
        if !ip.is_loopback() && !ip.is_unspecified() && !unique.contains(&ip) {
            unique.push(ip);
        }
    }
    // Stable sort, so only the family decides and kernel order is preserved.
    unique.sort_by_key(|ip| ip.is_ipv6());
    unique
}

/// URLs at which the admin interface should be reachable, one per address.
pub fn admin_urls(port: u16) -> Vec<String> {
    ip_addresses()
        .into_iter()
        .map(|ip| admin_url(ip, port))
        .collect()
}

/// The URLs the server can really be reached at, given the address it listens on: every
/// address of the machine for `0.0.0.0`/`::`, else just the one it is bound to (a server on
/// 127.0.0.1 is not reachable from the LAN, so showing the LAN address would mislead).
pub fn reachable_urls(listen: std::net::SocketAddr) -> Vec<String> {
    if listen.ip().is_unspecified() {
        admin_urls(listen.port())
    } else {
        vec![admin_url(listen.ip(), listen.port())]
    }
}

/// Builds `http://host[:port]`, omitting the default port so the URL is the
/// one a person would type.
pub fn admin_url(ip: IpAddr, port: u16) -> String {
    let host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    if port == 80 {
        format!("http://{host}")
    } else {
        format!("http://{host}:{port}")
    }
}

/// The MAC address that identifies this device, lower-case and
/// colon-separated.
///
/// Prefers the interface holding the default route (the one the admin UI is
/// most likely reached through), then physical interfaces, then anything
/// else, because bridges and virtual links (docker0, veth*) often get a
/// random MAC on each boot and would make the identifier unstable.
pub fn mac_address() -> Option<String> {
    let default_iface = fs::read_to_string(ROUTE_PATH)
        .ok()
        .and_then(|t| parse_default_route_iface(&t));

    let mut names: Vec<String> = fs::read_dir(NET_CLASS_DIR)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "lo")
        .collect();
    names.sort();
    // `false` sorts first: default-route interface, then ones backed by a
    // real device, then the rest; the stable sort keeps names alphabetical.
    names.sort_by_key(|n| {
        let is_default = default_iface.as_deref() == Some(n.as_str());
        let is_physical = Path::new(NET_CLASS_DIR).join(n).join("device").exists();
        (!is_default, !is_physical)
    });

    names.iter().find_map(|name| {
        let text = fs::read_to_string(Path::new(NET_CLASS_DIR).join(name).join("address")).ok()?;
        parse_mac(&text)
    })
}

/// Finds the interface carrying the IPv4 default route in `/proc/net/route`,
/// picking the lowest metric when there are several (e.g. wired and Wi-Fi).
pub fn parse_default_route_iface(text: &str) -> Option<String> {
    const RTF_UP: u32 = 0x0001;
    text.lines()
        .skip(1) // column headers
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (iface, dest, flags, metric, mask) = (
                cols.first()?,
                cols.get(1)?,
                cols.get(3)?,
                cols.get(6)?,
                cols.get(7)?,
            );
            let flags = u32::from_str_radix(flags, 16).ok()?;
            let is_default = u32::from_str_radix(dest, 16).ok()? == 0
                && u32::from_str_radix(mask, 16).ok()? == 0
                && flags & RTF_UP != 0;
            let metric = metric.parse::<u32>().ok()?;
            is_default.then(|| (metric, (*iface).to_owned()))
        })
        .min_by_key(|(metric, _)| *metric)
        .map(|(_, iface)| iface)
}

/// Validates and normalises the contents of `/sys/class/net/*/address`.
///
/// Rejects the all-zero address (loopback, some tunnels) and anything that is
/// not a 6-byte Ethernet-style MAC, such as the longer hardware addresses of
/// InfiniBand or the empty file of point-to-point links.
pub fn parse_mac(text: &str) -> Option<String> {
    let mac = text.trim().to_ascii_lowercase();
    let octets: Vec<&str> = mac.split(':').collect();
    let well_formed = octets.len() == 6
        && octets
            .iter()
            .all(|o| o.len() == 2 && o.bytes().all(|b| b.is_ascii_hexdigit()));
    let all_zero = octets.iter().all(|o| *o == "00");
    (well_formed && !all_zero).then_some(mac)
}

// ---------------------------------------------------------------------------
// Board
// ---------------------------------------------------------------------------

/// The board name, e.g. `"Raspberry Pi 4 Model B Rev 1.4"`, or a generic
/// `"Generic x86_64 Device"` where there is no device tree.
///
/// Always `Some` today; the `Option` leaves room for platforms where even the
/// generic name would be misleading.
pub fn device_model() -> Option<String> {
    fs::read(DEVICE_TREE_MODEL_PATH)
        .ok()
        .and_then(|raw| parse_device_model(&raw))
        .or_else(|| Some(format!("Generic {} Device", std::env::consts::ARCH)))
}

/// Cleans the device-tree `model` property, which is a NUL-terminated C
/// string and may carry stray whitespace.
pub fn parse_device_model(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let model = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    // Some firmware pads with several NULs or embeds one; keep the first part.
    let model = model.split('\0').next().unwrap_or_default().trim();
    (!model.is_empty()).then(|| model.to_owned())
}

/// Under-voltage status in the shape Anthias returns.
///
/// Only the firmware's live bitmask is available, so `first_seen`,
/// `last_seen` and `count` stay empty; Anthias fills them from its own
/// monitoring history, which a stateless read cannot reconstruct.
pub fn under_voltage() -> Value {
    let bits = fs::read_to_string(THROTTLED_PATH)
        .ok()
        .and_then(|t| parse_throttled(&t));
    under_voltage_from_bits(bits)
}

/// Parses the firmware `get_throttled` attribute, which the kernel prints as
/// bare hex (e.g. `"50005\n"`); a `0x` prefix, as `vcgencmd` prints, is also
/// accepted.
pub fn parse_throttled(text: &str) -> Option<u32> {
    let t = text.trim();
    let t = t.strip_prefix("throttled=").unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u32::from_str_radix(t, 16).ok()
}

/// Builds the Anthias `under_voltage` object from a `get_throttled` bitmask;
/// `None` means the board cannot report it.
pub fn under_voltage_from_bits(bits: Option<u32>) -> Value {
    const UNDER_VOLTAGE_NOW: u32 = 1 << 0;
    const UNDER_VOLTAGE_SINCE_BOOT: u32 = 1 << 16;
    let (supported, active, seen) = match bits {
        Some(b) => (
            true,
            b & UNDER_VOLTAGE_NOW != 0,
            // A current under-voltage has by definition occurred since boot,
            // even if the firmware has not latched the sticky bit yet.
            b & (UNDER_VOLTAGE_NOW | UNDER_VOLTAGE_SINCE_BOOT) != 0,
        ),
        None => (false, false, false),
    };
    json!({
        "supported": supported,
        "active": active,
        "seen_since_boot": seen,
        "first_seen": null,
        "last_seen": null,
        "count": 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NBSP: char = '\u{a0}';

    fn nb(s: &str) -> String {
        s.replace(' ', &NBSP.to_string())
    }

    #[test]
    fn filesizeformat_matches_django() {
        let cases: &[(u64, &str)] = &[
            (0, "0 bytes"),
            (1, "1 byte"),
            (2, "2 bytes"),
            (1023, "1023 bytes"),
            (1024, "1.0 KB"),
            (1280, "1.2 KB"), // exact tie: Python's round() goes to even
            (1536, "1.5 KB"),
            (1_048_575, "1024.0 KB"), // Django rounds up without switching unit
            (1 << 20, "1.0 MB"),
            (10 * (1 << 20), "10.0 MB"),
            (15 << 30, "15.0 GB"),
            ((1 << 30) + (1 << 29), "1.5 GB"),
            (1 << 40, "1.0 TB"),
            (1 << 50, "1.0 PB"),
            (2048 << 50, "2048.0 PB"),
            (u64::MAX, "16384.0 PB"),
        ];
        for (bytes, want) in cases {
            assert_eq!(filesizeformat(*bytes), nb(want), "bytes = {bytes}");
        }
    }

    #[test]
    fn filesizeformat_uses_no_break_space() {
        let s = filesizeformat(15 << 30);
        assert_eq!(s, "15.0\u{a0}GB");
        assert!(!s.contains(' '));
    }

    #[test]
    fn loadavg_parses() {
        assert_eq!(
            parse_loadavg("0.52 0.58 1.59 1/389 12345\n"),
            Some([0.52, 0.58, 1.59])
        );
        assert_eq!(parse_loadavg(""), None);
        assert_eq!(parse_loadavg("0.52 0.58"), None);
        assert_eq!(parse_loadavg("0.52 x 0.1 1/2 3"), None);
    }

    // Captured from a Raspberry Pi 4 (4 GB) running Pi OS Bookworm.
    const PI4_MEMINFO: &str = "\
MemTotal:        3881588 kB
MemFree:         2500384 kB
MemAvailable:    3300232 kB
Buffers:           52124 kB
Cached:           781004 kB
SwapCached:            0 kB
Active:           487312 kB
Shmem:             25000 kB
KReclaimable:      48128 kB
Slab:              89420 kB
SReclaimable:      48128 kB
SUnreclaim:        41292 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
";

    #[test]
    fn meminfo_matches_free_m() {
        let m = parse_meminfo(PI4_MEMINFO).expect("parses");
        // total - free - buffers - (cached + sreclaimable), in kB, then >> 10.
        let used_kib = 3_881_588 - 2_500_384 - 52_124 - (781_004 + 48_128);
        assert_eq!(
            m,
            Memory {
                total: 3_881_588 / 1024,
                used: used_kib / 1024,
                free: 2_500_384 / 1024,
                shared: 25_000 / 1024,
                buff: (52_124 + 781_004 + 48_128) / 1024,
                available: 3_300_232 / 1024,
            }
        );
        assert_eq!(m.total, 3790);
        assert!(!is_low_ram(m.total));
    }

    #[test]
    fn meminfo_fallbacks() {
        // No MemAvailable (pre-3.14 kernel): available falls back to MemFree.
        let old = "MemTotal: 2048000 kB\nMemFree: 1024000 kB\n";
        let m = parse_meminfo(old).expect("parses");
        assert_eq!(m.available, 1000);
        assert_eq!(m.used, 1000);
        assert_eq!(m.buff, 0);

        // Cache larger than total - free: used falls back to total - free.
        let odd = "MemTotal: 2048 kB\nMemFree: 1024 kB\nCached: 4096 kB\n";
        assert_eq!(parse_meminfo(odd).expect("parses").used, 1);

        assert_eq!(parse_meminfo("MemFree: 10 kB\n"), None);
        assert_eq!(parse_meminfo(""), None);
    }

    #[test]
    fn low_ram_threshold() {
        assert!(is_low_ram(427)); // Pi Zero W
        assert!(is_low_ram(921)); // 1 GB Pi 3 after the GPU split
        assert!(!is_low_ram(1024));
        assert!(!is_low_ram(7809)); // 8 GB Pi 4
    }

    #[test]
    fn uptime_parses() {
        assert_eq!(parse_uptime("350735.47 234388.90\n"), Some(350_735.47));
        assert_eq!(parse_uptime("12\n"), Some(12.0));
        assert_eq!(parse_uptime(""), None);
        assert_eq!(parse_uptime("abc 1"), None);
        assert_eq!(parse_uptime("-5 1"), None);
    }

    #[test]
    fn uptime_parts_splits_like_timedelta() {
        assert_eq!(uptime_parts(0.0), (0, 0.0));
        assert_eq!(uptime_parts(59.9), (0, 0.02));
        assert_eq!(uptime_parts(3600.0), (0, 1.0));
        assert_eq!(uptime_parts(86_399.999), (0, 24.0));
        assert_eq!(uptime_parts(86_400.0), (1, 0.0));
        // 4 days, 1 h 30 min 18.7 s -> sub-second part dropped first.
        assert_eq!(uptime_parts(4.0 * 86_400.0 + 5418.7), (4, 1.5));
        assert_eq!(uptime_parts(350_735.47), (4, 1.43));
        assert_eq!(uptime_parts(f64::NAN), (0, 0.0));
        assert_eq!(uptime_parts(-3.0), (0, 0.0));
    }

    #[test]
    fn addresses_are_deduplicated_and_ipv4_first() {
        let v6: IpAddr = "fe80::1".parse().unwrap();
        let g6: IpAddr = "2001:db8::5".parse().unwrap();
        let a: IpAddr = "192.168.1.10".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let got = order_addresses(vec![v6, a, g6, lo, a, b, v6]);
        assert_eq!(got, vec![a, b, v6, g6]);
    }

    #[test]
    fn admin_url_formats() {
        let v4: IpAddr = "192.168.1.10".parse().unwrap();
        let v6: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(admin_url(v4, 80), "http://192.168.1.10");
        assert_eq!(admin_url(v4, 8080), "http://192.168.1.10:8080");
        assert_eq!(admin_url(v6, 8080), "http://[fe80::1]:8080");
        assert_eq!(admin_url(v6, 80), "http://[fe80::1]");
    }

    const ROUTE_TABLE: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
";

    #[test]
    fn default_route_prefers_lowest_metric() {
        assert_eq!(
            parse_default_route_iface(ROUTE_TABLE).as_deref(),
            Some("eth0")
        );
        let only_local = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\
             eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n";
        assert_eq!(parse_default_route_iface(only_local), None);
        // A default route that is not up does not count.
        let down = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\
                    eth0\t00000000\t0100A8C0\t0002\t0\t0\t0\t00000000\n";
        assert_eq!(parse_default_route_iface(down), None);
        assert_eq!(parse_default_route_iface(""), None);
    }

    #[test]
    fn mac_parsing() {
        assert_eq!(
            parse_mac("DC:A6:32:01:02:03\n").as_deref(),
            Some("dc:a6:32:01:02:03")
        );
        assert_eq!(parse_mac("00:00:00:00:00:00\n"), None);
        assert_eq!(parse_mac("\n"), None);
        assert_eq!(parse_mac("dc:a6:32:01:02"), None);
        assert_eq!(parse_mac("zz:a6:32:01:02:03"), None);
        assert_eq!(
            parse_mac("80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0f:25:61"),
            None
        );
    }

    #[test]
    fn device_model_parsing() {
        assert_eq!(
            parse_device_model(b"Raspberry Pi 4 Model B Rev 1.4\0").as_deref(),
            Some("Raspberry Pi 4 Model B Rev 1.4")
        );
        assert_eq!(
            parse_device_model(b"Raspberry Pi Zero 2 W Rev 1.0\0\0\n").as_deref(),
            Some("Raspberry Pi Zero 2 W Rev 1.0")
        );
        assert_eq!(parse_device_model(b"\0"), None);
        assert_eq!(parse_device_model(b""), None);
    }

    #[test]
    fn throttled_parsing() {
        assert_eq!(parse_throttled("0\n"), Some(0));
        assert_eq!(parse_throttled("50005\n"), Some(0x50005));
        assert_eq!(parse_throttled("0x50000"), Some(0x50000));
        assert_eq!(parse_throttled("throttled=0x1\n"), Some(1));
        assert_eq!(parse_throttled(""), None);
        assert_eq!(parse_throttled("nope"), None);
    }

    #[test]
    fn under_voltage_shape() {
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        let unsupported = under_voltage_from_bits(None);
        assert_eq!(
            unsupported,
            json!({"supported": false, "active": false, "seen_since_boot": false,
                   "first_seen": null, "last_seen": null, "count": 0})
        );
        assert_eq!(
            keys(&unsupported),
            [
                "supported",
                "active",
                "seen_since_boot",
                "first_seen",
                "last_seen",
                "count"
            ]
        );

        let ok = under_voltage_from_bits(Some(0));
        assert_eq!(ok["supported"], true);
        assert_eq!(ok["active"], false);
        assert_eq!(ok["seen_since_boot"], false);

        let past = under_voltage_from_bits(Some(0x50000));
        assert_eq!(past["active"], false);
        assert_eq!(past["seen_since_boot"], true);

        let now = under_voltage_from_bits(Some(0x50005));
        assert_eq!(now["active"], true);
        assert_eq!(now["seen_since_boot"], true);
    }

    /// Calls every real probe on the machine running the tests; values vary,
    /// so only plausibility is checked.
    #[test]
    fn smoke_real_machine() {
        let load = load_average().expect("/proc/loadavg readable");
        assert!(load.iter().all(|v| v.is_finite() && *v >= 0.0));

        let root = Path::new("/");
        let total = disk_total_bytes(root).expect("statvfs on /");
        let free = disk_free_bytes(root).expect("statvfs on /");
        assert!(total > 0);
        assert!(free <= total);
        assert!(!filesizeformat(free).is_empty());
        assert_eq!(disk_total_bytes(Path::new("/no/such/dir/at/all")), None);
        assert_eq!(disk_free_bytes(Path::new("bad\0path")), None);

        let mem = memory().expect("/proc/meminfo readable");
        assert!(mem.total > 0);
        assert!(mem.free <= mem.total);
        assert!(mem.used <= mem.total);
        assert!(mem.available <= mem.total);

        let up = uptime_seconds().expect("/proc/uptime readable");
        assert!(up > 0.0);
        let (_, hours) = uptime_parts(up);
        assert!((0.0..=24.0).contains(&hours));

        let ips = ip_addresses();
        assert!(ips.iter().all(|ip| !ip.is_loopback()));
        let first_v6 = ips.iter().position(IpAddr::is_ipv6).unwrap_or(ips.len());
        assert!(ips[first_v6..].iter().all(IpAddr::is_ipv6));
        let urls = admin_urls(8080);
        assert_eq!(urls.len(), ips.len());
        assert!(urls.iter().all(|u| u.starts_with("http://")));

        if let Some(mac) = mac_address() {
            assert_eq!(parse_mac(&mac).as_deref(), Some(mac.as_str()));
        }

        let model = device_model().expect("always some");
        assert!(!model.is_empty());

        let uv = under_voltage();
        assert!(uv["supported"].is_boolean());
        assert_eq!(uv["count"], 0);
    }
}
