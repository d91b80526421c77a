//! A disk that fills up during training: the run is trained on a 4 MB tmpfs (mounted in a
//! private user and mount namespace, so no root is needed) that another writer fills after
//! a few log lines. Training stops with an error that names the file and says the disk is
//! full and which checkpoint is intact; that checkpoint reads back whole, no temporary file
//! is left, and once space is freed `lsgan resume` finishes the run, equal byte for byte to
//! one never interrupted. Needs `unshare` and user namespaces (Linux); on a machine without
//! them set LSGAN_SKIP_DISK_FULL=1 to skip it.

mod common;
mod record;

use std::path::Path;

use common::{in_private_namespace, lsgan, metrics_log, run_flags_for, succeeded, ITERATIONS};
use lsgan::train::checkpoint::Checkpoint;

/// Runs inside the namespace: mount the small tmpfs, train on it, fill it once metrics.jsonl
/// has `$4` lines, keep a copy of the run as the failure left it, free the space, resume.
const SCRIPT: &str = r#"
set -u
mnt=$1; out=$2; lsgan=$3; lines=$4; shift 4
mount -t tmpfs -o size=4m tmpfs "$mnt" || exit 90
"$lsgan" train --out "$mnt/run" "$@" 2> "$out/train.err" &
pid=$!
while [ "$(cat "$mnt/run/metrics.jsonl" 2>/dev/null | wc -l)" -lt "$lines" ]; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
done
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
wait "$pid"; echo $? > "$out/train.rc"
cp -a "$mnt/run" "$out/full"
rm -f "$mnt/filler"
"$lsgan" resume "$mnt/run" --quiet 2> "$out/resume.err"; echo $? > "$out/resume.rc"
cp -a "$mnt/run" "$out/resumed"
"#;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_full_disk_stops_training_clearly_and_resume_finishes_the_run() {
    if std::env::var_os("LSGAN_SKIP_DISK_FULL").is_some() {
        eprintln!("skipped: LSGAN_SKIP_DISK_FULL is set");
        return;
    }
    let flags = run_flags_for(ITERATIONS);
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    succeeded(
        lsgan()
            .args(["train", "--out", reference.to_str().unwrap()])
            .args(&flags)
            .output()
            .unwrap(),
    );

    let mut failed_writes = Vec::new();
    let fill_after_lines = [1, 8];
    for lines in fill_after_lines {
        let out = dir.path().join(format!("fill-after-{lines}"));
        let mnt = dir.path().join(format!("mnt-{lines}"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&mnt).unwrap();
        let status = in_private_namespace(SCRIPT)
            .arg(&mnt)
            .arg(&out)
            .arg(env!("CARGO_BIN_EXE_lsgan"))
            .arg(lines.to_string())
            .args(&flags)
            .status()
            .expect("`unshare` runs (set LSGAN_SKIP_DISK_FULL=1 on a machine without it)");
        assert_eq!(
            status.code(),
            Some(0),
            "the namespace or the tmpfs could not be set up (set LSGAN_SKIP_DISK_FULL=1 on a \
             machine without user namespaces)"
        );

        let message = read(&out.join("train.err"));
        assert_eq!(read(&out.join("train.rc")).trim(), "1", "{message}");
        assert!(message.contains("No space left on device"), "{message}");
        assert!(message.contains("/run/"), "names the file: {message}");
        let full = out.join("full");
        let checkpoint = Checkpoint::read(&full.join("checkpoint.safetensors"))
            .and_then(|c| c.iteration())
            .unwrap_or_else(|e| panic!("the checkpoint left on the full disk: {e}"));
        assert!(
            message.contains(&format!("checkpoint of iteration {checkpoint} is intact")),
            "{message}"
        );
        let leftovers: Vec<String> = std::fs::read_dir(&full)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        let failed = message
            .split("No space left")
            .next()
            .and_then(|head| head.rsplit('/').next())
            .unwrap_or("?")
            .trim_end_matches(": ")
            .to_string();
        failed_writes.push(format!(
            "{failed} at the checkpoint of iteration {checkpoint}"
        ));

        assert_eq!(
            read(&out.join("resume.rc")).trim(),
            "0",
            "{}",
            read(&out.join("resume.err"))
        );
        let resumed = out.join("resumed");
        assert_eq!(metrics_log(&resumed), metrics_log(&reference));
        common::assert_same_files(
            &resumed,
            &reference,
            &[
                "generator.safetensors",
                "critic.safetensors",
                "generator_ema.safetensors",
            ],
        );
    }
    record::record(
        "disk-full",
        "Disk full during training",
        "a 4 MB tmpfs filled by another writer after 1 and after 8 log lines \
         (tests/disk_full.rs)",
        fill_after_lines.len(),
        &format!(
            "exit 1 naming the file, \"No space left on device\" and the intact checkpoint \
             (failed writes: {}); no temporary file left; after freeing space `lsgan resume` \
             finished the run, equal byte for byte to an uninterrupted one (metrics.jsonl but \
             for its wall-clock seconds)",
            failed_writes.join("; ")
        ),
    );
}
