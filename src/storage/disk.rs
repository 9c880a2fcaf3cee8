//! How much of a local disk a write may take. Every write that lands on the device's disk
//! (uploads, restores, downloads, the files a conversion makes) asks a [`Room`] first, with the
//! size it declares, and then counts the bytes it really writes: a size can lie (a gzip bomb,
//! a server without `Content-Length`), a count cannot. What is left free for the database and
//! the system is the reserve: `min_free_bytes`, or by default 5 % of the filesystem but at
//! least 256 MiB.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::host;

/// The smallest default reserve.
pub const MIN_RESERVE: u64 = 256 * 1024 * 1024;

/// Between two readings of the real free space while writing: another writer on the same disk
/// can eat into the room measured at the start, and the reserve absorbs at most this much.
const PROBE_EVERY: u64 = 32 * 1024 * 1024;

/// Not pretending (see [`Disk::pretend_free`]).
const REAL: u64 = u64::MAX;

/// The default reserve of a filesystem of `total` bytes: 5 %, at least [`MIN_RESERVE`].
pub fn default_reserve(total: u64) -> u64 {
    (total / 20).max(MIN_RESERVE)
}

/// A write that does not fit: what it needs on a disk, what that disk has free, and what is
/// kept free there whatever happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub needed: u64,
    pub free: u64,
    pub reserve: u64,
    /// The need was found by counting the bytes as they came (nothing, or too little, was
    /// declared): it is only known to be more than what fits.
    pub counted: bool,
}

impl Shortfall {
    /// What may be written on that disk: the free space less the reserve.
    pub fn usable(&self) -> u64 {
        self.free.saturating_sub(self.reserve)
    }
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let usable = host::filesizeformat(self.usable());
        if self.counted {
            write!(
                f,
                "Not enough disk space: this needs more than the {usable} that can be used"
            )?;
        } else {
            write!(
                f,
                "Not enough disk space: this needs at least {} but only {usable} can be used",
                host::filesizeformat(self.needed),
            )?;
        }
        write!(
            f,
            " ({} free, {} kept in reserve). Free up space, for example by deleting unused assets, and try again.",
            host::filesizeformat(self.free),
            host::filesizeformat(self.reserve),
        )
    }
}

impl std::error::Error for Shortfall {}

/// The policy: the configured reserve, and what tests pretend the free space is.
#[derive(Debug, Clone)]
pub struct Disk {
    reserve: Option<u64>,
    pretend: Arc<AtomicU64>,
}

impl Disk {
    /// `min_free_bytes` from the configuration; `None` is the default reserve.
    pub fn new(min_free_bytes: Option<u64>) -> Disk {
        Disk {
            reserve: min_free_bytes,
            pretend: Arc::new(AtomicU64::new(REAL)),
        }
    }

    /// For tests: every disk has `bytes` free (whatever is written), until set back to `None`.
    /// Shared by every clone, so a running server's storage follows it.
    pub fn pretend_free(&self, bytes: Option<u64>) {
        self.pretend
            .store(bytes.map_or(REAL, |b| b.min(REAL - 1)), Ordering::Relaxed);
    }

    /// Free and total bytes of the filesystem holding `path` (or its nearest existing parent);
    /// `None` when the system cannot tell, and then nothing is checked there.
    fn probe(&self, path: &Path) -> Option<(u64, u64)> {
        let path = existing(path)?;
        let total = host::disk_total_bytes(&path)?;
        let free = match self.pretend.load(Ordering::Relaxed) {
            REAL => host::disk_free_bytes(&path)?,
            pretended => pretended,
        };
        Some((free, total))
    }

    /// Room for writing bytes that each land once on every one of `paths` (a path listed twice,
    /// or two paths on one filesystem, count twice there). Blocking, but only a few syscalls.
    pub fn room(&self, paths: &[&Path]) -> Room {
        let mut places: Vec<Place> = Vec::new();
        for path in paths {
            let Some(found) = existing(path) else {
                continue;
            };
            let Ok(dev) = std::fs::metadata(&found).map(|m| m.dev()) else {
                continue;
            };
            if let Some(p) = places.iter_mut().find(|p| p.dev == dev) {
                p.copies += 1;
                continue;
            }
            let Some((free, total)) = self.probe(&found) else {
                tracing::warn!(path = %found.display(), "cannot read the free disk space; not checked");
                continue;
            };
            places.push(Place {
                path: found,
                dev,
                copies: 1,
                free,
                reserve: self.reserve.unwrap_or_else(|| default_reserve(total)),
            });
        }
        Room {
            disk: Some(self.clone()),
            places,
            taken: 0,
            since_probe: 0,
        }
    }
}

/// `path` or its nearest parent that exists.
fn existing(path: &Path) -> Option<PathBuf> {
    let mut p = std::path::absolute(path).ok()?;
    loop {
        if p.exists() {
            return Some(p);
        }
        if !p.pop() {
            return None;
        }
    }
}

/// One filesystem a write lands on.
#[derive(Debug, Clone)]
struct Place {
    path: PathBuf,
    dev: u64,
    /// How many copies of each byte land here.
    copies: u64,
    /// Free when the room was measured.
    free: u64,
    reserve: u64,
}

impl Place {
    /// Whether `bytes` (each written `copies` times) fit next to the reserve.
    fn fits(&self, bytes: u64) -> Result<(), Shortfall> {
        let needed = bytes.saturating_mul(self.copies);
        let shortfall = Shortfall {
            needed,
            free: self.free,
            reserve: self.reserve,
            counted: false,
        };
        if needed > shortfall.usable() {
            Err(shortfall)
        } else {
            Ok(())
        }
    }
}

/// What one operation may still write, measured when it began; see [`Disk::room`].
#[derive(Debug)]
pub struct Room {
    disk: Option<Disk>,
    places: Vec<Place>,
    taken: u64,
    since_probe: u64,
}

impl Room {
    /// No local disk involved (object storage, memory): nothing to check.
    pub fn unlimited() -> Room {
        Room {
            disk: None,
            places: Vec::new(),
            taken: 0,
            since_probe: 0,
        }
    }

    /// Whether `more` bytes, on top of those taken, fit: the check before writing, with the
    /// size a header or a client declared.
    pub fn check(&self, more: u64) -> Result<(), Shortfall> {
        let bytes = self.taken.saturating_add(more);
        self.places.iter().try_for_each(|p| p.fits(bytes))
    }

    /// Counts `n` bytes about to be written; refuses once they no longer fit, or once the disk
    /// has been filled into its reserve by someone else meanwhile.
    pub fn take(&mut self, n: u64) -> Result<(), Shortfall> {
        self.check(n)
            .map_err(|s| Shortfall { counted: true, ..s })?;
        self.taken += n;
        self.since_probe += n;
        if self.since_probe >= PROBE_EVERY {
            self.since_probe = 0;
            self.probe_again(n)?;
        }
        Ok(())
    }

    /// Bytes counted so far.
    pub fn taken(&self) -> u64 {
        self.taken
    }

    /// The most bytes that still fit, or `None` when nothing limits them.
    pub fn allowance(&self) -> Option<u64> {
        self.places
            .iter()
            .map(|p| p.free.saturating_sub(p.reserve) / p.copies.max(1))
            .min()
            .map(|a| a.saturating_sub(self.taken))
    }

    /// The shortfall to report when the system itself said the disk is full.
    pub fn exhausted(&self, needed: u64) -> Shortfall {
        let place = self.places.first();
        Shortfall {
            needed,
            free: place
                .and_then(|p| Some(self.disk.as_ref()?.probe(&p.path)?.0))
                .unwrap_or(0),
            reserve: place.map_or(0, |p| p.reserve),
            counted: true,
        }
    }

    fn probe_again(&self, n: u64) -> Result<(), Shortfall> {
        let Some(disk) = &self.disk else {
            return Ok(());
        };
        for p in &self.places {
            if let Some((free, _)) = disk.probe(&p.path)
                && free < p.reserve
            {
                return Err(Shortfall {
                    needed: n.saturating_mul(p.copies),
                    free,
                    reserve: p.reserve,
                    counted: true,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_default_reserve_is_five_percent_but_at_least_256_mib() {
        assert_eq!(default_reserve(1024 * MIB), 256 * MIB);
        assert_eq!(default_reserve(100 * 1024 * MIB), 5 * 1024 * MIB);
        assert_eq!(default_reserve(0), 256 * MIB);
    }

    #[test]
    fn declared_and_counted_bytes_must_fit_next_to_the_reserve() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::new(Some(MIB));
        disk.pretend_free(Some(16 * MIB));
        let mut room = disk.room(&[dir.path()]);
        assert_eq!(room.allowance(), Some(15 * MIB));
        assert!(room.check(15 * MIB).is_ok());
        let short = room.check(15 * MIB + 1).unwrap_err();
        assert_eq!(
            short,
            Shortfall {
                needed: 15 * MIB + 1,
                free: 16 * MIB,
                reserve: MIB,
                counted: false,
            }
        );
        // Counting: 10 MiB fits, 6 more do not, whatever was declared.
        room.take(10 * MIB).unwrap();
        assert_eq!(room.taken(), 10 * MIB);
        let counted = room.take(6 * MIB).unwrap_err();
        assert_eq!((counted.needed, counted.counted), (16 * MIB, true));
        assert_eq!(room.taken(), 10 * MIB, "a refused write is not counted");
        room.take(5 * MIB).unwrap();
        assert_eq!(room.allowance(), Some(0));
    }

    #[test]
    fn two_copies_on_one_filesystem_count_twice() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b/c"));
        std::fs::create_dir(&a).unwrap();
        let disk = Disk::new(Some(0));
        disk.pretend_free(Some(10 * MIB));
        // `b/c` does not exist yet: its nearest parent is on the same filesystem.
        let room = disk.room(&[&a, &b]);
        assert_eq!(room.allowance(), Some(5 * MIB));
        assert_eq!(room.check(6 * MIB).unwrap_err().needed, 12 * MIB);
        assert!(Room::unlimited().check(u64::MAX).is_ok());
        assert_eq!(Room::unlimited().allowance(), None);
    }

    #[test]
    fn the_real_disk_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::new(None);
        let room = disk.room(&[dir.path()]);
        let free = host::disk_free_bytes(dir.path()).unwrap();
        let total = host::disk_total_bytes(dir.path()).unwrap();
        let allowance = room.allowance().unwrap();
        // Others write meanwhile: only roughly equal.
        let expected = free.saturating_sub(default_reserve(total));
        assert!(
            allowance.abs_diff(expected) < 512 * MIB,
            "{allowance} vs {expected}"
        );
        disk.pretend_free(Some(MIB));
        assert_eq!(disk.room(&[dir.path()]).allowance(), Some(0));
        disk.pretend_free(None);
        assert!(disk.room(&[dir.path()]).allowance().unwrap() > 0 || expected == 0);
    }

    #[test]
    fn the_message_says_what_is_needed_and_free() {
        let s = Shortfall {
            needed: 64 * MIB,
            free: 16 * MIB,
            reserve: MIB,
            counted: false,
        };
        let text = s.to_string().replace('\u{a0}', " ");
        assert_eq!(
            text,
            "Not enough disk space: this needs at least 64.0 MB but only 15.0 MB can be used (16.0 MB free, 1.0 MB kept in reserve). Free up space, for example by deleting unused assets, and try again."
        );
        let counted = Shortfall { counted: true, ..s };
        assert_eq!(
            counted.to_string().replace('\u{a0}', " "),
            "Not enough disk space: this needs more than the 15.0 MB that can be used (16.0 MB free, 1.0 MB kept in reserve). Free up space, for example by deleting unused assets, and try again."
        );
    }
}
