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
    /// An image dataset's files are not in any of the folders where they were looked for.
    #[error(
        "{dataset}: cannot find {} in {}; download them with `lsgan download {dataset} --dir {}` \
         (or point --data-dir at the folder that holds them)",
        .files.join(", "),
        list_paths(.searched),
        .download_dir.display()
    )]
    MissingData {
        /// The dataset's name (`mnist`, `fashion-mnist`, `cifar10`).
        dataset: String,
        /// The file names that were looked for.
        files: Vec<String>,
        /// The folders that were searched, in order.
        searched: Vec<PathBuf>,
        /// The folder `lsgan download` should write to so that the next load finds them.
        download_dir: PathBuf,
    },
    /// Downloading a dataset failed: the server, the network, or a checksum that did not
    /// match. Nothing half-written is left behind.
    #[error("{0}")]
    Download(String),
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// Training produced NaN or infinity.
    #[error("{0}")]
    Diverged(String),
    /// Runs trained as their own processes failed (each said why on standard error).
    #[error("{0}")]
    Failed(String),
    /// Stopped by a signal after writing a checkpoint; `exit_code` is what shells report
    /// for it (130 for SIGINT, i.e. Ctrl-C; 143 for SIGTERM).
    #[error("{message}")]
    Interrupted { message: String, exit_code: i32 },
    /// An error and what the user can do about it (such as the command that continues the
    /// run from its last good checkpoint).
    #[error("{source}; {advice}")]
    Advised {
        #[source]
        source: Box<Error>,
        advice: String,
    },
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

    /// `self` followed by `advice`.
    pub fn advise(self, advice: impl Into<String>) -> Self {
        Error::Advised {
            source: Box::new(self),
            advice: advice.into(),
        }
    }

    /// The process exit code the CLI uses for this error: 2 for bad input (missing dataset
    /// files included), 130 or 143 after SIGINT or SIGTERM, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadInput(_) | Error::MissingData { .. } => 2,
            Error::Interrupted { exit_code, .. } => *exit_code,
            Error::Advised { source, .. } => source.exit_code(),
            _ => 1,
        }
    }
}

/// `a, b or c` for the folders of an error message.
fn list_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match names.as_slice() {
        [] => "no folder".into(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
