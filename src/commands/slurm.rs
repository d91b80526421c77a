//! `lsgan compare --slurm`: a comparison or sweep as a Slurm job array. Each submission
//! writes two scripts into `DIR/slurm/`: `array-K.sh`, whose task k trains the k-th run not
//! yet finished (an ordinary `lsgan train`, or `lsgan resume` where the run has a
//! checkpoint), and `collect-K.sh`, the same `lsgan compare` command with `--collect`, which
//! writes the summary and report once every array task has ended. With `--submit` both are
//! handed to `sbatch`, the second depending on the first (`afterany`), and the job ids are
//! appended to `DIR/slurm/submissions.jsonl`.
//!
//! Running the same command again after a failure writes submission K + 1 with only the runs
//! still unfinished; each run resumes from its checkpoint. A run counts as finished only by
//! its `final_metrics.json`, written last and atomically; two tasks never train one folder
//! at once, even on different machines (`storage::claim`).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::storage::files::{CHECKPOINT_FILE, CONFIG_FILE, FINAL_METRICS_FILE};
use crate::storage::{write_atomically, JsonLines};

/// The folder of a comparison that holds its Slurm scripts, logs and submissions.
pub const SLURM_FOLDER: &str = "slurm";
/// Where the array tasks and collection jobs write their output, inside [`SLURM_FOLDER`].
pub const LOGS_FOLDER: &str = "logs";
/// One line per submission: its number, job ids and runs.
pub const SUBMISSIONS_FILE: &str = "submissions.jsonl";

/// The flags of `compare` that are Slurm's business, not the collection job's.
const SLURM_FLAGS: [&str; 3] = ["--slurm", "--submit", "--sbatch"];

/// How to hand a comparison to Slurm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlurmOptions {
    /// Hand the scripts to `sbatch` (else only write them).
    pub submit: bool,
    /// Extra `sbatch` options, each one `#SBATCH` line of both scripts
    /// (`--partition=gpu`, `--time=2:00:00`, `--gres=gpu:1`, `--account=…`).
    pub sbatch: Vec<String>,
}

/// One submission: the runs its array trains and how.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The submission's number, 1 for the first in this comparison folder.
    pub number: u32,
    /// The comparison folder.
    pub out: PathBuf,
    /// The run folders to train, task k the k-th.
    pub runs: Vec<PathBuf>,
    /// The `lsgan` executable the tasks run (it must be reachable from every node).
    pub executable: PathBuf,
    /// The folder the jobs start in (where `compare` was called: relative paths hold).
    pub workdir: PathBuf,
    /// `compare`'s own arguments for the collection job (without the executable).
    pub collect_arguments: Vec<OsString>,
    pub sbatch: Vec<String>,
}

/// A submission as recorded in `submissions.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    pub number: u32,
    pub array_job: String,
    pub collect_job: String,
    pub runs: Vec<PathBuf>,
}

/// The scripts of a written submission.
#[derive(Clone, Debug)]
pub struct Scripts {
    pub array: PathBuf,
    pub collect: PathBuf,
}

impl Submission {
    /// The next submission in `out` (one more than the scripts already there).
    pub fn next(
        out: &Path,
        runs: Vec<PathBuf>,
        collect_arguments: Vec<OsString>,
        sbatch: Vec<String>,
    ) -> Result<Submission> {
        let folder = out.join(SLURM_FOLDER);
        let written = std::fs::read_dir(&folder)
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok())
                    .filter_map(|entry| {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        name.strip_prefix("array-")?
                            .strip_suffix(".sh")?
                            .parse::<u32>()
                            .ok()
                    })
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        Ok(Submission {
            number: written + 1,
            out: out.to_path_buf(),
            runs,
            executable: std::env::current_exe()
                .map_err(|e| Error::io("finding", Path::new("the lsgan executable"), e))?,
            workdir: std::env::current_dir()
                .map_err(|e| Error::io("reading", Path::new("the current folder"), e))?,
            collect_arguments,
            sbatch,
        })
    }

    fn folder(&self) -> PathBuf {
        self.out.join(SLURM_FOLDER)
    }

    /// The `#SBATCH` lines both scripts share: name, output file, start folder, the user's.
    fn header(&self, what: &str, output: &str) -> String {
        let name = self
            .out
            .file_name()
            .map_or_else(|| "compare".into(), |n| n.to_string_lossy().into_owned());
        let logs = self.folder().join(LOGS_FOLDER).join(output);
        let mut lines = vec![
            "#!/bin/bash".to_string(),
            format!(
                "# Written by `lsgan compare --slurm` (submission {}): {what}",
                self.number
            ),
            format!("#SBATCH --job-name=lsgan-{name}"),
            format!("#SBATCH --output={}", logs.display()),
            format!("#SBATCH --chdir={}", self.workdir.display()),
        ];
        lines.extend(self.sbatch.iter().map(|option| format!("#SBATCH {option}")));
        lines.join("\n") + "\n"
    }

    /// The array script: task k trains (or resumes) run k; a finished run is left alone.
    pub fn array_script(&self) -> String {
        let tasks = self.runs.len().saturating_sub(1);
        let mut script = self.header(
            "task k trains the k-th run of RUNS below, or resumes it from its checkpoint.",
            &format!("array-{}_%a.out", self.number),
        );
        script += &format!("#SBATCH --array=0-{tasks}\n");
        if !self.sbatch.iter().any(|o| is_cpus_option(o)) {
            script += "#SBATCH --cpus-per-task=1\n";
        }
        script += "set -euo pipefail\n";
        script += &format!("LSGAN={}\n", shell_quoted(self.executable.as_os_str()));
        script += "RUNS=(\n";
        for run in &self.runs {
            script += &format!("  {}\n", shell_quoted(run.as_os_str()));
        }
        script += ")\n";
        script += &format!(
            r#"run=${{RUNS[$SLURM_ARRAY_TASK_ID]}}
# libtorch's threads: the CPUs Slurm gave this task (a run's own `threads` wins).
export OMP_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-1}} MKL_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-1}}
if [ -f "$run/{FINAL_METRICS_FILE}" ]; then
  echo "$run finished already"
elif [ -f "$run/{CHECKPOINT_FILE}" ]; then
  exec "$LSGAN" resume "$run"
else
  exec "$LSGAN" train --config "$run/{CONFIG_FILE}" --out "$run" --force
fi
"#
        );
        script
    }

    /// The collection script: the same `lsgan compare` with `--collect`.
    pub fn collect_script(&self) -> String {
        let mut script = self.header(
            "once the array's tasks have ended, the summary and report of every run.",
            &format!("collect-{}_%j.out", self.number),
        );
        script += "set -euo pipefail\n";
        let mut command = vec![shell_quoted(self.executable.as_os_str())];
        command.extend(self.collect_arguments.iter().map(|a| shell_quoted(a)));
        script += &format!("exec {} --collect\n", command.join(" "));
        script
    }

    /// Writes both scripts (and the logs folder Slurm writes into) into `DIR/slurm/`.
    pub fn write(&self) -> Result<Scripts> {
        let logs = self.folder().join(LOGS_FOLDER);
        std::fs::create_dir_all(&logs).map_err(|e| Error::io("creating", &logs, e))?;
        let scripts = Scripts {
            array: self.folder().join(format!("array-{}.sh", self.number)),
            collect: self.folder().join(format!("collect-{}.sh", self.number)),
        };
        write_atomically(&scripts.array, self.array_script().as_bytes())?;
        write_atomically(&scripts.collect, self.collect_script().as_bytes())?;
        Ok(scripts)
    }

    /// Submits the array, then the collection job depending on it, and records both ids.
    pub fn submit(&self, scripts: &Scripts) -> Result<SubmissionRecord> {
        let array_job = sbatch(&[], &scripts.array)?;
        let collect_job = sbatch(
            &[format!("--dependency=afterany:{array_job}")],
            &scripts.collect,
        )?;
        let record = SubmissionRecord {
            number: self.number,
            array_job,
            collect_job,
            runs: self.runs.clone(),
        };
        JsonLines::append_to(&self.folder().join(SUBMISSIONS_FILE))?.append(&record)?;
        Ok(record)
    }
}

/// Writes the scripts of a submission training `runs` (the unfinished of `total`) and, with
/// `--submit`, submits them; says what it did and what to do next.
pub fn hand_to_slurm(
    out: &Path,
    runs: Vec<PathBuf>,
    total: usize,
    options: &SlurmOptions,
) -> Result<()> {
    let count = runs.len();
    let arguments = collect_arguments(std::env::args_os().skip(1));
    let submission = Submission::next(out, runs, arguments, options.sbatch.clone())?;
    let scripts = submission.write()?;
    println!(
        "compare: {count} of {total} runs to train; wrote {} (a job array, one task a run) \
         and {} (the summary and report once the array has ended)",
        scripts.array.display(),
        scripts.collect.display()
    );
    if options.submit {
        let record = submission.submit(&scripts)?;
        let (array, collect) = (&record.array_job, &record.collect_job);
        println!(
            "compare: submitted array job {array} and collection job {collect}; follow them \
             with `squeue -j {array},{collect}`; the summary appears in {} when the \
             collection job ends",
            out.display()
        );
    } else {
        println!(
            "compare: submit with `jobid=$(sbatch --parsable {}) && sbatch \
             --dependency=afterany:$jobid {}`",
            scripts.array.display(),
            scripts.collect.display()
        );
    }
    Ok(())
}

/// Runs `sbatch --parsable OPTIONS SCRIPT` and returns the job id it prints.
fn sbatch(options: &[String], script: &Path) -> Result<String> {
    let output = std::process::Command::new("sbatch")
        .arg("--parsable")
        .args(options)
        .arg(script)
        .output()
        .map_err(|e| {
            Error::bad_input(format!(
                "option --submit: cannot run sbatch ({e}); is Slurm installed here? Without \
                 --submit, --slurm only writes the scripts, to submit by hand"
            ))
        })?;
    if !output.status.success() {
        return Err(Error::Failed(format!(
            "sbatch {} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // `--parsable` prints `id` or `id;cluster`.
    let text = String::from_utf8_lossy(&output.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        return Err(Error::Failed(format!(
            "sbatch {} printed no job id",
            script.display()
        )));
    }
    Ok(id)
}

/// `compare`'s arguments for the collection job: these, less the Slurm flags (and the
/// value of `--sbatch`).
pub fn collect_arguments(arguments: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut kept = Vec::new();
    let mut skip_value = false;
    for argument in arguments {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let text = argument.to_string_lossy();
        let flag = text.split('=').next().unwrap_or("");
        if SLURM_FLAGS.contains(&flag) {
            skip_value = flag == "--sbatch" && !text.contains('=');
            continue;
        }
        kept.push(argument);
    }
    kept
}

/// Whether an sbatch option sets the CPUs per task.
fn is_cpus_option(option: &str) -> bool {
    option.starts_with("--cpus-per-task") || option.starts_with("-c")
}

/// `text` quoted for bash: in single quotes, each `'` written `'\''`.
fn shell_quoted(text: &OsStr) -> String {
    let text = text.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c))
    {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(runs: &[&str], sbatch: &[&str]) -> Submission {
        Submission {
            number: 2,
            out: PathBuf::from("sweeps/ring"),
            runs: runs.iter().map(PathBuf::from).collect(),
            executable: PathBuf::from("/opt/lsgan bin/lsgan"),
            workdir: PathBuf::from("/home/me"),
            collect_arguments: ["compare", "--out", "sweeps/ring", "--vary", "x=it's"]
                .map(OsString::from)
                .to_vec(),
            sbatch: sbatch.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_array_has_one_task_per_run_and_the_users_options() {
        let script =
            submission(&["r/a-seed0", "r/a-seed1", "r/b c"], &["--partition=gpu"]).array_script();
        assert!(script.starts_with("#!/bin/bash\n"));
        assert!(script.contains("#SBATCH --array=0-2\n"), "{script}");
        assert!(script.contains("#SBATCH --partition=gpu\n"));
        assert!(script.contains("#SBATCH --cpus-per-task=1\n"));
        assert!(script.contains("#SBATCH --chdir=/home/me\n"));
        assert!(script.contains("#SBATCH --output=sweeps/ring/slurm/logs/array-2_%a.out\n"));
        assert!(script.contains("LSGAN='/opt/lsgan bin/lsgan'\n"));
        assert!(script.contains("RUNS=(\n  r/a-seed0\n  r/a-seed1\n  'r/b c'\n)\n"));
        let cpus = submission(&["r"], &["--cpus-per-task=4"]).array_script();
        assert!(!cpus.contains("--cpus-per-task=1"), "{cpus}");
    }

    #[test]
    fn the_collection_job_is_the_same_compare_with_collect() {
        let script = submission(&["r"], &[]).collect_script();
        assert!(
            script.ends_with(
                "exec '/opt/lsgan bin/lsgan' compare --out sweeps/ring --vary 'x=it'\\''s' --collect\n"
            ),
            "{script}"
        );
        assert!(script.contains("#SBATCH --output=sweeps/ring/slurm/logs/collect-2_%j.out\n"));
    }

    #[test]
    fn the_slurm_flags_are_left_out_of_the_collection_job() {
        let given = [
            "compare",
            "--slurm",
            "--sbatch",
            "--partition=gpu",
            "--seeds",
            "2",
            "--sbatch=--time=1:00:00",
            "--submit",
            "--out",
            "d",
        ];
        let kept = collect_arguments(given.map(OsString::from));
        assert_eq!(
            kept,
            ["compare", "--seeds", "2", "--out", "d"].map(OsString::from)
        );
    }
}
