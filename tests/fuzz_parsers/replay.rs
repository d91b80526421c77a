//! The ignored test `replay`: reruns one case a campaign saved under
//! `target/tmp/fuzz-failures/`, with whichever target's parser saved it.

use std::path::PathBuf;

use lsgan::data::csv::read_points;
use lsgan::data::images::{cifar, folder, idx};
use lsgan::train::config::TrainConfig;

use crate::harness::{idx_prefix, largest_allocation};

/// Replays a case a campaign saved, outside `catch_unwind` so that a panic shows its
/// backtrace: `LSGAN_FUZZ_REPLAY=target/tmp/fuzz-failures/<file> cargo test --release --test
/// fuzz_parsers -- --ignored replay --nocapture`.
#[test]
#[ignore = "replays the saved case named by LSGAN_FUZZ_REPLAY"]
fn replay() {
    let saved = PathBuf::from(std::env::var("LSGAN_FUZZ_REPLAY").expect("LSGAN_FUZZ_REPLAY"));
    let name = saved.file_name().unwrap().to_str().unwrap();
    let targets = [
        "idx-images",
        "idx-labels",
        "cifar-batches",
        "image-folder",
        "csv-points",
        "config",
    ];
    let (target, rest) = targets
        .iter()
        .find_map(|&t| Some((t, name.strip_prefix(t)?.strip_prefix('-')?)))
        .unwrap_or_else(|| panic!("{name}: not named <target>-<case>-<file>"));
    let file_name = rest.split_once('-').expect("<case>-<file>").1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::copy(&saved, &path).unwrap();
    let images = dir.path().join("images-idx3-ubyte");
    std::fs::write(&images, idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20)).unwrap();
    let (result, largest) = largest_allocation(|| match target {
        "idx-images" => idx::read_images(&path).map(drop),
        "idx-labels" => idx::read_pair(&images, &path).map(drop),
        "cifar-batches" => cifar::read_batch(&path).map(drop),
        "image-folder" => {
            std::fs::remove_file(&images).unwrap();
            [(3, 32), (1, 28)]
                .into_iter()
                .try_for_each(|(channels, side)| {
                    folder::read_folder(dir.path(), channels, side).map(drop)
                })
        }
        "csv-points" => read_points(&path).map(drop),
        _ => TrainConfig::from_file(&path).map(drop),
    });
    println!("{target} {name}: {result:?}; largest allocation {largest} bytes");
}
