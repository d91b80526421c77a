//! The claim on a run folder: which process trains into it, safe where several machines share
//! the folder over NFS-like storage that may not honour `flock` between machines.
//!
//! A claim is the file `lsgan.claim`, created exclusively (`O_CREAT | O_EXCL`, atomic on
//! local filesystems and on NFSv3 and later), holding the claimant's host, process id and a
//! random token. Its holder refreshes the file's modification time every
//! [`ClaimRules::heartbeat`] and removes it when done. A claim is **stale**, and may be taken
//! over, when
//! - its holder is on this host and its process no longer exists (killed, crashed), or
//! - its file has not been refreshed for [`ClaimRules::stale_after`] (a machine that died or
//!   hung, or a process on another host that cannot be asked).
//!
//! Taking a stale claim over is itself exclusive: the claimant first creates
//! `lsgan.claim.breaking` exclusively (one claimant at a time breaks a claim), reads the claim
//! again, removes it only if it is still the stale one it judged (same token), removes the
//! breaker, and then creates its own claim exclusively like anyone else. A breaker left by a
//! claimant that died while breaking is removed once it is `stale_after` old. A holder
//! whose claim was taken over (it hung for longer than `stale_after`) finds another token at
//! its next heartbeat and stops the process before writing anything more.
//!
//! Clocks: the age of another host's claim is the file's modification time, set by the file
//! server, against this machine's clock; `stale_after` (10 minutes by default) must exceed
//! the clocks' disagreement, which NTP keeps to well under a second.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::storage::files::CLAIM_FILE;

/// When a claim counts as stale, and how often its holder says it is alive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClaimRules {
    /// A claim not refreshed for this long is stale, whoever holds it.
    pub stale_after: Duration,
    /// How often the holder refreshes its claim (and checks it still holds it).
    pub heartbeat: Duration,
}

impl Default for ClaimRules {
    /// Stale after 10 minutes without a heartbeat; a heartbeat every 30 seconds.
    fn default() -> Self {
        ClaimRules {
            stale_after: Duration::from_secs(600),
            heartbeat: Duration::from_secs(30),
        }
    }
}

/// Who holds a claim, as its file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    pub token: String,
}

impl Holder {
    /// This process, with a fresh token.
    fn this_process() -> Holder {
        Holder {
            host: host_name(),
            pid: std::process::id(),
            token: fresh_token(),
        }
    }

    /// The claim file's text: `host=…`, `pid=…`, `token=…`, one a line.
    fn to_text(&self) -> String {
        format!(
            "host={}\npid={}\ntoken={}\n",
            self.host, self.pid, self.token
        )
    }

    /// A claim file's text, or `None` when it is not one (empty, torn or foreign).
    fn parse(text: &str) -> Option<Holder> {
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_string)
        };
        Some(Holder {
            host: field("host")?,
            pid: field("pid")?.parse().ok()?,
            token: field("token")?,
        })
    }

    /// `process P on host H`.
    pub fn describe(&self) -> String {
        format!("process {} on host {}", self.pid, self.host)
    }
}

/// What stands in the claim file now.
#[derive(Clone, Debug)]
struct Found {
    /// `None` when the file is unreadable as a claim (being written, or damaged).
    holder: Option<Holder>,
    /// Time since the file was last refreshed.
    age: Duration,
}

impl Found {
    fn read(path: &Path) -> std::io::Result<Found> {
        let mut text = String::new();
        let mut file = File::open(path)?;
        file.read_to_string(&mut text)?;
        let modified = file.metadata()?.modified()?;
        Ok(Found {
            holder: Holder::parse(&text),
            age: SystemTime::now()
                .duration_since(modified)
                .unwrap_or(Duration::ZERO),
        })
    }

    /// Whether this claim may be taken over under `rules`.
    fn is_stale(&self, rules: &ClaimRules) -> bool {
        if self.age >= rules.stale_after {
            return true;
        }
        match &self.holder {
            Some(holder) => holder.host == host_name() && !process_exists(holder.pid),
            // A claim being written is seconds old; an unreadable one goes stale by age.
            None => false,
        }
    }
}

/// A claim this process holds on a run folder; let go (the file removed) when dropped.
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    holder: Holder,
    stop: Arc<AtomicBool>,
    heartbeat: Option<JoinHandle<()>>,
}

impl Claim {
    /// Claims the run folder `dir` for this process, taking over a stale claim; refused,
    /// naming the holder, when another process holds a live one.
    pub fn take(dir: &Path, rules: ClaimRules) -> Result<Claim> {
        let path = dir.join(CLAIM_FILE);
        let holder = Holder::this_process();
        // Each pass either claims, or moves a stale claim away (which only one claimant
        // can do), so a few passes settle any race.
        for _ in 0..4 {
            match create_exclusively(&path, &holder) {
                Ok(()) => return Ok(Claim::held(path, holder, rules)),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io("claiming", &path, e)),
            }
            let found = match Found::read(&path) {
                Ok(found) => found,
                // Let go between our attempt and our look: try again.
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("reading", &path, e)),
            };
            if !found.is_stale(&rules) {
                return Err(claimed_by(dir, found.holder.as_ref()));
            }
            let broken = break_stale(&path, &found, &rules)
                .map_err(|e| Error::io("taking over", &path, e))?;
            if !broken {
                return Err(claimed_by(dir, None));
            }
        }
        Err(claimed_by(dir, None))
    }

    fn held(path: PathBuf, holder: Holder, rules: ClaimRules) -> Claim {
        let stop = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (path, token, stop) = (path.clone(), holder.token.clone(), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("lsgan-claim".into())
                .spawn(move || keep_alive(&path, &token, &stop, rules.heartbeat))
                .ok()
        };
        Claim {
            path,
            holder,
            stop,
            heartbeat,
        }
    }

    /// This claim's holder (this process).
    pub fn holder(&self) -> &Holder {
        &self.holder
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.heartbeat.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
        // Only our own claim is removed: one taken over belongs to its new holder.
        if holds(&self.path, &self.holder.token) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The refusal when `dir` is claimed by a live process.
fn claimed_by(dir: &Path, holder: Option<&Holder>) -> Error {
    let who = holder.map_or_else(String::new, |h| format!(" ({})", h.describe()));
    Error::bad_input(format!(
        "{} is being trained into by another lsgan process{who}; wait for it to finish or stop \
         it, or choose another --out",
        dir.display()
    ))
}

/// Creates the claim file with `holder` in it, failing with `AlreadyExists` when there is one.
fn create_exclusively(path: &Path, holder: &Holder) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(holder.to_text().as_bytes())?;
    file.sync_all()
}

/// Removes the stale claim `found` while holding the breaker, if it is still the one judged
/// stale; `false` when another claimant is breaking it now.
fn break_stale(path: &Path, found: &Found, rules: &ClaimRules) -> std::io::Result<bool> {
    let breaker = path.with_file_name(format!("{CLAIM_FILE}.breaking"));
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&breaker)
    {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            // A breaker whose claimant died while breaking is cleared once stale.
            if Found::read(&breaker).is_ok_and(|b| b.age >= rules.stale_after) {
                let _ = fs::remove_file(&breaker);
            }
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    let removed = match Found::read(path) {
        Ok(now) if now.holder == found.holder && now.is_stale(rules) => fs::remove_file(path),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    fs::remove_file(&breaker)?;
    removed.map(|()| true)
}

/// Whether the claim file at `path` holds `token`.
fn holds(path: &Path, token: &str) -> bool {
    Found::read(path)
        .ok()
        .and_then(|found| found.holder)
        .is_some_and(|holder| holder.token == token)
}

/// The heartbeat: refreshes the claim's modification time every `every` until `stop`; a
/// claim found taken over stops the process before it writes into a folder no longer its.
fn keep_alive(path: &Path, token: &str, stop: &AtomicBool, every: Duration) {
    loop {
        std::thread::park_timeout(every);
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if !holds(path, token) {
            eprintln!(
                "error: {} no longer names this process (it was judged stale and taken over \
                 by another); stopping without writing more into the run folder",
                path.display()
            );
            std::process::exit(1);
        }
        let refreshed = OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|file| file.set_modified(SystemTime::now()));
        if let Err(e) = refreshed {
            eprintln!("warning: could not refresh {}: {e}", path.display());
        }
    }
}

/// A token no other claim holds: the time in nanoseconds, this process and a counter.
fn fresh_token() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{nanos:x}-{:x}-{count:x}", std::process::id())
}

/// This machine's host name (`localhost` if it cannot be read).
pub fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length, which is passed.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    match std::str::from_utf8(&buffer[..end]) {
        Ok(name) if status == 0 && !name.is_empty() => name.to_string(),
        _ => "localhost".into(),
    }
}

/// Whether a process with this id exists on this machine.
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 checks for existence and permission only; nothing is sent.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn quick() -> ClaimRules {
        ClaimRules {
            stale_after: Duration::from_secs(600),
            heartbeat: Duration::from_millis(20),
        }
    }

    /// A claim file as another holder would leave it, `age` old.
    fn plant(dir: &Path, holder: &Holder, age: Duration) {
        let path = dir.join(CLAIM_FILE);
        fs::write(&path, holder.to_text()).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn other_host(pid: u32) -> Holder {
        Holder {
            host: "another-node.cluster".into(),
            pid,
            token: "feedfacefeedface".into(),
        }
    }

    /// The id of a process that has ended.
    fn ended_process() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    /// `claimants` threads claiming `dir` at the same moment; what each got.
    fn race(dir: &Path, claimants: usize) -> Vec<Option<Claim>> {
        let barrier = Arc::new(std::sync::Barrier::new(claimants));
        let threads: Vec<_> = (0..claimants)
            .map(|_| {
                let (dir, barrier) = (dir.to_path_buf(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    Claim::take(&dir, quick()).ok()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    }

    #[test]
    fn a_claim_is_exclusive_and_let_go_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let claim = Claim::take(dir.path(), quick()).unwrap();
        let text = fs::read_to_string(dir.path().join(CLAIM_FILE)).unwrap();
        assert_eq!(Holder::parse(&text).as_ref(), Some(claim.holder()));
        let refused = Claim::take(dir.path(), quick()).unwrap_err().to_string();
        assert!(
            refused.contains(&format!("process {}", std::process::id())),
            "{refused}"
        );
        drop(claim);
        assert!(!dir.path().join(CLAIM_FILE).exists());
        Claim::take(dir.path(), quick()).unwrap();
    }

    #[test]
    fn of_many_simultaneous_claimants_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let claims = race(dir.path(), 8);
        assert_eq!(claims.iter().flatten().count(), 1);
    }

    #[test]
    fn of_many_claimants_of_one_stale_claim_exactly_one_takes_it_over() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            plant(dir.path(), &other_host(1), Duration::from_secs(3600));
            let claims = race(dir.path(), 6);
            let winners: Vec<&Claim> = claims.iter().flatten().collect();
            assert_eq!(winners.len(), 1);
            assert!(holds(
                &dir.path().join(CLAIM_FILE),
                &winners[0].holder.token
            ));
            let leftovers = fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(leftovers, 1, "only the claim file is left");
        }
    }

    #[test]
    fn a_dead_process_on_this_host_leaves_a_claim_taken_over_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Holder {
            host: host_name(),
            pid: ended_process(),
            token: "0123456789abcdef".into(),
        };
        plant(dir.path(), &dead, Duration::ZERO);
        let claim = Claim::take(dir.path(), quick()).unwrap();
        assert_eq!(claim.holder().pid, std::process::id());
    }

    #[test]
    fn another_hosts_claim_is_refused_while_fresh_and_taken_over_once_stale() {
        let dir = tempfile::tempdir().unwrap();
        let remote = other_host(std::process::id());
        plant(dir.path(), &remote, Duration::from_secs(599));
        let refused = Claim::take(dir.path(), quick()).unwrap_err().to_string();
        assert!(
            refused.contains("on host another-node.cluster"),
            "{refused}"
        );
        assert!(refused.contains("another lsgan process"), "{refused}");
        plant(dir.path(), &remote, Duration::from_secs(601));
        let claim = Claim::take(dir.path(), quick()).unwrap();
        assert_eq!(claim.holder().host, host_name());
    }

    #[test]
    fn the_heartbeat_keeps_a_claim_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLAIM_FILE);
        let _claim = Claim::take(dir.path(), quick()).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        // The next heartbeat (every 20 ms) refreshes it; the deadline only bounds a hang.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let age = Found::read(&path).unwrap().age;
            if age < Duration::from_secs(5) {
                break;
            }
            assert!(Instant::now() < deadline, "not refreshed in 60 s: {age:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn an_unreadable_claim_is_respected_until_it_goes_stale() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(CLAIM_FILE), "").unwrap();
        assert!(Claim::take(dir.path(), quick()).is_err());
        let file = OpenOptions::new()
            .write(true)
            .open(dir.path().join(CLAIM_FILE))
            .unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(601))
            .unwrap();
        assert!(Claim::take(dir.path(), quick()).is_ok());
    }
}
