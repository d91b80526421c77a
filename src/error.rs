//! The one error type of the library, split by whose fault it is: bad input from the user
//! (exit code 2 in the CLI) or a failure while doing the work (exit code 1).

use std::path::{Path, PathBuf};

/// Everything that can go wrong in lsgan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user gave something lsgan cannot use: a bad option, a missing or malformed file.
    /// The message names the file or option and says what was expected.
    #[error("{0}")]
    BadInput(String),
    /// Reading or writing a file failed for a reason that is not the user's input.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// Training produced NaN or infinity.
    #[error("{0}")]
    Diverged(String),
    /// Stopped by Ctrl-C after writing a checkpoint (exit code 130, as shells report SIGINT).
    #[error("{0}")]
    Interrupted(String),
}

impl Error {
    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadInput(message.into())
    }

    /// An I/O error on `path`, with the action that failed ("reading", "writing", ...).
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The process exit code the CLI uses for this error: 2 for bad input, 130 after Ctrl-C,
    /// 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadInput(_) => 2,
            Error::Interrupted(_) => 130,
            _ => 1,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
