//! IDX files fuzzed: image files and label files (read as the pair of a good image file), raw
//! and gzipped, mutated inside and outside the gzip stream; and headers claiming a terabyte
//! refused before allocating.

use lsgan::data::images::idx;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::common;
use crate::harness::{
    byte_campaign, gzip_backed, idx_prefix, random_bytes, refused_small, sparse_file, Format, Seed,
    DATA_ALLOCATION_BOUND,
};
use crate::record;

const IDX_TRIED: &str = "truncated (to 0 too), 1-8 bit flips, bytes overwritten, header fields \
                         set to extremes (0, 0xFFFFFFFF, counts claiming ~10^12 bytes), junk \
                         inserted and appended, chunks duplicated, grown to up to 1.25 MiB; inside \
                         and outside the gzip stream";

fn idx_image_seeds() -> Vec<Seed> {
    let mnist = idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20);
    let fashion = idx_prefix("fashion-mnist/train-images-idx3-ubyte.gz", 20);
    vec![
        Seed::new("images-idx3-ubyte", Format::IdxImages, mnist.clone()),
        Seed::new("images-idx3-ubyte.gz", Format::IdxImages, mnist),
        Seed::new("fashion-idx3-ubyte", Format::IdxImages, fashion.clone()),
        Seed::new("fashion-idx3-ubyte.gz", Format::IdxImages, fashion),
    ]
}

#[test]
fn fuzz_idx_images() {
    let (tally, cases) = byte_campaign(
        "idx-images",
        1,
        gzip_backed(DATA_ALLOCATION_BOUND),
        &idx_image_seeds(),
        |path, _| idx::read_images(path).map(drop),
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-idx-images",
        "Corrupt IDX image file (raw and gzip)",
        IDX_TRIED,
        cases,
        &tally.outcome(DATA_ALLOCATION_BOUND, "as bad input naming the file"),
    );
}

#[test]
fn fuzz_idx_labels() {
    // Read as the second file of a pair, so that a count that no longer matches is tried too.
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images-idx3-ubyte");
    std::fs::write(&images, idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20)).unwrap();
    let labels = idx_prefix("mnist/t10k-labels-idx1-ubyte.gz", 20);
    let seeds = [
        Seed::new("labels-idx1-ubyte", Format::IdxLabels, labels.clone()),
        Seed::new("labels-idx1-ubyte.gz", Format::IdxLabels, labels),
    ];
    let (tally, cases) = byte_campaign(
        "idx-labels",
        2,
        gzip_backed(DATA_ALLOCATION_BOUND),
        &seeds,
        |path, _| idx::read_pair(&images, path).map(drop),
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-idx-labels",
        "Corrupt IDX label file (raw and gzip), read as the pair of a good image file",
        IDX_TRIED,
        cases,
        &tally.outcome(DATA_ALLOCATION_BOUND, "as bad input naming the file"),
    );
}

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

#[test]
fn idx_headers_claiming_a_terabyte_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let header = idx::encode(idx::IMAGES_MAGIC, &[1_275_510_204, 28, 28], &[]);
    let raw = dir.path().join("terabyte-idx3-ubyte");
    std::fs::write(&raw, &header).unwrap();
    let message = refused_small(&raw, idx::read_images);
    assert!(message.contains("1275510204 images"), "{message}");

    let gz = dir.path().join("terabyte-idx3-ubyte.gz");
    std::fs::write(&gz, common::gzip(&header)).unwrap();
    refused_small(&gz, idx::read_images);

    // A claim under the 1 GiB limit in a 2 GiB file that is all hole: the size check refuses
    // it without reading.
    let holes = dir.path().join("hole-idx3-ubyte");
    sparse_file(
        &holes,
        &idx::encode(idx::IMAGES_MAGIC, &[1_000_000, 28, 28], &[]),
        2 << 30,
    );
    refused_small(&holes, idx::read_images);

    // A gzip file claiming far more than the ~8× its size it is reserved for, within what
    // deflate could in principle hold: read as it comes, and refused as truncated.
    let mut claim = idx::encode(idx::IMAGES_MAGIC, &[100_000, 28, 28], &[]);
    claim.extend(random_bytes(&mut ChaCha8Rng::seed_from_u64(0), 80_000));
    let modest = dir.path().join("claim-idx3-ubyte.gz");
    std::fs::write(&modest, common::gzip(&claim)).unwrap();
    let message = refused_small(&modest, idx::read_images);
    assert!(message.contains("truncated"), "{message}");

    let labels = dir.path().join("labels-idx1-ubyte.gz");
    std::fs::write(
        &labels,
        common::gzip(&idx::encode(idx::LABELS_MAGIC, &[u32::MAX], &[])),
    )
    .unwrap();
    refused_small(&labels, idx::read_labels);
}
