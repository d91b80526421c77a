//! The run folder and its files:
//!
//! | file | what |
//! |------|------|
//! | `config.toml` | the resolved configuration; `lsgan train --config` runs it again |
//! | `metrics.jsonl` | one [`LogRecord`](crate::train::LogRecord) per logged iteration |
//! | `final_metrics.json` | the last evaluation, timing and the run's identity |
//! | `generator.safetensors`, `critic.safetensors` | final weights (`lsgan sample` reads them) |
//! | `generator_ema.safetensors` | final averaged generator weights, when `ema_decay` > 0 |
//! | `checkpoint.safetensors` | everything `lsgan resume` needs (see `train::checkpoint`) |
//! | `checkpoint.previous.safetensors` | the checkpoint before it (`resume --previous-checkpoint`) |
//! | `lsgan.lock` | locked while a process trains into the folder; holds its process id |
//! | `critic_landscape.png` (2-D data), `loss_curves.png` | pictures |
//! | `samples.png`, `samples/iter_NNNNNN.png` (images) | sample grids on fixed noise |
//!
//! Whole files are written atomically ([`replace_atomically`]), so a crash never leaves
//! a half-written one; an existing run is only replaced when asked (`--force`). A process
//! that trains into the folder holds the lock on `lsgan.lock` (an advisory file lock, let go
//! when the process ends, however it ends), so two cannot write one run at the same time.

use std::fs::{self, File, TryLockError};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::train::LogRecord;

pub const CONFIG_FILE: &str = "config.toml";
pub const METRICS_LOG_FILE: &str = "metrics.jsonl";
pub const FINAL_METRICS_FILE: &str = "final_metrics.json";
pub const GENERATOR_FILE: &str = "generator.safetensors";
pub const CRITIC_FILE: &str = "critic.safetensors";
pub const LANDSCAPE_FILE: &str = "critic_landscape.png";
pub const LOSS_CURVES_FILE: &str = "loss_curves.png";
pub const EMA_GENERATOR_FILE: &str = "generator_ema.safetensors";
pub const SAMPLES_FILE: &str = "samples.png";
pub const SAMPLES_FOLDER: &str = "samples";
pub const DIAGNOSTICS_FILE: &str = "diagnostics.png";
pub const ALLOCATION_PLOT_FILE: &str = "allocation.png";
pub const ALLOCATION_DATA_FILE: &str = "allocation.csv";
/// The file whose lock marks the folder as being trained into (it holds the process id).
pub const LOCK_FILE: &str = "lsgan.lock";
/// Files of an earlier run that `--force` removes, so they cannot be mistaken for this run's.
const STALE_ON_FORCE: [&str; 5] = [
    crate::train::checkpoint::CHECKPOINT_FILE,
    crate::train::checkpoint::PREVIOUS_CHECKPOINT_FILE,
    crate::train::checkpoint::SET_ASIDE_CHECKPOINT_FILE,
    EMA_GENERATOR_FILE,
    FINAL_METRICS_FILE,
];

/// A run folder.
#[derive(Clone, Debug)]
pub struct RunDir {
    pub path: PathBuf,
    /// The folder's lock, held while this process trains into it.
    lock: Option<Arc<File>>,
}

impl RunDir {
    /// Creates `path` for a new run and takes its lock. A folder that already holds a run
    /// (its `config.toml`) is refused unless `force`; one another process trains into is
    /// refused always.
    pub fn create(path: &Path, force: bool) -> Result<Self> {
        if path.join(CONFIG_FILE).exists() && !force {
            return Err(Error::bad_input(format!(
                "{} already holds a run; pass --force to replace it, or choose another --out",
                path.display()
            )));
        }
        fs::create_dir_all(path).map_err(|e| Error::io("creating run folder", path, e))?;
        let lock = Some(lock(path)?);
        for file in STALE_ON_FORCE {
            let stale = path.join(file);
            if stale.exists() {
                fs::remove_file(&stale).map_err(|e| Error::io("removing", &stale, e))?;
            }
        }
        Ok(RunDir {
            path: path.to_path_buf(),
            lock,
        })
    }

    /// An existing run folder to continue (for `resume`), locked: it must hold a
    /// configuration; its checkpoint, if any, is the resume's business.
    pub fn open_to_resume(path: &Path) -> Result<Self> {
        let mut run = RunDir::existing(
            path,
            &[CONFIG_FILE],
            "cannot be resumed",
            " (is it an lsgan run folder?)",
        )?;
        run.lock = Some(lock(path)?);
        Ok(run)
    }

    /// An existing run folder (for `sample`): it must hold a configuration and a generator.
    pub fn open(path: &Path) -> Result<Self> {
        RunDir::existing(
            path,
            &[CONFIG_FILE, GENERATOR_FILE],
            "is not a finished lsgan run folder",
            "",
        )
    }

    /// A finished run folder whose records and pictures are read (for `report` and
    /// `compare`): it must hold a configuration and the final metrics; weights are not
    /// needed, so runs copied without them can still be reported.
    pub fn open_finished(path: &Path) -> Result<Self> {
        RunDir::existing(
            path,
            &[CONFIG_FILE, FINAL_METRICS_FILE],
            "is not a finished lsgan run folder",
            "",
        )
    }

    /// `path` when every one of `files` is in it; else bad input naming the first missing.
    fn existing(path: &Path, files: &[&str], problem: &str, hint: &str) -> Result<Self> {
        if let Some(missing) = files.iter().find(|file| !path.join(file).is_file()) {
            return Err(Error::bad_input(format!(
                "{} {problem}: {missing} is missing{hint}",
                path.display()
            )));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
            lock: None,
        })
    }

    /// The path of `file` inside the run folder.
    pub fn file(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }

    pub fn write_config(&self, config: &TrainConfig) -> Result<()> {
        write_atomically(&self.file(CONFIG_FILE), config.to_toml().as_bytes())
    }

    pub fn read_config(&self) -> Result<TrainConfig> {
        TrainConfig::from_file(&self.file(CONFIG_FILE))
    }

    /// Writes `value` as pretty JSON into `file`.
    pub fn write_json(&self, file: &str, value: &impl Serialize) -> Result<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::bad_input(format!("serialising {file}: {e}")))?;
        write_atomically(&self.file(file), text.as_bytes())
    }

    /// Saves a var store under `file` (safetensors), atomically.
    pub fn save_weights(&self, store: &tch::nn::VarStore, file: &str) -> Result<()> {
        replace_atomically(
            &self.file(file),
            |temporary| store.save(temporary).map_err(std::io::Error::other),
            || Ok(()),
        )
    }

    /// A fresh `metrics.jsonl`, appended to line by line.
    pub fn metrics_log(&self) -> Result<JsonLines> {
        JsonLines::create(&self.file(METRICS_LOG_FILE))
    }

    /// The records of `metrics.jsonl` (none when the file is absent). A line that does not
    /// parse is an error naming the file and line, except a torn last line (a crash while
    /// appending), which is dropped.
    pub fn read_metrics_log(&self) -> Result<Vec<LogRecord>> {
        let path = self.file(METRICS_LOG_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("reading", &path, e)),
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut records = Vec::with_capacity(lines.len());
        for (index, line) in lines.iter().enumerate() {
            match serde_json::from_str(line) {
                Ok(record) => records.push(record),
                Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => break,
                Err(e) => {
                    return Err(Error::bad_input(format!(
                        "{}:{}: not a metrics record: {e}",
                        path.display(),
                        index + 1
                    )))
                }
            }
        }
        Ok(records)
    }

    /// Replaces `metrics.jsonl` by `records` (atomically) and opens it for appending.
    pub fn rewrite_metrics_log(&self, records: &[LogRecord]) -> Result<JsonLines> {
        let path = self.file(METRICS_LOG_FILE);
        let mut text = String::new();
        for record in records {
            let line = serde_json::to_string(record)
                .map_err(|e| Error::bad_input(format!("serialising a log line: {e}")))?;
            text += &line;
            text.push('\n');
        }
        write_atomically(&path, text.as_bytes())?;
        JsonLines::append_to(&path)
    }
}

/// Takes the lock of the run folder `path` for this process, or says which process holds it.
fn lock(path: &Path) -> Result<Arc<File>> {
    let lock_path = path.join(LOCK_FILE);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| Error::io("opening", &lock_path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&lock_path)
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok())
                .map_or_else(String::new, |pid| format!(" (process {pid})"));
            return Err(Error::bad_input(format!(
                "{} is being trained into by another lsgan process{holder}; wait for it to \
                 finish or stop it, or choose another --out",
                path.display()
            )));
        }
        Err(TryLockError::Error(e)) => return Err(Error::io("locking", &lock_path, e)),
    }
    file.set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(|e| Error::io("writing", &lock_path, e))?;
    Ok(Arc::new(file))
}

/// A JSON-lines file: one serialised value per line, flushed after each.
pub struct JsonLines {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl JsonLines {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io("creating", path, e))?;
        Ok(JsonLines {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }

    /// Opens an existing file to append to it.
    pub fn append_to(path: &Path) -> Result<Self> {
        let file = fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io("opening", path, e))?;
        Ok(JsonLines {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }

    pub fn append(&mut self, value: &impl Serialize) -> Result<()> {
        let line = serde_json::to_string(value)
            .map_err(|e| Error::bad_input(format!("serialising a log line: {e}")))?;
        writeln!(self.writer, "{line}")
            .and_then(|()| self.writer.flush())
            .map_err(|e| Error::io("writing", &self.path, e))
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_atomically(path, |temporary| fs::write(temporary, bytes), || Ok(()))
}

/// Replaces `path` atomically: `write` fills `partial-<name>` beside it, which is synced;
/// `before_rename` runs (the checkpoint keeps the file being replaced); then the rename,
/// and a sync of the folder so that the rename survives a power cut. On failure the
/// temporary file is removed and `path` is untouched; the error names `path`.
pub fn replace_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!("partial-{file_name}"));
    let replace = || -> std::io::Result<()> {
        write(&temporary)?;
        File::open(&temporary)?.sync_all()?;
        before_rename()?;
        fs::rename(&temporary, path)?;
        sync_folder_of(path)
    };
    replace().map_err(|e| {
        let _ = fs::remove_file(&temporary);
        Error::io("writing", path, e)
    })
}

/// Syncs the folder holding `path`, so that a rename in it survives a power cut.
fn sync_folder_of(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => File::open(folder)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_run_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), false).unwrap();
        run.write_config(&TrainConfig::default()).unwrap();
        let refused = RunDir::create(dir.path(), false).unwrap_err();
        assert!(matches!(refused, Error::BadInput(_)));
        assert!(refused.to_string().contains("--force"));
        let busy = RunDir::create(dir.path(), true).unwrap_err().to_string();
        assert!(busy.contains("another lsgan process"), "{busy}");
        assert!(busy.contains(&format!("(process {})", std::process::id())));
        drop(run);
        let run = RunDir::create(dir.path(), true).unwrap();
        assert_eq!(run.read_config().unwrap(), TrainConfig::default());
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomically(&path, b"{}").unwrap();
        write_atomically(&path, b"[1]").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "[1]");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn opening_a_folder_without_a_generator_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let message = RunDir::open(dir.path()).unwrap_err().to_string();
        assert!(message.contains(CONFIG_FILE), "{message}");
    }
}
