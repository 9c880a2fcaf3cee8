//! Sign-in attempts on a device, counted in memory (a device runs one process) per client
//! address and per user name, in windows of 15 minutes. An attempt is counted before its
//! password is checked, under one lock, so simultaneous guesses cannot slip past a limit; an
//! attempt refused here checks nothing and is not counted; a success gives its attempt back and
//! makes its address known.
//!
//! - An address past `failures_per_address` waits for its window to end.
//! - A user name past `failures_per_account` (failures from all addresses together) is tried
//!   only from known addresses, those that signed in before (not loopback as such: behind a
//!   reverse proxy on the device every client is loopback). Guesses spread over many
//!   addresses thus stop at the account's limit without locking the operator out of the
//!   places they sign in from.
//! - Memory is bounded: when a table is full, expired entries go first, then the one with the
//!   fewest attempts (the oldest of those), so flooding with new keys cannot wipe the count of
//!   a key that is being guessed at.
//! - Addresses count one by one, IPv6 too ([`Client::of`] says why).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long attempts are counted.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long an address that signed in stays known.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
const MAX_ADDRESSES: usize = 4096;
const MAX_ACCOUNTS: usize = 1024;
const MAX_KNOWN: usize = 256;

/// Where an attempt comes from, as attempts are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    V4([u8; 4]),
    V6([u8; 16]),
    /// An IPv6 /64: its first half.
    V6Net([u8; 8]),
    /// No (readable) address.
    Unknown,
}

impl Client {
    /// A client's own address (IPv4-mapped IPv6 addresses count as IPv4). The device counts
    /// this way: on a LAN every IPv6 host shares one /64, so counting per /64 would let one
    /// guesser throttle every IPv6 host, and share the operator's standing; a host that takes
    /// many addresses meets the per-account limit instead.
    pub fn of(ip: Option<IpAddr>) -> Client {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Client::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => Client::V6(v6.octets()),
            None => Client::Unknown,
        }
    }

    /// A client's network: IPv6 addresses count per /64, the prefix one subscriber (or one
    /// machine) can take any address of. Cloud mode counts this way.
    pub fn network(ip: Option<&str>) -> Client {
        match Client::of(ip.and_then(|s| s.parse().ok())) {
            Client::V6(full) => {
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&full[..8]);
                Client::V6Net(prefix)
            }
            other => other,
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::V4(o) => write!(f, "{}", IpAddr::from(*o)),
            Client::V6(o) => write!(f, "{}", Ipv6Addr::from(*o)),
            Client::V6Net(p) => {
                let mut full = [0u8; 16];
                full[..8].copy_from_slice(p);
                write!(f, "{}/64", Ipv6Addr::from(full))
            }
            Client::Unknown => f.write_str("unknown"),
        }
    }
}

/// The limits, from `basic_auth.*`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_address: u32,
    pub per_account: u32,
}

/// Attempts counted in one window.
#[derive(Debug, Clone, Copy)]
struct Count {
    attempts: u32,
    since: Instant,
}

impl Count {
    fn live(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.since) < WINDOW
    }
}

/// Counts per key, at most `max` keys.
struct Counts<K> {
    map: HashMap<K, Count>,
    max: usize,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new(max: usize) -> Self {
        Counts {
            map: HashMap::new(),
            max,
        }
    }

    /// Attempts in the current window, and when it ends.
    fn get(&self, key: &K, now: Instant) -> (u32, Instant) {
        match self.map.get(key) {
            Some(c) if c.live(now) => (c.attempts, c.since + WINDOW),
            _ => (0, now + WINDOW),
        }
    }

    fn add(&mut self, key: &K, now: Instant) {
        if let Some(c) = self.map.get_mut(key) {
            *c = if c.live(now) {
                Count {
                    attempts: c.attempts + 1,
                    since: c.since,
                }
            } else {
                Count {
                    attempts: 1,
                    since: now,
                }
            };
            return;
        }
        if self.map.len() >= self.max {
            self.map.retain(|_, c| c.live(now));
        }
        if self.map.len() >= self.max
            && let Some(victim) = self
                .map
                .iter()
                .min_by_key(|(_, c)| (c.attempts, c.since))
                .map(|(k, _)| k.clone())
        {
            self.map.remove(&victim);
        }
        self.map.insert(
            key.clone(),
            Count {
                attempts: 1,
                since: now,
            },
        );
    }

    fn give_back(&mut self, key: &K, now: Instant) {
        if let Some(c) = self.map.get_mut(key)
            && c.live(now)
        {
            c.attempts = c.attempts.saturating_sub(1);
        }
    }
}

struct State {
    addresses: Counts<Client>,
    /// By the SHA-256 of the user name: names are the client's to choose, and long.
    accounts: Counts<[u8; 32]>,
    /// Addresses that signed in, and when they last did.
    known: HashMap<Client, Instant>,
}

/// The device's sign-in throttle.
pub struct Throttle {
    limits: Limits,
    state: Mutex<State>,
}

/// An attempt that was counted. Give it back with [`Throttle::succeeded`] when it succeeds.
#[derive(Debug)]
pub struct Attempt {
    client: Client,
    account: [u8; 32],
    /// Whether the address has signed in before.
    pub known: bool,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle {
            limits,
            state: Mutex::new(State {
                addresses: Counts::new(MAX_ADDRESSES),
                accounts: Counts::new(MAX_ACCOUNTS),
                known: HashMap::new(),
            }),
        }
    }

    /// Counts an attempt to sign in as `user` from `client`, or says how long it must wait.
    pub fn begin(&self, client: Client, user: &str) -> Result<Attempt, Duration> {
        self.begin_at(client, user, Instant::now())
    }

    fn begin_at(&self, client: Client, user: &str, now: Instant) -> Result<Attempt, Duration> {
        let account: [u8; 32] = Sha256::digest(user.as_bytes()).into();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let known = state
            .known
            .get(&client)
            .is_some_and(|at| now.saturating_duration_since(*at) < KNOWN_FOR);
        let (tried, until) = state.addresses.get(&client, now);
        if tried >= self.limits.per_address {
            return Err(until.saturating_duration_since(now));
        }
        let (tried, until) = state.accounts.get(&account, now);
        if tried >= self.limits.per_account && !known {
            return Err(until.saturating_duration_since(now));
        }
        state.addresses.add(&client, now);
        state.accounts.add(&account, now);
        Ok(Attempt {
            client,
            account,
            known,
        })
    }

    /// The attempt succeeded: it is given back and its address becomes known.
    pub fn succeeded(&self, attempt: &Attempt) {
        self.succeeded_at(attempt, Instant::now())
    }

    fn succeeded_at(&self, attempt: &Attempt, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.addresses.give_back(&attempt.client, now);
        state.accounts.give_back(&attempt.account, now);
        let known = &mut state.known;
        if !known.contains_key(&attempt.client) && known.len() >= MAX_KNOWN {
            known.retain(|_, at| now.saturating_duration_since(*at) < KNOWN_FOR);
            if known.len() >= MAX_KNOWN
                && let Some(oldest) = known.iter().min_by_key(|(_, at)| **at).map(|(c, _)| *c)
            {
                known.remove(&oldest);
            }
        }
        known.insert(attempt.client, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Client {
        Client::of(s.parse().ok())
    }

    #[test]
    fn counts_addresses_and_ipv6_networks_and_names_them() {
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:2::9"));
        assert_eq!(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));
        assert_eq!(ip("2001:db8:1:2::1").to_string(), "2001:db8:1:2::1");
        let net = |s| Client::network(Some(s));
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff::9"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("2001:db8:1:2::1").to_string(), "2001:db8:1:2::/64");
        assert_eq!(net("192.0.2.1").to_string(), "192.0.2.1");
        assert_eq!(net("not an address"), Client::Unknown);
        assert_eq!(Client::network(None).to_string(), "unknown");
    }

    #[test]
    fn an_address_waits_out_its_window() {
        let t = Throttle::new(Limits {
            per_address: 2,
            per_account: 100,
        });
        let now = Instant::now();
        let a = ip("192.0.2.1");
        assert!(t.begin_at(a, "op", now).is_ok());
        assert!(t.begin_at(a, "op", now).is_ok());
        let wait = t
            .begin_at(a, "op", now + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_secs(60));
        // Refusals are not counted: the window still ends where it did.
        assert!(t.begin_at(ip("192.0.2.2"), "op", now).is_ok());
        assert!(t.begin_at(a, "op", now + WINDOW).is_ok());
    }

    #[test]
    fn a_success_gives_back_its_attempt_and_makes_the_address_known() {
        let t = Throttle::new(Limits {
            per_address: 2,
            per_account: 2,
        });
        let now = Instant::now();
        let (home, b, c) = (ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3"));
        let first = t.begin_at(home, "op", now).unwrap();
        assert!(!first.known);
        t.succeeded_at(&first, now);
        assert!(t.begin_at(b, "op", now).is_ok());
        assert!(t.begin_at(c, "op", now).is_ok());
        // The account is at its limit: strangers wait, home does not, and other names are
        // counted apart.
        assert!(t.begin_at(ip("192.0.2.4"), "op", now).is_err());
        assert!(t.begin_at(home, "op", now).unwrap().known);
        assert!(t.begin_at(ip("192.0.2.4"), "root", now).is_ok());
    }

    #[test]
    fn memory_is_bounded_and_keeps_what_is_under_attack() {
        let t = Throttle::new(Limits {
            per_address: 3,
            per_account: u32::MAX,
        });
        let now = Instant::now();
        let target = ip("198.51.100.1");
        for _ in 0..3 {
            t.begin_at(target, "op", now).unwrap();
        }
        for i in 0..(MAX_ADDRESSES as u32 + 100) {
            let c = Client::V4((0x0a00_0000 + i).to_be_bytes());
            t.begin_at(c, &format!("user {i}"), now).unwrap();
        }
        let state = t.state.lock().unwrap();
        assert_eq!(state.addresses.map.len(), MAX_ADDRESSES);
        assert_eq!(state.accounts.map.len(), MAX_ACCOUNTS);
        drop(state);
        assert!(t.begin_at(target, "op", now).is_err(), "still counted");
    }
}
