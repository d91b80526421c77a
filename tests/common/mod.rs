//! Helpers shared by the integration tests that compare run folders.

use std::path::Path;
use std::process::Output;

/// Asserts that each of `files` has the same bytes in run folders `got` and `want`.
pub fn assert_same_files(got: &Path, want: &Path, files: &[&str]) {
    for file in files {
        let read = |dir: &Path| {
            std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
        };
        assert!(read(got) == read(want), "{file} differs");
    }
}

/// Asserts that a command exited 0, showing its stderr otherwise; returns its output.
pub fn succeeded(output: Output) -> Output {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
