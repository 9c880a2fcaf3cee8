//! Working folders under `<data_dir>/tmp` (a restore's staging, a download by yt-dlp, a
//! conversion's files). Each is locked (`flock` on the folder) by the process using it and
//! removed when its [`Scratch`] goes, even when the request that made it is dropped half-way.
//! What a crash leaves behind is unlocked, and [`sweep`] removes it once nothing in it has
//! changed for a grace period; a folder still locked is never touched, however old.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::disk::{Room, Shortfall};

/// A locked working folder, removed on [`Scratch::remove`] or drop.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
    /// Holds the lock while the folder is in use.
    lock: Option<File>,
}

impl Scratch {
    /// Makes and locks `<tmp>/<prefix>-<random>`.
    pub async fn create(tmp: &Path, prefix: &str) -> std::io::Result<Scratch> {
        let path = tmp.join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        let p = path.clone();
        let lock = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&p)?;
            let lock = File::open(&p)?;
            lock.lock()?;
            Ok::<_, std::io::Error>(lock)
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(Scratch {
            path,
            lock: Some(lock),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the folder now. Blocking.
    pub fn size(&self) -> u64 {
        newest_and_size(&self.path).1
    }

    /// Awaits `task` (a tool writing into this folder, such as yt-dlp) while what the folder
    /// holds fits in `room`; when it no longer does, `task` is dropped (a child process made
    /// with `kill_on_drop` dies with it) and the shortfall returned. The folder is measured
    /// four times a second, so a tool may overshoot by what it writes in a quarter second:
    /// the disk's reserve absorbs that.
    pub async fn run_within<T>(
        &self,
        room: &Room,
        task: impl std::future::Future<Output = T>,
    ) -> Result<T, Shortfall> {
        let mut task = std::pin::pin!(task);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                out = &mut task => return Ok(out),
                _ = tick.tick() => {
                    let path = self.path.clone();
                    let used = tokio::task::spawn_blocking(move || newest_and_size(&path).1)
                        .await
                        .unwrap_or(0);
                    room.check(used)?;
                }
            }
        }
    }

    /// Removes the folder and what it holds.
    pub async fn remove(mut self) {
        let (path, lock) = (self.path.clone(), self.lock.take());
        let _ = tokio::task::spawn_blocking(move || remove(&path, lock)).await;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        // Dropped without `remove` (an error path, a request whose client went away): remove
        // it off the async threads when there are some.
        let path = self.path.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn_blocking(move || remove(&path, Some(lock)));
            }
            Err(_) => remove(&path, Some(lock)),
        }
    }
}

fn remove(path: &Path, lock: Option<File>) {
    if let Err(e) = std::fs::remove_dir_all(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a working folder");
    }
    drop(lock);
}

/// What a sweep removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Folders and loose files.
    pub entries: usize,
    pub bytes: u64,
}

/// Removes what is in `tmp` and unchanged for `grace`, except folders locked by a live
/// process. Blocking.
pub fn sweep(tmp: &Path, grace: Duration) -> Swept {
    let mut swept = Swept::default();
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return swept;
    };
    let now = SystemTime::now();
    let old = |t: SystemTime| now.duration_since(t).is_ok_and(|age| age >= grace);
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() {
            if meta.modified().is_ok_and(old) && std::fs::remove_file(&path).is_ok() {
                swept.entries += 1;
                swept.bytes += meta.len();
            }
            continue;
        }
        // A live process holds the lock; holding it ourselves keeps a new user out meanwhile.
        let Ok(lock) = File::open(&path) else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue;
        }
        let (newest, bytes) = newest_and_size(&path);
        if newest.is_some_and(old) && std::fs::remove_dir_all(&path).is_ok() {
            swept.entries += 1;
            swept.bytes += bytes;
        }
    }
    swept
}

/// The newest modification time in a tree (the folders' own included) and its size.
fn newest_and_size(dir: &Path) -> (Option<SystemTime>, u64) {
    let mut newest = std::fs::symlink_metadata(dir)
        .and_then(|m| m.modified())
        .ok();
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if let Ok(t) = meta.modified() {
                newest = Some(newest.map_or(t, |n| n.max(t)));
            }
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                bytes += meta.len();
            }
        }
    }
    (newest, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, by: Duration) {
        let t = SystemTime::now() - by;
        File::open(path).unwrap().set_modified(t).unwrap();
    }

    #[tokio::test]
    async fn old_unlocked_things_go_and_the_rest_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let hour = Duration::from_secs(3600);
        let two_hours = 2 * hour;

        // A crash's staging: an old folder with an old file.
        let dead = tmp.path().join("recover-dead");
        std::fs::create_dir_all(dead.join("files")).unwrap();
        std::fs::write(dead.join("files/a.png"), [0u8; 1000]).unwrap();
        for p in [dead.join("files/a.png"), dead.join("files"), dead.clone()] {
            age(&p, two_hours);
        }
        // An old folder with one fresh file in it is still in use.
        let busy = tmp.path().join("recover-busy");
        std::fs::create_dir_all(&busy).unwrap();
        std::fs::write(busy.join("new"), b"x").unwrap();
        age(&busy, two_hours);
        // A loose old file, a loose fresh one.
        let loose = tmp.path().join("asset-1.mp4");
        std::fs::write(&loose, [0u8; 10]).unwrap();
        age(&loose, two_hours);
        let fresh = tmp.path().join("asset-2.mp4");
        std::fs::write(&fresh, b"x").unwrap();
        // A folder in use, whatever its age.
        let live = Scratch::create(tmp.path(), "recover").await.unwrap();
        std::fs::write(live.path().join("upload.tar.gz"), b"x").unwrap();
        age(&live.path().join("upload.tar.gz"), two_hours);
        age(live.path(), two_hours);

        let swept = sweep(tmp.path(), hour);
        assert_eq!(
            swept,
            Swept {
                entries: 2,
                bytes: 1010
            }
        );
        assert!(!dead.exists() && !loose.exists());
        assert!(busy.exists() && fresh.exists() && live.path().exists());

        // Once its user is done, the folder goes at once.
        let live_path = live.path().to_path_buf();
        live.remove().await;
        assert!(!live_path.exists());
        assert_eq!(sweep(tmp.path(), Duration::ZERO).entries, 2);
    }

    #[tokio::test]
    async fn a_tool_that_writes_too_much_is_stopped() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Scratch::create(tmp.path(), "yt").await.unwrap();
        let disk = super::super::disk::Disk::new(Some(0));
        disk.pretend_free(Some(4 * 1024 * 1024));
        let room = disk.room(&[s.path()]);
        // 64 MiB then a long sleep: stopped long before the sleep ends, and killed.
        let script = format!(
            "head -c 67108864 /dev/zero > {}/out; sleep 30",
            s.path().display()
        );
        let started = std::time::Instant::now();
        let run = tokio::process::Command::new("sh")
            .args(["-c", &script])
            .kill_on_drop(true)
            .output();
        let short = s.run_within(&room, run).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(short.needed > 4 * 1024 * 1024, "{short:?}");
        assert_eq!(short.free, 4 * 1024 * 1024);
        // A tool that stays within the room finishes normally.
        std::fs::remove_file(s.path().join("out")).unwrap();
        let small = format!("head -c 1000 /dev/zero > {}/out", s.path().display());
        let run = tokio::process::Command::new("sh")
            .args(["-c", &small])
            .output();
        assert!(
            s.run_within(&room, run)
                .await
                .unwrap()
                .unwrap()
                .status
                .success()
        );
        assert_eq!(s.size(), 1000);
    }

    #[tokio::test]
    async fn a_dropped_scratch_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Scratch::create(tmp.path(), "yt").await.unwrap();
        let path = s.path().to_path_buf();
        std::fs::write(path.join("x"), b"x").unwrap();
        drop(s);
        for _ in 0..100 {
            if !path.exists() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{} is still there", path.display());
    }
}
