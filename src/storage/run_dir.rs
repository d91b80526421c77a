//! The run folder: created for a new run (refusing to replace one unless asked), opened to
//! resume, sample or report (naming the file that is missing), locked while a process trains
//! into it, and read and written by whole files (`atomic`) or by lines (`json_lines`).
//!
//! A process that trains into the folder holds its claim (`claim`: the file `lsgan.claim`,
//! created exclusively, safe on storage several machines share), so two cannot write one run
//! at the same time, on one machine or on several.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::storage::atomic::{replace_atomically, write_atomically};
use crate::storage::claim::{Claim, ClaimRules};
use crate::storage::event_file::event_files;
use crate::storage::files::{
    CHECKPOINT_FILE, CONFIG_FILE, EMA_CRITIC_FILE, EMA_GENERATOR_FILE, FINAL_METRICS_FILE,
    GENERATOR_FILE, METRICS_LOG_FILE, PREVIOUS_CHECKPOINT_FILE, SET_ASIDE_CHECKPOINT_FILE,
};
use crate::storage::json_lines::{json_lines_text, read_json_lines, JsonLines};

/// Files of an earlier run that `--force` removes, so they cannot be mistaken for this run's.
const STALE_ON_FORCE: [&str; 6] = [
    CHECKPOINT_FILE,
    PREVIOUS_CHECKPOINT_FILE,
    SET_ASIDE_CHECKPOINT_FILE,
    EMA_GENERATOR_FILE,
    EMA_CRITIC_FILE,
    FINAL_METRICS_FILE,
];

/// A run folder.
#[derive(Clone, Debug)]
pub struct RunDir {
    pub path: PathBuf,
    /// The folder's claim, held while this process trains into it.
    claim: Option<Arc<Claim>>,
}

impl RunDir {
    /// Creates `path` for a new run and claims it. A folder that already holds a run
    /// (its `config.toml`) is refused unless `force` or unless that run stopped before it
    /// had anything to keep ([`RunDir::never_got_going`]): then the new run takes it over.
    /// One another process trains into is refused always.
    pub fn create(path: &Path, force: bool) -> Result<Self> {
        if path.exists() && !path.is_dir() {
            return Err(Error::bad_input(format!(
                "option --out: {} is a file; expected a folder for the run (a new name, or an \
                 existing run folder)",
                path.display()
            )));
        }
        if path.join(CONFIG_FILE).exists() && !force && !RunDir::never_got_going(path) {
            return Err(Error::bad_input(format!(
                "{} already holds a run; pass --force to replace it, or choose another --out",
                path.display()
            )));
        }
        fs::create_dir_all(path).map_err(|e| Error::io("creating run folder", path, e))?;
        let claim = Some(Arc::new(Claim::take(path, ClaimRules::default())?));
        for file in STALE_ON_FORCE {
            let stale = path.join(file);
            if stale.exists() {
                fs::remove_file(&stale).map_err(|e| Error::io("removing", &stale, e))?;
            }
        }
        // An earlier run's curves would run on into this one's in TensorBoard.
        for stale in event_files(path)? {
            if stale.is_file() {
                fs::remove_file(&stale).map_err(|e| Error::io("removing", &stale, e))?;
            }
        }
        Ok(RunDir {
            path: path.to_path_buf(),
            claim,
        })
    }

    /// Whether the run in `path` stopped before its first checkpoint, with no weights and
    /// no results: a start that failed (no GPU for `--device cuda`, a loss that diverged at
    /// once) or a kill in its first moments. Nothing in it can be resumed or reported, so
    /// a new run may take the folder over without `--force`.
    pub fn never_got_going(path: &Path) -> bool {
        path.join(CONFIG_FILE).is_file()
            && !STALE_ON_FORCE
                .iter()
                .chain(&[GENERATOR_FILE])
                .any(|file| path.join(file).exists())
    }

    /// An existing run folder to continue (for `resume`), claimed: it must hold a
    /// configuration; its checkpoint, if any, is the resume's business.
    pub fn open_to_resume(path: &Path) -> Result<Self> {
        let mut run = RunDir::existing(
            path,
            &[CONFIG_FILE],
            "cannot be resumed",
            " (is it an lsgan run folder?)",
        )?;
        run.claim = Some(Arc::new(Claim::take(path, ClaimRules::default())?));
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
        if !path.is_dir() {
            let what = if path.exists() {
                "is a file, not a run folder"
            } else {
                "does not exist"
            };
            return Err(Error::bad_input(format!(
                "{} {what} (expected an lsgan run folder)",
                path.display()
            )));
        }
        if let Some(missing) = files.iter().find(|file| !path.join(file).is_file()) {
            return Err(Error::bad_input(format!(
                "{} {problem}: {missing} is missing{hint}",
                path.display()
            )));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
            claim: None,
        })
    }

    /// The path of `file` inside the run folder.
    pub fn file(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }

    /// Replaces `file` by `text`, atomically.
    pub fn write_text(&self, file: &str, text: &str) -> Result<()> {
        write_atomically(&self.file(file), text.as_bytes())
    }

    /// Writes `value` as pretty JSON into `file`.
    pub fn write_json(&self, file: &str, value: &impl Serialize) -> Result<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::bad_input(format!("serialising {file}: {e}")))?;
        self.write_text(file, &text)
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

    /// The records of `metrics.jsonl` (none when the file is absent); see
    /// [`read_json_lines`].
    pub fn read_metrics_log<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        read_json_lines(&self.file(METRICS_LOG_FILE), "a metrics record")
    }

    /// Replaces `metrics.jsonl` by `records` (atomically) and opens it for appending.
    pub fn rewrite_metrics_log<T: Serialize>(&self, records: &[T]) -> Result<JsonLines> {
        let path = self.file(METRICS_LOG_FILE);
        write_atomically(&path, json_lines_text(records)?.as_bytes())?;
        JsonLines::append_to(&path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_run_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), false).unwrap();
        run.write_text(CONFIG_FILE, "seed = 1\n").unwrap();
        run.write_text(GENERATOR_FILE, "weights").unwrap();
        let refused = RunDir::create(dir.path(), false).unwrap_err();
        assert!(matches!(refused, Error::BadInput(_)));
        assert!(refused.to_string().contains("--force"));
        let busy = RunDir::create(dir.path(), true).unwrap_err().to_string();
        assert!(busy.contains("another lsgan process"), "{busy}");
        assert!(busy.contains(&format!("(process {} on host", std::process::id())));
        drop(run);
        let run = RunDir::create(dir.path(), true).unwrap();
        assert_eq!(
            fs::read_to_string(run.file(CONFIG_FILE)).unwrap(),
            "seed = 1\n"
        );
    }

    #[test]
    fn a_file_or_a_missing_folder_is_named_for_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        fs::write(&file, "mine").unwrap();
        let refused = RunDir::create(&file, true).unwrap_err();
        assert!(matches!(refused, Error::BadInput(_)), "{refused}");
        assert!(refused.to_string().contains("is a file"), "{refused}");
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
        let opened = RunDir::open_to_resume(&file).unwrap_err().to_string();
        assert!(opened.contains("is a file, not a run folder"), "{opened}");
        let absent = RunDir::open(&dir.path().join("absent"))
            .unwrap_err()
            .to_string();
        assert!(absent.contains("does not exist"), "{absent}");
    }

    #[test]
    fn a_run_that_never_got_going_is_taken_over_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), false).unwrap();
        run.write_text(CONFIG_FILE, "seed = 1\n").unwrap();
        run.write_text(METRICS_LOG_FILE, "").unwrap();
        drop(run);
        assert!(RunDir::never_got_going(dir.path()));
        RunDir::create(dir.path(), false).unwrap();
        for kept in [CHECKPOINT_FILE, GENERATOR_FILE, FINAL_METRICS_FILE] {
            fs::write(dir.path().join(kept), "x").unwrap();
            assert!(!RunDir::never_got_going(dir.path()), "{kept}");
            let refused = RunDir::create(dir.path(), false).unwrap_err().to_string();
            assert!(refused.contains("--force"), "{kept}: {refused}");
            fs::remove_file(dir.path().join(kept)).unwrap();
        }
        assert!(!RunDir::never_got_going(&dir.path().join("absent")));
    }

    #[test]
    fn opening_a_folder_without_a_generator_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let message = RunDir::open(dir.path()).unwrap_err().to_string();
        assert!(message.contains(CONFIG_FILE), "{message}");
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_a_bad_middle_line_named() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), false).unwrap();
        let path = run.file(METRICS_LOG_FILE);
        fs::write(&path, "1\n2\n{\"torn").unwrap();
        assert_eq!(run.read_metrics_log::<u32>().unwrap(), [1, 2]);
        fs::write(&path, "1\nx\n3\n").unwrap();
        let message = run.read_metrics_log::<u32>().unwrap_err().to_string();
        assert!(message.contains("metrics.jsonl:2"), "{message}");
    }
}
