//! Helpers shared by the integration tests that compare run folders.

use std::path::Path;

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
