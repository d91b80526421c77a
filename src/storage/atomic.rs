//! Whole files replaced atomically: written beside their final name, synced, renamed over
//! it and the folder synced, so that a crash or a full disk never leaves half a file and
//! never loses the one being replaced.

use std::fs::{self, File};
use std::path::Path;

use crate::error::{Error, Result};

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
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomically(&path, b"{}").unwrap();
        write_atomically(&path, b"[1]").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "[1]");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
