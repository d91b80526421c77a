//! SIGINT (Ctrl-C) and SIGTERM: the first asks the training loop to finish its step, write a
//! checkpoint and stop (exit code 130 or 143, as shells report the signals); a second one
//! stops the process at once, as it would without lsgan's handler.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

/// A stop signal that was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopSignal(i32);

impl StopSignal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        if self.0 == SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        }
    }

    /// The exit code shells report for a process the signal ended: 128 + its number.
    pub fn exit_code(self) -> i32 {
        128 + self.0
    }
}

struct Flags {
    /// A stop was asked for; a second signal then exits at once.
    requested: Arc<AtomicBool>,
    /// The number of the last signal received (0 when none).
    signal: Arc<AtomicUsize>,
}

/// The flags, with the handlers installed on first use.
fn flags() -> &'static Flags {
    static FLAGS: OnceLock<Flags> = OnceLock::new();
    FLAGS.get_or_init(|| {
        let flags = Flags {
            requested: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        for signal in [SIGINT, SIGTERM] {
            // Handlers run in the order registered: the shutdown sees the flag as the
            // previous signal left it, so only a second signal exits at once. Without the
            // handlers (registration failed) a signal still stops the run, only without a
            // last checkpoint.
            let _ = signal_hook::flag::register_conditional_shutdown(
                signal,
                128 + signal,
                Arc::clone(&flags.requested),
            );
            let _ = signal_hook::flag::register_usize(
                signal,
                Arc::clone(&flags.signal),
                signal as usize,
            );
            let _ = signal_hook::flag::register(signal, Arc::clone(&flags.requested));
        }
        flags
    })
}

/// Installs the handlers (once per process) and forgets any signal seen before.
pub fn watch() {
    let flags = flags();
    flags.signal.store(0, Ordering::SeqCst);
    flags.requested.store(false, Ordering::SeqCst);
}

/// Sends `signal` to the process `pid` (a run that a comparison started), so that it, too,
/// writes its checkpoint and stops.
pub fn send(signal: StopSignal, pid: u32) {
    // SAFETY: kill(2) only reads its two integer arguments.
    unsafe {
        libc::kill(pid as libc::pid_t, signal.0);
    }
}

/// The stop signal received since [`watch`], if any.
pub fn received() -> Option<StopSignal> {
    match flags().signal.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(StopSignal(signal as i32)),
    }
}
