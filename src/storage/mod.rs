//! Storage, the bottom layer: the run folder and its files. Which files a run folder holds
//! (`files`), how a whole file is replaced so that a crash never leaves half of one
//! (`atomic`), the claim of a process on a folder, safe on shared storage (`claim`), the folder
//! itself with its readers and writers (`run_dir`), the
//! append-only JSON-lines log (`json_lines`), checksums (`checksum`), and TensorBoard's event
//! files (`event_file`, with their protocol-buffer messages in `event_proto`).
//!
//! Nothing here knows what a configuration, a log record or a network is: the layers above
//! hand it text, serialisable values and weights, and name the files by the constants of
//! `files`. Checkpoint, training loop, report and commands all use this one module.

pub mod atomic;
pub mod checksum;
pub mod claim;
pub mod event_file;
pub mod event_proto;
pub mod files;
pub mod json_lines;
pub mod run_dir;

pub use atomic::{replace_atomically, write_atomically};
pub use json_lines::JsonLines;
pub use run_dir::RunDir;
